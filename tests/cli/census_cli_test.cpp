// `wellposed census` end to end (issue 24): a run cut short and restarted
// gives the same results file as one uninterrupted run; under mpirun the
// merged rank files equal the single-process file.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <vector>

#include "cli_run.hpp"

using namespace wellposed::clitest;
namespace fs = std::filesystem;

namespace {

// Small and detector-only: every 2x2 orbit is decided in microseconds, so the
// files depend on nothing but the code (no timings, no solver time-outs).
const std::string kArgs = "census --max 2 --detectors-only --no-timings --quiet ";

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

bool have_mpirun() { return std::system("command -v mpirun >/dev/null 2>&1") == 0; }

// OpenMPI refuses root without these; harmless otherwise. Leak checking is
// off: the MPI runtime keeps its allocations until exit.
const std::string kMpiEnv =
    "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 ";

}  // namespace

TEST(CensusCli, RestartAfterAPartialLastLineGivesTheUninterruptedResult) {
  const auto d = scratch_dir("census_resume");
  const wellposed::clitest::Run full = run_cli(kArgs + "-o full.jsonl", d.string());
  ASSERT_EQ(full.code, 0) << full.err;
  const std::string reference = slurp(d / "full.jsonl");
  const auto ref_lines = lines(reference);
  ASSERT_EQ(ref_lines.size(), 81u);  // header + 80 orbits (m, n, r <= 2)

  // Stopped after 30 orbits, then killed in the middle of writing the 31st.
  const wellposed::clitest::Run part = run_cli(kArgs + "--limit 30 -o part.jsonl", d.string());
  ASSERT_EQ(part.code, 0) << part.err;
  ASSERT_EQ(lines(slurp(d / "part.jsonl")).size(), 31u);
  {
    std::ofstream f(d / "part.jsonl", std::ios::app | std::ios::binary);
    f << ref_lines[31].substr(0, ref_lines[31].size() / 2);
  }
  const wellposed::clitest::Run again = run_cli(kArgs + "-o part.jsonl", d.string());
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(slurp(d / "part.jsonl"), reference);

  // Restarted once more: nothing left to do, nothing appended.
  const wellposed::clitest::Run idle = run_cli(kArgs + "-o part.jsonl", d.string());
  ASSERT_EQ(idle.code, 0);
  EXPECT_NE(idle.out.find("0 decided now"), std::string::npos) << idle.out;
  EXPECT_EQ(slurp(d / "part.jsonl"), reference);
}

TEST(CensusCli, OtherArgumentsOrACorruptMiddleLineAreRefusedAndTheFileKept) {
  const auto d = scratch_dir("census_header");
  ASSERT_EQ(run_cli(kArgs + "--limit 5 -o r.jsonl", d.string()).code, 0);
  const std::string before = slurp(d / "r.jsonl");
  const wellposed::clitest::Run other = run_cli("census --max 1 --detectors-only --no-timings --quiet -o r.jsonl", d.string());
  EXPECT_EQ(other.code, 2);
  EXPECT_NE(other.err.find("r.jsonl line 1: header"), std::string::npos) << other.err;
  EXPECT_EQ(lines(other.err).size(), 1u) << other.err;
  EXPECT_EQ(slurp(d / "r.jsonl"), before);

  auto ls = lines(before);
  ls[2] = "{not json";
  std::string bad;
  for (const auto& l : ls) bad += l + "\n";
  spit(d / "r.jsonl", bad);
  const wellposed::clitest::Run corrupt = run_cli(kArgs + "-o r.jsonl", d.string());
  EXPECT_EQ(corrupt.code, 2);
  EXPECT_NE(corrupt.err.find("line 3"), std::string::npos) << corrupt.err;
  EXPECT_EQ(slurp(d / "r.jsonl"), bad);
}

TEST(CensusCli, MergeSortsAndSummaryCounts) {
  const auto d = scratch_dir("census_merge");
  ASSERT_EQ(run_cli(kArgs + "-o s.jsonl", d.string()).code, 0);
  const std::string serial = slurp(d / "s.jsonl");
  // Records in reverse order: merge puts them back in canonical order.
  auto ls = lines(serial);
  std::string shuffled = ls[0] + "\n";
  for (std::size_t i = ls.size() - 1; i >= 1; --i) shuffled += ls[i] + "\n";
  spit(d / "m.jsonl", shuffled);
  const wellposed::clitest::Run m = run_cli("census merge m.jsonl", d.string());
  ASSERT_EQ(m.code, 0) << m.err;
  EXPECT_EQ(slurp(d / "m.jsonl"), serial);
  const wellposed::clitest::Run s = run_cli("census summary s.jsonl", d.string());
  ASSERT_EQ(s.code, 0) << s.err;
  EXPECT_NE(s.out.find("| not_closed | 1 | 8 |"), std::string::npos) << s.out;  // LU(2): one orbit of 8 pairs
  EXPECT_NE(s.out.find("| **total recorded** | 80 | 364 |"), std::string::npos) << s.out;
}

