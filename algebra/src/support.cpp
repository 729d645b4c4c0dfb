#include "wellposed/algebra/support.hpp"

#include <algorithm>
#include <bit>
#include <ostream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace wellposed {

namespace {
constexpr std::size_t words_for(std::size_t cols) { return (cols + 63) / 64; }

void check_shape(const char* what, std::size_t r1, std::size_t c1, std::size_t r2, std::size_t c2) {
  if (r1 != r2 || c1 != c2) {
    std::ostringstream os;
    os << what << ": shapes differ (" << r1 << "x" << c1 << " vs " << r2 << "x" << c2 << ")";
    throw std::invalid_argument(os.str());
  }
}
}  // namespace

std::optional<std::size_t> Support::storage_bytes(std::size_t rows, std::size_t cols) {
  std::size_t words = 0, bytes = 0;
  if (__builtin_mul_overflow(rows, words_for(cols), &words) || __builtin_mul_overflow(words, std::size_t{8}, &bytes))
    return std::nullopt;
  return bytes;
}

namespace {
std::size_t checked_words(std::size_t rows, std::size_t cols) {
  if (!Support::storage_bytes(rows, cols)) {
    std::ostringstream os;
    os << "support " << rows << "x" << cols << ": its storage size (rows * ceil(cols / 64) words) does not fit in 64 bits";
    throw std::length_error(os.str());
  }
  return rows * words_for(cols);
}
}  // namespace

Support::Support(std::size_t rows, std::size_t cols)
    : rows_(rows), cols_(cols), words_(words_for(cols)), bits_(checked_words(rows, cols), 0) {}

Support Support::zero(std::size_t rows, std::size_t cols) { return Support(rows, cols); }

Support Support::full(std::size_t rows, std::size_t cols) {
  Support s(rows, cols);
  std::fill(s.bits_.begin(), s.bits_.end(), ~std::uint64_t{0});
  s.clear_padding();
  return s;
}

Support Support::lower(std::size_t rows, std::size_t cols) {
  Support s(rows, cols);
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j <= i && j < cols; ++j) s.set(i, j);
  return s;
}

Support Support::upper(std::size_t rows, std::size_t cols) {
  Support s(rows, cols);
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = i; j < cols; ++j) s.set(i, j);
  return s;
}

Support Support::diagonal(std::size_t rows, std::size_t cols) {
  Support s(rows, cols);
  for (std::size_t i = 0; i < std::min(rows, cols); ++i) s.set(i, i);
  return s;
}

Support Support::from_rows(const std::vector<std::string>& rows) {
  if (rows.empty()) return Support(0, 0);
  const std::size_t n = rows.front().size();
  Support s(rows.size(), n);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].size() != n) {
      std::ostringstream os;
      os << "support row " << i << " has " << rows[i].size() << " characters, expected " << n
         << " (as row 0)";
      throw std::invalid_argument(os.str());
    }
    for (std::size_t j = 0; j < n; ++j) {
      const char ch = rows[i][j];
      if (ch == '1') {
        s.set(i, j);
      } else if (ch != '0') {
        std::ostringstream os;
        os << "support row " << i << ", column " << j << ": expected '0' or '1', got '" << ch << "'";
        throw std::invalid_argument(os.str());
      }
    }
  }
  return s;
}

Support Support::kronecker(std::size_t a, std::size_t b, std::size_t c, std::size_t d) {
  if (a == 0 || b == 0 || c == 0 || d == 0)
    throw std::invalid_argument("Kronecker pattern (a,b,c,d) needs positive integers");
  // Row i = alpha*b*d + beta*d + delta, column j = alpha*c*d + gamma*d + delta.
  std::size_t m = 0, n = 0;
  if (__builtin_mul_overflow(a, b, &m) || __builtin_mul_overflow(m, d, &m) || __builtin_mul_overflow(a, c, &n) ||
      __builtin_mul_overflow(n, d, &n)) {
    std::ostringstream os;
    os << "Kronecker pattern (" << a << "," << b << "," << c << "," << d << "): its size a b d x a c d does not fit in 64 bits";
    throw std::length_error(os.str());
  }
  Support s(m, n);
  for (std::size_t alpha = 0; alpha < a; ++alpha)
    for (std::size_t beta = 0; beta < b; ++beta)
      for (std::size_t gamma = 0; gamma < c; ++gamma)
        for (std::size_t delta = 0; delta < d; ++delta)
          s.set(alpha * b * d + beta * d + delta, alpha * c * d + gamma * d + delta);
  return s;
}

