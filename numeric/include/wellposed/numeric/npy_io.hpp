#pragma once
// Raw NumPy .npy access for the factor-chain files and the CLI's complex /
// float32 inputs: float32, float64, complex64, complex128 (little endian),
// any number of dimensions, C or Fortran order. (algebra/npy.hpp reads the
// real integer / bool types as double; this one keeps the bytes and the type.)
//
// Hostile input: every size read from a header is computed with checked
// arithmetic and compared with the bytes actually present BEFORE anything is
// allocated; every error is one line naming the file (label) and the field.
#include <complex>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace wellposed::numeric {

/// A malformed or unsupported file: what() = "<label>: <field>: <what is wrong>".
struct FileFormatError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

enum class NpyType { f4, f8, c8, c16 };
/// "<f4", "<f8", "<c8", "<c16" and the bytes per element.
std::string npy_descr(NpyType t);
std::size_t npy_item_size(NpyType t);

struct NpyHeader {
  NpyType type = NpyType::f8;
  bool fortran_order = false;
  std::vector<std::size_t> shape;
  std::size_t data_offset = 0;  ///< bytes before the data
  std::size_t count = 0;        ///< product of shape (checked)
  std::size_t data_bytes = 0;   ///< count * item size (checked)
};

/// Parses the header at the start of `bytes` (which must hold at least the
/// whole header); checks that data_offset + data_bytes == total_size.
NpyHeader parse_npy_header(std::string_view bytes, std::size_t total_size, const std::string& label);

struct NpyBlob {
  NpyHeader header;
  std::vector<unsigned char> data;  ///< header.data_bytes raw little-endian bytes
};
/// From memory (the fuzzable variant) and from a file (header read first,
/// the size compared with the file size, then one allocation of the data).
NpyBlob parse_npy(std::string_view bytes, const std::string& label);
NpyBlob read_npy_blob(const std::string& path);

/// The header of a file (sizes checked against the file size); the data
/// starts at header.data_offset. For callers that stream the data themselves.
NpyHeader read_npy_header(const std::string& path);

/// Bulk reads of large arrays (issue 19). On the benchmark VM the first touch
/// of a fresh page costs more than copying 4 KiB into it: the hypervisor backs
/// guest memory lazily and takes freed memory back (free page reporting), so a
/// 512 MiB destination costs 0.8-10 s of page faults when cold and 0.1 s when
/// its pages were just freed by another process (bench/RESULTS.md, "perf19").
/// Hence: transparent huge pages advised, the destination faulted in by the
/// OpenMP threads in parallel, the file read with pread in large pieces, one
/// contiguous range of the file per thread. Values are copied bit for bit
/// (float32 / complex64 widened exactly). A file shorter than its header says
/// (changed after the header was checked) throws FileFormatError
/// "<path>: data: ..."; nothing is allocated here (the caller owns dst).
///
/// Default piece: rows of a C-order array per thread and step; tests pass a
/// small one to cross many piece boundaries with small files.
inline constexpr std::size_t kNpyReadPieceBytes = std::size_t{4} << 20;

/// Advises transparent huge pages for [p, p + bytes) (Linux, >= 4 MiB) and
/// faults it in with the OpenMP threads (MADV_POPULATE_WRITE, or one write
/// per 4 KiB page where the kernel lacks it). The contents are unspecified
/// afterwards (zero or what was there): for buffers about to be overwritten.
void prefault_for_write(void* p, std::size_t bytes);

/// The h.data_bytes data bytes of the checked header `h` of `path`, as they
/// are in the file, into dst.
void read_npy_data(const std::string& path, const NpyHeader& h, void* dst,
                   std::size_t piece_bytes = kNpyReadPieceBytes);

/// The 2-D array of the checked header `h` of `path` as a column-major
/// shape[0] x shape[1] array in dst: C order transposed in cache-sized tiles,
/// Fortran order copied. Real: <f4 or <f8 into double; complex: <c8 or <c16
/// into complex<double>; another type or a shape that is not 2-D throws
/// std::invalid_argument.
void read_npy_column_major(const std::string& path, const NpyHeader& h, double* dst,
                           std::size_t piece_bytes = kNpyReadPieceBytes);
void read_npy_column_major(const std::string& path, const NpyHeader& h, std::complex<double>* dst,
                           std::size_t piece_bytes = kNpyReadPieceBytes);

/// The data of a checked header, read-only and without a copy where it can:
/// the file mapped (PROT_READ, MAP_PRIVATE, populated: the page cache's own
/// pages, no fresh memory) on POSIX systems when its data offset keeps 64-byte
/// alignment, else read with read_npy_data into a buffer it owns. The file is
/// never modified. The file's size is checked again once it is mapped: one
/// that changed since its header was read (truncated, grown) throws
/// FileFormatError naming the file and "data", as the read path does. A
/// mapped file truncated by another process AFTER that, while the view is
/// used, raises SIGBUS on access: mapped() tells the caller to guard the
/// reads (SigbusExit).
class NpyDataView {
 public:
  NpyDataView(const std::string& path, const NpyHeader& h);
  ~NpyDataView();
  NpyDataView(const NpyDataView&) = delete;
  NpyDataView& operator=(const NpyDataView&) = delete;
  const void* data() const { return data_; }
  std::size_t bytes() const { return bytes_; }
  bool mapped() const { return map_ != nullptr; }

 private:
  void* map_ = nullptr;
  std::size_t map_bytes_ = 0;
  std::unique_ptr<std::max_align_t[]> own_;  // not zero-filled: read_npy_data writes it all
  const void* data_ = nullptr;
  std::size_t bytes_ = 0;
};

/// The exit status of a program ended by SigbusExit: bad input.
inline constexpr int kSigbusExitStatus = 2;

/// For programs that read a mapped file (NpyDataView::mapped()): while alive
/// and `on`, a SIGBUS -- the file truncated by another process under the
/// mapping -- writes ONE line "wellposed: error: <path>: data: the file was
/// truncated while it was read" on stderr and ends the process with
/// kSigbusExitStatus (bad input) instead of a crash. Nothing is cleaned up
/// (_exit): use it only where no output has been written yet (outputs are
/// written to a temporary sibling and renamed into place, so nothing partial
/// is left under the output's name). Signal dispositions are process-wide:
/// one guard at a time; the previous one is restored when it ends. The
/// library itself never installs it (NpyDataView leaves that to its caller).
class SigbusExit {
 public:
  SigbusExit(const std::string& path, bool on);
  ~SigbusExit();
  SigbusExit(const SigbusExit&) = delete;
  SigbusExit& operator=(const SigbusExit&) = delete;

 private:
  struct Previous;
  std::unique_ptr<Previous> previous_;
};

/// Header bytes (format 1.0, padded to 64 bytes) for the given array.
std::string npy_header_bytes(NpyType t, const std::vector<std::size_t>& shape, bool fortran_order = false);
/// Writes header + data to `path` (plain write: callers stage outputs).
void write_npy_raw(const std::string& path, NpyType t, const std::vector<std::size_t>& shape, const void* data,
                   std::size_t bytes, bool fortran_order = false);

}  // namespace wellposed::numeric
