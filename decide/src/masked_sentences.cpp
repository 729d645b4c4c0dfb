#include "wellposed/decide/detail/reductions.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>

#include "wellposed/algebra/detail/entry_polynomials.hpp"
#include "wellposed/algebra/rank_one.hpp"

#include "sentence_parts.hpp"

// The masked sentences of reductions.hpp (membership, closure, Lemma 3.2.16,
// surjectivity); split from reductions.cpp (issue 18 item 8).
namespace wellposed {

namespace sentence_parts {

using idx = std::size_t;

Formula gauge_formula(const MaskedChain& chain, const EntryPolynomials& x) {
  std::vector<Formula> g;
  for (const auto& p : scaling_pivots(chain)) {
    const Polynomial v = x.factors[p.factor].entry(p.row, p.col);
    g.push_back(eq(v * (v - Polynomial(1))));
  }
  return Formula::conjunction(g);
}

Formula reaches(const MaskedChain& chain, const EntryPolynomials& x, const std::vector<std::vector<Polynomial>>& A) {
  std::vector<Formula> eqs;
  for (auto [i, j] : chain.mask.entries()) eqs.push_back(eq(x.at(i, j), A[i][j]));
  return Formula::conjunction(eqs);
}

}  // namespace sentence_parts

namespace {

using idx = std::size_t;
using namespace sentence_parts;


Formula approaches(const MaskedChain& chain, const EntryPolynomials& xp, const std::vector<std::vector<Polynomial>>& A,
                   const MaskedSentenceOptions& o) {
  const Variable eps = Variable::named("eps");
  std::vector<Formula> close;
  if (o.gauge) close.push_back(gauge_formula(chain, xp));
  for (auto [i, j] : chain.mask.entries()) {
    close.push_back(lt(xp.at(i, j) - A[i][j] - eps));
    close.push_back(lt(A[i][j] - xp.at(i, j) - eps));
  }
  return Formula::forall({eps}, implies(gt(eps), Formula::exists(xp.variables(), Formula::conjunction(close))));
}

std::vector<std::vector<Polynomial>> constant_target(const RationalMatrix& A) {
  std::vector<std::vector<Polynomial>> p(A.rows(), std::vector<Polynomial>(A.cols()));
  for (idx i = 0; i < A.rows(); ++i)
    for (idx j = 0; j < A.cols(); ++j) p[i][j] = A(i, j);
  return p;
}

void check_shape(const MaskedChain& chain, const RationalMatrix& A, const char* who) {
  if (A.rows() != chain.rows() || A.cols() != chain.cols())
    throw std::invalid_argument(std::string(who) + ": target is " + std::to_string(A.rows()) + "x" +
                                std::to_string(A.cols()) + ", the chain's product is " + std::to_string(chain.rows()) +
                                "x" + std::to_string(chain.cols()));
}

/// The target of a sentence over the chain's mask: A[i][j] is the variable
/// a_ij (target_variables) on each mask entry, listed in `vars` in the mask's
/// order, and 0 off the mask; an entry given a value in `fixed` (partial
/// surjectivity, one slot per mask entry) is that constant instead.
struct MaskedTarget {
  std::vector<std::vector<Polynomial>> A;
  std::vector<Variable> vars;
};
MaskedTarget masked_target(const MaskedChain& chain, const std::vector<std::optional<Rational>>* fixed = nullptr) {
  const auto av = target_variables(chain.rows(), chain.cols());
  MaskedTarget t{std::vector<std::vector<Polynomial>>(chain.rows(), std::vector<Polynomial>(chain.cols())), {}};
  const auto E = chain.mask.entries();
  for (idx p = 0; p < E.size(); ++p) {
    auto [i, j] = E[p];
    if (fixed && (*fixed)[p]) {
      t.A[i][j] = Polynomial(*(*fixed)[p]);
    } else {
      t.A[i][j] = av[i][j];
      t.vars.push_back(av[i][j]);
    }
  }
  return t;
}

}  // namespace


Formula masked_membership_sentence(const MaskedChain& chain, const RationalMatrix& A, const MaskedSentenceOptions& o) {
  check_shape(chain, A, "masked_membership_sentence");
  const EntryPolynomials x = entry_polynomials(chain.architecture(), "x");
  Formula body = reaches(chain, x, constant_target(A));
  if (o.gauge) body = gauge_formula(chain, x) && body;
  return Formula::exists(x.variables(), body);
}

Formula masked_closure_sentence(const MaskedChain& chain, const RationalMatrix& A, const MaskedSentenceOptions& o) {
  check_shape(chain, A, "masked_closure_sentence");
  const EntryPolynomials xp = entry_polynomials(chain.architecture(), "xp");
  return approaches(chain, xp, constant_target(A), o);
}

Formula masked_non_closedness_sentence(const MaskedChain& chain, const MaskedSentenceOptions& o) {
  const auto [A, avars] = masked_target(chain);
  const EntryPolynomials x = entry_polynomials(chain.architecture(), "x");
  const EntryPolynomials xp = entry_polynomials(chain.architecture(), "xp");
  Formula not_reached = !reaches(chain, x, A);
  if (o.gauge) not_reached = implies(gauge_formula(chain, x), not_reached);
  std::vector<Formula> parts;
  if (o.scale_target)
    for (auto [i, j] : spanning_forest(chain.mask)) parts.push_back(eq(A[i][j] * (A[i][j] - Polynomial(1))));
  parts.push_back(Formula::forall(x.variables(), not_reached));
  parts.push_back(approaches(chain, xp, A, o));
  return Formula::exists(avars, Formula::conjunction(parts));
}

Formula surjectivity_sentence(const MaskedChain& chain, const MaskedSentenceOptions& o) {
  const auto [A, avars] = masked_target(chain);
  const EntryPolynomials x = entry_polynomials(chain.architecture(), "x");
  Formula body = reaches(chain, x, A);
  if (o.gauge) body = gauge_formula(chain, x) && body;
  return Formula::forall(avars, Formula::exists(x.variables(), body));
}

Formula partial_surjectivity_sentence(const MaskedChain& chain, const std::vector<std::optional<Rational>>& fixed,
                                      const MaskedSentenceOptions& o) {
  const auto E = chain.mask.entries();
  if (fixed.size() != E.size())
    throw std::invalid_argument("partial_surjectivity_sentence: " + std::to_string(fixed.size()) +
                                " entry values for a mask of " + std::to_string(E.size()) + " entries");
  const auto [A, avars] = masked_target(chain, &fixed);
  const EntryPolynomials x = entry_polynomials(chain.architecture(), "x");
  Formula body = reaches(chain, x, A);
  if (o.gauge) body = gauge_formula(chain, x) && body;
  Formula f = Formula::exists(x.variables(), body);
  return avars.empty() ? f : Formula::forall(avars, f);
}

}  // namespace wellposed
