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
  /// second solver (exact_checker.hpp, set_second_solver); else `one_solver`.
  Trust trust;
  explicit operator bool() const { return ok; }
};

/// Checks that `v` is decided, that its certificate proves v.closedness, and
/// that the certificate is about `arch`. Never throws on a malformed
/// certificate: that is a failed check.
CheckResult check_certificate(const Architecture& arch, const Verdict& v);

/// The same with the architecture taken from the certificate's "factors".
CheckResult check_certificate(const Verdict& v);

/// The certificate alone against a claimed answer and the chain's supports.
CheckResult check_certificate(const nlohmann::json& certificate, Closedness claimed,
                              const std::vector<Support>& factors);

/// Checks v against arch (as check_certificate) and, when it passes, sets
/// v.trust to what the check established. Returns the check's result.
CheckResult check_and_label(const Architecture& arch, Verdict& v);

/// `check --require LEVEL` (issue 21): a decided verdict whose trust label is
/// below `required` becomes unknown (method kept; reason says which level it
/// had and what it rests on; certificate dropped, as for every unknown).
/// Verdicts at or above the level, and unknown ones, are returned unchanged.
Verdict require_trust(Verdict v, TrustLevel required);

}  // namespace wellposed
