// repair(): the nearest provably well-posed architectures (repair.hpp).
#include "wellposed/decide/repair.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <stdexcept>
#include <unordered_set>

#include "gate.hpp"
#include "network_common.hpp"
#include "wellposed/decide/analyze.hpp"
#include "wellposed/decide/network.hpp"
#include "wellposed/algebra/kpattern.hpp"
#include "wellposed/algebra/rank_one.hpp"
#include "wellposed/decide/detectors.hpp"
#include "wellposed/decide/explain.hpp"
#include "wellposed/decide/lu_pattern.hpp"

namespace wellposed {

namespace {

using Factors = std::vector<Support>;
using clock_type = std::chrono::steady_clock;

std::size_t params(const Factors& f) {
  std::size_t n = 0;
  for (const auto& s : f) n += s.nnz();
  return n;
}

std::string key_of(const Factors& f) {
  std::string k;
  for (const auto& s : f) {
    for (const auto& r : s.to_rows()) k += r + "/";
    k += ";";
  }
  return k;
}

/// What the architecture search (Search) and the network search (NetSearch)
/// share: the bounds (candidates examined, the clock of the whole call), the
/// input's masks, the suggestions found, and the head and tail of
/// consider(). search_and_finish() reads this interface.
class SearchBase {
 public:
  double left() const { return o_.seconds - std::chrono::duration<double>(clock_type::now() - t0_).count(); }
  bool out_of_bounds() const { return examined_ >= o_.max_candidates || left() <= 0; }
  std::size_t examined() const { return examined_; }
  const Factors& original() const { return original_; }
  std::vector<RepairSuggestion>& found() { return found_; }

 protected:
  SearchBase(const RepairOptions& o, Factors original, clock_type::time_point t0)
      : o_(o), original_(std::move(original)), t0_(t0) {}

  /// The head of consider(): counts the candidate (every one counts toward
  /// max_candidates); false when it is over the parameter budget.
  bool admit(const Factors& f) {
    ++examined_;
    return !(o_.parameter_budget && params(f) > *o_.parameter_budget);
  }

  /// The tail of consider(): records a candidate whose closed verdict passed
  /// the gate (`check`: the checker's account).
  RepairSuggestion& record(const Factors& f, const std::string& move, std::vector<SupportEdit> edits, Verdict v,
                           std::string check) {
    RepairSuggestion s;
    s.move = move;
    s.edits = std::move(edits);
    s.factors = f;
    s.parameter_count = params(f);
    s.verdict = std::move(v);
    s.check = std::move(check);
    found_.push_back(std::move(s));
    return found_.back();
  }

  const RepairOptions& o_;

 private:
  Factors original_;
  clock_type::time_point t0_;
  std::size_t examined_ = 0;
  std::vector<RepairSuggestion> found_;
};

class Search : public SearchBase {
 public:
  Search(const Architecture& arch, const RepairOptions& o) : SearchBase(o, arch.factors(), clock_type::now()) {}

  /// Examines a candidate; true when it is proven well-posed (and recorded).
  bool consider(const Factors& f, const std::string& move) {
    if (!admit(f)) return false;
    const std::string key = key_of(f);
    if (!seen_.insert(key).second) return false;
    const Architecture a(f);
    Verdict v = detect(a);
    if (v.closedness != Closedness::closed) return false;
    // The one gate: the certificate must pass the independent checker.
    const detail::GateResult g = detail::gate(v, a, std::max(left(), 0.5));
    if (!g.passed || v.closedness != Closedness::closed) return false;
    std::vector<SupportEdit> edits = support_edits(original(), f);
    if (o_.max_changes && edits.size() > *o_.max_changes) return false;
    record(f, move, std::move(edits), std::move(v), g.account);
    return true;
  }

