// Reproductions of the seeds' factorization experiments (issue 5), own main,
// every figure from one run of this program:
//   numeric_experiments_bench fig64 [Lmax] [seeds] [seeds_large] [Lmin]
//       Fig 6.4 (SEEDMAP B5): A = X1 X2 X3 X4 + E, 2^L x 2^L, L = 7..Lmax, a
//       (r, r, r)-chainable chain for r in {1, 2, 4}, sigma left-to-right and
//       balanced, Alg 7 vs Alg 8: time and relative error, mean +- std over
//       seeds (seeds_large of them for L >= 10), next to ||E||_F / ||A||_F;
//       L from Lmin (default 7).
//   numeric_experiments_bench eigsolve [L] [reps]
//       Fig 6.4's chains on 2^L (r in {1, 2, 4}, both orders, Alg 8): the
//       uncertified Gram splits by block subspace iteration (the default,
//       HierarchicalOptions::partial_eigensolves) against full eigen-solves of
//       every Gram matrix, same target, same process, interleaved: minimum time
//       of each over reps, the speed-up, and both relative errors.
//   numeric_experiments_bench fig55 [Nmax] [iters]
//       Fig 5.4/5.5 (SEEDMAP B3): Hadamard 2^N, two-factor supports (Monarch
//       (I1, J1) and (I2, J2)); Algorithm 4 vs gradient descent / Adam over the
//       learning-rate grid {5 10^-k, 10^-k : k = 1..4}: time to log10 ||A - XY||_F <= -10,
//       or the best residual after the iteration budget.
//   numeric_experiments_bench ratio [Nmax] [search_iters]
//       Observed ratio ||A - X1...XN||_F / max_s E_s(A) (max_s E_s <= E^Theta(A),
//       Lemma 6.5.7) against the proven constants C_N of Table 6.2 for the square
//       dyadic chain, on random N(0,1) targets and on adversarial targets found by
//       local search (random coordinate perturbations, kept when the ratio grows).
//   numeric_experiments_bench dft [Nmax] [Nmin]
//       DFT 2^N with the bit-reversal permutation (issue 5): A = F_n P (dft.hpp),
//       complex Algorithms 7 and 8, sigma left-to-right and balanced: relative
//       error ||A - X1...XN||_F / ||A||_F in units of N u, the certified residual
//       and lower bound (relative), the proven ratio, time; plus the error of the
//       Cooley-Tukey factors' own product (the construction, not a factorization).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/numeric.hpp"

using namespace wellposed;
using namespace wellposed::numeric;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

void print_load() {
  double l[3] = {0, 0, 0};
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf %lf %lf", &l[0], &l[1], &l[2]) != 3) l[0] = -1;
    std::fclose(f);
  }
  std::printf("load average: %.2f %.2f %.2f\n", l[0], l[1], l[2]);
}

Matrix gaussian(Eigen::Index m, Eigen::Index n, double sd, std::mt19937_64& gen) {
  std::normal_distribution<double> nd(0.0, sd);
  Matrix x(m, n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < m; ++i) x(i, j) = nd(gen);
  return x;
}

struct Stat {
  double mean = 0, sd = 0;
};
Stat stat(const std::vector<double>& v) {
  Stat s;
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  for (double x : v) s.sd += (x - s.mean) * (x - s.mean);
  s.sd = v.size() > 1 ? std::sqrt(s.sd / static_cast<double>(v.size() - 1)) : 0.0;
  return s;
}

// The (r, r, r)-chainable chain of 4 square-block patterns theta_l = (a_l, b_l, b_l, d_l)
// on n = 2^L with the fewest parameters among such chains: a_1 = 1, d_4 = 1,
// q_l = a_l b_l / a_{l+1} = r forces b_1 b_2 b_3 b_4 = n r^3, and the parameter count
// n (b_1 + ... + b_4) is smallest for balanced exponents (r | b_l, b_l >= r).
KChain rrr_chain(std::size_t L, std::size_t rho) {
  const std::size_t total = L + 3 * rho;
  std::size_t beta[4];
  for (std::size_t l = 0; l < 4; ++l) beta[l] = total / 4 + (l < total % 4 ? 1 : 0);
  const std::size_t n = std::size_t{1} << L, r = std::size_t{1} << rho;
  KChain ch;
  std::size_t a = 1;
  for (std::size_t l = 0; l < 4; ++l) {
    const std::size_t b = std::size_t{1} << beta[l];
    ch.push_back(KPattern{a, b, b, n / (a * b)});
    a = a * b / r;
  }
  return ch;
}

