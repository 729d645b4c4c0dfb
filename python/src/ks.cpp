// wellposed.ks_multiply / ks_chain_multiply (issue 22 item 1): Y = K X and
// Y = X_1 ... X_L X for Kronecker-sparse factors (thesis Def 6.3.1) on the
// library's kernels (gpu::ks_multiply / gpu::apply_chain; CPU always, CUDA
// when compiled in and a GPU is present).
//
// Conventions (docs/python.md, docs/factor-format.md):
//  * pattern (a, b, c, d): K = I_a (x) (b x c blocks) (x) I_d, a b d rows,
//    a c d columns, a b c d stored values;
//  * values in the factor-file order F[alpha, beta, gamma, delta] (C order of
//    shape (a, b, c, d), or flat) -- the order wellposed.factorize and
//    F<l>.npy use. The private entry points `_ks_*_kernel_order` take the
//    kernels' own order (alpha, delta, beta, gamma) instead and skip one
//    O(abcd) permutation per call (KSLinear stores its parameters that way);
//  * X: columns are vectors (NumPy's K @ X): shape (cols,) or (cols, batch).
//    A C-contiguous (cols, batch) array is the kernels' batch_last layout, an
//    F-contiguous one (e.g. the transpose of a row-major (batch, cols) torch
//    tensor) their batch_first layout: neither is copied, and Y comes back
//    in the same memory order. Anything else (strided views) is refused.
//
// Contract (checked before any work; nothing is converted silently). Every
// violation is wellposed.InputError (a ValueError; bindings.hpp) whose one
// line names the argument and the value:
//  * X and every values[l] are NumPy arrays of ONE dtype, float32 or float64;
//  * shapes, sizes, chaining cols(X_l) == rows(X_{l+1}), contiguity;
//  * NaN/Inf: with check_finite=True (the default) a non-finite entry of X
//    or of the values is refused, naming its position; with
//    check_finite=False they propagate as IEEE arithmetic says (what
//    torch.nn.Linear does; KSLinear uses that).
// The GIL is released while the kernels run. Sizes are computed with checked
// arithmetic (KPattern::rows/cols/nnz throw rather than wrap).
#include <Eigen/Dense>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "bindings.hpp"
#include "wellposed/algebra/kpattern.hpp"
#include "wellposed/gpu/ks_factor.hpp"
#include "wellposed/gpu/ks_multiply.hpp"
#include "wellposed/gpu/detail/ks_cpu.hpp"  // unchecked kernels, fused chain, to_problem

namespace py = pybind11;

