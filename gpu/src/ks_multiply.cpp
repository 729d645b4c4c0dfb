// Checks and dispatch of ks_multiply / apply_chain (kernels: ks_cpu.cpp and
// gpu/cuda/ks_kernels.cu).
#include "wellposed/gpu/ks_multiply.hpp"
#include "wellposed/gpu/detail/ks_cpu.hpp"  // unchecked kernels, fused chain, to_problem

#include <algorithm>
#include <cstdint>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "wellposed/gpu/detail/ks_device.hpp"
#include "wellposed/numeric/npy_io.hpp"

namespace wellposed::gpu {

std::string to_string(Backend b) { return b == Backend::cpu ? "cpu" : "cuda"; }
std::string to_string(DType t) {
  switch (t) {
    case DType::f32: return "f32";
    case DType::f64: return "f64";
    case DType::f16: return "f16";
    case DType::bf16: return "bf16";
  }
  return "?";
}
std::string to_string(BatchLayout l) { return l == BatchLayout::batch_first ? "batch_first" : "batch_last"; }
std::string to_string(Op op) { return op == Op::none ? "none" : "transpose"; }
std::string to_string(KsStatus::Code c) {
  switch (c) {
    case KsStatus::Code::ok: return "ok";
    case KsStatus::Code::invalid_argument: return "invalid_argument";
    case KsStatus::Code::unsupported: return "unsupported";
    case KsStatus::Code::not_compiled: return "not_compiled";
    case KsStatus::Code::no_device: return "no_device";
    case KsStatus::Code::cuda_error: return "cuda_error";
  }
  return "?";
}
std::size_t size_of(DType t) {
  switch (t) {
    case DType::f32: return 4;
    case DType::f64: return 8;
    case DType::f16:
    case DType::bf16: return 2;
  }
  return 0;
}

KsProblem to_problem(const KsArguments& args) {
  KsProblem p;
  p.k = KsShape{index_t(args.pattern.a), index_t(args.pattern.b), index_t(args.pattern.c), index_t(args.pattern.d)};
  p.op = args.op;
  p.layout = args.layout;
  p.batch = index_t(args.batch);
  return p;
}

namespace {

KsStatus fail(KsStatus::Code code, const std::string& msg) { return KsStatus{code, msg}; }

std::string describe(const KsArguments& a) {
  std::ostringstream os;
  os << "(pattern " << a.pattern.to_string() << ", op " << to_string(a.op) << ", layout " << to_string(a.layout)
     << ", batch " << a.batch << ", dtype " << to_string(a.dtype) << ")";
  return os.str();
}

bool overlap(const void* p, std::size_t pbytes, const void* q, std::size_t qbytes) {
  if (pbytes == 0 || qbytes == 0) return false;
  const auto a = reinterpret_cast<std::uintptr_t>(p), b = reinterpret_cast<std::uintptr_t>(q);
  return a < b + qbytes && b < a + pbytes;
}

[[noreturn]] void throw_invalid(const KsStatus& st) { throw std::invalid_argument(st.message); }

}  // namespace

KsStatus can_implement(const KsArguments& a, Backend backend) {
  using C = KsStatus::Code;
  const KPattern& p = a.pattern;
  if (p.a == 0 || p.b == 0 || p.c == 0 || p.d == 0)
    return fail(C::invalid_argument, "ks_multiply: pattern " + p.to_string() + " has a zero entry; a, b, c, d must be >= 1");
  const bool tr = a.op == Op::transpose;
  const std::size_t rows = tr ? p.cols() : p.rows(), cols = tr ? p.rows() : p.cols();
  // The messages are built only on failure: a stream costs as much as a
  // whole small product (this check runs on every call).
  if (a.values_size != p.nnz()) {
    std::ostringstream os;
    os << "ks_multiply: values has " << a.values_size << " elements, expected a b c d = " << p.nnz() << " "
       << describe(a);
    return fail(C::invalid_argument, os.str());
  }
  if (a.x_size != cols * a.batch) {
    std::ostringstream os;
    os << "ks_multiply: x has " << a.x_size << " elements, expected cols(op(K)) * batch = " << cols << " * " << a.batch
       << " = " << cols * a.batch << " " << describe(a);
    return fail(C::invalid_argument, os.str());
  }
  if (a.y_size != rows * a.batch) {
    std::ostringstream os;
    os << "ks_multiply: y has " << a.y_size << " elements, expected rows(op(K)) * batch = " << rows << " * " << a.batch
       << " = " << rows * a.batch << " " << describe(a);
    return fail(C::invalid_argument, os.str());
  }
  if ((a.values == nullptr && a.values_size) || (a.x == nullptr && a.x_size) || (a.y == nullptr && a.y_size))
    return fail(C::invalid_argument, "ks_multiply: a null pointer with a non-zero size " + describe(a));
  const std::size_t es = size_of(a.dtype);
  if (overlap(a.y, a.y_size * es, a.x, a.x_size * es) || overlap(a.y, a.y_size * es, a.values, a.values_size * es))
    return fail(C::invalid_argument, "ks_multiply: y overlaps x or the values; the product is not in place " + describe(a));
  if (backend == Backend::cpu) {
    if (a.dtype != DType::f32 && a.dtype != DType::f64)
      return fail(C::unsupported, "ks_multiply: the cpu backend has f32 and f64 only, not " + to_string(a.dtype));
    return {};
  }
  if (!cuda_compiled())
    return fail(C::not_compiled, "ks_multiply: this build has no CUDA kernels (WELLPOSED_HAS_CUDA is OFF)");
  if (cuda_device_count() == 0) return fail(C::no_device, "ks_multiply: no CUDA device is available");
  return {};
}

namespace {

template <class T>
constexpr DType dtype_of() {
  return sizeof(T) == 4 ? DType::f32 : DType::f64;
}

/// The arguments of one product Y = op(K) X (spans of host or device memory).
template <class T>
KsArguments make_args(const KPattern& pattern, std::span<const T> values, std::span<const T> x, std::span<T> y,
                      std::size_t batch, BatchLayout layout, Op op) {
  KsArguments a;
  a.pattern = pattern;
  a.op = op;
  a.layout = layout;
  a.batch = batch;
  a.dtype = dtype_of<T>();
  a.values = values.data();
  a.values_size = values.size();
  a.x = x.data();
  a.x_size = x.size();
  a.y = y.data();
  a.y_size = y.size();
  return a;
}

/// Host arrays through the device: upload, one launch per factor, download.
/// `steps` are (factor values, pattern, op) applied in order.
template <class T>
KsStatus run_on_device(const std::vector<std::pair<const KsFactor<T>*, Op>>& steps, std::span<const T> x,
                       std::span<T> y, std::size_t batch, BatchLayout layout) {
  std::size_t widest = x.size();
  for (const auto& [f, op] : steps) {
    const std::size_t r = op == Op::none ? f->pattern().rows() : f->pattern().cols();
    widest = std::max(widest, r * batch);
  }
  DeviceBuffer buf[2];
  for (auto& b : buf)
    if (auto st = b.allocate(widest * sizeof(T)); !st.ok()) return st;
  if (auto st = buf[0].upload(x.data(), x.size() * sizeof(T)); !st.ok()) return st;
  int cur = 0;
  std::size_t cur_size = x.size();
  for (const auto& [f, op] : steps) {
    DeviceBuffer vals;
    const auto v = f->values();
    if (auto st = vals.allocate(v.size() * sizeof(T)); !st.ok()) return st;
    if (auto st = vals.upload(v.data(), v.size() * sizeof(T)); !st.ok()) return st;
    // Spans over device memory: sizes and addresses only, never read here.
    const std::size_t out_size = (op == Op::none ? f->pattern().rows() : f->pattern().cols()) * batch;
    const KsArguments a =
        make_args<T>(f->pattern(), std::span<const T>(static_cast<const T*>(vals.data()), v.size()),
                     std::span<const T>(static_cast<const T*>(buf[cur].data()), cur_size),
                     std::span<T>(static_cast<T*>(buf[1 - cur].data()), out_size), batch, layout, op);
    if (auto st = ks_multiply_device(a); !st.ok()) return st;
    if (auto st = device_synchronize(); !st.ok()) return st;
    cur = 1 - cur;
    cur_size = a.y_size;
  }
  return buf[cur].download(y.data(), y.size() * sizeof(T));
}

}  // namespace

template <class T>
KsStatus ks_multiply(const KPattern& pattern, std::span<const T> values, std::span<const T> x, std::span<T> y,
                     std::size_t batch, BatchLayout layout, Op op, Backend backend) {
  const KsArguments a = make_args(pattern, values, x, y, batch, layout, op);
  KsStatus st = can_implement(a, backend);
  if (st.code == KsStatus::Code::invalid_argument) throw_invalid(st);
  if (!st.ok()) return st;
  if (backend == Backend::cpu) {
    ks_multiply_cpu_unchecked<T>(to_problem(a), values.data(), x.data(), y.data());
    return {};
  }
  const KsFactor<T> f(pattern, std::vector<T>(values.begin(), values.end()));
  return run_on_device<T>({{&f, op}}, x, y, batch, layout);
}

template <class T>
KsStatus ks_multiply(const KsFactor<T>& k, std::span<const T> x, std::span<T> y, std::size_t batch,
                     BatchLayout layout, Op op, Backend backend) {
  return ks_multiply<T>(k.pattern(), k.values(), x, y, batch, layout, op, backend);
}

namespace {

template <class T, class M>
KsStatus multiply_matrix(const KsFactor<T>& k, const M& x, M& y, Op op, Backend backend, BatchLayout layout) {
  const KPattern& p = k.pattern();
  const std::size_t rows = op == Op::none ? p.rows() : p.cols(), cols = op == Op::none ? p.cols() : p.rows();
  if (static_cast<std::size_t>(x.rows()) != cols) {
    std::ostringstream os;
    os << "ks_multiply: X has " << x.rows() << " rows but op(K) (pattern " << p.to_string() << ", op " << to_string(op)
       << ") has " << cols << " columns";
    throw std::invalid_argument(os.str());
  }
  if (&x == &y) throw std::invalid_argument("ks_multiply: X and Y are the same matrix; the product is not in place");
  y.resize(static_cast<Eigen::Index>(rows), x.cols());
  return ks_multiply<T>(p, k.values(), std::span<const T>(x.data(), static_cast<std::size_t>(x.size())),
                        std::span<T>(y.data(), static_cast<std::size_t>(y.size())), static_cast<std::size_t>(x.cols()),
                        layout, op, backend);
}

}  // namespace

template <class T>
KsStatus ks_multiply(const KsFactor<T>& k, const MatX<T>& x, MatX<T>& y, Op op, Backend backend) {
  return multiply_matrix(k, x, y, op, backend, BatchLayout::batch_first);
}
template <class T>
KsStatus ks_multiply(const KsFactor<T>& k, const RowMatX<T>& x, RowMatX<T>& y, Op op, Backend backend) {
  return multiply_matrix(k, x, y, op, backend, BatchLayout::batch_last);
}

template <class T>
KsStatus apply_chain(const std::vector<KsFactor<T>>& chain, std::span<const T> x, std::span<T> y, std::size_t batch,
                     BatchLayout layout, Op op, Backend backend, ChainFusion fusion) {
  if (chain.empty()) throw std::invalid_argument("apply_chain: the chain is empty");
  for (std::size_t l = 0; l + 1 < chain.size(); ++l) {
    if (chain[l].pattern().cols() != chain[l + 1].pattern().rows()) {
      std::ostringstream os;
      os << "apply_chain: factor " << l << " (pattern " << chain[l].pattern().to_string() << ") has "
         << chain[l].pattern().cols() << " columns but factor " << l + 1 << " (pattern "
         << chain[l + 1].pattern().to_string() << ") has " << chain[l + 1].pattern().rows() << " rows (6.9)";
      throw std::invalid_argument(os.str());
    }
  }
  // The order of application: X_N first for op none, X_1^T first for K^T.
  std::vector<std::pair<const KsFactor<T>*, Op>> steps;
  for (std::size_t i = 0; i < chain.size(); ++i)
    steps.emplace_back(&chain[op == Op::none ? chain.size() - 1 - i : i], op);
  const auto in_of = [](const std::pair<const KsFactor<T>*, Op>& s) {
    return s.second == Op::none ? s.first->pattern().cols() : s.first->pattern().rows();
  };
  const auto out_of = [](const std::pair<const KsFactor<T>*, Op>& s) {
    return s.second == Op::none ? s.first->pattern().rows() : s.first->pattern().cols();
  };
  if (x.size() != in_of(steps.front()) * batch || y.size() != out_of(steps.back()) * batch) {
    std::ostringstream os;
    os << "apply_chain: x has " << x.size() << " and y " << y.size() << " elements; expected "
       << in_of(steps.front()) << " * " << batch << " and " << out_of(steps.back()) << " * " << batch << " (op "
       << to_string(op) << ")";
    throw std::invalid_argument(os.str());
  }
  if (backend == Backend::cuda) {
    KsArguments probe = make_args<T>(steps.front().first->pattern(), steps.front().first->values(), x,
                                     std::span<T>(), 0, layout, op);
    probe.x_size = 0;
    if (auto st = can_implement(probe, backend); !st.ok()) return st;
    return run_on_device<T>(steps, x, y, batch, layout);
  }
  if (y.size() && x.size() && overlap(y.data(), y.size() * sizeof(T), x.data(), x.size() * sizeof(T)))
    throw std::invalid_argument("apply_chain: y overlaps x; the product is not in place");
  for (const auto& s : steps) {  // every factor's own checks (pattern, values) before any work
    KsArguments a = make_args<T>(s.first->pattern(), s.first->values(), std::span<const T>(), std::span<T>(), 0,
                                 layout, s.second);
    if (auto st = can_implement(a, backend); st.code == KsStatus::Code::invalid_argument) throw_invalid(st);
  }
  std::vector<KsProblem> problems;
  std::vector<const T*> values;
  for (const auto& s : steps) {
    KsArguments a;
    a.pattern = s.first->pattern();
    a.op = s.second;
    a.layout = layout;
    a.batch = batch;
    problems.push_back(to_problem(a));
    values.push_back(s.first->values().data());
  }
  if (const std::size_t tile = fused_chain_tile<T>(problems, batch, layout, fusion); tile > 0) {
    apply_chain_cpu_fused<T>(problems, values, x.data(), y.data(), batch, layout, tile);
    return {};
  }
  // Unfused: two intermediates of the widest size in a per-thread workspace
  // that grows and is kept between calls (freed at thread exit), not
  // initialised (every kernel writes all of its output before anything reads
  // it). Allocating them per call cost 10-30x the products themselves for
  // MB-sized intermediates on the benchmark VM: fresh pages fault in at every
  // call (bench/RESULTS.md, issue 6).
  std::size_t widest = 0;
  for (std::size_t i = 0; i + 1 < steps.size(); ++i) widest = std::max(widest, out_of(steps[i]) * batch);
  // Where every intermediate fits in y, y is one of the two buffers: the
  // steps alternate between y and one workspace buffer so that the last one
  // lands in y (same kernels, same order: the same bits), which halves the
  // fresh memory a one-shot call faults in.
  const bool y_as_buffer = y.size() >= widest;
  const std::size_t need = y_as_buffer ? widest : 2 * widest;
  thread_local std::unique_ptr<T[]> workspace;
  thread_local std::size_t workspace_size = 0;
  if (workspace_size < need) {
    workspace.reset();
    workspace.reset(new T[need]);
    workspace_size = need;
    // Huge pages advised and faulted in by the OpenMP threads: a one-shot
    // call (wellposed multiply) otherwise spends more time in 4 KiB first-touch
    // faults of this workspace than in the products (bench/RESULTS.md, perf19).
    numeric::prefault_for_write(workspace.get(), need * sizeof(T));
  }
  T* buf[2] = {workspace.get(), y_as_buffer ? y.data() : workspace.get() + widest};
  std::span<const T> cur = x;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    std::span<T> out;
    if (i + 1 == steps.size()) {
      out = y;
    } else if (y_as_buffer) {
      // Steps L-1, L-3, ... write y; L-2, L-4, ... the workspace.
      out = std::span<T>((steps.size() - 1 - i) % 2 == 0 ? y.data() : buf[0], out_of(steps[i]) * batch);
    } else {
      out = std::span<T>(buf[i % 2], out_of(steps[i]) * batch);
    }
    const KsStatus st = ks_multiply<T>(*steps[i].first, cur, out, batch, layout, op, backend);
    if (!st.ok()) return st;
    cur = out;
  }
  return {};
}