// Whether chain_qs finds ch (r, r, r)-chainable with r = 2^rho (every q_l = r).
bool is_rrr_chainable(const KChain& ch, std::size_t rho) {
  const auto qs = chain_qs(ch);
  return qs && std::all_of(qs->begin(), qs->end(), [&](std::size_t q) { return q == (std::size_t{1} << rho); });
}

// Factors on the chain's supports with iid N(0, 1) values, drawn in chain order.
std::vector<KFactor> random_factors(const KChain& ch, std::mt19937_64& gen) {
  std::normal_distribution<double> nd(0.0, 1.0);
  std::vector<KFactor> xs;
  for (const auto& t : ch) {
    KFactor f(t);
    for (auto& v : f.values) v = nd(gen);
    xs.push_back(std::move(f));
  }
  return xs;
}

std::string chain_name(const KChain& ch) {
  std::string name;
  for (const auto& t : ch) name += t.to_string();
  return name;
}

int run_fig64(std::size_t Lmax, int seeds, int seeds_large, std::size_t Lmin) {
  print_load();
  std::printf("| L | r | chain | sigma | alg | runs | time [s] mean +- std | rel. error mean +- std | ||E||/||A|| mean |\n|---|---|---|---|---|---|---|---|---|\n");
  for (std::size_t L = Lmin; L <= Lmax; ++L)
    for (std::size_t rho : {0u, 1u, 2u}) {
      const KChain ch = rrr_chain(L, rho);
      if (!is_rrr_chainable(ch, rho)) {
        std::printf("internal error: chain for L=%zu r=%zu is not (r,r,r)-chainable\n", L, std::size_t{1} << rho);
        return 1;
      }
      const std::string name = chain_name(ch);
      const int runs = L >= 10 ? seeds_large : seeds;
      for (int sig = 0; sig < 2; ++sig)
        for (auto alg : {HierarchicalAlgorithm::alg7, HierarchicalAlgorithm::alg8}) {
          std::vector<double> times, errs, noise;
          for (int s = 0; s < runs; ++s) {
            std::mt19937_64 gen(1000 * L + 100 * rho + static_cast<std::uint64_t>(s));
            const std::vector<KFactor> xs = random_factors(ch, gen);
            Matrix A = chain_product(xs);
            const auto n = static_cast<Eigen::Index>(A.rows());
            const Matrix E = gaussian(n, n, 0.1, gen);
            A += E;
            noise.push_back(E.norm() / A.norm());
            HierarchicalOptions o;
            o.algorithm = alg;
            o.order = sig == 0 ? split_order_left_to_right(4) : split_order_balanced(4);
            o.all_split_errors = false;
            o.direct_residual_max_work = 0;
            const double t0 = now();
            const auto r = factorize_hierarchical(A, ch, o);
            times.push_back(now() - t0);
            const double an = A.norm();
            A -= chain_product(r.factors);
            errs.push_back(A.norm() / an);
          }
          const Stat t = stat(times), e = stat(errs), z = stat(noise);
          std::printf("| %zu | %zu | %s | %s | %s | %d | %.4g +- %.2g | %.4f +- %.4f | %.4f |\n", L, std::size_t{1} << rho, name.c_str(),
                      sig == 0 ? "left-to-right" : "balanced", alg == HierarchicalAlgorithm::alg7 ? "Alg 7" : "Alg 8", runs, t.mean,
                      t.sd, e.mean, e.sd, z.mean);
          std::fflush(stdout);
        }
    }
  print_load();
  return 0;
}

