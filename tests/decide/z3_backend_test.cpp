// The Z3 backend: exact translation, models, and "unknown is an answer".
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <thread>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/algebra/detail/sentences.hpp"
#include "wellposed/decide/detail/z3_backend.hpp"

namespace wellposed {
namespace {

TEST(Z3Backend, QuantifierFreeSatHasExactRationalModel) {
  const Variable x = Variable::named("x"), y = Variable::named("y");
  const Formula f = eq(Polynomial(x) * y, Polynomial(1)) && eq(x, Polynomial(Rational(3)));
  const Z3Result r = z3_check(f, {5.0, 1024});
  ASSERT_EQ(r.answer, SolverAnswer::sat) << r.reason;
  EXPECT_EQ(r.tactic, "qfnra-nlsat");
  EXPECT_EQ(r.model.at(y), Rational(1, 3));
  EXPECT_TRUE(f.evaluate(r.model));
}

TEST(Z3Backend, QuantifierFreeUnsat) {
  const Variable x = Variable::named("x");
  const Z3Result r = z3_check(eq(Polynomial(x) * x + 1), {5.0, 1024});
  EXPECT_EQ(r.answer, SolverAnswer::unsat);
}

TEST(Z3Backend, IrrationalValuesAreReportedNotRounded) {
  const Variable x = Variable::named("x");
  const Z3Result r = z3_check(eq(Polynomial(x) * x - 2) && gt(x), {5.0, 1024});
  ASSERT_EQ(r.answer, SolverAnswer::sat);
  EXPECT_EQ(r.model.count(x), 0u);
  ASSERT_EQ(r.irrational.count(x), 1u);
  EXPECT_EQ(r.irrational.at(x).substr(0, 5), "1.414");
}

TEST(Z3Backend, Lu2NonClosednessSentenceIsTrue) {
  for (Z3Tactic t : {Z3Tactic::nlqsat, Z3Tactic::automatic}) {
    const Z3Result r = z3_check(non_closedness_sentence(lu(2), ResidualForm::entrywise), {20.0, 2048}, t);
    EXPECT_EQ(r.answer, SolverAnswer::sat) << to_string(t) << ": " << r.reason;
  }
}

// The library never takes SIGINT: while a query runs on another thread (as the
// Python package and racing routes run them) and after it, SIGINT still goes
// to the program's own handler. Z3 4.8 installs its own around each check
// unless "ctrl_c" is off, and concurrent checks could leave it installed, so a
// later Ctrl-C crashed the process (seen in the Python Ctrl-C tests).
void program_sigint_handler(int) {}

TEST(Z3Backend, SigintStaysWithTheProgramDuringAndAfterAQuery) {
  struct sigaction mine {}, before {};
  mine.sa_handler = program_sigint_handler;
  sigemptyset(&mine.sa_mask);
  ASSERT_EQ(sigaction(SIGINT, &mine, &before), 0);
  std::atomic<bool> finished{false};
  std::thread query([&] {
    (void)z3_check(non_closedness_sentence(lu(3), ResidualForm::sum_of_squares), {0.4, 1024});
    finished = true;
  });
  bool always_mine = true;
  std::size_t polls = 0;
  while (!finished) {
    struct sigaction now {};
    sigaction(SIGINT, nullptr, &now);
    always_mine = always_mine && now.sa_handler == program_sigint_handler;
    ++polls;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  query.join();
  struct sigaction after {};
  sigaction(SIGINT, &before, &after);
  EXPECT_GT(polls, 10u);
  EXPECT_TRUE(always_mine) << "a SIGINT handler other than the program's was installed during the query";
  EXPECT_EQ(after.sa_handler, program_sigint_handler);
}

TEST(Z3Backend, TinyBudgetGivesUnknownWithReasonNeverAVerdict) {
  // 3x3 LU: Z3 does not finish this in minutes; 50 ms must give unknown.
  const Z3Result r = z3_check(non_closedness_sentence(lu(3), ResidualForm::sum_of_squares), {0.05, 1024});
  EXPECT_EQ(r.answer, SolverAnswer::unknown);
  EXPECT_FALSE(r.reason.empty());
  EXPECT_LT(r.seconds, 5.0);
  const Z3Result none = z3_check(Formula::truth(), {0.0, 1024});
  EXPECT_EQ(none.answer, SolverAnswer::unknown);
  EXPECT_NE(none.reason.find("no time"), std::string::npos);
}

}  // namespace
}  // namespace wellposed
