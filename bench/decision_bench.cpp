// Decision benchmark of issue 3: the plain seed sentence (a) versus the full
// pipeline (b: detectors, reductions, asymptotic-cone query, 0/1 witnesses,
// reduced sentence) on a fixed, seeded suite. A plain main() (Google
// Benchmark is linked by bench/CMakeLists.txt but not used: the figures are
// fractions decided within a time limit, not repetitions).
//
// Usage: decision_bench [--plain-timeout S] [--pipeline-timeout S]
//                       [--per-size N] [--plain-every K] [--groups lu,full,pairs222,random,chain333]
//                       [--tactic-study] [--case MASKS] [--check-timeout S] [--sizes 332,333,443,444] [--from K]
// Exact-route verdicts of (b) are re-checked by the independent checker with
// --check-timeout seconds (default 30) per certificate; a failed re-check
// counts as undecided. The decision time excludes the re-check.
// --plain-timeout 0 skips (a), --pipeline-timeout 0 skips (b); --plain-every K runs (a) on every K-th case only
// (the plain sentence times out on most cases, so a full (a) run costs hours).
// Prints one line per case (TSV) and a summary table in Markdown.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <wellposed/algebra/architecture.hpp>
#include <wellposed/algebra/detail/sentences.hpp>
#include <wellposed/decide/checker.hpp>
#include <wellposed/decide/detectors.hpp>
#include <wellposed/decide/detail/exact_checker.hpp>
#include <wellposed/decide/detail/reductions.hpp>  // decide_closedness_plain_sentence
#include <wellposed/decide/exact.hpp>
#include <wellposed/decide/detail/z3_backend.hpp>

using namespace wellposed;

