#pragma once
// The subcommands of `wellposed`. Each returns the process exit code:
//   0  every spec well-posed (closed) / success
//   1  some spec ill-posed (not closed)
//   3  some spec unknown and none ill-posed
//   2  bad input or usage (a one-line error naming the file, JSON path and value)
#include <cstdint>
#include <iosfwd>
#include <stdexcept>
#include <optional>
#include <string>
#include <vector>

#include "wellposed/decide/shared_budget.hpp"
#include "wellposed/algebra/limits.hpp"
#include "wellposed/algebra/spec.hpp"

#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/verdict.hpp"

namespace wellposed::cli {

inline constexpr int kExitClosed = 0;
inline constexpr int kExitNotClosed = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitUnknown = 3;

/// Bad input from the user: reported as one line, exit code 2.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct CheckOptions {
  std::vector<std::string> spec_files;
  /// --timeout: wall-clock bound on the whole command, all specs together
  /// (decide/shared_budget.hpp: each spec gets a share of what is left).
  double timeout_seconds = 10.0;
  bool json = false;
  std::string svg_dir;  ///< empty: no pictures
  /// ReLU network specs: write Lemma 7.3.4's data set (inputs, labels .npy)
  /// here when it has at most dataset_max_points points (empty: sizes only).
  std::string dataset_dir;
  std::uint64_t dataset_max_points = 1'000'000;
  /// --max-memory: the most memory reading the specs may need (limits.hpp).
  std::uint64_t max_memory_bytes = default_max_memory_bytes();
  /// false (--no-timings): no "seconds" fields, so the report is byte-stable.
  bool timings = true;
  /// --require proof|two-solvers: verdicts below this trust level become unknown (docs/trust.md).
  std::optional<TrustLevel> require;
  /// How analyze() checks certificates (the second solver: from
  /// WELLPOSED_SECOND_SOLVER, or tools/z3js for --require two-solvers).
  CertificateCheckOptions certificate_check;

  /// --quiet: no progress line on stderr (it is shown only on a terminal anyway).
  bool quiet = false;
};
/// Largest --timeout accepted (seconds): larger budgets are refused as bad
/// input rather than overflowing deadline arithmetic (issue 20 B17).
inline constexpr double kMaxTimeoutSeconds = 1e6;
int run_check(const CheckOptions& o, std::ostream& out, std::ostream& err);

int run_certify(const std::string& certificate_file, std::ostream& out, std::ostream& err,
                std::uint64_t max_memory_bytes = default_max_memory_bytes());

struct FactorizeOptions {
  std::string matrix_file;
  std::string spec_file;
  std::string order = "auto";  ///< auto | balanced | l2r | r2l | peel
  bool ortho = false;          ///< same as algorithm = 8 (kept for old command lines)
  int algorithm = 8;           ///< 7 or 8 (hierarchical)
  bool tight = false;          ///< always compute the tight chain-multiply residual
  bool all_split_errors = false;  ///< every E_s(A): a-priori bounds (Thms 6.5.9/6.5.14), best lower bound
  bool force = false;          ///< write into an existing non-empty folder (only our files replaced)
  std::string output;  ///< a factor-chain folder (docs/factor-format.md) or a .json manifest with inline values
  bool quiet = false;
  /// --max-memory: the most memory reading the matrix and the spec may need.
  std::uint64_t max_memory_bytes = default_max_memory_bytes();
};
int run_factorize(const FactorizeOptions& o, std::ostream& out, std::ostream& err);

struct MultiplyOptions {
  std::string factors;  ///< a factor-chain folder (or its manifest.json)
  std::string x_file;   ///< .npy, float32 or float64, 1-D or 2-D
  std::string output;   ///< .npy
  bool transpose = false;  ///< Y = (X_1 ... X_L)^T X
  std::string layout = "columns";  ///< columns: X is (n, B); rows: X is (B, n)
};
int run_multiply(const MultiplyOptions& o, std::ostream& out, std::ostream& err);

// ---- quantize (issue 25) ----
struct QuantizeOptions {
  std::string factors;        ///< a factor-chain folder (or its manifest.json)
  std::string output;         ///< the quantized chain's folder
  std::string format;         ///< fp16 | bf16 | fp8-e5m2 | fp8-e4m3 | t (numeric::parse_float_format)
  std::string method = "l2r"; ///< rtn | pairwise | l2r | r2l
  bool force = false;         ///< write into an existing non-empty folder (only the files written are replaced)
};
int run_quantize(const QuantizeOptions& o, std::ostream& out, std::ostream& err);
// ---- end quantize ----

struct ExportOptions {
  std::string spec_file;
  std::string format = "smt2";          ///< smt2 | qepcad
  std::string sentence = "not-closed";  ///< not-closed | well-posed | asymptotic-cone
  bool no_reduce = false;               ///< the seed's sentence verbatim
  std::string output;                   ///< empty: stdout
};
int run_export(const ExportOptions& o, std::ostream& out, std::ostream& err);

// ---- wellposed report (issue 23 item 4) -------------------------------------
struct ReportOptions {
  std::vector<std::string> spec_files;
  /// `factorize` outputs: a factor-chain folder (its manifest.json) or a .json manifest.
  std::vector<std::string> factor_results;
  std::string output;            ///< the .html file
  double budget_seconds = 10.0;  ///< the whole command, all specs together, as check --timeout
  bool force = false;            ///< replace an existing output file
  std::uint64_t max_memory_bytes = default_max_memory_bytes();
};
/// One self-contained HTML page (inline CSS and SVG, no script, no external
/// resource): per spec its verdict, explanation, certificate summary and
/// picture; per factorize result its enclosure and a plot of the per-split
/// errors. Exit codes as check (2 also for a bad factorize result).
int run_report(const ReportOptions& o, std::ostream& out, std::ostream& err);
/// check's result object for one spec (check.cpp; no files written when
/// o.svg_dir and o.dataset_dir are empty), within budget.share(specs_left)
/// (`specs_left` counts this spec); unknown, "budget spent", when nothing is
/// left. o.timeout_seconds is not read: the budget is the command's.
nlohmann::json check_spec_result(const Spec& spec, const CheckOptions& o, const SharedBudget& budget,
                                 std::size_t specs_left);
/// check's loader: every good spec of `file`; one line per bad one in `errors`.
std::vector<Spec> load_specs_listing_errors(const std::string& file, std::uint64_t max_memory_bytes,
                                            std::vector<std::string>& errors);
// ---- end wellposed report ------------------------------------------------------

/// Writes `content` to `path` atomically (temporary file + rename): a failure
/// never leaves a partial file behind.
void write_file_atomically(const std::string& path, const std::string& content);
/// Creates (O_EXCL) and returns a fresh temporary file beside `path`, named
/// "<path>.tmp-wellposed-<pid>-<n>": never an existing file, never another
/// run's. Throws InputError when the folder is not writable.
std::string unique_temp_sibling(const std::string& path);
/// rename(tmp, path); on failure removes tmp (ours) and throws InputError.
void move_into_place(const std::string& tmp, const std::string& path);

}  // namespace wellposed::cli
