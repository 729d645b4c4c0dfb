#pragma once
// Closedness of the function space F_I of a sparse ReLU network and the
// existence of optimal parameters (thesis Ch. 7). Every decided answer names
// the theorem that gives it and the DOMAIN it covers; nothing else is claimed.
//
// Two domains, two different questions (they are not interchangeable):
//  * "finite_data": F_I(Omega) in R^{N_L x P} for finite Omega = {x_1..x_P}.
//    Closed for EVERY finite Omega <=> training (7.3) has an optimum for every
//    finite data set (Prop 7.3.2, any continuous coercive loss with l(., y)
//    uniquely minimized at y, e.g. the square loss).
//  * "bounded_box": F_I(Omega) in (C^0(Omega), sup norm) for Omega = [-B, B]^d
//    (any B > 0). Not-closed answers hold for every bounded Omega with
//    non-empty interior (Thm 7.4.1). Closedness here does NOT give optima
//    (Ex B.2.1) and says nothing about finite data sets.
//
// What is decided (SEEDMAP §5):
//  * NECESSARY condition (Thm 7.3.3 via Lemma 7.3.4, finite data; Thm 7.4.1
//    via Lemma 7.6.1, bounded domains): L_I not closed => F_I not closed on
//    both domains. L_I is decided by analyze() (detectors, then the exact
//    route) and its certificate re-verified by check_certificate.
//    The data set of Lemma 7.3.4 (grid on [0,1]^{N_0}, labels A x_i with A in
//    cl(L_I) \ L_I taken from the certificate) is described, with its size,
//    and materialized only when asked and small enough.
//  * SUFFICIENT conditions (one hidden layer, L = 2):
//      N_2 = 1: closed on finite data (Thm 7.3.7) and on the box (Cor 7.4.4);
//      I_2 full on the neurons that matter: closed on the box if L_{I_S} is
//      closed in R^{N_2 x N_0} (⚠ the seed prints R^{N_2 x N_1}) for every
//      non-empty S (Thm 7.4.2; 2^{N_1} - 1 decisions, shared
//      through exact reductions and a cache); dense I_1 too: Cor 7.4.3.
//  * otherwise unknown, with the missing condition. A subset S with L_{I_S}
//    not closed does NOT make F_I not closed: Thm 7.4.2 is only sufficient.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/network.hpp"
#include "wellposed/decide/analyze.hpp"
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/verdict.hpp"