namespace wellposed::python {
namespace {

enum class ValueOrder { factor_file, kernel };

std::string dtype_name(const py::array& a) { return py::str(a.dtype()).cast<std::string>(); }

KPattern parse_pattern(const py::handle& h, const std::string& what) {
  if (py::isinstance<py::str>(h) || !py::isinstance<py::sequence>(h))
    throw InputError(what + ": expected a 4-tuple (a, b, c, d) of positive integers, got " +
                         py::repr(h).cast<std::string>());
  const auto seq = py::reinterpret_borrow<py::sequence>(h);
  if (seq.size() != 4)
    throw InputError(what + ": expected 4 entries (a, b, c, d), got " + std::to_string(seq.size()));
  std::size_t v[4];
  for (std::size_t i = 0; i < 4; ++i) {
    const py::handle e = seq[i];
    PyObject* index = py::isinstance<py::bool_>(e) ? nullptr : PyNumber_Index(e.ptr());
    if (index == nullptr) {
      PyErr_Clear();
      throw InputError(what + ": entry " + std::to_string(i) + " is not an integer: " +
                           py::repr(e).cast<std::string>());
    }
    const auto obj = py::reinterpret_steal<py::object>(index);
    const long long x = PyLong_AsLongLong(obj.ptr());
    if (x == -1 && PyErr_Occurred()) {
      PyErr_Clear();
      throw InputError(what + ": entry " + std::to_string(i) + " is too large: " +
                            py::repr(e).cast<std::string>());
    }
    if (x < 1)
      throw InputError(what + ": entry " + std::to_string(i) + " is " + std::to_string(x) +
                            "; every entry of (a, b, c, d) must be >= 1");
    v[i] = static_cast<std::size_t>(x);
  }
  KPattern p{v[0], v[1], v[2], v[3]};
  p.nnz();  // throws std::invalid_argument (-> ValueError) when a size overflows
  p.rows();
  p.cols();
  return p;
}

py::array as_ndarray(const py::handle& h, const std::string& what) {
  if (!py::isinstance<py::array>(h))
    throw InputError(what + ": expected a NumPy array of float32 or float64, got " +
                         py::str(py::type::handle_of(h)).cast<std::string>());
  return py::reinterpret_borrow<py::array>(h);
}

template <class T>
void require_finite(const T* p, std::size_t n, const std::string& what) {
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(p[i])) {
      std::ostringstream os;
      os << what << ": entry " << i << " (flat, memory order) is " << p[i]
         << "; NaN/Inf are refused (pass check_finite=False to let them propagate)";
      throw InputError(os.str());
    }
}

gpu::Backend parse_backend(const std::string& b, bool& automatic) {
  automatic = false;
  if (b == "cpu") return gpu::Backend::cpu;
  if (b == "cuda") return gpu::Backend::cuda;
  if (b == "auto") {
    automatic = true;
    return gpu::Backend::cpu;
  }
  throw InputError("backend: expected 'auto', 'cpu' or 'cuda', got '" + b + "'");
}

template <class T>
py::array chain_multiply_t(const std::vector<KPattern>& patterns, const std::vector<py::array>& values,
                           const py::array& X, bool transpose, ValueOrder order, bool check_finite,
                           const std::string& backend_name, const py::object& out) {
  const std::size_t L = patterns.size();
  // Shapes: op(X_1 ... X_L) maps cols_in -> rows_out.
  for (std::size_t l = 0; l + 1 < L; ++l)
    if (patterns[l].cols() != patterns[l + 1].rows())
      throw InputError("patterns: factor " + std::to_string(l) + " " + patterns[l].to_string() + " has " +
                            std::to_string(patterns[l].cols()) + " columns but factor " + std::to_string(l + 1) +
                            " " + patterns[l + 1].to_string() + " has " + std::to_string(patterns[l + 1].rows()) +
                            " rows; consecutive factors must chain");
  const std::size_t rows = transpose ? patterns.back().cols() : patterns.front().rows();
  const std::size_t cols = transpose ? patterns.front().rows() : patterns.back().cols();

  for (std::size_t l = 0; l < L; ++l) {
    const std::string what = "values[" + std::to_string(l) + "]";
    const py::array& v = values[l];
    if (static_cast<std::size_t>(v.size()) != patterns[l].nnz())
      throw InputError(what + ": has " + std::to_string(v.size()) + " entries; pattern " +
                            patterns[l].to_string() + " needs a*b*c*d = " + std::to_string(patterns[l].nnz()));
    if (!(v.flags() & py::array::c_style))
      throw InputError(what + ": not C-contiguous; pass np.ascontiguousarray(" + what + ")");
    if (check_finite) require_finite(static_cast<const T*>(v.data()), patterns[l].nnz(), what);
  }

  const auto nd = X.ndim();
  if (nd != 1 && nd != 2)
    throw InputError("X: expected shape (cols,) or (cols, batch), got " + std::to_string(nd) + " dimensions");
  if (static_cast<std::size_t>(X.shape(0)) != cols)
    throw InputError("X: has " + std::to_string(X.shape(0)) + " rows; the " +
                          std::string(transpose ? "transposed " : "") + "product has " + std::to_string(cols) +
                          " columns");
  const std::size_t batch = nd == 2 ? static_cast<std::size_t>(X.shape(1)) : 1;
  gpu::BatchLayout layout = gpu::BatchLayout::batch_last;
  const bool c_order = X.flags() & py::array::c_style, f_order = X.flags() & py::array::f_style;
  if (nd == 2 && !c_order && f_order) layout = gpu::BatchLayout::batch_first;
  else if (!c_order)
    throw InputError("X: not contiguous (strided view); pass np.ascontiguousarray(X) or np.asfortranarray(X)");
  if (check_finite) require_finite(static_cast<const T*>(X.data()), cols * batch, "X");

  // Y: the same memory order as X. rows * batch checked (rows fits; batch is
  // an existing array's dimension, but the product may not be).
  if (batch != 0 && rows > std::numeric_limits<std::size_t>::max() / sizeof(T) / batch)
    throw InputError("X: the output would have " + std::to_string(rows) + " x " + std::to_string(batch) +
                          " entries, more than fits in memory");
  std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(rows)};
  if (nd == 2) shape.push_back(static_cast<py::ssize_t>(batch));
  py::array_t<T, py::array::c_style> yc;
  py::array_t<T, py::array::f_style> yf;
  py::array Y;
  if (!out.is_none()) {
    // A caller-provided output (KSLinear's backward reuses two buffers): the
    // exact shape, dtype and memory order, writeable, not overlapping X.
    if (!py::isinstance<py::array>(out)) throw InputError("out: expected a NumPy array");
    Y = py::reinterpret_borrow<py::array>(out);
    const bool want_f = layout == gpu::BatchLayout::batch_first;
    bool shape_ok = Y.ndim() == static_cast<py::ssize_t>(shape.size());
    for (std::size_t i = 0; shape_ok && i < shape.size(); ++i) shape_ok = Y.shape(i) == shape[i];
    if (!shape_ok || !Y.dtype().is(X.dtype()) || !Y.writeable() ||
        !(Y.flags() & (want_f ? py::array::f_style : py::array::c_style)))
      throw InputError("out: expected a writeable " + std::string(want_f ? "F" : "C") + "-contiguous " +
                       dtype_name(X) + " array of shape (" + std::to_string(rows) +
                       (nd == 2 ? ", " + std::to_string(batch) : std::string()) + ")");
    const auto* xb = static_cast<const char*>(X.data());
    const auto* yb = static_cast<const char*>(Y.data());
    if (xb < yb + rows * batch * sizeof(T) && yb < xb + cols * batch * sizeof(T))
      throw InputError("out: overlaps X; the product is not in place");
  } else if (layout == gpu::BatchLayout::batch_first) {
    Y = yf = py::array_t<T, py::array::f_style>(shape);
  } else {
    Y = yc = py::array_t<T, py::array::c_style>(shape);
  }
  if (rows * batch == 0 || cols == 0) {
    // Empty batch or zero-sized input: nothing to multiply (an empty inner sum is 0).
    if (rows * batch != 0) std::fill_n(static_cast<T*>(Y.mutable_data()), rows * batch, T(0));
    return Y;
  }

