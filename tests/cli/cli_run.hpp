#pragma once
// Running the built `wellposed` binary from the end-to-end tests.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace wellposed::clitest {

struct Run {
  int code;
  std::string out, err;
};

/// Runs `cmd` with /bin/sh: its stdout and exit status (-1 when it could not
/// be started or did not exit normally).
struct ShellRun {
  int code;
  std::string out;
};
inline ShellRun run_shell(const std::string& cmd) {
  ShellRun r{-1, ""};
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

/// Runs `wellposed ARGS` in `cwd` (default: the source tree) with an optional
/// environment prefix ("VAR=1 "); exit code -1 when killed by a signal.
inline Run run_cli(const std::string& args, const std::string& cwd = WELLPOSED_SOURCE_DIR, const std::string& env = "") {
  static int counter = 0;
  const auto errf = std::filesystem::temp_directory_path() /
                    ("wp_cli_err_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  const std::string cmd = "cd '" + cwd + "' && " + env + "'" + std::string(WELLPOSED_CLI_PATH) + "' " + args + " 2>'" +
                          errf.string() + "'";
  ShellRun sh = run_shell(cmd);
  Run r{sh.code == 137 ? -1 : sh.code, std::move(sh.out), ""};  // sh reports a SIGKILLed child as 128 + 9
  std::ifstream e(errf);
  r.err.assign(std::istreambuf_iterator<char>(e), std::istreambuf_iterator<char>());
  std::filesystem::remove(errf);
  return r;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void spit(const std::filesystem::path& p, const std::string& s) {
  std::ofstream(p, std::ios::binary) << s;
}

/// A fresh path for one test, below this process's scratch root: its parent
/// exists, the path itself does not (whatever a previous run left is removed).
inline std::filesystem::path scratch_path(const std::string& name) {
  const auto d = std::filesystem::temp_directory_path() / ("wp_clitest_" + std::to_string(::getpid())) / name;
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d.parent_path());
  return d;
}

/// A fresh, empty scratch folder for one test.
inline std::filesystem::path scratch_dir(const std::string& name) {
  const auto d = scratch_path(name);
  std::filesystem::create_directories(d);
  return d;
}

}  // namespace wellposed::clitest
