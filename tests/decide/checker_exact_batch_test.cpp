// The exact checker's batched re-check (issue 24 item 5): many small queries
// (normal-form leaves, algebraic-onto patterns) run in a few forked children
// under one hard deadline (decide/src/deadline_solve.hpp,
// run_batch_with_hard_deadline; internal: included by path), instead of one
// fork per query. What must not change: only a complete record of a work
// that returned is an answer; a killed, crashed or stopped item never is; the
// checker still re-decides EVERY leaf, rejects a FALSE leaf wherever it is,
// rejects altered trees before any solver runs, and fails (never passes) when
// its budget runs out.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../../decide/src/deadline_solve.hpp"
#include "normal_form_tree.hpp"
#include "wellposed/algebra/architecture.hpp"
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/detail/exact_checker.hpp"
#include "wellposed/decide/detail/normal_form.hpp"
#include "wellposed/decide/detail/reductions.hpp"

namespace wellposed {
namespace {

using json = nlohmann::json;
using detail::HardDeadlineRun;
using detail::run_batch_with_hard_deadline;
using Status = HardDeadlineRun::Status;

double wall_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// ---- the batch utility ----------------------------------------------------

TEST(HardDeadlineBatch, EveryItemComesBackByteForByteInItsOwnSlot) {
  // Outputs of different lengths, one larger than a socket's buffer and with
  // zero bytes, so that records are split across reads and framed by length.
  auto output = [](std::size_t k) {
    std::string s(k == 3 ? 300000 : 10 * k + 1, static_cast<char>('a' + k));
    s[0] = '\0';
    s += "\n" + std::to_string(k);
    return s;
  };
  for (std::size_t workers : {1u, 2u, 3u}) {
    const auto runs = run_batch_with_hard_deadline(20, 7, workers, [&](std::size_t k, double) { return output(k); });
    ASSERT_EQ(runs.size(), 7u);
    for (std::size_t k = 0; k < 7; ++k) {
      ASSERT_EQ(runs[k].status, Status::finished) << k << ": " << runs[k].reason;
      EXPECT_EQ(runs[k].output, output(k)) << "item " << k << " with " << workers << " workers";
    }
  }
}

TEST(HardDeadlineBatch, EachItemGetsWhatIsLeftOfTheBatchsChildDeadline) {
  const auto runs =
      run_batch_with_hard_deadline(3, 5, 2, [](std::size_t, double s) { return std::to_string(s); });
  for (const auto& r : runs) {
    ASSERT_EQ(r.status, Status::finished) << r.reason;
    EXPECT_GT(std::stod(r.output), 0.0);
    EXPECT_LE(std::stod(r.output), detail::hard_deadline_child_seconds(3));
  }
}

// An item that ignores every deadline (as nlqsat may) is killed at the
// batch's deadline and gives no answer; the other worker still finishes the
// rest. The call returns within the deadline (plus a loose 2 s for reaping
// on a loaded machine: a bound, not a benchmark).
TEST(HardDeadlineBatch, AnItemThatIgnoresTheDeadlineIsKilledTheOthersFinish) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto runs = run_batch_with_hard_deadline(1.5, 5, 2, [](std::size_t k, double) {
    if (k == 1) std::this_thread::sleep_for(std::chrono::seconds(30));
    return std::string("sat");
  });
  EXPECT_LT(wall_since(t0), 1.5 + 2.0);
  EXPECT_EQ(runs[1].status, Status::killed);
  EXPECT_TRUE(runs[1].output.empty());
  for (std::size_t k : {0u, 2u, 3u, 4u}) {
    EXPECT_EQ(runs[k].status, Status::finished) << k << ": " << runs[k].reason;
    EXPECT_EQ(runs[k].output, "sat");
  }
}

TEST(HardDeadlineBatch, ThrowingOrCrashingItemsAreNeverFinished) {
  // Item 1 throws, item 3 dies of SIGKILL: each takes its child with it and
  // is failed, without output; a new child takes the items after it.
  for (std::size_t workers : {1u, 2u}) {
    const auto runs = run_batch_with_hard_deadline(10, 6, workers, [](std::size_t k, double) -> std::string {
      if (k == 1) throw std::runtime_error("x");
      if (k == 3) std::raise(SIGKILL);
      return "sat";
    });
    for (std::size_t k = 0; k < 6; ++k) {
      if (k == 1 || k == 3) {
        EXPECT_EQ(runs[k].status, Status::failed) << k;
        EXPECT_TRUE(runs[k].output.empty());
      } else {
        EXPECT_EQ(runs[k].status, Status::finished) << k << ": " << runs[k].reason;
        EXPECT_EQ(runs[k].output, "sat");
      }
    }
  }
}

// keep_going false (the checker: a leaf that is not TRUE) stops the batch:
// the items without a result are killed, and the call does not wait for the
// slow ones.
TEST(HardDeadlineBatch, StoppingEarlyKillsTheRestAndReturnsAtOnce) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::size_t> seen;
  const auto runs = run_batch_with_hard_deadline(
      30, 6, 2,
      [](std::size_t k, double) {
        if (k >= 3) std::this_thread::sleep_for(std::chrono::seconds(30));
        return k == 1 ? std::string("unsat") : std::string("sat");
      },
      [&](std::size_t k, const HardDeadlineRun& r) {
        seen.push_back(k);
        return r.output == "sat";
      });
  EXPECT_LT(wall_since(t0), 10.0);
  EXPECT_EQ(runs[1].status, Status::finished);
  EXPECT_EQ(runs[1].output, "unsat");
  for (std::size_t k = 3; k < 6; ++k) EXPECT_EQ(runs[k].status, Status::killed) << k;
  EXPECT_NE(std::find(seen.begin(), seen.end(), 1u), seen.end());
}

