// wellposed factorize: a matrix from disk, the supports of a spec, certified error bounds.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "commands.hpp"
#include "wellposed/algebra/mtx.hpp"
#include "wellposed/algebra/npy.hpp"
#include "wellposed/algebra/spec.hpp"
#include "wellposed/numeric.hpp"

namespace wellposed::cli {

namespace {

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

Matrix read_matrix(const std::string& path, const ResourceLimits& limits) {
  const auto ext = std::filesystem::path(path).extension().string();
  Matrix A;
  if (ext == ".mtx") {
    A = read_mtx_dense(path, limits);
  } else if (ext == ".npy") {
    NpyArray a;
    try {
      a = read_npy(path, limits);
    } catch (const std::exception& e) {
      throw InputError(e.what());
    }
    if (a.shape.size() != 2) throw InputError(path + ": expected a 2-D array, got " + std::to_string(a.shape.size()) + " dimensions");
    A.resize(static_cast<Eigen::Index>(a.rows()), static_cast<Eigen::Index>(a.cols()));
    for (std::size_t i = 0; i < a.rows(); ++i)
      for (std::size_t j = 0; j < a.cols(); ++j)
        A(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = a.data[i * a.cols() + j];
  } else {
    throw InputError(path + ": unknown matrix format '" + ext + "' (expected .npy or .mtx)");
  }
  try {
    numeric::require_finite(A, path);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  return A;
}

std::string fmt(const numeric::Interval& x) {
  std::ostringstream o;
  o << std::setprecision(6) << "[" << x.lo << ", " << x.hi << "]";
  return o.str();
}

nlohmann::json interval_json(const numeric::Interval& x) { return {x.lo, x.hi}; }

/// Elapsed-time indicator on stderr for work that takes over a second, only
/// when stderr is a terminal.
class Progress {
 public:
  Progress(bool enabled, std::string what) : what_(std::move(what)) {
    if (!enabled || !isatty(STDERR_FILENO)) return;
    thread_ = std::thread([this] {
      const auto t0 = std::chrono::steady_clock::now();
      bool shown = false;
      static const char spin[] = "|/-\\";
      for (int k = 0; !done_; ++k) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (s < 1.0 || done_) continue;
        shown = true;
        std::cerr << "\r" << spin[k % 4] << " " << what_ << " " << std::fixed << std::setprecision(1) << s << " s"
                  << std::flush;
      }
      if (shown) std::cerr << "\r" << std::string(what_.size() + 20, ' ') << "\r" << std::flush;
    });
  }
  ~Progress() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::string what_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace

int run_factorize(const FactorizeOptions& o, std::ostream& out, std::ostream& err) {
  Matrix A;
  std::vector<Spec> specs;
  try {
    A = read_matrix(o.matrix_file, ResourceLimits{o.max_memory_bytes});
    specs = load_specs(o.spec_file, SpecLoadOptions{ResourceLimits{o.max_memory_bytes}});
  } catch (const InputError& e) {
    err << "wellposed: error: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const SpecError& e) {
    err << "wellposed: error: " << e.what() << "\n";
    return kExitBadInput;
  }
  if (specs.size() != 1) {
    err << "wellposed: error: " << o.spec_file << ": factorize takes one spec, the file holds " << specs.size() << "\n";
    return kExitBadInput;
  }
  const Architecture& arch = specs.front().architecture;
  if (static_cast<std::size_t>(A.rows()) != arch.rows() || static_cast<std::size_t>(A.cols()) != arch.cols()) {
    err << "wellposed: error: " << o.matrix_file << " is " << A.rows() << "x" << A.cols() << " but " << o.spec_file
        << " describes " << arch.rows() << "x" << arch.cols() << " products\n";
    return kExitBadInput;
  }

  std::vector<Matrix> factors;
  nlohmann::json manifest;
  manifest["spec"] = o.spec_file;
  manifest["matrix"] = o.matrix_file;
  std::ostringstream summary;
  summary << std::setprecision(6);
  const auto chain = arch.kronecker_chain();
  try {
    Progress progress(!o.quiet, "factorizing");
    if (chain && is_chainable(*chain) && chain->size() >= 2) {
      numeric::HierarchicalOptions ho;
      ho.algorithm = o.ortho ? numeric::HierarchicalAlgorithm::alg8 : numeric::HierarchicalAlgorithm::alg7;
      ho.order = o.order == "balanced" ? numeric::split_order_balanced(chain->size())
                                       : numeric::split_order_left_to_right(chain->size());
      if (o.order == "r2l") std::reverse(ho.order.begin(), ho.order.end());
      const auto r = numeric::factorize_hierarchical(A, *chain, ho);
      for (const auto& f : r.factors) factors.push_back(f.to_dense());
      const auto& e = r.enclosure;
      manifest["method"] = o.ortho ? "Algorithm 8 (hierarchical, orthonormalized)" : "Algorithm 7 (hierarchical)";
      manifest["order"] = r.order;
      nlohmann::json ch = nlohmann::json::array();
      for (const auto& t : r.chain) ch.push_back({t.a, t.b, t.c, t.d});
      manifest["chain"] = ch;
      // A ratio is proven only against a positive lower bound on the best
      // error: with lower bound 0 (e.g. A exactly in the set, Hadamard into
      // butterflies) residual / 0 says nothing, and what IS proven is the
      // residual bound itself. JSON has no infinity: "ratio_upper" is null
      // then and "ratio_note" says why.
      const bool have_ratio = e.lower_bound.lo > 0.0 && std::isfinite(e.ratio_upper);
      manifest["enclosure"] = {{"residual", interval_json(e.residual)},
                               {"residual_method", e.residual_method},
                               {"lower_bound_best_error", interval_json(e.lower_bound)},
                               {"ratio_upper", have_ratio ? nlohmann::json(e.ratio_upper) : nlohmann::json(nullptr)}};
      if (!have_ratio)
        manifest["enclosure"]["ratio_note"] =
            e.lower_bound.lo > 0.0 ? "no ratio proven: residual / lower bound overflows"
                                   : "no ratio proven: the certified lower bound on the best error is 0; the "
                                     "residual interval is what is proven (exact within the enclosure when it "
                                     "contains 0)";
      if (e.apriori_6_5_9) manifest["enclosure"]["apriori_thm_6_5_9"] = interval_json(*e.apriori_6_5_9);
      if (e.apriori_6_5_14) manifest["enclosure"]["apriori_thm_6_5_14"] = interval_json(*e.apriori_6_5_14);
      summary << "method: " << manifest["method"].get<std::string>() << ", chain " << to_string(r.chain) << "\n"
              << "  ||A - F1...FL||_F        in " << fmt(e.residual) << "\n"
              << "  best possible error      >= " << e.lower_bound.lo << "  (max_s E_s(A), Lemma 6.5.7)\n";
      if (e.apriori_6_5_9) summary << "  a-priori bound Thm 6.5.9  " << fmt(*e.apriori_6_5_9) << "\n";
      if (have_ratio) {
        summary << "  proven ratio achieved / best <= " << e.ratio_upper << "\n";
      } else if (e.lower_bound.lo > 0.0) {
        summary << "  no ratio achieved / best proven (residual / lower bound overflows); residual <= "
                << e.residual.hi << "\n";
      } else {
        // "Exact within the enclosure": the residual interval contains 0, so
        // exactness is not excluded; the interval is printed with it.
        if (e.residual.lo <= 0.0)
          summary << "  exact within the enclosure: residual in " << fmt(e.residual);
        else
          summary << "  residual <= " << e.residual.hi;
        summary << " (lower bound on the best error 0: no ratio achieved / best is proven)\n";
      }
    } else if (arch.num_factors() == 2) {
      const auto r = numeric::factorize_two_factors(A, arch.factor(0), arch.factor(1));
      factors = {r.X, r.Y};
      manifest["method"] = "block SVDs, optimal (" + r.theorem + ")";
      manifest["enclosure"] = {{"residual", interval_json(r.residual)},
                               {"optimal_error", interval_json(r.optimal_error)}};
      summary << "method: " << manifest["method"].get<std::string>() << "\n"
              << "  ||A - F1 F2||_F          in " << fmt(r.residual) << "\n"
              << "  optimal error (Thm 6.2.3) in " << fmt(r.optimal_error) << "\n";
    } else {
      err << "wellposed: error: " << o.spec_file << ": no certified factorization method for '" << arch.name()
          << "': it needs a chainable Kronecker chain or a tractable two-factor pair (Thm 5.2.3/5.2.9)\n";
      return kExitBadInput;
    }
  } catch (const std::invalid_argument& e) {
    err << "wellposed: error: " << o.spec_file << ": " << e.what() << "\n";
    return kExitBadInput;
  }

  // Write into a temporary folder, then move it into place: no partial output.
  try {
    const bool single_json = std::filesystem::path(o.output).extension() == ".json";
    nlohmann::json fs = nlohmann::json::array();
    if (single_json) {
      for (std::size_t l = 0; l < factors.size(); ++l) {
        nlohmann::json rows = nlohmann::json::array();
        for (Eigen::Index i = 0; i < factors[l].rows(); ++i) {
          std::vector<double> r(static_cast<std::size_t>(factors[l].cols()));
          for (Eigen::Index j = 0; j < factors[l].cols(); ++j) r[static_cast<std::size_t>(j)] = factors[l](i, j);
          rows.push_back(r);
        }
        fs.push_back({{"name", "F" + std::to_string(l + 1)}, {"values", rows}});
      }
      manifest["factors"] = fs;
      write_file_atomically(o.output, manifest.dump(2) + "\n");
    } else {
      const std::filesystem::path dir(o.output);
      const std::filesystem::path tmp = dir.string() + ".partial";
      std::filesystem::remove_all(tmp);
      std::filesystem::create_directories(tmp);
      for (std::size_t l = 0; l < factors.size(); ++l) {
        const std::string name = "F" + std::to_string(l + 1) + ".npy";
        std::vector<double> data(static_cast<std::size_t>(factors[l].size()));
        for (Eigen::Index i = 0; i < factors[l].rows(); ++i)
          for (Eigen::Index j = 0; j < factors[l].cols(); ++j)
            data[static_cast<std::size_t>(i * factors[l].cols() + j)] = factors[l](i, j);
        write_npy((tmp / name).string(), static_cast<std::size_t>(factors[l].rows()),
                  static_cast<std::size_t>(factors[l].cols()), data);
        fs.push_back({{"name", "F" + std::to_string(l + 1)}, {"file", name},
                      {"rows", factors[l].rows()}, {"cols", factors[l].cols()}});
      }
      manifest["factors"] = fs;
      write_file_atomically((tmp / "manifest.json").string(), manifest.dump(2) + "\n");
      std::filesystem::remove_all(dir);
      std::filesystem::rename(tmp, dir);
    }
  } catch (const std::exception& e) {
    err << "wellposed: error: " << o.output << ": " << e.what() << "\n";
    return kExitBadInput;
  }
  out << summary.str() << "wrote " << factors.size() << " factors to " << o.output << "\n";
  return 0;
}

}  // namespace wellposed::cli
