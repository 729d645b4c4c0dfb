#include "wellposed/decide/analyze.hpp"

#include <chrono>

#include "gate.hpp"
#include "wellposed/decide/detectors.hpp"
#include "wellposed/decide/explain.hpp"

namespace wellposed {

namespace {
using clock_type = std::chrono::steady_clock;
double since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }
}  // namespace

namespace {
Analysis analyze_impl(const Architecture& arch, const AnalyzeOptions& options) {
  const auto t0 = clock_type::now();
  const double budget = options.budget_seconds;
  Analysis out;
  // The one gate (gate.hpp): true when v is decided and its certificate
  // passed, within what is left of the budget.
  auto accept = [&](Verdict v) {
    if (!v.decided()) return false;
    if (options.progress) options.progress("checking the certificate", budget - since(t0));
    const detail::GateResult g = detail::gate(v, arch, budget - since(t0), options.check);
    out.stages.push_back({"check", g.seconds, g.passed ? "passed: " + g.account : "not passed: " + v.reason});
    if (g.passed) {
      out.verdict = std::move(v);
      out.check = g.account;
    }
    return g.passed;
  };

  const auto td = clock_type::now();
  if (options.progress) options.progress("polynomial-time detectors", budget);
  Verdict d = detect(arch);
  out.stages.push_back({"detectors", since(td), std::string(to_string(d.closedness)) + ": " + d.method});
  std::string why = d.decided() ? "" : d.reason;
  if (accept(d)) {
    out.verdict.seconds = since(t0);
    return out;
  }
  if (d.decided()) why = "a detector's certificate did not pass the checker (" + out.stages.back().outcome + ")";

  const auto deciders = options.exact_deciders ? *options.exact_deciders : std::vector<NamedExactDecider>{z3_exact_decider()};
  bool tried_exact = false;
  std::string not_verified_method;  // a decision whose check ran out of time
  for (const auto& e : deciders) {
    const double left = budget - since(t0);
    if (left <= 0) break;
    tried_exact = true;
    if (options.progress) options.progress("exact route (" + e.name + ")", left);
    const auto te = clock_type::now();
    Verdict v = e.decide(arch, left);
    // A budget a decider wrote into its certificate is not the gate's: the
    // gate gives the check what is left of this call's budget.
    if (v.certificate.is_object()) v.certificate.erase("check_seconds");
    out.stages.push_back({"exact:" + e.name, since(te), std::string(to_string(v.closedness)) + ": " +
                                                            (v.decided() ? v.method : v.reason)});
    const std::string method = v.method;
    if (accept(v)) {
      out.verdict.seconds = since(t0);
      return out;
    }
    if (v.decided() && out.stages.back().outcome == std::string("not passed: ") + detail::kNotVerifiedWithinBudget)
      not_verified_method = method;
    why += "; " + e.name + ": " + (v.decided() ? out.stages.back().outcome : v.reason);
  }
  out.verdict = Verdict{};
  out.verdict.closedness = Closedness::unknown;
  out.verdict.method = "analyze";
  // A decision whose certificate could not be checked in time: unknown, and
  // the reason says exactly that (issue 20 B10), whatever else was tried.
  if (!not_verified_method.empty()) {
    out.verdict.reason = std::string(detail::kNotVerifiedWithinBudget) + " (" + not_verified_method + ")";
    out.verdict.seconds = since(t0);
    return out;
  }
  out.verdict.reason = tried_exact ? "no detector applies; exact route undecided within the budget (" + why + ")"
                                   : deciders.empty() ? "no detector applies; exact route not available (" + why + ")"
                                                      : "no detector applies; no time left for the exact route (" + why + ")";
  out.verdict.seconds = since(t0);
  return out;
}
}  // namespace

Analysis analyze(const Architecture& arch, const AnalyzeOptions& options) {
  Analysis out = analyze_impl(arch, options);
  // Every route (detector, exact, unknown) leaves with one explanation (issue 23).
  out.verdict.explanation = explain(out.verdict, arch);
  return out;
}

Analysis analyze(const Architecture& arch, double budget_seconds) {
  AnalyzeOptions o;
  o.budget_seconds = budget_seconds;
  return analyze(arch, o);
}

nlohmann::json to_json(const Analysis& a, bool with_timings) {
  nlohmann::json st = nlohmann::json::array();
  for (const auto& s : a.stages) {
    nlohmann::json j = {{"stage", s.stage}, {"outcome", s.outcome}};
    if (with_timings) j["seconds"] = s.seconds;
    st.push_back(j);
  }
  auto j = to_json(a.verdict, with_timings);
  j["stages"] = st;
  j["check"] = a.check;
  return j;
}

}  // namespace wellposed
