// Square dyadic butterfly factorization benchmarks (issue 5):
//   butterfly_bench hadamard            Hadamard 2^9 into 9 dyadic factors
//   butterfly_bench large [n] [reps] [order]
//                                       n x n (default 8192) random dense A:
//                                       time / one pass over A, peak memory / size of A;
//                                       order: ltr | balanced | peelK (default peel3)
// A plain program (own main) so that the ratios come from one run.
#include <chrono>
#include <ctime>
#include <vector>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <algorithm>
#include <random>
#include <stdexcept>
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

std::vector<std::size_t> order_named(const std::string& name, std::size_t N) {
  if (name == "ltr") return split_order_left_to_right(N);
  if (name == "balanced") return split_order_balanced(N);
  if (name.rfind("peel", 0) == 0) return split_order_peel(N, std::stoul(name.substr(4)));
  throw std::invalid_argument("unknown order " + name);
}

double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Each repetition times one ||A||_F pass and then the factorization, in the
// same process, wall clock and process CPU time (all threads); the ratios are
// per repetition, the summary is their median. CPU time is reported because the
// 2-core machine is shared: wall time of a long run is inflated by the load
// (other processes), a 0.04 s pass mostly is not.
int run_large(std::size_t n, int reps, const std::string& oname) {
  const long rss0 = status_kb("VmRSS:");
  Matrix A(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  {
    std::mt19937_64 gen(1);
    std::normal_distribution<double> nd(0.0, 1.0);
    for (Eigen::Index j = 0; j < A.cols(); ++j)
      for (Eigen::Index i = 0; i < A.rows(); ++i) A(i, j) = nd(gen);
  }
  const double bytesA = static_cast<double>(A.size()) * sizeof(double);
  double nrm = A.norm();  // warm
  const long rssA = status_kb("VmRSS:");
  const std::size_t N = static_cast<std::size_t>(std::log2(static_cast<double>(n)) + 0.5);
  std::vector<double> rw, rc, tw, pw;
  HierarchicalResult r;
  for (int k = 0; k < reps; ++k) {
    double pass_w = 1e30, pass_c = 1e30;
    for (int t = 0; t < 3; ++t) {
      const double w0 = now(), c0 = cpu_now();
      nrm = A.norm();
      pass_w = std::min(pass_w, now() - w0);
      pass_c = std::min(pass_c, cpu_now() - c0);
    }
    HierarchicalOptions o;
    o.algorithm = HierarchicalAlgorithm::alg8;
    o.all_split_errors = false;        // E_{sigma_1}(A) only (free, from the first split)
    o.direct_residual_max_work = 0;    // telescoping residual bound only
    o.order = order_named(oname, N);
    r = HierarchicalResult{};
    const double w0 = now(), c0 = cpu_now();
    r = factorize_hierarchical(A, butterfly_chain(n), o);
    const double fw = now() - w0, fc = cpu_now() - c0;
    std::printf("  rep %d: pass %.4f s wall / %.4f s cpu; factorization %.4f s wall / %.4f s cpu; ratio wall %.1f x, cpu %.1f x\n", k,
                pass_w, pass_c, fw, fc, fw / pass_w, fc / pass_c);
    rw.push_back(fw / pass_w);
    rc.push_back(fc / pass_c);
    tw.push_back(fw);
    pw.push_back(pass_w);
  }
  const long hwm = status_kb("VmHWM:");
  double load[3] = {0, 0, 0};
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = -1;
    std::fclose(f);
  }
  std::printf("square dyadic %zu x %zu (random N(0,1) A), Alg 8, sigma=%s, certificate: E_{sigma_1} enclosure + telescoping residual\n", n, n,
              oname.c_str());
  std::printf("  median of %d: factorization %.4f s, pass %.4f s; ratio wall %.1f x, cpu %.1f x; load average %.2f %.2f %.2f\n", reps,
              median(tw), median(pw), median(rw), median(rc), load[0], load[1], load[2]);
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
    return run_large(n, reps, argc > 4 ? argv[4] : "peel3");
  }
  std::fprintf(stderr, "usage: %s hadamard | large [n] [reps]\n", argv[0]);
  return 2;
}
