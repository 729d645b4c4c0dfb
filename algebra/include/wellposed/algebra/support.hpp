#pragma once
// Support: an m x n binary mask, the sparsity pattern of one factor.
//
// Orientation (library-wide, see orientation.hpp): a chain of supports
// I_1, ..., I_L describes products A = X_1 X_2 ... X_L with supp(X_l) <= I_l,
// I_l of size N_{l-1} x N_l, A of size N_0 x N_L.
//
// Storage is row-major, bit-packed (64 columns per word), so that Boolean
// products and row operations run word-parallel and a 16384 x 16384 butterfly
// factor costs 32 MiB, not 256 MiB.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace wellposed {

class Support {
 public:
  Support() = default;
  /// The empty (all-zero) m x n support. Throws std::length_error when the
  /// storage size rows * ceil(cols / 64) words does not fit in std::size_t
  /// (checked, issue 20 B2: never a wrapped, too small buffer).
  Support(std::size_t rows, std::size_t cols);

  /// Bytes of storage an m x n support takes (rows * ceil(cols / 64) * 8), or
  /// nullopt when that does not fit in std::size_t. For memory estimates
  /// before anything is allocated.
  static std::optional<std::size_t> storage_bytes(std::size_t rows, std::size_t cols);

  // --- named constructors -------------------------------------------------
  static Support zero(std::size_t rows, std::size_t cols);
  static Support full(std::size_t rows, std::size_t cols);
  /// Entries (i, j) with i >= j (the support of a lower-triangular factor).
  static Support lower(std::size_t rows, std::size_t cols);
  static Support lower(std::size_t n) { return lower(n, n); }
  /// Entries (i, j) with i <= j.
  static Support upper(std::size_t rows, std::size_t cols);
  static Support upper(std::size_t n) { return upper(n, n); }
  /// Entries (i, i).
  static Support diagonal(std::size_t rows, std::size_t cols);
  static Support diagonal(std::size_t n) { return diagonal(n, n); }
  static Support identity(std::size_t n) { return diagonal(n, n); }
  /// From rows of '0'/'1' characters, e.g. {"110", "011"}. Throws
  /// std::invalid_argument naming the row and column of a bad character or a
  /// ragged row.
  static Support from_rows(const std::vector<std::string>& rows);
  /// The Kronecker-sparse pattern I_a (x) 1_{b x c} (x) I_d (Def 6.3.1), of
  /// size (a b d) x (a c d). Same as KPattern{a,b,c,d}.support().
  static Support kronecker(std::size_t a, std::size_t b, std::size_t c, std::size_t d);
  /// Inverse of to_base64(): an m x n support from the bit-packed form. Throws
  /// std::invalid_argument on a wrong length, a character outside the base64
  /// alphabet or non-zero padding bits (so every mask has exactly one encoding).
  static Support from_base64(std::size_t rows, std::size_t cols, const std::string& bits);
  /// Each entry independently in the support with probability `density`,
  /// drawn from a std::mt19937_64 seeded with `seed` (deterministic across
  /// platforms: uses the generator's raw output, not a distribution).
  static Support random(std::size_t rows, std::size_t cols, double density, std::uint64_t seed);

  // --- access -------------------------------------------------------------
  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  bool empty_shape() const { return rows_ == 0 || cols_ == 0; }
  bool operator()(std::size_t i, std::size_t j) const {
    return (bits_[i * words_ + (j >> 6)] >> (j & 63)) & 1u;
  }
  bool test(std::size_t i, std::size_t j) const;  // bounds-checked
  void set(std::size_t i, std::size_t j, bool value = true);
  /// Number of entries in the support (|I|).
  std::size_t nnz() const;
  std::size_t row_count(std::size_t i) const;
  std::size_t col_count(std::size_t j) const;
  /// Column indices of row i, increasing.
  std::vector<std::size_t> row_indices(std::size_t i) const;
  /// Row indices of column j, increasing.
  std::vector<std::size_t> col_indices(std::size_t j) const;
  /// Row i as a 0/1 mask (an m-vector of bits packed as in the storage).
  std::vector<std::uint64_t> row_bits(std::size_t i) const;
  /// All entries (i, j) of the support in row-major order.
  std::vector<std::pair<std::size_t, std::size_t>> entries() const;

  // --- algebra ------------------------------------------------------------
  Support transpose() const;
  /// supp(S T) for generic factors: (i, j) iff some k has S(i,k) and T(k,j).
  Support boolean_product(const Support& other) const;
  /// The counting product: entry (i,j) = #{k : S(i,k) and T(k,j)}, i.e. the
  /// ordinary product of the 0/1 matrices. Row-major, rows() x other.cols().
  std::vector<std::uint64_t> counting_product(const Support& other) const;
  Support operator|(const Support& o) const;  // union
  Support operator&(const Support& o) const;  // intersection
  /// Set difference this \ o.
  Support minus(const Support& o) const;
  bool subset_of(const Support& o) const;
  /// Kronecker product of masks.
  Support kron(const Support& o) const;
  /// The submatrix on the given rows and columns (in the given order).
  Support submatrix(const std::vector<std::size_t>& rows, const std::vector<std::size_t>& cols) const;

  bool operator==(const Support& o) const;
  bool operator!=(const Support& o) const { return !(*this == o); }
  /// Strict weak order (shape, then bits) so supports can key ordered maps.
  bool operator<(const Support& o) const;
  std::size_t hash() const;

  /// Rows of '0'/'1' separated by '\n' (the inverse of from_rows).
  std::string to_string() const;
  /// A picture: '#' for an entry in the support, '.' otherwise.
  std::string pretty() const;
  std::vector<std::string> to_rows() const;
  /// The compact certificate form: the m n bits in row-major order (entry
  /// (i, j) is bit k = i n + j), packed 8 to a byte most significant bit first
  /// (numpy.packbits' default order), zero padded, then standard base64 with
  /// '=' padding: 4 ceil(ceil(m n / 8) / 3) characters, about m n / 6.
  /// Decode with numpy: unpackbits(frombuffer(b64decode(s), uint8))[:m*n].reshape(m, n).
  std::string to_base64() const;

 private:
  void check_index(std::size_t i, std::size_t j) const;
  void clear_padding();
  std::size_t rows_ = 0, cols_ = 0, words_ = 0;
  std::vector<std::uint64_t> bits_;
};

std::ostream& operator<<(std::ostream& os, const Support& s);

}  // namespace wellposed

template <>
struct std::hash<wellposed::Support> {
  std::size_t operator()(const wellposed::Support& s) const noexcept { return s.hash(); }
};
