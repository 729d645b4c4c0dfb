// Randomized soundness campaign (issue 21, item 4) and the trust figures of
// its "Done when". A plain main(), not in CI (bench/RESULTS.md, "Soundness
// campaign and trust labels (issue 21)").
//
// Mode --campaign (default): seeded random pairs (m, n, r in 2..4) and
// three-factor chains (dimensions 2..3); for each base chain the variants
//   rows   : rows of X_1 permuted (P A)            cols  : columns of X_L permuted (A Q)
//   inner  : one inner index permuted              trans : (X_L^T, ..., X_1^T)
//   pad    : a zero row on X_1, a zero column on X_L, an inner index with an empty column/row
//   all    : every transformation above at once
// have the same product set up to a bijection (permutation, transposition or
// an embedding that adds zero coordinates), hence the same closedness. Every
// variant is decided (detectors, then the exact route with --exact-timeout
// seconds), every decided verdict is re-checked by the independent checker
// (a failed check counts as undecided) and labelled (check_and_label). A base
// whose variants get both closed and not closed is a CONTRADICTION (exit 1).
//
// Mode --decision-suite: the random 3x3 and 4x4 cases of decision_bench
// (same seeds), pipeline = detectors then the exact route; per decided
// verdict its trust label, whether a not-closed verdict's non-membership is
// solver-free (lu_pattern equations or a Nullstellensatz identity), and
// whether a Z3-dependent verdict was confirmed by the second solver
// (WELLPOSED_SECOND_SOLVER or --second-solver PATH).
//
// Usage: soundness_campaign_bench [--campaign|--decision-suite] [--pairs N] [--chains N]
//          [--exact-timeout S] [--check-timeout S] [--second-solver PATH] [--per-size N] [--sizes 332,444] [--seed S]
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <wellposed/algebra/architecture.hpp>
#include <wellposed/decide/checker.hpp>
#include <wellposed/decide/detectors.hpp>
#include <wellposed/decide/exact.hpp>
#include <wellposed/decide/detail/exact_checker.hpp>

using namespace wellposed;

