// Checker of route 0c "pinned-determinantal" (see checker_pinned.hpp). The
// theorem and its proof are at pinned_determinantal.cpp; what is checked
// here, from the block's edges only:
//   the block's entries are exactly rows x cols; two factors;
//   r = |inner| with 1 <= r <= 16 and r <= the ambient size (n for side
//   "rows", m for side "cols");
//   (a) |P| >= |T|, T = the rows of X_1 (columns of X_2) missing an inner index;
//   (b) every k in P is an inner index whose support on the other factor is
//       the whole ambient set, and every t in T has an edge to k;
//   (c) for EVERY non-empty K of the other inner indices (all 2^(r-|P|) - 1
//       subsets enumerated): max_{k in K} (r - ambient + |support_k| - |P|) >= |K|.
#include "checker_pinned.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace wellposed::detail {

std::size_t hall_violation(const std::vector<long long>& bound) {
  for (unsigned K = 1; K < (1u << bound.size()); ++K) {
    long long best = 0;
    std::size_t count = 0;
    for (std::size_t q = 0; q < bound.size(); ++q)
      if (K >> q & 1u) best = count++ == 0 ? bound[q] : std::max(best, bound[q]);
    if (best < static_cast<long long>(count)) return count;
  }
  return 0;
}

bool check_pinned_determinantal(const std::vector<std::array<std::size_t, 3>>& edges,
                                const std::vector<std::pair<std::size_t, std::size_t>>& entries, std::size_t L,
                                const nlohmann::json& pin, std::string& message) {
  using idx = std::size_t;
  auto fail = [&](const std::string& why) {
    message = "pinned-determinantal: " + why;
    return false;
  };
  if (L != 2) return fail("needs two factors");
  if (!pin.is_object() || !pin.contains("side") || !pin.at("side").is_string() || !pin.contains("pinned") ||
      !pin.at("pinned").is_array())
    return fail("the certificate needs {\"side\": \"rows\" | \"cols\", \"pinned\": [inner indices]} for this block");
  const std::string side = pin.at("side").get<std::string>();
  if (side != "rows" && side != "cols") return fail("side must be \"rows\" or \"cols\"");
  std::set<idx> rows, inner, cols;
  std::map<idx, std::set<idx>> R, C;  // R[k]: rows with an edge to k; C[k]: columns with an edge from k
  for (const auto& e : edges) {
    if (e[0] == 0) {
      rows.insert(e[1]), inner.insert(e[2]), R[e[2]].insert(e[1]);
    } else if (e[0] == 1) {
      inner.insert(e[1]), cols.insert(e[2]), C[e[1]].insert(e[2]);
    } else {
      return fail("an edge of a level other than 0 or 1");
    }
  }
  const std::set<std::pair<idx, idx>> ents(entries.begin(), entries.end());
  if (ents.size() != rows.size() * cols.size()) return fail("the block's entries are not all of its rows x columns");
  for (const auto& [i, j] : ents)
    if (!rows.count(i) || !cols.count(j)) return fail("an entry outside the block's rows / columns");
  const idx r = inner.size();
  const bool by_rows = side == "rows";
  const idx ambient = by_rows ? cols.size() : rows.size();
  if (r < 1 || r > 16 || r > ambient) return fail("needs 1 <= r <= 16 and r <= " + std::string(by_rows ? "n" : "m"));
  // own[t]: the inner indices of row t of X_1 (side rows) / column t of X_2 (side cols).
  std::map<idx, std::set<idx>> own;
  for (const auto& e : edges) {
    if (by_rows && e[0] == 0) own[e[1]].insert(e[2]);
    if (!by_rows && e[0] == 1) own[e[2]].insert(e[1]);
  }
  const auto& support = by_rows ? C : R;  // the other factor's support of each inner index
  std::vector<idx> T;
  for (idx t : by_rows ? rows : cols)
    if (own[t].size() != r) T.push_back(t);
  std::set<idx> P;
  for (const auto& k : pin.at("pinned")) {
    if (!k.is_number_unsigned()) return fail("a pinned index must be a non-negative integer");
    const idx kk = k.get<idx>();
    if (!inner.count(kk)) return fail("pinned index " + std::to_string(kk) + " is not an inner index of the block");
    if (!P.insert(kk).second) return fail("pinned index " + std::to_string(kk) + " is listed twice");
  }
  if (P.size() < T.size())
    return fail(std::to_string(P.size()) + " pinned indices for " + std::to_string(T.size()) + " sparse " +
                (by_rows ? "rows" : "columns"));
  for (idx k : P) {
    auto it = support.find(k);
    if (it == support.end() || it->second.size() != ambient)
      return fail("pinned index " + std::to_string(k) + " does not reach every " + (by_rows ? "column" : "row"));
    for (idx t : T)
      if (!own[t].count(k))
        return fail((by_rows ? "row " : "column ") + std::to_string(t) + " has no edge to pinned index " +
                    std::to_string(k));
  }
  std::vector<long long> bound;
  for (idx k : inner) {
    if (P.count(k)) continue;
    auto it = support.find(k);
    const long long sz = it == support.end() ? 0 : static_cast<long long>(it->second.size());
    bound.push_back(static_cast<long long>(r) - static_cast<long long>(ambient) + sz - static_cast<long long>(P.size()));
  }
  if (const std::size_t count = hall_violation(bound))
    return fail("Hall's condition fails on a set of " + std::to_string(count) + " inner indices");
  message = "pinned-determinantal: " + std::to_string(T.size()) + " sparse " + (by_rows ? "rows" : "columns") + ", " +
            std::to_string(P.size()) + " pinned inner indices and Hall's condition re-derived: the set is {rank <= " +
            std::to_string(r) + "}";
  return true;
}

}  // namespace wellposed::detail
