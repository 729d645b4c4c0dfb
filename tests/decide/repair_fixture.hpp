#pragma once
// Shared by the repair tests: a suggestion's edits applied to the masks, so a
// test can compare them with the suggested architecture or network layers.
#include <vector>

#include "wellposed/algebra/support.hpp"
#include "wellposed/decide/repair.hpp"

namespace wellposed::repairtest {

inline std::vector<Support> apply(const std::vector<Support>& f, const std::vector<SupportEdit>& e) {
  auto g = f;
  for (const auto& x : e) g[x.factor].set(x.row, x.col, x.add);
  return g;
}

}  // namespace wellposed::repairtest