namespace {

template <class T, class M>
KsStatus apply_chain_matrix(const std::vector<KsFactor<T>>& chain, const M& x, M& y, Op op, Backend backend,
                            ChainFusion fusion, BatchLayout layout) {
  if (chain.empty()) throw std::invalid_argument("apply_chain: the chain is empty");
  const std::size_t out = op == Op::none ? chain.front().pattern().rows() : chain.back().pattern().cols();
  if (&x == &y) throw std::invalid_argument("apply_chain: X and Y are the same matrix; the product is not in place");
  y.resize(static_cast<Eigen::Index>(out), x.cols());
  return apply_chain<T>(chain, std::span<const T>(x.data(), static_cast<std::size_t>(x.size())),
                        std::span<T>(y.data(), static_cast<std::size_t>(y.size())), static_cast<std::size_t>(x.cols()),
                        layout, op, backend, fusion);
}

}  // namespace

template <class T>
KsStatus apply_chain(const std::vector<KsFactor<T>>& chain, const MatX<T>& x, MatX<T>& y, Op op, Backend backend,
                     ChainFusion fusion) {
  return apply_chain_matrix(chain, x, y, op, backend, fusion, BatchLayout::batch_first);
}
template <class T>
KsStatus apply_chain(const std::vector<KsFactor<T>>& chain, const RowMatX<T>& x, RowMatX<T>& y, Op op, Backend backend,
                     ChainFusion fusion) {
  return apply_chain_matrix(chain, x, y, op, backend, fusion, BatchLayout::batch_last);
}

