// Quantization of butterfly chains (issue 25; survey R Sec. 4.4, Figure 6 = SEEDMAP B9).
// Own main:
//   quantize_bench fig6t N [tmin] [tmax] [seeds] [l2r_Nmax]
//       n = 2^N square dyadic chain, W_l with i.i.d. N(0, 1) stored values; relative
//       error (12) ||W - W^||_F / ||W||_F vs t for RTN, pairwise and left-to-right
//       (left-to-right only when N <= l2r_Nmax, default 13: it materializes
//       W_2...W_L, n^2/2 values), mean over seeds; then the bit saving at equal
//       error: for each RTN t, the t' at which the method reaches the same error
//       (log-linear interpolation), and t / t'.
//   quantize_bench fig6n t Nmin Nmax [seeds] [l2r_Nmax]
//       the same at fixed t for n = 2^Nmin .. 2^Nmax.
//   quantize_bench perf N t [reps] [with_materialized]
//       left-to-right at n = 2^N, t side by side in one run with: one pass over the
//       stored values (each rounded to t bits into a preallocated buffer), RTN and
//       pairwise (quantize_chain), and the touch-once data of left-to-right (every row of
//       every W_{l+1}...W_L formed by the same stream and read once,
//       stream_suffix_rows), left-to-right and right-to-left (both streamed);
//       with_materialized = 1 adds left-to-right with
//       materialize_products (the O(n^2) reference). Each method runs in a forked child:
//       minimum CPU / wall seconds over reps and the child's peak RSS.
//   quantize_bench check N t
//       the fast error below against the certified enclosure (quantization_error).
//
// Error evaluation: for the square dyadic chain every entry of W = W_1...W_L is ONE
// path product (q = 1 for every pair), so W o W^ = (W_1 o W^_1)...(W_L o W^_L) and
// ||W - W^||^2 = 1^T (prod W o W) 1 - 2 1^T (prod W o W^) 1 + 1^T (prod W^ o W^) 1,
// three O(n log n) products, evaluated in long double (64-bit significand: the
// cancellation costs ~2t bits, so t <= 20 keeps > 20 correct bits). `check` compares
// it with the certified enclosure of quantization_error.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/numeric/quantize.hpp"

using namespace wellposed;
using namespace wellposed::numeric;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
// CPU time of the process (all threads): robust to the load of a shared machine when
// the run is single-threaded (OMP_NUM_THREADS=1), unlike wall time.
double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

void print_load() {
  std::ifstream f("/proc/loadavg");
  std::string s;
  std::getline(f, s);
  std::printf("# loadavg: %s\n", s.c_str());
}

std::vector<KFactor> random_chain(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> nd(0.0, 1.0);
  std::vector<KFactor> fs;
  for (const auto& t : butterfly_chain(n)) {
    KFactor f(t);
    for (auto& v : f.values) v = nd(g);
    fs.push_back(std::move(f));
  }
  return fs;
}

// 1^T (A_1 o B_1) ... (A_L o B_L) 1 in long double (KFactor layout, see kronecker_factor.hpp).
long double path_sum(const std::vector<KFactor>& A, const std::vector<KFactor>& B) {
  std::vector<long double> v(A.back().cols(), 1.0L);
  for (std::size_t l = A.size(); l-- > 0;) {
    const KPattern& t = A[l].theta;
    std::vector<long double> o(t.rows(), 0.0L);
    for (std::size_t al = 0; al < t.a; ++al)
      for (std::size_t be = 0; be < t.b; ++be)
        for (std::size_t ga = 0; ga < t.c; ++ga)
          for (std::size_t de = 0; de < t.d; ++de) {
            const std::size_t off = ((al * t.b + be) * t.c + ga) * t.d + de;
            o[al * t.b * t.d + be * t.d + de] +=
                static_cast<long double>(A[l].values[off]) * B[l].values[off] * v[al * t.c * t.d + ga * t.d + de];
          }
    v = std::move(o);
  }
  long double s = 0.0L;
  for (auto x : v) s += x;
  return s;
}

double fast_rel_error(const std::vector<KFactor>& W, const std::vector<KFactor>& Q) {
  const long double ww = path_sum(W, W), wq = path_sum(W, Q), qq = path_sum(Q, Q);
  return static_cast<double>(std::sqrt(std::max(0.0L, ww - 2 * wq + qq) / ww));
}

const QuantizeMethod kFig[] = {QuantizeMethod::rtn, QuantizeMethod::pairwise, QuantizeMethod::left_to_right};

