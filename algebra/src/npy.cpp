#include "wellposed/algebra/npy.hpp"

#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <stdexcept>

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

NpyArray read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open file");
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  static const unsigned char magic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (bytes.size() < 10 || std::memcmp(bytes.data(), magic, 6) != 0) fail(path, "not a .npy file (bad magic)");
  const unsigned major = bytes[6];
  std::size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = bytes[8] | (bytes[9] << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail(path, "truncated header");
    header_len = static_cast<std::size_t>(bytes[8]) | (static_cast<std::size_t>(bytes[9]) << 8) |
                 (static_cast<std::size_t>(bytes[10]) << 16) | (static_cast<std::size_t>(bytes[11]) << 24);
    offset = 12;
  } else {
    fail(path, "unsupported .npy format version " + std::to_string(major));
  }
  if (bytes.size() < offset + header_len) fail(path, "truncated header");
  const std::string header(bytes.begin() + static_cast<std::ptrdiff_t>(offset),
                           bytes.begin() + static_cast<std::ptrdiff_t>(offset + header_len));
  std::smatch m;
  NpyArray a;
  if (!std::regex_search(header, m, std::regex(R"('descr'\s*:\s*'([^']*)')"))) fail(path, "header has no 'descr'");
  a.dtype = m[1];
  bool fortran = false;
  if (std::regex_search(header, m, std::regex(R"('fortran_order'\s*:\s*(True|False))"))) fortran = m[1] == "True";
  if (!std::regex_search(header, m, std::regex(R"('shape'\s*:\s*\(([^)]*)\))"))) fail(path, "header has no 'shape'");
  {
    std::string dims = m[1];
    std::stringstream ss(dims);
    std::string tok;
    while (std::getline(ss, tok, ',')) {
      const auto b = tok.find_first_not_of(" \t");
      if (b == std::string::npos) continue;
      try {
        a.shape.push_back(static_cast<std::size_t>(std::stoull(tok.substr(b))));
      } catch (const std::exception&) {
        fail(path, "bad shape entry '" + tok + "'");
      }
    }
  }
  if (a.shape.size() > 2) fail(path, "expected a 1-D or 2-D array, got " + std::to_string(a.shape.size()) + " dimensions");
  std::size_t count = 1;
  for (auto d : a.shape) count *= d;

  const std::string& d = a.dtype;
  if (d.size() < 3) fail(path, "unsupported dtype '" + d + "'");
  const char order = d[0], kind = d[1];
  std::size_t size = 0;
  try {
    size = std::stoul(d.substr(2));
  } catch (const std::exception&) {
    fail(path, "unsupported dtype '" + d + "'");
  }
  const bool little_host = std::endian::native == std::endian::little;
  const bool swap = (order == '<' && !little_host) || (order == '>' && little_host);
  const std::size_t data_off = offset + header_len;
  if (bytes.size() < data_off + count * size)
    fail(path, "truncated data: expected " + std::to_string(count * size) + " bytes, found " +
                   std::to_string(bytes.size() - data_off));
  a.data.resize(count);
  const unsigned char* p = bytes.data() + data_off;
  for (std::size_t i = 0; i < count; ++i, p += size) {
    double v = 0;
    if (kind == 'b' && size == 1) v = *p ? 1.0 : 0.0;
    else if (kind == 'u' && size == 1) v = *p;
    else if (kind == 'u' && size == 2) v = load<std::uint16_t>(p, swap);
    else if (kind == 'u' && size == 4) v = load<std::uint32_t>(p, swap);
    else if (kind == 'u' && size == 8) v = load<std::uint64_t>(p, swap);
    else if (kind == 'i' && size == 1) v = static_cast<std::int8_t>(*p);
    else if (kind == 'i' && size == 2) v = load<std::int16_t>(p, swap);
    else if (kind == 'i' && size == 4) v = load<std::int32_t>(p, swap);
    else if (kind == 'i' && size == 8) v = load<std::int64_t>(p, swap);
    else if (kind == 'f' && size == 4) v = load<float>(p, swap);
    else if (kind == 'f' && size == 8) v = load<double>(p, swap);
    else fail(path, "unsupported dtype '" + d + "' (bool, integers, float32 and float64 are read)");
    a.data[i] = v;
  }
  if (fortran && a.shape.size() == 2) {
    std::vector<double> c(count);
    const std::size_t r = a.shape[0], k = a.shape[1];
    for (std::size_t i = 0; i < r; ++i)
      for (std::size_t j = 0; j < k; ++j) c[i * k + j] = a.data[j * r + i];
    a.data.swap(c);
  }
  return a;
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