 private:
  std::set<std::string> seen_;
};

// ---------------------------------------------------------------- kronecker
std::vector<std::size_t> divisors(std::size_t n) {
  std::vector<std::size_t> d;
  for (std::size_t i = 1; i * i <= n; ++i)
    if (n % i == 0) {
      d.push_back(i);
      if (i * i != n) d.push_back(n / i);
    }
  std::sort(d.begin(), d.end());
  return d;
}

/// Every (a, b, c, d) with a b d = m, a c d = n (Def 6.3.1).
std::vector<KPattern> patterns_of_shape(std::size_t m, std::size_t n) {
  std::vector<KPattern> out;
  for (std::size_t d : divisors(std::gcd(m, n)))
    for (std::size_t a : divisors(std::gcd(m / d, n / d))) out.push_back({a, m / (a * d), n / (a * d), d});
  return out;
}

std::size_t distance(const Support& s, const Support& t) { return s.minus(t).nnz() + t.minus(s).nnz(); }

// Cor 6.5.12 target: the chainable Kronecker chain nearest to the masks
// (least total symmetric difference; ties: fewer parameters), by a
// left-to-right dynamic programme over (factor, pattern). With a parameter
// budget, each state keeps its Pareto front of (distance, parameters).
void kronecker_move(Search& s, const std::optional<std::size_t>& budget) {
  const Factors& f = s.original();
  if (f.size() < 2) return;
  const std::size_t L = f.size();
  std::vector<std::vector<KPattern>> cand(L);
  std::vector<std::vector<std::size_t>> cost(L);
  for (std::size_t l = 0; l < L; ++l) {
    cand[l] = patterns_of_shape(f[l].rows(), f[l].cols());
    for (const auto& p : cand[l]) cost[l].push_back(distance(f[l], Support::kronecker(p.a, p.b, p.c, p.d)));
  }
  struct Entry {
    std::size_t dist, par, prev_p, prev_e;
  };
  std::vector<std::vector<std::vector<Entry>>> front(L);
  auto add = [](std::vector<Entry>& fr, Entry e) {
    for (const auto& x : fr)
      if (x.dist <= e.dist && x.par <= e.par) return;
    std::erase_if(fr, [&](const Entry& x) { return e.dist <= x.dist && e.par <= x.par; });
    fr.push_back(e);
    if (fr.size() > 32) {  // keep the nearest 32 (bounded work)
      std::sort(fr.begin(), fr.end(), [](const Entry& x, const Entry& y) { return x.dist < y.dist; });
      fr.resize(32);
    }
  };
  front[0].resize(cand[0].size());
  for (std::size_t p = 0; p < cand[0].size(); ++p) front[0][p].push_back({cost[0][p], cand[0][p].nnz(), 0, 0});
  for (std::size_t l = 1; l < L; ++l) {
    front[l].resize(cand[l].size());
    for (std::size_t p = 0; p < cand[l].size(); ++p)
      for (std::size_t q = 0; q < cand[l - 1].size(); ++q) {
        if (!chainable(cand[l - 1][q], cand[l][p])) continue;
        for (std::size_t e = 0; e < front[l - 1][q].size(); ++e) {
          const Entry& x = front[l - 1][q][e];
          add(front[l][p], {x.dist + cost[l][p], x.par + cand[l][p].nnz(), q, e});
        }
      }
  }
  // Best end state within the parameter budget.
  std::size_t bp = SIZE_MAX, be = 0;
  std::pair<std::size_t, std::size_t> best{SIZE_MAX, SIZE_MAX};
  for (std::size_t p = 0; p < cand[L - 1].size(); ++p)
    for (std::size_t e = 0; e < front[L - 1][p].size(); ++e) {
      const Entry& x = front[L - 1][p][e];
      if (budget && x.par > *budget) continue;
      if (std::pair{x.dist, x.par} < best) {
        best = {x.dist, x.par};
        bp = p;
        be = e;
      }
    }
  if (bp == SIZE_MAX) return;
  Factors out(L);
  std::size_t p = bp, e = be;
  for (std::size_t l = L; l-- > 0;) {
    const KPattern& t = cand[l][p];
    out[l] = Support::kronecker(t.a, t.b, t.c, t.d);
    const Entry& x = front[l][p][e];
    p = x.prev_p;
    e = x.prev_e;
  }
  s.consider(out, "kronecker");
}

// ---------------------------------------------------------------- classes
bool overlap(const RankOneClass& P, const RankOneClass& Q) {
  auto meets = [](const std::vector<std::size_t>& a, const std::vector<std::size_t>& b) {
    std::vector<std::size_t> c;
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(c));
    return c;
  };
  return !P.rows.empty() && !P.cols.empty() && !Q.rows.empty() && !Q.cols.empty() && !meets(P.rows, Q.rows).empty() &&
         !meets(P.cols, Q.cols).empty();
}

std::vector<std::size_t> intersect(const std::vector<std::size_t>& a, const std::vector<std::size_t>& b) {
  std::vector<std::size_t> c;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(c));
  return c;
}

void set_class(Factors& f, const std::vector<std::size_t>& units, const std::vector<std::size_t>& rows,
               const std::vector<std::size_t>& cols) {
  for (auto k : units) {
    for (std::size_t i = 0; i < f[0].rows(); ++i) f[0].set(i, k, false);
    for (std::size_t j = 0; j < f[1].cols(); ++j) f[1].set(k, j, false);
    for (auto i : rows) f[0].set(i, k);
    for (auto j : cols) f[1].set(k, j);
  }
}

