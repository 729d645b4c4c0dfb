#include "wellposed/decide/exact.hpp"
#include "wellposed/decide/detail/nullstellensatz.hpp"
#include "wellposed/decide/detail/normal_form.hpp"
#include "wellposed/decide/detail/reductions.hpp"
#include "wellposed/decide/detail/z3_backend.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iterator>
#include <random>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "wellposed/algebra/detail/entry_polynomials.hpp"
#include "wellposed/algebra/detail/sentences.hpp"
#include "wellposed/decide/analyze.hpp"
#include "wellposed/decide/detectors.hpp"
#include "wellposed/decide/explain.hpp"

#include "deadline_solve.hpp"

namespace wellposed {

namespace {

using idx = std::size_t;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

struct Timer {
  clock_type::time_point t0 = clock_type::now();
  double total;
  explicit Timer(double seconds) : total(seconds) {}
  double elapsed() const { return std::chrono::duration<double>(clock_type::now() - t0).count(); }
  double left() const { return total - elapsed(); }
};

json support_json(const Support& s) { return {{"rows", s.rows()}, {"cols", s.cols()}, {"mask", s.to_rows()}}; }

json factors_json(const Architecture& arch) {
  json f = json::array();
  for (const auto& s : arch.factors()) f.push_back(support_json(s));
  return f;
}

json matrix_json(const RationalMatrix& A) {
  json e = json::array();
  for (idx i = 0; i < A.rows(); ++i)
    for (idx j = 0; j < A.cols(); ++j)
      if (A(i, j) != 0) e.push_back({i, j, A(i, j).str()});
  return {{"rows", A.rows()}, {"cols", A.cols()}, {"entries", e}};
}

RationalMatrix restrict_target(const MaskedChain& b, const RationalMatrix& A) {
  RationalMatrix r(b.rows(), b.cols());
  for (idx i = 0; i < b.rows(); ++i)
    for (idx j = 0; j < b.cols(); ++j) r(i, j) = A(b.original_index.front()[i], b.original_index.back()[j]);
  return r;
}

// The block's target a (block coordinates), as original-coordinate entries.
json lift_entries(const MaskedChain& b, const RationalMatrix& a) {
  json e = json::array();
  for (auto [i, j] : b.mask.entries())
    e.push_back({b.original_index.front()[i], b.original_index.back()[j], a(i, j).str()});
  return e;
}

Z3Budget budget(double seconds, const ExactOptions& o) { return {seconds, o.memory_mib}; }

// WELLPOSED_TRACE_EXACT set: one line per closedness query on stderr (what,
// budget, seconds, answer), to find a query that overruns its budget.
bool tracing() { return detail::trace_exact_queries(); }

// A quantified query in a child process with a hard deadline
// (deadline_solve.hpp: Z3 4.8.12's nlqsat may ignore z3_check's interrupt;
// measured 56 s on an 18 s budget for the full Lemma 3.2.16 sentence of the
// 4x4 r=3 case 111,111,111,010;1111,1111,0111, the pipeline then 98 s on 60).
// The child runs z3_check under the child's share of the budget and sends
// the result back; a killed or failed child is unknown, so soundness is
// unchanged: every answer is z3_check's. Models come back by variable name
// (Variable::named interns names) and rationals as text. Only when no child
// can be started (pipe/fork failure) does the query run in this process, as
// before the hard deadline existed.
Z3Result z3_check_hard_deadline(const Formula& f, const Z3Budget& b, Z3Tactic t) {
  if (b.seconds <= 0) return z3_check(f, b, t);
  const detail::HardDeadlineRun run = detail::run_with_hard_deadline(b.seconds, [&](double child_seconds) {
    const Z3Result r = z3_check(f, {child_seconds, b.memory_mib}, t);
    json j = {{"answer", static_cast<int>(r.answer)}, {"reason", r.reason}, {"seconds", r.seconds}, {"tactic", r.tactic}};
    json m = json::array(), irr = json::array();
    for (const auto& [v, q] : r.model) m.push_back({v.name(), q.str()});
    for (const auto& [v, text] : r.irrational) irr.push_back({v.name(), text});
    j["model"] = m;
    j["irrational"] = irr;
    return j.dump();
  });
  if (run.status == detail::HardDeadlineRun::Status::not_started) return z3_check(f, b, t);
  Z3Result r;
  r.seconds = run.seconds;
  if (run.status == detail::HardDeadlineRun::Status::killed) {
    // No timing in the reason (verdict.hpp): the seconds are in r.seconds.
    r.reason = "timeout (z3 ignored its interrupt: the query process was killed at its deadline)";
    return r;
  }
  if (run.status != detail::HardDeadlineRun::Status::finished) {
    r.reason = run.reason;
    return r;
  }
  try {
    const json j = json::parse(run.output);
    r.answer = static_cast<SolverAnswer>(j.at("answer").get<int>());
    r.reason = j.at("reason").get<std::string>();
    r.tactic = j.value("tactic", std::string());
    for (const auto& e : j.value("model", json::array()))
      r.model[Variable::named(e[0].get<std::string>())] = Rational(e[1].get<std::string>());
    for (const auto& e : j.value("irrational", json::array()))
      r.irrational[Variable::named(e[0].get<std::string>())] = e[1].get<std::string>();
  } catch (const std::exception&) {
    r = Z3Result{};
    r.seconds = run.seconds;
    r.reason = "the query process ended without a readable result";
  }
  return r;
}

bool quantified(const Formula& input) {
  const Formula* f = &input;
  while (f->kind() == Formula::Kind::exists) f = &f->body();
  return !f->is_quantifier_free();
}

Z3Result check_traced(const char* what, const Formula& f, const Z3Budget& b, Z3Tactic t = Z3Tactic::automatic) {
  const auto t0 = clock_type::now();
  // Quantified queries (nlqsat) may ignore the interrupt: hard deadline.
  Z3Result r = quantified(f) ? z3_check_hard_deadline(f, b, t) : z3_check(f, b, t);
  if (tracing())
    std::fprintf(stderr, "[exact] %s: budget %.2f s, took %.2f s, %s %s\n", what, b.seconds,
                 std::chrono::duration<double>(clock_type::now() - t0).count(), to_string(r.answer).c_str(),
                 r.reason.c_str());
  return r;
}

std::string smt(const Formula& f, const std::string& comment) {
  SmtLib2Options so;
  so.comment = comment;
  return to_smtlib2(f, so);
}

}  // namespace

// ---------------------------------------------------------------- membership
Verdict decide_membership(const Architecture& arch, const RationalMatrix& A, const ExactOptions& o) {
  Timer timer(o.seconds);
  Verdict out;
  out.question = Question::membership;
  out.method = "z3 membership";
  if (A.rows() != arch.rows() || A.cols() != arch.cols())
    throw std::invalid_argument("decide_membership: target is " + std::to_string(A.rows()) + "x" +
                                std::to_string(A.cols()) + ", the architecture's product is " +
                                std::to_string(arch.rows()) + "x" + std::to_string(arch.cols()));
  const json base = {{"factors", factors_json(arch)}, {"target", matrix_json(A)}};
  auto finish = [&](Closedness a, std::string method, std::string reason, json cert) {
    out.closedness = a;
    out.method = std::move(method);
    out.reason = std::move(reason);
    out.certificate = std::move(cert);
    out.seconds = timer.elapsed();
    out.explanation = explain(out, arch);
    return out;
  };
  // Blocks of the full-mask chain: entries outside every block are identically 0.
  const auto blocks = drop_useless_and_split(as_masked_chain(arch), true);
  std::set<std::pair<idx, idx>> covered;
  for (const auto& b : blocks)
    for (auto [i, j] : b.mask.entries()) covered.emplace(b.original_index.front()[i], b.original_index.back()[j]);
  for (idx i = 0; i < A.rows(); ++i)
    for (idx j = 0; j < A.cols(); ++j)
      if (A(i, j) != 0 && !covered.count({i, j})) {
        json c = base;
        c["kind"] = "non_membership";
        c["structural"] = {{"entry", {i, j}}, {"why", "no path i -> j in the supports: the entry is 0 on L_I"}};
        return finish(answer::no, "structural", "entry (" + std::to_string(i) + ", " + std::to_string(j) +
                      ") is non-zero but no product of the supports reaches it", c);
      }
  std::vector<RationalMatrix> factor_values;
  for (const auto& s : arch.factors()) factor_values.emplace_back(s.rows(), s.cols());
  for (idx bi = 0; bi < blocks.size(); ++bi) {
    const auto& b = blocks[bi];
    const RationalMatrix a = restrict_target(b, A);
    const Formula f = masked_membership_sentence(b, a, o.sentences);
    const Z3Result r = z3_check(f, budget(timer.left(), o), Z3Tactic::nlsat);
    if (r.answer == SolverAnswer::unknown)
      return finish(answer::unknown, "z3 membership", "block " + std::to_string(bi) + ": " + r.reason, {});
    if (r.answer == SolverAnswer::unsat) {
      json c = base;
      c["kind"] = "non_membership";
      c["block"] = b.to_json();
      c["smtlib2"] = smt(f, "wellposed: A restricted to an independent block of L_I; unsat proves A not in L_I");
      return finish(answer::no, "z3 membership (" + r.tactic + ")",
                    "the block's equations P_ij(X) = A_ij have no real solution (z3 unsat)", c);
    }
    if (!r.irrational.empty())
      return finish(answer::unknown, "z3 membership",
                    "z3's model has irrational algebraic values (e.g. " + r.irrational.begin()->first.name() + " = " +
                        r.irrational.begin()->second + "); no exact rational factorization was found",
                    {});
    const EntryPolynomials x = entry_polynomials(b.architecture(), "x");
    for (idx l = 0; l < b.num_factors(); ++l)
      for (auto [rr, cc] : b.factors[l].entries()) {
        auto it = r.model.find(x.factors[l].at(rr, cc));
        factor_values[l](b.original_index[l][rr], b.original_index[l + 1][cc]) =
            it == r.model.end() ? Rational(0) : it->second;
      }
  }
  // Exact re-check: the product of the assembled factors is A.
  RationalMatrix P = factor_values.front();
  for (idx l = 1; l < factor_values.size(); ++l) P = P * factor_values[l];
  if (!(P == A))
    return finish(answer::unknown, "z3 membership",
                  "z3 answered sat but its model fails the exact re-check (product " + P.to_string() + ")", {});
  json w = json::array();
  for (const auto& F : factor_values) w.push_back(matrix_json(F)["entries"]);
  json c = base;
  c["kind"] = "membership";
  c["witness"] = w;
  return finish(answer::yes, "z3 membership (qfnra-nlsat)",
                "factors found; their product equals A in exact rational arithmetic", c);
}

// ---------------------------------------------------------------- closedness
namespace {

struct BlockOutcome {
  Closedness c = Closedness::unknown;
  std::string route, why;
};

// A not in S_b (quantifier-free, unsat) then A in cl(S_b) (one alternation).
// Returns closure-sentence text when both hold.
bool witness_holds(const MaskedChain& b, const RationalMatrix& a, const ExactOptions& o, const Timer& timer,
                   double per_query, std::string& why) {
  const Formula mem = masked_membership_sentence(b, a, o.sentences);
  const Z3Result r1 = check_traced("witness membership", mem, budget(std::min(per_query, timer.left()), o), Z3Tactic::nlsat);
  if (r1.answer != SolverAnswer::unsat) {
    why = r1.answer == SolverAnswer::sat ? "member" : "membership unknown: " + r1.reason;
    return false;
  }
  const Formula clo = masked_closure_sentence(b, a, o.sentences);
  const Z3Result r2 = check_traced("witness closure", clo, budget(std::min(per_query, timer.left()), o));
  if (r2.answer != SolverAnswer::sat) {
    why = r2.answer == SolverAnswer::unsat ? "not in the closure" : "closure unknown: " + r2.reason;
    return false;
  }
  return true;
}

// Laurent polynomials in t with rational coefficients: exponent -> coefficient.
using Laurent = std::map<int, Rational>;

Laurent mul(const Laurent& a, const Laurent& b) {
  Laurent c;
  for (const auto& [e, x] : a)
    for (const auto& [f, y] : b) c[e + f] += x * y;
  return c;
}
void add_to(Laurent& a, const Laurent& b) {
  for (const auto& [e, x] : b) a[e] += x;
}

// A candidate of route 2a: the block's factors as Laurent polynomials in t
// (keys: block-local (l, row, col)) and the limit a of the masked product.
struct Sequence {
  std::map<std::array<idx, 3>, Laurent> x;
  RationalMatrix a;
};

// The masked product of a Laurent sequence; false when it has a negative
// power of t (then it does not converge) -- never for route 2a's candidates.
bool sequence_limit(const MaskedChain& b, Sequence& s) {
  s.a = RationalMatrix(b.rows(), b.cols());
  for (auto [i, j] : b.mask.entries()) {
    std::map<idx, Laurent> cur{{i, Laurent{{0, Rational(1)}}}};
    for (idx l = 0; l < b.num_factors(); ++l) {
      std::map<idx, Laurent> next;
      for (const auto& [key, v] : s.x) {
        if (key[0] != l) continue;
        auto it = cur.find(key[1]);
        if (it != cur.end()) add_to(next[key[2]], mul(it->second, v));
      }
      cur = std::move(next);
    }
    const Laurent p = cur.count(j) ? cur[j] : Laurent{};
    for (const auto& [e, c] : p) {
      if (e < 0 && c != 0) return false;
      if (e == 0) s.a(i, j) = c;
    }
  }
  return true;
}

// Route 2a's candidates for a two-factor block (see decide_closedness_exact).
// For inner indices k != l of different rank-one supports with rows
// R_k cap R_l and columns C_k cap C_l both non-empty, and integers drawn from
// `seed`:
//   X[:,k] = u/t + u',   Y[k,:] = v + t v',
//   X[:,l] = -u/t + w,   Y[l,:] = v + t v'',
// (u on R_k cap R_l, v on C_k cap C_l, u' on R_k, w on R_l, v' on C_k, v''
// on C_l) and every other inner index constant (zero, or generic when
// `others`). The 1/t terms cancel: the product is
//   u (v' - v'')^T + (u' + w) v^T + (others) + t (u' v'^T + w v''^T),
// so it converges, with norms growing like 1/t: the limit lies in the
// closure, and it is a witness of non-closedness when it is not a product.
std::vector<Sequence> tangent_candidates(const MaskedChain& b, bool others, std::uint64_t seed) {
  std::vector<Sequence> out;
  if (b.num_factors() != 2) return out;
  const Support& F0 = b.factors[0];
  const Support& F1 = b.factors[1];
  const idx r = F0.cols();
  std::mt19937_64 g(seed);
  auto draw = [&] {
    long long v = static_cast<long long>(g() % 4) + 1;
    return Rational(g() % 2 ? v : -v);
  };
  for (idx k = 0; k < r; ++k)
    for (idx l = k + 1; l < r; ++l) {
      const auto Rk = F0.col_indices(k), Rl = F0.col_indices(l);
      const auto Ck = F1.row_indices(k), Cl = F1.row_indices(l);
      if (Rk == Rl && Ck == Cl) continue;  // one class: the limit is in its cone
      std::vector<idx> R, C;
      std::set_intersection(Rk.begin(), Rk.end(), Rl.begin(), Rl.end(), std::back_inserter(R));
      std::set_intersection(Ck.begin(), Ck.end(), Cl.begin(), Cl.end(), std::back_inserter(C));
      if (R.empty() || C.empty()) continue;
      Sequence s;
      std::map<idx, Rational> u, v;
      for (idx i : R) u[i] = draw();
      for (idx j : C) v[j] = draw();
      for (idx i : Rk) s.x[{0, i, k}][0] = draw();
      for (idx i : Rl) s.x[{0, i, l}][0] = draw();
      for (const auto& [i, c] : u) {
        s.x[{0, i, k}][-1] = c;
        s.x[{0, i, l}][-1] = -c;
      }
      for (idx j : Ck) s.x[{1, k, j}][1] = draw();
      for (idx j : Cl) s.x[{1, l, j}][1] = draw();
      for (const auto& [j, c] : v) {
        s.x[{1, k, j}][0] = c;
        s.x[{1, l, j}][0] = c;
      }
      if (others)
        for (idx q = 0; q < r; ++q) {
          if (q == k || q == l) continue;
          for (idx i : F0.col_indices(q)) s.x[{0, i, q}][0] = draw();
          for (idx j : F1.row_indices(q)) s.x[{1, q, j}][0] = draw();
        }
      if (sequence_limit(b, s)) out.push_back(std::move(s));
    }
  return out;
}

// Certificate form of a sequence: [[l, row, col, [[exponent, "q"], ...]], ...]
// in original indices.
json sequence_json(const MaskedChain& b, const Sequence& s) {
  json out = json::array();
  for (const auto& [key, p] : s.x) {
    json terms = json::array();
    for (const auto& [e, c] : p)
      if (c != 0) terms.push_back({e, c.str()});
    if (!terms.empty())
      out.push_back({key[0], b.original_index[key[0]][key[1]], b.original_index[key[0] + 1][key[2]], terms});
  }
  return out;
}

json not_closed_certificate(const Architecture& arch, const ClosednessReduction& red, idx block,
                            const json& witness, const std::string& route, double seconds_left) {
  json c = {{"kind", "exact_not_closed"}, {"factors", factors_json(arch)}, {"reduction", red.to_json()},
            {"block", block},          {"route", route}};
  c["witness"] = witness;
  // Issue 21: where the witness's system is infeasible over C, Singular's
  // Nullstellensatz cofactors let the checker prove non-membership without a
  // solver (nullstellensatz.hpp). Absent (no Singular, time-out, feasible
  // over C): the checker re-decides it with Z3 as before.
  // The Singular run gets at most half of the decision's time left (3 s at
  // most), so it never pushes the decision past its budget (issue 18 item
  // 3); with less than 0.2 s left it is not started (the certificate is
  // then checked with Z3 only, as without Singular).
  const double singular_seconds = std::min(3.0, 0.5 * seconds_left);
  if (!witness.is_null() && singular_seconds >= 0.2) attach_nullstellensatz(c, NullstellensatzOptions{singular_seconds});
  return c;
}

}  // namespace

namespace {
// The route names, in the order decide_closedness_exact tries them (the
// table there uses these; exact_closedness_routes() publishes them).
constexpr std::array<const char*, 8> kClosednessRoutes = {
    "determinantal", "asymptotic-cone", "surjective-normal-forms", "surjective",
    "tangent-sequence", "algebraic-onto", "witness-search", "sentence"};
}  // namespace

std::vector<std::string> exact_closedness_routes() { return {kClosednessRoutes.begin(), kClosednessRoutes.end()}; }

Verdict decide_closedness_exact(const Architecture& arch, const ExactOptions& o) {
  Timer timer(o.seconds);
  Verdict v;
  v.method = "exact (z3)";
  auto done = [&](Closedness c, std::string method, std::string reason, json cert) {
    v.closedness = c;
    v.method = std::move(method);
    v.reason = std::move(reason);
    v.certificate = std::move(cert);
    v.seconds = timer.elapsed();
    v.explanation = explain(v, arch);
    return v;
  };
  if (arch.num_factors() < 2) return done(Closedness::unknown, "exact (z3)", "needs L >= 2 (L = 1 is trivial)", {});
  if (arch.parameter_count() > o.max_parameters)
    return done(Closedness::unknown, "exact (z3)",
                std::to_string(arch.parameter_count()) + " parameters exceed the exact route's limit of " +
                    std::to_string(o.max_parameters),
                {});
  const ClosednessReduction red = reduce_for_closedness(arch, o.reductions);
  std::string steps;
  for (const auto& s : red.steps) steps += (steps.empty() ? "" : "; ") + s;
  std::vector<BlockOutcome> out(red.blocks.size());
  // Per block: the vanishing minors of route 1c (null for other routes).
  std::vector<json> onto(red.blocks.size(), nullptr);
  // Per block: the tree of route 1b' (null for other routes).
  std::vector<json> normal_forms(red.blocks.size(), nullptr);
  auto closed_cert = [&] {
    json by = json::array();
    for (const auto& b : out) by.push_back(b.route);
    json c{{"kind", "exact_closed"}, {"factors", factors_json(arch)}, {"reduction", red.to_json()}, {"closed_by", by}};
    if (std::any_of(onto.begin(), onto.end(), [](const json& j) { return !j.is_null(); })) c["onto"] = onto;
    if (std::any_of(normal_forms.begin(), normal_forms.end(), [](const json& j) { return !j.is_null(); }))
      c["normal_forms"] = normal_forms;
    return c;
  };
  auto all_closed = [&] {
    return std::all_of(out.begin(), out.end(), [](const BlockOutcome& b) { return b.c == Closedness::closed; });
  };
  auto routes_summary = [&] {
    std::map<std::string, int> n;
    for (const auto& b : out) ++n[b.route];
    std::string s;
    for (const auto& [r, k] : n) s += (s.empty() ? "" : ", ") + r + " x" + std::to_string(k);
    return s;
  };
  if (red.blocks.empty())
    return done(Closedness::closed, "exact: reduction",
                steps + "; nothing left: L_I is the linear subspace of the complete classes", closed_cert());

  // Routes 1b' and 1b: the block is the whole coordinate space, tried only
  // where the exact Jacobian rank at a random point is full (computed once,
  // for the blocks still undecided when the first of them runs).
  std::vector<bool> full_rank;
  auto ensure_full_rank = [&] {
    if (!full_rank.empty()) return;
    full_rank.assign(out.size(), false);
    for (idx bi = 0; bi < out.size(); ++bi)
      if (out[bi].c == Closedness::unknown)
        full_rank[bi] = jacobian_rank_at_random_point(red.blocks[bi]) == red.blocks[bi].mask.nnz();
  };

  // The routes, in order (exact.hpp lists them with their proofs): name,
  // certificate kind a success contributes, applicability, time slice (the
  // elapsed time, in seconds since the start, up to which the route may run;
  // most routes also cap each query), and the route itself. A route either
  // settles blocks (closed, recorded in `out`) or ends the decision with a
  // verdict (not closed: a witness for one block). `check_after`: after this
  // route (run or not), all blocks closed => the decision is closed.
  struct ClosednessRoute {
    const char* name;
    const char* certificate;
    bool applies;
    std::function<double()> slice;
    std::function<std::optional<Verdict>(double stop_at)> run;
    bool check_after;
  };
  const std::vector<ClosednessRoute> routes = {
      {kClosednessRoutes[0], "exact_closed", true,
       [&] { return o.seconds; },
       [&](double stop_at) -> std::optional<Verdict> {
        (void)stop_at;
        // Route 0: the block is {rank <= r} (reductions.hpp, determinantal_route):
        // a combinatorial proof, no solver.
        for (idx bi = 0; bi < out.size(); ++bi) {
          std::string why;
          if (determinantal_route(red.blocks[bi], why)) out[bi] = {Closedness::closed, "determinantal", why};
        }
        return std::nullopt;
       },
       false},
      {kClosednessRoutes[1], "exact_closed", o.cone_route,
       [&] { return o.seconds; },
       [&](double stop_at) -> std::optional<Verdict> {
        (void)stop_at;
        // Route 1: the quantifier-free asymptotic-cone criterion.
          for (idx bi = 0; bi < out.size(); ++bi) {
            const auto& b = red.blocks[bi];
            if (out[bi].c != Closedness::unknown || b.num_factors() != 2 || timer.left() <= 0) continue;
            const Z3Result r = check_traced("cone", asymptotic_cone_formula(b), budget(std::min(timer.left(), 0.3 * o.seconds + 0.05), o),
                                        Z3Tactic::nlsat);
            if (r.answer == SolverAnswer::unsat) out[bi] = {Closedness::closed, "asymptotic-cone", ""};
            else out[bi].why = r.answer == SolverAnswer::sat ? "cone criterion inconclusive (recession directions exist)"
                                                            : "cone query: " + r.reason;
          }
        return std::nullopt;
       },
       false},
      {kClosednessRoutes[2], "exact_closed", o.cone_route && o.normal_forms,
       [&] { return o.seconds; },
       [&](double stop_at) -> std::optional<Verdict> {
        (void)stop_at;
        ensure_full_rank();
        // Route 1b': a tree of normal forms under the block's symmetries
        // (normal_form.hpp); every leaf "forall (few free entries) exists X" must
        // be TRUE. Its leaf queries share normal_form_share of the whole budget.
          for (idx bi = 0; bi < out.size(); ++bi) {
            const auto& b = red.blocks[bi];
            if (out[bi].c != Closedness::unknown || !full_rank[bi] || timer.left() <= 0) continue;
            NormalFormTree tree;
            std::string why;
            const auto t_build = clock_type::now();
            // The tree search has no clock of its own: its state budget scales
            // with the time left (measured ~1e5 states/s on one loaded core; the
            // default cap is reached from ~5 s left), so a small budget is not
            // overrun by the search alone (issue 18 item 3).
            NormalFormOptions nfo = o.normal_form;
            nfo.max_states = std::min<std::size_t>(nfo.max_states, static_cast<std::size_t>(4.0e4 * std::max(0.0, timer.left())));
            if (nfo.max_states < 1000) {
              out[bi].why += "; normal forms: no time left for the tree search";
              continue;
            }
            const bool built = build_normal_form_tree(b, nfo, tree, why);
            if (tracing())
              std::fprintf(stderr, "[exact] normal-form tree: %zu leaves, at most %zu free, built in %.2f s\n", tree.leaves,
                           tree.max_free, std::chrono::duration<double>(clock_type::now() - t_build).count());
            if (!built) {
              out[bi].why += "; " + why;
              continue;
            }
            const double stop_at = timer.elapsed() + std::min(timer.left(), o.normal_form_share * o.seconds);
            bool all = true;
            for (const NormalFormNode* leaf : normal_form_leaves(tree)) {
              const bool quantified = std::count(leaf->state.begin(), leaf->state.end(), EntryState::free) > 0;
              const Z3Result r = check_traced("normal-form leaf", normal_form_leaf_sentence(b, leaf->state, o.sentences),
                                          budget(stop_at - timer.elapsed(), o), quantified ? Z3Tactic::automatic : Z3Tactic::nlsat);
              if (r.answer == SolverAnswer::sat) continue;
              out[bi].why += r.answer == SolverAnswer::unsat ? "; normal forms: a leaf is FALSE (not surjective)"
                                                            : "; normal forms: a leaf: " + r.reason;
              if (r.answer == SolverAnswer::unsat) full_rank[bi] = false;  // route 1b would fail as well
              all = false;
              break;
            }
            if (!all) continue;
            out[bi] = {Closedness::closed, "surjective-normal-forms",
                       std::to_string(tree.leaves) + " normal forms (at most " + std::to_string(tree.max_free) + " free entries)"};
            normal_forms[bi] = normal_form_tree_json(b, tree);
          }
        return std::nullopt;
       },
       false},
      {kClosednessRoutes[3], "exact_closed", o.cone_route,
       [&] { return o.seconds; },
       [&](double stop_at) -> std::optional<Verdict> {
        (void)stop_at;
        ensure_full_rank();
        // Route 1b: "forall a exists X" in one sentence.
          for (idx bi = 0; bi < out.size(); ++bi) {
            const auto& b = red.blocks[bi];
            if (out[bi].c != Closedness::unknown || timer.left() <= 0) continue;
            if (!full_rank[bi]) continue;
            const Z3Result r = check_traced("surjectivity", surjectivity_sentence(b, o.sentences),
                                        budget(std::min(timer.left(), 0.1 * o.seconds + 0.05), o));
            if (r.answer == SolverAnswer::sat) out[bi] = {Closedness::closed, "surjective", ""};
            else out[bi].why += r.answer == SolverAnswer::unsat ? "; not surjective" : "; surjectivity: " + r.reason;
          }
        return std::nullopt;
       },
       true},
      {kClosednessRoutes[4], "exact_not_closed", o.witness_search,
       [&] { return 0.3 * o.seconds; },
       [&](double stop_at) -> std::optional<Verdict> {
        (void)stop_at;
        // Route 2a (two factors): tangent witnesses with explicit sequences
        // (tangent_candidates). A candidate's limit a is in cl(S_b) by exact
        // Laurent arithmetic; "a not in S_b" is one quantifier-free query. Both =>
        // not closed, and the certificate carries the sequence, which the checker
        // re-multiplies exactly (no quantified query).
          for (idx bi = 0; bi < out.size(); ++bi) {
            if (out[bi].c != Closedness::unknown || red.blocks[bi].num_factors() != 2) continue;
            const auto& b = red.blocks[bi];
            for (int variant = 0; variant < 4; ++variant) {
              for (const Sequence& s : tangent_candidates(b, variant % 2 == 1, 17 + static_cast<std::uint64_t>(variant))) {
                if (timer.elapsed() >= stop_at) break;  // its slice: 30% of the budget
                const Z3Result r = check_traced("tangent membership", masked_membership_sentence(b, s.a, o.sentences),
                                            budget(std::min(o.witness_query_seconds, timer.left()), o), Z3Tactic::nlsat);
                if (r.answer != SolverAnswer::unsat) continue;
                json w = lift_entries(b, s.a);
                json cert = not_closed_certificate(arch, red, bi, w, "tangent-sequence", timer.left());
                cert["sequence"] = sequence_json(b, s);
                return done(Closedness::not_closed, "exact: tangent-sequence",
                            steps + "; block " + std::to_string(bi) + ": A = " + s.a.to_string() +
                                " is the limit of an explicit sequence (1/t terms cancel) and not in the block's set",
                            cert);
              }
            }
          }
        return std::nullopt;
       },
       false},
      {kClosednessRoutes[5], "exact_closed", o.cone_route,
       [&] { return timer.elapsed() + 0.4 * std::max(0.0, timer.left()); },
       [&](double stop_at) -> std::optional<Verdict> {
        (void)stop_at;
        // Route 1c: "algebraic-onto" (reductions.hpp, algebraic_onto_sentences):
        // S equals the zero set D of its vanishing minors, proved by one
        // "forall a in D exists X" sentence per 0/1 pattern on a spanning forest
        // of the mask (far smaller than one sentence over all of a). Tried where
        // the tangent space of D at a random point of S has S's dimension (a
        // filter only; the sentences are the proof), with 40% of the time left. After route 2a (cheap
        // not-closed witnesses), before route 2 (which uses half of what is left).
          for (idx bi = 0; bi < out.size(); ++bi) {
            const auto& b = red.blocks[bi];
            if (out[bi].c != Closedness::unknown || timer.elapsed() >= stop_at) continue;
            if (spanning_forest(b.mask).size() > o.onto_max_forest) continue;
            const auto t_minors = clock_type::now();
            const std::vector<VanishingMinor> minors = vanishing_minors(b);
            const std::size_t dim = jacobian_rank_at_random_point(b);
            if (tracing())
              std::fprintf(stderr, "[exact] algebraic-onto: %zu minors, rank %zu, in %.2f s\n", minors.size(), dim,
                           std::chrono::duration<double>(clock_type::now() - t_minors).count());
            if (onto_tangent_dimension(b, minors) != dim) {
              out[bi].why += "; algebraic-onto: the minors' zero set is larger than the set (tangent dimension)";
              continue;
            }
            bool all = true;
            for (const Formula& f : algebraic_onto_sentences(b, minors, o.sentences)) {
              const Z3Result r = check_traced("onto pattern", f, budget(std::min(timer.left(), stop_at - timer.elapsed()), o));
              if (r.answer == SolverAnswer::sat) continue;
              out[bi].why += r.answer == SolverAnswer::unsat ? "; algebraic-onto: a point of D is not a product"
                                                            : "; algebraic-onto: " + r.reason;
              all = false;
              break;
            }
            if (!all) continue;
            out[bi] = {Closedness::closed, "algebraic-onto", std::to_string(minors.size()) + " vanishing minors"};
            onto[bi] = json::array();
            for (const auto& m : minors) onto[bi].push_back(m.to_json(b));
          }
        return std::nullopt;
       },
       true},
      {kClosednessRoutes[6], "exact_not_closed", o.witness_search,
       [&] { return timer.elapsed() + o.witness_share * std::max(0.0, timer.left()); },
       [&](double stop_at) -> std::optional<Verdict> {
        (void)stop_at;
        // Route 2: 0/1 witnesses.
          for (idx bi = 0; bi < out.size(); ++bi) {
            if (out[bi].c != Closedness::unknown) continue;
            const auto& b = red.blocks[bi];
            const auto E = b.mask.entries();
            for (idx s = 1; s <= std::min(o.witness_max_support, E.size()); ++s) {
              std::vector<idx> comb(s);
              for (idx k = 0; k < s; ++k) comb[k] = k;
              while (true) {
                if (timer.elapsed() >= stop_at) return std::nullopt;
                RationalMatrix a(b.rows(), b.cols());
                for (idx k : comb) a(E[k].first, E[k].second) = 1;
                std::string why;
                if (witness_holds(b, a, o, timer, std::min(o.witness_query_seconds, stop_at - timer.elapsed()), why))
                  return done(Closedness::not_closed, "exact: witness-search",
                              steps + "; block " + std::to_string(bi) + ": A = " + a.to_string() +
                                  " is not in the block's set but in its closure",
                              not_closed_certificate(arch, red, bi, lift_entries(b, a), "witness-search", timer.left()));
                // next combination
                idx k = s;
                while (k > 0 && comb[k - 1] == E.size() - s + (k - 1)) --k;
                if (k == 0) break;
                ++comb[k - 1];
                for (idx t = k; t < s; ++t) comb[t] = comb[t - 1] + 1;
              }
            }
            out[bi].why += "; no 0/1 witness with support <= " + std::to_string(o.witness_max_support);
          }
        return std::nullopt;
       },
       false},
      {kClosednessRoutes[7], "exact_closed / exact_not_closed", o.full_sentence,
       [&] { return o.seconds; },
       [&](double stop_at) -> std::optional<Verdict> {
        (void)stop_at;
        // Route 3: the block's full sentence.
          for (idx bi = 0; bi < out.size(); ++bi) {
            if (out[bi].c != Closedness::unknown || timer.left() <= 0) continue;
            const auto& b = red.blocks[bi];
            const Z3Result r = check_traced("full sentence", masked_non_closedness_sentence(b, o.sentences), budget(timer.left(), o));
            if (r.answer == SolverAnswer::unsat) {
              out[bi] = {Closedness::closed, "sentence", ""};
              continue;
            }
            if (r.answer == SolverAnswer::unknown) {
              out[bi].why += "; sentence: " + r.reason;
              continue;
            }
            // TRUE: try to extract and re-check the witness A (Z3 4.8 is not trusted).
            json witness = nullptr;
            if (r.irrational.empty()) {
              const auto av = target_variables(b.rows(), b.cols());
              RationalMatrix a(b.rows(), b.cols());
              bool complete = true;
              for (auto [i, j] : b.mask.entries()) {
                auto it = r.model.find(av[i][j]);
                if (it == r.model.end()) complete = false;
                else a(i, j) = it->second;
              }
              std::string why;
              if (complete && witness_holds(b, a, o, timer, timer.left(), why)) witness = lift_entries(b, a);
            }
            return done(Closedness::not_closed, "exact: sentence",
                        steps + "; block " + std::to_string(bi) + ": Lemma 3.2.16 sentence is TRUE" +
                            (witness.is_null() ? " (no re-checked witness; the checker re-decides the sentence)" : ""),
                        not_closed_certificate(arch, red, bi, witness, "sentence", timer.left()));
          }
        return std::nullopt;
       },
       true},
  };
  for (const ClosednessRoute& route : routes) {
    if (route.applies)
      if (std::optional<Verdict> decided = route.run(route.slice())) return *decided;
    if (route.check_after && all_closed()) return done(Closedness::closed, "exact: " + routes_summary(), steps, closed_cert());
  }
  std::string why;
  for (idx bi = 0; bi < out.size(); ++bi)
    if (out[bi].c == Closedness::unknown) why += (why.empty() ? "" : "; ") + ("block " + std::to_string(bi) + ":" + out[bi].why);
  return done(Closedness::unknown, "exact (z3)", steps + "; " + why, {});
}

Verdict decide_closedness_plain_sentence(const Architecture& arch, double seconds, ResidualForm form) {
  Verdict v;
  v.method = "plain-sentence";
  const Z3Result r = z3_check(non_closedness_sentence(arch, form), {seconds, 4096});
  v.seconds = r.seconds;
  if (r.answer == SolverAnswer::unknown) {
    v.reason = r.reason;
    v.explanation = explain(v, arch);
    return v;
  }
  v.closedness = r.answer == SolverAnswer::sat ? Closedness::not_closed : Closedness::closed;
  v.reason = "Lemma 3.2.16 sentence decided by z3 (" + r.tactic + ")";
  v.certificate = {{"kind", "exact_sentence"}, {"factors", factors_json(arch)}};
  v.explanation = explain(v, arch);
  return v;
}

// ---------------------------------------------------------------- attainment
Verdict decide_attainment(const Architecture& arch, const RationalMatrix& A, const ExactOptions& o) {
  Timer timer(o.seconds);
  Verdict out;
  out.question = Question::attainment;
  auto finish = [&](Closedness a, std::string method, std::string reason, json cert) {
    out.closedness = a;
    out.method = std::move(method);
    out.reason = std::move(reason);
    out.certificate = std::move(cert);
    out.seconds = timer.elapsed();
    out.explanation = explain(out, arch);
    return out;
  };
  ExactOptions sub = o;
  sub.seconds = 0.3 * o.seconds;
  const Verdict m = decide_membership(arch, A, sub);
  if (m.closedness == answer::yes)
    return finish(answer::yes, "membership", "A is in L_I: the minimum 0 is attained", m.certificate);
  if (m.closedness == answer::no) {
    // A not in L_I and A in cl(L_I): the infimum 0 is not attained (no optimum).
    const MaskedChain whole = as_masked_chain(arch);
    const Z3Result c = z3_check(masked_closure_sentence(whole, A, o.sentences), budget(0.3 * timer.left(), o));
    if (c.answer == SolverAnswer::sat) {
      json cert = m.certificate;
      cert["closure"] = "forall eps > 0 exists X: |X_1...X_L - A| < eps (z3 " + c.tactic + ": TRUE)";
      return finish(answer::no, "non-membership + closure",
                    "A is not in L_I but in its closure: inf = 0 is not attained (ill-posed instance)", cert);
    }
  }
  const Verdict d = detect(arch);
  if (d.closedness == Closedness::closed)
    return finish(answer::yes, "closed set (" + d.method + ")",
                  "L_I is closed, so every target has an optimum (Prop 3.1.6)", d.certificate);
  sub.seconds = 0.4 * timer.left();
  const Verdict e = decide_closedness_exact(arch, sub);
  if (e.closedness == Closedness::closed)
    return finish(answer::yes, "closed set (" + e.method + ")",
                  "L_I is closed, so every target has an optimum (Prop 3.1.6)", e.certificate);
  // Lemma 3.2.18.1 with the rest of the budget.
  const Z3Result r = z3_check(attainment_sentence(arch, A), budget(timer.left(), o));
  if (r.answer == SolverAnswer::unknown)
    return finish(answer::unknown, "attainment sentence", "z3: " + r.reason + "; membership: " + m.reason, {});
  json cert = {{"kind", "attainment_sentence"}, {"factors", factors_json(arch)}, {"target", matrix_json(A)}};
  if (r.answer == SolverAnswer::unsat)
    return finish(answer::no, "attainment sentence (z3 " + r.tactic + ")",
                  "exists X* forall X: P(A,X*) <= P(A,X) is FALSE: no optimum (ill-posed instance)", cert);
  // Re-check the optimum X* Z3 proposes: "exists X with P(A,X) < P(A,X*)" must be unsat.
  if (!r.irrational.empty())
    return finish(answer::unknown, "attainment sentence",
                  "z3 says attained but its optimum has irrational values: not re-checked", {});
  const EntryPolynomials xs = entry_polynomials(arch, "xs");
  const EntryPolynomials x = entry_polynomials(arch, "x");
  Assignment star;
  for (const auto& var : xs.variables()) {
    auto it = r.model.find(var);
    star[var] = it == r.model.end() ? Rational(0) : it->second;
  }
  const Rational best = residual(xs, A).evaluate(star);
  const Formula better = Formula::exists(x.variables(), lt(residual(x, A), Polynomial(best)));
  const Z3Result rc = z3_check(better, budget(timer.left(), o), Z3Tactic::nlsat);
  if (rc.answer != SolverAnswer::unsat)
    return finish(answer::unknown, "attainment sentence",
                  "z3 says attained, but its optimum X* was not confirmed (" + to_string(rc.answer) + " " + rc.reason + ")",
                  {});
  json w = json::array();
  for (idx l = 0; l < arch.num_factors(); ++l) {
    RationalMatrix F(arch.factor(l).rows(), arch.factor(l).cols());
    for (auto [rr, cc] : arch.factor(l).entries()) F(rr, cc) = star[xs.factors[l].at(rr, cc)];
    w.push_back(matrix_json(F)["entries"]);
  }
  cert["optimum"] = w;
  cert["loss"] = best.str();
  return finish(answer::yes, "attainment sentence (z3 " + r.tactic + ")",
                "optimum X* with loss " + best.str() + "; no X does better (z3 unsat, re-checked)", cert);
}

// ---------------------------------------------------------------- analyze()'s exact route
NamedExactDecider z3_exact_decider() {
  return {"z3", [](const Architecture& arch, double left) {
            // analyze() checks the verdict right after this returns, inside the
            // same budget (analyze.hpp): the decision gets 60% of what is left,
            // the check what remains after it.
            ExactOptions o;
            o.seconds = 0.6 * left;
            return decide_closedness_exact(arch, o);
          }};
}

void register_z3_decider() {}

}  // namespace wellposed
