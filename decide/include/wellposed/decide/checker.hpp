#pragma once
// The independent certificate checker (STYLE item 5).
//
// Shares no code with the provers beyond the algebra types (Support) and the
// JSON/rational libraries: it parses the certificate itself and re-verifies
// it in exact rational arithmetic (boost::multiprecision over GMP):
//  * the certificate's supports are the architecture's;
//  * every factor entry of a sequence or witness lies in its support;
//  * partitions are partitions and their rectangles are disjoint / equal as
//    claimed, re-derived from the masks;
//  * the sequence identity X_1(t)...X_L(t) - A = residual(t): both sides are
//    Laurent polynomials with exponents in a range of width D, so agreement
//    at D + 1 distinct t (t = 1/2, 1/3, ...) proves it; it evaluates there;
//  * "A is not a product" by the stated equations, whose "only in S_k"
//    premises it recomputes from the masks;
//  * Kronecker masks, chainability arithmetic and the redundancy reduction.
// What it does not re-prove are the cited theorems themselves (Thm 5.2.3,
// 5.2.9, Cor 6.5.12, the trivial-family lemmas): it checks their hypotheses.
// Certificates of an unknown kind are rejected (the exact route of issue 3
// must add its kind here).
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/decide/verdict.hpp"

namespace wellposed {

struct CheckResult {
  CheckResult() = default;
  CheckResult(bool ok_, std::string reason_, Trust trust_ = {})
      : ok(ok_), reason(std::move(reason_)), trust(std::move(trust_)) {}
  bool ok = false;
  std::string reason;  ///< what was verified, or the first failure
  /// What the verified claim rests on (ok only): `proof` for the detector
  /// kinds (exact arithmetic + cited theorems) and for exact certificates
  /// whose every step was re-derived without a solver (Nullstellensatz
  /// non-membership, exact sequences, the determinantal route);
  /// `two_solvers` when every solver answer was re-decided alike by the
  /// second solver (CertificateCheckOptions::second_solver); else `one_solver`.
  Trust trust;
  explicit operator bool() const { return ok; }
};

/// The second solver (issue 21): every solver query the exact checker
/// (exact_checker.hpp) re-runs on Z3 (the system libz3) is also re-decided by
/// a different solver, a newer Z3 built to WebAssembly (npm z3-solver,
/// tools/z3js/solve.js, run by Node.js), in one batch per certificate.
/// Agreement on every query labels the result two-solvers; a contrary
/// definite answer fails the check ("the solvers disagree"); a time-out, no
/// time left in the re-check budget or a missing Node.js leaves it
/// one-solver. Off unless `script` is set.
struct SecondSolverOptions {
  std::string script;         ///< path of tools/z3js/solve.js; empty: off
  std::string node = "node";  ///< the Node.js executable (PATH is searched)
  double seconds = 60.0;      ///< budget of one certificate's batch (capped by the re-check budget left)
  /// `script` from the environment variable WELLPOSED_SECOND_SOLVER (empty: off).
  static SecondSolverOptions from_environment();
};

/// How a certificate is checked (issue 18 item 4: options, no process-global
/// setters). Passed to every check_certificate overload; a check nested in
/// another (a ReLU network certificate carrying an L_I certificate) uses the
/// outer call's options.
struct CertificateCheckOptions {
  /// The re-check budget of an exact certificate ("exact_*"): total seconds
  /// all its re-run solver queries may take together. A certificate may ask
  /// for less with "check_seconds" (analyze() writes the budget left for
  /// its check there); never more than this cap. A re-run that does not
  /// finish within it is a failed check ("certificate not verified"), never
  /// a pass. The deadline is hard: each query runs in a child process
  /// killed when the budget is spent.
  double exact_query_seconds = 60.0;
  /// Default: SecondSolverOptions::from_environment().
  SecondSolverOptions second_solver = SecondSolverOptions::from_environment();
};

/// Checks that `v` is decided, that its certificate proves v.closedness, and
/// that the certificate is about `arch`. Never throws on a malformed
/// certificate: that is a failed check.
CheckResult check_certificate(const Architecture& arch, const Verdict& v, const CertificateCheckOptions& o = {});

/// The same with the architecture taken from the certificate's "factors".
/// A "relu_network" certificate: the verdict says no domain, so it is read
/// as the claim about both (finite data and the bounded box): a box-only
/// theorem (Cor 7.4.3, Thm 7.4.2) fails. check_network_verdict takes a domain.
CheckResult check_certificate(const Verdict& v, const CertificateCheckOptions& o = {});

/// The certificate alone against a claimed answer and the chain's supports.
CheckResult check_certificate(const nlohmann::json& certificate, Closedness claimed,
                              const std::vector<Support>& factors, const CertificateCheckOptions& o = {});

/// Checks v against arch (as check_certificate) and, when it passes, sets
/// v.trust to what the check established. Returns the check's result.
CheckResult check_and_label(const Architecture& arch, Verdict& v, const CertificateCheckOptions& o = {});

/// `check --require LEVEL` (issue 21): a decided verdict whose trust label is
/// below `required` becomes unknown (method kept; reason says which level it
/// had and what it rests on; certificate dropped, as for every unknown).
/// Verdicts at or above the level, and unknown ones, are returned unchanged.
Verdict require_trust(Verdict v, TrustLevel required);

}  // namespace wellposed