Support Support::random(std::size_t rows, std::size_t cols, double density, std::uint64_t seed) {
  if (!(density >= 0.0 && density <= 1.0))
    throw std::invalid_argument("random support: density must lie in [0, 1]");
  std::mt19937_64 gen(seed);
  Support s(rows, cols);
  constexpr double scale = 1.0 / 9007199254740992.0;  // 2^-53
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j)
      if (static_cast<double>(gen() >> 11) * scale < density) s.set(i, j);
  return s;
}

void Support::check_index(std::size_t i, std::size_t j) const {
  if (i >= rows_ || j >= cols_) {
    std::ostringstream os;
    os << "support index (" << i << ", " << j << ") out of range for a " << rows_ << "x" << cols_
       << " support";
    throw std::out_of_range(os.str());
  }
}

bool Support::test(std::size_t i, std::size_t j) const {
  check_index(i, j);
  return (*this)(i, j);
}

void Support::set(std::size_t i, std::size_t j, bool value) {
  check_index(i, j);
  std::uint64_t& w = bits_[i * words_ + (j >> 6)];
  const std::uint64_t bit = std::uint64_t{1} << (j & 63);
  w = value ? (w | bit) : (w & ~bit);
}

void Support::clear_padding() {
  if (cols_ % 64 == 0) return;
  const std::uint64_t keep = (std::uint64_t{1} << (cols_ % 64)) - 1;
  for (std::size_t i = 0; i < rows_; ++i) bits_[i * words_ + words_ - 1] &= keep;
}

std::size_t Support::nnz() const {
  std::size_t n = 0;
  for (auto w : bits_) n += static_cast<std::size_t>(std::popcount(w));
  return n;
}

std::size_t Support::row_count(std::size_t i) const {
  check_index(i, 0);
  std::size_t n = 0;
  for (std::size_t w = 0; w < words_; ++w) n += static_cast<std::size_t>(std::popcount(bits_[i * words_ + w]));
  return n;
}

std::size_t Support::col_count(std::size_t j) const {
  check_index(0, j);
  std::size_t n = 0;
  for (std::size_t i = 0; i < rows_; ++i) n += (*this)(i, j);
  return n;
}

std::vector<std::size_t> Support::row_indices(std::size_t i) const {
  if (i >= rows_) check_index(i, 0);
  std::vector<std::size_t> out;
  for (std::size_t w = 0; w < words_; ++w) {
    std::uint64_t x = bits_[i * words_ + w];
    while (x) {
      out.push_back(w * 64 + static_cast<std::size_t>(std::countr_zero(x)));
      x &= x - 1;
    }
  }
  return out;
}

std::vector<std::size_t> Support::col_indices(std::size_t j) const {
  if (j >= cols_) check_index(0, j);
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < rows_; ++i)
    if ((*this)(i, j)) out.push_back(i);
  return out;
}

std::vector<std::uint64_t> Support::row_bits(std::size_t i) const {
  if (i >= rows_) check_index(i, 0);
  return {bits_.begin() + static_cast<std::ptrdiff_t>(i * words_),
          bits_.begin() + static_cast<std::ptrdiff_t>((i + 1) * words_)};
}

std::vector<std::pair<std::size_t, std::size_t>> Support::entries() const {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  out.reserve(nnz());
  for (std::size_t i = 0; i < rows_; ++i)
    for (auto j : row_indices(i)) out.emplace_back(i, j);
  return out;
}

Support Support::transpose() const {
  Support t(cols_, rows_);
  for (std::size_t i = 0; i < rows_; ++i)
    for (auto j : row_indices(i)) t.set(j, i);
  return t;
}

Support Support::boolean_product(const Support& o) const {
  if (cols_ != o.rows_) {
    std::ostringstream os;
    os << "boolean product: inner dimensions differ (" << rows_ << "x" << cols_ << " times "
       << o.rows_ << "x" << o.cols_ << ")";
    throw std::invalid_argument(os.str());
  }
  Support p(rows_, o.cols_);
  for (std::size_t i = 0; i < rows_; ++i) {
    std::uint64_t* out = &p.bits_[i * p.words_];
    for (auto k : row_indices(i)) {
      const std::uint64_t* in = &o.bits_[k * o.words_];
      for (std::size_t w = 0; w < p.words_; ++w) out[w] |= in[w];
    }
  }
  return p;
}

