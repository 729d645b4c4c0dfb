// The parent's side of the library's forked children (decide/src/
// child_process.hpp, internal: included by path), through its two users:
// run_process (external programs, subprocess.hpp) and run_with_hard_deadline
// (solver queries, deadline_solve.hpp). What must hold: all of a child's
// output arrives, in order; a child past its deadline is killed and gives no
// answer; a child that dies is never `finished`, and the single query says
// which signal ended it.
#include <gtest/gtest.h>

#include <csignal>
#include <string>

#include "../../decide/src/child_process.hpp"
#include "../../decide/src/deadline_solve.hpp"
#include "../../decide/src/subprocess.hpp"

#include <unistd.h>

namespace wellposed::detail {
namespace {

TEST(ChildProcess, ProgramInputComesBackThroughItsOutputByteForByte) {
  // More than a pipe's buffer each way: input and output interleave without blocking.
  std::string in;
  for (int i = 0; in.size() < 200000; ++i) in += std::to_string(i) + (i % 7 ? ' ' : '\n');
  const ProcessRun r = run_process({"cat"}, in, 30);
  ASSERT_EQ(r.status, ProcessRun::Status::finished) << r.reason;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, in);
}

TEST(ChildProcess, ProgramPastItsDeadlineIsKilled) {
  const ProcessRun r = run_process({"sleep", "30"}, "", 0.5);
  EXPECT_EQ(r.status, ProcessRun::Status::killed);
  EXPECT_NE(r.reason.find("killed at the deadline"), std::string::npos) << r.reason;
  EXPECT_LT(r.seconds, 10.0);  // a bound far from the 30 s the program asks for, not a timing
}

TEST(ChildProcess, ProgramWithTooMuchOutputFailsWithoutOutput) {
  const ProcessRun r = run_process({"head", "-c", "100000", "/dev/zero"}, "", 30, 1000);
  EXPECT_EQ(r.status, ProcessRun::Status::failed);
  EXPECT_EQ(r.reason, "too much output");
  EXPECT_TRUE(r.output.empty());
}

TEST(ChildProcess, MissingProgramIsExitCode127WithItsName) {
  const ProcessRun r = run_process({"wellposed-no-such-program"}, "x", 30);
  ASSERT_EQ(r.status, ProcessRun::Status::finished) << r.reason;
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(r.reason.find("wellposed-no-such-program"), std::string::npos) << r.reason;
}

// SIGKILL, not SIGSEGV: under ASan the sanitizer catches a raised SIGSEGV,
// reports it and exits with a status, so the child would not die of a
// signal (CI's ASan run failed so); no runtime can intercept SIGKILL.
TEST(ChildProcess, QueryKilledBySignalSaysWhichSignal) {
  const HardDeadlineRun r = run_with_hard_deadline(30, [](double) -> std::string {
    std::raise(SIGKILL);
    return "sat";
  });
  EXPECT_EQ(r.status, HardDeadlineRun::Status::failed);
  EXPECT_EQ(r.reason, "the query process died of signal " + std::to_string(SIGKILL));
  EXPECT_TRUE(r.output.empty());
}

TEST(ChildProcess, WriteAllAndReadReadyCarryEveryByte) {
  int fd[2];
  ASSERT_EQ(::pipe(fd), 0);
  const std::string s(1000, 'q');
  ASSERT_TRUE(write_all(fd[1], s));
  ::close(fd[1]);
  std::string got;
  ChildRead r;
  while ((r = read_ready(fd[0], got)) != ChildRead::eof) ASSERT_NE(r, ChildRead::again);
  ::close(fd[0]);
  EXPECT_EQ(got, s);
  // A pipe without a reader: write_all says it could not (SIGPIPE ignored here).
  ASSERT_EQ(::pipe(fd), 0);
  ::close(fd[0]);
  auto old = std::signal(SIGPIPE, SIG_IGN);
  EXPECT_FALSE(write_all(fd[1], s));
  std::signal(SIGPIPE, old);
  ::close(fd[1]);
}

TEST(ChildProcess, WaitReadableNeverPassesItsDeadline) {
  int fd[2];
  ASSERT_EQ(::pipe(fd), 0);
  pollfd pf{fd[0], POLLIN, 0};
  EXPECT_EQ(wait_readable(&pf, 1, child_clock::now()), ChildWait::deadline);
  const auto until = child_time_after(child_clock::now(), 0.05);
  ChildWait w;
  while ((w = wait_readable(&pf, 1, until)) == ChildWait::nothing) {
  }
  EXPECT_EQ(w, ChildWait::deadline);  // nothing was written: only the deadline ends the wait
  EXPECT_GE(child_clock::now(), until);
  ASSERT_TRUE(write_all(fd[1], "x"));
  EXPECT_EQ(wait_readable(&pf, 1, child_time_after(child_clock::now(), 30)), ChildWait::ready);
  ::close(fd[0]);
  ::close(fd[1]);
}

}  // namespace
}  // namespace wellposed::detail
