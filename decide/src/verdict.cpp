#include "wellposed/decide/verdict.hpp"

#include <stdexcept>

namespace wellposed {

std::string_view to_string(Closedness c) {
  switch (c) {
    case Closedness::closed: return "closed";
    case Closedness::not_closed: return "not_closed";
    case Closedness::unknown: return "unknown";
  }
  return "unknown";
}

std::string_view to_string(Question q) {
  switch (q) {
    case Question::closedness: return "closedness";
    case Question::membership: return "membership";
    case Question::attainment: return "attainment";
  }
  return "closedness";
}

std::optional<Closedness> closedness_from_string(std::string_view s) {
  if (s == "closed") return Closedness::closed;
  if (s == "not_closed") return Closedness::not_closed;
  if (s == "unknown") return Closedness::unknown;
  return std::nullopt;
}

// ---- trust label (issue 21) ----
std::string_view to_string(TrustLevel t) {
  switch (t) {
    case TrustLevel::none: return "none";
    case TrustLevel::one_solver: return "one-solver";
    case TrustLevel::two_solvers: return "two-solvers";
    case TrustLevel::proof: return "proof";
  }
  return "none";
}

std::optional<TrustLevel> trust_level_from_string(std::string_view s) {
  for (TrustLevel t : {TrustLevel::none, TrustLevel::one_solver, TrustLevel::two_solvers, TrustLevel::proof})
    if (s == to_string(t)) return t;
  return std::nullopt;
}

namespace {
nlohmann::json trust_json(const Trust& t) {
  return {{"level", std::string(to_string(t.level))}, {"solvers", t.solvers}, {"detail", t.detail}};
}
Trust trust_from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("level") || !j.at("level").is_string())
    throw std::invalid_argument("verdict: field 'trust' must be an object with a string 'level'");
  Trust t;
  auto l = trust_level_from_string(j.at("level").get<std::string>());
  if (!l)
    throw std::invalid_argument("verdict: field 'trust.level' is '" + j.at("level").get<std::string>() +
                                "', expected proof, two-solvers, one-solver or none");
  t.level = *l;
  if (j.contains("solvers") && j.at("solvers").is_string()) t.solvers = j.at("solvers").get<std::string>();
  if (j.contains("detail") && j.at("detail").is_string()) t.detail = j.at("detail").get<std::string>();
  return t;
}
}  // namespace
// ---- end trust label ----

namespace {
std::string_view answer_text(const Verdict& v) {
  if (v.question == Question::closedness) return to_string(v.closedness);
  return v.closedness == answer::yes ? "yes" : v.closedness == answer::no ? "no" : "unknown";
}
}  // namespace

nlohmann::json to_json(const Verdict& v, bool with_timings) {
  nlohmann::json j = {{"verdict", std::string(answer_text(v))},
                      {"method", v.method},
                      {"reason", v.reason},
                      {"certificate", v.certificate}};
  if (!v.explanation.empty()) j["explanation"] = v.explanation;
  if (v.question != Question::closedness) j["question"] = std::string(to_string(v.question));
  if (with_timings) j["seconds"] = v.seconds;
  j["trust"] = trust_json(v.trust);
  return j;
}

Verdict verdict_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::invalid_argument("verdict: expected a JSON object");
  auto field = [&](const char* name) -> const nlohmann::json& {
    if (!j.contains(name)) throw std::invalid_argument(std::string("verdict: missing field '") + name + "'");
    return j.at(name);
  };
  Verdict v;
  if (j.contains("question")) {
    const auto& q = j.at("question");
    if (!q.is_string()) throw std::invalid_argument("verdict: field 'question' must be a string");
    const auto s = q.get<std::string>();
    if (s == "membership") v.question = Question::membership;
    else if (s == "attainment") v.question = Question::attainment;
    else if (s != "closedness")
      throw std::invalid_argument("verdict: field 'question' is '" + s +
                                  "', expected closedness, membership or attainment");
  }
  const auto& verdict = field("verdict");
  if (!verdict.is_string()) throw std::invalid_argument("verdict: field 'verdict' must be a string");
  const auto text = verdict.get<std::string>();
  std::optional<Closedness> c;
  if (v.question == Question::closedness) {
    c = closedness_from_string(text);
  } else {
    if (text == "yes") c = answer::yes;
    if (text == "no") c = answer::no;
    if (text == "unknown") c = answer::unknown;
  }
  if (!c)
    throw std::invalid_argument("verdict: field 'verdict' is '" + text + "', expected " +
                                (v.question == Question::closedness ? "closed, not_closed or unknown"
                                                                    : "yes, no or unknown"));
  v.closedness = *c;
  if (!field("method").is_string()) throw std::invalid_argument("verdict: field 'method' must be a string");
  v.method = j.at("method").get<std::string>();
  if (j.contains("reason")) {
    if (!j.at("reason").is_string()) throw std::invalid_argument("verdict: field 'reason' must be a string");
    v.reason = j.at("reason").get<std::string>();
  }
  if (j.contains("explanation")) {
    if (!j.at("explanation").is_string())
      throw std::invalid_argument("verdict: field 'explanation' must be a string");
    v.explanation = j.at("explanation").get<std::string>();
  }
  if (j.contains("certificate")) v.certificate = j.at("certificate");
  if (j.contains("seconds")) {
    if (!j.at("seconds").is_number()) throw std::invalid_argument("verdict: field 'seconds' must be a number");
    v.seconds = j.at("seconds").get<double>();
  }
  if (j.contains("trust")) v.trust = trust_from_json(j.at("trust"));
  return v;
}

}  // namespace wellposed
