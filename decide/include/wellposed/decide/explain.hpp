#pragma once
// Explanations a person can act on (issue 23 item 1).
//
// explain() writes Verdict::explanation: ONE plain sentence first, in the
// user's terms ("well-posed: ...", "ill-posed: some targets have no best
// approximation; e.g. ...", "unknown: ..."), with the concrete rows, columns
// and inner units where the certificate names them, then the theorem and the
// section of docs/theory.md that states it. It reads only the verdict (its
// method, reason and certificate) and the architecture's shape; it decides
// nothing and never changes the answer. `reason` keeps the technical account.
//
// Index convention (the same as the certificates and `check --json`): rows,
// columns and inner units are 0-based; factors are named X_1..X_L left to
// right (A = X_1 ... X_L); network layers are named as PyTorch users read
// them, W1 the first layer (input side), units 0-based.
//
// Every public entry point that returns a closedness / membership /
// attainment verdict (analyze, detect, the detectors, decide_closedness_exact,
// decide_membership, decide_attainment, analyze_network, require_trust) fills
// the field through this one function.
#include <string>
#include <vector>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/algebra/network.hpp"
#include "wellposed/decide/verdict.hpp"

namespace wellposed {

/// The explanation of a verdict about the architecture `arch`.
std::string explain(const Verdict& v, const Architecture& arch);
/// The same without the architecture (counts read from the certificate only).
std::string explain(const Verdict& v);
/// A verdict about the function space F_I of a ReLU network (thesis Ch. 7):
/// layers named W1 (first, input side) .. WL.
std::string explain(const Verdict& v, const ReluNetwork& net);

/// The anchor in docs/theory.md of the theorem behind `method` (e.g.
/// "lu-pattern"); empty when the method string is not known to this
/// function (a test keeps every method the library emits covered).
std::string theory_anchor(const std::string& method);

}  // namespace wellposed