  // Kernel storage: blocks (alpha, delta) of b x c, row-major (ks_factor.hpp).
  // The caller's arrays are used in place when they are already in that order
  // (kernel order, or d = 1 where (a, b, c, d) and (a, d, b, c) coincide);
  // otherwise one permuted copy per call. No copy matters: at batch 1 copying
  // (and faulting in) the values costs more than the product.
  std::vector<std::vector<T>> owned(L);
  std::vector<const T*> vptr(L);
  for (std::size_t l = 0; l < L; ++l) {
    const KPattern& p = patterns[l];
    const T* src = static_cast<const T*>(values[l].data());
    if (order == ValueOrder::kernel || p.d == 1) {
      vptr[l] = src;
      continue;
    }
    std::vector<T>& kv = owned[l];
    kv.resize(p.nnz());
    // F[al, be, ga, de] (C order of (a, b, c, d)) -> kv[((al d + de) b + be) c + ga]
    for (std::size_t al = 0; al < p.a; ++al)
      for (std::size_t be = 0; be < p.b; ++be)
        for (std::size_t ga = 0; ga < p.c; ++ga) {
          const T* row = src + ((al * p.b + be) * p.c + ga) * p.d;
          for (std::size_t de = 0; de < p.d; ++de) kv[((al * p.d + de) * p.b + be) * p.c + ga] = row[de];
        }
    vptr[l] = kv.data();
  }

