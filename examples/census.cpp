// The detectors-only census of two-factor support pairs (issue 4), on the
// library's orbit enumeration (wellposed/decide/census.hpp, issue 24).
//
// For every orbit of pairs (left m x r, right r x n), m <= n, m, n, r <= MAX
// (default 3), under row, column and inner permutations and transposition:
// the first detector that decides (detect()), its certificate re-verified by
// the independent checker, and every detector run side by side to confirm
// that none contradicts another. Prints per-verdict counts (orbits and
// labelled pairs); exit 2 if a certificate fails or two detectors disagree.
// The exact census (exact route, resumable, MPI) is `wellposed census`
// (docs/census.md).
//
//   ./census [MAX]
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/decide/census.hpp"
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/detectors.hpp"

using namespace wellposed;

int main(int argc, char** argv) {
  const std::size_t max = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 3;
  if (max < 1 || max > 3) {
    std::cerr << "census: MAX must be 1, 2 or 3\n";
    return 2;
  }
  std::map<std::string, std::pair<std::size_t, std::uint64_t>> by_verdict;  // orbits, labelled pairs
  std::size_t failed_checks = 0, contradictions = 0;
  for (const auto& dims : census::two_factor_shapes(max))
    for (const auto& orbit : census::enumerate_orbits(dims)) {
      const Architecture a(census::decode(orbit.code, dims));
      const Verdict v = detect(a);
      if (v.decided() && !check_certificate(a, v).ok) ++failed_checks;
      bool closed = false, not_closed = false;
      for (const auto& w : run_all_detectors(a)) {
        closed = closed || w.closedness == Closedness::closed;
        not_closed = not_closed || w.closedness == Closedness::not_closed;
      }
      contradictions += closed && not_closed;
      auto& t = by_verdict[std::string(to_string(v.closedness))];
      t.first += 1;
      t.second += orbit.size;
    }
  for (const auto& [verdict, t] : by_verdict)
    std::cout << verdict << ": " << t.first << " orbits, " << t.second << " labelled pairs\n";
  std::cout << "certificates failing the checker: " << failed_checks << "; orbits where two detectors disagree: "
            << contradictions << "\n";
  return failed_checks == 0 && contradictions == 0 ? 0 : 2;
}