#define WP_INSTANTIATE(T)                                                                                            \
  template KsStatus ks_multiply<T>(const KPattern&, std::span<const T>, std::span<const T>, std::span<T>,          \
                                   std::size_t, BatchLayout, Op, Backend);                                          \
  template KsStatus ks_multiply<T>(const KsFactor<T>&, std::span<const T>, std::span<T>, std::size_t, BatchLayout, \
                                   Op, Backend);                                                                    \
  template KsStatus ks_multiply<T>(const KsFactor<T>&, const MatX<T>&, MatX<T>&, Op, Backend);                      \
  template KsStatus ks_multiply<T>(const KsFactor<T>&, const RowMatX<T>&, RowMatX<T>&, Op, Backend);                \
  template KsStatus apply_chain<T>(const std::vector<KsFactor<T>>&, std::span<const T>, std::span<T>, std::size_t,  \
                                   BatchLayout, Op, Backend, ChainFusion);                                          \
  template KsStatus apply_chain<T>(const std::vector<KsFactor<T>>&, const MatX<T>&, MatX<T>&, Op, Backend,          \
                                   ChainFusion);                                                                    \
  template KsStatus apply_chain<T>(const std::vector<KsFactor<T>>&, const RowMatX<T>&, RowMatX<T>&, Op, Backend,    \
                                   ChainFusion);

WP_INSTANTIATE(float)
WP_INSTANTIATE(double)
#undef WP_INSTANTIATE

}  // namespace wellposed::gpu
