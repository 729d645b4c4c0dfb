// wellposed.factorize(), wellposed.FactorChain, wellposed.load() (issue 22
// item 1): numeric::factorize with the CLI's options one to one, the compact
// factor chain in the documented layout (docs/factor-format.md), multiplied
// by the gpu layer's CPU Kronecker-sparse kernels (apply_chain), saved and
// loaded through the same writer / reader as `wellposed factorize` /
// `wellposed multiply` (numeric/factor_file.hpp, cli/src/output.cpp: staged
// output renamed into place, nothing overwritten without force).
#include <algorithm>
#include <complex>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include <pybind11/complex.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "../../cli/src/factor_manifest.hpp"
#include "../../cli/src/output.hpp"
#include "bindings.hpp"
#include "wellposed/algebra/spec.hpp"
#include "wellposed/gpu/ks_factor.hpp"
#include "wellposed/gpu/ks_multiply.hpp"
#include "wellposed/numeric/factor_file.hpp"
#include "wellposed/numeric/factorize.hpp"
#include "wellposed/numeric/kronecker_factor.hpp"

namespace py = pybind11;

namespace wellposed::python {

namespace {

using numeric::Complex;
using numeric::ComplexKFactor;
using numeric::ComplexMatrix;
using numeric::KFactor;
using numeric::Matrix;

py::object json_to_py(const nlohmann::json& j) {
  // Leaked on purpose: a static py::object would be released after the interpreter is gone.
  static py::object* loads = new py::object(py::module_::import("json").attr("loads"));
  return (*loads)(py::str(j.dump()));
}

std::string shape_str(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t k = 0; k < a.ndim(); ++k) s += (k ? ", " : "") + std::to_string(a.shape(k));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

/// The chain's data, shared (immutable) between Python objects and background work.
struct ChainData {
  bool is_complex = false;
  std::vector<KFactor> real;
  std::vector<ComplexKFactor> cplx;
  nlohmann::json factorization;  ///< the manifest's "factorization" object (null when none)

  std::size_t size() const { return is_complex ? cplx.size() : real.size(); }
  KPattern pattern(std::size_t l) const { return is_complex ? cplx[l].theta : real[l].theta; }
  std::size_t rows() const { return pattern(0).rows(); }
  std::size_t cols() const { return pattern(size() - 1).cols(); }

  /// The kernels' storage, built once per precision (values rounded to T).
  template <class T>
  const std::vector<gpu::KsFactor<T>>& ks() const {
    std::lock_guard<std::mutex> lock(m_);
    if constexpr (std::is_same_v<T, double>) {
      if (!ks64_) ks64_ = std::make_unique<std::vector<gpu::KsFactor<double>>>(gpu::ks_chain_from_kfactors<double>(real));
      return *ks64_;
    } else {
      if (!ks32_) ks32_ = std::make_unique<std::vector<gpu::KsFactor<float>>>(gpu::ks_chain_from_kfactors<float>(real));
      return *ks32_;
    }
  }

 private:
  mutable std::mutex m_;
  mutable std::unique_ptr<std::vector<gpu::KsFactor<double>>> ks64_;
  mutable std::unique_ptr<std::vector<gpu::KsFactor<float>>> ks32_;
};

/// Checks that consecutive factors chain (6.9) and that there is at least one.
void check_chain(const ChainData& d, const std::string& what) {
  if (d.size() == 0) throw InputError(what + ": a chain needs at least one factor");
  for (std::size_t l = 0; l + 1 < d.size(); ++l)
    if (d.pattern(l).cols() != d.pattern(l + 1).rows())
      throw InputError(what + ": factor " + std::to_string(l + 1) + " has " + std::to_string(d.pattern(l).cols()) +
                       " columns but factor " + std::to_string(l + 2) + " has " +
                       std::to_string(d.pattern(l + 1).rows()) + " rows (A = X_1 X_2 ... X_L needs them equal)");
}

/// X^T of a Kronecker-sparse factor: pattern (a, c, b, d), values
/// T[alpha, gamma, beta, delta] = V[alpha, beta, gamma, delta].
template <class S>
numeric::BasicKFactor<S> transposed(const numeric::BasicKFactor<S>& f) {
  const KPattern& p = f.theta;
  numeric::BasicKFactor<S> t(KPattern{p.a, p.c, p.b, p.d});
  for (std::size_t al = 0; al < p.a; ++al)
    for (std::size_t be = 0; be < p.b; ++be)
      for (std::size_t ga = 0; ga < p.c; ++ga)
        for (std::size_t de = 0; de < p.d; ++de)
          t.values[((al * p.c + ga) * p.b + be) * p.d + de] = f.values[((al * p.b + be) * p.c + ga) * p.d + de];
  return t;
}

class FactorChain {
 public:
  explicit FactorChain(std::shared_ptr<const ChainData> d) : d_(std::move(d)) {}
  const ChainData& data() const { return *d_; }
  std::shared_ptr<const ChainData> shared() const { return d_; }

