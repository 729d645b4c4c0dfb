#pragma once
// Membership A in B^Theta for a chainable chain, through the rank conditions
// of Cor 6.5.12: after the reduction of Lemma 6.3.22,
//   B^Theta = { A : supp A <= S_{theta_1*...*theta_N} and, for every split l and
//               every class P of (S_{theta_1*..*theta_l}, S_{theta_{l+1}*..*theta_N}),
//               rank A[R_P, C_P] <= q_l },
// equivalently E_l(A) = 0 for every l (closed form (6.54)).
#include <cstddef>
#include <string>
#include <vector>

#include <boost/multiprecision/gmp.hpp>

#include "wellposed/algebra/kpattern.hpp"
#include "wellposed/numeric/dense.hpp"
#include "wellposed/numeric/interval.hpp"

namespace wellposed::numeric {

struct NumericMembership {
  /// Certified: some E_l(A) has a positive lower bound, so the double matrix A
  /// is not in B^Theta (a proof, not an estimate).
  bool certified_not_member = false;
  /// Every E_l(A) <= tolerance * ||A||_F (certified upper bounds): A is within
  /// relative Frobenius distance tolerance of each M_l. With the default
  /// tolerance this is "a product of factors up to rounding".
  bool member_within_tolerance = false;
  std::vector<Interval> split_errors;  ///< E_l(A), l = 1..N-1 (of the reduced chain)
  double tolerance = 0.0;
  std::string reason;  ///< the first split violating the tolerance, if any
};

/// Default tolerance: 1e3 * u * sqrt(max(rows, cols)) * N, loose enough for
/// products of O(1)-conditioned factors evaluated in double.
NumericMembership member_numeric(const Matrix& A, const KChain& chain, double tolerance = -1.0);
/// Complex A: the same rank conditions over C (complex split errors).
NumericMembership member_numeric(const ComplexMatrix& A, const KChain& chain, double tolerance = -1.0);

using RationalEntries = std::vector<std::vector<boost::multiprecision::mpq_rational>>;  // row-major rows

struct ExactMembership {
  bool member = false;
  std::string reason;  ///< why not: the entry outside the support or (split, class, rank)
};

/// Exact rank conditions over Q (fraction-free Gaussian elimination); meant for
/// small inputs (uses explicit supports).
ExactMembership member_exact(const RationalEntries& A, const KChain& chain);

/// Exact rank of a rational matrix.
std::size_t exact_rank(RationalEntries M);

}  // namespace wellposed::numeric