std::vector<std::uint64_t> Support::counting_product(const Support& o) const {
  if (cols_ != o.rows_) {
    std::ostringstream os;
    os << "counting product: inner dimensions differ (" << rows_ << "x" << cols_ << " times "
       << o.rows_ << "x" << o.cols_ << ")";
    throw std::invalid_argument(os.str());
  }
  std::vector<std::uint64_t> c(rows_ * o.cols_, 0);
  for (std::size_t i = 0; i < rows_; ++i)
    for (auto k : row_indices(i))
      for (auto j : o.row_indices(k)) ++c[i * o.cols_ + j];
  return c;
}

Support Support::operator|(const Support& o) const {
  check_shape("support union", rows_, cols_, o.rows_, o.cols_);
  Support r = *this;
  for (std::size_t w = 0; w < bits_.size(); ++w) r.bits_[w] |= o.bits_[w];
  return r;
}

Support Support::operator&(const Support& o) const {
  check_shape("support intersection", rows_, cols_, o.rows_, o.cols_);
  Support r = *this;
  for (std::size_t w = 0; w < bits_.size(); ++w) r.bits_[w] &= o.bits_[w];
  return r;
}

Support Support::minus(const Support& o) const {
  check_shape("support difference", rows_, cols_, o.rows_, o.cols_);
  Support r = *this;
  for (std::size_t w = 0; w < bits_.size(); ++w) r.bits_[w] &= ~o.bits_[w];
  return r;
}

bool Support::subset_of(const Support& o) const {
  check_shape("support inclusion", rows_, cols_, o.rows_, o.cols_);
  for (std::size_t w = 0; w < bits_.size(); ++w)
    if (bits_[w] & ~o.bits_[w]) return false;
  return true;
}

Support Support::kron(const Support& o) const {
  std::size_t m = 0, n = 0;
  if (__builtin_mul_overflow(rows_, o.rows_, &m) || __builtin_mul_overflow(cols_, o.cols_, &n))
    throw std::length_error("kron: the product's size does not fit in 64 bits");
  Support r(m, n);
  for (std::size_t i = 0; i < rows_; ++i)
    for (auto j : row_indices(i))
      for (std::size_t k = 0; k < o.rows_; ++k)
        for (auto l : o.row_indices(k)) r.set(i * o.rows_ + k, j * o.cols_ + l);
  return r;
}

Support Support::submatrix(const std::vector<std::size_t>& rs, const std::vector<std::size_t>& cs) const {
  Support r(rs.size(), cs.size());
  for (std::size_t a = 0; a < rs.size(); ++a)
    for (std::size_t b = 0; b < cs.size(); ++b)
      if (test(rs[a], cs[b])) r.set(a, b);
  return r;
}

bool Support::operator==(const Support& o) const {
  return rows_ == o.rows_ && cols_ == o.cols_ && bits_ == o.bits_;
}

bool Support::operator<(const Support& o) const {
  if (rows_ != o.rows_) return rows_ < o.rows_;
  if (cols_ != o.cols_) return cols_ < o.cols_;
  return bits_ < o.bits_;
}

std::size_t Support::hash() const {
  // FNV-1a over shape and words: deterministic across runs.
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::uint64_t v) {
    for (int k = 0; k < 8; ++k) {
      h ^= (v >> (8 * k)) & 0xffu;
      h *= 1099511628211ull;
    }
  };
  mix(rows_);
  mix(cols_);
  for (auto w : bits_) mix(w);
  return static_cast<std::size_t>(h);
}

std::vector<std::string> Support::to_rows() const {
  std::vector<std::string> out(rows_, std::string(cols_, '0'));
  for (std::size_t i = 0; i < rows_; ++i)
    for (auto j : row_indices(i)) out[i][j] = '1';
  return out;
}

namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