TEST(HardDeadlineBatch, NoBudgetRunsNothing) {
  bool ran = false;
  const auto runs = run_batch_with_hard_deadline(0, 3, 2, [&](std::size_t, double) {
    ran = true;
    return std::string("sat");
  });
  for (const auto& r : runs) {
    EXPECT_EQ(r.status, Status::killed);
    EXPECT_TRUE(r.output.empty());
  }
  EXPECT_FALSE(ran);
}

// ---- the checker on normal-form trees ---------------------------------------

Architecture pair(std::vector<std::string> I, std::vector<std::string> J) {
  return Architecture({Support::from_rows(I), Support::from_rows(J)});
}

// The single block's tree and its exact_closed certificate (no complete-class
// quotient, as in normal_form_test.cpp).
json certificate_of(const Architecture& a, std::size_t* leaves = nullptr) {
  ReductionOptions ro;
  ro.cec_quotient = false;
  const ClosednessReduction red = reduce_for_closedness(a, ro);
  EXPECT_EQ(red.blocks.size(), 1u);
  NormalFormTree t;
  std::string why;
  EXPECT_TRUE(build_normal_form_tree(red.blocks.at(0), {}, t, why)) << why;
  if (leaves) *leaves = t.leaves;
  return {{"kind", "exact_closed"},
          {"reduction", red.to_json()},
          {"closed_by", {"surjective-normal-forms"}},
          {"normal_forms", {normal_form_tree_json(red.blocks.at(0), t)}}};
}

CheckResult check(const Architecture& a, const json& cert, double seconds = 60) {
  CertificateCheckOptions o;
  o.exact_query_seconds = seconds;
  return check_exact_certificate(cert, Closedness::closed, a.factors(), o);
}

using normal_form_tree::find_move;

// A real certificate (a chain of three 3x3 masks of the frontier suite whose
// re-check ran past 30 s with a fork per leaf, bench/RESULTS.md): accepted,
// and every one of its leaves was re-decided by a solver (the trust detail
// counts one answer per leaf), none skipped.
TEST(CheckerBatch, RealTreeIsAcceptedWithEveryLeafReDecided) {
  const Architecture a({Support::from_rows({"100", "011", "000"}), Support::from_rows({"111", "111", "110"}),
                        Support::from_rows({"001", "111", "111"})});
  std::size_t leaves = 0;
  const json cert = certificate_of(a, &leaves);
  ASSERT_GE(leaves, 4u);
  const CheckResult c = check(a, cert);
  ASSERT_TRUE(c.ok) << c.reason;
  EXPECT_NE(c.reason.find(std::to_string(leaves) + " leaves re-decided TRUE"), std::string::npos) << c.reason;
  EXPECT_NE(c.trust.detail.find(std::to_string(leaves) + " solver answers"), std::string::npos) << c.trust.detail;
}