// Partial (subspace iteration) vs full Gram eigen-solves in the uncertified
// splits, on Fig 6.4's targets; the certifying first split is the same full
// eigen-solve in both (certified_tail_from_gram needs the whole spectrum).
int run_eigsolve(std::size_t L, int reps) {
  if (reps < 1) {
    std::fprintf(stderr, "error: eigsolve: reps must be >= 1 (got %d)\n", reps);
    return 2;
  }
  print_load();
  std::printf("| L | r | chain | sigma | full [s] (min of %d) | partial [s] (min of %d) | speed-up | rel. error full | rel. error partial |\n|---|---|---|---|---|---|---|---|---|\n", reps, reps);
  for (std::size_t rho : {0u, 1u, 2u}) {
    const KChain ch = rrr_chain(L, rho);
    if (!is_rrr_chainable(ch, rho)) {
      std::fprintf(stderr, "error: eigsolve: no (r,r,r)-chainable 4-factor chain for L=%zu r=%zu (L too small)\n", L, std::size_t{1} << rho);
      return 2;
    }
    const std::string name = chain_name(ch);
    std::mt19937_64 gen(1000 * L + 100 * rho);
    const std::vector<KFactor> xs = random_factors(ch, gen);
    Matrix A = chain_product(xs);
    A += gaussian(A.rows(), A.cols(), 0.1, gen);
    const double an = A.norm();
    for (int sig = 0; sig < 2; ++sig) {
      double t[2] = {1e30, 1e30}, err[2] = {0, 0};
      for (int k = 0; k < reps; ++k)
        for (int partial = 0; partial < 2; ++partial) {
          HierarchicalOptions o;
          o.algorithm = HierarchicalAlgorithm::alg8;
          o.order = sig == 0 ? split_order_left_to_right(4) : split_order_balanced(4);
          o.all_split_errors = false;
          o.direct_residual_max_work = 0;
          o.partial_eigensolves = partial == 1;
          const double t0 = now();
          const auto r = factorize_hierarchical(A, ch, o);
          t[partial] = std::min(t[partial], now() - t0);
          err[partial] = (A - chain_product(r.factors)).norm() / an;
        }
      std::printf("| %zu | %zu | %s | %s | %.3f | %.3f | %.2fx | %.6f | %.6f |\n", L, std::size_t{1} << rho, name.c_str(),
                  sig == 0 ? "left-to-right" : "balanced", t[0], t[1], t[0] / t[1], err[0], err[1]);
      std::fflush(stdout);
    }
  }
  print_load();
  return 0;
}

// The row-update kernel chain_product used before (kept here as the baseline of
// the chainprod mode): out.row(i) += x * y.row(j) on column-major matrices.
Matrix old_apply(const KFactor& f, const Matrix& y) {
  const auto& t = f.theta;
  Matrix out = Matrix::Zero(static_cast<Eigen::Index>(f.rows()), y.cols());
  const auto a = static_cast<std::ptrdiff_t>(t.a);
#pragma omp parallel for schedule(static) if (f.values.size() * static_cast<std::size_t>(y.cols()) > (1u << 16))
  for (std::ptrdiff_t al = 0; al < a; ++al)
    for (std::size_t be = 0; be < t.b; ++be)
      for (std::size_t ga = 0; ga < t.c; ++ga)
        for (std::size_t de = 0; de < t.d; ++de) {
          const double x = f.values[((static_cast<std::size_t>(al) * t.b + be) * t.c + ga) * t.d + de];
          if (x == 0.0) continue;
          const auto i = static_cast<Eigen::Index>(static_cast<std::size_t>(al) * t.b * t.d + be * t.d + de);
          const auto j = static_cast<Eigen::Index>(static_cast<std::size_t>(al) * t.c * t.d + ga * t.d + de);
          out.row(i) += x * y.row(j);
        }
  return out;
}
Matrix old_chain_product(const std::vector<KFactor>& fs) {
  Matrix p = fs.back().to_dense();
  for (std::size_t l = fs.size() - 1; l-- > 0;) p = old_apply(fs[l], p);
  return p;
}