// Thm 5.2.3's two moves share this loop: while two rank-one classes overlap,
// `resolve` edits the first overlapping pair (p < q); then the result is
// considered under `move`. `resolve` must make progress (merge: fewer
// classes; split: fewer entries), so the loop ends.
template <class Resolve>
void overlapping_classes_move(Search& s, const char* move, Resolve resolve) {
  Factors f = s.original();
  for (;;) {
    if (s.left() <= 0) return;  // the time bound covers the moves too
    const auto cls = rank_one_classes(f[0], f[1]);
    bool changed = false;
    for (std::size_t p = 0; p < cls.size() && !changed; ++p)
      for (std::size_t q = p + 1; q < cls.size() && !changed; ++q)
        if (overlap(cls[p], cls[q])) {
          resolve(f, cls[p], cls[q]);
          changed = true;
        }
    if (!changed) break;
  }
  s.consider(f, move);
}

// Thm 5.2.3 by additions: overlapping classes get the union of their rows and
// columns (they become one class). Ends: every step lowers the class count.
void merge_classes_move(Search& s) {
  overlapping_classes_move(s, "merge-classes", [](Factors& f, const RankOneClass& P, const RankOneClass& Q) {
    std::vector<std::size_t> units = P.indices, rows, cols;
    units.insert(units.end(), Q.indices.begin(), Q.indices.end());
    std::set_union(P.rows.begin(), P.rows.end(), Q.rows.begin(), Q.rows.end(), std::back_inserter(rows));
    std::set_union(P.cols.begin(), P.cols.end(), Q.cols.begin(), Q.cols.end(), std::back_inserter(cols));
    set_class(f, units, rows, cols);
  });
}

// Thm 5.2.3 by removals: the cheaper of "drop the shared rows" / "drop the
// shared columns" from the smaller of two overlapping classes. Ends: every
// step removes entries.
void split_classes_move(Search& s) {
  overlapping_classes_move(s, "split-classes", [](Factors& f, const RankOneClass& P, const RankOneClass& Q) {
    const RankOneClass& small = P.size() <= Q.size() ? P : Q;
    const RankOneClass& big = &small == &P ? Q : P;
    const auto rows = intersect(small.rows, big.rows), cols = intersect(small.cols, big.cols);
    for (auto k : small.indices) {
      if (rows.size() * small.cols.size() <= cols.size() * small.rows.size())
        for (auto i : rows) f[0].set(i, k, false);
      else
        for (auto j : cols) f[1].set(k, j, false);
    }
  });
}

// Thm 5.2.9 by making classes complete (Def 5.2.5: |P| >= min(|R_P|,|C_P|)):
// while the hypothesis fails, the overlapping non-complete class that is
// cheapest to complete keeps only |P| of its rows (or columns), preferring
// the rows (columns) it does not share. Every class complete => L_I is a sum
// of coordinate subspaces; usually far fewer are needed.
void complete_classes_move(Search& s) {
  Factors f = s.original();
  for (int guard = 0; guard < 4096; ++guard) {
    if (s.left() <= 0) return;
    if (cec_taxonomy(f[0], f[1]).thm_5_2_9_hypothesis) break;
    const auto cls = rank_one_classes(f[0], f[1]);
    std::size_t best = SIZE_MAX, best_cost = SIZE_MAX;
    bool by_rows = true;
    for (std::size_t p = 0; p < cls.size(); ++p) {
      if (cls[p].complete() || cls[p].rows.empty() || cls[p].cols.empty()) continue;
      bool shared = false;
      for (std::size_t q = 0; q < cls.size() && !shared; ++q) shared = q != p && overlap(cls[p], cls[q]);
      if (!shared) continue;
      const std::size_t n = cls[p].size();
      const std::size_t cr = (cls[p].rows.size() - n) * n, cc = (cls[p].cols.size() - n) * n;
      if (std::min(cr, cc) < best_cost) {
        best_cost = std::min(cr, cc);
        best = p;
        by_rows = cr <= cc;
      }
    }
    if (best == SIZE_MAX) break;
    const RankOneClass& P = cls[best];
    // Rows (columns) shared with other classes go first.
    auto& keep_from = by_rows ? P.rows : P.cols;
    std::vector<std::pair<int, std::size_t>> order;
    for (auto x : keep_from) {
      int shared = 0;
      for (std::size_t q = 0; q < cls.size(); ++q)
        if (q != best && std::binary_search((by_rows ? cls[q].rows : cls[q].cols).begin(),
                                            (by_rows ? cls[q].rows : cls[q].cols).end(), x))
          ++shared;
      order.push_back({shared, x});
    }
    std::sort(order.begin(), order.end());
    std::vector<std::size_t> kept;
    for (std::size_t t = 0; t < P.size() && t < order.size(); ++t) kept.push_back(order[t].second);
    std::sort(kept.begin(), kept.end());
    set_class(f, P.indices, by_rows ? kept : P.rows, by_rows ? P.cols : kept);
  }
  s.consider(f, "complete-classes");
}

