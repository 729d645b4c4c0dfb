// Square dyadic butterfly factorization benchmarks (issue 5):
//   butterfly_bench hadamard            Hadamard 2^9 into 9 dyadic factors
//   butterfly_bench large [n] [reps]    n x n (default 8192) random dense A:
//                                       time / one pass over A, peak memory / size of A
// A plain program (own main) so that the ratios come from one run.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/numeric.hpp"

using namespace wellposed;
using namespace wellposed::numeric;

namespace {
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

long status_kb(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(key, 0) == 0) return std::stol(line.substr(std::strlen(key)));
  return -1;
}

Matrix hadamard(int N) {
  Matrix H(1, 1);
  H(0, 0) = 1.0;
  for (int k = 0; k < N; ++k) {
    Matrix H2(2 * H.rows(), 2 * H.cols());
    H2 << H, H, H, -H;
    H = H2;
  }
  return H;
}

void print_enclosure(const HierarchicalResult& r, double normA) {
  const auto& e = r.enclosure;
  std::printf("  residual/||A|| in [%.3e, %.3e] (%s); lower bound max_s E_s/||A|| in [%.3e, %.3e]; proven ratio <= %.4g\n",
              e.residual.lo / normA, e.residual.hi / normA, e.residual_method.c_str(), e.lower_bound.lo / normA,
              e.lower_bound.hi / normA, e.ratio_upper);
  if (e.apriori_6_5_9) std::printf("  Thm 6.5.9 RHS/||A|| <= %.3e", e.apriori_6_5_9->hi / normA);
  if (e.apriori_6_5_14) std::printf("; Thm 6.5.14 RHS/||A|| <= %.3e", e.apriori_6_5_14->hi / normA);
  std::printf("\n");
}

int run_hadamard() {
  const Matrix H = hadamard(9);
  for (auto alg : {HierarchicalAlgorithm::alg7, HierarchicalAlgorithm::alg8}) {
    HierarchicalOptions o;
    o.algorithm = alg;
    const double t0 = now();
    const auto r = factorize_hierarchical(H, butterfly_chain(512), o);
    const double t1 = now();
    const double rel = (H - chain_product(r.factors)).norm() / H.norm();
    std::printf("hadamard 512, 9 factors, %s, sigma=id: %.3f s (incl. all E_s and dense residual), rel. error %.3e\n",
                alg == HierarchicalAlgorithm::alg7 ? "Alg 7" : "Alg 8", t1 - t0, rel);
    print_enclosure(r, H.norm());
  }
  return 0;
}

int run_large(std::size_t n, int reps) {
  const long rss0 = status_kb("VmRSS:");
  Matrix A(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  {
    std::mt19937_64 gen(1);
    std::normal_distribution<double> nd(0.0, 1.0);
    for (Eigen::Index j = 0; j < A.cols(); ++j)
      for (Eigen::Index i = 0; i < A.rows(); ++i) A(i, j) = nd(gen);
  }
  const double bytesA = static_cast<double>(A.size()) * sizeof(double);
  double pass = 1e30, nrm = 0.0;
  for (int k = 0; k < 5; ++k) {
    const double t0 = now();
    nrm = A.norm();
    pass = std::min(pass, now() - t0);
  }
  const long rssA = status_kb("VmRSS:");
  double best = 1e30;
  HierarchicalResult r;
  for (int k = 0; k < reps; ++k) {
    HierarchicalOptions o;
    o.algorithm = HierarchicalAlgorithm::alg8;
    o.all_split_errors = false;        // E_{sigma_1}(A) only (free, from the first split)
    o.direct_residual_max_work = 0;    // telescoping residual bound only
    const double t0 = now();
    r = factorize_hierarchical(A, butterfly_chain(n), o);
    best = std::min(best, now() - t0);
  }
  const long hwm = status_kb("VmHWM:");
  std::printf("square dyadic %zu x %zu (random N(0,1) A), Alg 8, sigma=id, certificate: E_1 lower bound + telescoping residual\n", n, n);
  std::printf("  one pass ||A||_F: %.4f s; factorization: %.4f s; ratio %.2f x\n", pass, best, best / pass);
  std::printf("  peak RSS above the process before A: %.1f MiB = %.2f x size of A (A = %.1f MiB; RSS with A %.1f MiB)\n",
              static_cast<double>(hwm - rss0) / 1024.0, static_cast<double>(hwm - rss0) * 1024.0 / bytesA, bytesA / 1048576.0,
              static_cast<double>(rssA) / 1024.0);
  print_enclosure(r, nrm);
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "hadamard";
  if (what == "hadamard") return run_hadamard();
  if (what == "large") {
    const std::size_t n = argc > 2 ? std::stoul(argv[2]) : 8192;
    const int reps = argc > 3 ? std::stoi(argv[3]) : 1;
    return run_large(n, reps);
  }
  std::fprintf(stderr, "usage: %s hadamard | large [n] [reps]\n", argv[0]);
  return 2;
}
