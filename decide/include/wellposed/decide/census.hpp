#pragma once
// The exact census of small support chains (issue 24): every chain of masks
// X_1 (d0 x d1), ..., X_L (d_{L-1} x d_L), L >= 2, one representative per
// orbit of the symmetries that preserve closedness of L_I -- row permutations
// of X_1, column permutations of X_L, a permutation of each inner index
// (X_l P, P^T X_{l+1}: the product set is unchanged, Prop 3.1.6 is about the
// set), and, when the dims read the same backwards, transposition
// (X_1..X_L) -> (X_L^T..X_1^T) (A -> A^T is a linear isometry, so it maps
// closed sets to closed sets). Every orbit is decided by analyze() (detectors,
// reductions, exact route; every decided verdict passed the independent
// checker in analyze()'s gate) and recorded as one JSON line of an
// append-only results file that a restarted run resumes.
//
// Orbit codes. A chain is packed into one 64-bit integer (at most 64 mask
// bits): X_1 in the most significant bits, then X_2, ...; inside a factor,
// row 0 first and, inside a row, column 0 first (most significant). Numeric
// order of codes is therefore the lexicographic order of (X_1, ..., X_L) read
// row by row. The canonical form of an orbit is its smallest code: for a
// fixed transposition choice and inner permutations, the smallest X_1 over
// row permutations has its rows sorted ascending and the smallest X_L over
// column permutations has its columns sorted ascending (columns read top to
// bottom), and the two choices are independent (X_1 is compared first and
// no other factor depends on them) -- so the minimum is taken over
// 2 x prod_{inner} d_l! images instead of the whole group.
#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/support.hpp"
#include "wellposed/decide/verdict.hpp"

namespace wellposed::census {

/// d0, ..., dL (L >= 2 factors, each dim in 1..8, at most 64 mask bits in
/// all). Throws std::invalid_argument otherwise.
using Dims = std::vector<std::size_t>;
void validate_dims(const Dims& dims);
std::size_t mask_bits(const Dims& dims);
/// "3x2x3": d0..dL joined by 'x' (for two factors: m x r x n).
std::string dims_string(const Dims& dims);
/// Inverse of dims_string; throws std::invalid_argument naming the text.
Dims parse_dims(const std::string& text);
/// Is transposition a symmetry of this shape (the dims read the same backwards)?
bool has_transposition(const Dims& dims);

/// Two-factor shapes (m, r, n) with m <= n (m > n are their transposes),
/// m, n, r in 1..max_size, in the order m, n, r ascending.
std::vector<Dims> two_factor_shapes(std::size_t max_size);

using Code = std::uint64_t;

/// The masks of a code, X_1 first.
std::vector<Support> decode(Code code, const Dims& dims);
/// Inverse of decode (masks of the dims' shapes).
Code encode(const std::vector<Support>& factors, const Dims& dims);
/// "110,011;10,01,11": rows of each factor, factors separated by ';'.
std::string form_string(Code code, const Dims& dims);
/// Inverse of form_string; throws std::invalid_argument naming the text.
Code parse_form(const std::string& text, const Dims& dims);

/// The canonical form (smallest code) of the orbit of `code`.
Code canonical(Code code, const Dims& dims);
/// Number of distinct labelled chains in the orbit of `code`.
std::uint64_t orbit_size(Code code, const Dims& dims);

struct Orbit {
  Code code = 0;           ///< canonical form
  std::uint64_t size = 0;  ///< labelled chains in the orbit
};
/// Every orbit of the shape, ascending by canonical code (deterministic).
/// The sizes sum to 2^mask_bits. Cost: (multisets of rows of X_1) x (middle
/// masks) x (multisets of columns of X_L) candidates, each compared with its
/// 2 x prod d_l! images until one is smaller.
std::vector<Orbit> enumerate_orbits(const Dims& dims);

// ---- deciding and recording -------------------------------------------------

struct DecideOptions {
  double budget_seconds = 60.0;  ///< analyze()'s budget per orbit
  bool exact = true;             ///< false: detectors only (empty exact route)
  bool timings = true;           ///< false: no "seconds" (byte-stable files)
};

/// One record: {"dims", "form", "orbit_size", "verdict", "method",
/// "budget_seconds", "seconds", "certificate_sha256", "supports_digest"} (+ "stage" that
/// decided -- "detectors" or "exact:<route>" -- or "reason" for unknown). The verdict is analyze()'s: a decided one passed the gate. The
/// certificate's own supports must have the representative's digest
/// (binding.hpp); otherwise the record says unknown ("binding failed").
nlohmann::json decide_orbit(const Orbit& orbit, const Dims& dims, const DecideOptions& options);

/// The header (first line) of a results file: what determines its records.
nlohmann::json make_header(const std::vector<Dims>& shapes, const DecideOptions& options);

/// "3x3x3|110,...": the key of a record (shape and canonical form).
std::string record_key(const nlohmann::json& record);

/// Raised for a results file that cannot be used: exit 2 with this message
/// (file, line, what is wrong).
struct ResultsFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What a results file holds after open_results(): the header and every
/// record (in file order).
struct ResultsContent {
  nlohmann::json header;
  std::vector<nlohmann::json> records;
  bool truncated = false;  ///< a partial or corrupted last line was cut away
};

/// Reads `path` (which must exist) without changing it. A partial last
/// line (no newline) or an unparsable last line is reported in
/// `bad_tail_offset` (the byte offset where the good part ends); a bad line
/// elsewhere, or a bad header, throws ResultsFileError.
ResultsContent read_results(const std::string& path, std::size_t* bad_tail_offset = nullptr);

/// An append-only results file. open() creates it with `header`, or checks
/// that an existing file's header equals `header` -- up to "budget_seconds"
/// when `any_budget` (a retry of the unknown orbits with another budget; each
/// record carries its own budget) -- (ResultsFileError otherwise) and cuts away a partial or corrupted last line -- the file is
/// this command's own output, and that line is a record the command did not
/// finish writing; its orbit is decided again. Each append() is one write(2)
/// of one whole line; sync() is fsync(2) (the caller calls it per batch).
class ResultsWriter {
 public:
  ResultsWriter() = default;
  ~ResultsWriter();
  ResultsWriter(const ResultsWriter&) = delete;
  ResultsWriter& operator=(const ResultsWriter&) = delete;
  /// Returns the content already there (empty records for a new file).
  ResultsContent open(const std::string& path, const nlohmann::json& header, bool any_budget = false);
  void append(const nlohmann::json& record);
  void sync();
  void close();

 private:
  int fd_ = -1;
  std::string path_;
};

/// The keys of the orbits recorded in `records` (any verdict; with
/// decided_only, those with a closed / not_closed record).
std::set<std::string> recorded_keys(const std::vector<nlohmann::json>& records, bool decided_only = false);

/// One record per key, sorted by (shape in the header's order, canonical
/// code): a decided record wins over an unknown one; two decided records
/// with different verdicts throw ResultsFileError (a contradiction).
std::vector<nlohmann::json> merge_records(const std::vector<Dims>& shapes, const std::vector<nlohmann::json>& records);

/// The shapes a header names.
std::vector<Dims> header_shapes(const nlohmann::json& header);

}  // namespace wellposed::census