// chain_product (library) vs the old row-update kernel, same process, same
// factors: Fig 6.4's r = 1 and r = 4 chains and the square dyadic butterfly on
// 2^L; plus one apply / apply_abs of the first factor on a dense Gaussian operand.
int run_chainprod(std::size_t L, int reps) {
  print_load();
  const std::size_t n = std::size_t{1} << L;
  std::printf("| chain (n = %zu) | op | old [s] (min of %d) | new [s] (min of %d) | speed-up | max |new - old| / max |old| |\n|---|---|---|---|---|---|\n", n, reps, reps);
  std::vector<std::pair<std::string, KChain>> chains = {{"Fig 6.4 r=1", rrr_chain(L, 0)}, {"Fig 6.4 r=4", rrr_chain(L, 2)},
                                                        {"butterfly", butterfly_chain(n)}};
  for (const auto& [nm, ch] : chains) {
    std::mt19937_64 gen(5);
    const std::vector<KFactor> xs = random_factors(ch, gen);
    const std::string name = nm + " " + chain_name(ch);
    const Matrix Y = gaussian(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n), 1.0, gen);
    KFactor absx = xs[0];
    for (auto& v : absx.values) v = std::abs(v);
    for (int op = 0; op < 3; ++op) {
      double told = 1e30, tnew = 1e30;
      Matrix Po, Pn;
      for (int k = 0; k < reps; ++k) {
        double t0 = now();
        Po = op == 0 ? old_chain_product(xs) : op == 1 ? old_apply(xs[0], Y) : old_apply(absx, Y.cwiseAbs());
        told = std::min(told, now() - t0);
        t0 = now();
        Pn = op == 0 ? chain_product(xs) : op == 1 ? xs[0].apply(Y) : xs[0].apply_abs(Y);
        tnew = std::min(tnew, now() - t0);
      }
      std::printf("| %s | %s | %.3f | %.3f | %.1fx | %.2g |\n", name.c_str(), op == 0 ? "chain_product" : op == 1 ? "apply(X1, Y)" : "apply_abs(X1, Y)",
                  told, tnew, told / tnew, (Pn - Po).cwiseAbs().maxCoeff() / Po.cwiseAbs().maxCoeff());
      std::fflush(stdout);
    }
  }
  print_load();
  return 0;
}

Matrix hadamard(std::size_t N) {
  Matrix H(1, 1);
  H(0, 0) = 1.0;
  for (std::size_t k = 0; k < N; ++k) {
    Matrix H2(2 * H.rows(), 2 * H.cols());
    H2 << H, H, H, -H;
    H = H2;
  }
  return H;
}

int run_fig55(std::size_t Nmax, std::size_t iters) {
  print_load();
  std::printf("| N | supports | Alg 4 time [s] | Alg 4 log10 residual | best GD (lr, iters, time [s], log10 res) | best Adam (lr, iters, time [s], log10 res) |\n|---|---|---|---|---|---|\n");
  const double target = 1e-10;
  for (std::size_t N = 3; N <= Nmax; ++N) {
    const Matrix A = hadamard(N);
    const std::size_t n = std::size_t{1} << N, a = (N + 1) / 2, b = N / 2;
    struct Sup {
      const char* name;
      KPattern left, right;
    };
    const Sup sups[2] = {{"(I1,J1) Monarch", KPattern{1, std::size_t{1} << a, std::size_t{1} << a, std::size_t{1} << b},
                          KPattern{std::size_t{1} << a, std::size_t{1} << b, std::size_t{1} << b, 1}},
                         {"(I2,J2)", KPattern{1, 2, 2, n / 2}, KPattern{2, n / 2, n / 2, 1}}};
    for (const auto& sp : sups) {
      const Support L = sp.left.support(), R = sp.right.support();
      double best4 = 1e30;
      TwoFactorResult r4;
      for (int k = 0; k < 3; ++k) {
        const double t0 = now();
        r4 = factorize_two_factors(A, L, R);
        best4 = std::min(best4, now() - t0);
      }
      const double res4 = (A - r4.X * r4.Y).norm();
      std::string cells[2];
      for (int adam = 0; adam < 2; ++adam) {
        double best_t = 1e30, best_lr = 0, best_res = 1e30;
        std::size_t best_it = 0;
        bool reached = false;
        for (int k = 1; k <= 4; ++k)
          for (double mant : {5.0, 1.0}) {
            const double lr = mant * std::pow(10.0, -k);
            GradientOptions o;
            o.adam = adam == 1;
            o.learning_rate = lr;
            o.iterations = iters;
            o.target_loss = target * target;
            o.seed = 7;
            const double t0 = now();
            const auto g = gradient_descent(A, {L, R}, o);
            const double t = now() - t0;
            const double res = std::sqrt(g.loss.back());
            const bool ok = std::isfinite(res) && res <= target;
            if ((ok && (!reached || t < best_t)) || (!reached && !ok && std::isfinite(res) && res < best_res)) {
              best_t = t;
              best_lr = lr;
              best_res = res;
              best_it = g.iterations;
              reached = ok;
            }
          }
        char buf[160];
        std::snprintf(buf, sizeof buf, "%s lr %.0e, %zu it, %.3g s, %.1f", reached ? "reached:" : "NOT reached:", best_lr, best_it, best_t,
                      std::log10(std::max(best_res, 1e-300)));
        cells[adam] = buf;
      }
      std::printf("| %zu | %s | %.3g | %.1f | %s | %s |\n", N, sp.name, best4, std::log10(std::max(res4, 1e-300)), cells[0].c_str(),
                  cells[1].c_str());
      std::fflush(stdout);
    }
  }
  print_load();
  return 0;
}

