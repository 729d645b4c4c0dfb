#include "wellposed/numeric/npy_io.hpp"

#include "wellposed/algebra/npy.hpp"

#include <fcntl.h>
#include <unistd.h>
#ifdef __linux__
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <new>
#include <type_traits>
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

// ---- bulk reads (issue 19) ------------------------------------------------

namespace {

/// Threads for `bytes` of work: the OpenMP team (OMP_NUM_THREADS) for 8 MiB
/// and more, else one (a thread start costs more than copying a small array).
int worker_count(std::size_t bytes) {
#ifdef _OPENMP
  if (bytes >= (std::size_t{8} << 20)) return std::max(1, std::min(omp_get_max_threads(), 16));
#else
  (void)bytes;
#endif
  return 1;
}
int thread_id() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}
int thread_count() {
#ifdef _OPENMP
  return omp_get_num_threads();
#else
  return 1;
#endif
}

/// [begin, end) of part t of n equal parts of [0, total), ends rounded up to
/// `grain` (so parts of a buffer never share a huge page or a cache line).
std::pair<std::size_t, std::size_t> part(std::size_t total, int t, int n, std::size_t grain = 1) {
  const auto cut = [&](int k) {
    if (k >= n) return total;
    // total / n * k + (total % n) * k / n == floor(total * k / n) without overflow.
    const std::size_t q = total / static_cast<std::size_t>(n) * static_cast<std::size_t>(k) +
                          total % static_cast<std::size_t>(n) * static_cast<std::size_t>(k) / static_cast<std::size_t>(n);
    return std::min(total, (q + grain - 1) / grain * grain);
  };
  return {cut(t), cut(t + 1)};
}

struct Fd {
  int fd = -1;
  explicit Fd(const std::string& path) : fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd < 0) fail(path, "file", std::string("cannot open: ") + std::strerror(errno));
  }
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

/// Reads exactly len bytes at offset off: 0, -1 (the file ends first) or errno.
int pread_all(int fd, void* dst, std::size_t len, std::size_t off) {
  char* p = static_cast<char*>(dst);
  while (len > 0) {
    const std::size_t want = std::min<std::size_t>(len, std::size_t{1} << 30);
    const ssize_t r = ::pread(fd, p, want, static_cast<off_t>(off));
    if (r < 0) {
      if (errno == EINTR) continue;
      return errno > 0 ? errno : EIO;
    }
    if (r == 0) return -1;
    p += r;
    off += static_cast<std::size_t>(r);
    len -= static_cast<std::size_t>(r);
  }
  return 0;
}

/// The first error any thread saw (0: none; -2: out of memory).
struct FirstError {
  std::atomic<int> code{0};
  void set(int c) {
    int z = 0;
    if (c != 0) code.compare_exchange_strong(z, c);
  }
  void raise(const std::string& path) const {
    const int c = code.load();
    if (c == 0) return;
    if (c == -1) fail(path, "data", "the file ends before its data (changed while it was read?)");
    if (c == -2) throw std::bad_alloc();
    fail(path, "data", std::string("read failed: ") + std::strerror(c));
  }
};