namespace wellposed {

/// Lemma 7.3.4's data set: wellposed/decide/network_dataset.hpp (it holds an
/// exact rational target, so it is only declared here; issue 18 item 5).
struct Lemma734Dataset;

struct NetworkOptions {
  /// Wall-clock budget of the whole decision (L_I plus the Thm 7.4.2 subsets).
  double budget_seconds = 10.0;
  /// Cap on one reduced L_{I_S} problem handed to analyze() (exact route).
  double per_problem_seconds = 2.0;
  /// Thm 7.4.2 is refused (unknown) beyond this many hidden neurons that
  /// matter: 2^{N_1} - 1 subsets are enumerated. The independent checker
  /// re-enumerates at most 24 (and within its 60 s re-check cap), so a value
  /// above 24 only yields certificates that fail the gate (unknown).
  std::size_t max_subset_neurons = 20;
  /// Stop at the first subset whose L_{I_S} is not proven closed (the
  /// condition has then failed; the rest are counted as "not examined").
  bool stop_at_first_failure = true;
  /// Materialize the Lemma 7.3.4 grid when it has at most this many points
  /// (0: never; sizes are always reported).
  std::uint64_t materialize_max_points = 0;
  /// Passed to analyze() (nullopt: the default exact route).
  std::optional<std::vector<NamedExactDecider>> exact_deciders;
  /// false: L_I (the necessary condition) by the polynomial-time detectors
  /// only, the exact route kept for the Thm 7.4.2 problems. For callers that
  /// want the sufficient conditions only (repair.hpp scores many candidates,
  /// and a closed bounded-box verdict of Thm 7.4.2 / Cor 7.4.3 / 7.4.4 does
  /// not use L_I); an undecided L_I only weakens the reported reasons.
  bool linear_exact = true;
  /// How every certificate check of the decision runs (second solver, re-check cap).
  CertificateCheckOptions check;
};


/// Thm 7.4.2's subset condition, with the work it took.
struct SubsetReport {
  bool ran = false;
  std::string why_not;                      ///< when not run
  std::vector<std::size_t> kept_neurons;    ///< H: neurons with a non-empty I_1 row and I_2 column
  std::uint64_t total = 0;                  ///< 2^{|H|} - 1
  std::uint64_t closed = 0, not_closed = 0, unknown = 0, not_examined = 0;
  /// How each subset was settled: "reduction" (L_{I_S} reduced to a linear
  /// subspace), "cache" (every reduced block seen before), "analyzed" (some
  /// block handed to analyze()), "not_examined". Sums to total.
  std::map<std::string, std::uint64_t> subsets_by_how;
  /// Distinct reduced problems handed to analyze(), by deciding method.
  std::map<std::string, std::uint64_t> problems_by_method;
  /// Each distinct reduced problem: {"factors" (library order), "verdict",
  /// "method", "reason", "certificate", "checker", "seconds", "first_subset"}.
  nlohmann::json problems = nlohmann::json::array();
  std::vector<std::size_t> failing_subset;  ///< first S (original neuron indices) not proven closed
  std::string failure;                      ///< its verdict and reason
  double seconds = 0;
};

struct DomainVerdict {
  std::string domain;  ///< "finite_data" or "bounded_box"
  std::string scope;   ///< the exact set of domains covered, in words
  Verdict verdict;     ///< method = the theorem; certificate kind "relu_network"
  std::string check;   ///< the checker's account (decided verdicts; empty otherwise)
};

struct NetworkAnalysis {
  std::vector<std::size_t> widths;
  Analysis linear;             ///< L_I (library order) by analyze()
  bool linear_checked = false; ///< decided and accepted by check_certificate
  std::string linear_check;    ///< the checker's account, or why it rejected
  DomainVerdict finite_data, bounded_box;
  /// Set when L_I is not closed (include network_dataset.hpp to read it).
  std::shared_ptr<const Lemma734Dataset> dataset;
  std::optional<SubsetReport> subsets;
  /// Both domains closed => closed; both not closed => not closed; else unknown.
  Verdict overall;
  std::string overall_check;  ///< the checker's account of overall's certificate (decided only)
};

/// Every decided verdict in the result (L_I, each Thm 7.4.2 problem, both
/// domains, overall) has passed ONE check of its certificate (the gate of
/// analyze.hpp; nested certificates are not re-checked), within
/// `budget_seconds` for the whole call.
NetworkAnalysis analyze_network(const ReluNetwork& net, const NetworkOptions& options = {});

nlohmann::json to_json(const SubsetReport& r);
nlohmann::json to_json(const NetworkAnalysis& a);

/// Lemma 7.6.1's biases: for weights W_1..W_L (input to output, W_l row-major
/// N_l x N_{l-1}) and the box [lo, hi]^{N_0}, biases b_1..b_L such that every
/// hidden pre-activation is >= 0 on the box, hence R_theta(x) = W_L...W_1 x
/// there (b_l = c_l 1, c_l = sup of the layer's sup-norm; b_L cancels them).
/// The sups are computed exactly for affine maps on a box (interval bounds).
std::vector<std::vector<double>> lemma_7_6_1_biases(const std::vector<std::vector<double>>& weights,
                                                    const std::vector<std::size_t>& widths, double lo, double hi);

/// Evaluates R_theta(x) (eq. 7.1) for one input.
std::vector<double> relu_forward(const std::vector<std::vector<double>>& weights,
                                 const std::vector<std::vector<double>>& biases, const std::vector<std::size_t>& widths,
                                 const std::vector<double>& x);

/// Re-checks a certificate of kind "relu_network" against the claimed answer:
/// recomputes the theorem's hypotheses from the masks in the certificate; for
/// "not closed" re-verifies the carried L_I certificate with check_certificate;
/// for Thm 7.4.2 re-enumerates the subsets, reduces each with the checker's
/// OWN code (not the prover's reduce_subset; proofs in network.cpp), matches
/// every block to a listed one by an explicit row/column permutation and
/// re-verifies that block's closed certificate with check_certificate.
/// check_certificate() dispatches this kind here, so callers need not.
CheckResult check_network_certificate(const nlohmann::json& certificate, Closedness claimed);
/// The same, and the certificate's layers (input to output) must be
/// `expected_layers` (empty: not compared).
CheckResult check_network_certificate(const nlohmann::json& certificate, Closedness claimed,
                                      const std::vector<Support>& expected_layers);

// ---- review (forged certificates): the domain and question of a network verdict ----
/// The domain a network verdict speaks about: a report's "finite_data" or
/// "bounded_box" verdict, or its overall verdict (both domains).
enum class NetworkDomain { finite_data, bounded_box, both };
/// check_network_certificate(v.certificate, v.closedness, expected_layers)
/// for a verdict about `domain`, and first: v answers the closedness
/// question, its certificate is a "relu_network" one (a certificate about
/// the matrix chain of the same masks proves nothing about F_I), and its
/// theorem covers the domain. Cor 7.4.3 and Thm 7.4.2 prove closedness on a
/// bounded box only: no proof on finite data ([LMQ21]: a dense net with
/// N_2 = 2 and six points without optimum), hence none for the overall
/// verdict. The other theorems cover both domains (L_I not closed gives
/// Thm 7.3.3 and Thm 7.4.1; N_2 = 1 gives Thm 7.3.7 and Cor 7.4.4; affine
/// and constant spaces are closed everywhere).
CheckResult check_network_verdict(const Verdict& v, const std::vector<Support>& expected_layers, NetworkDomain domain);
// ---- end review -------------------------------------------------------------

/// Test hooks for Thm 7.4.2's subset reduction (not part of the decision API).
/// `rows` is I_1[S, :], one row per neuron of S (a multiset), with a full
/// N_2 x |S| second mask; each returned block B stands for L of (full N_2 x k, B).
namespace network_detail {
/// The prover's reduction (reduce_subset: R0, R1, R3, R4-ordered blocks).
std::vector<Support> prover_reduced_blocks(const Support& rows, std::size_t n2);
/// The checker's own reduction (blocks in the input's column order).
std::vector<Support> checker_reduced_blocks(const Support& rows, std::size_t n2);
/// The checker's matcher: true iff it finds a row and a column permutation
/// taking a to b and verifies them entry by entry.
bool blocks_equal_up_to_permutation(const Support& a, const Support& b);
}  // namespace network_detail

}  // namespace wellposed
