// analyze()'s budget as a wall-clock bound on the whole call, certificate
// check included (issue 18 item 3, issue 20 B9/B10). Over the seeded random
// 4x4 pairs of decision_bench.cpp (sizes 4x4 r=3 and r=4, same seeds) that
// the detectors do not decide, runs analyze(arch, T) and records the wall
// time of the call; prints the worst overshoot (wall - T) against the target
// 0.1 T + 0.5 s. With --repeat K, each of the first --repeat-cases hard cases
// is analyzed K times more at the same T and the distinct verdicts counted.
// A plain main() (figures are maxima over a fixed suite, not repetitions).
//
// Usage: budget_bench [--timeout T] [--cases N] [--repeat K] [--repeat-cases M]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <wellposed/algebra/architecture.hpp>
#include <wellposed/decide/analyze.hpp>
#include <wellposed/decide/detectors.hpp>

using namespace wellposed;

int main(int argc, char** argv) {
  double T = 2;
  std::size_t cases = 40, repeat = 0, repeat_cases = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return std::string(i + 1 < argc ? argv[++i] : "0"); };
    if (a == "--timeout") T = std::stod(next());
    else if (a == "--cases") cases = std::stoul(next());
    else if (a == "--repeat") repeat = std::stoul(next());
    else if (a == "--repeat-cases") repeat_cases = std::stoul(next());
  }
  std::vector<std::pair<std::string, Architecture>> hard;
  for (std::size_t r : {4u, 3u}) {
    const std::size_t m = 4, n = 4;
    for (std::size_t k = 0; k < 200 && hard.size() < cases; ++k) {
      const std::uint64_t seed = 1000003ull * (m * 100 + n * 10 + r) + k;  // decision_bench.cpp's seeds
      std::mt19937_64 g(seed);
      const double density = 0.4 + 0.3 * static_cast<double>(g() % 1001) / 1000.0;
      Support I = Support::random(m, r, density, g()), J = Support::random(r, n, density, g());
      Architecture a({I, J});
      if (detect(a).decided()) continue;
      hard.emplace_back("4x4 r=" + std::to_string(r) + " k=" + std::to_string(k), a);
    }
  }
  std::printf("case\tbudget\twall_s\tovershoot_s\tverdict\n");
  double worst = -1e9;
  std::string worst_case;
  std::size_t decided = 0;
  auto run = [&](const Architecture& a) {
    const auto t0 = std::chrono::steady_clock::now();
    const Analysis an = analyze(a, T);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return std::make_pair(wall, an.verdict);
  };
  for (const auto& [name, a] : hard) {
    const auto [wall, v] = run(a);
    decided += v.decided();
    std::printf("%s\t%.1f\t%.3f\t%+.3f\t%s\n", name.c_str(), T, wall, wall - T, std::string(to_string(v.closedness)).c_str());
    std::fflush(stdout);
    if (wall - T > worst) {
      worst = wall - T;
      worst_case = name;
    }
  }
  std::printf("\n| budget T | hard cases | decided | worst overshoot | target 0.1 T + 0.5 | case |\n|---|---|---|---|---|---|\n");
  std::printf("| %.1f s | %zu | %zu | %+.3f s | %.2f s | %s |\n", T, hard.size(), decided, worst, 0.1 * T + 0.5,
              worst_case.c_str());
  if (repeat > 0) {
    std::printf("\n| case | runs at T = %.1f s | verdicts |\n|---|---|---|\n", T);
    for (std::size_t c = 0; c < std::min(repeat_cases, hard.size()); ++c) {
      std::multiset<std::string> seen;
      for (std::size_t k = 0; k < repeat; ++k) seen.insert(std::string(to_string(run(hard[c].second).second.closedness)));
      std::string s;
      for (const auto& v : std::set<std::string>(seen.begin(), seen.end()))
        s += (s.empty() ? "" : ", ") + v + " x" + std::to_string(seen.count(v));
      std::printf("| %s | %zu | %s |\n", hard[c].first.c_str(), repeat, s.c_str());
    }
  }
  return 0;
}