template <class D, class Src>
void read_column_major(const std::string& path, const NpyHeader& h, D* dst, std::size_t piece_bytes) {
  const std::size_t rows = h.shape[0], cols = h.shape[1], count = h.count;  // count = rows * cols (checked)
  if (count == 0) return;
  prefault_for_write(dst, count * sizeof(D));
  Fd f(path);
  FirstError err;
  const int T = worker_count(count * sizeof(D));
  piece_bytes = std::max<std::size_t>(piece_bytes, sizeof(Src));
  if (h.fortran_order && std::is_same_v<D, Src>) {
    // The file's layout is the destination's: read straight into it.
#pragma omp parallel num_threads(T)
    {
      const auto [b0, b1] = part(h.data_bytes, thread_id(), thread_count(), std::size_t{2} << 20);
      if (b1 > b0) err.set(pread_all(f.fd, reinterpret_cast<char*>(dst) + b0, b1 - b0, h.data_offset + b0));
    }
  } else if (h.fortran_order) {
    // Same order, wider type: pieces into a buffer, widened exactly.
#pragma omp parallel num_threads(T)
    {
      const auto [k0, k1] = part(count, thread_id(), thread_count(), std::size_t{1} << 16);
      const std::size_t per = std::max<std::size_t>(1, piece_bytes / sizeof(Src));
      std::unique_ptr<Src[]> buf(k1 > k0 ? new (std::nothrow) Src[std::min(per, k1 - k0)] : nullptr);
      if (k1 > k0 && !buf) err.set(-2);
      for (std::size_t k = k0; k < k1 && buf && err.code.load() == 0; k += per) {
        const std::size_t m = std::min(per, k1 - k);
        const int c = pread_all(f.fd, buf.get(), m * sizeof(Src), h.data_offset + k * sizeof(Src));
        err.set(c);
        if (c != 0) break;
        for (std::size_t q = 0; q < m; ++q) dst[k + q] = static_cast<D>(buf[q]);
      }
    }
  } else {
    // C order: slabs of whole rows (about piece_bytes each), each read with
    // one pread and transposed into dst in strips of kStrip columns: every
    // row of the slab contributes one cache line per strip and every column
    // of the strip receives `slab` consecutive elements, so reads and writes
    // both use whole cache lines and a strip's kStrip output streams stay in
    // the TLB (the former 16-row slabs at n = 8192 wrote 128 bytes per 64 KiB
    // column stride).
    constexpr std::size_t kStrip = std::max<std::size_t>(1, 64 / sizeof(Src));
    const std::size_t row_bytes = cols * sizeof(Src);
    const std::size_t slab = std::max<std::size_t>(1, piece_bytes / std::max<std::size_t>(row_bytes, 1));
    const std::size_t slabs = (rows + slab - 1) / slab;
#pragma omp parallel num_threads(T)
    {
      const auto [s0, s1] = part(slabs, thread_id(), thread_count());
      std::unique_ptr<Src[]> buf(s1 > s0 ? new (std::nothrow) Src[std::min(slab, rows) * cols] : nullptr);
      if (s1 > s0 && !buf) err.set(-2);
      for (std::size_t s = s0; s < s1 && buf && err.code.load() == 0; ++s) {
        const std::size_t i0 = s * slab, nr = std::min(rows, i0 + slab) - i0;
        const int c = pread_all(f.fd, buf.get(), nr * row_bytes, h.data_offset + i0 * row_bytes);
        err.set(c);
        if (c != 0) break;
        for (std::size_t j0 = 0; j0 < cols; j0 += kStrip) {
          const std::size_t j1 = std::min(cols, j0 + kStrip);
          for (std::size_t i = 0; i < nr; ++i) {
            const Src* src = buf.get() + i * cols;
            D* out = dst + i0 + i;
            for (std::size_t j = j0; j < j1; ++j) out[j * rows] = static_cast<D>(src[j]);
          }
        }
      }
    }
  }
  err.raise(path);
}

void require_2d(const std::string& path, const NpyHeader& h) {
  if (h.shape.size() != 2)
    throw std::invalid_argument(path + ": shape: expected a 2-D array, got " + std::to_string(h.shape.size()) +
                                " dimensions");
}

}  // namespace

void prefault_for_write(void* p, std::size_t bytes) {
#ifdef __linux__
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14
#endif
  if (p == nullptr || bytes < (std::size_t{4} << 20)) return;
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t page = 4096, lo = (a + page - 1) / page * page, hi = (a + bytes) / page * page;
  if (hi <= lo) return;
  madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);  // advisory
  const int T = worker_count(bytes);
