#pragma once
// The one answer type of every decision in the library: closedness of L_I,
// membership of a target, attainment for an instance.
//
// "Unknown" is a real answer (STYLE item 2): a decider that could not prove
// either side says so, with the reason, instead of returning a bool that turns
// "could not tell" into "no". The answer, the method, the reason, the
// certificate and the timing are separate fields: a reason never carries a
// timing, so two runs that decide the same way give the same text.
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace wellposed {

/// The three-valued answer. For the question "is L_I closed?":
/// closed      = L_I is closed = the support constraint is well-posed for every target (Prop 3.1.6);
/// not_closed  = some target has no best approximation (ill-posed);
/// unknown     = nothing was proven.
/// For the yes/no questions (Question::membership, Question::attainment)
/// closed reads "yes" and not_closed reads "no" (answer::yes, answer::no);
/// the JSON form spells them "yes" / "no".
enum class Closedness { closed, not_closed, unknown };

/// The question a Verdict answers.
enum class Question {
  closedness,  ///< is L_I closed? (analyze, decide_closedness_exact, detectors)
  membership,  ///< is the target A in L_I? (decide_membership)
  attainment,  ///< does min_X ||A - X_1...X_L|| have a minimizer? (decide_attainment)
};

namespace answer {
inline constexpr Closedness yes = Closedness::closed;
inline constexpr Closedness no = Closedness::not_closed;
inline constexpr Closedness unknown = Closedness::unknown;
}  // namespace answer

std::string_view to_string(Closedness c);
std::string_view to_string(Question q);
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
  /// Why: the hypothesis that held, or, for unknown, what was missing. No timings.
  std::string reason;
  /// One plain sentence a person can act on, in the user's terms (issue 23):
  /// what holds and, where known, which rows / columns / units form it.
  /// Written by explain() (explain.hpp) on every verdict the library's
  /// decision functions return; empty only for a Verdict built by hand or
  /// read from an older report. `reason` keeps the technical account.
  std::string explanation;
  /// Re-checkable evidence, serializable as JSON (empty for unknown).
  nlohmann::json certificate;
  /// Wall-clock seconds the decision took (its own field: never inside `reason`).
  double seconds = 0.0;
  /// What the verdict rests on, as established by the checker (CheckResult::trust).
  Trust trust;
  Question question = Question::closedness;

  bool decided() const { return closedness != Closedness::unknown; }
};

/// {"verdict", "method", "reason", "certificate", "seconds", "trust"} (+ "explanation" when
/// non-empty, + "question" for
/// membership / attainment, whose "verdict" is "yes" / "no" / "unknown").
/// with_timings = false leaves "seconds" out (byte-stable reports).
nlohmann::json to_json(const Verdict& v, bool with_timings = true);
/// Throws std::invalid_argument naming the missing or ill-typed field.
Verdict verdict_from_json(const nlohmann::json& j);

}  // namespace wellposed
