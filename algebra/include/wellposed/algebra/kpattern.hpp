#pragma once
// Kronecker-sparse (deformable butterfly, "DB") patterns, thesis Sec. 6.3.
//
// theta = (a, b, c, d) denotes the support S_theta = I_a (x) 1_{b x c} (x) I_d
// (Def 6.3.1): a diagonal blocks of size (b d) x (c d), each a b x c grid of
// d x d diagonal matrices. S_theta has m = a b d rows, n = a c d columns and
// ||theta||_0 = a b c d non-zeros (Lemma 6.3.4).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "wellposed/algebra/support.hpp"

namespace wellposed {

// Sizes are computed with checked arithmetic: rows(), cols() and nnz() throw
// std::invalid_argument naming the pattern when a product does not fit in
// std::size_t (issue 20 B2: (1,2,4,2^61) has 2^64 non-zeros), never wrap.
struct KPattern {
  std::size_t a = 1, b = 1, c = 1, d = 1;

  /// m = a b d (checked).
  std::size_t rows() const;
  /// n = a c d (checked).
  std::size_t cols() const;
  /// ||theta||_0 = abcd: the number of non-zeros, and the cost of one matvec (checked).
  std::size_t nnz() const;
  /// Whether (i, j) lies in S_theta (Def 6.3.1): same diagonal block
  /// (i / (b d) == j / (c d)) and same offset mod d. No materialization;
  /// throws std::out_of_range outside rows() x cols().
  bool contains(std::size_t i, std::size_t j) const;
  /// The dense mask; refuses (std::length_error, via Support) what cannot be
  /// allocated. Prefer the structural accessors for large patterns.
  Support support() const { return Support::kronecker(a, b, c, d); }
  /// The pattern of the transposed factor: (a, c, b, d).
  KPattern transpose() const { return {a, c, b, d}; }
  /// Throws std::invalid_argument if an entry is zero.
  void validate() const;
  std::string to_string() const;  // "(a,b,c,d)"
  bool operator==(const KPattern&) const = default;
};

using KChain = std::vector<KPattern>;

/// Def 6.3.7: (theta1, theta2) is q-chainable iff a1 c1 / a2 = b2 d2 / d1 = q
/// is a positive integer, a1 | a2 and d2 | d1. Returns q, or nullopt when the
/// ordered pair is not chainable (the relation is not symmetric, Remark 6.3.8).
std::optional<std::size_t> chainable(const KPattern& t1, const KPattern& t2);

/// Def 6.3.13: theta1 * theta2 = (a1, b1 d1 / d2, a2 c2 / a1, d2), defined for
/// chainable pairs; throws std::invalid_argument otherwise. By Prop 6.3.11,
/// S_theta1 S_theta2 = q S_{theta1*theta2} as a counting product.
KPattern operator*(const KPattern& t1, const KPattern& t2);

/// Def 6.3.20: a chainable pair is redundant iff q > min(b1, c2). Throws for
/// a non-chainable pair (redundancy is only defined for chainable pairs).
bool redundant(const KPattern& t1, const KPattern& t2);

/// The q_l of every consecutive pair (Def 6.3.10), or nullopt if some pair is
/// not chainable. A chain of length 1 is chainable with no q.
std::optional<std::vector<std::size_t>> chain_qs(const KChain& chain);
bool is_chainable(const KChain& chain);
/// True iff the chain is chainable and some consecutive pair is redundant.
bool is_redundant(const KChain& chain);
/// theta_1 * ... * theta_N, in the closed form (6.16)
/// (a_1, b_1 d_1 / d_N, a_N c_N / a_1, d_N); throws if not chainable.
KPattern chain_product(const KChain& chain);
/// ||Theta||_0 = sum_l a_l b_l c_l d_l (Def 6.3.18), the matvec cost of the chain.
std::size_t parameter_count(const KChain& chain);
/// Lemma 6.3.22: while some pair (theta_l, theta_{l+1}) is redundant, replace
/// it by theta_l * theta_{l+1}. The result is chainable, non-redundant (or of
/// length 1), spans the same product set B^Theta and has strictly smaller
/// ||Theta||_0 whenever a merge happened. Throws if `chain` is not chainable.
KChain reduce_redundant(const KChain& chain);
/// True iff the sizes of consecutive patterns match (6.9): cols(theta_l) == rows(theta_{l+1}).
bool sizes_compatible(const KChain& chain);

/// Every (a,b,c,d) whose support equals s exactly (a mask can have several,
/// e.g. the identity is (n,1,1,1) and (1,1,1,n)); sorted lexicographically.
std::vector<KPattern> kronecker_patterns_of(const Support& s);
/// Every (a,b,c,d) whose support equals S_theta, from the parameters alone
/// (no mask is built); the same list as kronecker_patterns_of(theta.support()).
/// If b c > 1 some row or column holds two entries whose spacing is d and whose
/// count is c (or b), and a = m / (b d): theta is the only one. If b = c = 1,
/// S_theta is the identity of size a d, which is (a', 1, 1, d') for every
/// a' d' = a d.
std::vector<KPattern> kronecker_patterns_of(const KPattern& theta);
/// True iff S_t1 == S_t2 (by kronecker_patterns_of(KPattern)).
bool same_support(const KPattern& t1, const KPattern& t2);

/// The first of kronecker_patterns_of(s), or nullopt if s is not Kronecker-sparse.
std::optional<KPattern> recognize_kronecker(const Support& s);

std::string to_string(const KChain& chain);

}  // namespace wellposed