double quantize_error(const std::vector<KFactor>& W, QuantizeMethod m, int t, double* secs) {
  QuantizeOptions o;
  o.format = FloatFormat::bits(t);
  o.method = m;
  o.max_product_values = std::size_t{1} << 29;
  const double t0 = now();
  const ChainQuantization q = quantize_chain(W, o);
  if (secs) *secs = now() - t0;
  return fast_rel_error(W, q.factors);
}

// t' with err_m(t') = target by log-linear interpolation on the method's grid; NaN outside.
double equal_error_t(const std::vector<int>& ts, const std::vector<double>& err, double target) {
  for (std::size_t k = 0; k + 1 < ts.size(); ++k) {
    const double a = std::log2(err[k]), b = std::log2(err[k + 1]), y = std::log2(target);
    if ((a >= y && y >= b) || (a <= y && y <= b)) {
      const double f = a == b ? 0.0 : (a - y) / (a - b);
      return ts[k] + f * (ts[k + 1] - ts[k]);
    }
  }
  return NAN;
}

void sweep(const std::vector<std::pair<int, int>>& cases /* (N, t) */, int seeds, int l2r_nmax, bool by_t) {
  print_load();
  std::printf("%s\t%s\tmethod\trel_error_mean\trel_error_min\trel_error_max\tseconds_mean\n", "N", "t");
  // err[method][case]
  std::vector<std::vector<double>> mean(3, std::vector<double>(cases.size(), NAN));
  for (std::size_t c = 0; c < cases.size(); ++c) {
    const auto [N, t] = cases[c];
    const std::size_t n = std::size_t{1} << N;
    for (int mi = 0; mi < 3; ++mi) {
      if (kFig[mi] == QuantizeMethod::left_to_right && N > l2r_nmax) continue;
      double s = 0, lo = INFINITY, hi = 0, secs = 0;
      for (int sd = 1; sd <= seeds; ++sd) {
        const auto W = random_chain(n, static_cast<std::uint64_t>(sd));
        double dt = 0;
        const double e = quantize_error(W, kFig[mi], t, &dt);
        s += e;
        lo = std::min(lo, e);
        hi = std::max(hi, e);
        secs += dt;
      }
      mean[static_cast<std::size_t>(mi)][c] = s / seeds;
      std::printf("%d\t%d\t%s\t%.4e\t%.4e\t%.4e\t%.3f\n", N, t, to_string(kFig[mi]).c_str(), s / seeds, lo, hi, secs / seeds);
      std::fflush(stdout);
    }
  }
  if (!by_t) return;
  std::vector<int> ts;
  for (const auto& c : cases) ts.push_back(c.second);
  std::printf("# bit saving at equal error: t (RTN) -> t' (method) and t / t'\n");
  std::printf("t\tpairwise_t'\tpairwise_ratio\tl2r_t'\tl2r_ratio\n");
  for (std::size_t c = 0; c < cases.size(); ++c) {
    const double target = mean[0][c];
    const double tp = equal_error_t(ts, mean[1], target);
    const double tl = std::isnan(mean[2][0]) ? NAN : equal_error_t(ts, mean[2], target);
    std::printf("%d\t%.2f\t%.2f\t%.2f\t%.2f\n", ts[c], tp, ts[c] / tp, tl, ts[c] / tl);
  }
}

