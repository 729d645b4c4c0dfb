#include "wellposed/algebra/npy.hpp"

#include <bit>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string_view>

namespace wellposed {

namespace {
[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what);
}

template <class T>
double load(const unsigned char* p, bool swap) {
  unsigned char buf[sizeof(T)];
  std::memcpy(buf, p, sizeof(T));
  if (swap)
    for (std::size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(buf[i], buf[sizeof(T) - 1 - i]);
  T v;
  std::memcpy(&v, buf, sizeof(T));
  return static_cast<double>(v);
}
}  // namespace

namespace {

/// The header dictionary of a .npy file, a Python literal such as
///   {'descr': '<f8', 'fortran_order': False, 'shape': (16, 16), }
/// read by hand (no regex: a header may be up to 4 GiB in versions 2 and 3,
/// and std::regex recurses per character). Only what NumPy writes is
/// accepted: the three keys, each once, with a string, True/False and a tuple
/// of non-negative decimal integers.
struct Header {
  std::string descr;
  bool fortran = false;
  std::vector<std::size_t> shape;
};

class HeaderParser {
 public:
  HeaderParser(std::string_view h, const std::string& path) : h_(h), path_(path) {}

  Header parse() {
    Header out;
    bool have_descr = false, have_fortran = false, have_shape = false;
    ws();
    expect('{');
    for (;;) {
      ws();
      if (peek() == '}') {
        ++i_;
        break;
      }
      const std::string key = str("a key");
      ws();
      expect(':');
      ws();
      if (key == "descr") {
        if (have_descr) bad("'descr' appears twice");
        have_descr = true;
        if (peek() != '\'' && peek() != '"') bad("'descr' must be a string such as '<f8' (structured dtypes are not read)");
        out.descr = str("'descr'");
      } else if (key == "fortran_order") {
        if (have_fortran) bad("'fortran_order' appears twice");
        have_fortran = true;
        if (h_.substr(i_, 4) == "True") {
          out.fortran = true;
          i_ += 4;
        } else if (h_.substr(i_, 5) == "False") {
          i_ += 5;
        } else {
          bad("'fortran_order' must be True or False");
        }
      } else if (key == "shape") {
        if (have_shape) bad("'shape' appears twice");
        have_shape = true;
        out.shape = tuple();
      } else {
        bad("unknown key '" + shown(key) + "' (expected descr, fortran_order, shape)");
      }
      ws();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      ws();
      if (peek() != '}') bad("expected ',' or '}'");
    }
    ws();
    if (i_ != h_.size()) bad("unexpected text after the header dictionary");
    if (!have_descr) bad("header has no 'descr'");
    if (!have_shape) bad("header has no 'shape'");
    return out;
  }

 private:
  std::string_view h_;
  const std::string& path_;
  std::size_t i_ = 0;

