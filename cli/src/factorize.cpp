// wellposed factorize: a matrix from disk, the supports of a spec, certified error bounds.
#include <cstdint>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>
#include <type_traits>
#include <vector>

#include "commands.hpp"
#include "errors.hpp"
#include "progress.hpp"
#include "wellposed/algebra/mtx.hpp"
#include "factor_manifest.hpp"
#include "output.hpp"
#include "wellposed/algebra/npy.hpp"
#include "wellposed/algebra/spec.hpp"
#include "wellposed/numeric.hpp"
#include "wellposed/numeric/factor_file.hpp"
#include "wellposed/numeric/factorize.hpp"
#include "wellposed/numeric/npy_io.hpp"

namespace wellposed::cli {

namespace {

using numeric::ComplexMatrix;
using numeric::Matrix;

/// Matrix Market (.mtx): the library's strict reader (wellposed/algebra/mtx.hpp).
Matrix read_mtx_dense(const std::string& path, const ResourceLimits& limits) {
  MtxMatrix m;
  try {
    m = wellposed::read_mtx(path, limits);
  } catch (const MtxError& e) {
    throw InputError(e.what());
  }
  return Eigen::Map<const Matrix>(m.data.data(), static_cast<Eigen::Index>(m.rows), static_cast<Eigen::Index>(m.cols));
}

/// The target, real or complex. .npy: float32/64 and complex64/128 through
/// numeric::read_npy_header (sizes checked against the file and --max-memory
/// before allocating) and numeric::read_npy_column_major (C order transposed
/// once into Eigen's column-major storage, Fortran order copied as is); the
/// integer and bool types through algebra's read_npy.
struct Target {
  Matrix real;
  ComplexMatrix complex;
  bool is_complex = false;
};

template <class M, class Src>
void fill_from(M& A, const Src* src, std::size_t rows, std::size_t cols, bool fortran) {
  A.resize(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  using S = typename M::Scalar;
  if (fortran) {
    for (std::size_t k = 0; k < rows * cols; ++k) A.data()[k] = static_cast<S>(src[k]);
    return;
  }
  // Row-major source: blocked transpose (cache-friendly on both sides).
  constexpr std::size_t B = 64;
  for (std::size_t i0 = 0; i0 < rows; i0 += B)
    for (std::size_t j0 = 0; j0 < cols; j0 += B)
      for (std::size_t j = j0; j < std::min(cols, j0 + B); ++j)
        for (std::size_t i = i0; i < std::min(rows, i0 + B); ++i)
          A(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = static_cast<S>(src[i * cols + j]);
}

/// Reads the data of a checked .npy header into A (column-major) with
/// numeric::read_npy_column_major: A itself is the only large allocation
/// (no second copy of the file in memory), faulted in by the OpenMP threads
/// with huge pages advised, C order transposed in cache-sized tiles.
template <class M>
void stream_into(M& A, const std::string& path, const numeric::NpyHeader& h) {
  A.resize(static_cast<Eigen::Index>(h.shape[0]), static_cast<Eigen::Index>(h.shape[1]));
  try {
    numeric::read_npy_column_major(path, h, A.data());
  } catch (const std::invalid_argument& e) {  // FileFormatError: "<path>: data: ..."
    throw InputError(e.what());
  }
}

Target read_matrix(const std::string& path, const ResourceLimits& limits) {
  const auto ext = std::filesystem::path(path).extension().string();
  Target t;
  if (ext == ".mtx") {
    t.real = read_mtx_dense(path, limits);
  } else if (ext == ".npy") {
    numeric::NpyHeader h;
    bool raw = true;
    try {
      h = numeric::read_npy_header(path);
    } catch (const numeric::FileFormatError& e) {
      // Integer / bool / big-endian arrays: algebra's reader (real only).
      if (std::string(e.what()).find(": descr: ") == std::string::npos) throw InputError(e.what());
      raw = false;
    }
    if (raw) {
      if (h.shape.size() != 2)
        throw InputError(path + ": shape: expected a 2-D array, got " + std::to_string(h.shape.size()) + " dimensions");
      // The matrix held in memory (double or complex<double>), against --max-memory.
      const std::uint64_t item = h.type == numeric::NpyType::c8 || h.type == numeric::NpyType::c16 ? 16 : 8;
      if (h.count > limits.max_memory_bytes / item)
        throw InputError(path + ": shape: a " + std::to_string(h.shape[0]) + "x" + std::to_string(h.shape[1]) +
                         " matrix needs more than the limit of " + std::to_string(limits.max_memory_bytes) +
                         " bytes (raise it with --max-memory)");
      switch (h.type) {
        case numeric::NpyType::f8: stream_into(t.real, path, h); break;
        case numeric::NpyType::f4: stream_into(t.real, path, h); break;
        case numeric::NpyType::c16:
          t.is_complex = true;
          stream_into(t.complex, path, h);
          break;
        case numeric::NpyType::c8:
          t.is_complex = true;
          stream_into(t.complex, path, h);
          break;
      }
    } else {
      NpyArray a;
      try {
        a = read_npy(path, limits);
      } catch (const std::exception& e) {
        throw InputError(e.what());
      }
      if (a.shape.size() != 2)
        throw InputError(path + ": expected a 2-D array, got " + std::to_string(a.shape.size()) + " dimensions");
      fill_from(t.real, a.data.data(), a.rows(), a.cols(), false);
    }
  } else {
    throw InputError(path + ": unknown matrix format '" + ext + "' (expected .npy or .mtx)");
  }
  try {
    if (t.is_complex) numeric::require_finite(t.complex, path);
    else numeric::require_finite(t.real, path);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  return t;
}

std::string fmt(const numeric::Interval& x) {
  std::ostringstream o;
  o << std::setprecision(6) << "[" << x.lo << ", " << x.hi << "]";
  return o.str();
}

numeric::FactorizeOptions library_options(const FactorizeOptions& o) {
  return factorize_options(o.order, {}, (o.ortho || o.algorithm == 8) ? 8 : 7, o.tight, o.all_split_errors);
}

/// The manifest's "factorization" object and the printed summary.
template <class S>
std::pair<nlohmann::json, std::string> describe(const numeric::BasicFactorization<S>& r, const FactorizeOptions& o) {
  nlohmann::json j = factorization_json(r);
  j["spec"] = o.spec_file;
  j["matrix"] = o.matrix_file;
  std::ostringstream summary;
  summary << std::setprecision(6);
  const auto& e = r.enclosure;
  summary << "method: " << r.method << ", chain " << to_string(r.chain) << "\n"
          << "  ||A - F1...FL||_F        in " << fmt(e.residual) << "\n";
  if (r.optimal_error) {
    summary << "  optimal error (Thm 6.2.3) in " << fmt(*r.optimal_error) << "\n";
    return {j, summary.str()};
  }
  const bool have_ratio = ratio_proven(e);
  summary << "  best possible error      >= " << e.lower_bound.lo << "  (max_s E_s(A), Lemma 6.5.7)\n";
  if (e.apriori_6_5_9) summary << "  a-priori bound Thm 6.5.9  " << fmt(*e.apriori_6_5_9) << "\n";
  if (have_ratio) {
    summary << "  proven ratio achieved / best <= " << e.ratio_upper << "\n";
  } else if (e.lower_bound.lo > 0.0) {
    summary << "  no ratio achieved / best proven (residual / lower bound overflows); residual <= " << e.residual.hi
            << "\n";
  } else {
    // "Exact within the enclosure": the residual interval contains 0, so
    // exactness is not excluded; the interval is printed with it.
    if (e.residual.lo <= 0.0)
      summary << "  exact within the enclosure: residual in " << fmt(e.residual);
    else
      summary << "  residual <= " << e.residual.hi;
    summary << " (lower bound on the best error 0: no ratio achieved / best is proven)\n";
  }
  const std::size_t rw = numeric::chain_residual_work(r.chain);
  if (e.residual_method.find("direct") != std::string::npos) {
    summary << "  tight residual: chain multiply, " << e.residual_work << " multiply-adds, " << std::setprecision(3)
            << e.residual_seconds << " s (factorization " << r.factor_seconds << " s)\n";
  } else {
    summary << "  residual from the telescoping bound only: the tight enclosure would cost " << rw
            << " multiply-adds against the factorization's ~" << r.factorization_work << "; pass --tight\n";
  }
  return {j, summary.str()};
}

template <class S>
void write_json_manifest(const std::string& path, const std::vector<numeric::BasicKFactor<S>>& fs,
                         const nlohmann::json& info, const std::vector<std::string>& inputs) {
  std::vector<KPattern> pats;
  for (const auto& f : fs) pats.push_back(f.theta);
  auto m = nlohmann::json::parse(numeric::factor_chain_manifest(
      pats, numeric::is_complex_v<S> ? numeric::ChainScalar::complex128 : numeric::ChainScalar::float64, info.dump()));
  for (std::size_t l = 0; l < fs.size(); ++l) {
    m["factors"][l].erase("file");
    nlohmann::json v = nlohmann::json::array();
    for (const auto& x : fs[l].values) {
      if constexpr (numeric::is_complex_v<S>) v.push_back({x.real(), x.imag()});
      else v.push_back(x);
    }
    m["factors"][l]["values"] = std::move(v);
  }
  write_output_file(path, m.dump(2) + "\n", inputs);
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <class S>
void run_one(const numeric::MatrixT<S>& A, const Architecture& arch, const FactorizeOptions& o, StagedDirectory* dir,
             double read_seconds, std::ostream& out) {
  numeric::BasicFactorization<S> r;
  {
    // Progress line on a terminal only, off with --quiet (progress.hpp).
    ProgressLine progress(std::cerr, !o.quiet);
    progress.stage("factorizing (" + std::to_string(arch.num_factors()) + " factors)");
    auto lo = library_options(o);
    if (progress.active())
      lo.progress = [&progress](std::size_t done, std::size_t total) {
        progress.stage("factorizing: split " + std::to_string(done + 1) + " of " + std::to_string(total));
        progress.count(done, total);
      };
    r = numeric::factorize(A, arch, lo);
  }
  auto [info, summary] = describe(r, o);
  const auto t0 = std::chrono::steady_clock::now();
  if (dir) {
    numeric::write_factor_chain(r.factors, info.dump(), [&](const std::string& name) { return dir->file(name); });
    dir->commit();
  } else {
    write_json_manifest(o.output, r.factors, info, {o.matrix_file, o.spec_file});
  }
  // Timings go to the summary only (the manifest stays byte-stable).
  out << summary << std::setprecision(3) << "  time: read " << read_seconds << " s, factorization " << r.factor_seconds
      << " s, residual " << r.enclosure.residual_seconds << " s, write " << since(t0) << " s\n"
      << "wrote " << r.factors.size() << " factors to " << o.output << "\n";
}

}  // namespace

int run_factorize(const FactorizeOptions& o, std::ostream& out, std::ostream& err) {
  try {
    // The output is checked before any work: a refused folder costs nothing.
    const bool single_json = std::filesystem::path(o.output).extension() == ".json";
    std::optional<StagedDirectory> dir;
    if (!single_json) {
      dir.emplace(o.output, o.force);
      dir->protect(o.matrix_file);
      dir->protect(o.spec_file);
    }
    const ResourceLimits limits{o.max_memory_bytes};
    std::vector<Spec> specs = load_specs(o.spec_file, SpecLoadOptions{limits});
    if (specs.size() != 1)
      throw InputError(o.spec_file + ": factorize takes one spec, the file holds " + std::to_string(specs.size()));
    const auto t_read = std::chrono::steady_clock::now();
    Target t = read_matrix(o.matrix_file, limits);
    const double read_seconds = since(t_read);
    const Architecture& arch = specs.front().architecture;
    const std::size_t rows = static_cast<std::size_t>(t.is_complex ? t.complex.rows() : t.real.rows());
    const std::size_t cols = static_cast<std::size_t>(t.is_complex ? t.complex.cols() : t.real.cols());
    if (rows != arch.rows() || cols != arch.cols())
      throw InputError(o.matrix_file + " is " + std::to_string(rows) + "x" + std::to_string(cols) + " but " +
                       o.spec_file + " describes " + std::to_string(arch.rows()) + "x" + std::to_string(arch.cols()) +
                       " products");
    try {
      if (t.is_complex) run_one(t.complex, arch, o, dir ? &*dir : nullptr, read_seconds, out);
      else run_one(t.real, arch, o, dir ? &*dir : nullptr, read_seconds, out);
    } catch (const OutputError&) {
      throw;
    } catch (const std::invalid_argument& e) {
      throw InputError(o.spec_file + ": " + e.what());
    }
  } catch (...) {
    return report_bad_input(err, o.output);
  }
  return 0;
}

}  // namespace wellposed::cli
