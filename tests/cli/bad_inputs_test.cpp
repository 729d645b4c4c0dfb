// Every reproducer in tests/data/bad-inputs/ (issue 20) through the built
// `wellposed` binary: exit code 2, exactly one line on stderr naming the
// file, in bounded time (< 5 s) and memory (< 1 GB peak RSS), and nothing
// touched outside a scratch folder (the inputs are copied there, the command
// runs there, and afterwards the scratch folder must hold exactly the copied
// files, byte for byte).
//
// Every file in the folder must be classified below: a new reproducer that is
// not listed fails the test instead of being skipped silently.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "cli_run.hpp"

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#define WELLPOSED_TEST_ASAN 1
#else
#define WELLPOSED_TEST_ASAN 0
#endif

namespace {

namespace fs = std::filesystem;
const std::string kBin = WELLPOSED_CLI_PATH;
const fs::path kData = fs::path(WELLPOSED_SOURCE_DIR) / "tests" / "data" / "bad-inputs";
constexpr double kSeconds = 5.0;
constexpr long kMaxRssKiB = 1024L * 1024L;  // 1 GiB

struct Outcome {
  int code = -1;       // exit status, or -1 when killed by a signal
  int signal = 0;
  bool timed_out = false;
  double seconds = 0;
  long max_rss_kib = 0;
  std::string err;
};

/// Runs kBin with `args` in `cwd`; stdout/stderr go to files in `logs`.
/// Killed after kSeconds (+ a margin so an overshoot is measured, not hidden).
Outcome run_cli(const fs::path& cwd, const fs::path& logs, const std::vector<std::string>& args) {
  const fs::path out = logs / "stdout", err = logs / "stderr";
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0) ::_exit(126);
    ::dup2(o, 1);
    ::dup2(e, 2);
    ::setpgid(0, 0);  // its own process group: a timeout kills any solver child too
    rlimit core{0, 0};
    ::setrlimit(RLIMIT_CORE, &core);
#if !WELLPOSED_TEST_ASAN
    // A safety net for the machine running the tests (ASan reserves terabytes
    // of address space, so there only the measured peak RSS bounds it).
    rlimit as{std::uint64_t{4} << 30, std::uint64_t{4} << 30};
    ::setrlimit(RLIMIT_AS, &as);
#endif
    std::vector<char*> argv;
    std::string bin = kBin;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  Outcome r;
  if (pid < 0) return r;
  int status = 0;
  rusage ru{};
  for (;;) {
    const pid_t w = ::wait4(pid, &status, WNOHANG, &ru);
    if (w == pid) break;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s > kSeconds + 1.0 && !r.timed_out) {
      r.timed_out = true;
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.max_rss_kib = ru.ru_maxrss;
  if (WIFEXITED(status)) r.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  std::ifstream in(err, std::ios::binary);
  r.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return r;
}

/// Relative path -> contents of every regular file under `root` (symlinks,
/// FIFOs and the like are recorded by type).
std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> m;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    const std::string rel = fs::relative(e.path(), root).string();
    if (e.is_symlink()) m[rel] = "<symlink>";
    else if (e.is_directory()) m[rel] = "<dir>";
    else if (e.is_regular_file()) {
      std::ifstream in(e.path(), std::ios::binary);
      m[rel].assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } else {
      m[rel] = "<special>";
    }
  }
  return m;
}

enum class Expect { bad_input, accepted };

struct Case {
  std::string file;               // relative to kData
  std::vector<std::string> args;  // the command line after `wellposed`
  Expect expect = Expect::bad_input;
  double max_seconds = kSeconds;  // hard specs under --timeout 2: the budget plus its stated overshoot
};

std::vector<std::string> mtx_or_npy(const std::string& f) {
  return {"factorize", f, "--spec", "bfly16.json", "-o", "out", "--quiet", "--max-memory", "1G"};
}
std::vector<std::string> check(const std::string& f) { return {"check", f, "--timeout", "2", "--max-memory", "1G"}; }

/// Files that are inputs of other cases or generators, not reproducers.
const std::set<std::string> kCompanions{"bfly16.json", "rand16.npy", "B4-make-long-header-npy.py",
                                        "B5-make-deep-nesting.py", "README.md"};

/// Reproducers whose fix lives on another helper's branch; enabled by the
/// integrator after the merge (move them into cases() with their expectation).
const std::map<std::string, std::string> kDeferred{};
// Not files: B3 (factorize -o DIR deletes DIR: branch 'fact'), B17 (--timeout
// nan / 1e308: branch 'api'), B18/B19 stale OUT.partial, OUT.json.tmp after a
// kill (branches 'fact' and 'api').

