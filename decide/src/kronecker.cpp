#include "wellposed/decide/kronecker.hpp"

#include "wellposed/decide/explain.hpp"

#include <chrono>
#include <string>
#include <vector>

#include "prover_json.hpp"

namespace wellposed {

namespace {
// Candidates per factor in the structural search: an identity factor of size
// n has one equivalent pattern per divisor of n (up to 103,680 below 2^64);
// the reachability pass is quadratic in them, so the search keeps the given
// pattern and the first kMaxCandidates - 1 others (sufficient detector: a
// chain missed this way gets unknown, never a wrong answer).
constexpr std::size_t kMaxCandidates = 256;

std::vector<KPattern> structural_candidates(const KPattern& given) {
  auto all = kronecker_patterns_of(given);  // from the parameters (no mask)
  if (all.size() <= kMaxCandidates) return all;
  std::vector<KPattern> out{given};
  for (const auto& t : all)
    if (out.size() < kMaxCandidates && !(t == given)) out.push_back(t);
  return out;
}
}  // namespace

std::optional<KChain> chainable_kronecker_chain(const Architecture& arch) {
  const std::size_t L = arch.num_factors();
  std::vector<std::vector<KPattern>> cand(L);
  if (const auto& given = arch.structural_chain()) {
    // A family: its own chain first (O(L) on the parameters), then patterns
    // with the same masks (identities), all without building a mask.
    if (is_chainable(*given)) return *given;
    for (std::size_t l = 0; l < L; ++l) cand[l] = structural_candidates((*given)[l]);
  } else if (arch.structural() && !arch.kronecker_chain()) {
    return std::nullopt;  // a family whose masks are not Kronecker-sparse (LU, HODLR): known from its parameters
  } else {
    for (std::size_t l = 0; l < L; ++l) {
      cand[l] = kronecker_patterns_of(arch.factor(l));
      if (cand[l].empty()) return std::nullopt;
    }
  }
  // prev[l][c] = index in cand[l-1] of a predecessor making the prefix chainable, or -1.
  std::vector<std::vector<long>> prev(L);
  prev[0].assign(cand[0].size(), 0);
  for (std::size_t l = 1; l < L; ++l) {
    prev[l].assign(cand[l].size(), -1);
    for (std::size_t c = 0; c < cand[l].size(); ++c)
      for (std::size_t p = 0; p < cand[l - 1].size(); ++p)
        if (prev[l - 1][p] >= 0 && chainable(cand[l - 1][p], cand[l][c])) {
          prev[l][c] = static_cast<long>(p);
          break;
        }
  }
  for (std::size_t c = 0; c < cand[L - 1].size(); ++c) {
    if (prev[L - 1][c] < 0) continue;
    KChain chain(L);
    std::size_t cur = c;
    for (std::size_t l = L; l-- > 0;) {
      chain[l] = cand[l][cur];
      if (l > 0) cur = static_cast<std::size_t>(prev[l][cur]);
    }
    return chain;
  }
  return std::nullopt;
}

Verdict detect_kronecker_chain(const Architecture& arch) {
  const auto t0 = std::chrono::steady_clock::now();
  Verdict v;
  v.method = "chainable Kronecker-sparse chain (Lemma 6.4.1, Thm 6.2.3, Cor 6.5.12)";
  if (arch.num_factors() < 2) {
    v.reason = "a single factor: not a chain";
  } else if (auto chain = chainable_kronecker_chain(arch)) {
    v.closedness = Closedness::closed;
    const auto qs = *chain_qs(*chain);
    const auto reduced = reduce_redundant(*chain);
    v.reason = "masks are the chainable Kronecker chain " + to_string(*chain) +
               (reduced.size() < chain->size() ? "; non-redundant equivalent " + to_string(reduced) : std::string{}) +
               ": B^Theta is an intersection of closed rank-constraint sets";
    auto enc = [](const KChain& c) {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& t : c) a.push_back({t.a, t.b, t.c, t.d});
      return a;
    };
    v.certificate = {{"kind", "kronecker_chainable"},
                     {"theorem", "Defs 6.3.1, 6.3.7; Lemma 6.3.22; Cor 6.5.12 (L = 2: Lemma 6.4.1, Thm 6.2.3)"},
                     {"factors", detail::factors_json(arch)},
                     {"chain", enc(*chain)},
                     {"q", qs},
                     {"reduced_chain", enc(reduced)},
                     {"parameter_count", parameter_count(*chain)},
                     {"reduced_parameter_count", parameter_count(reduced)}};
  } else {
    v.reason = "some factor is not Kronecker-sparse, or no choice of patterns is chainable";
  }
  v.explanation = explain(v, arch);
  v.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return v;
}

}  // namespace wellposed
