#include "wellposed/algebra/limits.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace wellposed {

std::uint64_t default_max_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return std::uint64_t{1} << 30;
  const auto total = checked::mul(static_cast<std::uint64_t>(pages), static_cast<std::uint64_t>(page));
  return total ? *total / 4 : std::uint64_t{1} << 62;
}

std::optional<std::uint64_t> parse_memory_size(const std::string& text) {
  std::size_t i = 0;
  double mantissa = 0.0, scale = 1.0;
  bool digits = false, dot = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      digits = true;
      if (dot) {
        scale /= 10.0;
        mantissa += (c - '0') * scale;
      } else {
        mantissa = mantissa * 10.0 + (c - '0');
      }
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (!digits) return std::nullopt;
  std::string unit = text.substr(i);
  double mult = 1.0;
  if (!unit.empty()) {
    const char u = static_cast<char>(unit[0] | 0x20);  // lower case
    if (u == 'k') mult = 0x1p10;
    else if (u == 'm') mult = 0x1p20;
    else if (u == 'g') mult = 0x1p30;
    else if (u == 't') mult = 0x1p40;
    else if (u != 'b') return std::nullopt;
    std::string rest;
    for (std::size_t k = 1; k < unit.size(); ++k) rest += static_cast<char>(unit[k] | 0x20);
    if (u == 'b' ? !rest.empty() : !(rest.empty() || rest == "b" || rest == "i" || rest == "ib")) return std::nullopt;
  }
  const double v = std::floor(mantissa * mult);
  if (!(v >= 1.0) || v > 0x1p63) return std::nullopt;
  return static_cast<std::uint64_t>(v);
}

std::string read_regular_file(const std::string& path, std::uint64_t max_bytes) {
  auto fail = [&](const std::string& what) -> std::runtime_error { return std::runtime_error(path + ": " + what); };
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw fail(std::string("cannot open file (") + std::strerror(errno) + ")");
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw fail(std::string("cannot stat file (") + std::strerror(errno) + ")");
  if (S_ISDIR(st.st_mode)) throw fail("is a folder, not a file");
  if (!S_ISREG(st.st_mode)) throw fail("is not a regular file (a device, FIFO or socket is not read)");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max_bytes)
    throw fail("the file is " + format_bytes(size) + ", more than the memory limit of " + format_bytes(max_bytes) +
               " (raise it with --max-memory)");
  std::string out(static_cast<std::size_t>(size), '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t r = ::read(fd, out.data() + got, out.size() - got);
    if (r < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      throw fail(std::string("read failed (") + std::strerror(errno) + ")");
    }
    if (r == 0) break;  // the file shrank while being read
    got += static_cast<std::size_t>(r);
  }
  out.resize(got);
  return out;
}

std::string format_bytes(std::uint64_t bytes) {
  static const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return std::to_string(bytes) + " bytes";
  double v = static_cast<double>(bytes);
  int u = -1;
  while (v >= 1024.0 && u < 5) {
    v /= 1024.0;
    ++u;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %s", v, units[u]);
  return buf;
}

}  // namespace wellposed
