#pragma once
// Checker of route 0c "pinned-determinantal" (issue 24 item 5), separate from
// checker_exact.cpp, which only dispatches here. Independent of the prover
// (pinned_determinantal.cpp): it re-derives the block's rows, inner indices,
// columns and supports from the certificate's block edges, and re-checks the
// theorem's hypotheses (a)-(c) for the certificate's side and pinned set P
// with its own exhaustive Hall test. No solver.
#include <array>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace wellposed::detail {

/// edges: [level, from, to] in original indices (level 0: rows -> inner,
/// 1: inner -> columns); entries: the block's (row, column) entries; L: the
/// number of factors; pin: the certificate's {"side", "pinned"} for this
/// block. True when the hypotheses hold (the block's set is {rank <= r},
/// closed); false with `error` saying which one fails.
/// Hall's condition in the form both determinantal checks use (Rado's
/// theorem on independent transversals): every non-empty set K of inner
/// indices has max_{k in K} bound[k] >= |K|. Returns 0 when it holds, else
/// the size of the first set K (in subset order) where it fails. Exhaustive:
/// bound.size() <= 16 (the callers' limit).
std::size_t hall_violation(const std::vector<long long>& bound);

bool check_pinned_determinantal(const std::vector<std::array<std::size_t, 3>>& edges,
                                const std::vector<std::pair<std::size_t, std::size_t>>& entries, std::size_t L,
                                const nlohmann::json& pin, std::string& message);

}  // namespace wellposed::detail