  bool automatic = false;
  gpu::Backend backend = parse_backend(backend_name, automatic);
  const T* const x = static_cast<const T*>(X.data());
  T* const y = static_cast<T*>(Y.mutable_data());
  const gpu::Op op = transpose ? gpu::Op::transpose : gpu::Op::none;
  if (automatic) {
    // CUDA only where it is compiled in and a device answers (can_implement
    // says so); otherwise the CPU kernels.
    gpu::KsArguments probe;
    probe.pattern = patterns.front();
    probe.op = op;
    probe.layout = layout;
    probe.batch = 0;
    probe.dtype = std::is_same_v<T, float> ? gpu::DType::f32 : gpu::DType::f64;
    probe.values = vptr.front();
    probe.values_size = patterns.front().nnz();
    backend = gpu::can_implement(probe, gpu::Backend::cuda).ok() ? gpu::Backend::cuda : gpu::Backend::cpu;
  }
  // The CUDA route goes through apply_chain (owning factors: one copy of the values).
  std::vector<gpu::KsFactor<T>> chain;
  if (backend == gpu::Backend::cuda)
    for (std::size_t l = 0; l < L; ++l)
      chain.emplace_back(patterns[l], std::vector<T>(vptr[l], vptr[l] + patterns[l].nnz()));
  // The CPU route: the order of application (X_L first for op none, X_1^T
  // first for the transpose), as apply_chain does it.
  std::vector<std::size_t> steps(L);
  for (std::size_t i = 0; i < L; ++i) steps[i] = op == gpu::Op::none ? L - 1 - i : i;
  const auto out_of = [&](std::size_t l) { return op == gpu::Op::none ? patterns[l].rows() : patterns[l].cols(); };

