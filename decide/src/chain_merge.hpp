#pragma once
// "merge" (issue 24 item 5): an exact pre-reduction of the closedness
// decision that replaces two consecutive factors by ONE support K when the
// set of their products is exactly the coordinate space R^K. Proofs at
// chain_merge.cpp; the checker re-derives every step (checker_merge.cpp).
#include <cstddef>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/support.hpp"

namespace wellposed::detail {

struct ChainMerge {
  /// The merged chain's supports (fewer factors; same outer sizes).
  std::vector<Support> factors;
  /// Certificate form: [{"level": l, "by": "columns" | "rows" | "pinned", ("pin": {...})}, ...],
  /// applied in order to the trimmed chain (see chain_merge.cpp).
  nlohmann::json steps;
};

/// The chain's supports with every entry that lies on no complete path (row
/// -> ... -> column) removed: the product set is unchanged.
std::vector<Support> trim_to_paths(const std::vector<Support>& factors);

/// Merges consecutive factors while a pair qualifies; nullopt when none does.
std::optional<ChainMerge> merge_chain(const std::vector<Support>& factors);

}  // namespace wellposed::detail