double observed_ratio(const Matrix& A, const KChain& ch, const std::vector<std::size_t>& order, double* proven) {
  HierarchicalOptions o;
  o.order = order;
  o.algorithm = HierarchicalAlgorithm::alg8;
  const auto r = factorize_hierarchical(A, ch, o);
  const double achieved = (A - chain_product(r.factors)).norm();
  if (proven) *proven = r.enclosure.ratio_upper;
  const double lb = r.enclosure.lower_bound.hi;  // >= max_s E_s: the observed ratio below is not overstated
  return lb > 0.0 ? achieved / lb : 1.0;
}

int run_ratio(std::size_t Nmax, std::size_t search_iters) {
  print_load();
  std::printf("| n | sigma | C_N (Table 6.2) | random A: max observed ratio (20 seeds) | adversarial A: ratio found (%zu local-search steps x 4 starts) | proven ratio_upper at that A |\n|---|---|---|---|---|---|\n",
              search_iters);
  for (std::size_t N = 2; N <= Nmax; ++N) {
    const std::size_t n = std::size_t{1} << N;
    const auto ni = static_cast<Eigen::Index>(n);
    const KChain ch = butterfly_chain(n);
    for (int sig = 0; sig < 2; ++sig) {
      const auto order = sig == 0 ? split_order_left_to_right(N) : split_order_balanced(N);
      // Thm 6.5.14 (sigma = id): sqrt(2 3^{N-2} - 1) (SEEDMAP: exact form of the printed constant);
      // Thm 6.5.9 (any sigma): 2^{N-1} - 1 = n/2 - 1 for any tree... stated per sigma as in Table 6.2.
      const double cn = sig == 0 ? std::sqrt(2.0 * std::pow(3.0, static_cast<double>(N) - 2.0) - 1.0) : static_cast<double>(n) / 2.0 - 1.0;
      double rnd = 0.0;
      for (std::uint64_t s = 0; s < 20; ++s) {
        std::mt19937_64 gen(s + 17);
        rnd = std::max(rnd, observed_ratio(gaussian(ni, ni, 1.0, gen), ch, order, nullptr));
      }
      double adv = 0.0, adv_proven = 0.0;
      for (std::uint64_t start = 0; start < 4; ++start) {
        std::mt19937_64 gen(100 + start);
        Matrix A = gaussian(ni, ni, 1.0, gen);
        double cur = observed_ratio(A, ch, order, nullptr);
        std::uniform_int_distribution<Eigen::Index> pick(0, ni - 1);
        std::normal_distribution<double> step(0.0, 1.0);
        for (std::size_t it = 0; it < search_iters; ++it) {
          Matrix B = A;
          const double scale = 0.5 * std::pow(0.999, static_cast<double>(it));
          for (int k = 0; k < 2; ++k) B(pick(gen), pick(gen)) += scale * step(gen) * (1.0 + A.cwiseAbs().maxCoeff());
          const double rb = observed_ratio(B, ch, order, nullptr);
          if (rb > cur) {
            cur = rb;
            A = B;
          }
        }
        if (cur > adv) {
          adv = cur;
          observed_ratio(A, ch, order, &adv_proven);
        }
      }
      std::printf("| %zu | %s | %.4g | %.4f | %.4f | %.4g |\n", n, sig == 0 ? "left-to-right" : "balanced", cn, rnd, adv, adv_proven);
      std::fflush(stdout);
    }
  }
  print_load();
  return 0;
}