// Thm 4.3.1's obstruction removed entry by entry: X_1[i2, l] carries the
// second path into (i2, j2); without it (i2, j2) lies in S_k only.
void lu_break_move(Search& s, std::size_t max_steps) {
  Factors f = s.original();
  for (std::size_t step = 0; step < max_steps; ++step) {
    if (s.left() <= 0) return;
    const auto p = find_lu_pattern(f[0], f[1]);
    if (!p) break;
    f[0].set(p->i2, p->l, false);
  }
  s.consider(f, "lu-break");
}

// ---------------------------------------------------------------- search
struct Flip {
  std::size_t factor, row, col;
};

// Uniform-cost search over single-entry edits; S is Search (architectures)
// or NetSearch (ReLU networks): original(), consider(), out_of_bounds(),
// examined(), found(), left().
template <class S>
void best_first(S& s, std::size_t max_depth, RepairResult& r, const RepairOptions& o) {
  const Factors& f0 = s.original();
  // The flip list holds one entry per mask cell: refused (with the reason)
  // beyond kMaxSearchCells cells rather than allocated; counted with
  // overflow checks (cells of materialized masks, so no wrap in practice).
  constexpr std::size_t kMaxSearchCells = std::size_t{1} << 20;
  std::size_t cells = 0;
  for (const auto& m : f0) {
    const std::size_t c = m.rows() * m.cols();
    if (m.cols() != 0 && c / m.cols() != m.rows()) cells = SIZE_MAX;
    cells = cells > SIZE_MAX - c ? SIZE_MAX : cells + c;
  }
  if (cells > kMaxSearchCells) {
    r.note = "single-entry search skipped: " + std::to_string(cells) + " mask cells exceed its limit of " +
             std::to_string(kMaxSearchCells);
    return;
  }
  std::vector<Flip> flips;
  for (std::size_t l = 0; l < f0.size(); ++l)
    for (std::size_t i = 0; i < f0[l].rows(); ++i)
      for (std::size_t j = 0; j < f0[l].cols(); ++j) flips.push_back({l, i, j});
  const std::size_t E = flips.size();
  if (E == 0) return;
  // Estimate for progress: sum_d C(E, d), capped by the candidate bound.
  std::size_t total = 0, comb = 1;
  for (std::size_t d = 1; d <= max_depth; ++d) {
    comb = comb > SIZE_MAX / E ? SIZE_MAX : comb * (E - d + 1) / d;
    total = std::min(o.max_candidates, total + std::min(comb, o.max_candidates));
  }
  for (std::size_t depth = 1; depth <= max_depth; ++depth) {
    // Uniform cost: every set of `depth` distinct flips, in lexicographic order.
    std::vector<std::size_t> idx(depth);
    std::iota(idx.begin(), idx.end(), 0);
    if (depth > E) break;
    bool found_here = false, cut = false;
    for (;;) {
      if (s.out_of_bounds()) {
        cut = true;
        break;
      }
      Factors f = f0;
      for (auto t : idx) f[flips[t].factor].set(flips[t].row, flips[t].col, !f0[flips[t].factor](flips[t].row, flips[t].col));
      found_here = s.consider(f, "search") || found_here;
      if (o.progress && s.examined() % 256 == 0)
        o.progress(s.examined(), std::max(total, s.examined()), "repair: examining architectures within " +
                                                                     std::to_string(depth) + " edit(s)");
      if (found_here && s.found().size() >= o.max_suggestions) {
        cut = true;  // enough at this depth: nearest found
        break;
      }
      // Next combination.
      std::size_t k = depth;
      while (k > 0 && idx[k - 1] == E - depth + (k - 1)) --k;
      if (k == 0) break;
      ++idx[k - 1];
      for (std::size_t t = k; t < depth; ++t) idx[t] = idx[t - 1] + 1;
    }
    if (!cut) r.exhaustive_depth = depth;
    if (found_here) {
      if (!cut) r.exhaustive_depth = depth;
      r.note = "nearest within single-entry edits: " + std::to_string(depth) + " edit(s)";
      return;
    }
    if (cut) {
      r.note = "search stopped at " + std::to_string(depth) + " edit(s): " +
               (s.left() <= 0 ? "time bound reached" : "candidate bound reached") +
               "; every architecture within " + std::to_string(r.exhaustive_depth) + " edit(s) was examined";
      return;
    }
  }
  r.note = "every architecture within " + std::to_string(r.exhaustive_depth) + " edit(s) was examined";
}

