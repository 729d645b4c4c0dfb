#pragma once
// Exporters: the (reduced) decision sentences as text for another solver, so
// that a user can re-decide them (z3 and cvc5 read SMT-LIB2; QEPCAD B reads
// its own input format; Debian packages `cvc5`, `qepcad`).
//
// With reduce = true the sentence is built after reduce_for_closedness()
// (reductions.hpp): for non-closedness it is the DISJUNCTION over the
// independent blocks of each block's Lemma 3.2.16 sentence (L_I is not closed
// iff some block is not), with the factors gauge-fixed and the target scaled
// to 0/1 on a spanning forest; for well-posedness the CONJUNCTION of the
// negations. Both are equivalent to the unreduced sentences (proofs in
// reductions.hpp). With reduce = false they are sentences.hpp's, verbatim.
#include <string>

#include "wellposed/algebra/architecture.hpp"

namespace wellposed {

// Declared only, so that this header (and the umbrella) does not pull in GMP:
// a program calling export_formula includes wellposed/algebra/formula.hpp, one
// calling export_membership wellposed/algebra/rational_matrix.hpp (issue 18 item 5).
class Formula;
class RationalMatrix;

enum class ExportFormat { smtlib2, qepcad };
enum class SentenceKind {
  non_closedness,  ///< TRUE iff L_I is not closed (Lemma 3.2.16)
  well_posedness,  ///< TRUE iff L_I is closed (the negation of the above when reduced; Lemma 3.2.18.2 otherwise)
  asymptotic_cone, ///< two factors: FALSE => closed (sufficient; reductions.hpp)
};

/// The sentence itself (reduced or not).
Formula export_formula(const Architecture& arch, SentenceKind kind, bool reduce = true);

/// The sentence as text, with a header comment that says what TRUE means.
std::string export_sentence(const Architecture& arch, ExportFormat format, SentenceKind kind, bool reduce = true);

/// "exists X: X_1...X_L = A" (reduced to A's independent blocks when reduce).
std::string export_membership(const Architecture& arch, const RationalMatrix& A, ExportFormat format,
                              bool reduce = true);

}  // namespace wellposed
