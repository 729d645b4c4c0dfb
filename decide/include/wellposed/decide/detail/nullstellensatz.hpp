#pragma once
// Nullstellensatz certificates of infeasibility (issue 21): polynomials g_i
// with sum_i g_i f_i = 1 prove that f_1 = ... = f_s = 0 has no solution over
// C, hence none over R (Hilbert's weak Nullstellensatz gives the converse:
// such g_i exist exactly when the system is infeasible over C). Checking the
// identity is exact polynomial arithmetic over Q; no solver is trusted.
//
// The cofactors are computed by Singular (Debian package `singular`), run as
// a separate process with a hard deadline: a Groebner basis of the ideal
// (std) decides whether 1 is in it, and `lift` expresses 1 in the f_i. A
// missing Singular, a time-out, a feasible system or output this parser does
// not recognise all give "no certificate" (the caller keeps its other
// evidence); the identity is re-checked here before anything is returned,
// and again by the independent checker (checker_exact.cpp).
//
// Forced non-zeros (p != 0) enter by Rabinowitsch's trick, f = 1 - z p with a
// fresh variable z; the non-membership systems of the exact route need none,
// because their targets fix every non-zero entry to a value (P_ij = 1).
#include <array>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/polynomial.hpp"

namespace wellposed {

struct NullstellensatzOptions {
  double seconds = 5.0;              ///< wall-clock budget of the Singular run
  std::string program = "Singular";  ///< searched in PATH; WELLPOSED_SINGULAR overrides
};

struct NullstellensatzResult {
  std::vector<Polynomial> cofactors;  ///< one per equation; empty when none was found
  std::string engine;                 ///< e.g. "Singular 4.3.1"
  std::string reason;                 ///< why there is none (feasible, time-out, no Singular)
  bool found() const { return !cofactors.empty(); }
};

/// Cofactors g with sum g_i f_i = 1 (verified exactly before returning), or
/// none with the reason.
NullstellensatzResult nullstellensatz(const std::vector<Polynomial>& f, const NullstellensatzOptions& o = {});

/// JSON form of a polynomial over variables named "x_<l>_<r>_<c>" (edge
/// (l, r, c) of a chain): [["q", [[l, r, c, e], ...]], ...]. Other variable
/// names are rejected (std::invalid_argument).
nlohmann::json edge_polynomial_to_json(const Polynomial& p);

/// The name of the variable of edge (l, r, c) in that form.
std::string edge_variable_name(std::size_t l, std::size_t r, std::size_t c);

/// For a certificate of kind "exact_not_closed" with a witness a on block b
/// (exact.hpp): the system P_ij(X_b) - a_ij = 0 over the block's entries, in
/// the block's edge variables, and, when it is infeasible over C, the field
/// "nullstellensatz": {"engine", "cofactors": [{"entry": [i, j], "g": poly}]}
/// (poly as edge_polynomial_to_json) is added to the certificate. Returns
/// whether it was added (else the reason is in *why, when given). The
/// checker then proves "a is not in the block's set" without a solver.
bool attach_nullstellensatz(nlohmann::json& certificate, const NullstellensatzOptions& o = {},
                            std::string* why = nullptr);

}  // namespace wellposed