// The best-first search (only as deep as it can improve on the moves'
// nearest suggestion), then the suggestions nearest first. Shared by
// architectures and networks.
template <class S>
void search_and_finish(S& s, RepairResult& r, const RepairOptions& o) {
  std::size_t best = SIZE_MAX;
  for (const auto& x : s.found()) best = std::min(best, x.changes());
  std::size_t depth = o.max_changes ? std::min(*o.max_changes, o.search_depth) : o.search_depth;
  if (best != SIZE_MAX && best > 0) depth = std::min(depth, best - 1);
  if (depth > 0) best_first(s, depth, r, o);
  else r.note = best == SIZE_MAX ? "search depth 0" : "no search needed: a move found " + std::to_string(best) + " edit(s)";
  r.candidates_examined = s.examined();
  auto& f = s.found();
  std::stable_sort(f.begin(), f.end(), [](const RepairSuggestion& a, const RepairSuggestion& b) {
    return std::pair{a.changes(), a.parameter_count} < std::pair{b.changes(), b.parameter_count};
  });
  if (f.size() > o.max_suggestions) f.resize(o.max_suggestions);
  r.suggestions = std::move(f);
}

// ---------------------------------------------------------------- networks
// Layers W_1, W_2 (input to output): f[0] = I_1 (N_1 x N_0), f[1] = I_2
// (N_2 x N_1). Hidden neuron k is row k of I_1 and column k of I_2.

/// Most kept neurons whose 2^k - 1 subsets a candidate may enumerate: the
/// option, lowered so that one candidate's subsets fit the budget at 20000
/// subsets a second. Subsets settled by network.cpp's exact reductions and
/// its cache run at about 130000 a second (2^16 - 1 in 0.5 s, loaded 2-core
/// machine); a new reduced block costs an analyze() call, hence the margin.
std::size_t subset_limit(const RepairOptions& o) {
  std::size_t k = 0;
  const double per_second = 20000.0 * std::max(o.seconds, 0.0);
  while (k < 62 && std::ldexp(1.0, static_cast<int>(k + 1)) - 1 <= per_second) ++k;
  return std::min(o.max_subset_neurons, k);
}

class NetSearch : public SearchBase {
 public:
  NetSearch(const ReluNetwork& net, const RepairOptions& o, clock_type::time_point t0)
      : SearchBase(o, net.layers(), t0), name_(net.name()), limit_(subset_limit(o)) {}

  std::size_t evaluated() const { return evaluated_; }
  std::size_t skipped_for_subsets() const { return skipped_subsets_; }
  std::size_t limit() const { return limit_; }

  /// Examines a candidate; true when analyze_network() proves it closed on
  /// the bounded box and that verdict passed the gate (recorded).
  bool consider(const Factors& f, const std::string& move) {
    if (!admit(f)) return false;
    // Hashed key: a collision only skips a candidate (never a suggestion
    // unchecked), and 20000 candidates of large masks stay small.
    if (!seen_.insert(std::hash<std::string>{}(key_of(f))).second) return false;
    // Cheap filters before the analysis: Thm 7.4.2 (1) must hold (Cor 7.4.3
    // and 7.4.4 with N_2 >= 2 need it too), and the subsets must be
    // affordable unless W_1 is dense on the kept neurons (Cor 7.4.3).
    const ReluNetwork net(f, name_);
    const auto H = network_common::kept_neurons(net);
    // No neuron left: F_I is the constants, closed but no repair anyone wants.
    if (H.empty() || !network_common::columns_full(f[1], H)) return false;
    if (H.size() > limit_ && !network_common::rows_full(f[0], H)) {
      ++skipped_subsets_;
      return false;
    }
    std::vector<SupportEdit> edits = support_edits(original(), f);
    if (edits.empty() || (o_.max_changes && edits.size() > *o_.max_changes)) return false;
    const double budget = std::min(left(), std::max(1.0, 0.25 * o_.seconds));
    if (budget <= 0) return false;
    ++evaluated_;
    NetworkOptions no;
    no.budget_seconds = budget;
    no.per_problem_seconds = std::min(1.0, 0.5 * budget);
    no.max_subset_neurons = limit_;
    no.linear_exact = false;  // the bounded-box sufficient conditions do not use L_I
    const NetworkAnalysis na = analyze_network(net, no);
    const DomainVerdict& b = na.bounded_box;
    // analyze_network gated b (gate.hpp): a non-empty check is the
    // checker's account of a passed certificate.
    if (b.verdict.closedness != Closedness::closed || b.check.empty()) return false;
    RepairSuggestion& s = record(f, move, std::move(edits), b.verdict, b.check);
    s.network = true;
    s.domain = b.domain;
    return true;
  }

