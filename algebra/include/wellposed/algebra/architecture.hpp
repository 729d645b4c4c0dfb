#pragma once
// Architecture: a chain of factor supports I_1, ..., I_L describing
//   L_I = { X_1 X_2 ... X_L : supp X_l <= I_l }   (library orientation, see orientation.hpp).
// The constructor checks that consecutive dimensions agree, so every
// Architecture in the program is well-formed.
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "wellposed/algebra/kpattern.hpp"
#include "wellposed/algebra/support.hpp"

namespace wellposed {

/// Thrown when masks are requested (factor(), factors(), product_support(), ...)
/// whose dense storage would exceed the architecture's materialization limit.
/// Nothing has been allocated when it is thrown.
class MaterializationRefused : public std::length_error {
 public:
  using std::length_error::length_error;
};

/// Default limit on the bytes of dense masks one Architecture may materialize
/// (1 GiB: the same 2^33 mask bits the spec loader allows explicit masks).
inline constexpr std::size_t kDefaultMaxMaterializeBytes = std::size_t{1} << 30;

/// Shape and number of entries of one factor, known without its mask.
struct FactorShape {
  std::size_t rows = 0, cols = 0, nnz = 0;
  bool operator==(const FactorShape&) const = default;
};

/// The parameters a named family was built from, e.g. {"lu", {{"n", 8}}}.
struct FamilyParams {
  std::string family;
  std::vector<std::pair<std::string, std::size_t>> params;
  bool operator==(const FamilyParams&) const = default;
  std::string to_string() const;  // "monarch(m=16, n=16, p=4, q=4)"
};

/// Families stay structural (issue 18 item 6): an Architecture built from
/// parameters (the named families below, kronecker_chain_architecture) keeps
/// them — the KChain and/or the FamilyParams — and the shape and entry count
/// of every factor, all computed with checked arithmetic. Its dense masks are
/// built only when a caller asks for them (factor(), factors(),
/// product_support(), operator== between different structures), after a
/// memory estimate: above max_materialize_bytes() that throws
/// MaterializationRefused instead of allocating. Copies share the masks once
/// built (thread-safe). An Architecture built from masks is materialized from
/// the start. The detectors and the checker work from the structure
/// (kronecker_chain(), factor_shape(), contains()).
class Architecture {
 public:
  /// Throws std::invalid_argument naming the first pair l, l+1 whose inner
  /// dimensions differ, or an empty list.
  explicit Architecture(std::vector<Support> factors, std::string name = {});

  std::size_t num_factors() const { return shapes_.size(); }
  /// I_{l+1} for l in [0, L): zero-based. Materializes all masks on first use
  /// (may throw MaterializationRefused).
  const Support& factor(std::size_t l) const;
  /// All masks; materializes like factor().
  const std::vector<Support>& factors() const;
  /// N_0, ..., N_L (structural).
  std::vector<std::size_t> dims() const;
  std::size_t rows() const { return shapes_.front().rows; }
  std::size_t cols() const { return shapes_.back().cols; }
  /// sum_l |I_l|: the number of free parameters (structural, checked when built).
  std::size_t parameter_count() const { return parameter_count_; }
  /// supp(X_1 ... X_L) for generic factors: the Boolean product of the supports.
  /// For a chainable Kronecker chain this is S_{theta_1 * ... * theta_L}
  /// (Prop 6.3.11), built without the factors' masks.
  Support product_support() const;
  const std::string& name() const { return name_; }
  void set_name(std::string n) { name_ = std::move(n); }
  /// The Kronecker patterns when every factor is Kronecker-sparse (the chain
  /// it was built from, or patterns recognized from the masks; the latter
  /// materializes a structural non-Kronecker family).
  std::optional<KChain> kronecker_chain() const;

  // --- structure, never materializes ---------------------------------------
  /// Shape and |I_{l+1}| of factor l (zero-based).
  const FactorShape& factor_shape(std::size_t l) const;
  /// The chain this architecture was built from (kronecker_chain_architecture,
  /// butterfly, monarch, kaleidoscope, low_rank), nullopt otherwise.
  const std::optional<KChain>& structural_chain() const { return chain_; }
  /// The named family and parameters it was built from, if any.
  const std::optional<FamilyParams>& family() const { return family_; }
  /// True iff built from parameters (chain or family) rather than from masks.
  bool structural() const { return chain_.has_value() || family_.has_value(); }
  /// Whether (i, j) lies in I_{l+1}: from the structure when the masks are not
  /// built (Kronecker chain, LU, low rank), else from the mask. Bounds-checked.
  bool contains(std::size_t l, std::size_t i, std::size_t j) const;
  /// True once the dense masks exist in memory (always for mask-built
  /// architectures). Lets tests observe that analysis stayed structural.
  bool materialized() const;
  /// Bytes the dense masks take (or would take), nullopt if that overflows.
  std::optional<std::size_t> materialize_bytes() const;
  /// True iff materialized() or materialize_bytes() <= max_materialize_bytes().
  bool can_materialize() const;
  std::size_t max_materialize_bytes() const { return max_bytes_; }
  /// Raises or lowers the limit (e.g. from --max-memory); 0 forbids materializing.
  void set_max_materialize_bytes(std::size_t bytes) { max_bytes_ = bytes; }

  /// The thesis's X Y^T form of a two-factor architecture (throws otherwise).
  std::pair<Support, Support> to_xyT() const;
  /// Ch. 7 layer masks W_1..W_L (input to output).
  std::vector<Support> to_layers() const;

  /// Equal masks. Decided from the structure when both were built from the
  /// same chain or family; otherwise compares masks (materializing).
  bool operator==(const Architecture& o) const;

 private:
  struct Masks;  // the lazily built masks and their generator (architecture.cpp)
  using Generator = std::function<std::vector<Support>()>;
  Architecture(std::vector<FactorShape> shapes, Generator make, std::string name);
  const std::vector<Support>& masks() const;

  std::vector<FactorShape> shapes_;
  std::size_t parameter_count_ = 0;
  std::shared_ptr<Masks> masks_;
  std::optional<KChain> chain_;
  std::optional<FamilyParams> family_;
  std::string name_;
  std::size_t max_bytes_ = kDefaultMaxMaterializeBytes;
  friend Architecture kronecker_chain_architecture(const KChain&);
  friend Architecture lu(std::size_t);
  friend Architecture low_rank(std::size_t, std::size_t, std::size_t);
  friend Architecture hodlr(std::size_t);
  friend Architecture butterfly(std::size_t);
  friend Architecture monarch(std::size_t, std::size_t, std::size_t, std::size_t);
  friend Architecture kaleidoscope(std::size_t);
};

// --- construction from the seeds' orientations ---------------------------
Architecture from_xyT(const Support& I, const Support& J, std::string name = {});
Architecture from_layers(const std::vector<Support>& layers_input_to_output, std::string name = {});

// --- named families of the seeds ----------------------------------------
// Every family below is structural (see Architecture) and computes its sizes
// with checked arithmetic: a size that does not fit in 64 bits throws
// std::invalid_argument naming the family, the parameter and its value.
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
/// in X Y^T form with r = 3n - 2, |I_N| = |J_N| = n (N + 1). hodlr() is
/// structural (masks built on demand); levels must be < 62.
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
