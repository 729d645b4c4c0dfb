#pragma once
// Reading Matrix Market (.mtx) files into a dense matrix.
//
// Accepted: "%%MatrixMarket matrix coordinate <field> <symmetry>" with field
// real / double / integer / pattern and symmetry general / symmetric /
// skew-symmetric (pattern: general or symmetric), and "%%MatrixMarket matrix
// array <field> general" with field real / double / integer. The reader is
// strict, since a lenient reader turns a damaged file into a wrong matrix:
//   - every header token is one of the above (case-insensitive), nothing else;
//   - the size line is exactly 2 (array) or 3 (coordinate) decimal integers;
//   - symmetric and skew-symmetric matrices are square, and list only entries
//     on or below the diagonal (strictly below for skew-symmetric);
//   - every entry line has exactly its indices (1-based, in range) and its
//     value; each position appears at most once; values are finite numbers
//     (integers for "integer");
//   - nothing but blank lines and '%' comments follows the last entry.
// Sizes are checked before anything is allocated: the entry count against
// the file size (each entry needs at least a few bytes), the dense size
// rows x cols x 8 bytes, with checked arithmetic, against
// ResourceLimits::max_memory_bytes. Every error is an MtxError naming the
// file, the line and what is wrong.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "wellposed/algebra/limits.hpp"

namespace wellposed {

class MtxError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MtxMatrix {
  std::size_t rows = 0, cols = 0;
  std::vector<double> data;  ///< column-major (Matrix Market's array order; Eigen's default)
  double operator()(std::size_t i, std::size_t j) const { return data[j * rows + i]; }
};

/// Bytes the reader and a caller holding one dense copy need for a
/// rows x cols matrix (2 x 8 bytes per entry, plus the duplicate-entry
/// bitmap); nullopt when that overflows 64 bits.
std::optional<std::uint64_t> mtx_dense_bytes(std::uint64_t rows, std::uint64_t cols);

/// Reads a Matrix Market file from disk; regular files only.
MtxMatrix read_mtx(const std::string& path, const ResourceLimits& limits = {});
/// The same from bytes already in memory; `path` labels errors.
MtxMatrix parse_mtx(const std::string& text, const std::string& path, const ResourceLimits& limits = {});

}  // namespace wellposed
