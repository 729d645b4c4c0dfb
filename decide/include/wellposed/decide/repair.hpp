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
// ReLU networks (repair_network; thesis Ch. 7, W_1 the first layer as in
// PyTorch): the target is F_I closed on Omega = [-B, B]^d ("bounded_box"),
// the only Ch. 7 sufficient condition with several outputs (finite data with
// N_2 >= 2 has none; N_2 = 1 is closed for any masks, Cor 7.4.4 / Thm 7.3.7).
// One hidden layer only (L >= 3: refused, Ch. 7 proves nothing closed there).
// Each candidate is decided by analyze_network() (network.hpp) and kept only
// when its bounded-box verdict is closed and passed the gate. Moves:
//  * condition (1) of Thm 7.4.2 (I_2 full on the neurons that reach the
//    output): per neuron whose W_2 column is not full, FILL the column or
//    DROP the neuron (empty its W_2 column or W_1 row, whichever is
//    cheaper; F_I then ignores it); every combination when at most 8 such
//    neurons, else the cheapest-per-neuron, all-fill and all-drop ones;
//  * then condition (2) on the kept neurons' W_1 rows: "w1-as-is" (the
//    subsets as they are), "w1-dense" (Cor 7.4.3), "w1-merge-rows" (rows
//    sharing an input get their union), "w1-split-rows" (the smaller of two
//    overlapping rows loses the shared inputs): after either of the last two
//    the rows are pairwise equal or disjoint, so every L_{I_S} has disjoint
//    rank-one classes (Thm 5.2.3) and is closed;
//  then the same best-first single-entry search as for architectures, over
//  both layers' entries, only on candidates meeting condition (1).
//  Thm 7.4.2 enumerates 2^k - 1 subsets for k kept neurons: a candidate
//  with k above RepairOptions::max_subset_neurons (lowered further for small
//  budgets, about 20000 subsets a second) is not examined unless its W_1 is
//  dense on the kept neurons (Cor 7.4.3, no enumeration); the note says so.
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
#include "wellposed/algebra/network.hpp"
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
  /// Budget of the input's own verdict (analyze() / analyze_network():
  /// detectors, exact route, the gate), also capped by 40% of `seconds`
  /// (0: detectors only, architectures).
  double original_seconds = 4.0;
  /// ReLU networks: most hidden neurons that reach the output for which a
  /// candidate's Thm 7.4.2 subsets (2^k - 1) are enumerated.
  std::size_t max_subset_neurons = 12;
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
  /// ReLU network (repair_network): factors are the layers W_1..W_L, input
  /// to output, and `verdict` is about `domain` ("bounded_box").
  bool network = false;
  std::string domain;
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
  /// ReLU network (repair_network): `original` is the input's verdict on
  /// `domain` ("bounded_box", covering `scope`), the repair's target;
  /// `overall` its verdict on both domains (as `check` reports it).
  bool network = false;
  std::string domain, scope;
  Verdict overall;
};

/// Throws std::invalid_argument when the masks cannot be built (a family too
/// large to materialize): repairs are edits of masks.
RepairResult repair(const Architecture& arch, const RepairOptions& options = {});

/// The nearest provably well-posed ReLU networks (see above): suggestions
/// whose bounded-box verdict (Thm 7.4.2, Cor 7.4.3, Cor 7.4.4) passed the
/// gate. Edits use factor = layer index (0: W_1). Never throws for L >= 3:
/// the result says why nothing was tried.
RepairResult repair_network(const ReluNetwork& net, const RepairOptions& options = {});

/// The edits turning `from` into `to` (same shapes), sorted.
std::vector<SupportEdit> support_edits(const std::vector<Support>& from, const std::vector<Support>& to);

/// {"move", "changes", "edits": {"X1": {"add": [[i,j],...], "remove": [...]}, ...},
///  "parameter_count", "factors" (rows of 0/1), "verdict" (to_json), "check"}.
/// Networks: edits keyed "W1".. (W1 the first layer), "factors" the layers
/// input to output, plus "domain"; the result adds "kind": "relu_network",
/// "domain", "scope" and "overall".
nlohmann::json to_json(const RepairSuggestion& s);
nlohmann::json to_json(const RepairResult& r);

}  // namespace wellposed
