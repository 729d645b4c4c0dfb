#pragma once
// analyze(): the one function a user calls to decide whether an architecture
// is well-posed (L_I closed, Prop 3.1.6).
//
// Stages: (1) the polynomial-time detectors (detectors.hpp), in milliseconds;
// (2) the exact deciders (extension point below) within the remaining budget.
// Every decided verdict is re-verified by the independent checker before it
// is returned; a verdict whose certificate fails is a bug and is returned as
// unknown with the checker's reason (never as a decision).
//
// Extension point for the exact route (issue 3, Z3): an ExactDecider is any
// callable (architecture, seconds left) -> Verdict. Register it once with
// register_exact_decider(), or pass deciders in AnalyzeOptions. Its decided
// verdicts must carry a certificate of a kind checker.cpp knows (issue 3 adds
// its kind there); unknown kinds are rejected by the checker and downgraded.
// Without any exact decider, analyze() returns unknown with the reason
// "no detector applies; exact route not available".
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/decide/verdict.hpp"

namespace wellposed {

/// (architecture, seconds left in the budget) -> verdict. Must return within
/// about the given time (unknown on timeout) and be safe to call concurrently.
using ExactDecider = std::function<Verdict(const Architecture&, double seconds_left)>;

struct NamedExactDecider {
  std::string name;
  ExactDecider decide;
};

/// Adds a decider to the process-wide registry (thread-safe); tried in order.
void register_exact_decider(std::string name, ExactDecider decider);
/// Removes every registered decider (tests).
void clear_exact_deciders();
std::vector<NamedExactDecider> registered_exact_deciders();

struct AnalyzeOptions {
  double budget_seconds = 10.0;
  /// nullopt: use the registry; otherwise exactly these deciders.
  std::optional<std::vector<NamedExactDecider>> exact_deciders;
};

struct StageTiming {
  std::string stage;    ///< "detectors", "check", or "exact:<name>"
  double seconds = 0;
  std::string outcome;  ///< closed / not_closed / unknown / rejected, and why
};

struct Analysis {
  Verdict verdict;                  ///< decided only with a certificate that passed the checker
  std::vector<StageTiming> stages;  ///< time per stage, in order
  std::string check;                ///< the checker's account of the certificate (empty if unknown)
};

Analysis analyze(const Architecture& arch, const AnalyzeOptions& options);
Analysis analyze(const Architecture& arch, double budget_seconds = 10.0);

nlohmann::json to_json(const Analysis& a);

}  // namespace wellposed