int run(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  auto arg = [&](int i, int def) { return argc > i ? std::stoi(argv[i]) : def; };
  if (mode == "fig6t") {
    const int N = arg(2, 12), tmin = arg(3, 2), tmax = arg(4, 10), seeds = arg(5, 3), l2r = arg(6, 13);
    std::vector<std::pair<int, int>> cases;
    for (int t = tmin; t <= tmax; ++t) cases.emplace_back(N, t);
    sweep(cases, seeds, l2r, true);
    return 0;
  }
  if (mode == "fig6n") {
    const int t = arg(2, 8), nmin = arg(3, 4), nmax = arg(4, 14), seeds = arg(5, 3), l2r = arg(6, 13);
    std::vector<std::pair<int, int>> cases;
    for (int N = nmin; N <= nmax; ++N) cases.emplace_back(N, t);
    sweep(cases, seeds, l2r, false);
    return 0;
  }
  if (mode == "perf") {
    // Side by side in one run (one process; each method in a forked child so that its
    // peak RSS is its own: the child starts from the parent's RSS after building W).
    const int N = arg(2, 14), t = arg(3, 8), reps = arg(4, 1), with_materialized = arg(5, 0);
    const std::size_t n = std::size_t{1} << N;
    print_load();
    const auto W = random_chain(n, 1);
    std::size_t stored = 0;
    for (const auto& w : W) stored += w.values.size();
    std::printf("# n = %zu, t = %d, L = %zu, stored values %zu, reps %d (minimum CPU and wall seconds over reps)\n", n, t, W.size(),
                stored, reps);
    std::printf("method\tcpu_s\twall_s\tpeak_rss_MiB\tvalues_touched\trel_error\n");
    std::fflush(stdout);
    const char* names[] = {"one_pass", "rtn", "pairwise", "touch_once", "l2r", "r2l", "l2r_materialized"};
    const int count = with_materialized ? 7 : 6;
    for (int mi = 0; mi < count; ++mi) {
      const pid_t pid = fork();
      if (pid < 0) throw std::runtime_error("fork failed");
      if (pid == 0) {
        double best_cpu = INFINITY, best_wall = INFINITY, err = NAN;
        std::size_t touched = 0;
        std::vector<double> out(mi == 0 ? stored : 0, 1.0);  // allocated and touched before timing
        for (int r = 0; r < reps; ++r) {
          const double w0 = now(), c0 = cpu_now();
          if (mi == 0) {
            // One pass over the stored values: read each once, write its t-bit rounding
            // (round half to even on the significand bits, branch-free and vectorizable:
            // the least any quantizer does) into a preallocated buffer.
            const unsigned sh = static_cast<unsigned>(53 - t);
            const std::uint64_t half_m1 = (std::uint64_t{1} << (sh - 1)) - 1, mask = ~((std::uint64_t{1} << sh) - 1);
            std::size_t o = 0;
            for (const auto& w : W)
              for (double v : w.values) {
                std::uint64_t b;
                std::memcpy(&b, &v, sizeof b);
                b = (b + half_m1 + ((b >> sh) & 1u)) & mask;
                std::memcpy(&out[o++], &b, sizeof b);
              }
            touched = stored;
            if (out[stored / 2] == 12345.0) std::printf("#\n");
          } else if (mi == 3) {
            // Every entry of every W_{l+1}...W_L row left-to-right reads, formed (streamed,
            // as quantize_chain does) and read once: the touch-once lower bound's data.
            const double s = stream_suffix_rows(W, &touched);
            if (s == 12345.0) std::printf("#\n");
          } else {
            QuantizeOptions o;
            o.format = FloatFormat::bits(t);
            o.method = mi == 1   ? QuantizeMethod::rtn
                       : mi == 2 ? QuantizeMethod::pairwise
                       : mi == 5 ? QuantizeMethod::right_to_left
                                 : QuantizeMethod::left_to_right;
            o.materialize_products = mi == 6;
            o.max_product_values = std::size_t{1} << 30;
            const ChainQuantization q = quantize_chain(W, o);
            const double c1 = cpu_now(), w1 = now();
            best_cpu = std::min(best_cpu, c1 - c0);
            best_wall = std::min(best_wall, w1 - w0);
            err = fast_rel_error(W, q.factors);
            continue;
          }
          best_cpu = std::min(best_cpu, cpu_now() - c0);
          best_wall = std::min(best_wall, now() - w0);
        }
        rusage ru{};
        getrusage(RUSAGE_SELF, &ru);
        std::printf("%s\t%.6f\t%.6f\t%.1f\t%zu\t%.4e\n", names[mi], best_cpu, best_wall, static_cast<double>(ru.ru_maxrss) / 1024.0,
                    touched, err);
        std::fflush(stdout);
        std::_Exit(0);
      }
      int status = 0;
      waitpid(pid, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) std::printf("# %s: child failed (status %d)\n", names[mi], status);
    }
    print_load();
    return 0;
  }
  if (mode == "check") {
    const int N = arg(2, 8), t = arg(3, 8);
    const auto W = random_chain(std::size_t{1} << N, 3);
    for (QuantizeMethod m : kFig) {
      QuantizeOptions o;
      o.format = FloatFormat::bits(t);
      o.method = m;
      const ChainQuantization q = quantize_chain(W, o);
      const QuantizationError e = quantization_error(W, q.factors);
      const double f = fast_rel_error(W, q.factors);
      std::printf("%s\tfast %.10e\tcertified [%.10e, %.10e]\t%s\n", to_string(m).c_str(), f, e.relative.lo, e.relative.hi,
                  e.relative.contains(f) ? "inside" : "OUTSIDE");
    }
    return 0;
  }
  std::fprintf(stderr, "usage: quantize_bench fig6t|fig6n|perf|check ... (see the file header)\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
