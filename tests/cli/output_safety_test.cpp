// Outputs never destroy data (issue 18 item 1 / issue 20 B3), through the
// built binary: every reproduction of the data-loss report is a test.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli_run.hpp"

namespace {

namespace fs = std::filesystem;
using namespace wellposed::clitest;

const std::string kSrc = WELLPOSED_SOURCE_DIR;

// A work folder holding the input matrix, the spec and a file of the user's.
fs::path work(const std::string& name) {
  const fs::path d = scratch_dir(name);
  fs::copy_file(kSrc + "/examples/matrices/hadamard-16.npy", d / "h.npy");
  fs::copy_file(kSrc + "/examples/specs/butterfly-16.json", d / "spec.json");
  spit(d / "notes.txt", "the user's notes\n");
  return d;
}

std::string factorize_args(const std::string& out, const std::string& extra = "") {
  return "factorize h.npy --spec spec.json -o " + out + " --quiet " + extra;
}

TEST(OutputSafety, OutputIntoTheInputsFolderIsRefusedAndDeletesNothing) {
  const fs::path d = work("inputs-folder");
  const auto r = run_cli(factorize_args("'" + d.string() + "'"), d.string());
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("not empty"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(d / "h.npy"));
  EXPECT_EQ(slurp(d / "notes.txt"), "the user's notes\n");
  // With --force: the factor files are added, nothing of the user's is touched.
  const auto f = run_cli(factorize_args("'" + d.string() + "'", "--force"), d.string());
  ASSERT_EQ(f.code, 0) << f.err;
  EXPECT_TRUE(fs::exists(d / "h.npy"));
  EXPECT_TRUE(fs::exists(d / "spec.json"));
  EXPECT_EQ(slurp(d / "notes.txt"), "the user's notes\n");
  EXPECT_TRUE(fs::exists(d / "manifest.json"));
  EXPECT_TRUE(fs::exists(d / "F4.npy"));
}

TEST(OutputSafety, DotIsRefusedWithoutForceAndNeverEmptied) {
  const fs::path d = work("dot");
  const auto r = run_cli(factorize_args("."), d.string());
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(slurp(d / "notes.txt"), "the user's notes\n");
  const auto f = run_cli(factorize_args(".", "--force"), d.string());
  ASSERT_EQ(f.code, 0) << f.err;
  EXPECT_EQ(slurp(d / "notes.txt"), "the user's notes\n");
  EXPECT_TRUE(fs::exists(d / "h.npy"));
  EXPECT_TRUE(fs::exists(d / "F1.npy"));
  // No staging folder is left next to it.
  for (const auto& e : fs::directory_iterator(d.parent_path()))
    EXPECT_EQ(e.path().filename().string().find(".wp-tmp-"), std::string::npos) << e.path();
}

TEST(OutputSafety, ForceReplacesOnlyTheFilesTheCommandWrites) {
  const fs::path d = work("force");
  fs::create_directories(d / "out");
  spit(d / "out" / "mine.txt", "keep me\n");
  spit(d / "out" / "F1.npy", "old factor\n");
  EXPECT_EQ(run_cli(factorize_args("out"), d.string()).code, 2);
  EXPECT_EQ(slurp(d / "out" / "F1.npy"), "old factor\n");
  const auto f = run_cli(factorize_args("out", "--force"), d.string());
  ASSERT_EQ(f.code, 0) << f.err;
  EXPECT_EQ(slurp(d / "out" / "mine.txt"), "keep me\n");
  EXPECT_NE(slurp(d / "out" / "F1.npy"), "old factor\n");
  EXPECT_TRUE(fs::exists(d / "out" / "manifest.json"));
}

TEST(OutputSafety, TrailingSlashNewAndEmptyFoldersWork) {
  const fs::path d = work("slash");
  ASSERT_EQ(run_cli(factorize_args("out/"), d.string()).code, 0);
  EXPECT_TRUE(fs::exists(d / "out" / "manifest.json"));
  fs::create_directories(d / "empty");
  ASSERT_EQ(run_cli(factorize_args("empty/"), d.string()).code, 0);
  EXPECT_TRUE(fs::exists(d / "empty" / "F2.npy"));
  // A file where the folder should be is never replaced.
  spit(d / "afile", "x");
  EXPECT_EQ(run_cli(factorize_args("afile"), d.string()).code, 2);
  EXPECT_EQ(slurp(d / "afile"), "x");
}

TEST(OutputSafety, AKilledRunLeavesThePreviousOutputIntact) {
  const fs::path d = work("killed");
  ASSERT_EQ(run_cli(factorize_args("out"), d.string()).code, 0);
  const std::string before = slurp(d / "out" / "manifest.json");
  const std::string f1 = slurp(d / "out" / "F1.npy");
  // Killed (SIGKILL) after every file was written, right before the move into place.
  const auto k = run_cli(factorize_args("out", "--force"), d.string(), "WELLPOSED_TEST_KILL_BEFORE_COMMIT=1 ");
  EXPECT_NE(k.code, 0);
  EXPECT_EQ(slurp(d / "out" / "manifest.json"), before);
  EXPECT_EQ(slurp(d / "out" / "F1.npy"), f1);
  // The same for a new folder: nothing appears under the name.
  const auto k2 = run_cli(factorize_args("new"), d.string(), "WELLPOSED_TEST_KILL_BEFORE_COMMIT=1 ");
  EXPECT_NE(k2.code, 0);
  EXPECT_FALSE(fs::exists(d / "new"));
  // And for single-file outputs (multiply's Y.npy): the old file stays.
  spit(d / "y.npy", "previous y");
  ASSERT_EQ(run_cli("multiply out h.npy -o y.npy", d.string(), "WELLPOSED_TEST_KILL_BEFORE_COMMIT=1 ").code == 0, false);
  EXPECT_EQ(slurp(d / "y.npy"), "previous y");
}

TEST(OutputSafety, MultiplyNeverOverwritesItsInput) {
  const fs::path d = work("mul-input");
  ASSERT_EQ(run_cli(factorize_args("out"), d.string()).code, 0);
  const std::string h = slurp(d / "h.npy");
  const auto r = run_cli("multiply out h.npy -o h.npy", d.string());
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("input"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(d / "h.npy"), h);
}

}  // namespace