#pragma omp parallel num_threads(T)
  {
    // Parts on 2 MiB boundaries of the address space: no huge page is
    // faulted by two threads.
    const std::uintptr_t huge = std::uintptr_t{2} << 20, base = lo / huge * huge;
    auto [b0, b1] = part(hi - base, thread_id(), thread_count(), huge);
    b0 = std::max<std::uintptr_t>(base + b0, lo);
    b1 = std::min<std::uintptr_t>(base + b1, hi);
    if (b1 > b0 && madvise(reinterpret_cast<void*>(b0), b1 - b0, MADV_POPULATE_WRITE) != 0)
      for (std::uintptr_t q = b0; q < b1; q += page) *reinterpret_cast<volatile char*>(q) = 0;
  }
#else
  (void)p;
  (void)bytes;
#endif
}

void read_npy_data(const std::string& path, const NpyHeader& h, void* dst, std::size_t piece_bytes) {
  (void)piece_bytes;  // one pread per thread: the kernel copies in its own pieces
  if (h.data_bytes == 0) return;
  prefault_for_write(dst, h.data_bytes);
  Fd f(path);
  FirstError err;
#pragma omp parallel num_threads(worker_count(h.data_bytes))
  {
    const auto [b0, b1] = part(h.data_bytes, thread_id(), thread_count(), std::size_t{2} << 20);
    if (b1 > b0) err.set(pread_all(f.fd, static_cast<char*>(dst) + b0, b1 - b0, h.data_offset + b0));
  }
  err.raise(path);
}

void read_npy_column_major(const std::string& path, const NpyHeader& h, double* dst, std::size_t piece_bytes) {
  require_2d(path, h);
  if (h.type == NpyType::f8) return read_column_major<double, double>(path, h, dst, piece_bytes);
  if (h.type == NpyType::f4) return read_column_major<double, float>(path, h, dst, piece_bytes);
  throw std::invalid_argument(path + ": descr: " + npy_descr(h.type) + " is not <f4 or <f8 (a real matrix)");
}

void read_npy_column_major(const std::string& path, const NpyHeader& h, std::complex<double>* dst,
                           std::size_t piece_bytes) {
  require_2d(path, h);
  if (h.type == NpyType::c16) return read_column_major<std::complex<double>, std::complex<double>>(path, h, dst, piece_bytes);
  if (h.type == NpyType::c8) return read_column_major<std::complex<double>, std::complex<float>>(path, h, dst, piece_bytes);
  throw std::invalid_argument(path + ": descr: " + npy_descr(h.type) + " is not <c8 or <c16 (a complex matrix)");
}

NpyDataView::NpyDataView(const std::string& path, const NpyHeader& h) : bytes_(h.data_bytes) {
  if (h.data_bytes == 0) return;
#ifdef __linux__
  if (h.data_offset % 64 == 0 && h.data_bytes >= (std::size_t{1} << 20)) {
    Fd f(path);
    const std::size_t len = h.data_offset + h.data_bytes;  // == the file size (checked by the header)
    void* m = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, f.fd, 0);
    if (m != MAP_FAILED) {
      // The file may have changed since its header was read (another
      // process truncating or rewriting it). mmap() does not look at the
      // size: a page past the end would raise SIGBUS on its first read. So
      // the size is checked again with the mapping in place; a file of
      // another size is bad input, as read_npy_data reports it. (A
      // truncation after this point is the caller's SigbusExit.)
      struct stat st {};
      if (::fstat(f.fd, &st) != 0 || static_cast<std::uintmax_t>(st.st_size) != len) {
        ::munmap(m, len);
        fail(path, "data", "the file is " + std::to_string(static_cast<long long>(st.st_size)) +
                               " bytes, its header says " + std::to_string(len) +
                               " (changed since its header was read?)");
      }
      map_ = m;
      map_bytes_ = len;
      data_ = static_cast<const char*>(m) + h.data_offset;
      return;
    }
  }
#endif
  own_.reset(new std::max_align_t[(h.data_bytes + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t)]);
  read_npy_data(path, h, own_.get());
  data_ = own_.get();
}

NpyDataView::~NpyDataView() {
#ifdef __linux__
  if (map_) ::munmap(map_, map_bytes_);
#endif
}

// ---- SigbusExit --------------------------------------------------------------