  // Ctrl-C: in the batch_first layout the vectors are contiguous, so a long
  // call runs in chunks of about 2^26 multiply-adds and checks for signals
  // (KeyboardInterrupt) between them, with the GIL re-acquired; Y is a fresh
  // array (or the caller's `out`) and the exception leaves no result behind.
  // A batch_last call (vector index fastest) is one kernel call and is not
  // interruptible midway.
  std::size_t work_per_vector = 0;
  for (const auto& p : patterns) work_per_vector += p.nnz();
  std::size_t chunk = batch;
  if (layout == gpu::BatchLayout::batch_first)
    chunk = std::max<std::size_t>(1, (std::size_t{1} << 26) / std::max<std::size_t>(1, work_per_vector));
  gpu::KsStatus st;
  for (std::size_t s0 = 0; s0 < batch && st.ok(); s0 += chunk) {
    const std::size_t nb = std::min(chunk, batch - s0);
    if (s0 > 0 && PyErr_CheckSignals() != 0) throw py::error_already_set();
    py::gil_scoped_release release;
    const T* xs = layout == gpu::BatchLayout::batch_first ? x + s0 * cols : x;
    T* ys = layout == gpu::BatchLayout::batch_first ? y + s0 * rows : y;
    if (backend == gpu::Backend::cuda) {
      st = gpu::apply_chain<T>(chain, std::span<const T>(xs, cols * nb), std::span<T>(ys, rows * nb), nb, layout, op,
                               gpu::Backend::cuda);
      if (!st.ok() && automatic) backend = gpu::Backend::cpu;  // e.g. a CUDA error: redo this chunk on the CPU
      else continue;
      st = {};
    }
    if (L == 1) {
      st = gpu::ks_multiply<T>(patterns[0], std::span<const T>(vptr[0], patterns[0].nnz()),
                               std::span<const T>(xs, cols * nb), std::span<T>(ys, rows * nb), nb, layout, op,
                               gpu::Backend::cpu);
      continue;
    }
    // Fused per tile where it pays (the library's rule), else factor by factor
    // through two intermediates kept per thread between calls (fresh pages
    // fault in at every call otherwise; gpu/src/ks_multiply.cpp measured it).
    std::vector<gpu::KsProblem> problems;
    std::vector<const T*> vals;
    for (std::size_t l : steps) {
      gpu::KsArguments a;
      a.pattern = patterns[l];
      a.op = op;
      a.layout = layout;
      a.batch = nb;
      problems.push_back(gpu::to_problem(a));
      vals.push_back(vptr[l]);
    }
    if (const std::size_t tile = gpu::fused_chain_tile<T>(problems, nb, layout, gpu::ChainFusion::automatic);
        tile > 0) {
      gpu::apply_chain_cpu_fused<T>(problems, vals, xs, ys, nb, layout, tile);
      continue;
    }
    std::size_t widest = 0;
    for (std::size_t i = 0; i + 1 < L; ++i) widest = std::max(widest, out_of(steps[i]) * nb);
    thread_local std::vector<T> workspace;
    if (workspace.size() < 2 * widest) {
      workspace.clear();
      workspace.shrink_to_fit();
      workspace.resize(2 * widest);
    }
    T* buf[2] = {workspace.data(), workspace.data() + widest};
    const T* cur = xs;
    std::size_t cur_size = cols * nb;
    for (std::size_t i = 0; i < L && st.ok(); ++i) {
      const std::size_t l = steps[i];
      T* out = i + 1 == L ? ys : buf[i % 2];
      const std::size_t out_size = out_of(l) * nb;
      st = gpu::ks_multiply<T>(patterns[l], std::span<const T>(vptr[l], patterns[l].nnz()),
                               std::span<const T>(cur, cur_size), std::span<T>(out, out_size), nb, layout, op,
                               gpu::Backend::cpu);
      cur = out;
      cur_size = out_size;
    }
  }
  if (!st.ok())
    throw std::runtime_error("ks_multiply: backend '" + backend_name + "': " + gpu::to_string(st.code) + ": " +
                             st.message);
  return Y;
}

py::array chain_multiply(const py::handle& patterns_h, const py::handle& values_h, const py::handle& X_h,
                         bool transpose, ValueOrder order, bool check_finite, const std::string& backend,
                         const py::object& out = py::none()) {
  if (py::isinstance<py::str>(patterns_h) || !py::isinstance<py::sequence>(patterns_h))
    throw InputError("patterns: expected a list of 4-tuples (a, b, c, d)");
  if (py::isinstance<py::str>(values_h) || py::isinstance<py::array>(values_h) ||
      !py::isinstance<py::sequence>(values_h))
    throw InputError("values_list: expected a list of NumPy arrays, one per pattern");
  const auto pseq = py::reinterpret_borrow<py::sequence>(patterns_h);
  const auto vseq = py::reinterpret_borrow<py::sequence>(values_h);
  if (pseq.size() == 0) throw InputError("patterns: the chain is empty");
  if (pseq.size() != vseq.size())
    throw InputError("values_list: " + std::to_string(vseq.size()) + " arrays for " +
                          std::to_string(pseq.size()) + " patterns");
  std::vector<KPattern> patterns;
  std::vector<py::array> values;
  for (std::size_t l = 0; l < pseq.size(); ++l) {
    patterns.push_back(parse_pattern(pseq[l], "patterns[" + std::to_string(l) + "]"));
    values.push_back(as_ndarray(vseq[l], "values[" + std::to_string(l) + "]"));
  }
  const py::array X = as_ndarray(X_h, "X");
  const bool f64 = X.dtype().is(py::dtype::of<double>());
  const bool f32 = X.dtype().is(py::dtype::of<float>());
  if (!f64 && !f32)
    throw InputError("X: dtype " + dtype_name(X) + " is not supported; use float32 or float64");
  for (std::size_t l = 0; l < values.size(); ++l)
    if (!values[l].dtype().is(X.dtype()))
      throw InputError("values[" + std::to_string(l) + "]: dtype " + dtype_name(values[l]) +
                           " differs from X's " + dtype_name(X) + "; convert one (no silent conversion)");
  if (f64) return chain_multiply_t<double>(patterns, values, X, transpose, order, check_finite, backend, out);
  return chain_multiply_t<float>(patterns, values, X, transpose, order, check_finite, backend, out);
}


