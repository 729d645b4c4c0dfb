// Exporters (issue 3): the reduced sentences, re-decided by external solvers.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <unistd.h>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/algebra/formula.hpp"
#include "wellposed/algebra/rational_matrix.hpp"
#include "wellposed/decide/export.hpp"
#include "wellposed/decide/detail/z3_backend.hpp"

namespace wellposed {
namespace {

std::string run(const std::string& cmd) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return "popen failed";
  char buf[512];
  std::string out;
  while (fgets(buf, sizeof buf, p)) out += buf;
  pclose(p);
  return out;
}

bool have(const char* tool) { return std::system((std::string("command -v ") + tool + " > /dev/null 2>&1").c_str()) == 0; }

/// A file of this process (its pid in the name: two test runs at once do
/// not overwrite each other's input); the caller removes it.
std::string write(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + std::to_string(::getpid()) + "_" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(Export, ReducedAndUnreducedSentencesAgreeInProcess) {
  for (bool reduce : {true, false}) {
    const Z3Result r = z3_check(export_formula(lu(2), SentenceKind::non_closedness, reduce), {20.0, 2048});
    EXPECT_EQ(r.answer, SolverAnswer::sat) << reduce << " " << r.reason;
  }
  const Z3Result c = z3_check(export_formula(low_rank(2, 3, 1), SentenceKind::asymptotic_cone, true), {10.0, 2048});
  EXPECT_EQ(c.answer, SolverAnswer::unsat) << c.reason;
}

TEST(Export, SmtLib2IsReadBackByTheZ3Binary) {
  if (!have("z3")) GTEST_SKIP() << "z3 binary not installed";
  const std::string text = export_sentence(lu(2), ExportFormat::smtlib2, SentenceKind::non_closedness, true);
  EXPECT_NE(text.find("NOT closed"), std::string::npos);
  const std::string path = write("wellposed_lu2.smt2", text);
  const std::string out = run("z3 -T:30 " + path);
  std::remove(path.c_str());
  EXPECT_EQ(out.substr(0, 3), "sat") << out;
}

TEST(Export, MembershipSmtLib2IsReadBackByCvc5) {
  if (!have("cvc5")) GTEST_SKIP() << "cvc5 not installed";
  const auto A = RationalMatrix::from_integers({{0, 1}, {1, 0}});
  const std::string path = write("wellposed_mem.smt2", export_membership(lu(2), A, ExportFormat::smtlib2, true));
  const std::string out = run("cvc5 --tlimit=20000 " + path);
  std::remove(path.c_str());
  EXPECT_EQ(out.substr(0, 5), "unsat") << out;
}

TEST(Export, QepcadDecidesTheReducedMembershipSentence) {
  if (!have("qepcad")) GTEST_SKIP() << "qepcad not installed";
  const auto A = RationalMatrix::from_integers({{0, 1}, {1, 0}});
  const std::string path = write("wellposed_mem.qepcad", export_membership(lu(2), A, ExportFormat::qepcad, true));
  const std::string out = run("bash -c 'ulimit -s unlimited; timeout 60 qepcad +N20000000 < " + path + "'");
  std::remove(path.c_str());
  EXPECT_NE(out.find("FALSE"), std::string::npos) << out;
}

}  // namespace
}  // namespace wellposed