namespace {

// How this run checks certificates (--check-timeout, --second-solver).
CertificateCheckOptions g_check;

struct Case {
  std::string size;
  Architecture arch;
};

struct Outcome {
  bool decided = false;
  double seconds = 0;
  std::string answer, route;
};

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

Outcome run_plain(const Architecture& a, double timeout) {
  const double t0 = now();
  const Verdict v = decide_closedness_plain_sentence(a, timeout);
  return {v.decided(), now() - t0, std::string(to_string(v.closedness)), "plain-sentence"};
}

Outcome run_pipeline(const Architecture& a, double timeout) {
  const double t0 = now();
  Verdict v = detect(a);
  std::string route = "detectors: " + v.method;
  if (!v.decided()) {
    ExactOptions o;
    o.seconds = timeout - (now() - t0);
    v = decide_closedness_exact(a, o);
    route = v.method;
  }
  const double t = now() - t0;
  if (v.decided() && route.rfind("detectors", 0) != 0) {
    // Every exact-route verdict is re-checked by the independent checker
    // under its own stated budget (g_check_seconds, not counted in the
    // decision time); a failed or timed-out re-check counts as undecided.
    const double tc = now();
    const CheckResult c = check_certificate(a, v, g_check);
    char buf[64];
    std::snprintf(buf, sizeof buf, " [check %s %.2f s]", c.ok ? "passed" : "FAILED", now() - tc);
    route += buf;
    if (!c.ok) return {false, t, "unknown", route + ": " + c.reason};
  }
  return {v.decided(), t, std::string(to_string(v.closedness)), route};
}

std::vector<Case> suite(const std::string& groups, std::size_t per_size, const std::string& sizes_filter,
                        std::size_t from) {
  std::vector<Case> c;
  auto has = [&](const char* g) { return groups.find(g) != std::string::npos; };
  if (has("lu"))
    for (std::size_t n = 2; n <= 5; ++n) c.push_back({"LU(" + std::to_string(n) + ")", lu(n)});
  if (has("full"))
    for (std::size_t m = 2; m <= 4; ++m)
      for (std::size_t r = 1; r <= 3; ++r)
        c.push_back({"full m=n=" + std::to_string(m) + " r=" + std::to_string(r), low_rank(m, m, r)});
  if (has("pairs222"))
    for (unsigned bits = 0; bits < 256; ++bits) {
      Support I(2, 2), J(2, 2);
      for (unsigned t = 0; t < 4; ++t) {
        if (bits >> t & 1) I.set(t / 2, t % 2);
        if (bits >> (4 + t) & 1) J.set(t / 2, t % 2);
      }
      c.push_back({"all pairs m=n=r=2", Architecture({I, J})});
    }
  if (has("random")) {
    const std::vector<std::array<std::size_t, 3>> sizes{{3, 3, 2}, {3, 3, 3}, {4, 4, 3}, {4, 4, 4}};
    for (const auto& [m, n, r] : sizes) {
      if (!sizes_filter.empty() && sizes_filter.find(std::to_string(m * 100 + n * 10 + r)) == std::string::npos) continue;
      for (std::size_t k = 0; k < 200; ++k) {
        if (k >= per_size) break;
        if (k < from) continue;  // --from: resume / split a size across runs (same seeds)
        // Seed = (m, n, r, k): the suite is fixed. Density in [0.4, 0.7].
        const std::uint64_t seed = 1000003ull * (m * 100 + n * 10 + r) + k;
        std::mt19937_64 g(seed);
        const double density = 0.4 + 0.3 * static_cast<double>(g() % 1001) / 1000.0;
        Support I = Support::random(m, r, density, g()), J = Support::random(r, n, density, g());
        c.push_back({"random " + std::to_string(m) + "x" + std::to_string(n) + " r=" + std::to_string(r),
                     Architecture({I, J})});
      }
    }
  }
  if (has("chain333")) {
    // Issue 24 frontier: three-factor chains of 3x3 masks (A = X1 X2 X3),
    // seeded like the pairs above (seed = 3333 * 1000003 + k), density in [0.4, 0.7].
    for (std::size_t k = from; k < per_size; ++k) {
      std::mt19937_64 g(1000003ull * 3333 + k);
      const double density = 0.4 + 0.3 * static_cast<double>(g() % 1001) / 1000.0;
      Support I = Support::random(3, 3, density, g()), J = Support::random(3, 3, density, g()),
              K = Support::random(3, 3, density, g());
      c.push_back({"random chain 3x3x3x3", Architecture({I, J, K})});
    }
  }
  return c;
}

struct Stats {
  std::vector<double> times;  // decided cases
  std::size_t total = 0, within10 = 0, within60 = 0;
};

double median(std::vector<double> v) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void tactic_study() {
  // LU(2), plain entrywise sentence, each quantified tactic, 3 runs.
  std::printf("## tactic study: LU(2) non-closedness sentence (entrywise), median of 3 runs\n");
  for (Z3Tactic t : {Z3Tactic::nlqsat, Z3Tactic::qsat, Z3Tactic::qe, Z3Tactic::smt}) {
    std::vector<double> s;
    std::string ans;
    for (int k = 0; k < 3; ++k) {
      const Z3Result r = z3_check(non_closedness_sentence(lu(2), ResidualForm::entrywise), {30.0, 4096}, t);
      s.push_back(r.seconds);
      ans = to_string(r.answer) + (r.reason.empty() ? "" : " (" + r.reason + ")");
    }
    std::printf("| %s | %s | %.4f s |\n", to_string(t).c_str(), ans.c_str(), median(s));
  }
  std::printf("## tactic study: LU(3) reduced block, fixed witness closure query, median of 3 runs\n");
  const auto red = reduce_for_closedness(lu(3));
  for (Z3Tactic t : {Z3Tactic::nlqsat, Z3Tactic::qsat, Z3Tactic::qe, Z3Tactic::smt}) {
    std::vector<double> s;
    std::string ans;
    for (int k = 0; k < 3; ++k) {
      const auto& b = red.blocks.front();
      RationalMatrix a(b.rows(), b.cols());
      const auto E = b.mask.entries();
      // The LU witness [[0,1,..],[1,..]]: entries (0,1) and (1,0) in original coordinates.
      for (auto [i, j] : E)
        if ((b.original_index[0][i] == 0 && b.original_index.back()[j] == 1) ||
            (b.original_index[0][i] == 1 && b.original_index.back()[j] == 0))
          a(i, j) = 1;
      const Z3Result r = z3_check(masked_closure_sentence(b, a), {30.0, 4096}, t);
      s.push_back(r.seconds);
      ans = to_string(r.answer) + (r.reason.empty() ? "" : " (" + r.reason + ")");
    }
    std::printf("| %s | %s | %.4f s |\n", to_string(t).c_str(), ans.c_str(), median(s));
  }
}

}  // namespace

