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
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/decide/verdict.hpp"

namespace wellposed {

struct CheckResult {
  bool ok = false;
  std::string reason;  ///< what was verified, or the first failure
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

}  // namespace wellposed
