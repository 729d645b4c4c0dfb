#pragma once
// Checker of route 0d "merge" (issue 24 item 5), separate from
// checker_exact.cpp, which only dispatches here (certificates with a
// "merged" field). Independent of the prover (chain_merge.cpp): it trims the
// architecture's own supports to complete paths with its own code, re-checks
// each step's hypothesis, recomputes the merged supports, compares them with
// the certificate's, and then checks the shorter chain's certificate with
// check_certificate against the supports it computed itself.
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/support.hpp"
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/verdict.hpp"

namespace wellposed::detail {

CheckResult check_merged_certificate(const nlohmann::json& certificate, Closedness claimed,
                                     const std::vector<Support>& factors, const CertificateCheckOptions& o);

}  // namespace wellposed::detail
