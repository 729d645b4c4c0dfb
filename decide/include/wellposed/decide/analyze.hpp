#pragma once
// analyze(): the one function a user calls to decide whether an architecture
// is well-posed (L_I closed, Prop 3.1.6).
//
// Stages: (1) the polynomial-time detectors (detectors.hpp), in milliseconds;
// (2) the exact route (Z3, exact.hpp) within the remaining budget -- ON by
// default, nothing to register. Every decided verdict leaves analyze() only
// after ONE check of its certificate by the independent checker (checker.hpp),
// inside the same budget; a verdict whose certificate fails is returned as
// unknown (never as a decision): "certificate not verified within the budget"
// when the check ran out of time, otherwise the checker's rejection.
//
// Budget: `budget_seconds` bounds the whole call, check included. The exact
// route gets 60% of what the detectors leave; its check gets what is left
// after the decision. Solver queries that may ignore an interrupt run in
// child processes killed at their deadline (deadline_solve.hpp), so the call
// returns within the budget plus the time to reap a child (measured in
// bench/RESULTS.md, "analyze() budget overshoot").
//
// Extension point: an ExactDecider is any callable (architecture, seconds
// left) -> Verdict; pass a list in AnalyzeOptions to replace the default
// route (an empty list disables the exact route, e.g. in tests). Its decided
// verdicts must carry a certificate of a kind checker.cpp knows; unknown kinds
// are rejected by the checker and downgraded.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/verdict.hpp"

namespace wellposed {

/// (architecture, seconds left in the budget) -> verdict. Must return within
/// about the given time (unknown on timeout) and be safe to call concurrently.
using ExactDecider = std::function<Verdict(const Architecture&, double seconds_left)>;

struct NamedExactDecider {
  std::string name;
  ExactDecider decide;
};

/// The default exact route: decide_closedness_exact (exact.hpp) with 60% of
/// the time it is given, named "z3".
NamedExactDecider z3_exact_decider();

struct AnalyzeOptions {
  /// Wall-clock bound on the whole call (detectors, exact route, check).
  double budget_seconds = 10.0;
  /// nullopt: the default exact route ({z3_exact_decider()}); otherwise
  /// exactly these deciders, in order (empty: detectors only).
  std::optional<std::vector<NamedExactDecider>> exact_deciders;
  /// How the one check of a decided verdict runs (second solver, re-check
  /// cap); its re-check budget is further capped by what is left of
  /// budget_seconds.
  CertificateCheckOptions check;

  /// Optional progress callback (issue 23 item 3): called on the calling
  /// thread at the start of each stage ("polynomial-time detectors",
  /// "exact route (z3)", "checking the certificate") with the seconds left in
  /// the budget, an upper bound on what the stage may take. Must not throw.
  std::function<void(const std::string& stage, double seconds_left)> progress;
};

struct StageTiming {
  std::string stage;    ///< "detectors", "check", or "exact:<name>"
  double seconds = 0;
  std::string outcome;  ///< closed / not_closed / unknown / passed / rejected, and why (no timings)
};

struct Analysis {
  Verdict verdict;                  ///< decided only with a certificate that passed the checker
  std::vector<StageTiming> stages;  ///< time per stage, in order
  std::string check;                ///< the checker's account of the certificate (empty if unknown)
};

Analysis analyze(const Architecture& arch, const AnalyzeOptions& options);
Analysis analyze(const Architecture& arch, double budget_seconds = 10.0);

/// to_json(verdict) plus "stages" and "check"; with_timings = false leaves
/// every "seconds" out (byte-stable reports).
nlohmann::json to_json(const Analysis& a, bool with_timings = true);

}  // namespace wellposed
