// libFuzzer harness: what `wellposed certify` does with a report file --
// parse it (parse_json_bounded), take each result (a `check --json` report or
// one verdict), rebuild the Verdict (verdict_from_json) and run the
// independent checker on it (check_certificate(const Verdict&)). Bad JSON and
// bad verdicts are refused with an exception; the checker itself must answer
// every certificate, however malformed, with a CheckResult (ok or a reason):
// it must never crash.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <wellposed/algebra/spec.hpp>
#include <wellposed/decide/checker.hpp>
#include <wellposed/decide/detail/exact_checker.hpp>
#include <wellposed/decide/verdict.hpp>

// An exact certificate re-runs solver queries in child processes: each input
// gets at most half a second of them, so no input can exceed the harness's
// -timeout through a solver (what the solver answers is not under test here).
// No second solver (WELLPOSED_SECOND_SOLVER is not read).
static wellposed::CertificateCheckOptions harness_options() {
  wellposed::CertificateCheckOptions o;
  o.exact_query_seconds = 0.5;
  o.second_solver = {};
  return o;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  nlohmann::json j;
  try {
    j = wellposed::parse_json_bounded(text, "fuzz.json");
  } catch (const wellposed::SpecError&) {
    return 0;
  }
  std::vector<const nlohmann::json*> items;
  if (j.is_object() && j.contains("results") && j["results"].is_array()) {
    for (const auto& r : j["results"]) items.push_back(&r);
  } else {
    items.push_back(&j);
  }
  for (const nlohmann::json* item : items) {
    wellposed::Verdict v;
    try {
      v = wellposed::verdict_from_json(*item);
    } catch (const std::exception&) {
      continue;  // refused as bad input (exit 2 in certify)
    }
    if (!v.decided()) continue;
    try {
      static const wellposed::CertificateCheckOptions options = harness_options();
      (void)wellposed::check_certificate(v, options);
    } catch (const std::exception&) {
      // certify reports an exception as bad input (exit 2): not a crash. A
      // checker that rejects with a CheckResult is preferred; see RESULTS.md.
    }
  }
  return 0;
}
