#pragma once
// `wellposed census` (issue 24): decide every orbit of small support chains
// and record one JSON line per orbit, resumable, optionally shared over MPI
// ranks (built when CMake finds MPI; run under mpirun -np K). Subcommands:
// `census merge OUT` (one sorted file from OUT and OUT.rank*) and
// `census summary RESULTS -o FILE.md` (the tables of docs/census.md).
#include <CLI/CLI.hpp>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace wellposed::cli {

struct CensusOptions {
  std::string output;               ///< results file (JSON lines); OUT.rankN under MPI
  std::size_t max_size = 3;         ///< two-factor shapes with m, n, r <= max_size (when no --shape)
  std::vector<std::string> shapes;  ///< explicit dims, e.g. 4x3x4 or 3x3x3x3 (three factors)
  double budget_seconds = 60.0;     ///< analyze()'s budget per orbit
  bool detectors_only = false;
  bool retry_unknown = false;  ///< decide again the orbits recorded only as unknown (any --budget)
  bool timings = true;
  std::uint64_t limit = 0;   ///< stop after deciding this many orbits (0: all)
  std::size_t chunk = 4;     ///< orbits per MPI work message
  bool quiet = false;
  // subcommands
  std::string merge_target;   ///< census merge OUT
  std::string summary_input;  ///< census summary RESULTS
  std::string summary_output;
};

/// Registers `census` (with `merge` and `summary`) on the app.
struct CensusCommand {
  CLI::App* census = nullptr;
  CLI::App* merge = nullptr;
  CLI::App* summary = nullptr;
};
CensusCommand add_census_command(CLI::App& app, CensusOptions& o);

/// Runs whichever of census / merge / summary was parsed.
int run_census(const CensusCommand& cmd, const CensusOptions& o, std::ostream& out, std::ostream& err);

/// Was this binary built with MPI support?
bool census_has_mpi();

}  // namespace wellposed::cli
