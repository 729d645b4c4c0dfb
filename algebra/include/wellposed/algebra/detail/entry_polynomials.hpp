#pragma once
// Entry polynomials of a chain of supports (thesis eq. (3.3), SEEDMAP 1.1),
// in the LIBRARY orientation A = X_1 X_2 ... X_L, X_l of size N_{l-1} x N_l:
//
//   P_ij = sum over paths i = l_0 -> l_1 -> ... -> l_L = j with
//          (l_{k-1}, l_k) in supp I_k of  X_1[l_0,l_1] X_2[l_1,l_2] ... X_L[l_{L-1},l_L].
//
// (The thesis writes the same sum for X_L ... X_1; only the orientation
// differs.) Only in-support entries are variables, so there are
// sum_l |I_l| of them and A is in L_I iff A_ij = P_ij(X) for all i, j has a
// real solution (proof of Lemma 3.2.15): no extra support constraints needed.
//
// Variable names: factor l (1-based, l = 1..L) entry (r, c) (0-based) is
// `<prefix><l>_<r>_<c>`, e.g. x1_0_1 = X_1[0, 1]. Use prefixes that end in a
// letter (x, xp, xs) so that names of different prefixes cannot collide.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/algebra/polynomial.hpp"
#include "wellposed/algebra/rational_matrix.hpp"

namespace wellposed {

/// The variables of one factor X_l: one per entry of the support I_l.
class FactorVariables {
 public:
  FactorVariables(const Support& support, std::size_t factor_index_one_based, const std::string& prefix);

  std::size_t rows() const { return support_.rows(); }
  std::size_t cols() const { return support_.cols(); }
  const Support& support() const { return support_; }
  /// Whether X_l[r, c] is a variable (i.e. (r, c) in I_l).
  bool has(std::size_t r, std::size_t c) const { return support_.test(r, c); }
  /// The variable of entry (r, c); throws std::out_of_range if (r, c) is not
  /// in the support.
  const Variable& at(std::size_t r, std::size_t c) const;
  /// X_l[r, c] as a polynomial: the variable, or 0 outside the support.
  Polynomial entry(std::size_t r, std::size_t c) const;
  /// The variables in row-major order of the support entries (|I_l| of them).
  const std::vector<Variable>& variables() const { return variables_; }

 private:
  Support support_;
  std::vector<Variable> variables_;
  std::vector<std::size_t> index_;  // row-major cell -> position in variables_, or npos
};

struct EntryPolynomials {
  /// X_1, ..., X_L (factors[l] is X_{l+1}).
  std::vector<FactorVariables> factors;
  /// The N_0 x N_L matrix P: entries[i][j] = P_ij.
  std::vector<std::vector<Polynomial>> entries;

  std::size_t rows() const { return entries.size(); }
  std::size_t cols() const { return entries.empty() ? 0 : entries.front().size(); }
  const Polynomial& at(std::size_t i, std::size_t j) const { return entries.at(i).at(j); }
  /// All sum_l |I_l| variables, factor by factor, row-major within a factor.
  std::vector<Variable> variables() const;
  /// The point X_l = values[l-1]: assigns every variable its entry. Entries
  /// of `values` outside the supports are ignored (they do not occur in any
  /// P_ij). Throws std::invalid_argument on a wrong count or shape.
  Assignment assignment(const std::vector<RationalMatrix>& values) const;
  /// P evaluated at a point: the exact matrix of P_ij values.
  RationalMatrix evaluate(const Assignment& point) const;
};

/// The entry polynomials of `arch`, with variables named `<prefix><l>_<r>_<c>`.
/// Computed as the symbolic product X_1 X_2 ... X_L, which is the path sum
/// (3.3) term by term; every coefficient is 1, since two distinct paths
/// differ in some step and so use different variables (P_ij is multilinear).
EntryPolynomials entry_polynomials(const Architecture& arch, const std::string& prefix = "x");

/// The residual P(A, X) = sum_ij (A_ij - P_ij(X))^2 of Lemma 3.2.16 for a
/// rational target A, a polynomial of degree 2L in the factor variables.
/// Throws std::invalid_argument if A's shape is not N_0 x N_L.
Polynomial residual(const EntryPolynomials& p, const RationalMatrix& A);
/// The same with a symbolic target: A_ij given as polynomials (e.g. the
/// variables of target_variables), so that A can be quantified.
Polynomial residual(const EntryPolynomials& p, const std::vector<std::vector<Polynomial>>& A);

/// Variables a_<i>_<j> (0-based) for the entries of an unknown rows x cols
/// target, as used when A itself is quantified (Lemmas 3.2.16, 3.2.18.2).
std::vector<std::vector<Variable>> target_variables(std::size_t rows, std::size_t cols,
                                                     const std::string& prefix = "a");

}  // namespace wellposed
