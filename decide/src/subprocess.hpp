#pragma once
// Internal (not installed): run an external program (Singular, Node.js) with
// its standard input given as a string, its standard output collected, and a
// hard wall-clock deadline (issue 21: the Nullstellensatz engine and the
// second solver are separate processes, so that neither can crash, hang or
// corrupt the library; a killed or failed run is "no answer", never one).
#include <string>
#include <vector>

namespace wellposed::detail {

struct ProcessRun {
  enum class Status { finished, killed, failed, not_started };
  Status status = Status::not_started;
  int exit_code = -1;   ///< finished only
  std::string output;   ///< standard output (finished: all of it; killed: what arrived before; stderr is discarded)
  std::string reason;   ///< why there is no usable output
  double seconds = 0;
};

/// Runs argv[0] (searched in PATH) with `input` on its standard input; kills
/// it (SIGKILL, whole process group) when `seconds` have passed. Output beyond
/// `max_output` bytes kills it too (status failed).
ProcessRun run_process(const std::vector<std::string>& argv, const std::string& input, double seconds,
                       std::size_t max_output = std::size_t{64} << 20);

}  // namespace wellposed::detail
