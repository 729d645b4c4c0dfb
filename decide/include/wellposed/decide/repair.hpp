#pragma once
// repair(): the nearest PROVABLY well-posed architectures (issue 23 item 2).
//
// For an architecture that is ill-posed or unknown, repair() proposes support
// changes (entries added to or removed from the masks X_1..X_L, left to
// right) after which a polynomial-time detector proves the product set
// closed, and the certificate passes the independent checker through the one
// gate (gate.hpp). Nothing is suggested on the strength of a solver run or a
// heuristic: every suggestion carries a checked "closed" verdict.
//
// Moves, polynomial-time first (each gives at most one candidate):
//  * kronecker:  for every factor, each Kronecker pattern S_theta (Def 6.3.1)
//                of its shape; a left-to-right dynamic programme picks the
//                chainable sequence (Def 6.3.10) of least total symmetric
//                difference with the masks (Cor 6.5.12 then proves closed).
//                Always succeeds when the masks can be built: the dense
//                chain (1, N_{l-1}, N_l, 1) is chainable.
//  * merge-classes (L = 2, Thm 5.2.3): while two rank-one classes (Def 5.2.2)
//                overlap, give both classes the union of their rows and
//                columns (entries added); classes only merge, so it ends.
//  * split-classes (L = 2, Thm 5.2.3): while two classes overlap, remove the
//                shared rows (or columns, whichever is cheaper) from the
//                smaller class (entries removed).
//  * complete-classes (L = 2, Thm 5.2.9): for each class whose remainder
//                outside the complete classes is not a rectangle, complete
//                the class's row and column sets to cover its whole
//                bounding rectangle of the remainder, or shrink the class to
//                be complete (|P| >= min(|R_P|, |C_P|), Def 5.2.5).
//  * lu-break (L = 2, Thm 4.3.1): while an LU-type pattern fires, remove the
//                entry X_1[i2, l] (the second path of (i2, j2)).
//  Then a bounded best-first search over single-entry edits (add or remove
//  one entry of one factor), in order of the number of edits: every
//  architecture within d edits is examined before any with d + 1, until
//  `max_changes`, `max_candidates` or the time runs out.
//
// Guarantee: the suggestions are the nearest found WITHIN THIS MOVE SET, not
// globally. When the search finished depth d without running out of its
// bounds (RepairResult::exhaustive_depth = d), no architecture within d
// single-entry edits is proven well-posed BY THE DETECTORS; a nearer
// well-posed architecture may still exist that only the exact route (or no
// known test) could prove.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/algebra/support.hpp"
#include "wellposed/decide/verdict.hpp"

namespace wellposed {

struct RepairOptions {
  /// Most edits of a suggestion (nullopt: any; the polynomial-time moves may
  /// need many edits on large masks).
  std::optional<std::size_t> max_changes;
  /// Deepest level of the best-first search (single-entry edits), also
  /// capped by max_changes.
  std::size_t search_depth = 3;
  /// The repaired architecture has at most this many parameters (nullopt: any).
  std::optional<std::size_t> parameter_budget;
  /// Most candidate architectures the search examines (detectors + gate each).
  std::size_t max_candidates = 20000;
  /// Wall-clock bound on the whole call.
  double seconds = 10.0;
  /// Most suggestions returned (nearest first).
  std::size_t max_suggestions = 3;
  /// Optional progress callback (issue 23 item 3): (done, total estimate,
  /// what). Called from the calling thread, at most every few milliseconds'
  /// worth of work; total may grow as the search proceeds.
  std::function<void(std::size_t done, std::size_t total, const std::string& what)> progress;
};

/// One support change: factor (0-based; X_{factor+1}), row, column.
struct SupportEdit {
  std::size_t factor = 0, row = 0, col = 0;
  bool add = true;  ///< true: entry added; false: entry removed
  bool operator==(const SupportEdit&) const = default;
};

struct RepairSuggestion {
  std::string move;                ///< "kronecker", "merge-classes", ..., "search"
  std::vector<SupportEdit> edits;  ///< sorted by factor, row, column
  std::vector<Support> factors;    ///< the repaired masks, X_1..X_L
  std::size_t parameter_count = 0;
  Verdict verdict;                 ///< closed, certificate passed the checker (gate)
  std::string check;               ///< the checker's account
  std::size_t changes() const { return edits.size(); }
};

struct RepairResult {
  Verdict original;  ///< the detectors' verdict on the input (polynomial time, gated)
  /// Nearest first (fewest edits; ties: fewer parameters). Empty when nothing
  /// within the bounds was proven well-posed.
  std::vector<RepairSuggestion> suggestions;
  std::size_t candidates_examined = 0;
  /// The search examined every architecture within this many edits (0: only
  /// the input); see the guarantee in the header comment.
  std::size_t exhaustive_depth = 0;
  std::string note;  ///< why the search stopped, or why nothing was tried
};

/// Throws std::invalid_argument when the masks cannot be built (a family too
/// large to materialize): repairs are edits of masks.
RepairResult repair(const Architecture& arch, const RepairOptions& options = {});

/// The edits turning `from` into `to` (same shapes), sorted.
std::vector<SupportEdit> support_edits(const std::vector<Support>& from, const std::vector<Support>& to);

/// {"move", "changes", "edits": {"X1": {"add": [[i,j],...], "remove": [...]}, ...},
///  "parameter_count", "factors" (rows of 0/1), "verdict" (to_json), "check"}.
nlohmann::json to_json(const RepairSuggestion& s);
nlohmann::json to_json(const RepairResult& r);

}  // namespace wellposed