int main(int argc, char** argv) {
  double plain_timeout = 60, pipeline_timeout = 60;
  std::size_t per_size = 200;
  std::string groups = "lu,full,pairs222,random";
  bool tactics = false;
  double check_seconds = 30;  // --check-timeout: the re-check budget of one certificate
  std::string one_case;
  std::string sizes;  // --sizes 332,444: only these random sizes (m n r digits)
  std::size_t from = 0;  // --from K: random cases K..199 of each size only  // --case MASKS: run the pipeline on one case (as printed in the TSV) and explain
  std::size_t plain_every = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return std::string(i + 1 < argc ? argv[++i] : ""); };
    if (a == "--plain-timeout") plain_timeout = std::stod(next());
    else if (a == "--pipeline-timeout") pipeline_timeout = std::stod(next());
    else if (a == "--per-size") per_size = std::stoul(next());
    else if (a == "--groups") groups = next();
    else if (a == "--plain-every") plain_every = std::stoul(next());
    else if (a == "--tactic-study") tactics = true;
    else if (a == "--case") one_case = next();
    else if (a == "--sizes") sizes = next();
    else if (a == "--from") from = std::stoul(next());
    else if (a == "--check-timeout") check_seconds = std::stod(next());
    else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  g_check.exact_query_seconds = check_seconds;
  if (!one_case.empty()) {
    std::vector<Support> f;
    std::string cur;
    for (char ch : one_case + ";") {
      if (ch == ';') {
        std::vector<std::string> rows;
        std::string r;
        for (char c2 : cur + ",") {
          if (c2 == ',') {
            if (!r.empty()) rows.push_back(r);
            r.clear();
          } else r += c2;
        }
        f.push_back(Support::from_rows(rows));
        cur.clear();
      } else cur += ch;
    }
    const Architecture a(f);
    const Verdict d = detect(a);
    std::printf("detectors: %s (%s)\n", std::string(to_string(d.closedness)).c_str(), d.method.c_str());
    for (const auto& b : reduce_for_closedness(a).blocks)
      std::printf("block: %zux%zu, %zu masked entries, %zu parameters, generic rank %zu\n", b.rows(), b.cols(),
                  b.mask.nnz(), b.parameter_count(), jacobian_rank_at_random_point(b));
    ExactOptions o;
    o.seconds = pipeline_timeout;
    const Verdict v = decide_closedness_exact(a, o);
    std::printf("exact: %s in %.3f s by %s\n%s\n", std::string(to_string(v.closedness)).c_str(), v.seconds,
                v.method.c_str(), v.reason.c_str());
    if (v.decided()) {
      const double t0 = now();
      const CheckResult c = check_certificate(a, v, g_check);
      // The re-check's wall seconds (issue 24 item 5, helper recheck).
      std::printf("check: %s in %.3f s: %s\n", c.ok ? "passed" : "FAILED", now() - t0, c.reason.c_str());
    }
    return 0;
  }
  if (tactics) {
    tactic_study();
    return 0;
  }
  std::map<std::string, Stats> plain, pipe;
  std::vector<std::string> order;
  std::size_t contradictions = 0;
  std::printf("size\tcase\tplain\tplain_s\tpipeline\tpipeline_s\troute\tsupports\n");
  std::size_t idx = 0;
  for (const auto& c : suite(groups, per_size, sizes, from)) {
    if (!plain.count(c.size)) order.push_back(c.size);
    const bool with_plain = plain_timeout > 0 && idx % plain_every == 0;
    const Outcome p = with_plain ? run_plain(c.arch, plain_timeout) : Outcome{false, 0, "skipped", ""};
    const bool with_pipeline = pipeline_timeout > 0;
    const Outcome q = with_pipeline ? run_pipeline(c.arch, pipeline_timeout) : Outcome{false, 0, "skipped", ""};
    if (p.decided && q.decided && p.answer != q.answer) ++contradictions;
    for (auto [o, s, run] : {std::tuple{&p, &plain[c.size], with_plain}, std::tuple{&q, &pipe[c.size], with_pipeline}}) {
      if (!run) continue;
      ++s->total;
      if (o->decided) {
        s->times.push_back(o->seconds);
        if (o->seconds <= 10) ++s->within10;
        if (o->seconds <= 60) ++s->within60;
      }
    }
    std::string masks;  // the supports, rows joined by ',' and factors by ';' (to re-run a case)
    for (const auto& f : c.arch.factors()) {
      std::string m = f.to_string();
      std::replace(m.begin(), m.end(), '\n', ',');
      masks += (masks.empty() ? "" : ";") + m;
    }
    std::printf("%s\t%zu\t%s\t%.3f\t%s\t%.3f\t%s\t%s\n", c.size.c_str(), idx++, p.answer.c_str(), p.seconds,
                q.answer.c_str(), q.seconds, q.route.c_str(), masks.c_str());
    std::fflush(stdout);
  }
  std::printf("\n| size | (a) cases | (a) plain <=10 s | (a) plain <=60 s | (a) median s | (b) cases | (b) pipeline <=10 s | (b) pipeline <=60 s | (b) median s |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& s : order) {
    const auto& a = plain[s];
    const auto& b = pipe[s];
    auto frac = [](std::size_t k, std::size_t n) { return n ? 100.0 * static_cast<double>(k) / static_cast<double>(n) : 0.0; };
    std::printf("| %s | %zu | %.0f%% | %.0f%% | %.3f | %zu | %.0f%% | %.0f%% | %.3f |\n", s.c_str(), a.total,
                frac(a.within10, a.total), frac(a.within60, a.total), median(a.times), b.total, frac(b.within10, b.total),
                frac(b.within60, b.total), median(b.times));
  }
  std::printf("\ncontradictions between (a) and (b): %zu%s\n", contradictions, contradictions ? "  <-- RELEASE BLOCKER" : "");
  return contradictions ? 1 : 0;
}