  static std::string shown(std::string_view s) {
    std::string r;
    for (char c : s.substr(0, 40)) r += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (s.size() > 40) r += "...";
    return r;
  }
  [[noreturn]] void bad(const std::string& what) const {
    throw std::runtime_error(path_ + ": bad .npy header at byte " + std::to_string(i_) + ": " + what);
  }
  char peek() const { return i_ < h_.size() ? h_[i_] : '\0'; }
  void ws() {
    while (i_ < h_.size() && (h_[i_] == ' ' || h_[i_] == '\t' || h_[i_] == '\n' || h_[i_] == '\r')) ++i_;
  }
  void expect(char c) {
    if (peek() != c) bad(std::string("expected '") + c + "'");
    ++i_;
  }
  std::string str(const char* what) {
    const char q = peek();
    if (q != '\'' && q != '"') bad(std::string("expected ") + what + " in quotes");
    const std::size_t b = ++i_;
    while (i_ < h_.size() && h_[i_] != q) {
      if (h_[i_] == '\\') bad("escapes are not supported in header strings");
      ++i_;
    }
    if (i_ >= h_.size()) bad(std::string("unterminated ") + what);
    if (i_ - b > 64) bad(std::string(what) + " is longer than 64 characters");
    return std::string(h_.substr(b, i_++ - b));
  }
  std::vector<std::size_t> tuple() {
    std::vector<std::size_t> dims;
    expect('(');
    for (;;) {
      ws();
      if (peek() == ')') {
        ++i_;
        return dims;
      }
      if (dims.size() >= 32) bad("more than 32 dimensions");
      if (peek() == '-') bad("negative shape entry");
      const std::size_t b = i_;
      while (i_ < h_.size() && h_[i_] >= '0' && h_[i_] <= '9') ++i_;
      if (i_ == b) bad("a shape entry must be a non-negative decimal integer");
      std::uint64_t v = 0;
      const auto r = std::from_chars(h_.data() + b, h_.data() + i_, v);
      if (r.ec != std::errc()) bad("shape entry " + shown(h_.substr(b, i_ - b)) + " does not fit in 64 bits");
      if (i_ < h_.size() && h_[i_] == 'L') ++i_;  // Python 2 long suffix
      dims.push_back(static_cast<std::size_t>(v));
      ws();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      if (peek() != ')') bad("expected ',' or ')' in 'shape'");
    }
  }
};

}  // namespace

NpyDict parse_npy_dict(std::string_view dict, const std::string& path) {
  Header h = HeaderParser(dict, path).parse();
  return {std::move(h.descr), h.fortran, std::move(h.shape)};
}

NpyArray parse_npy(const std::string& bytes_in, const std::string& path, const ResourceLimits& limits) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(bytes_in.data());
  const std::size_t nbytes = bytes_in.size();
  static const unsigned char magic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (nbytes < 10 || std::memcmp(bytes, magic, 6) != 0) fail(path, "not a .npy file (bad magic)");
  const unsigned major = bytes[6];
  std::size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = bytes[8] | (bytes[9] << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (nbytes < 12) fail(path, "truncated header");
    header_len = static_cast<std::size_t>(bytes[8]) | (static_cast<std::size_t>(bytes[9]) << 8) |
                 (static_cast<std::size_t>(bytes[10]) << 16) | (static_cast<std::size_t>(bytes[11]) << 24);
    offset = 12;
  } else {
    fail(path, "unsupported .npy format version " + std::to_string(major));
  }
  if (nbytes - offset < header_len)
    fail(path, "truncated header: it says " + std::to_string(header_len) + " bytes, the file has " +
                   std::to_string(nbytes - offset) + " after the preamble");
  const Header hd = HeaderParser(std::string_view(bytes_in).substr(offset, header_len), path).parse();
  NpyArray a;
  a.dtype = hd.descr;
  a.shape = hd.shape;
  if (a.shape.size() > 2) fail(path, "expected a 1-D or 2-D array, got " + std::to_string(a.shape.size()) + " dimensions");

  const std::string& d = a.dtype;
  // [<>|=][biuf]<bytes>
  if (d.size() < 3 || std::string_view("<>|=").find(d[0]) == std::string_view::npos)
    fail(path, "unsupported dtype '" + d + "'");
  const char order = d[0], kind = d[1];
  std::size_t size = 0;
  {
    const auto r = std::from_chars(d.data() + 2, d.data() + d.size(), size);
    if (r.ec != std::errc() || r.ptr != d.data() + d.size()) fail(path, "unsupported dtype '" + d + "'");
  }
  const bool supported = (kind == 'b' && size == 1) || ((kind == 'u' || kind == 'i') && (size == 1 || size == 2 || size == 4 || size == 8)) ||
                         (kind == 'f' && (size == 4 || size == 8));
  if (!supported) fail(path, "unsupported dtype '" + d + "' (bool, integers, float32 and float64 are read)");

