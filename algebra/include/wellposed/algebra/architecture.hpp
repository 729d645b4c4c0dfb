#pragma once
// Architecture: a chain of factor supports I_1, ..., I_L describing
//   L_I = { X_1 X_2 ... X_L : supp X_l <= I_l }   (library orientation, see orientation.hpp).
// The constructor checks that consecutive dimensions agree, so every
// Architecture in the program is well-formed.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "wellposed/algebra/kpattern.hpp"
#include "wellposed/algebra/support.hpp"

namespace wellposed {

class Architecture {
 public:
  /// Throws std::invalid_argument naming the first pair l, l+1 whose inner
  /// dimensions differ, or an empty list.
  explicit Architecture(std::vector<Support> factors, std::string name = {});

  std::size_t num_factors() const { return factors_.size(); }
  /// I_{l+1} for l in [0, L): zero-based.
  const Support& factor(std::size_t l) const;
  const std::vector<Support>& factors() const { return factors_; }
  /// N_0, ..., N_L.
  std::vector<std::size_t> dims() const;
  std::size_t rows() const { return factors_.front().rows(); }
  std::size_t cols() const { return factors_.back().cols(); }
  /// sum_l |I_l|: the number of free parameters.
  std::size_t parameter_count() const;
  /// supp(X_1 ... X_L) for generic factors: the Boolean product of the supports.
  Support product_support() const;
  const std::string& name() const { return name_; }
  void set_name(std::string n) { name_ = std::move(n); }
  /// The Kronecker patterns when every factor is Kronecker-sparse (the chain
  /// it was built from, or patterns recognized from the masks).
  std::optional<KChain> kronecker_chain() const;

  /// The thesis's X Y^T form of a two-factor architecture (throws otherwise).
  std::pair<Support, Support> to_xyT() const;
  /// Ch. 7 layer masks W_1..W_L (input to output).
  std::vector<Support> to_layers() const;

  bool operator==(const Architecture& o) const { return factors_ == o.factors_; }

 private:
  std::vector<Support> factors_;
  std::optional<KChain> chain_;
  std::string name_;
  friend Architecture kronecker_chain_architecture(const KChain&);
};

// --- construction from the seeds' orientations ---------------------------
Architecture from_xyT(const Support& I, const Support& J, std::string name = {});
Architecture from_layers(const std::vector<Support>& layers_input_to_output, std::string name = {});

// --- named families of the seeds ----------------------------------------
/// LU(n): A = L U, X_1 lower triangular, X_2 upper triangular (Thm 3.1.8).
Architecture lu(std::size_t n);
/// Low rank: X_1 full m x r, X_2 full r x n (Table 6.1: (1,m,r,1), (1,r,n,1)).
Architecture low_rank(std::size_t m, std::size_t n, std::size_t r);
/// A chain of Kronecker-sparse patterns (throws if sizes do not match, (6.9)).
Architecture kronecker_chain_architecture(const KChain& chain);
/// Square dyadic butterfly, n = 2^N: theta_l = (2^{l-1}, 2, 2, 2^{N-l}), l = 1..N (Table 6.1).
KChain butterfly_chain(std::size_t n);
Architecture butterfly(std::size_t n);
/// Monarch: (1, p, q, m/p), (q, m/p, n/q, 1), needs p | m and q | n (Table 6.1).
KChain monarch_chain(std::size_t m, std::size_t n, std::size_t p, std::size_t q);
Architecture monarch(std::size_t m, std::size_t n, std::size_t p, std::size_t q);
/// Kaleidoscope, n = 2^N: the butterfly chain followed by its reverse,
/// |Theta| = 2N (Table 6.1); not chainable.
KChain kaleidoscope_chain(std::size_t n);
Architecture kaleidoscope(std::size_t n);
/// HODLR with N levels, n = 2^N (Def 2.4.1, Lemma 5.2.4): the pair (I_N, J_N)
/// in X Y^T form with r = 3n - 2, |I_N| = |J_N| = n (N + 1).
std::pair<Support, Support> hodlr_xyT(std::size_t levels);
Architecture hodlr(std::size_t levels);
/// The NP-hardness construction of Lemma 3.3.3 (eq. 3.4, corrected as in
/// SEEDMAP 1.5) from a mask W (m x n with m >= n, as the lemma assumes; a
/// wide W throws: pass W^T, the transposed instance): r = n + 1,
///   I[i, j] = 1 - W[i, j] for j <= n,  I[i, n+1] = 1,
///   J[i, j] = 1 iff j = i or j = n + 1.
std::pair<Support, Support> np_hardness_xyT(const Support& W);
Architecture np_hardness(const Support& W);

}  // namespace wellposed