std::string Support::to_base64() const {
  const std::size_t nbits = rows_ * cols_;  // fits: the storage does
  const std::size_t nbytes = (nbits + 7) / 8;
  std::string bytes(nbytes, '\0');
  std::size_t k = 0;
  for (std::size_t i = 0; i < rows_; ++i)
    for (std::size_t j = 0; j < cols_; ++j, ++k)
      if ((*this)(i, j)) bytes[k >> 3] = static_cast<char>(static_cast<unsigned char>(bytes[k >> 3]) | (0x80u >> (k & 7)));
  std::string out;
  out.reserve((nbytes + 2) / 3 * 4);
  for (std::size_t p = 0; p < nbytes; p += 3) {
    const std::uint32_t b0 = static_cast<unsigned char>(bytes[p]);
    const std::uint32_t b1 = p + 1 < nbytes ? static_cast<unsigned char>(bytes[p + 1]) : 0u;
    const std::uint32_t b2 = p + 2 < nbytes ? static_cast<unsigned char>(bytes[p + 2]) : 0u;
    const std::uint32_t v = (b0 << 16) | (b1 << 8) | b2;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += p + 1 < nbytes ? kB64[(v >> 6) & 63] : '=';
    out += p + 2 < nbytes ? kB64[v & 63] : '=';
  }
  return out;
}

Support Support::from_base64(std::size_t rows, std::size_t cols, const std::string& text) {
  std::size_t nbits = 0;
  if (__builtin_mul_overflow(rows, cols, &nbits)) throw std::invalid_argument("bit-packed support: rows * cols overflows");
  const std::size_t nbytes = (nbits + 7) / 8, expect = (nbytes + 2) / 3 * 4;
  if (text.size() != expect) {
    std::ostringstream os;
    os << "bit-packed " << rows << "x" << cols << " support: expected " << expect << " base64 characters, got "
       << text.size();
    throw std::invalid_argument(os.str());
  }
  auto value = [&](std::size_t at) -> std::uint32_t {
    const char ch = text[at];
    if (ch >= 'A' && ch <= 'Z') return static_cast<std::uint32_t>(ch - 'A');
    if (ch >= 'a' && ch <= 'z') return static_cast<std::uint32_t>(ch - 'a' + 26);
    if (ch >= '0' && ch <= '9') return static_cast<std::uint32_t>(ch - '0' + 52);
    if (ch == '+') return 62;
    if (ch == '/') return 63;
    throw std::invalid_argument("bit-packed support: character " + std::to_string(at) + " is not base64");
  };
  std::string bytes;
  bytes.reserve(nbytes);
  for (std::size_t p = 0, q = 0; q < nbytes; p += 4, q += 3) {
    const std::size_t have = std::min<std::size_t>(3, nbytes - q);  // bytes in this group
    std::uint32_t v = (value(p) << 18) | (value(p + 1) << 12);
    if (have >= 2) v |= value(p + 2) << 6;
    else if (text[p + 2] != '=') throw std::invalid_argument("bit-packed support: bad base64 padding");
    if (have >= 3) v |= value(p + 3);
    else if (text[p + 3] != '=') throw std::invalid_argument("bit-packed support: bad base64 padding");
    const std::uint32_t unused = have == 1 ? 0xffffu : have == 2 ? 0xffu : 0u;
    if (v & unused) throw std::invalid_argument("bit-packed support: non-zero base64 padding bits");
    for (std::size_t e = 0; e < have; ++e) bytes.push_back(static_cast<char>((v >> (16 - 8 * e)) & 0xffu));
  }
  if (nbits % 8 && (static_cast<unsigned char>(bytes.back()) & (0xffu >> (nbits % 8))))
    throw std::invalid_argument("bit-packed support: padding bits after the last entry must be zero");
  Support s(rows, cols);
  std::size_t k = 0;
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j, ++k)
      if (static_cast<unsigned char>(bytes[k >> 3]) & (0x80u >> (k & 7))) s.bits_[i * s.words_ + (j >> 6)] |= std::uint64_t{1} << (j & 63);
  return s;
}

std::string Support::to_string() const {
  std::string s;
  for (const auto& r : to_rows()) {
    s += r;
    s += '\n';
  }
  return s;
}

std::string Support::pretty() const {
  std::string s;
  for (auto r : to_rows()) {
    for (auto& ch : r) ch = ch == '1' ? '#' : '.';
    s += r;
    s += '\n';
  }
  return s;
}

std::ostream& operator<<(std::ostream& os, const Support& s) {
  return os << s.rows() << "x" << s.cols() << " support\n" << s.pretty();
}

}  // namespace wellposed
