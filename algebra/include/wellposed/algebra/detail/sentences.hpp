#pragma once
// The first-order sentences that decide closedness, attainment and
// well-posedness exactly (thesis Sec. 3.2, SEEDMAP 2.2), built for an
// Architecture in the library orientation A = X_1 ... X_L.
//
// These are exact but doubly exponential to decide (Lemma 3.2.16:
// O((sd)^{C^{k-1}}), s = 2, d = 2L, k = N_0 N_L + 1 + 2 sum_l |I_l|); in
// practice a solver settles only toy cases (LU 2x2), so callers should run
// the polynomial detectors first and treat a solver time-out as "unknown".
//
// Variable names (all distinct across scopes, so printers need not rename):
//   a_<i>_<j>          target entries A[i, j] when A is quantified,
//   x<l>_<r>_<c>       X_l[r, c], the universally quantified factors,
//   xp<l>_<r>_<c>      X'_l[r, c], the approximating factors (Lemma 3.2.16),
//   xs<l>_<r>_<c>      X*_l[r, c], the optimal factors (Lemma 3.2.18),
//   eps                the accuracy epsilon (Lemma 3.2.16).
// l is 1-based, r, c, i, j 0-based (entry_polynomials.hpp).
#include "wellposed/algebra/architecture.hpp"
#include "wellposed/algebra/formula.hpp"
#include "wellposed/algebra/rational_matrix.hpp"

namespace wellposed {

/// How "A is (not) reached by X" is written in the non-closedness sentence.
enum class ResidualForm {
  /// The thesis's P(A, X) = sum_ij (A_ij - P_ij(X))^2 with P > 0 and P - eps < 0
  /// (Lemma 3.2.16 verbatim; degree 2L).
  sum_of_squares,
  /// Entrywise: not (and_ij P_ij = A_ij), and |P_ij - A_ij| < eps for all i, j
  /// (the max-norm ball). Equivalent, because all norms on R^{N_0 x N_L} are
  /// equivalent, so both define the same closure; degree L only. Much easier
  /// for Z3: 2x2 LU in 0.02 s versus a time-out with the sum of squares.
  entrywise,
};

/// The formula "A in L_I" with A free: exists X: and_ij P_ij(X) = a_<i>_<j>.
/// Its free variables are exactly the a_<i>_<j> of target_variables().
Formula membership_formula(const Architecture& arch);

/// Exact membership A in L_I for a rational target (proof of Lemma 3.2.15):
///   exists X: and_ij P_ij(X) = A_ij.
/// True iff A = X_1 ... X_L for some real factors with supp X_l <= I_l.
/// Throws std::invalid_argument if A is not N_0 x N_L.
Formula membership_sentence(const Architecture& arch, const RationalMatrix& A);

/// Non-closedness of L_I (Lemma 3.2.16):
///   exists A [ (forall X: P(A, X) > 0) and (forall eps > 0 exists X': P(A, X') - eps < 0) ]
/// (or its entrywise form, see ResidualForm). The sentence is TRUE iff L_I is
/// NOT closed (some A lies in the closure but not in L_I), iff by Prop 3.1.6
/// the support chain is ill-posed. FALSE iff L_I is closed.
Formula non_closedness_sentence(const Architecture& arch, ResidualForm form = ResidualForm::entrywise);

/// Attainment for the instance (A, I) (Lemma 3.2.18.1):
///   exists X* forall X: P(A, X*) - P(A, X) <= 0.
/// TRUE iff min_X ||A - X_1 ... X_L||_F^2 is attained (an optimal
/// factorization of this A exists); FALSE iff the instance is ill-posed.
/// Throws std::invalid_argument if A is not N_0 x N_L.
Formula attainment_sentence(const Architecture& arch, const RationalMatrix& A);

/// Well-posedness of the support chain (Lemma 3.2.18.2):
///   forall A exists X* forall X: P(A, X*) - P(A, X) <= 0.
/// TRUE iff every target has an optimal factorization, iff (Prop 3.1.6) L_I
/// is closed; so it is true exactly when non_closedness_sentence is false.
Formula well_posedness_sentence(const Architecture& arch);

}  // namespace wellposed
