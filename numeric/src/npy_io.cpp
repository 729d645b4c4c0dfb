#include "wellposed/numeric/npy_io.hpp"

#include "wellposed/algebra/npy.hpp"

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <utility>

namespace wellposed::numeric {

namespace {

[[noreturn]] void fail(const std::string& label, const std::string& field, const std::string& what) {
  throw FileFormatError(label + ": " + field + ": " + what);
}

bool mul_ok(std::size_t a, std::size_t b, std::size_t& out) {
  if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a) return false;
  out = a * b;
  return true;
}

std::string printable(std::string_view s) {
  std::string o;
  for (char ch : s.substr(0, 60)) o += (ch >= 32 && ch < 127) ? ch : '?';
  return o;
}

}  // namespace

std::string npy_descr(NpyType t) {
  switch (t) {
    case NpyType::f4: return "<f4";
    case NpyType::f8: return "<f8";
    case NpyType::c8: return "<c8";
    case NpyType::c16: return "<c16";
  }
  return "?";
}

std::size_t npy_item_size(NpyType t) {
  switch (t) {
    case NpyType::f4: return 4;
    case NpyType::f8: return 8;
    case NpyType::c8: return 8;
    case NpyType::c16: return 16;
  }
  return 0;
}

NpyHeader parse_npy_header(std::string_view bytes, std::size_t total_size, const std::string& label) {
  static const char magic[] = "\x93NUMPY";
  if (bytes.size() < 10 || std::memcmp(bytes.data(), magic, 6) != 0) fail(label, "magic", "not a .npy file");
  const auto major = static_cast<unsigned char>(bytes[6]);
  std::size_t hlen = 0, pre = 0;
  if (major == 1) {
    hlen = static_cast<unsigned char>(bytes[8]) | (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    pre = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail(label, "header_len", "file ends inside the preamble");
    for (int k = 3; k >= 0; --k) hlen = (hlen << 8) | static_cast<unsigned char>(bytes[8 + static_cast<std::size_t>(k)]);
    pre = 12;
  } else {
    fail(label, "version", "format version " + std::to_string(major) + " is not 1, 2 or 3");
  }
  if (hlen > (1u << 20)) fail(label, "header_len", std::to_string(hlen) + " bytes is larger than 1 MiB");
  if (pre + hlen > bytes.size()) fail(label, "header_len", std::to_string(hlen) + " bytes run past the end of the file");
  NpyHeader h;
  h.data_offset = pre + hlen;
  // The dictionary: algebra's strict parser (one parser of .npy headers).
  NpyDict dict;
  try {
    dict = parse_npy_dict(bytes.substr(pre, hlen), label);
  } catch (const std::runtime_error& e) {
    const std::string what = e.what(), prefix = label + ": ";
    fail(label, "header", what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what);
  }
  const std::string& d = dict.descr;
  if (d == "<f8") h.type = NpyType::f8;
  else if (d == "<f4") h.type = NpyType::f4;
  else if (d == "<c16") h.type = NpyType::c16;
  else if (d == "<c8") h.type = NpyType::c8;
  else fail(label, "descr", "'" + printable(d) + "' is not supported (<f4, <f8, <c8, <c16)");
  h.fortran_order = dict.fortran_order;
  if (dict.shape.size() > 32) fail(label, "shape", "more than 32 dimensions");
  h.shape = std::move(dict.shape);
  h.count = 1;
  for (std::size_t k = 0; k < h.shape.size(); ++k)
    if (!mul_ok(h.count, h.shape[k], h.count)) fail(label, "shape", "element count overflows");
  if (!mul_ok(h.count, npy_item_size(h.type), h.data_bytes)) fail(label, "shape", "byte count overflows");
  if (h.data_offset > total_size || total_size - h.data_offset != h.data_bytes)
    fail(label, "shape", "needs " + std::to_string(h.data_bytes) + " data bytes but the file holds " +
                             std::to_string(total_size >= h.data_offset ? total_size - h.data_offset : 0));
  return h;
}

NpyBlob parse_npy(std::string_view bytes, const std::string& label) {
  NpyBlob b;
  b.header = parse_npy_header(bytes, bytes.size(), label);
  b.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(b.header.data_offset), bytes.end());
  return b;
}

namespace {
std::pair<NpyHeader, std::ifstream> open_npy(const std::string& path);
}

NpyHeader read_npy_header(const std::string& path) { return open_npy(path).first; }

NpyBlob read_npy_blob(const std::string& path) {
  auto [h, in] = open_npy(path);
  NpyBlob b;
  b.header = h;
  b.data.resize(h.data_bytes);  // == the bytes present in the file (checked)
  in.clear();
  in.seekg(static_cast<std::streamoff>(h.data_offset));
  in.read(reinterpret_cast<char*>(b.data.data()), static_cast<std::streamsize>(b.data.size()));
  if (!in) fail(path, "data", "file ends before its data");
  return b;
}

namespace {
std::pair<NpyHeader, std::ifstream> open_npy(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) fail(path, "file", "cannot read: " + ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "file", "cannot open");
  // The header is at most 12 + 1 MiB bytes (parse_npy_header's limit).
  const std::size_t head = static_cast<std::size_t>(std::min<std::uintmax_t>(size, 12 + (1u << 20)));
  std::string buf(std::min<std::size_t>(head, 4096), '\0');
  in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
  // A header longer than the first read: read up to its declared length.
  if (buf.size() >= 12 && buf.size() < head) {
    const auto major = static_cast<unsigned char>(buf[6]);
    std::size_t hlen = 0;
    if (major == 1) hlen = static_cast<unsigned char>(buf[8]) | (static_cast<std::size_t>(static_cast<unsigned char>(buf[9])) << 8);
    else for (int k = 3; k >= 0; --k) hlen = (hlen << 8) | static_cast<unsigned char>(buf[8 + static_cast<std::size_t>(k)]);
    const std::size_t want = std::min<std::size_t>(head, 12 + std::min<std::size_t>(hlen, 1u << 20));
    if (want > buf.size()) {
      const std::size_t old = buf.size();
      buf.resize(want);
      in.read(buf.data() + old, static_cast<std::streamsize>(want - old));
    }
  }
  NpyHeader h = parse_npy_header(buf, static_cast<std::size_t>(size), path);
  return {h, std::move(in)};
}
}  // namespace

std::string npy_header_bytes(NpyType t, const std::vector<std::size_t>& shape, bool fortran_order) {
  std::string dict = "{'descr': '" + npy_descr(t) + "', 'fortran_order': " + (fortran_order ? "True" : "False") + ", 'shape': (";
  for (std::size_t k = 0; k < shape.size(); ++k) dict += std::to_string(shape[k]) + (shape.size() == 1 || k + 1 < shape.size() ? ", " : "");
  if (shape.size() == 1) dict.pop_back();
  dict += "), }";
  std::size_t total = 10 + dict.size() + 1;
  const std::size_t pad = (64 - total % 64) % 64;
  dict += std::string(pad, ' ') + "\n";
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>((dict.size() >> 8) & 0xff);
  return out + dict;
}

void write_npy_raw(const std::string& path, NpyType t, const std::vector<std::size_t>& shape, const void* data,
                   std::size_t bytes, bool fortran_order) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  const std::string h = npy_header_bytes(t, shape, fortran_order);
  f.write(h.data(), static_cast<std::streamsize>(h.size()));
  f.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
  f.flush();
  if (!f) throw std::runtime_error(path + ": write failed");
}

}  // namespace wellposed::numeric