 private:
  std::string name_;
  std::size_t limit_;
  std::size_t evaluated_ = 0, skipped_subsets_ = 0;
  std::unordered_set<std::size_t> seen_;
};

void fill_row(Support& s, std::size_t i) {
  for (std::size_t j = 0; j < s.cols(); ++j) s.set(i, j);
}
void clear_row(Support& s, std::size_t i) {
  for (std::size_t j = 0; j < s.cols(); ++j) s.set(i, j, false);
}
void fill_col(Support& s, std::size_t j) {
  for (std::size_t i = 0; i < s.rows(); ++i) s.set(i, j);
}
void clear_col(Support& s, std::size_t j) {
  for (std::size_t i = 0; i < s.rows(); ++i) s.set(i, j, false);
}

bool rows_meet(const Support& s, std::size_t a, std::size_t b) {
  for (std::size_t j : s.row_indices(a))
    if (s(b, j)) return true;
  return false;
}
bool rows_equal(const Support& s, std::size_t a, std::size_t b) {
  return s.row_count(a) == s.row_count(b) && s.row_indices(a) == s.row_indices(b);
}

// Condition (2) moves on the kept neurons' W_1 rows (after condition (1)).
// Merge: rows joined by shared inputs get their union (entries added), so
// the rows become pairwise equal or disjoint.
Factors merge_rows(Factors f) {
  const auto H = network_common::kept_neurons(ReluNetwork(f));
  std::vector<std::size_t> parent(H.size());
  std::iota(parent.begin(), parent.end(), std::size_t{0});
  auto find = [&](std::size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (std::size_t a = 0; a < H.size(); ++a)
    for (std::size_t b = a + 1; b < H.size(); ++b)
      if (rows_meet(f[0], H[a], H[b])) parent[find(b)] = find(a);
  std::map<std::size_t, std::vector<std::size_t>> union_cols;
  for (std::size_t a = 0; a < H.size(); ++a)
    for (std::size_t j : f[0].row_indices(H[a])) union_cols[find(a)].push_back(j);
  for (std::size_t a = 0; a < H.size(); ++a)
    for (std::size_t j : union_cols[find(a)]) f[0].set(H[a], j);
  return f;
}

// Split: while two kept rows overlap without being equal, the smaller (ties:
// the later neuron) loses the shared inputs (entries removed; a row that
// empties drops its neuron). Ends: every step removes entries.
Factors split_rows(Factors f) {
  for (;;) {
    const auto H = network_common::kept_neurons(ReluNetwork(f));
    bool changed = false;
    for (std::size_t a = 0; a < H.size() && !changed; ++a)
      for (std::size_t b = a + 1; b < H.size() && !changed; ++b)
        if (rows_meet(f[0], H[a], H[b]) && !rows_equal(f[0], H[a], H[b])) {
          const std::size_t small = f[0].row_count(H[a]) < f[0].row_count(H[b]) ? H[a] : H[b];
          const std::size_t other = small == H[a] ? H[b] : H[a];
          for (std::size_t j : f[0].row_indices(other)) f[0].set(small, j, false);
          changed = true;
        }
    if (!changed) return f;
  }
}

Factors dense_rows(Factors f) {
  for (std::size_t k : network_common::kept_neurons(ReluNetwork(f))) fill_row(f[0], k);
  return f;
}

// Thm 7.4.2's moves (header comment): condition (1) assignments x the four
// condition (2) treatments, considered in order of their number of edits.
void network_moves(NetSearch& s, std::size_t max_suggestions) {
  const Factors& f0 = s.original();
  const ReluNetwork net0(f0);
  const std::size_t n2 = f0[1].rows();
  std::vector<std::size_t> nf;  // kept neurons whose W_2 column is not full
  for (std::size_t k : network_common::kept_neurons(net0))
    if (f0[1].col_count(k) != n2) nf.push_back(k);
  // fill[t]: neuron nf[t] gets a full W_2 column (else it is dropped).
  std::vector<std::vector<bool>> assignments;
  // Every combination (up to 2^8 x 4 candidate copies of the masks) only
  // while those copies stay within 64 MiB; else three combinations.
  std::size_t mask_bytes = 0;
  for (const auto& m : f0) mask_bytes += m.rows() * ((m.cols() + 63) / 64) * 8 + 64;
  if (nf.size() <= 8 && (std::size_t{4} << nf.size()) <= (std::size_t{64} << 20) / std::max<std::size_t>(mask_bytes, 1)) {
    for (std::uint32_t m = 0; m < (1u << nf.size()); ++m) {
      std::vector<bool> a(nf.size());
      for (std::size_t t = 0; t < nf.size(); ++t) a[t] = (m >> t) & 1u;
      assignments.push_back(a);
    }
  } else {
    std::vector<bool> cheapest(nf.size());
    for (std::size_t t = 0; t < nf.size(); ++t)
      cheapest[t] = n2 - f0[1].col_count(nf[t]) <= std::min(f0[1].col_count(nf[t]), f0[0].row_count(nf[t]));
    assignments = {cheapest, std::vector<bool>(nf.size(), true), std::vector<bool>(nf.size(), false)};
  }
  struct Cand {
    std::size_t changes, par;
    Factors f;
    std::string move;
  };
  std::vector<Cand> cands;
  for (const auto& a : assignments) {
    if (s.left() <= 0) break;
    Factors f = f0;
    for (std::size_t t = 0; t < nf.size(); ++t) {
      const std::size_t k = nf[t];
      if (a[t]) fill_col(f[1], k);
      else if (f0[1].col_count(k) <= f0[0].row_count(k)) clear_col(f[1], k);
      else clear_row(f[0], k);
    }
    for (auto& [move, g] : std::vector<std::pair<std::string, Factors>>{
             {"w1-as-is", f}, {"w1-dense", dense_rows(f)}, {"w1-merge-rows", merge_rows(f)}, {"w1-split-rows", split_rows(f)}})
      cands.push_back({support_edits(f0, g).size(), params(g), std::move(g), move});
  }
  std::stable_sort(cands.begin(), cands.end(),
                   [](const Cand& x, const Cand& y) { return std::pair{x.changes, x.par} < std::pair{y.changes, y.par}; });
  // Nearest first: stop once enough suggestions are found and the next
  // candidate is farther than the last one found (ties are all examined).
  std::size_t last = SIZE_MAX;
  for (const auto& c : cands) {
    if (s.out_of_bounds()) break;
    if (s.found().size() >= max_suggestions && c.changes > last) break;
    if (s.consider(c.f, c.move)) last = c.changes;
  }
}

}  // namespace

