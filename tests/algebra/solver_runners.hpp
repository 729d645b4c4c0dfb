#pragma once
// Running real solvers on printed text, shared by the formula and sentence tests.
#include <z3++.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace wellposed::testing {

/// Parses an SMT-LIB2 script back with Z3 and checks it. A script with
/// (set-logic NRA) gets Z3's solver for that logic, as the z3 binary would.
inline z3::check_result z3_check(const std::string& smt2, unsigned timeout_ms = 10000) {
  z3::context ctx;
  const z3::expr_vector assertions = ctx.parse_string(smt2.c_str());
  z3::solver s = smt2.find("(set-logic NRA)") != std::string::npos ? z3::solver(ctx, "NRA") : z3::solver(ctx);
  z3::params p(ctx);
  p.set("timeout", timeout_ms);
  s.set(p);
  s.add(assertions);
  return s.check();
}

inline bool qepcad_installed() { return std::system("command -v qepcad > /dev/null 2>&1") == 0; }

/// Runs QEPCAD B on `input` (stack unlimited, as QEPCAD's recursion needs;
/// 60 s limit) and returns the line after "An equivalent quantifier-free
/// formula:", or the whole output if there is none (so a failure shows it).
inline std::string run_qepcad(const std::string& input) {
  static int counter = 0;
  const auto path = std::filesystem::temp_directory_path() /
                    ("wellposed_qepcad_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".qe");
  std::ofstream(path) << input;
  const std::string cmd = "bash -c 'ulimit -s unlimited; timeout 60 qepcad +N20000000 < \"" + path.string() + "\"' 2>&1";
  std::string out;
  if (FILE* pipe = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
    ::pclose(pipe);
  }
  std::filesystem::remove(path);
  const std::string marker = "An equivalent quantifier-free formula:";
  const auto at = out.find(marker);
  if (at == std::string::npos) return out;
  const std::size_t begin = out.find_first_not_of(" \n\r\t", at + marker.size());
  return begin == std::string::npos ? out : out.substr(begin, out.find('\n', begin) - begin);
}

}  // namespace wellposed::testing
