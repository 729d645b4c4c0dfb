#include "wellposed/decide/network.hpp"
#include "wellposed/decide/network_dataset.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include <boost/multiprecision/cpp_int.hpp>

#include "wellposed/algebra/orientation.hpp"
#include "wellposed/decide/explain.hpp"

#include "gate.hpp"

#include "network_common.hpp"

// The network prover (network.hpp, analyze_network); the checker is in
// network_checker.cpp, the data set in network_dataset.cpp.
namespace wellposed {

using namespace network_common;

namespace {

// ---------------------------------------------------------------------------
// Exact reduction of L_{I_S} for a FULL second mask (I_2[:, S] = 1), used by
// the prover only (the checker has its own code, indep::reduce below). Rows
// are I_1[S, :] as bitsets over the N_0 input coordinates;
// L_{I_S} = { sum_{k in S} u_k v_k^T : u_k in R^{N_2} free, supp v_k <= R_k }.
//
// (R0) a neuron with R_k empty adds 0: drop it.
// (R1) complete support: if a support R occurs m >= min(N_2, |R|) times, the
//      sum of those m terms ranges over exactly V_R = { M : supp M <= [N_2] x R }
//      (every such M has rank <= min(N_2, |R|) <= m; a rank factorization has
//      m terms with rows in R^R). So L_{I_S} = V_R + L' (L' = the other
//      neurons) = pi^{-1}(pi(L')) with pi zeroing the columns R (V_R = ker pi).
//      pi(L') is the same kind of set with R removed from every other row
//      (pi(u v^T) = u pi(v)^T). C = pi^{-1}(C) intersected with im pi and pi
//      is continuous, so pi^{-1}(C) is closed iff C is: L_{I_S} is closed iff
//      the reduced set is. This is reductions.hpp (1) for a full left factor
//      (the class of R is complete: |P| = m >= min(|R_P|, |C_P|) = min(N_2, |R|)).
//      Repeat until nothing changes. With N_2 = 1 everything goes (Cor 7.4.4).
// (R2) columns in no row are identically zero coordinates: L = L' x {0}.
// (R3) rows joined by shared columns form blocks with disjoint column sets
//      and their own u_k, so L is the Cartesian product of the blocks' sets
//      over disjoint coordinates; a product of non-empty sets (0 lies in
//      each) is closed iff every factor is (projections of limits are limits).
// (R4) permuting neurons leaves the set unchanged and permuting input
//      coordinates is a linear isometry: closedness is invariant. Each block
//      is stored as a row/column permutation of itself (rows sorted, columns
//      ordered by simple invariants), so EQUAL KEYS ARE EQUIVALENT PROBLEMS;
//      unequal keys may still be equivalent (a cache miss, never an error).
// Hence: L_{I_S} closed <=> every block's L (full N_2 x k left factor, the
// block as right factor) is closed; one block not closed => L_{I_S} not closed.
// Note that nothing here is monotone in S: adding a neuron can make a set
// closed (a complete support appears) or not closed, so no subset is pruned
// by inclusion; sharing is only through equal reduced blocks.
using Row = std::vector<std::uint64_t>;

struct ReducedSubset {
  std::vector<Support> blocks;  ///< right factors (k x c), each with the full N_2 x k left factor
};

std::size_t popcount(const Row& r) {
  std::size_t n = 0;
  for (auto w : r) n += static_cast<std::size_t>(std::popcount(w));
  return n;
}

bool row_empty(const Row& r) {
  return std::all_of(r.begin(), r.end(), [](std::uint64_t w) { return w == 0; });
}

ReducedSubset reduce_subset(std::vector<Row> rs, idx n0, idx n2) {
  const idx words = (n0 + 63) / 64;
  Row removed(words, 0);
  for (;;) {
    for (auto& r : rs)
      for (idx w = 0; w < words; ++w) r[w] &= ~removed[w];
    rs.erase(std::remove_if(rs.begin(), rs.end(), row_empty), rs.end());  // (R0)
    std::sort(rs.begin(), rs.end());
    bool changed = false;
    std::vector<Row> keep;
    for (idx a = 0; a < rs.size();) {
      idx b = a;
      while (b < rs.size() && rs[b] == rs[a]) ++b;
      if (b - a >= std::min(n2, popcount(rs[a]))) {  // (R1)
        for (idx w = 0; w < words; ++w) removed[w] |= rs[a][w];
        changed = true;
      } else {
        keep.insert(keep.end(), rs.begin() + static_cast<std::ptrdiff_t>(a), rs.begin() + static_cast<std::ptrdiff_t>(b));
      }
      a = b;
    }
    rs = std::move(keep);
    if (!changed) break;
  }
  ReducedSubset out;
  if (rs.empty()) return out;
  // (R3) blocks: union-find over rows sharing a column.
  std::vector<idx> parent(rs.size());
  std::iota(parent.begin(), parent.end(), idx{0});
  auto find = [&](idx x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (idx c = 0; c < n0; ++c) {
    idx first = rs.size();
    for (idx r = 0; r < rs.size(); ++r)
      if ((rs[r][c >> 6] >> (c & 63)) & 1u) {
        if (first == rs.size()) first = r;
        else parent[find(r)] = find(first);
      }
  }
  std::map<idx, std::vector<idx>> comps;
  for (idx r = 0; r < rs.size(); ++r) comps[find(r)].push_back(r);
  for (const auto& entry : comps) {
    // Not a structured binding: lambdas below capture `members`, which
    // clang 14 refuses for structured bindings (the fuzz build uses clang 14).
    const std::vector<idx>& members = entry.second;
    // (R2) the block's columns, ordered by invariants (R4).
    std::vector<idx> cols;
    for (idx c = 0; c < n0; ++c)
      for (idx r : members)
        if ((rs[r][c >> 6] >> (c & 63)) & 1u) {
          cols.push_back(c);
          break;
        }
    auto col_key = [&](idx c) {
      std::size_t count = 0, weight = 0;
      for (idx r : members)
        if ((rs[r][c >> 6] >> (c & 63)) & 1u) {
          ++count;
          weight += popcount(rs[r]);
        }
      return std::pair{count, weight};
    };
    std::stable_sort(cols.begin(), cols.end(), [&](idx a, idx b) { return col_key(a) > col_key(b); });
    std::vector<std::string> rows;
    for (idx r : members) {
      std::string s(cols.size(), '0');
      for (idx t = 0; t < cols.size(); ++t)
        if ((rs[r][cols[t] >> 6] >> (cols[t] & 63)) & 1u) s[t] = '1';
      rows.push_back(s);
    }
    std::sort(rows.begin(), rows.end(), std::greater<>());
    out.blocks.push_back(Support::from_rows(rows));
  }
  std::sort(out.blocks.begin(), out.blocks.end());
  return out;
}

std::vector<Row> first_layer_rows(const ReluNetwork& net) {
  const Support& I1 = net.layer(0);
  const idx words = (I1.cols() + 63) / 64;
  std::vector<Row> rows(I1.rows(), Row(words, 0));
  for (idx i = 0; i < I1.rows(); ++i)
    for (idx j : I1.row_indices(i)) rows[i][j >> 6] |= std::uint64_t{1} << (j & 63);
  return rows;
}

Architecture block_architecture(const Support& block, idx n2) { return Architecture({Support::full(n2, block.rows()), block}); }

std::string subset_text(const std::vector<idx>& S) {
  std::string s = "{";
  for (idx t = 0; t < S.size(); ++t) s += (t ? "," : "") + std::to_string(S[t] + 1);
  return s + "}";
}

// Gosper's hack over n bits, by increasing |S| (smallest failing S first).
template <class F>
bool for_each_subset(idx n, F&& f) {
  for (idx k = 1; k <= n; ++k) {
    std::uint64_t s = (std::uint64_t{1} << k) - 1;
    const std::uint64_t limit = std::uint64_t{1} << n;
    while (s < limit) {
      if (!f(s)) return false;
      const std::uint64_t c = s & (~s + 1), r = s + c;
      s = (((r ^ s) >> 2) / c) | r;
    }
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------

namespace {

json network_certificate(const ReluNetwork& net, const std::string& theorem) {
  return {{"kind", "relu_network"}, {"theorem", theorem}, {"layers", supports_json(net.layers())}};
}

Verdict decided(Closedness c, std::string theorem, std::string reason, json cert) {
  Verdict v;
  v.closedness = c;
  v.method = std::move(theorem);
  v.reason = std::move(reason);
  v.certificate = std::move(cert);
  return v;
}

Verdict unknown(std::string method, std::string reason) {
  Verdict v;
  v.method = std::move(method);
  v.reason = std::move(reason);
  return v;
}

struct CachedProblem {
  Closedness c = Closedness::unknown;
  idx index = 0;  // into report.problems
};

// Thm 7.4.2's condition (2) over the kept neurons H (I_2[:, H] full).
SubsetReport run_subsets(const ReluNetwork& net, const std::vector<idx>& H, const NetworkOptions& o, const Timer& timer) {
  SubsetReport rep;
  rep.kept_neurons = H;
  const idx n = H.size();
  const idx n0 = net.input_dim(), n2 = net.output_dim();
  if (n > o.max_subset_neurons || n > 62) {
    rep.why_not = std::to_string(n) + " hidden neurons reach the output: 2^" + std::to_string(n) +
                  " - 1 subsets exceed the limit of " + std::to_string(o.max_subset_neurons) + " neurons";
    return rep;
  }
  rep.ran = true;
  rep.total = (std::uint64_t{1} << n) - 1;
  const auto rows = first_layer_rows(net);
  std::map<Support, CachedProblem> cache;  // keyed by the reduced block (a permuted copy, R4)
  std::uint64_t examined = 0;
  const auto t0 = timer.elapsed();
  bool out_of_time = false;
  for_each_subset(n, [&](std::uint64_t mask) {
    if (timer.left() <= 0.0) {
      out_of_time = true;
      return false;
    }
    std::vector<idx> S;
    std::vector<Row> rs;
    for (idx t = 0; t < n; ++t)
      if ((mask >> t) & 1u) {
        S.push_back(H[t]);
        rs.push_back(rows[H[t]]);
      }
    ++examined;
    const ReducedSubset red = reduce_subset(std::move(rs), n0, n2);
    Closedness sc = Closedness::closed;
    std::string why;
    bool any_new = false;
    for (const Support& b : red.blocks) {
      auto it = cache.find(b);
      if (it == cache.end()) {
        any_new = true;
        const Architecture arch = block_architecture(b, n2);
        AnalyzeOptions ao;
        ao.budget_seconds = std::min(o.per_problem_seconds, timer.left());
        ao.exact_deciders = o.exact_deciders;
        ao.check = o.check;
        // analyze() gates its verdict (gate.hpp); the bounded-box certificate
        // that lists this problem finds the result in the memo.
        Analysis an = analyze(arch, ao);
        const Verdict& v = an.verdict;
        const std::string& checker = an.check;
        ++rep.problems_by_method[v.decided() ? v.method : "unknown"];
        json pj = {{"factors", supports_json(arch.factors())},
                   {"verdict", std::string(to_string(v.closedness))},
                   {"method", v.method},
                   {"reason", v.reason},
                   {"certificate", v.certificate},
                   {"checker", checker},
                   {"seconds", an.verdict.seconds},
                   {"first_subset", subset_text(S)}};
        rep.problems.push_back(std::move(pj));
        it = cache.emplace(b, CachedProblem{v.closedness, rep.problems.size() - 1}).first;
      }
      const Closedness bc = it->second.c;
      if (bc == Closedness::not_closed) {
        sc = Closedness::not_closed;
        why = "reduced block " + std::to_string(it->second.index) + " is not closed (" +
              rep.problems[it->second.index]["method"].get<std::string>() + ")";
        break;
      }
      if (bc == Closedness::unknown && sc == Closedness::closed) {
        sc = Closedness::unknown;
        why = "reduced block " + std::to_string(it->second.index) + " undecided: " +
              rep.problems[it->second.index]["reason"].get<std::string>();
      }
    }
    ++rep.subsets_by_how[red.blocks.empty() ? "reduction" : any_new ? "analyzed" : "cache"];
    if (sc == Closedness::closed) {
      ++rep.closed;
      return true;
    }
    (sc == Closedness::not_closed ? rep.not_closed : rep.unknown) += 1;
    if (rep.failing_subset.empty()) {
      rep.failing_subset = S;
      rep.failure = "L_{I_S} for S = " + subset_text(S) + " is " +
                    (sc == Closedness::not_closed ? "NOT closed" : "undecided") + ": " + why;
    }
    return !o.stop_at_first_failure;
  });
  rep.not_examined = rep.total - examined;
  if (rep.not_examined) rep.subsets_by_how["not_examined"] = rep.not_examined;
  if (out_of_time && rep.failing_subset.empty())
    rep.failure = "the budget ran out after " + std::to_string(examined) + " of " + std::to_string(rep.total) + " subsets";
  rep.seconds = timer.elapsed() - t0;
  return rep;
}

json subset_certificate(const ReluNetwork& net, const SubsetReport& rep) {
  json c = network_certificate(net, kThmSubsets);
  c["kept_neurons"] = rep.kept_neurons;
  json probs = json::array();
  for (const auto& p : rep.problems) probs.push_back({{"factors", p["factors"]}, {"certificate", p["certificate"]}});
  c["problems"] = probs;
  return c;
}

}  // namespace

NetworkAnalysis analyze_network(const ReluNetwork& net, const NetworkOptions& o) {
  const Timer timer(o.budget_seconds);
  NetworkAnalysis r;
  r.widths = net.widths();
  r.finite_data.domain = "finite_data";
  r.finite_data.scope = kScopeFinite;
  r.bounded_box.domain = "bounded_box";
  r.bounded_box.scope = kScopeBox;
  const idx L = net.depth();
  const idx n2 = net.output_dim();

  // The necessary condition first: L_I (library order [I_L, ..., I_1]).
  const Architecture lin = net.linear_architecture();
  const bool subsets_coming = L == 2 && n2 >= 2;
  AnalyzeOptions ao;
  ao.budget_seconds = subsets_coming ? 0.5 * o.budget_seconds : o.budget_seconds;
  ao.exact_deciders = o.exact_deciders;
  if (!o.linear_exact) ao.exact_deciders = std::vector<NamedExactDecider>{};  // detectors only
  ao.check = o.check;
  // One check per certificate (gate.hpp): analyze() gates L_I and every
  // Thm 7.4.2 problem; the domain verdicts' certificates carry those
  // certificates, whose checks the memo supplies.
  const detail::CheckMemoScope memo;
  r.linear = analyze(lin, ao);
  r.linear_checked = r.linear.verdict.decided();
  r.linear_check = r.linear.check;
  const Verdict& lv = r.linear.verdict;

  if (lv.closedness == Closedness::not_closed) {
    // Lemma 7.3.4 / Lemma 7.6.1: f(x) = A x with A in cl(L_I) \ L_I is a
    // uniform limit of realizations (all neurons kept active by large biases)
    // but no realization has Jacobian A on an open piece (Lemma 7.5.2).
    json cert = network_certificate(net, kThmFiniteNec);
    cert["linear_certificate"] = lv.certificate;
    std::string why;
    auto A = closure_point_from_certificate(lv.certificate, lin.rows(), lin.cols(), why);
    if (A) {
      Lemma734Dataset d = lemma_7_3_4_dataset(r.widths, *A, o.materialize_max_points);
      d.target_source = "the L_I certificate (" + lv.method + ")";
      r.dataset = std::make_shared<const Lemma734Dataset>(std::move(d));
    } else {
      // The grid's size does not depend on A: report it, without labels.
      Lemma734Dataset d = lemma_7_3_4_dataset(r.widths, RationalMatrix(lin.rows(), lin.cols()), 0);
      d.has_target = false;
      d.A = RationalMatrix();
      d.target_source = why;
      r.dataset = std::make_shared<const Lemma734Dataset>(std::move(d));
    }
    r.finite_data.verdict = decided(
        Closedness::not_closed, kThmFiniteNec,
        "L_I is not closed (" + lv.method + ", certificate re-checked): some finite data set has no optimal parameters; "
        "Lemma 7.3.4 gives one on a grid of [0,1]^N_0 with labels A x_i, A in cl(L_I) \\ L_I" +
            std::string(A ? "" : " (A not named by this certificate: " + why + ")"),
        cert);
    json bcert = cert;
    bcert["theorem"] = kThmBoxNec;
    r.bounded_box.scope = kScopeBoxNec;
    r.bounded_box.verdict = decided(Closedness::not_closed, kThmBoxNec,
                                    "L_I is not closed: f(x) = A x is a uniform limit of realizations on Omega but "
                                    "not a realization (Lemma 7.6.1)",
                                    bcert);
  } else if (L == 1) {
    // F_I = { x -> W x + b : supp W <= I_1 }: a finite-dimensional linear
    // space of functions, closed in every normed space it lives in.
    const json cert = network_certificate(net, kAffine);
    r.finite_data.verdict = decided(Closedness::closed, kAffine, "no hidden layer: F_I is a linear subspace", cert);
    r.bounded_box.verdict = decided(Closedness::closed, kAffine, "no hidden layer: F_I is a linear subspace", cert);
  } else if (L >= 3) {
    const std::string nec = lv.closedness == Closedness::closed
                                ? "L_I is closed (" + lv.method + "), so the necessary condition holds"
                                : "L_I undecided (" + lv.reason + ")";
    const std::string why = "L = " + std::to_string(L) +
                            ": Ch. 7 has no sufficient condition beyond one hidden layer (Thm 7.3.7, 7.4.2 need L = 2); " + nec;
    r.finite_data.verdict = unknown("Ch. 7 (L >= 3)", why);
    r.bounded_box.verdict = unknown("Ch. 7 (L >= 3)", why);
  } else {  // L == 2
    const std::vector<idx> H = kept_neurons(net);
    const std::string nec = lv.closedness == Closedness::closed
                                ? "L_I is closed (" + lv.method + ")"
                                : "L_I undecided (" + lv.reason + ")";
    if (H.empty()) {
      const json cert = network_certificate(net, kConstant);
      const std::string why = "every hidden neuron has an empty I_1 row or I_2 column, so F_I is the constants";
      r.finite_data.verdict = decided(Closedness::closed, kConstant, why, cert);
      r.bounded_box.verdict = decided(Closedness::closed, kConstant, why, cert);
    } else if (n2 == 1) {
      r.finite_data.verdict = decided(Closedness::closed, kThmFiniteScalar,
                                      "one hidden layer, scalar output (N_2 = 1): F_I(Omega) is closed for every finite "
                                      "Omega and any masks, so training on any finite data set has an optimum",
                                      network_certificate(net, kThmFiniteScalar));
      r.bounded_box.verdict = decided(Closedness::closed, kCorBoxScalar,
                                      "one hidden layer, scalar output (N_2 = 1), any masks",
                                      network_certificate(net, kCorBoxScalar));
    } else {
      r.finite_data.verdict = unknown(
          "Ch. 7 (finite data, N_2 >= 2)",
          "no sufficient condition in Ch. 7 for finite data with N_2 = " + std::to_string(n2) +
              " (Thm 7.3.7 needs N_2 = 1; [LMQ21], cited in Ch. 7, shows a dense one-hidden-layer net with N_2 = 2 "
              "and a 6-point data set without optimum); " + nec);
      const Support& I1 = net.layer(0);
      const Support& I2 = net.layer(1);
      if (!columns_full(I2, H)) {
        r.bounded_box.verdict =
            unknown(kThmSubsets, "Thm 7.4.2 needs a full second mask I_2 on the hidden neurons that reach the output "
                                 "(condition (1) fails) and N_2 = " + std::to_string(n2) + " > 1 rules out Cor 7.4.4; " + nec);
      } else if (rows_full(I1, H)) {
        json cert = network_certificate(net, kCorDense);
        cert["kept_neurons"] = H;
        r.bounded_box.verdict = decided(Closedness::closed, kCorDense,
                                        "dense one-hidden-layer network (on the " + std::to_string(H.size()) +
                                            " neurons that matter): every L_{I_S} is the set of matrices of rank <= |S|",
                                        cert);
      } else {
        r.subsets = run_subsets(net, H, o, timer);
        const SubsetReport& sr = *r.subsets;
        if (!sr.ran) {
          r.bounded_box.verdict = unknown(kThmSubsets, "condition (2) not checked: " + sr.why_not + "; " + nec);
        } else if (sr.closed == sr.total) {
          r.bounded_box.verdict = decided(
              Closedness::closed, kThmSubsets,
              "I_2 full on the " + std::to_string(H.size()) + " neurons that matter and L_{I_S} closed for all " +
                  std::to_string(sr.total) + " non-empty S (" + std::to_string(sr.problems.size()) +
                  " distinct reduced problems, certificates re-checked)",
              subset_certificate(net, sr));
        } else {
          r.bounded_box.verdict = unknown(
              kThmSubsets, "condition (2) fails or is unproven: " + sr.failure +
                               " (this does NOT show F_I not closed: Thm 7.4.2 is only sufficient); " + nec);
        }
      }
    }
  }

  // The gate, once per domain verdict, inside what is left of the budget,
  // for the domain the verdict claims (a box-only theorem never leaves as a
  // finite-data answer; gate.hpp).
  for (auto [dv, domain] : {std::pair{&r.finite_data, NetworkDomain::finite_data},
                            std::pair{&r.bounded_box, NetworkDomain::bounded_box}}) {
    const detail::GateResult g = detail::gate(dv->verdict, net.layers(), domain, timer.left(), o.check);
    dv->check = g.passed ? g.account : std::string();
  }

  // Overall: an answer only where both (gated) domains agree; its
  // certificate is the finite-data one, checked just above.
  const Verdict& f = r.finite_data.verdict;
  const Verdict& b = r.bounded_box.verdict;
  if (f.closedness == b.closedness && f.decided()) {
    r.overall = f;
    r.overall.method = f.method == b.method ? f.method : f.method + " + " + b.method;
    r.overall.reason = "finite data: " + f.reason + "; bounded domain: " + b.reason;
    r.overall_check = r.finite_data.check;
  } else {
    r.overall = unknown(
        "Ch. 7", "finite data: " + std::string(to_string(f.closedness)) + " (" + f.method + "); bounded box: " +
                     std::string(to_string(b.closedness)) + " (" + b.method + ")");
  }
  r.overall.seconds = timer.elapsed();
  // Explanations in the network's terms (W1 = first layer; explain.hpp).
  for (Verdict* v : {&r.finite_data.verdict, &r.bounded_box.verdict, &r.overall}) v->explanation = explain(*v, net);
  return r;
}


json to_json(const SubsetReport& r) {
  json j;
  j["theorem"] = "Thm 7.4.2 condition (2): L_{I_S} closed for every non-empty S";
  j["ran"] = r.ran;
  if (!r.ran) {
    j["why_not"] = r.why_not;
    return j;
  }
  std::vector<idx> kept1;
  for (idx i : r.kept_neurons) kept1.push_back(i + 1);
  j["kept_neurons"] = kept1;  // one-based, as the thesis numbers neurons
  j["total_subsets"] = r.total;
  j["closed"] = r.closed;
  j["not_closed"] = r.not_closed;
  j["unknown"] = r.unknown;
  j["not_examined"] = r.not_examined;
  j["subsets_by_how"] = r.subsets_by_how;
  j["distinct_problems"] = r.problems.size();
  j["problems_by_method"] = r.problems_by_method;
  j["problems"] = r.problems;
  if (!r.failing_subset.empty()) {
    std::vector<idx> s1;
    for (idx i : r.failing_subset) s1.push_back(i + 1);
    j["failing_subset"] = s1;
  }
  if (!r.failure.empty()) j["failure"] = r.failure;
  j["seconds"] = r.seconds;
  return j;
}

json to_json(const NetworkAnalysis& a) {
  json j;
  j["widths"] = a.widths;
  j["linear"] = to_json(a.linear);
  j["linear"]["certificate_checked"] = a.linear_checked;
  j["linear"]["checker"] = a.linear_check;
  json d = json::object();
  for (const DomainVerdict* dv : {&a.finite_data, &a.bounded_box}) {
    json v = to_json(dv->verdict);
    v["scope"] = dv->scope;
    v["check"] = dv->check;
    d[dv->domain] = v;
  }
  j["domains"] = d;
  if (a.dataset) j["dataset"] = to_json(*a.dataset);
  if (a.subsets) j["subsets"] = to_json(*a.subsets);
  j["overall"] = to_json(a.overall);
  j["overall"]["check"] = a.overall_check;
  return j;
}

// ---------------------------------------------------------------------------
// Test hooks (the prover's side).

namespace network_detail {

std::vector<Support> prover_reduced_blocks(const Support& rows, std::size_t n2) {
  std::vector<Row> rs;
  const idx words = (rows.cols() + 63) / 64;
  for (idx i = 0; i < rows.rows(); ++i) {
    Row r(words, 0);
    for (idx j : rows.row_indices(i)) r[j >> 6] |= std::uint64_t{1} << (j & 63);
    rs.push_back(std::move(r));
  }
  return reduce_subset(std::move(rs), rows.cols(), n2).blocks;
}
}  // namespace network_detail

}  // namespace wellposed