namespace {

// How this run checks certificates (--check-timeout, --second-solver).
CertificateCheckOptions g_check;

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

struct Decision {
  Verdict v;
  bool checked = false;
  bool exact = false;  // decided by the exact route (not a detector)
  std::string check;
};

Decision decide(const Architecture& a, double exact_seconds) {
  Decision d;
  d.v = detect(a);
  if (!d.v.decided() && exact_seconds > 0) {
    ExactOptions o;
    o.seconds = exact_seconds;
    d.v = decide_closedness_exact(a, o);
    d.exact = true;
  }
  if (d.v.decided()) {
    const CheckResult c = check_and_label(a, d.v, g_check);
    d.checked = c.ok;
    d.check = c.reason;
  }
  return d;
}

std::vector<std::size_t> perm(std::size_t n, std::mt19937_64& g) {
  std::vector<std::size_t> p(n);
  std::iota(p.begin(), p.end(), 0);
  std::shuffle(p.begin(), p.end(), g);
  return p;
}

Support remap(const Support& s, const std::vector<std::size_t>& rp, const std::vector<std::size_t>& cp) {
  Support o(s.rows(), s.cols());
  for (auto [i, j] : s.entries()) o.set(rp[i], cp[j]);
  return o;
}
std::vector<std::size_t> id(std::size_t n) {
  std::vector<std::size_t> p(n);
  std::iota(p.begin(), p.end(), 0);
  return p;
}
Support pad(const Support& s, std::size_t extra_rows, std::size_t extra_cols) {
  Support o(s.rows() + extra_rows, s.cols() + extra_cols);
  for (auto [i, j] : s.entries()) o.set(i, j);
  return o;
}

using Chain = std::vector<Support>;

Chain permute_rows(Chain f, std::mt19937_64& g) {
  f.front() = remap(f.front(), perm(f.front().rows(), g), id(f.front().cols()));
  return f;
}
Chain permute_cols(Chain f, std::mt19937_64& g) {
  f.back() = remap(f.back(), id(f.back().rows()), perm(f.back().cols(), g));
  return f;
}
Chain permute_inner(Chain f, std::mt19937_64& g) {
  const std::size_t l = g() % (f.size() - 1);
  const auto p = perm(f[l].cols(), g);
  f[l] = remap(f[l], id(f[l].rows()), p);
  f[l + 1] = remap(f[l + 1], p, id(f[l + 1].cols()));
  return f;
}
Chain transpose(const Chain& f) {
  Chain o;
  for (auto it = f.rbegin(); it != f.rend(); ++it) o.push_back(it->transpose());
  return o;
}
Chain zero_pad(Chain f, std::mt19937_64& g) {
  f.front() = pad(f.front(), 1, 0);
  f.back() = pad(f.back(), 0, 1);
  const std::size_t l = g() % (f.size() - 1);
  f[l] = pad(f[l], 0, 1);
  f[l + 1] = pad(f[l + 1], 1, 0);
  return f;
}

struct Tally {
  std::size_t variants = 0, decided = 0, check_failed = 0, exact_decided = 0;
  std::map<std::string, std::size_t> exact_by_label, by_label;
};

int campaign(std::size_t pairs, std::size_t chains, double exact_seconds, std::uint64_t seed) {
  Tally t;
  std::size_t contradictions = 0, bases = 0, decided_bases = 0;
  const double t0 = now();
  for (std::size_t k = 0; k < pairs + chains; ++k) {
    std::mt19937_64 g(seed * 1000003ull + k);
    Chain base;
    if (k < pairs) {
      const std::size_t m = 2 + g() % 3, r = 2 + g() % 3, n = 2 + g() % 3;
      const double density = 0.35 + 0.4 * static_cast<double>(g() % 1001) / 1000.0;
      base = {Support::random(m, r, density, g()), Support::random(r, n, density, g())};
    } else {
      std::size_t d[4];
      for (auto& x : d) x = 2 + g() % 2;
      const double density = 0.4 + 0.4 * static_cast<double>(g() % 1001) / 1000.0;
      for (int l = 0; l < 3; ++l) base.push_back(Support::random(d[l], d[l + 1], density, g()));
    }
    std::vector<std::pair<std::string, Chain>> vs{{"base", base},
                                                  {"rows", permute_rows(base, g)},
                                                  {"cols", permute_cols(base, g)},
                                                  {"inner", permute_inner(base, g)},
                                                  {"trans", transpose(base)},
                                                  {"pad", zero_pad(base, g)}};
    vs.push_back({"all", zero_pad(transpose(permute_inner(permute_cols(permute_rows(base, g), g), g)), g)});
    std::map<Closedness, std::vector<std::string>> seen;
    for (const auto& [name, f] : vs) {
      const Decision d = decide(Architecture(f), exact_seconds);
      ++t.variants;
      if (d.v.decided() && !d.checked) ++t.check_failed;
      if (!d.v.decided() || !d.checked) continue;
      ++t.decided;
      const std::string label(to_string(d.v.trust.level));
      ++t.by_label[label];
      if (d.exact) ++t.exact_decided, ++t.exact_by_label[label];
      seen[d.v.closedness].push_back(name + " (" + d.v.method + ")");
    }
    ++bases;
    if (!seen.empty()) ++decided_bases;
    if (seen.count(Closedness::closed) && seen.count(Closedness::not_closed)) {
      ++contradictions;
      std::printf("CONTRADICTION base %zu:", k);
      for (const auto& f : base) std::printf(" [%s]", f.to_string().c_str());
      for (const auto& [c, names] : seen)
        for (const auto& n : names) std::printf(" %s=%s", n.c_str(), std::string(to_string(c)).c_str());
      std::printf("\n");
    }
    if ((k + 1) % 100 == 0) {
      std::fprintf(stderr, "[campaign] %zu bases, %zu variants, %zu decided, %zu contradictions, %.0f s\n", bases,
                   t.variants, t.decided, contradictions, now() - t0);
    }
  }
  std::printf("\n| bases (pairs + 3-chains) | variants | decided + checked | check failed | bases with a decided variant | contradictions |\n|---|---|---|---|---|---|\n");
  std::printf("| %zu (%zu + %zu) | %zu | %zu | %zu | %zu | %zu |\n", bases, pairs, chains, t.variants, t.decided,
              t.check_failed, decided_bases, contradictions);
  std::printf("\n| trust label | decided verdicts | of which exact-route |\n|---|---|---|\n");
  for (const char* l : {"proof", "two-solvers", "one-solver", "none"}) {
    const std::size_t all = t.by_label.count(l) ? t.by_label.at(l) : 0, ex = t.exact_by_label.count(l) ? t.exact_by_label.at(l) : 0;
    std::printf("| %s | %zu | %zu (%.1f%% of %zu exact) |\n", l, all, ex,
                t.exact_decided ? 100.0 * static_cast<double>(ex) / static_cast<double>(t.exact_decided) : 0.0,
                t.exact_decided);
  }
  std::printf("\nwall %.0f s\n", now() - t0);
  return contradictions ? 1 : 0;
}

int decision_suite(std::size_t per_size, double exact_seconds, const std::string& only) {
  std::vector<std::array<std::size_t, 3>> sizes;
  for (const auto& s : std::vector<std::array<std::size_t, 3>>{{3, 3, 2}, {3, 3, 3}, {4, 4, 3}, {4, 4, 4}})
    if (only.empty() || only.find(std::to_string(s[0] * 100 + s[1] * 10 + s[2])) != std::string::npos) sizes.push_back(s);
  std::size_t not_closed = 0, nc_solver_free = 0, nc_lu = 0, nc_ns = 0, z3_dependent = 0, confirmed = 0, decided = 0;
  std::map<std::string, std::size_t> labels;
  std::printf("size\tcase\tverdict\ttrust\tsolvers\tmethod\tdetail\n");
  for (const auto& [m, n, r] : sizes)
    for (std::size_t k = 0; k < per_size; ++k) {
      // Seeds and generation as decision_bench's random group.
      const std::uint64_t seed = 1000003ull * (m * 100 + n * 10 + r) + k;
      std::mt19937_64 g(seed);
      const double density = 0.4 + 0.3 * static_cast<double>(g() % 1001) / 1000.0;
      Support I = Support::random(m, r, density, g()), J = Support::random(r, n, density, g());
      const Architecture a({I, J});
      const Decision d = decide(a, exact_seconds);
      if (!d.v.decided() || !d.checked) continue;
      ++decided;
      ++labels[std::string(to_string(d.v.trust.level))];
      const std::string kind = d.v.certificate.value("kind", "");
      const bool lu_eqs = kind == "lu_pattern" || (kind == "reduced" && d.v.certificate.at("inner").value("kind", "") == "lu_pattern");
      const bool ns = d.v.trust.detail.find("Nullstellensatz") != std::string::npos;
      if (d.v.closedness == Closedness::not_closed) {
        ++not_closed;
        nc_lu += lu_eqs;
        nc_ns += ns;
        nc_solver_free += lu_eqs || ns;
      }
      if (d.v.trust.level == TrustLevel::one_solver || d.v.trust.level == TrustLevel::two_solvers) {
        ++z3_dependent;
        confirmed += d.v.trust.level == TrustLevel::two_solvers;
      }
      if (d.exact)
        std::printf("%zu%zu%zu\t%zu\t%s\t%s\t%s\t%s\t%s\n", m, n, r, k, std::string(to_string(d.v.closedness)).c_str(),
                    std::string(to_string(d.v.trust.level)).c_str(), d.v.trust.solvers.c_str(), d.v.method.c_str(),
                    d.v.trust.detail.c_str());
      std::fflush(stdout);
      if (d.exact)  // running totals (a long run can be read before it ends)
        std::fprintf(stderr, "[suite] %zu%zu%zu case %zu: not closed %zu, solver-free %zu; Z3-dependent %zu, confirmed %zu\n",
                     m, n, r, k, not_closed, nc_solver_free, z3_dependent, confirmed);
    }
  auto pct = [](std::size_t a, std::size_t b) { return b ? 100.0 * static_cast<double>(a) / static_cast<double>(b) : 0.0; };
  std::printf("\ndecided + checked: %zu; labels:", decided);
  for (const auto& [l, c] : labels) std::printf(" %s %zu", l.c_str(), c);
  std::printf("\nnot closed: %zu; solver-free non-membership: %zu (%.1f%%) = lu_pattern equations %zu + Nullstellensatz %zu\n",
              not_closed, nc_solver_free, pct(nc_solver_free, not_closed), nc_lu, nc_ns);
  std::printf("Z3-dependent verdicts: %zu; confirmed by the second solver: %zu (%.1f%%)\n", z3_dependent, confirmed,
              pct(confirmed, z3_dependent));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = "campaign";
  std::size_t pairs = 2000, chains = 1000, per_size = 200;
  double exact_seconds = 2, check_seconds = 30;
  std::uint64_t seed = 21;
  std::string sizes;  // --sizes 332,444: only these decision-suite sizes
  SecondSolverOptions second = SecondSolverOptions::from_environment();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return std::string(i + 1 < argc ? argv[++i] : ""); };
    if (a == "--campaign") mode = "campaign";
    else if (a == "--decision-suite") mode = "suite";
    else if (a == "--pairs") pairs = std::stoul(next());
    else if (a == "--chains") chains = std::stoul(next());
    else if (a == "--per-size") per_size = std::stoul(next());
    else if (a == "--exact-timeout") exact_seconds = std::stod(next());
    else if (a == "--check-timeout") check_seconds = std::stod(next());
    else if (a == "--second-solver") second.script = next();
    else if (a == "--seed") seed = std::stoull(next());
    else if (a == "--sizes") sizes = next();
    else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  g_check.exact_query_seconds = check_seconds;
  g_check.second_solver = second;
  std::printf("# mode %s, exact route %.1f s, re-check %.1f s, second solver: %s\n", mode.c_str(), exact_seconds,
              check_seconds, second.script.empty() ? "off" : second.script.c_str());
  return mode == "suite" ? decision_suite(per_size, exact_seconds, sizes) : campaign(pairs, chains, exact_seconds, seed);
}
