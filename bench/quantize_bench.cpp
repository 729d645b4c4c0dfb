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
//   quantize_bench perf N t [reps]
//       left-to-right at n = 2^N, t against, in the same process: (a) one pass over
//       the stored values (RTN of every value, the same quantize_chain call), and
//       (b) the partial products W_{l+1}...W_L that left-to-right forms (its unavoidable
//       data); minimum time over reps of each.
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
#include <cstdio>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

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
    const int N = arg(2, 14), t = arg(3, 8), reps = arg(4, 3);
    const std::size_t n = std::size_t{1} << N;
    print_load();
    const auto W = random_chain(n, 1);
    std::size_t stored = 0;
    for (const auto& w : W) stored += w.values.size();
    // Minimum over reps of wall and of CPU seconds for: (a) RTN of every stored value
    // (one pass), (b) the partial products left-to-right forms, (c) left-to-right.
    double wall[3] = {INFINITY, INFINITY, INFINITY}, cpu[3] = {INFINITY, INFINITY, INFINITY};
    double err_l2r = 0, err_rtn = 0;
    QuantizeOptions o;
    o.format = FloatFormat::bits(t);
    o.max_product_values = std::size_t{1} << 29;
    for (int r = 0; r < reps; ++r) {
      double w0 = now(), c0 = cpu_now();
      o.method = QuantizeMethod::rtn;
      const ChainQuantization qr = quantize_chain(W, o);
      wall[0] = std::min(wall[0], now() - w0);
      cpu[0] = std::min(cpu[0], cpu_now() - c0);
      err_rtn = fast_rel_error(W, qr.factors);
      w0 = now();
      c0 = cpu_now();
      double sink = 0;
      KFactor A, B;  // the same buffer reuse as quantize_chain's left-to-right
      const std::size_t L = W.size();
      for (std::size_t l = 0; l + 2 < L; ++l) {
        kfactor_product_into(W[L - 2], W[L - 1], A, std::size_t{1} << 29);
        for (std::size_t s = L - 2; s-- > l + 1;) {
          kfactor_product_into(W[s], A, B, std::size_t{1} << 29);
          std::swap(A, B);
        }
        sink += A.values[0];
      }
      wall[1] = std::min(wall[1], now() - w0);
      cpu[1] = std::min(cpu[1], cpu_now() - c0);
      if (sink == 12345.0) std::printf("#\n");
      w0 = now();
      c0 = cpu_now();
      o.method = QuantizeMethod::left_to_right;
      const ChainQuantization ql = quantize_chain(W, o);
      wall[2] = std::min(wall[2], now() - w0);
      cpu[2] = std::min(cpu[2], cpu_now() - c0);
      err_l2r = fast_rel_error(W, ql.factors);
    }
    std::printf("n\tt\tstored\trtn_pass_cpu_s\tproducts_cpu_s\tl2r_cpu_s\tl2r/rtn_pass\tl2r/products\twall_s(rtn,prod,l2r)\terr_rtn\terr_l2r\n");
    std::printf("%zu\t%d\t%zu\t%.4f\t%.3f\t%.3f\t%.1f\t%.2f\t%.3f,%.2f,%.2f\t%.4e\t%.4e\n", n, t, stored, cpu[0], cpu[1], cpu[2],
                cpu[2] / cpu[0], cpu[2] / cpu[1], wall[0], wall[1], wall[2], err_rtn, err_l2r);
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
