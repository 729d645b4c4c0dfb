#include "wellposed/decide/detectors.hpp"

#include <chrono>
#include <string>

#include "prover_json.hpp"
#include "wellposed/decide/explain.hpp"
#include "wellposed/decide/kronecker.hpp"
#include "wellposed/decide/lu_pattern.hpp"
#include "wellposed/decide/tractable.hpp"

namespace wellposed {

namespace {

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

Verdict trivial_verdict(const Architecture& arch, const std::string& family, const std::string& why) {
  Verdict v;
  v.closedness = Closedness::closed;
  v.method = "trivial family (" + family + ")";
  v.reason = why;
  v.certificate = {{"kind", "trivial"}, {"family", family}, {"factors", detail::factors_json(arch)}};
  return v;
}

// Wraps a verdict about the reduced chain into one about the original chain.
// Without reduction steps the two-factor detectors spoke about the
// architecture's own masks: their "factors" become its compact form (family
// parameters when it has them, e.g. {"lu": n}).
Verdict wrap_reduced(Verdict inner, const Architecture& original, const PermutationReduction& red) {
  if (!inner.decided()) return inner;
  if (red.steps.empty()) {
    if (original.structural() && inner.certificate.is_object())
      inner.certificate["factors"] = detail::factors_json(original);
    return inner;
  }
  Verdict v = inner;
  v.method = inner.method + " after absorbing permutation factors";
  v.reason = "permutation-pattern factors absorbed exactly (same product set); then: " + inner.reason;
  v.certificate = {{"kind", "reduced"},
                   {"factors", detail::factors_json(original)},
                   {"steps", red.steps},
                   {"inner", inner.certificate}};
  v.explanation = explain(v, original);
  return v;
}

// Whether some factor may be a permutation pattern, from shapes and entry
// counts alone (a permutation pattern is square with exactly N entries): lets
// families skip the reduction without building their masks.
bool may_have_permutation_factor(const Architecture& arch) {
  for (std::size_t l = 0; l < arch.num_factors(); ++l) {
    const auto& s = arch.factor_shape(l);
    if (s.rows == s.cols && s.nnz == s.rows) return true;
  }
  return false;
}

std::string too_large(const Architecture& arch) {
  const auto b = arch.materialize_bytes();
  return "the masks of this family would take " + (b ? std::to_string(*b) : std::string("more than 2^64")) +
         " bytes (limit " + std::to_string(arch.max_materialize_bytes()) +
         "); the mask-based detectors were skipped (the structural ones ran)";
}

// The permutation reduction, computed only when some factor may be a
// permutation pattern (so a family without one is never materialized).
PermutationReduction reduction_of(const Architecture& arch) {
  if (arch.num_factors() > 1 && may_have_permutation_factor(arch)) return absorb_permutation_factors(arch.factors());
  return {{}, nlohmann::json::array()};
}

}  // namespace

Verdict detect_trivial(const Architecture& arch) {
  // Structural: shapes and entry counts only (factor_shape), never the masks.
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t L = arch.num_factors();
  const auto dims = arch.dims();
  Verdict v;
  for (std::size_t l = 0; l < L && !v.decided(); ++l)
    if (arch.factor_shape(l).nnz == 0)
      v = trivial_verdict(arch, "zero_factor", "factor " + std::to_string(l) + " has an empty support: L_I = {0}");
  if (!v.decided() && L == 1)
    v = trivial_verdict(arch, "single_factor", "one factor: L_I is a coordinate subspace");
  if (!v.decided() && (dims.front() == 1 || dims.back() == 1))
    v = trivial_verdict(arch, "vector_end", "the product is a vector: L_I is a coordinate subspace");
  for (std::size_t l = 1; l + 1 < dims.size() && !v.decided(); ++l)
    if (dims[l] == 1)
      v = trivial_verdict(arch, "inner_one",
                          "inner dimension N_" + std::to_string(l) + " = 1: L_I = rank <= 1 matrices on a rectangle");
  if (!v.decided()) {
    bool full = true;
    for (std::size_t l = 0; l < L && full; ++l) {
      const auto& s = arch.factor_shape(l);
      std::size_t size = 0;
      full = !__builtin_mul_overflow(s.rows, s.cols, &size) && s.nnz == size;
    }
    if (full) v = trivial_verdict(arch, "full_supports", "all supports full: L_I is a rank-bounded set");
  }
  if (!v.decided()) {
    v.method = "trivial families";
    v.reason = "no zero factor, single factor, vector end, inner dimension 1 or full supports";
  }
  v.seconds = since(t0);
  v.explanation = explain(v, arch);
  return v;
}

bool is_permutation_pattern(const Support& s) {
  if (s.rows() != s.cols() || s.rows() == 0) return false;
  for (std::size_t i = 0; i < s.rows(); ++i)
    if (s.row_count(i) != 1 || s.col_count(i) != 1) return false;
  return true;
}

PermutationReduction absorb_permutation_factors(const std::vector<Support>& factors) {
  PermutationReduction red{factors, nlohmann::json::array()};
  auto& f = red.factors;
  for (bool changed = true; changed && f.size() > 1;) {
    changed = false;
    for (std::size_t l = 0; l < f.size(); ++l) {
      if (!is_permutation_pattern(f[l])) continue;
      const Support P = f[l];
      if (l + 1 < f.size()) {  // P I_{l+1}: row i is row pi(i) of I_{l+1}
        const Support& N = f[l + 1];
        Support out(N.rows(), N.cols());
        for (std::size_t i = 0; i < P.rows(); ++i) {
          const auto pi = P.row_indices(i).front();
          for (auto j : N.row_indices(pi)) out.set(i, j);
        }
        f[l + 1] = out;
        red.steps.push_back({{"factor", l}, {"into", "next"}});
      } else {  // I_{L-1} P: column pi(i) is column i of I_{L-1}
        const Support& Q = f[l - 1];
        Support out(Q.rows(), Q.cols());
        for (std::size_t i = 0; i < P.rows(); ++i) {
          const auto pi = P.row_indices(i).front();
          for (auto a : Q.col_indices(i)) out.set(a, pi);
        }
        f[l - 1] = out;
        red.steps.push_back({{"factor", l}, {"into", "previous"}});
      }
      f.erase(f.begin() + static_cast<long>(l));
      changed = true;
      break;
    }
  }
  return red;
}

std::vector<Verdict> run_all_detectors(const Architecture& arch) {
  std::vector<Verdict> out;
  out.push_back(detect_trivial(arch));
  out.push_back(detect_kronecker_chain(arch));
  if (!arch.can_materialize()) return out;  // the remaining detectors read masks
  const auto red = reduction_of(arch);
  if (!red.steps.empty()) {
    const Architecture reduced(red.factors);
    out.push_back(wrap_reduced(detect_trivial(reduced), arch, red));
    if (reduced.num_factors() >= 2) out.push_back(wrap_reduced(detect_kronecker_chain(reduced), arch, red));
  }
  const std::size_t L = red.steps.empty() ? arch.num_factors() : red.factors.size();
  if (L == 2) {
    const auto& L0 = red.steps.empty() ? arch.factor(0) : red.factors[0];
    const auto& R0 = red.steps.empty() ? arch.factor(1) : red.factors[1];
    out.push_back(wrap_reduced(detect_disjoint_rank_one(L0, R0), arch, red));
    out.push_back(wrap_reduced(detect_cec_rectangular(L0, R0), arch, red));
    out.push_back(wrap_reduced(detect_lu_pattern(L0, R0), arch, red));
  }
  return out;
}

Verdict detect(const Architecture& arch) {
  const auto t0 = std::chrono::steady_clock::now();
  std::string tried;
  auto finish = [&](Verdict v) {
    v.seconds = since(t0);
    v.explanation = explain(v, arch);
    return v;
  };
  auto note = [&](const Verdict& v) { tried += (tried.empty() ? "" : "; ") + v.method + ": " + v.reason; };

  // Structural detectors first: on a family they read its parameters only.
  if (auto v = detect_trivial(arch); v.decided()) return finish(v);
  if (auto v = detect_kronecker_chain(arch); v.decided()) return finish(v);
  else note(v);
  if (!arch.can_materialize()) {
    Verdict v;
    v.method = "polynomial-time detectors";
    v.reason = "no structural detector applies (" + tried + "); " + too_large(arch);
    return finish(v);
  }
  const auto red = reduction_of(arch);
  if (!red.steps.empty()) {
    const Architecture reduced(red.factors);
    if (auto v = detect_trivial(reduced); v.decided()) return finish(wrap_reduced(v, arch, red));
    if (reduced.num_factors() >= 2)
      if (auto v = detect_kronecker_chain(reduced); v.decided()) return finish(wrap_reduced(v, arch, red));
  }
  const std::size_t L = red.steps.empty() ? arch.num_factors() : red.factors.size();
  if (L == 2) {
    const auto& L0 = red.steps.empty() ? arch.factor(0) : red.factors[0];
    const auto& R0 = red.steps.empty() ? arch.factor(1) : red.factors[1];
    for (auto* d : {&detect_disjoint_rank_one, &detect_cec_rectangular, &detect_lu_pattern}) {
      auto v = (*d)(L0, R0);
      if (v.decided()) return finish(wrap_reduced(v, arch, red));
      note(v);
    }
  } else {
    tried += (tried.empty() ? "" : "; ") + std::string("two-factor detectors: the chain has ") + std::to_string(L) +
             " factors after absorbing permutation factors (no proof covers longer chains)";
  }
  Verdict v;
  v.method = "polynomial-time detectors";
  v.reason = "no detector applies (" + tried + ")";
  return finish(v);
}

}  // namespace wellposed