  // Sizes from the header, with checked arithmetic, against the file and the
  // memory limit before anything is allocated.
  std::uint64_t count = 1;
  for (std::size_t k = 0; k < a.shape.size(); ++k) {
    const auto c = checked::mul(count, a.shape[k]);
    if (!c) {
      std::string dims;
      for (auto x : a.shape) dims += (dims.empty() ? "" : ", ") + std::to_string(x);
      fail(path, "the shape (" + dims + ") has more than 2^64 elements");
    }
    count = *c;
  }
  const auto data_bytes = checked::mul(count, size);
  const std::size_t data_off = offset + header_len;
  if (!data_bytes || *data_bytes > nbytes - data_off)
    fail(path, "truncated data: the shape needs " + (data_bytes ? std::to_string(*data_bytes) : std::string("more than 2^64")) +
                   " bytes, the file has " + std::to_string(nbytes - data_off));
  // The doubles, and a transposed copy for Fortran order.
  const auto need = checked::mul(count, hd.fortran ? 16 : 8);
  if (!need || *need > limits.max_memory_bytes)
    fail(path, "a " + std::to_string(count) + "-element array needs " +
                   (need ? format_bytes(*need) : std::string("more than 2^64 bytes")) + ", more than the memory limit of " +
                   format_bytes(limits.max_memory_bytes) + " (raise it with --max-memory)");

  const bool little_host = std::endian::native == std::endian::little;
  const bool swap = (order == '<' && !little_host) || (order == '>' && little_host);
  a.data.resize(static_cast<std::size_t>(count));
  const unsigned char* p = bytes + data_off;
  for (std::size_t i = 0; i < count; ++i, p += size) {
    double v = 0;
    if (kind == 'b') v = *p ? 1.0 : 0.0;
    else if (kind == 'u' && size == 1) v = *p;
    else if (kind == 'u' && size == 2) v = load<std::uint16_t>(p, swap);
    else if (kind == 'u' && size == 4) v = load<std::uint32_t>(p, swap);
    else if (kind == 'u' && size == 8) v = load<std::uint64_t>(p, swap);
    else if (kind == 'i' && size == 1) v = static_cast<std::int8_t>(*p);
    else if (kind == 'i' && size == 2) v = load<std::int16_t>(p, swap);
    else if (kind == 'i' && size == 4) v = load<std::int32_t>(p, swap);
    else if (kind == 'i' && size == 8) v = load<std::int64_t>(p, swap);
    else if (kind == 'f' && size == 4) v = load<float>(p, swap);
    else v = load<double>(p, swap);
    a.data[i] = v;
  }
  if (hd.fortran && a.shape.size() == 2) {
    std::vector<double> c(static_cast<std::size_t>(count));
    const std::size_t r = a.shape[0], k = a.shape[1];
    for (std::size_t i = 0; i < r; ++i)
      for (std::size_t j = 0; j < k; ++j) c[i * k + j] = a.data[j * r + i];
    a.data.swap(c);
  }
  return a;
}

NpyArray read_npy(const std::string& path, const ResourceLimits& limits) {
  std::string bytes;
  try {
    bytes = read_regular_file(path, limits.max_memory_bytes);
  } catch (const std::runtime_error& e) {
    fail(path, std::string(e.what()).substr(path.size() + 2));
  }
  return parse_npy(bytes, path, limits);
}

void write_npy(const std::string& path, std::size_t rows, std::size_t cols, const std::vector<double>& data) {
  if (data.size() != rows * cols)
    throw std::invalid_argument(path + ": write_npy got " + std::to_string(data.size()) + " values for a " +
                                std::to_string(rows) + "x" + std::to_string(cols) + " array");
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                       std::to_string(cols) + "), }";
  // Pad so that magic (6) + version (2) + length (2) + header is a multiple of 64, ending in '\n'.
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(path + ": cannot open for writing");
    const unsigned char pre[] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                                 static_cast<unsigned char>(header.size() & 0xff),
                                 static_cast<unsigned char>(header.size() >> 8)};
    out.write(reinterpret_cast<const char*>(pre), sizeof pre);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    static_assert(std::endian::native == std::endian::little, "write_npy writes '<f8' from host doubles");
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size() * sizeof(double)));
    if (!out) {
      out.close();
      std::remove(tmp.c_str());
      throw std::runtime_error(path + ": write failed");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error(path + ": cannot rename temporary file into place");
  }
}

}  // namespace wellposed