TEST(CensusCli, MpirunMergedResultEqualsTheSingleProcessOne) {
  if (!WELLPOSED_CLI_HAS_MPI) GTEST_SKIP() << "wellposed built without MPI (find_package(MPI) failed)";
  if (!have_mpirun()) GTEST_SKIP() << "mpirun not found";
  const auto d = scratch_dir("census_mpi");
  ASSERT_EQ(run_cli(kArgs + "-o serial.jsonl", d.string()).code, 0);
  const std::string serial = slurp(d / "serial.jsonl");
  for (int np : {2, 3}) {
    const std::string out = "mpi" + std::to_string(np) + ".jsonl";
    const std::string mpirun = kMpiEnv + "mpirun --oversubscribe -np " + std::to_string(np) + " ";
    // First part, then the rest: the restart skips what the ranks recorded.
    const std::string cmd = "cd '" + d.string() + "' && " + mpirun + "'" + WELLPOSED_CLI_PATH + "' " + kArgs +
                            "--chunk 3 -o " + out;
    if (np == 2) {  // (np = 3: two workers racing for chunks, in one go)
      ASSERT_EQ(std::system((cmd + " --limit 25 >/dev/null 2>&1").c_str()), 0) << cmd;
      EXPECT_TRUE(fs::exists(d / (out + ".rank1")));
    }
    ASSERT_EQ(std::system((cmd + " >/dev/null 2>&1").c_str()), 0) << cmd;
    const wellposed::clitest::Run m = run_cli("census merge " + out, d.string());
    ASSERT_EQ(m.code, 0) << m.err;
    EXPECT_EQ(slurp(d / out), serial) << "np=" << np;
  }
}

TEST(CensusCli, ThreeFactorChainsAreEnumeratedAndDecided) {
  const auto d = scratch_dir("census_chain");
  const wellposed::clitest::Run r =
      run_cli("census --shape 2x2x2x2 --detectors-only --no-timings --quiet --limit 40 -o c.jsonl", d.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto ls = lines(slurp(d / "c.jsonl"));
  ASSERT_EQ(ls.size(), 41u);
  EXPECT_NE(ls[0].find("\"shapes\":[\"2x2x2x2\"]"), std::string::npos) << ls[0];
  EXPECT_NE(ls[1].find("\"form\":\"00,00;00,00;00,00\""), std::string::npos) << ls[1];  // the smallest code first
}

// With the exact route on, the detectors first decide every orbit they can
// (milliseconds each) and only the rest takes the exact route: a run stopped
// early has recorded every easy orbit, and the records do not depend on the
// phases -- under mpirun too, where rank 0 hands the open orbits out again.
TEST(CensusCli, ExactCensusRecordsEveryDetectorDecisionBeforeTheExactRoute) {
  const auto d = scratch_dir("census_phases");
  const std::string args = "census --shape 2x3x2 --no-timings --quiet ";
  ASSERT_EQ(run_cli(args + "-o s.jsonl", d.string()).code, 0);
  const auto ls = lines(slurp(d / "s.jsonl"));
  ASSERT_EQ(ls.size(), 159u);  // header + 158 orbits
  std::size_t first_exact = 0, last_detector = 0;
  for (std::size_t i = 1; i < ls.size(); ++i) {
    const bool exact = ls[i].find("\"stage\":\"exact") != std::string::npos;
    if (exact && !first_exact) first_exact = i;
    if (!exact) last_detector = i;
    EXPECT_EQ(ls[i].find("\"verdict\":\"unknown\""), std::string::npos) << ls[i];
  }
  ASSERT_GT(first_exact, 0u) << "2x3x2 has an orbit only the exact route decides";
  EXPECT_LT(last_detector, first_exact);
  // Its code is not the largest: in one pass it would sit among detector records.
  const wellposed::clitest::Run m = run_cli("census merge s.jsonl", d.string());
  ASSERT_EQ(m.code, 0) << m.err;
  const std::string merged = slurp(d / "s.jsonl");
  EXPECT_NE(lines(merged).back(), ls[first_exact]);

  if (!WELLPOSED_CLI_HAS_MPI || !have_mpirun()) GTEST_SKIP() << "no MPI: the serial part passed";
  const std::string cmd = "cd '" + d.string() + "' && " + kMpiEnv + "mpirun --oversubscribe -np 3 '" +
                          WELLPOSED_CLI_PATH + "' " + args + "--chunk 5 -o p.jsonl >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  ASSERT_EQ(run_cli("census merge p.jsonl", d.string()).code, 0);
  EXPECT_EQ(slurp(d / "p.jsonl"), merged);
}