/// One vector's share of values_grad_t, gamma innermost (Z at stride d), in
/// the kernel order (a, d, b, c): op(o[((al d + de) b + be) c + ga],
/// gs[(al b + be) d + de] * zs[(al c + ga) d + de]) for every stored entry,
/// where gs, zs are the vector's G and Z (element r at r). op assigns (the
/// only vector) or adds (one of several; o starts at zero).
template <class T, class Op>
void outer_product_blocks(const KPattern& p, const T* gs, const T* zs, T* o, Op op) {
  const std::size_t a = p.a, b = p.b, c = p.c, d = p.d;
  for (std::size_t al = 0; al < a; ++al)
    for (std::size_t de = 0; de < d; ++de)
      for (std::size_t be = 0; be < b; ++be) {
        const T gv = gs[(al * b + be) * d + de];
        T* orow = o + ((al * d + de) * b + be) * c;
        const T* zv = zs + al * c * d + de;
        if (d == 1)  // unit stride: vectorized (a block-diagonal factor, Monarch's first)
          for (std::size_t ga = 0; ga < c; ++ga) op(orow[ga], gv * zv[ga]);
        else
          for (std::size_t ga = 0; ga < c; ++ga) op(orow[ga], gv * zv[ga * d]);
      }
}

// dL/dV for Y = K Z (private; KSLinear's backward): with G = dL/dY (rows x B) and
// Z (cols x B) in the same layout, grad[al, de, be, ga] = sum_s G[(al b + be) d + de, s]
// Z[(al c + ga) d + de, s], returned flat in the kernels' order (a, d, b, c).
// Every entry is a sum of B products accumulated in T (in some order: s
// increasing, 8 partial sums, or Eigen's blocking), so the standard bound
// gamma_B sum |G||Z| holds (Higham Thm 3.5).
template <class T>
py::array values_grad_t(const KPattern& p, const py::array& G, const py::array& Z) {
  const std::size_t a = p.a, b = p.b, c = p.c, d = p.d, rows = p.rows(), cols = p.cols();
  if (G.ndim() != 2 || Z.ndim() != 2 || static_cast<std::size_t>(G.shape(0)) != rows ||
      static_cast<std::size_t>(Z.shape(0)) != cols || G.shape(1) != Z.shape(1))
    throw InputError("G, Z: expected shapes (" + std::to_string(rows) + ", B) and (" + std::to_string(cols) +
                          ", B) for pattern " + p.to_string());
  const std::size_t B = static_cast<std::size_t>(G.shape(1));
  const bool gf = G.flags() & py::array::f_style, gc = G.flags() & py::array::c_style;
  const bool zf = Z.flags() & py::array::f_style, zc = Z.flags() & py::array::c_style;
  const bool batch_first = B > 1 && gf && zf && !(gc && zc);
  if (!batch_first && !(gc && zc)) throw InputError("G, Z: both C- or both F-contiguous");
  py::array_t<T> out(static_cast<py::ssize_t>(p.nnz()));
  T* o = out.mutable_data();
  const T* g = static_cast<const T*>(G.data());
  const T* z = static_cast<const T*>(Z.data());
  {
    py::gil_scoped_release release;
    std::fill_n(o, p.nnz(), T(0));
    if (B > 1 && b * c >= 64) {
      // Large blocks: block (al, de) of the gradient is the GEMM G_blk Z_blk^T
      // (b x B times B x c) with G_blk[be, s] = G[(al b + be) d + de, s]
      // (likewise Z); Eigen's blocked, vectorized product on strided maps,
      // written straight into the kernel-order (row-major b x c) block.
      using Strided = Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>;
      using CMap = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>, 0, Strided>;
      using OMap = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
      const auto ib = static_cast<Eigen::Index>(b), ic = static_cast<Eigen::Index>(c),
                 iB = static_cast<Eigen::Index>(B);
      for (std::size_t al = 0; al < a; ++al)
        for (std::size_t de = 0; de < d; ++de) {
          const T* gp = g + (batch_first ? (al * b * d + de) : (al * b * d + de) * B);
          const T* zp = z + (batch_first ? (al * c * d + de) : (al * c * d + de) * B);
          // element (row r of the block, vector s): batch_first at s*rows + r*d, batch_last at r*d*B + s
          const Strided gs = batch_first ? Strided(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(d))
                                         : Strided(1, static_cast<Eigen::Index>(d * B));
          const Strided zs = batch_first ? Strided(static_cast<Eigen::Index>(cols), static_cast<Eigen::Index>(d))
                                         : Strided(1, static_cast<Eigen::Index>(d * B));
          OMap(o + (al * d + de) * b * c, ib, ic).noalias() = CMap(gp, ib, iB, gs) * CMap(zp, ic, iB, zs).transpose();
        }
    } else if (B == 1) {
      // One vector: every block is the outer product of its G and Z slices.
      outer_product_blocks(p, g, z, o, [](T& x, T v) { x = v; });
    } else if (!batch_first) {
      for (std::size_t al = 0; al < a; ++al)
        for (std::size_t de = 0; de < d; ++de)
          for (std::size_t be = 0; be < b; ++be) {
            const T* gr = g + ((al * b + be) * d + de) * B;
            for (std::size_t ga = 0; ga < c; ++ga) {
              const T* zr = z + ((al * c + ga) * d + de) * B;
              // 8 partial sums (vectorized), then added: still a sum of B
              // products in T, so the gamma_B bound above holds.
              T part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
              std::size_t s = 0;
              for (; s + 8 <= B; s += 8)
                for (std::size_t k = 0; k < 8; ++k) part[k] += gr[s + k] * zr[s + k];
              T acc = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
              for (; s < B; ++s) acc += gr[s] * zr[s];
              o[((al * d + de) * b + be) * c + ga] = acc;
            }
          }
    } else if (d >= 4) {
      // delta innermost (unit stride in G, Z and the (a, b, c, d) accumulator).
      std::vector<T> acc(p.nnz(), T(0));
      for (std::size_t s = 0; s < B; ++s) {
        const T* gs = g + s * rows;
        const T* zs = z + s * cols;
        for (std::size_t al = 0; al < a; ++al)
          for (std::size_t be = 0; be < b; ++be) {
            const T* gv = gs + (al * b + be) * d;
            for (std::size_t ga = 0; ga < c; ++ga) {
              const T* zv = zs + (al * c + ga) * d;
              T* ar = acc.data() + ((al * b + be) * c + ga) * d;
              for (std::size_t de = 0; de < d; ++de) ar[de] += gv[de] * zv[de];
            }
          }
      }
      for (std::size_t al = 0; al < a; ++al)
        for (std::size_t be = 0; be < b; ++be)
          for (std::size_t ga = 0; ga < c; ++ga)
            for (std::size_t de = 0; de < d; ++de)
              o[((al * d + de) * b + be) * c + ga] = acc[((al * b + be) * c + ga) * d + de];
    } else {
      // small d: gamma innermost (Z at stride d), accumulator in kernel order.
      for (std::size_t s = 0; s < B; ++s)
        outer_product_blocks(p, g + s * rows, z + s * cols, o, [](T& x, T v) { x += v; });
    }
  }
  return out;
}

}  // namespace

