#include "wellposed/algebra/mtx.hpp"

#include <charconv>
#include <cmath>
#include <string_view>

namespace wellposed {

namespace {

/// Splits the text into lines without copying; '\r' before '\n' is dropped.
class Lines {
 public:
  explicit Lines(std::string_view text) : text_(text) {}
  bool next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    const std::size_t end = text_.find('\n', pos_);
    const std::size_t stop = end == std::string_view::npos ? text_.size() : end;
    line = text_.substr(pos_, stop - pos_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos_ = stop == text_.size() ? stop : stop + 1;
    ++lineno_;
    return true;
  }
  std::size_t lineno() const { return lineno_; }
  std::size_t remaining() const { return text_.size() - pos_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0, lineno_ = 0;
};

std::vector<std::string_view> tokens(std::string_view line) {
  std::vector<std::string_view> t;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t b = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > b) t.push_back(line.substr(b, i - b));
  }
  return t;
}

bool blank_or_comment(std::string_view line) {
  for (char c : line) {
    if (c == '%') return true;
    if (c != ' ' && c != '\t') return false;
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

/// At most 40 printable characters of `s`, for messages.
std::string shown(std::string_view s) {
  std::string r;
  for (char c : s.substr(0, 40)) r += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > 40) r += "...";
  return r;
}

/// A decimal integer token (digits only) as an unsigned 64-bit value.
std::optional<std::uint64_t> to_u64(std::string_view t) {
  if (t.empty()) return std::nullopt;
  for (char c : t)
    if (c < '0' || c > '9') return std::nullopt;
  std::uint64_t v = 0;
  const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size()) return std::nullopt;
  return v;
}

/// A finite decimal number (optionally with sign and exponent); an integer
/// only when `integer` is set.
std::optional<double> to_value(std::string_view t, bool integer) {
  if (!t.empty() && t[0] == '+') t.remove_prefix(1);
  if (t.empty()) return std::nullopt;
  const char first = t[0] == '-' && t.size() > 1 ? t[1] : t[0];
  if (!((first >= '0' && first <= '9') || first == '.')) return std::nullopt;  // no "nan", "inf"
  if (integer)
    for (std::size_t i = (t[0] == '-' ? 1 : 0); i < t.size(); ++i)
      if (t[i] < '0' || t[i] > '9') return std::nullopt;
  double v = 0;
  const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::uint64_t> mtx_dense_bytes(std::uint64_t rows, std::uint64_t cols) {
  const auto n = checked::mul(rows, cols);
  if (!n) return std::nullopt;
  const auto dense = checked::mul(*n, 16);
  if (!dense) return std::nullopt;
  return checked::add(*dense, *n / 8 + 1);
}

MtxMatrix parse_mtx(const std::string& text, const std::string& path, const ResourceLimits& limits) {
  Lines lines(text);
  std::string_view line;
  auto fail = [&](const std::string& what) -> MtxError {
    return MtxError(path + ": line " + std::to_string(lines.lineno()) + ": " + what);
  };
  if (!lines.next(line) || line.substr(0, 14) != "%%MatrixMarket")
    throw MtxError(path + ": line 1: not a Matrix Market file (it must begin with %%MatrixMarket)");
  const auto h = tokens(line);
  if (h.size() != 5 || h[0] != "%%MatrixMarket")
    throw fail("the header must be '%%MatrixMarket matrix <format> <field> <symmetry>', got '" + shown(line) + "'");
  const std::string object = lower(h[1]), format = lower(h[2]), field = lower(h[3]), symmetry = lower(h[4]);
  if (object != "matrix") throw fail("Matrix Market object '" + shown(h[1]) + "' is not 'matrix'");
  if (format != "coordinate" && format != "array")
    throw fail("Matrix Market format '" + shown(h[2]) + "' is not 'coordinate' or 'array'");
  if (field != "real" && field != "double" && field != "integer" && field != "pattern")
    throw fail("Matrix Market field '" + shown(h[3]) + "' is not supported (real, double, integer, pattern)");
  if (symmetry != "general" && symmetry != "symmetric" && symmetry != "skew-symmetric")
    throw fail("Matrix Market symmetry '" + shown(h[4]) + "' is not supported (general, symmetric, skew-symmetric)");
  const bool coordinate = format == "coordinate", pattern = field == "pattern", integer = field == "integer";
  if (!coordinate && pattern) throw fail("the array format has no 'pattern' field");
  if (!coordinate && symmetry != "general") throw fail("the array format is read only with 'general' symmetry");
  if (pattern && symmetry == "skew-symmetric") throw fail("a 'pattern' matrix cannot be skew-symmetric");

  do {
    if (!lines.next(line)) throw fail("the file ends before the size line");
  } while (blank_or_comment(line));
  const auto sz = tokens(line);
  const std::size_t want = coordinate ? 3 : 2;
  if (sz.size() != want)
    throw fail("the size line must be " + std::string(coordinate ? "'rows cols entries'" : "'rows cols'") +
               " (decimal integers), got '" + shown(line) + "'");
  std::uint64_t dims[3] = {0, 0, 0};
  static const char* names[] = {"rows", "cols", "entries"};
  for (std::size_t k = 0; k < want; ++k) {
    const auto v = to_u64(sz[k]);
    if (!v) throw fail("size line: " + std::string(names[k]) + " '" + shown(sz[k]) + "' is not a decimal integer");
    if (k < 2 && *v == 0) throw fail("size line: " + std::string(names[k]) + " is 0");
    dims[k] = *v;
  }
  const std::uint64_t rows = dims[0], cols = dims[1], nnz = dims[2];
  if (symmetry != "general" && rows != cols)
    throw fail("a " + symmetry + " matrix must be square, the size line says " + std::to_string(rows) + "x" +
               std::to_string(cols));
  // The file must be able to hold what the size line announces: an entry
  // needs at least "i j\n" (4 bytes, pattern) or "i j v\n" (6), an array
  // value "v\n" (2). The last line may lack its '\n'.
  const std::uint64_t avail = static_cast<std::uint64_t>(lines.remaining()) + 1;
  const auto cells = checked::mul(rows, cols);
  if (coordinate) {
    const std::uint64_t min_line = pattern ? 4 : 6;
    if (cells && nnz > *cells)
      throw fail("size line: " + std::to_string(nnz) + " entries do not fit in a " + std::to_string(rows) + "x" +
                 std::to_string(cols) + " matrix");
    if (nnz > avail / min_line)
      throw fail("size line: " + std::to_string(nnz) + " entries cannot fit in the " +
                 std::to_string(lines.remaining()) + " bytes left in the file");
  } else if (!cells || *cells > avail / 2) {
    throw fail("size line: " + std::to_string(rows) + "x" + std::to_string(cols) +
               " values cannot fit in the " + std::to_string(lines.remaining()) + " bytes left in the file");
  }
  const auto bytes = mtx_dense_bytes(rows, cols);
  if (!bytes || *bytes > limits.max_memory_bytes)
    throw fail("size line: a dense " + std::to_string(rows) + "x" + std::to_string(cols) + " matrix needs " +
               (bytes ? format_bytes(*bytes) : std::string("more than 2^64 bytes")) + ", more than the memory limit of " +
               format_bytes(limits.max_memory_bytes) + " (raise it with --max-memory)");

  MtxMatrix m;
  m.rows = static_cast<std::size_t>(rows);
  m.cols = static_cast<std::size_t>(cols);
  m.data.assign(static_cast<std::size_t>(*cells), 0.0);
  auto next_data_line = [&](const std::string& missing) {
    do {
      if (!lines.next(line)) throw fail(missing);
    } while (blank_or_comment(line));
  };
  if (coordinate) {
    std::vector<bool> seen(static_cast<std::size_t>(*cells), false);
    const std::size_t per_line = pattern ? 2 : 3;
    for (std::uint64_t k = 0; k < nnz; ++k) {
      next_data_line("the file ends after " + std::to_string(k) + " of its " + std::to_string(nnz) + " entries");
      const auto t = tokens(line);
      if (t.size() != per_line)
        throw fail("an entry must be '" + std::string(pattern ? "row col" : "row col value") + "', got '" +
                   shown(line) + "'");
      const auto i = to_u64(t[0]), j = to_u64(t[1]);
      if (!i || !j || *i < 1 || *i > rows || *j < 1 || *j > cols)
        throw fail("entry index (" + shown(t[0]) + ", " + shown(t[1]) + ") is not within 1.." + std::to_string(rows) +
                   " x 1.." + std::to_string(cols));
      double v = 1.0;
      if (!pattern) {
        const auto x = to_value(t[2], integer);
        if (!x)
          throw fail("entry value '" + shown(t[2]) + "' is not a finite " + (integer ? "integer" : "number"));
        v = *x;
      }
      const std::size_t r = static_cast<std::size_t>(*i - 1), c = static_cast<std::size_t>(*j - 1);
      if (symmetry == "symmetric" && r < c)
        throw fail("entry (" + std::to_string(*i) + ", " + std::to_string(*j) +
                   ") is above the diagonal; a symmetric file lists the lower triangle only");
      if (symmetry == "skew-symmetric" && r <= c)
        throw fail("entry (" + std::to_string(*i) + ", " + std::to_string(*j) +
                   ") is not strictly below the diagonal, as a skew-symmetric file requires");
      const std::size_t at = c * m.rows + r;
      if (seen[at])
        throw fail("entry (" + std::to_string(*i) + ", " + std::to_string(*j) + ") appears twice");
      seen[at] = true;
      m.data[at] = v;
      if (symmetry != "general" && r != c) m.data[r * m.rows + c] = symmetry == "symmetric" ? v : -v;
    }
  } else {
    for (std::uint64_t k = 0; k < *cells; ++k) {
      next_data_line("the file ends after " + std::to_string(k) + " of its " + std::to_string(*cells) + " values");
      const auto t = tokens(line);
      if (t.size() != 1) throw fail("an array line holds one value, got '" + shown(line) + "'");
      const auto x = to_value(t[0], integer);
      if (!x) throw fail("value '" + shown(t[0]) + "' is not a finite " + (integer ? "integer" : "number"));
      m.data[static_cast<std::size_t>(k)] = *x;  // array order is column-major, as m.data
    }
  }
  while (lines.next(line))
    if (!blank_or_comment(line)) throw fail("unexpected content after the last entry: '" + shown(line) + "'");
  return m;
}

MtxMatrix read_mtx(const std::string& path, const ResourceLimits& limits) {
  std::string text;
  try {
    text = read_regular_file(path, limits.max_memory_bytes);
  } catch (const std::runtime_error& e) {
    throw MtxError(e.what());
  }
  return parse_mtx(text, path, limits);
}

}  // namespace wellposed
