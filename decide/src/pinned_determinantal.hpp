#pragma once
// Route 0c "pinned-determinantal" (two factors; SUFFICIENT; no solver): the
// determinantal route (reductions.hpp, determinantal_route) with the
// full-factor hypothesis relaxed. Proof at pinned_determinantal.cpp; the
// checker re-derives it from the block's edges (checker_pinned.cpp).
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "wellposed/decide/detail/reductions.hpp"

namespace wellposed::detail {

/// When the block's set is {rank <= r} on all of its rows x columns by the
/// theorem at pinned_determinantal.cpp: the certificate part
/// {"side": "rows" | "cols", "pinned": [inner indices, original, ascending]}
/// and `why`; otherwise nullopt.
std::optional<nlohmann::json> pinned_determinantal_route(const MaskedChain& block, std::string& why);

}  // namespace wellposed::detail
