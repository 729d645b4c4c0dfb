// The one soundness gate (gate.hpp).
#include "gate.hpp"

#include <chrono>
#include <optional>

#include "check_context.hpp"
#include "network_common.hpp"

#include "wellposed/decide/explain.hpp"

namespace wellposed::detail {

namespace {
thread_local CheckMemoScope* t_memo = nullptr;

bool is_exact_kind(const nlohmann::json& c) {
  return c.is_object() && c.contains("kind") && c["kind"].is_string() && c["kind"].get<std::string>().rfind("exact_", 0) == 0;
}

std::string supports_key(const std::vector<Support>& f) {
  std::string k;
  for (const auto& s : f) {
    k += std::to_string(s.rows()) + "x" + std::to_string(s.cols()) + ":";
    for (const auto& r : s.to_rows()) k += r + "/";
    k += ";";
  }
  return k;
}

// A failed check because the re-run queries did not finish in time (the
// exact checker's words: "certificate not verified").
bool ran_out_of_time(const CheckResult& r) {
  return r.reason.find("not verified") != std::string::npos || r.reason.find("budget") != std::string::npos;
}

GateResult gate_with(Verdict& v, const std::vector<Support>* factors, const Architecture* arch, double seconds_left,
                     const CertificateCheckOptions& o, std::optional<NetworkDomain> domain = std::nullopt) {
  GateResult g;
  if (!v.decided()) return g;
  const auto t0 = std::chrono::steady_clock::now();
  CheckResult r;
  std::optional<std::string> out_of_domain;
  if (domain) out_of_domain = network_common::domain_refusal(v.certificate, v.closedness, *domain);
  if (out_of_domain) {
    r = {false, *out_of_domain};
  } else if (is_exact_kind(v.certificate) && !(seconds_left > 0)) {
    r = {false, "no time left in the budget: certificate not verified"};
  } else if (factors) {
    r = check_once(v.certificate, v.closedness, *factors, seconds_left, &o);
  } else if (arch) {
    Verdict copy = v;
    if (is_exact_kind(copy.certificate) && seconds_left < 1e300) copy.certificate["check_seconds"] = seconds_left;
    r = check_certificate(*arch, copy, o);
  } else {
    // Supports from the certificate; check_certificate(Verdict) dispatches
    // every kind, "relu_network" included.
    Verdict copy = v;
    if (is_exact_kind(copy.certificate) && seconds_left < 1e300) copy.certificate["check_seconds"] = seconds_left;
    r = check_certificate(copy, o);
  }
  g.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  g.passed = r.ok;
  g.account = r.reason;
  if (r.ok) v.trust = r.trust;  // what the verdict rests on (issue 21, docs/trust.md)
  if (!r.ok) {
    const std::string method = v.method;
    const double secs = v.seconds;
    const Question q = v.question;
    v = Verdict{};
    v.method = method;
    v.seconds = secs;
    v.question = q;
    v.reason = ran_out_of_time(r) ? std::string(kNotVerifiedWithinBudget)
                                  : "internal error: the certificate was rejected by the checker (" + r.reason + ")";
  }
  // The explanation is written after the check, from what leaves the gate
  // (explain.hpp): a verdict downgraded here is explained as unknown.
  v.explanation = arch ? explain(v, *arch) : explain(v);
  return g;
}
}  // namespace

CheckMemoScope::CheckMemoScope() : outer_(t_memo) { t_memo = this; }
CheckMemoScope::~CheckMemoScope() { t_memo = outer_; }

CheckResult check_once(const nlohmann::json& certificate, Closedness claimed, const std::vector<Support>& factors,
                       double seconds_left, const CertificateCheckOptions* options) {
  const CertificateCheckOptions& o = options ? *options : current_check_options();
  std::tuple<int, std::string, std::string> key;
  if (t_memo) {
    key = {static_cast<int>(claimed), supports_key(factors), certificate.dump()};
    auto it = t_memo->results_.find(key);
    if (it != t_memo->results_.end()) return it->second;
  }
  CheckResult r;
  if (is_exact_kind(certificate) && seconds_left < 1e300) {
    nlohmann::json c = certificate;
    c["check_seconds"] = seconds_left > 0 ? seconds_left : 0.0;
    r = check_certificate(c, claimed, factors, o);
  } else {
    r = check_certificate(certificate, claimed, factors, o);
  }
  // A check that ran out of time says nothing about the certificate: not
  // remembered, so a later check with more time may still pass it.
  if (t_memo && (r.ok || !ran_out_of_time(r))) t_memo->results_.emplace(std::move(key), r);
  return r;
}

GateResult gate(Verdict& v, const std::vector<Support>& factors, double seconds_left, const CertificateCheckOptions& o) {
  return gate_with(v, &factors, nullptr, seconds_left, o);
}

GateResult gate(Verdict& v, const std::vector<Support>& layers, NetworkDomain domain, double seconds_left,
                const CertificateCheckOptions& o) {
  return gate_with(v, &layers, nullptr, seconds_left, o, domain);
}

GateResult gate(Verdict& v, const Architecture& arch, double seconds_left, const CertificateCheckOptions& o) {
  return gate_with(v, nullptr, &arch, seconds_left, o);
}

GateResult gate(Verdict& v, double seconds_left, const CertificateCheckOptions& o) {
  return gate_with(v, nullptr, nullptr, seconds_left, o);
}

}  // namespace wellposed::detail
