#pragma once
// wellposed repair SPEC: the nearest provably well-posed architectures
// (decide/include/wellposed/decide/repair.hpp; docs/cli.md "repair").
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "wellposed/algebra/limits.hpp"

namespace wellposed::cli {

struct RepairCliOptions {
  std::string spec_file;
  std::optional<std::size_t> budget;       ///< --budget N: at most N parameters
  std::optional<std::size_t> max_changes;  ///< --max-changes K
  std::size_t search_depth = 3;            ///< --search-depth D (single-entry edits)
  double timeout_seconds = 10.0;           ///< the whole command, all specs together (decide/shared_budget.hpp)
  bool json = false;
  std::string output;  ///< -o FILE: the repaired spec(s)
  bool force = false;  ///< replace an existing -o FILE
  bool quiet = false;  ///< no progress line
  std::uint64_t max_memory_bytes = default_max_memory_bytes();
};

/// Exit code: 0 every spec repaired (or already proven well-posed), 3 some
/// spec without a suggestion within the bounds, 2 bad input or refused output.
int run_repair(const RepairCliOptions& o, std::ostream& out, std::ostream& err);

}  // namespace wellposed::cli
