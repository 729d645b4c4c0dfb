// wellposed multiply: Y = X_1 ... X_L X (or its transpose) through a
// factor-chain folder, with the CPU kernels of gpu/ks_multiply (fused chain).
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <cstdint>
#include <limits>
#include <memory>
#include <filesystem>
#include <iostream>
#include <span>

#include "commands.hpp"
#include "errors.hpp"
#include "output.hpp"
#include "wellposed/gpu/ks_factor.hpp"
#include "wellposed/gpu/ks_multiply.hpp"
#include "wellposed/numeric/factor_file.hpp"
#include "wellposed/numeric/npy_io.hpp"

namespace wellposed::cli {

namespace {

/// An uninitialized buffer of n elements (no zero-fill: every element is
/// written before it is read), with transparent huge pages advised for large
/// sizes (first-touch 4 KiB page faults cost more than the kernels on a VM),
/// placed `page_offset` bytes past a 4 KiB boundary (write_npy_raw writes the
/// whole 4 KiB blocks of a large array straight from memory, O_DIRECT, when
/// file offset 4096 falls on a 4 KiB aligned address).
template <class T>
struct RawBuffer {
  std::unique_ptr<unsigned char[]> raw;
  T* p = nullptr;
  std::size_t n = 0;
  RawBuffer(std::size_t count, std::size_t page_offset) : raw(new unsigned char[count * sizeof(T) + 8192]), n(count) {
    const auto a = reinterpret_cast<std::uintptr_t>(raw.get());
    p = reinterpret_cast<T*>((a + 4095) / 4096 * 4096 + page_offset % 4096);
#ifdef __linux__
    const std::size_t bytes = n * sizeof(T);
    if (bytes >= (std::size_t{4} << 20)) {
      const auto b = reinterpret_cast<std::uintptr_t>(p);
      const std::uintptr_t page = 4096, lo = (b + page - 1) / page * page, hi = (b + bytes) / page * page;
      if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
    }
#endif
  }
  T* data() { return p; }
};

template <class T>
void multiply_as(const std::vector<numeric::KFactor>& chain, const numeric::NpyHeader& h, const MultiplyOptions& o,
                 std::size_t n_in, std::size_t n_out, std::size_t batch, gpu::BatchLayout layout,
                 std::vector<std::size_t> out_shape, double& kernel_seconds) {
  const auto ks = gpu::ks_chain_from_kfactors<T>(chain);
  // n_in * batch == h.count (checked against the file's size); n_out * batch checked here.
  if (batch != 0 && n_out > (std::numeric_limits<std::size_t>::max() - 8192) / sizeof(T) / batch)
    throw InputError(o.x_file + ": shape: the product of " + std::to_string(n_out) + " x " + std::to_string(batch) +
                     " entries overflows");
  // X: the file's own page-cache pages mapped read-only where possible
  // (numeric::NpyDataView: no copy, no fresh memory, which costs more than
  // the products on the benchmark VM), else read by the OpenMP threads.
  // Y is left to apply_chain's threads to fault in.
  std::optional<numeric::NpyDataView> xv;
  try {
    xv.emplace(o.x_file, h);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  // A mapped X truncated by another process while the product reads it:
  // one line and exit 2 instead of a crash (the output is written only after
  // the product, so nothing is left behind).
  static_assert(numeric::kSigbusExitStatus == kExitBadInput);
  const numeric::SigbusExit guard(o.x_file, xv->mapped());
  const T* x = static_cast<const T*>(xv->data());
  const numeric::NpyType type = std::is_same_v<T, float> ? numeric::NpyType::f4 : numeric::NpyType::f8;
  const std::size_t header = numeric::npy_header_bytes(type, out_shape, h.fortran_order).size();
  RawBuffer<T> y(n_out * batch, header % 4096);  // y + (4096 - header) on a 4 KiB boundary
  const auto t0 = std::chrono::steady_clock::now();
  const auto st = gpu::apply_chain<T>(ks, std::span<const T>(x, n_in * batch), std::span<T>(y.data(), y.n), batch, layout,
                                       o.transpose ? gpu::Op::transpose : gpu::Op::none, gpu::Backend::cpu);
  if (!st.ok()) throw InputError(o.factors + ": multiply: " + st.message);
  kernel_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  write_output_file_with(o.output, {o.x_file}, [&](const std::string& tmp) {
    numeric::write_npy_raw(tmp, type, out_shape, y.data(), y.n * sizeof(T), h.fortran_order);
  });
}

}  // namespace

int run_multiply(const MultiplyOptions& o, std::ostream& out, std::ostream& err) {
  try {
    const numeric::FactorChainFile f = numeric::read_factor_chain(o.factors);
    if (f.scalar != numeric::ChainScalar::float64)
      throw InputError(o.factors + ": scalar: complex128 chains are not supported by multiply (float32/float64 kernels)");
    const auto& chain = f.real;
    const std::size_t m = chain.front().rows(), n = chain.back().cols();
    const std::size_t n_in = o.transpose ? m : n, n_out = o.transpose ? n : m;
    const numeric::NpyHeader h = numeric::read_npy_header(o.x_file);
    if (h.type != numeric::NpyType::f4 && h.type != numeric::NpyType::f8)
      throw InputError(o.x_file + ": descr: " + numeric::npy_descr(h.type) + " is not float32 or float64");
    // Memory layout of the vectors: (n, B) in C order = element (i, b) at
    // i B + b = batch_last; (B, n) in C order = batch_first; Fortran order swaps.
    std::size_t batch = 1;
    bool vectors_contiguous = false;  // batch_first
    std::vector<std::size_t> out_shape;
    if (h.shape.size() == 1) {
      if (h.shape[0] != n_in)
        throw InputError(o.x_file + ": shape: (" + std::to_string(h.shape[0]) + ",) but the product needs " +
                         std::to_string(n_in) + " entries");
      vectors_contiguous = true;
      out_shape = {n_out};
    } else if (h.shape.size() == 2) {
      const bool rows = o.layout == "rows";
      const std::size_t len = rows ? h.shape[1] : h.shape[0];
      batch = rows ? h.shape[0] : h.shape[1];
      if (len != n_in)
        throw InputError(o.x_file + ": shape: (" + std::to_string(h.shape[0]) + ", " + std::to_string(h.shape[1]) +
                         ") has vectors of length " + std::to_string(len) + " (--layout " + o.layout +
                         ") but the product needs " + std::to_string(n_in));
      vectors_contiguous = rows != h.fortran_order;
      out_shape = rows ? std::vector<std::size_t>{batch, n_out} : std::vector<std::size_t>{n_out, batch};
    } else {
      throw InputError(o.x_file + ": shape: expected 1 or 2 dimensions, got " + std::to_string(h.shape.size()));
    }
    if (batch == 0) throw InputError(o.x_file + ": shape: the batch is empty");
    const auto layout = vectors_contiguous ? gpu::BatchLayout::batch_first : gpu::BatchLayout::batch_last;
    double kernel_seconds = 0.0;
    if (h.type == numeric::NpyType::f4)
      multiply_as<float>(chain, h, o, n_in, n_out, batch, layout, out_shape, kernel_seconds);
    else
      multiply_as<double>(chain, h, o, n_in, n_out, batch, layout, out_shape, kernel_seconds);
    out << "wrote " << o.output << " (" << n_out << " x " << batch << (o.transpose ? ", transposed chain" : "")
        << "); apply_chain " << kernel_seconds << " s\n";
  } catch (...) {
    return report_bad_input(err);
  }
  return 0;
}

}  // namespace wellposed::cli
