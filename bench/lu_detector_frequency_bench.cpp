// How often the LU-type detector fires on random 100 x 100 supports
// (thesis Fig 7.2 / survey Box 6; SEEDMAP B7), and how long one detection takes.
//
// Setup of the seeds: a one-hidden-layer network with W_1, W_2 in R^{100x100};
// supports drawn uniformly among all supports with exactly s_i * 10^4 entries,
// s_i in {0.1, ..., 1.0}; 100 draws per (s_1, s_2); the entry is the fraction
// of draws in which the detector fires (a lower bound on the fraction of
// non-closed L_I, the detector being only sufficient). Library orientation:
// A = X_1 X_2 with X_1 = W_2 (density s_2) and X_2 = W_1 (density s_1). The
// distribution is invariant under transposition (left, right) -> (right^T,
// left^T), which swaps the roles of s_1 and s_2, so the table is symmetric up
// to sampling noise.
//
//   ./lu_detector_frequency_bench [--draws=100] [--seed=1] [benchmark flags]
// prints the table (with the seed's table beside it) and then runs the timing
// benchmarks.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "wellposed/algebra/support.hpp"
#include "wellposed/decide/lu_pattern.hpp"

namespace {

using wellposed::Support;

// A uniformly random support with exactly k entries (partial Fisher-Yates).
Support random_support_exact(std::size_t rows, std::size_t cols, std::size_t k, std::mt19937_64& g) {
  std::vector<std::size_t> idx(rows * cols);
  std::iota(idx.begin(), idx.end(), 0);
  Support s(rows, cols);
  for (std::size_t t = 0; t < k; ++t) {
    std::uniform_int_distribution<std::size_t> d(t, idx.size() - 1);
    std::swap(idx[t], idx[d(g)]);
    s.set(idx[t] / cols, idx[t] % cols);
  }
  return s;
}

// Survey Box 6 (rows s_1 = 0.1..1.0, columns s_2 = 0.1..1.0; its row "6.0" is 0.9).
const double kSeedTable[10][10] = {
    {1, 1, 1, 1, 1, 0.65, 0.17, 0.01, 0, 0}, {1, 1, 0.82, 0, 0, 0, 0, 0, 0, 0},
    {1, 0.84, 0, 0, 0, 0, 0, 0, 0, 0},       {1, 0.03, 0, 0, 0, 0, 0, 0, 0, 0},
    {1, 0, 0, 0, 0, 0, 0, 0, 0, 0},          {0.66, 0, 0, 0, 0, 0, 0, 0, 0, 0},
    {0.1, 0, 0, 0, 0, 0, 0, 0, 0, 0},        {0.01, 0, 0, 0, 0, 0, 0, 0, 0, 0},
    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0},          {0, 0, 0, 0, 0, 0, 0, 0, 0, 0}};

void frequency_table(int draws, std::uint64_t seed) {
  constexpr std::size_t n = 100;
  double ours[10][10];
  const auto t0 = std::chrono::steady_clock::now();
  for (int a = 0; a < 10; ++a)
    for (int b = 0; b < 10; ++b) {
      const std::size_t k1 = static_cast<std::size_t>((a + 1) * n * n / 10);  // |I_1| = s_1 10^4 (W_1)
      const std::size_t k2 = static_cast<std::size_t>((b + 1) * n * n / 10);  // |I_2| = s_2 10^4 (W_2)
      std::mt19937_64 g(seed * 1000003u + static_cast<std::uint64_t>(a * 10 + b));
      int fired = 0;
      for (int d = 0; d < draws; ++d) {
        const Support W1 = random_support_exact(n, n, k1, g);
        const Support W2 = random_support_exact(n, n, k2, g);
        fired += wellposed::find_lu_pattern(W2, W1).has_value();  // A = W_2 W_1 = X_1 X_2
      }
      ours[a][b] = static_cast<double>(fired) / draws;
    }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("LU-type detector frequency, 100x100 supports, %d draws per cell, seed %llu (%.1f s)\n", draws,
              static_cast<unsigned long long>(seed), secs);
  std::printf("rows s1 (|W1| = s1*1e4), columns s2 (|W2| = s2*1e4); left block: this run, right block: survey Box 6\n");
  std::printf("| s1 \\ s2 |");
  for (int b = 0; b < 10; ++b) std::printf(" %.1f |", 0.1 * (b + 1));
  std::printf("| seed:");
  for (int b = 0; b < 10; ++b) std::printf(" %.1f |", 0.1 * (b + 1));
  std::printf("\n|---|");
  for (int b = 0; b < 21; ++b) std::printf("---|");
  std::printf("\n");
  for (int a = 0; a < 10; ++a) {
    std::printf("| %.1f |", 0.1 * (a + 1));
    for (int b = 0; b < 10; ++b) std::printf(" %.2f |", ours[a][b]);
    std::printf("|");
    for (int b = 0; b < 10; ++b) std::printf(" %.2f |", kSeedTable[a][b]);
    std::printf("\n");
  }
  std::fflush(stdout);
}

// Time of one detection on a random 100 x 100 pair (both densities s / 10).
void BM_FindLuPattern100(benchmark::State& state) {
  const std::size_t k = static_cast<std::size_t>(state.range(0)) * 1000;
  std::mt19937_64 g(42);
  const Support L = random_support_exact(100, 100, k, g), R = random_support_exact(100, 100, k, g);
  for (auto _ : state) benchmark::DoNotOptimize(wellposed::find_lu_pattern(L, R));
  state.SetLabel(std::string("s = 0.") + std::to_string(state.range(0)));
}
BENCHMARK(BM_FindLuPattern100)->Arg(1)->Arg(3)->Arg(5)->Arg(9)->Unit(benchmark::kMicrosecond);

// The brute force O(m^2 n^2 r) on a small pair, for scale.
void BM_FindLuPatternBruteForce12(benchmark::State& state) {
  std::mt19937_64 g(7);
  const Support L = random_support_exact(12, 12, 100, g), R = random_support_exact(12, 12, 100, g);
  for (auto _ : state) benchmark::DoNotOptimize(wellposed::find_lu_pattern_brute_force(L, R));
}
BENCHMARK(BM_FindLuPatternBruteForce12)->Unit(benchmark::kMicrosecond);

void BM_FindLuPatternFast12(benchmark::State& state) {
  std::mt19937_64 g(7);
  const Support L = random_support_exact(12, 12, 100, g), R = random_support_exact(12, 12, 100, g);
  for (auto _ : state) benchmark::DoNotOptimize(wellposed::find_lu_pattern(L, R));
}
BENCHMARK(BM_FindLuPatternFast12)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  int draws = 100;
  std::uint64_t seed = 1;
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--draws=", 8) == 0) draws = std::stoi(argv[i] + 8);
    else if (std::strncmp(argv[i], "--seed=", 7) == 0) seed = std::stoull(argv[i] + 7);
    else rest.push_back(argv[i]);
  }
  if (draws > 0) frequency_table(draws, seed);
  int bargc = static_cast<int>(rest.size());
  benchmark::Initialize(&bargc, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