namespace {
// Written by the guard before the handler is installed; read only by the
// handler (write() is async-signal-safe, building a string is not).
char g_sigbus_message[1024];
std::size_t g_sigbus_length = 0;
extern "C" void on_sigbus_exit(int) {
  [[maybe_unused]] const auto w = ::write(2, g_sigbus_message, g_sigbus_length);
  ::_exit(kSigbusExitStatus);
}
}  // namespace

struct SigbusExit::Previous {
#ifdef __linux__
  struct sigaction action {};
#endif
};

SigbusExit::SigbusExit(const std::string& path, bool on) {
#ifdef __linux__
  if (!on) return;
  std::string m = "wellposed: error: " + path.substr(0, 900) + ": data: the file was truncated while it was read\n";
  std::memcpy(g_sigbus_message, m.data(), m.size());
  g_sigbus_length = m.size();
  previous_ = std::make_unique<Previous>();
  struct sigaction sa {};
  sa.sa_handler = on_sigbus_exit;
  sigemptyset(&sa.sa_mask);
  if (::sigaction(SIGBUS, &sa, &previous_->action) != 0) previous_.reset();
#else
  (void)path;
  (void)on;
#endif
}

SigbusExit::~SigbusExit() {
#ifdef __linux__
  if (previous_) ::sigaction(SIGBUS, &previous_->action, nullptr);
#endif
}

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

namespace {

/// Writes [data, data + len) at offset off: false on any error.
bool pwrite_all(int fd, const char* data, std::size_t len, std::size_t off) {
  while (len > 0) {
    const ssize_t r = ::pwrite(fd, data, std::min<std::size_t>(len, std::size_t{1} << 30), static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    data += r;
    off += static_cast<std::size_t>(r);
    len -= static_cast<std::size_t>(r);
  }
  return true;
}

/// Large arrays whose data lies so that file offset 4096 falls on a 4 KiB
/// aligned address: the whole 4 KiB blocks go to the file with O_DIRECT
/// (straight from the caller's memory), the header and the partial blocks at
/// both ends through the page cache. On the benchmark VM the buffered write of
/// 128 MiB costs 0.5-0.8 s, nearly all of it first touches of fresh page-cache
/// pages, against 0.05-0.12 s direct (bench/RESULTS.md, perf19). Returns false
/// (nothing decided, the caller writes it all buffered) where O_DIRECT is
/// refused (tmpfs, alignment) or fails.
bool write_npy_direct(const std::string& path, const std::string& h, const char* data, std::size_t bytes) {
#ifdef O_DIRECT
  constexpr std::size_t kBlock = 4096;
  if (bytes < (std::size_t{8} << 20) || h.size() > kBlock) return false;
  const std::size_t head = kBlock - h.size();  // data bytes before file offset 4096
  if ((reinterpret_cast<std::uintptr_t>(data) + head) % kBlock != 0) return false;
  const std::size_t middle = (bytes - head) / kBlock * kBlock, tail = bytes - head - middle;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return false;
  const int dfd = ::open(path.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
  bool ok = dfd >= 0 && pwrite_all(dfd, data + head, middle, kBlock);
  if (dfd >= 0) ok = ::close(dfd) == 0 && ok;
  ok = ok && pwrite_all(fd, h.data(), h.size(), 0) && pwrite_all(fd, data, head, h.size()) &&
       pwrite_all(fd, data + head + middle, tail, kBlock + middle);
  ok = ::close(fd) == 0 && ok;
  return ok;
#else
  (void)path, (void)h, (void)data, (void)bytes;
  return false;
#endif
}

}  // namespace

void write_npy_raw(const std::string& path, NpyType t, const std::vector<std::size_t>& shape, const void* data,
                   std::size_t bytes, bool fortran_order) {
  const std::string h = npy_header_bytes(t, shape, fortran_order);
  if (write_npy_direct(path, h, static_cast<const char*>(data), bytes)) return;
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(h.data(), static_cast<std::streamsize>(h.size()));
  f.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
  f.flush();
  if (!f) throw std::runtime_error(path + ": write failed");
}

}  // namespace wellposed::numeric