// With a second solver configured, every batched leaf's query text reaches
// it and its answers are compared leaf by leaf: a stand-in solver (a shell
// script answering each (check-sat-using ...) it reads) that agrees labels
// the result two-solvers; one that says unsat to every leaf rejects.
TEST(CheckerBatch, SecondSolverReDecidesEveryLeafsQuery) {
  const Architecture a = pair({"11", "11"}, {"11", "11"});  // a small tree: the text costs time under ASan
  std::size_t leaves = 0;
  const json cert = certificate_of(a, &leaves);
  ASSERT_GE(leaves, 2u);
  const std::string script = ::testing::TempDir() + "wellposed_batch_second_solver.sh";
  for (const std::string answer : {"sat", "unsat"}) {
    std::FILE* f = std::fopen(script.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fprintf(f,
                 "n=$(grep -c 'check-sat-using')\nprintf 'version stand-in 0\\n'\n"
                 "i=0; while [ $i -lt $n ]; do echo %s; i=$((i+1)); done\n",
                 answer.c_str());
    std::fclose(f);
    CertificateCheckOptions o;
    o.exact_query_seconds = 60;
    o.second_solver = {script, "/bin/sh", 30.0};
    const CheckResult c = check_exact_certificate(cert, Closedness::closed, a.factors(), o);
    if (answer == "sat") {
      ASSERT_TRUE(c.ok) << c.reason;
      EXPECT_EQ(c.trust.level, TrustLevel::two_solvers) << c.trust.detail;
      EXPECT_NE(c.trust.detail.find("all " + std::to_string(leaves) + " solver answers"), std::string::npos)
          << c.trust.detail;
    } else {
      EXPECT_FALSE(c.ok);
      EXPECT_NE(c.reason.find("the solvers disagree"), std::string::npos) << c.reason;
    }
  }
  std::remove(script.c_str());
}

// A tree whose moves are all legal but one of whose leaves is FALSE (LU(2):
// [[0,1],[1,0]] up to the moves is not a product; the rank-deficient 3x3)
// is rejected by that leaf's re-decided answer, wherever the leaf is.
TEST(CheckerBatch, AFalseLeafIsRejected) {
  for (const Architecture& a : {Architecture({Support::lower(2), Support::upper(2)}),
                                pair({"11", "11", "11"}, {"111", "111"})}) {
    const CheckResult c = check(a, certificate_of(a));
    EXPECT_FALSE(c.ok);
    EXPECT_NE(c.reason.find("FALSE"), std::string::npos) << c.reason;
  }
}

// Altered trees are rejected by the replay, before any solver runs (the
// early rejection paths are unchanged by the batch): a leaf removed (a
// branch replaced by its zero child), a wrong leaf (a leaf's state changed).
TEST(CheckerBatch, AlteredTreesAreRejectedBeforeAnySolverRuns) {
  const Architecture a = pair({"111", "011", "111"}, {"111", "110", "011"});
  const json good = certificate_of(a);
  {
    json bad = good;
    json* n = find_move(bad["normal_forms"][0], "branch");
    ASSERT_NE(n, nullptr);
    const json zero = n->at("zero");
    *n = zero;  // the "one" half of the tree is gone
    const CheckResult c = check(a, bad);
    EXPECT_FALSE(c.ok);
    EXPECT_NE(c.reason.find("state"), std::string::npos) << c.reason;
  }
  {
    json bad = good;
    json* n = find_move(bad["normal_forms"][0], "leaf");
    ASSERT_NE(n, nullptr);
    json& zeros = (*n)["zeros"];
    json& ones = (*n)["ones"];
    if (!zeros.empty()) {
      ones.push_back(zeros.back());
      zeros.erase(zeros.size() - 1);
    } else {
      ASSERT_FALSE(ones.empty());
      zeros.push_back(ones.back());
      ones.erase(ones.size() - 1);
    }
    const CheckResult c = check(a, bad);
    EXPECT_FALSE(c.ok);
    EXPECT_NE(c.reason.find("state"), std::string::npos) << c.reason;
  }
  {  // a leaf turned into an elimination the supports do not allow
    json bad = good;
    json* n = find_move(bad["normal_forms"][0], "leaf");
    ASSERT_NE(n, nullptr);
    json child = *n;
    (*n)["move"] = "row_elim";
    (*n)["from"] = 0;
    (*n)["to"] = 1;
    (*n)["pivot"] = 0;
    (*n)["child"] = child;
    EXPECT_FALSE(check(a, bad).ok);
  }
}

// Out of budget: not verified, never passed, and the check returns within
// its budget (plus a loose 2 s for reaping on a loaded machine).
TEST(CheckerBatch, AnExhaustedBudgetFailsTheCheckInTime) {
  const Architecture a = pair({"111", "011", "111"}, {"111", "110", "011"});
  const json cert = certificate_of(a);
  const auto t0 = std::chrono::steady_clock::now();
  const CheckResult c = check(a, cert, 0.05);
  EXPECT_LT(wall_since(t0), 0.05 + 2.0);
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.reason.find("not verified"), std::string::npos) << c.reason;
}

}  // namespace
}  // namespace wellposed