 private:
  std::shared_ptr<const ChainData> d_;
};

// ---- multiplication -----------------------------------------------------------

enum class Kind { f32, f64, c128 };

Kind kind_of(const py::array& x, const char* what) {
  const char k = x.dtype().kind();
  if (k == 'f' && x.dtype().itemsize() == 4) return Kind::f32;
  if (k == 'f' || k == 'i' || k == 'u' || k == 'b') return Kind::f64;
  if (k == 'c') return Kind::c128;
  throw InputError(std::string(what) + ": dtype " + py::cast<std::string>(py::str(x.dtype())) +
                   " is not a number type (float32/float64, int, bool or complex)");
}

/// y = op(X_1 ... X_L) x for `batch` vectors of length n_in stored per `layout`.
template <class T>
void apply_real(const ChainData& d, const T* x, T* y, std::size_t n_in, std::size_t n_out, std::size_t batch,
                gpu::BatchLayout layout, bool transpose) {
  const auto& ks = d.ks<T>();
  const auto st = gpu::apply_chain<T>(ks, std::span<const T>(x, n_in * batch), std::span<T>(y, n_out * batch), batch,
                                      layout, transpose ? gpu::Op::transpose : gpu::Op::none, gpu::Backend::cpu);
  if (!st.ok()) throw InputError("multiply: " + st.message);
}

/// The complex path (numeric layer; the kernels are real): x as an n_in x batch matrix.
ComplexMatrix apply_complex(const ChainData& d, ComplexMatrix x, bool transpose) {
  const std::size_t L = d.size();
  if (!d.is_complex) {
    // Real chain, complex x: real and imaginary parts through the f64 kernels.
    const std::size_t n_in = static_cast<std::size_t>(x.rows()), batch = static_cast<std::size_t>(x.cols());
    const std::size_t n_out = transpose ? d.cols() : d.rows();
    Matrix re = x.real(), im = x.imag(), yr(n_out, batch), yi(n_out, batch);
    apply_real<double>(d, re.data(), yr.data(), n_in, n_out, batch, gpu::BatchLayout::batch_first, transpose);
    apply_real<double>(d, im.data(), yi.data(), n_in, n_out, batch, gpu::BatchLayout::batch_first, transpose);
    ComplexMatrix y(n_out, batch);
    y.real() = yr;
    y.imag() = yi;
    return y;
  }
  if (!transpose) {
    for (std::size_t l = L; l-- > 0;) x = d.cplx[l].apply(x);
  } else {
    for (std::size_t l = 0; l < L; ++l) x = transposed(d.cplx[l]).apply(x);
  }
  return x;
}

/// A new uninitialized array of `shape`, C or Fortran order.
template <class T>
py::array_t<T> new_array(const std::vector<py::ssize_t>& shape, bool fortran) {
  std::vector<py::ssize_t> strides(shape.size());
  py::ssize_t s = sizeof(T);
  if (fortran) {
    for (std::size_t k = 0; k < shape.size(); ++k) {
      strides[k] = s;
      s *= std::max<py::ssize_t>(shape[k], 1);
    }
  } else {
    for (std::size_t k = shape.size(); k-- > 0;) {
      strides[k] = s;
      s *= std::max<py::ssize_t>(shape[k], 1);
    }
  }
  return py::array_t<T>(shape, strides);
}

/// op(chain) applied to `count` vectors of length n_in: vector v at x + v * n_in
/// (batch_first, `contig`) or element i at x + i * count + v (batch_last).
/// Returns the array of the output vectors in the same layout with shape `out_shape`.
py::array apply_any(const ChainData& d, const py::array& x_in, bool transpose, bool vectors_contiguous,
                    std::size_t count, const std::vector<py::ssize_t>& out_shape, bool fortran_out) {
  const std::size_t n_in = transpose ? d.rows() : d.cols(), n_out = transpose ? d.cols() : d.rows();
  const auto layout = vectors_contiguous ? gpu::BatchLayout::batch_first : gpu::BatchLayout::batch_last;
  Kind k = kind_of(x_in, "X");
  if (d.is_complex) k = Kind::c128;
  if (k == Kind::f32 || k == Kind::f64) {
    auto run = [&](auto tag) -> py::array {
      using T = decltype(tag);
      // Already C/F-contiguous as required by the caller: forcecast only converts the dtype.
      // Already C- (or, for multiply(), F-) contiguous as the layout needs: only the dtype is converted.
      py::array_t<T> x = fortran_out ? py::array_t<T>(py::array_t<T, py::array::f_style | py::array::forcecast>::ensure(x_in))
                                     : py::array_t<T>(py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(x_in));
      py::array_t<T> y = new_array<T>(out_shape, fortran_out);
      const T* xp = x.data();
      T* yp = y.mutable_data();
      {
        py::gil_scoped_release release;
        apply_real<T>(d, xp, yp, n_in, n_out, count, layout, transpose);
      }
      return py::array(y);
    };
    return k == Kind::f32 ? run(float{}) : run(double{});
  }
  py::array_t<Complex> x = fortran_out ? py::array_t<Complex>(py::array_t<Complex, py::array::f_style | py::array::forcecast>::ensure(x_in))
                                       : py::array_t<Complex>(py::array_t<Complex, py::array::c_style | py::array::forcecast>::ensure(x_in));
  ComplexMatrix X(n_in, count);
  const Complex* xp = x.data();
  for (std::size_t v = 0; v < count; ++v)
    for (std::size_t i = 0; i < n_in; ++i) X(i, v) = vectors_contiguous ? xp[v * n_in + i] : xp[i * count + v];
  ComplexMatrix Y;
  {
    py::gil_scoped_release release;
    Y = apply_complex(d, std::move(X), transpose);
  }
  py::array_t<Complex> y = new_array<Complex>(out_shape, fortran_out);
  Complex* yp = y.mutable_data();
  for (std::size_t v = 0; v < count; ++v)
    for (std::size_t i = 0; i < n_out; ++i) (vectors_contiguous ? yp[v * n_out + i] : yp[i * count + v]) = Y(i, v);
  return py::array(y);
}

py::array as_number_array(const py::object& o, const char* what) {
  py::array a;
  try {
    a = py::array::ensure(o);
  } catch (...) {
  }
  if (!a) throw InputError(std::string(what) + ": expected an array of numbers, got " +
                           py::cast<std::string>(py::str(py::type::of(o).attr("__name__"))));
  kind_of(a, what);
  return a;
}

/// chain @ X (NumPy matmul: X of shape (n,) or (..., n, B)).
py::array matmul(const FactorChain& c, const py::object& xo) {
  const ChainData& d = c.data();
  py::array x = as_number_array(xo, "X");
  const std::size_t n = d.cols(), m = d.rows();
  if (x.ndim() == 0) throw InputError("X: a scalar; use chain.todense() * x for scaling");
  const std::size_t len = static_cast<std::size_t>(x.ndim() == 1 ? x.shape(0) : x.shape(x.ndim() - 2));
  if (len != n)
    throw InputError("X: shape " + shape_str(x) + " but the chain is " + std::to_string(m) + "x" + std::to_string(n) +
                     " (chain @ X needs " + std::to_string(n) + (x.ndim() == 1 ? " entries)" : " rows in X's last two axes)"));
  x = py::array::ensure(x, py::array::c_style);
  if (x.ndim() == 1) return apply_any(d, x, false, true, 1, {static_cast<py::ssize_t>(m)}, false);
  const std::size_t B = static_cast<std::size_t>(x.shape(x.ndim() - 1));
  std::size_t K = 1;
  std::vector<py::ssize_t> out_shape;
  for (py::ssize_t k = 0; k + 2 < x.ndim(); ++k) {
    K *= static_cast<std::size_t>(x.shape(k));
    out_shape.push_back(x.shape(k));
  }
  out_shape.push_back(static_cast<py::ssize_t>(m));
  out_shape.push_back(static_cast<py::ssize_t>(B));
  if (K == 1 || B == 0 || K == 0) {
    if (K == 0 || B == 0) {
      const Kind k = d.is_complex ? Kind::c128 : kind_of(x, "X");
      return k == Kind::f32 ? py::array(py::array_t<float>(out_shape))
                            : k == Kind::f64 ? py::array(py::array_t<double>(out_shape))
                                             : py::array(py::array_t<Complex>(out_shape));
    }
    return apply_any(d, x.reshape({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(B)}), false, false, B,
                     out_shape, false);
  }
  // A stack of matrices: one (n, B) slice at a time (each is batch_last).
  std::vector<py::array> parts;
  py::array flat = x.reshape({static_cast<py::ssize_t>(K), static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(B)});
  py::list outs;
  for (std::size_t k = 0; k < K; ++k) {
    py::array slice = py::array::ensure(flat[py::int_(k)], py::array::c_style);
    outs.append(apply_any(d, slice, false, false, B, {static_cast<py::ssize_t>(m), static_cast<py::ssize_t>(B)}, false));
  }
  py::array stacked = py::module_::import("numpy").attr("stack")(outs);
  return stacked.reshape(out_shape);
}

/// X @ chain (X of shape (m,) or (..., R, m)): every row of X times the chain,
/// i.e. chain^T applied to contiguous vectors.
py::array rmatmul(const FactorChain& c, const py::object& xo) {
  const ChainData& d = c.data();
  py::array x = as_number_array(xo, "X");
  const std::size_t n = d.cols(), m = d.rows();
  if (x.ndim() == 0) throw InputError("X: a scalar; use x * chain.todense() for scaling");
  const std::size_t len = static_cast<std::size_t>(x.shape(x.ndim() - 1));
  if (len != m)
    throw InputError("X: shape " + shape_str(x) + " but the chain is " + std::to_string(m) + "x" + std::to_string(n) +
                     " (X @ chain needs " + std::to_string(m) + " entries in X's last axis)");
  x = py::array::ensure(x, py::array::c_style);
  std::size_t V = 1;
  std::vector<py::ssize_t> out_shape;
  for (py::ssize_t k = 0; k + 1 < x.ndim(); ++k) {
    V *= static_cast<std::size_t>(x.shape(k));
    out_shape.push_back(x.shape(k));
  }
  out_shape.push_back(static_cast<py::ssize_t>(n));
  if (V == 0) {
    const Kind k = d.is_complex ? Kind::c128 : kind_of(x, "X");
    return k == Kind::f32 ? py::array(py::array_t<float>(out_shape))
                          : k == Kind::f64 ? py::array(py::array_t<double>(out_shape))
                                           : py::array(py::array_t<Complex>(out_shape));
  }
  return apply_any(d, x, true, true, V, out_shape, false);
}

/// chain.multiply(X, transpose, layout): `wellposed multiply` one to one.
py::array multiply(const FactorChain& c, const py::object& xo, bool transpose, const std::string& layout) {
  const ChainData& d = c.data();
  if (layout != "columns" && layout != "rows")
    throw InputError("layout: '" + layout + "' is not 'columns' or 'rows'");
  py::array x = as_number_array(xo, "X");
  const std::size_t n_in = transpose ? d.rows() : d.cols(), n_out = transpose ? d.cols() : d.rows();
  if (x.ndim() == 1) {
    if (static_cast<std::size_t>(x.shape(0)) != n_in)
      throw InputError("X: shape " + shape_str(x) + " but the product needs " + std::to_string(n_in) + " entries");
    return apply_any(d, py::array::ensure(x, py::array::c_style), transpose, true, 1,
                     {static_cast<py::ssize_t>(n_out)}, false);
  }
  if (x.ndim() != 2) throw InputError("X: shape " + shape_str(x) + ": expected 1 or 2 dimensions");
  const bool rows = layout == "rows";
  const std::size_t len = static_cast<std::size_t>(rows ? x.shape(1) : x.shape(0));
  const std::size_t batch = static_cast<std::size_t>(rows ? x.shape(0) : x.shape(1));
  if (len != n_in)
    throw InputError("X: shape " + shape_str(x) + " has vectors of length " + std::to_string(len) + " (layout '" +
                     layout + "') but the product needs " + std::to_string(n_in));
  if (batch == 0) throw InputError("X: shape " + shape_str(x) + ": the batch is empty");
  // C and Fortran order are both used in place (as the CLI); anything else is copied to C order.
  const bool fortran = !(x.flags() & py::array::c_style) && (x.flags() & py::array::f_style);
  if (!fortran) x = py::array::ensure(x, py::array::c_style);
  const bool vectors_contiguous = rows != fortran;
  const std::vector<py::ssize_t> out_shape =
      rows ? std::vector<py::ssize_t>{static_cast<py::ssize_t>(batch), static_cast<py::ssize_t>(n_out)}
           : std::vector<py::ssize_t>{static_cast<py::ssize_t>(n_out), static_cast<py::ssize_t>(batch)};
  return apply_any(d, x, transpose, vectors_contiguous, batch, out_shape, fortran);
}

// ---- construction -------------------------------------------------------------

KPattern pattern_from(const py::handle& o, std::size_t l) {
  const std::string what = "patterns[" + std::to_string(l) + "]";
  std::vector<long long> v;
  try {
    v = py::cast<std::vector<long long>>(o);
  } catch (const py::cast_error&) {
    throw InputError(what + ": expected four integers (a, b, c, d)");
  }
  if (v.size() != 4) throw InputError(what + ": expected four integers (a, b, c, d), got " + std::to_string(v.size()));
  for (long long e : v)
    if (e < 1) throw InputError(what + ": every entry of (a, b, c, d) must be >= 1, got " + std::to_string(e));
  KPattern p{static_cast<std::size_t>(v[0]), static_cast<std::size_t>(v[1]), static_cast<std::size_t>(v[2]),
             static_cast<std::size_t>(v[3])};
  try {
    (void)p.nnz();
    (void)p.rows();
    (void)p.cols();
  } catch (const std::exception& e) {
    throw InputError(what + ": " + e.what());
  }
  return p;
}

/// FactorChain(patterns, values): values[l] of shape (a, b, c, d) or flat abcd, in the factor-file layout.
FactorChain make_chain(const py::sequence& patterns, const py::sequence& values, const py::object& factorization) {
  if (patterns.size() != values.size())
    throw InputError("values: " + std::to_string(values.size()) + " arrays for " + std::to_string(patterns.size()) +
                     " patterns");
  auto d = std::make_shared<ChainData>();
  for (std::size_t l = 0; l < patterns.size(); ++l) {
    const std::string what = "values[" + std::to_string(l) + "]";
    const KPattern p = pattern_from(patterns[l], l);
    py::array v = as_number_array(values[l], what.c_str());
    if (static_cast<std::size_t>(v.size()) != p.nnz())
      throw InputError(what + ": shape " + shape_str(v) + " holds " + std::to_string(v.size()) +
                       " values but pattern (" + std::to_string(p.a) + ", " + std::to_string(p.b) + ", " +
                       std::to_string(p.c) + ", " + std::to_string(p.d) + ") has a*b*c*d = " +
                       std::to_string(p.nnz()));
    if (v.dtype().kind() == 'c') d->is_complex = true;
  }
  for (std::size_t l = 0; l < patterns.size(); ++l) {
    const std::string what = "values[" + std::to_string(l) + "]";
    const KPattern p = pattern_from(patterns[l], l);
    py::array v = py::array::ensure(values[l]);
    if (d->is_complex) {
      auto a = py::array_t<Complex, py::array::c_style | py::array::forcecast>::ensure(v);
      ComplexKFactor f(p);
      std::copy(a.data(), a.data() + a.size(), f.values.begin());
      for (std::size_t k = 0; k < f.values.size(); ++k)
        if (!std::isfinite(f.values[k].real()) || !std::isfinite(f.values[k].imag()))
          throw InputError(what + ": entry " + std::to_string(k) + " (flat, C order) is not finite");
      d->cplx.push_back(std::move(f));
    } else {
      auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(v);
      KFactor f(p);
      std::copy(a.data(), a.data() + a.size(), f.values.begin());
      for (std::size_t k = 0; k < f.values.size(); ++k)
        if (!std::isfinite(f.values[k]))
          throw InputError(what + ": entry " + std::to_string(k) + " (flat, C order) is " + std::to_string(f.values[k]));
      d->real.push_back(std::move(f));
    }
  }
  check_chain(*d, "patterns");
  if (!factorization.is_none()) {
    static py::object* dumps = new py::object(py::module_::import("json").attr("dumps"));
    d->factorization = nlohmann::json::parse(py::cast<std::string>((*dumps)(factorization)));
  }
  return FactorChain(std::move(d));
}

/// The manifest's "factorization" object, as `wellposed factorize` writes it (cli/src/factor_manifest.hpp).
template <class S>
nlohmann::json describe(const numeric::BasicFactorization<S>& r, const nlohmann::json& spec_label) {
  nlohmann::json j = cli::factorization_json(r);
  if (!spec_label.is_null()) j["spec"] = spec_label;
  j["matrix"] = "<array>";
  return j;
}

numeric::FactorizeOptions library_options(const std::string& order, const std::vector<std::size_t>& custom_order,
                                          int algorithm, bool tight, bool all_split_errors) {
  try {
    return cli::factorize_options(order, custom_order, algorithm, tight, all_split_errors);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
}

FactorChain factorize(const py::object& a_obj, const std::string& spec, bool spec_is_path, const std::string& label,
                      const std::string& base_dir, const std::string& order, const std::vector<std::size_t>& custom_order,
                      int algorithm, bool tight, bool all_split_errors, std::uint64_t max_memory) {
  const numeric::FactorizeOptions fo = library_options(order, custom_order, algorithm, tight, all_split_errors);
  py::array a = as_number_array(a_obj, "A");
  if (a.ndim() != 2) throw InputError("A: expected a 2-D array, got shape " + shape_str(a));
  const std::size_t rows = static_cast<std::size_t>(a.shape(0)), cols = static_cast<std::size_t>(a.shape(1));
  if (rows == 0 || cols == 0) throw InputError("A: shape " + shape_str(a) + " has no entries");
  ResourceLimits limits;
  if (max_memory) limits.max_memory_bytes = max_memory;
  const bool is_complex = a.dtype().kind() == 'c';
  const std::uint64_t item = is_complex ? 16 : 8;
  if (rows * cols > limits.max_memory_bytes / item)
    throw ResourceError("A: a " + std::to_string(rows) + "x" + std::to_string(cols) +
                        " matrix needs more than the limit of " + std::to_string(limits.max_memory_bytes) +
                        " bytes (raise it with max_memory=)");
  // Copied into Eigen's column-major storage (any input order or stride).
  auto to_eigen = [&](auto tag) {
    using S = decltype(tag);
    auto c = py::array_t<S, py::array::c_style | py::array::forcecast>::ensure(a);
    numeric::MatrixT<S> M = Eigen::Map<const Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
        c.data(), static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
    return M;
  };
  Matrix A;
  ComplexMatrix CA;
  if (is_complex) CA = to_eigen(Complex{});
  else A = to_eigen(double{});
  // NaN / Inf: InputError naming the entry (numeric::require_finite).
  if (is_complex) numeric::require_finite(CA, "A");
  else numeric::require_finite(A, "A");
  const nlohmann::json spec_label = spec_is_path ? nlohmann::json(label) : nlohmann::json(nullptr);
  auto data = run_interruptible([=, A = std::move(A), CA = std::move(CA)]() {
    std::vector<Spec> specs;
    const SpecLoadOptions so{limits};
    if (spec_is_path) specs = load_specs(spec, so);
    else specs = parse_specs(parse_json_bounded(spec, label, so.max_json_depth), label, base_dir, so);
    if (specs.size() != 1)
      throw InputError(label + ": factorize takes one spec, the " + (spec_is_path ? "file" : "chain") + " holds " +
                       std::to_string(specs.size()));
    if (specs[0].network) throw InputError(label + ": a ReLU network spec cannot be factorized (give an architecture)");
    const Architecture& arch = specs[0].architecture;
    if (rows != arch.rows() || cols != arch.cols())
      throw InputError("A is " + std::to_string(rows) + "x" + std::to_string(cols) + " but " + label + " describes " +
                       std::to_string(arch.rows()) + "x" + std::to_string(arch.cols()) + " products");
    auto d = std::make_shared<ChainData>();
    try {
      if (is_complex) {
        auto r = numeric::factorize(CA, arch, fo);
        d->is_complex = true;
        d->cplx = std::move(r.factors);
        d->factorization = describe(r, spec_label);
      } else {
        auto r = numeric::factorize(A, arch, fo);
        d->real = std::move(r.factors);
        d->factorization = describe(r, spec_label);
      }
    } catch (const MaterializationRefused& e) {
      throw ResourceError(label + ": " + e.what());
    } catch (const std::invalid_argument& e) {
      throw InputError(label + ": " + e.what());  // as the CLI: "<spec>: <why>"
    }
    return std::shared_ptr<const ChainData>(std::move(d));
  });
  return FactorChain(std::move(data));
}

FactorChain load(const std::string& path) {
  auto data = run_interruptible([path] {
    numeric::FactorChainFile f;
    try {
      f = numeric::read_factor_chain(path);
    } catch (const numeric::FileFormatError& e) {
      throw InputError(e.what());
    } catch (const std::exception& e) {
      const std::string w = e.what();
      throw InputError(w.rfind(path, 0) == 0 ? w : path + ": " + w);
    }
    auto d = std::make_shared<ChainData>();
    d->is_complex = f.scalar == numeric::ChainScalar::complex128;
    d->real = std::move(f.real);
    d->cplx = std::move(f.complex);
    try {
      d->factorization = nlohmann::json::parse(f.factorization_json);
    } catch (const std::exception&) {
      d->factorization = nullptr;
    }
    check_chain(*d, path);
    return std::shared_ptr<const ChainData>(std::move(d));
  });
  return FactorChain(std::move(data));
}

std::string python_message(std::string m) {
  // The CLI's flag spelled as this API's argument.
  for (std::size_t p; (p = m.find("--force")) != std::string::npos;) m.replace(p, 7, "force=True");
  return m;
}

void save(const FactorChain& c, const std::filesystem::path& fs_path, bool force) {
  const std::string path = fs_path.string();
  const auto d = c.shared();
  const bool single_json = std::filesystem::path(path).extension() == ".json";
  py::gil_scoped_release release;  // short I/O, not interruptible (it is staged, so never half-written)
  try {
    if (single_json) {
      std::error_code ec;
      if (std::filesystem::exists(path, ec) && !force)
        throw InputError(path + ": exists; pass force=True to replace it");
      std::vector<KPattern> pats;
      for (std::size_t l = 0; l < d->size(); ++l) pats.push_back(d->pattern(l));
      auto m = nlohmann::json::parse(numeric::factor_chain_manifest(
          pats, d->is_complex ? numeric::ChainScalar::complex128 : numeric::ChainScalar::float64,
          d->factorization.dump()));
      for (std::size_t l = 0; l < d->size(); ++l) {
        m["factors"][l].erase("file");
        nlohmann::json v = nlohmann::json::array();
        if (d->is_complex)
          for (const auto& x : d->cplx[l].values) v.push_back({x.real(), x.imag()});
        else
          for (const auto& x : d->real[l].values) v.push_back(x);
        m["factors"][l]["values"] = std::move(v);
      }
      cli::write_output_file(path, m.dump(2) + "\n");
    } else {
      cli::StagedDirectory dir(path, force);
      auto path_of = [&](const std::string& name) { return dir.file(name); };
      if (d->is_complex) numeric::write_factor_chain(d->cplx, d->factorization.dump(), path_of);
      else numeric::write_factor_chain(d->real, d->factorization.dump(), path_of);
      dir.commit();
    }
  } catch (const cli::OutputError& e) {
    throw InputError(python_message(e.what()));
  }
}

FactorChain transpose_chain(const FactorChain& c) {
  const ChainData& s = c.data();
  auto d = std::make_shared<ChainData>();
  d->is_complex = s.is_complex;
  for (std::size_t l = s.size(); l-- > 0;) {
    if (s.is_complex) d->cplx.push_back(transposed(s.cplx[l]));
    else d->real.push_back(transposed(s.real[l]));
  }
  // ||A^T - X_L^T ... X_1^T||_F = ||A - X_1 ... X_L||_F: the enclosure holds as is.
  d->factorization = s.factorization;
  if (d->factorization.is_object()) {
    d->factorization["transposed"] = !s.factorization.value("transposed", false);
    d->factorization.erase("chain");
    d->factorization.erase("order");
  }
  return FactorChain(std::move(d));
}

py::array todense(const FactorChain& c) {
  const ChainData& d = c.data();
  const std::size_t m = d.rows(), n = d.cols();
  if (m != 0 && n > (std::size_t{1} << 40) / m) throw ResourceError("todense: a " + std::to_string(m) + "x" +
                                                                    std::to_string(n) + " dense matrix is too large");
  auto fill = [&](const auto& M, auto tag) {
    using S = decltype(tag);
    py::array_t<S> out({static_cast<py::ssize_t>(m), static_cast<py::ssize_t>(n)});
    S* p = out.mutable_data();
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) p[i * n + j] = M(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
    return py::array(out);
  };
  if (d.is_complex) {
    ComplexMatrix M;
    {
      py::gil_scoped_release r;
      M = numeric::chain_product(d.cplx);
    }
    return fill(M, Complex{});
  }
  Matrix M;
  {
    py::gil_scoped_release r;
    M = numeric::chain_product(d.real);
  }
  return fill(M, double{});
}

py::list values_of(const FactorChain& c) {
  const ChainData& d = c.data();
  py::list out;
  for (std::size_t l = 0; l < d.size(); ++l) {
    const KPattern p = d.pattern(l);
    const std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(p.a), static_cast<py::ssize_t>(p.b),
                                         static_cast<py::ssize_t>(p.c), static_cast<py::ssize_t>(p.d)};
    if (d.is_complex) {
      py::array_t<Complex> a(shape);
      std::copy(d.cplx[l].values.begin(), d.cplx[l].values.end(), a.mutable_data());
      out.append(a);
    } else {
      py::array_t<double> a(shape);
      std::copy(d.real[l].values.begin(), d.real[l].values.end(), a.mutable_data());
      out.append(a);
    }
  }
  return out;
}

}  // namespace

void bind_factor(py::module_& m) {
  py::class_<FactorChain>(m, "FactorChain",
                          "A compact Kronecker-sparse factor chain A ~ X_1 X_2 ... X_L (left to right), each factor "
                          "stored as its (a, b, c, d) values (docs/factor-format.md).")
      .def(py::init(&make_chain), py::arg("patterns"), py::arg("values"), py::kw_only(),
           py::arg("factorization") = py::none(),
           "A chain from patterns [(a, b, c, d), ...] and values (arrays of shape (a, b, c, d), factor-file layout).")
      .def_property_readonly("patterns",
                             [](const FactorChain& c) {
                               py::list out;
                               for (std::size_t l = 0; l < c.data().size(); ++l) {
                                 const KPattern p = c.data().pattern(l);
                                 out.append(py::make_tuple(p.a, p.b, p.c, p.d));
                               }
                               return out;
                             })
      .def_property_readonly("values", &values_of, "The compact values, one (a, b, c, d) array per factor (copies).")
      .def_property_readonly("shape", [](const FactorChain& c) { return py::make_tuple(c.data().rows(), c.data().cols()); })
      .def_property_readonly("dtype", [](const FactorChain& c) {
        return py::dtype(c.data().is_complex ? "complex128" : "float64");
      })
      .def_property_readonly("nnz", [](const FactorChain& c) {
        std::size_t s = 0;
        for (std::size_t l = 0; l < c.data().size(); ++l) s += c.data().pattern(l).nnz();
        return s;
      }, "Stored values over all factors (the cost of one matvec).")
      .def("__len__", [](const FactorChain& c) { return c.data().size(); }, "The number of factors L.")
      .def_property_readonly("enclosure",
                             [](const FactorChain& c) -> py::object {
                               const auto& f = c.data().factorization;
                               if (!f.is_object() || !f.contains("enclosure")) return py::none();
                               return json_to_py(f["enclosure"]);
                             },
                             "The certified enclosure as `wellposed factorize` writes it: residual [lo, hi] of "
                             "||A - X_1...X_L||_F, lower_bound_best_error [lo, hi], ratio_upper (None when no "
                             "ratio is proven, with ratio_note); None for a chain not made by factorize().")
      .def_property_readonly("factorization",
                             [](const FactorChain& c) -> py::object {
                               const auto& f = c.data().factorization;
                               return f.is_null() ? py::object(py::none()) : json_to_py(f);
                             })
      .def_property_readonly("T", &transpose_chain, "The chain of the transpose: X_L^T ... X_1^T.")
      .def("todense", &todense)
      .def("__matmul__", &matmul, py::is_operator())
      .def("__rmatmul__", &rmatmul, py::is_operator())
      .def("multiply", &multiply, py::arg("X"), py::arg("transpose") = false, py::arg("layout") = "columns",
           "`wellposed multiply` one to one: Y = X_1...X_L X (transpose: (X_1...X_L)^T X); X 1-D or 2-D, "
           "layout 'columns' (n, B) or 'rows' (B, n); C or Fortran order used in place; Y has X's dtype "
           "(float32/float64), layout and order.")
      .def("save", &save, py::arg("path"), py::kw_only(), py::arg("force") = false,
           "Writes the factor-chain folder (or one .json file); staged and renamed into place; refuses an "
           "existing non-empty folder / existing file unless force=True.")
      .def("__repr__", [](const FactorChain& c) {
        const ChainData& d = c.data();
        std::string s = "<wellposed.FactorChain " + std::to_string(d.rows()) + "x" + std::to_string(d.cols()) + ", " +
                        std::to_string(d.size()) + " factors [";
        for (std::size_t l = 0; l < d.size(); ++l) {
          const KPattern p = d.pattern(l);
          s += (l ? ", (" : "(") + std::to_string(p.a) + "," + std::to_string(p.b) + "," + std::to_string(p.c) + "," +
               std::to_string(p.d) + ")";
        }
        return s + "]" + (d.is_complex ? ", complex128>" : ">");
      });

  m.def("_factorize", &factorize, py::arg("A"), py::arg("spec"), py::arg("spec_is_path"), py::arg("label"),
        py::arg("base_dir"), py::arg("order"), py::arg("custom_order"), py::arg("algorithm"), py::arg("tight"),
        py::arg("all_split_errors"), py::arg("max_memory"));
  m.def("_load", &load, py::arg("path"),
        "Reads a factor-chain folder (or its manifest.json, or a single-file .json) written by save() or "
        "`wellposed factorize`.");
}

}  // namespace wellposed::python