std::vector<SupportEdit> support_edits(const std::vector<Support>& from, const std::vector<Support>& to) {
  if (from.size() != to.size()) throw std::invalid_argument("support_edits: different numbers of factors");
  std::vector<SupportEdit> e;
  for (std::size_t l = 0; l < from.size(); ++l) {
    if (from[l].rows() != to[l].rows() || from[l].cols() != to[l].cols())
      throw std::invalid_argument("support_edits: factor shapes differ");
    for (auto [i, j] : to[l].minus(from[l]).entries()) e.push_back({l, i, j, true});
    for (auto [i, j] : from[l].minus(to[l]).entries()) e.push_back({l, i, j, false});
  }
  std::sort(e.begin(), e.end(), [](const SupportEdit& a, const SupportEdit& b) {
    return std::tie(a.factor, a.row, a.col) < std::tie(b.factor, b.row, b.col);
  });
  return e;
}

RepairResult repair(const Architecture& arch, const RepairOptions& o) {
  if (!arch.can_materialize())
    throw std::invalid_argument("repair: the masks of this family are too large to build (" +
                                std::to_string(arch.materialize_bytes().value_or(0)) + " bytes); repairs edit masks");
  RepairResult r;
  Search s(arch, o);  // its clock covers the whole call, the input's verdict included
  {
    // The input's verdict through the full route (detectors, exact route,
    // the gate) when cheap: a bounded share of the budget; detectors only
    // when original_seconds is 0.
    Verdict v;
    const double budget = std::min(o.original_seconds, 0.4 * o.seconds);
    if (budget > 0) {
      AnalyzeOptions ao;
      ao.budget_seconds = budget;
      v = analyze(arch, ao).verdict;
    } else {
      v = detect(arch);
      detail::gate(v, arch, std::max(o.seconds, 0.5));
    }
    if (v.explanation.empty()) v.explanation = explain(v, arch);
    r.original = v;
  }
  if (r.original.closedness == Closedness::closed) {
    r.note = "already proven well-posed; nothing to repair";
    return r;
  }
  const std::size_t L = arch.num_factors();
  // Polynomial-time moves first.
  if (o.progress) o.progress(0, 0, "repair: polynomial-time moves");
  // The Kronecker move first: it always has a candidate (the dense chain).
  kronecker_move(s, o.parameter_budget);
  if (L == 2) {
    merge_classes_move(s);
    split_classes_move(s);
    complete_classes_move(s);
    lu_break_move(s, 64);
  }
  // Then the bounded best-first search, only as deep as it can improve on
  // the moves' nearest suggestion.
  search_and_finish(s, r, o);
  return r;
}