int run_dft(std::size_t Nmax, std::size_t Nmin) {
  print_load();
  std::printf("| n | alg | sigma | rel. error | rel. error / (N u) | certified residual / ||A|| | certified max_s E_s / ||A|| | Cooley-Tukey product rel. error | time (s) |\n"
              "|---|---|---|---|---|---|---|---|---|\n");
  for (std::size_t N = Nmin; N <= Nmax; ++N) {
    const std::size_t n = std::size_t{1} << N;
    const KChain ch = butterfly_chain(n);
    const ComplexMatrix A = dft_bit_reversed(n);
    const double an = A.norm();
    const double ct = (chain_product(dft_butterfly_factors(n)) - A).norm() / an;
    for (auto alg : {HierarchicalAlgorithm::alg7, HierarchicalAlgorithm::alg8})
      for (int sig = 0; sig < 2; ++sig) {
        HierarchicalOptions o;
        o.algorithm = alg;
        o.order = sig == 0 ? split_order_left_to_right(N) : split_order_balanced(N);
        const double t0 = now();
        const auto r = factorize_hierarchical(A, ch, o);
        const double t = now() - t0;
        const double rel = (A - chain_product(r.factors)).norm() / an;
        std::printf("| %zu | %d | %s | %.3e | %.2f | [%.3e, %.3e] | [%.3e, %.3e] | %.3e | %.4f |\n", n,
                    alg == HierarchicalAlgorithm::alg7 ? 7 : 8, sig == 0 ? "left-to-right" : "balanced", rel,
                    rel / (static_cast<double>(N) * unit_roundoff), r.enclosure.residual.lo / an, r.enclosure.residual.hi / an,
                    r.enclosure.lower_bound.lo / an, r.enclosure.lower_bound.hi / an, ct, t);
        std::fflush(stdout);
      }
  }
  print_load();
  return 0;
}

}  // namespace

int run(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "";
  auto arg = [&](int i, std::size_t dflt) {
    if (argc <= i) return dflt;
    const std::string v = argv[i];
    if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 9)
      throw std::invalid_argument("argument " + std::to_string(i) + " of '" + what + "' must be a non-negative integer below 10^9, got '" + v + "'");
    return static_cast<std::size_t>(std::stoul(v));
  };
  if (what == "eigsolve") return run_eigsolve(arg(2, 12), static_cast<int>(arg(3, 3)));
  if (what == "chainprod") return run_chainprod(arg(2, 12), static_cast<int>(arg(3, 2)));
  if (what == "fig64") return run_fig64(arg(2, 11), static_cast<int>(arg(3, 10)), static_cast<int>(arg(4, 3)), arg(5, 7));
  if (what == "fig55") return run_fig55(arg(2, 7), arg(3, 2000));
  if (what == "ratio") return run_ratio(arg(2, 5), arg(3, 300));
  if (what == "dft") return run_dft(arg(2, 10), arg(3, 3));
  std::fprintf(stderr, "usage: %s fig64 [Lmax] [seeds] [seeds_large] [Lmin] | eigsolve [L] [reps] | chainprod [L] [reps] | fig55 [Nmax] [iters] | ratio [Nmax] [search_iters] | dft [Nmax] [Nmin]\n", argv[0]);
  return 2;
}

int main(int argc, char** argv) {
  // Bad arguments (not a number, sizes the library refuses) end with a message
  // and exit code 2 instead of an uncaught exception.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