std::vector<Case> cases() {
  std::vector<Case> c;
  for (const auto& e : fs::recursive_directory_iterator(kData)) {
    if (!e.is_regular_file()) continue;
    const std::string rel = fs::relative(e.path(), kData).string();
    const std::string name = e.path().filename().string(), ext = e.path().extension().string();
    if (kCompanions.count(rel) || kDeferred.count(rel)) continue;
    if (ext == ".mtx" || ext == ".npy") {
      c.push_back({rel, mtx_or_npy(rel)});
    } else if (rel == "B7-butterfly-8192.json" || rel == "B7-butterfly-16384.json") {
      c.push_back({rel, check(rel), Expect::accepted});  // structural families: decided in bounded time and memory
    } else if (rel == "B9-B10-chain3-s6.json" || rel == "B10-chain3-s15.json" || rel == "B11-pair4-s2.json") {
      // Valid hard specs: a verdict (often unknown) within the whole-command
      // budget of 2 s plus the overshoot bench/RESULTS.md states (< 2 s).
      c.push_back({rel, check(rel), Expect::accepted, 2.0 + 2.0 + 2.0});
    } else if (rel == "B19-empty-report.json") {
      c.push_back({rel, {"certify", rel, "--max-memory", "1G"}});  // nothing certified is not a pass
    } else if (rel == "B15-seed-u64max.json") {
      c.push_back({rel, check(rel), Expect::accepted});  // a valid seed: must be read, not refused
    } else if (ext == ".json") {
      c.push_back({rel, check(rel)});
      if (rel == "B5-deep.json") c.push_back({rel, {"certify", rel, "--max-memory", "1G"}});
    } else {
      c.push_back({rel, {}});  // unclassified: fails below
    }
  }
  std::sort(c.begin(), c.end(), [](const Case& a, const Case& b) { return a.file + a.args[0] < b.file + b.args[0]; });
  return c;
}

class BadInput : public ::testing::TestWithParam<Case> {};

TEST_P(BadInput, ExitTwoOneLineNamingTheFileBoundedAndNothingTouched) {
  const Case& c = GetParam();
  ASSERT_FALSE(c.args.empty()) << c.file << " is not classified in bad_inputs_test.cpp (reproducer, companion "
                                            "or deferred to another branch)";
  const fs::path root = wellposed::clitest::scratch_dir("bad");
  const fs::path work = root / "work", logs = root / "logs";
  fs::create_directories(logs);
  fs::copy(kData, work, fs::copy_options::recursive);
  const auto before = snapshot(work);

  const Outcome r = run_cli(work, logs, c.args);
  std::string cmd = "wellposed";
  for (const auto& a : c.args) cmd += " " + a;
  SCOPED_TRACE(cmd + "\nstderr: " + r.err);

  EXPECT_FALSE(r.timed_out) << "killed after " << r.seconds << " s";
  EXPECT_EQ(r.signal, 0) << "killed by signal " << r.signal;
  EXPECT_LT(r.seconds, c.max_seconds);
  EXPECT_LT(r.max_rss_kib, kMaxRssKiB) << "peak RSS " << r.max_rss_kib << " KiB";
  if (c.expect == Expect::bad_input) {
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "expected exactly one line on stderr";
    EXPECT_TRUE(!r.err.empty() && r.err.back() == '\n');
    EXPECT_NE(r.err.find(fs::path(c.file).filename().string()), std::string::npos) << "the message must name the file";
  } else {
    EXPECT_TRUE(r.code == 0 || r.code == 1 || r.code == 3) << "exit " << r.code;
    EXPECT_EQ(r.err.find("error"), std::string::npos);
  }
  EXPECT_TRUE(snapshot(work) == before) << "the scratch folder changed: a file was written, removed or modified";
  fs::remove_all(root);
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string s = info.param.args.empty() ? "unclassified_" : info.param.args[0] + "_";
  for (char ch : info.param.file) s += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(Reproducers, BadInput, ::testing::ValuesIn(cases()), case_name);

// B8 with a FIFO (not storable in git): a mask must be a regular file; opening
// it must not wait for a writer.
TEST(BadInputGenerated, NpyMaskThatIsAFifoIsRefusedWithoutBlocking) {
  const fs::path root = wellposed::clitest::scratch_dir("fifo");
  fs::create_directories(root / "logs");
  fs::create_directories(root / "work");
  ASSERT_EQ(::mkfifo((root / "work" / "mask.npy").c_str(), 0644), 0);
  std::ofstream(root / "work" / "fifo.json") << R"({"factors": [{"support": {"npy": "mask.npy"}}]})";
  const Outcome r = run_cli(root / "work", root / "logs", check("fifo.json"));
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("fifo.json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not a regular file"), std::string::npos) << r.err;
  fs::remove_all(root);
}

}  // namespace