RepairResult repair_network(const ReluNetwork& net, const RepairOptions& o) {
  const auto t0 = clock_type::now();
  RepairResult r;
  r.network = true;
  r.domain = "bounded_box";
  r.scope = network_common::kScopeBox;
  NetSearch s(net, o, t0);
  {
    // The input's verdicts through analyze_network (L_I by the full route,
    // the subsets, the gate), within a bounded share of the budget.
    NetworkOptions no;
    no.budget_seconds = std::max(0.1, std::min(o.original_seconds, 0.4 * o.seconds));
    no.per_problem_seconds = std::min(1.0, 0.5 * no.budget_seconds);
    no.max_subset_neurons = s.limit();
    const NetworkAnalysis na = analyze_network(net, no);
    r.original = na.bounded_box.verdict;
    r.overall = na.overall;
  }
  if (r.original.closedness == Closedness::closed) {
    r.note = "already proven well-posed on the bounded box (" + r.original.method + "); nothing to repair";
    return r;
  }
  if (net.depth() != 2) {
    r.note = "not repaired: " + std::to_string(net.depth() - 1) +
             " hidden layers; Ch. 7 proves F_I closed only for one hidden layer (Thm 7.3.7, Thm 7.4.2 and its "
             "corollaries need L = 2), so no change of the masks can be proven well-posed";
    return r;
  }
  if (o.progress) o.progress(0, 0, "repair: Thm 7.4.2 moves (W2 columns full, W1 rows)");
  network_moves(s, o.max_suggestions);
  search_and_finish(s, r, o);
  r.candidates_examined = s.examined();
  r.note += "; " + std::to_string(s.evaluated()) + " candidate network(s) analyzed";
  if (s.skipped_for_subsets())
    r.note += "; " + std::to_string(s.skipped_for_subsets()) + " candidate(s) not examined: more than " +
              std::to_string(s.limit()) + " hidden neurons reach the output, and Thm 7.4.2's 2^k - 1 subsets exceed " +
              "what this budget allows (only Cor 7.4.3, W1 dense on those neurons, was tried for them)";
  return r;
}

nlohmann::json to_json(const RepairSuggestion& s) {
  nlohmann::json edits = nlohmann::json::object();
  for (std::size_t l = 0; l < s.factors.size(); ++l) {
    nlohmann::json add = nlohmann::json::array(), rem = nlohmann::json::array();
    for (const auto& e : s.edits)
      if (e.factor == l) (e.add ? add : rem).push_back({e.row, e.col});
    if (!add.empty() || !rem.empty())
      edits[(s.network ? "W" : "X") + std::to_string(l + 1)] = {{"add", add}, {"remove", rem}};
  }
  nlohmann::json factors = nlohmann::json::array();
  for (const auto& f : s.factors) factors.push_back(f.to_rows());
  nlohmann::json j = {{"move", s.move},
                      {"changes", s.changes()},
                      {"edits", edits},
                      {"parameter_count", s.parameter_count},
                      {"factors", factors},
                      {"verdict", to_json(s.verdict, false)},
                      {"check", s.check}};
  if (s.network) j["domain"] = s.domain;  // factors: layers W1 (first) .. WL
  return j;
}

nlohmann::json to_json(const RepairResult& r) {
  nlohmann::json sug = nlohmann::json::array();
  for (const auto& s : r.suggestions) sug.push_back(to_json(s));
  nlohmann::json j = {{"original", to_json(r.original, false)},
                      {"suggestions", sug},
                      {"candidates_examined", r.candidates_examined},
                      {"exhaustive_depth", r.exhaustive_depth},
                      {"note", r.note}};
  if (r.network) {
    // "original" is the input's verdict on `domain`, the repair's target.
    j["kind"] = "relu_network";
    j["domain"] = r.domain;
    j["scope"] = r.scope;
    j["overall"] = to_json(r.overall, false);
    j["factor_order"] = "layers W1 (first, input side) .. WL; entries [row, col] = weight[out, in], 0-based";
  }
  return j;
}

}  // namespace wellposed
