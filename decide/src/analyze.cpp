#include "wellposed/decide/analyze.hpp"

#include <chrono>
#include <mutex>

#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/detectors.hpp"

namespace wellposed {

namespace {

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}
std::vector<NamedExactDecider>& registry() {
  static std::vector<NamedExactDecider> r;
  return r;
}

using clock_type = std::chrono::steady_clock;
double since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }

}  // namespace

void register_exact_decider(std::string name, ExactDecider decider) {
  std::lock_guard lock(registry_mutex());
  registry().push_back({std::move(name), std::move(decider)});
}

void clear_exact_deciders() {
  std::lock_guard lock(registry_mutex());
  registry().clear();
}

std::vector<NamedExactDecider> registered_exact_deciders() {
  std::lock_guard lock(registry_mutex());
  return registry();
}

Analysis analyze(const Architecture& arch, const AnalyzeOptions& options) {
  const auto t0 = clock_type::now();
  Analysis out;
  // Returns true when v is decided and its certificate passes the checker.
  auto accept = [&](const Verdict& v) {
    if (!v.decided()) return false;
    const auto tc = clock_type::now();
    const auto res = check_certificate(arch, v);
    out.stages.push_back({"check", since(tc), res.ok ? "passed: " + res.reason : "rejected: " + res.reason});
    if (res.ok) {
      out.verdict = v;
      out.check = res.reason;
    }
    return res.ok;
  };

  const auto td = clock_type::now();
  Verdict d = detect(arch);
  out.stages.push_back({"detectors", since(td), std::string(to_string(d.closedness)) + ": " + d.method});
  std::string why = d.decided() ? "" : d.reason;
  if (accept(d)) {
    out.verdict.seconds = since(t0);
    return out;
  }
  if (d.decided()) why = "internal error: a detector's certificate failed the checker (" + out.stages.back().outcome + ")";

  const auto deciders = options.exact_deciders ? *options.exact_deciders : registered_exact_deciders();
  bool tried_exact = false;
  for (const auto& e : deciders) {
    const double left = options.budget_seconds - since(t0);
    if (left <= 0) break;
    tried_exact = true;
    const auto te = clock_type::now();
    Verdict v = e.decide(arch, left);
    out.stages.push_back({"exact:" + e.name, since(te), std::string(to_string(v.closedness)) + ": " + v.reason});
    if (accept(v)) {
      out.verdict.seconds = since(t0);
      return out;
    }
    why += "; " + e.name + ": " + (v.decided() ? "certificate rejected by the checker" : v.reason);
  }
  out.verdict = Verdict{};
  out.verdict.closedness = Closedness::unknown;
  out.verdict.method = "analyze";
  out.verdict.reason = tried_exact ? "no detector applies; exact route undecided within the budget (" + why + ")"
                                   : "no detector applies; exact route not available (" + why + ")";
  out.verdict.seconds = since(t0);
  return out;
}

Analysis analyze(const Architecture& arch, double budget_seconds) {
  AnalyzeOptions o;
  o.budget_seconds = budget_seconds;
  return analyze(arch, o);
}

nlohmann::json to_json(const Analysis& a) {
  nlohmann::json st = nlohmann::json::array();
  for (const auto& s : a.stages) st.push_back({{"stage", s.stage}, {"seconds", s.seconds}, {"outcome", s.outcome}});
  auto j = to_json(a.verdict);
  j["stages"] = st;
  j["check"] = a.check;
  return j;
}

}  // namespace wellposed
