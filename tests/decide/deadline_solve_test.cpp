// The hard-deadline utility shared by the exact prover and the exact
// checker (decide/src/deadline_solve.hpp, internal: included by path). A
// work that ignores every deadline -- as Z3 4.8.12's nlqsat ignores its
// interrupt -- must be killed at the deadline and give no answer; only a
// work that returned and exited normally gives one, byte for byte.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <stdexcept>
#include <string>
#include <thread>

#include "../../decide/src/deadline_solve.hpp"

namespace wellposed::detail {
namespace {

using Status = HardDeadlineRun::Status;

double wall_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST(HardDeadline, FinishedWorkComesBackByteForByte) {
  // Larger than a pipe's buffer (64 KiB), with a zero byte: read in chunks, not as a C string.
  std::string big(300000, 'x');
  big[1234] = '\0';
  big.back() = 'y';
  const HardDeadlineRun r = run_with_hard_deadline(10, [&](double) { return big; });
  ASSERT_EQ(r.status, Status::finished) << r.reason;
  EXPECT_EQ(r.output, big);
}

TEST(HardDeadline, TheWorkGetsTheChildsShareOfTheBudget) {
  const HardDeadlineRun r = run_with_hard_deadline(2, [](double s) { return std::to_string(s); });
  ASSERT_EQ(r.status, Status::finished) << r.reason;
  EXPECT_DOUBLE_EQ(std::stod(r.output), hard_deadline_child_seconds(2));
  EXPECT_LT(hard_deadline_child_seconds(2), 2.0);
  EXPECT_GT(hard_deadline_child_seconds(2), 1.5);
}

// The regression this utility exists for: a computation that does not stop
// at its budget. Killed at the deadline; the parent returns within it (plus a
// loose 2 s for reaping and a loaded machine: a bound, not a benchmark).
TEST(HardDeadline, WorkThatIgnoresTheDeadlineIsKilledAndGivesNoAnswer) {
  const auto t0 = std::chrono::steady_clock::now();
  const HardDeadlineRun r = run_with_hard_deadline(1.0, [](double) {
    std::this_thread::sleep_for(std::chrono::seconds(30));
    return std::string("sat");
  });
  const double wall = wall_since(t0);
  EXPECT_EQ(r.status, Status::killed);
  EXPECT_TRUE(r.output.empty());
  EXPECT_FALSE(r.reason.empty());
  EXPECT_LT(wall, 1.0 + 2.0);
}

TEST(HardDeadline, ThrowingOrCrashingWorkIsNeverFinished) {
  const HardDeadlineRun t = run_with_hard_deadline(5, [](double) -> std::string { throw std::runtime_error("x"); });
  EXPECT_EQ(t.status, Status::failed);
  EXPECT_TRUE(t.output.empty());
  const HardDeadlineRun k = run_with_hard_deadline(5, [](double) -> std::string {
    std::raise(SIGKILL);
    return "sat";
  });
  EXPECT_EQ(k.status, Status::failed);
  EXPECT_TRUE(k.output.empty());
}

TEST(HardDeadline, NoBudgetRunsNothing) {
  const HardDeadlineRun r = run_with_hard_deadline(0, [](double) { return std::string("sat"); });
  EXPECT_EQ(r.status, Status::killed);
  EXPECT_TRUE(r.output.empty());
}

}  // namespace
}  // namespace wellposed::detail