void bind_ks(py::module_& m) {
  m.def(
      "ks_multiply",
      [](const py::handle& pattern, const py::handle& values, const py::handle& X, bool transpose, bool check_finite,
         const std::string& backend) {
        const KPattern p = parse_pattern(pattern, "pattern");
        const py::array v = as_ndarray(values, "values");
        py::list pl, vl;
        pl.append(py::make_tuple(p.a, p.b, p.c, p.d));
        vl.append(v);
        return chain_multiply(pl, vl, X, transpose, ValueOrder::factor_file, check_finite, backend);
      },
      py::arg("pattern"), py::arg("values"), py::arg("X"), py::kw_only(), py::arg("transpose") = false,
      py::arg("check_finite") = true, py::arg("backend") = "auto",
      R"doc(Y = K @ X (or K.T @ X) for the Kronecker-sparse factor K of pattern (a, b, c, d).

K = I_a (x) (b x c blocks) (x) I_d has a*b*d rows and a*c*d columns (thesis Def 6.3.1).
values: the a*b*c*d stored entries, float32 or float64, in the factor-file order
F[alpha, beta, gamma, delta] = K[alpha*b*d + beta*d + delta, alpha*c*d + gamma*d + delta]
(shape (a, b, c, d) or flat, C-contiguous). X: shape (cols,) or (cols, batch), the same
dtype; C- or F-contiguous (not copied; Y has X's memory order). NaN/Inf are refused
unless check_finite=False. backend: 'auto' (CUDA when compiled in and present, else CPU),
'cpu' or 'cuda'. The GIL is released while the kernels run.)doc");

  m.def(
      "ks_chain_multiply",
      [](const py::handle& patterns, const py::handle& values_list, const py::handle& X, bool transpose,
         bool check_finite, const std::string& backend) {
        return chain_multiply(patterns, values_list, X, transpose, ValueOrder::factor_file, check_finite, backend);
      },
      py::arg("patterns"), py::arg("values_list"), py::arg("X"), py::kw_only(), py::arg("transpose") = false,
      py::arg("check_finite") = true, py::arg("backend") = "auto",
      R"doc(Y = X_1 @ X_2 @ ... @ X_L @ X (or its transpose applied to X) for Kronecker-sparse factors.

patterns: [(a, b, c, d), ...] left to right (X_L acts first); values_list: one array per
factor as in ks_multiply. cols(X_l) must equal rows(X_{l+1}). With transpose=True,
Y = (X_1 ... X_L).T @ X. Same dtype, contiguity and NaN rules as ks_multiply.)doc");

  // Kernel value order (alpha, delta, beta, gamma): for wellposed.torch.KSLinear.
  m.def(
      "_ks_chain_multiply_kernel_order",
      [](const py::handle& patterns, const py::handle& values_list, const py::handle& X, bool transpose,
         bool check_finite, const std::string& backend, const py::object& out) {
        return chain_multiply(patterns, values_list, X, transpose, ValueOrder::kernel, check_finite, backend, out);
      },
      py::arg("patterns"), py::arg("values_list"), py::arg("X"), py::kw_only(), py::arg("transpose") = false,
      py::arg("check_finite") = false, py::arg("backend") = "auto", py::arg("out") = py::none(),
      "ks_chain_multiply with values in the kernels' order [alpha, delta, beta, gamma] (private).");

  m.def(
      "_ks_values_grad",
      [](const py::handle& pattern, const py::handle& G_h, const py::handle& Z_h) -> py::array {
        const KPattern p = parse_pattern(pattern, "pattern");
        const py::array G = as_ndarray(G_h, "G"), Z = as_ndarray(Z_h, "Z");
        if (!G.dtype().is(Z.dtype())) throw InputError("G, Z: dtypes differ");
        if (G.dtype().is(py::dtype::of<double>())) return values_grad_t<double>(p, G, Z);
        if (G.dtype().is(py::dtype::of<float>())) return values_grad_t<float>(p, G, Z);
        throw InputError("G: dtype " + dtype_name(G) + " is not supported; use float32 or float64");
      },
      py::arg("pattern"), py::arg("G"), py::arg("Z"),
      "Gradient of <G, K Z> with respect to K's values, kernel order (a, d, b, c) (private).");
}

}  // namespace wellposed::python
