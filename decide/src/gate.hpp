#pragma once
// Internal (not installed): THE soundness gate (issue 18 item 2). Every
// decided verdict leaves the library through gate(): one check of its
// certificate by the independent checker (checker.hpp), inside what is left
// of the caller's wall-clock budget. analyze() and analyze_network() call it;
// nothing else checks a verdict on its way out (the CLI prints what the
// library returns).
//
// Guarantees:
//  * A verdict that passes keeps its answer and certificate; `account` is the
//    checker's account of what it verified.
//  * A verdict that fails becomes unknown. If the check could not finish
//    within the budget (an exact certificate re-runs solver queries under
//    hard deadlines, deadline_solve.hpp), the reason is exactly
//    "certificate not verified within the budget" -- never a claim that the
//    certificate is wrong, never a pass. Otherwise the reason names the
//    checker's rejection (an internal error: a prover's certificate failed).
//  * Exactly one check per certificate per decision: nested certificates
//    (a "relu_network" certificate carrying the L_I certificate or the
//    Thm 7.4.2 problems' certificates) go through check_once(), which reuses
//    the result of an earlier gate within the same CheckMemoScope.
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/support.hpp"
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/network.hpp"
#include "wellposed/decide/verdict.hpp"

#include "wellposed/algebra/architecture.hpp"

namespace wellposed::detail {

/// The reason of a verdict whose check did not finish within the budget.
inline constexpr const char* kNotVerifiedWithinBudget = "certificate not verified within the budget";

/// While alive, check_once() on this thread remembers every result: a
/// certificate met again (same claim, same supports, same JSON) is not
/// re-checked. Scopes nest (the inner one is used).
class CheckMemoScope {
 public:
  CheckMemoScope();
  ~CheckMemoScope();
  CheckMemoScope(const CheckMemoScope&) = delete;
  CheckMemoScope& operator=(const CheckMemoScope&) = delete;

 private:
  friend CheckResult check_once(const nlohmann::json&, Closedness, const std::vector<Support>&, double,
                                const CertificateCheckOptions*);
  std::map<std::tuple<int, std::string, std::string>, CheckResult> results_;
  CheckMemoScope* outer_;
};

/// check_certificate(certificate, claimed, factors, o), through the memo of the
/// innermost CheckMemoScope of this thread if there is one. An exact
/// certificate ("exact_*") gets at most `seconds_left` for its re-run queries.
/// Without `o`: the options of the check in progress on this thread
/// (check_context.hpp), else the defaults.
CheckResult check_once(const nlohmann::json& certificate, Closedness claimed, const std::vector<Support>& factors,
                       double seconds_left = std::numeric_limits<double>::infinity(),
                       const CertificateCheckOptions* o = nullptr);

struct GateResult {
  bool passed = false;
  std::string account;  ///< the checker's account (passed) or why not
  double seconds = 0;   ///< time spent checking
};

/// The gate for a verdict about the chain `factors` (a "relu_network"
/// certificate: the network's layers, input to output, as in the
/// certificate). An undecided verdict passes through untouched (passed =
/// false, empty account). A decided verdict that fails is turned into unknown
/// (see above); `seconds_left` bounds the check's solver time.
GateResult gate(Verdict& v, const std::vector<Support>& factors, double seconds_left,
                const CertificateCheckOptions& o = {});

/// The gate for a verdict about a ReLU network's function space on `domain`
/// (analyze_network's domain verdicts): as gate(v, layers, ...), and first a
/// certificate whose theorem does not cover `domain` (a box-only theorem for
/// finite data or both domains: network_common::domain_refusal) fails, as a
/// rejected certificate does. Without it the gate checked the certificate
/// but not the domain its verdict claims.
GateResult gate(Verdict& v, const std::vector<Support>& layers, NetworkDomain domain, double seconds_left,
                const CertificateCheckOptions& o = {});

/// The gate for a verdict about `arch`: the checker compares the
/// certificate with the architecture itself, a family on its parameters
/// (no mask is built for a structural family; issue 18 item 6).
GateResult gate(Verdict& v, const Architecture& arch, double seconds_left, const CertificateCheckOptions& o = {});

/// The same, with the supports taken from the certificate itself (a
/// "relu_network" certificate, or any certificate with "factors").
GateResult gate(Verdict& v, double seconds_left, const CertificateCheckOptions& o = {});

}  // namespace wellposed::detail
