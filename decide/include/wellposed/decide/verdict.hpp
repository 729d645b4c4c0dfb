#pragma once
// The answer type of every closedness decision.
//
// "Unknown" is a real answer (STYLE item 2): a decider that could not prove
// either side says so, with the reason, instead of returning a bool that turns
// "could not tell" into "no".
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace wellposed {

/// closed      = L_I is closed = the support constraint is well-posed for every target (Prop 3.1.6);
/// not_closed  = some target has no best approximation (ill-posed);
/// unknown     = nothing was proven.
enum class Closedness { closed, not_closed, unknown };

std::string_view to_string(Closedness c);
/// Inverse of to_string ("closed", "not_closed", "unknown"); nullopt otherwise.
std::optional<Closedness> closedness_from_string(std::string_view s);

// ---- trust label (issue 21; docs/trust.md) --------------------------------
/// What a decided verdict rests on, weakest first: a level meets a
/// requirement iff it is >= the required one (require_trust, checker.hpp).
///   proof        exact arithmetic plus cited theorems, no solver;
///   two_solvers  every solver answer re-decided, with the same result, by a
///                second, different solver (both named in Trust::solvers);
///   one_solver   at least one step rests on one solver's answer (named, version);
///   none         not labelled (unknown, or not yet checked).
enum class TrustLevel { none, one_solver, two_solvers, proof };
std::string_view to_string(TrustLevel t);  ///< "none", "one-solver", "two-solvers", "proof"
std::optional<TrustLevel> trust_level_from_string(std::string_view s);
struct Trust {
  TrustLevel level = TrustLevel::none;
  std::string solvers;  ///< e.g. "z3 4.8.12" or "z3 4.8.12 + z3-solver (npm, wasm) 4.13.0"; empty for proof
  std::string detail;   ///< what the level rests on, e.g. "non-membership: Nullstellensatz (Singular 4.3.1p3)"
};
// ---------------------------------------------------------------------------

struct Verdict {
  Closedness closedness = Closedness::unknown;
  /// The method that decided (e.g. "lu-pattern (Thm 4.3.1)"), or the last one tried.
  std::string method;
  /// Why: the hypothesis that held, or, for unknown, what was missing.
  std::string reason;
  /// Re-checkable evidence, serializable as JSON (empty for unknown).
  nlohmann::json certificate;
  double seconds = 0.0;
  /// What the verdict rests on, as established by the checker (CheckResult::trust).
  Trust trust;

  bool decided() const { return closedness != Closedness::unknown; }
};

nlohmann::json to_json(const Verdict& v);
/// Throws std::invalid_argument naming the missing or ill-typed field.
Verdict verdict_from_json(const nlohmann::json& j);

}  // namespace wellposed
