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
#include "chain_merge.hpp"
#include "pinned_determinantal.hpp"

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

// What a decision returns: its verdict, method, reason and certificate for
// the question asked, the time since the call started and the explanation
// (the gate checks it).
Verdict route_verdict(const Architecture& arch, const Timer& timer, Closedness c, std::string method,
                      std::string reason, json cert, Question question = Question::closedness) {
  Verdict v;
  v.question = question;
  v.closedness = c;
  v.method = std::move(method);
  v.reason = std::move(reason);
  v.certificate = std::move(cert);
  v.seconds = timer.elapsed();
  v.explanation = explain(v, arch);
  return v;
}

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
    return out = route_verdict(arch, timer, a, std::move(method), std::move(reason), std::move(cert), out.question);
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

// A in cl(S_b): the one-alternation closure sentence (forall eps exists X).
bool in_closure(const MaskedChain& b, const RationalMatrix& a, const ExactOptions& o, double seconds, std::string& why) {
  const Formula clo = masked_closure_sentence(b, a, o.sentences);
  const Z3Result r2 = check_traced("witness closure", clo, budget(seconds, o));
  if (r2.answer != SolverAnswer::sat) {
    why = r2.answer == SolverAnswer::unsat ? "not in the closure" : "closure unknown: " + r2.reason;
    return false;
  }
  return true;
}

// A not in S_b (quantifier-free, unsat) then A in cl(S_b) (one alternation).
bool witness_holds(const MaskedChain& b, const RationalMatrix& a, const ExactOptions& o, const Timer& timer,
                   double per_query, std::string& why) {
  const Formula mem = masked_membership_sentence(b, a, o.sentences);
  const Z3Result r1 = check_traced("witness membership", mem, budget(std::min(per_query, timer.left()), o), Z3Tactic::nlsat);
  if (r1.answer != SolverAnswer::unsat) {
    why = r1.answer == SolverAnswer::sat ? "member" : "membership unknown: " + r1.reason;
    return false;
  }
  return in_closure(b, a, o, std::min(per_query, timer.left()), why);
}

// Routes 2b and 2 walk the same targets: 0/1 matrices on growing supports of
// the block's mask (sizes 1..max_support, each in lexicographic order of the
// mask's entries; the scaling reduction (4b) makes 0/1 natural). `visit`
// gets the chosen entries' positions and the target; it says whether to go
// on. Returns true when every target was visited (or visit stopped the walk),
// false when visit ran out of time.
enum class Visit { next, stop, out_of_time };

template <class F>
bool for_each_01_target(const MaskedChain& b, idx max_support, F&& visit) {
  const auto E = b.mask.entries();
  for (idx s = 1; s <= std::min(max_support, E.size()); ++s) {
    std::vector<idx> comb(s);
    for (idx k = 0; k < s; ++k) comb[k] = k;
    while (true) {
      RationalMatrix a(b.rows(), b.cols());
      for (idx k : comb) a(E[k].first, E[k].second) = 1;
      switch (visit(static_cast<const std::vector<idx>&>(comb), static_cast<const RationalMatrix&>(a))) {
        case Visit::next: break;
        case Visit::stop: return true;
        case Visit::out_of_time: return false;
      }
      idx k = s;  // next combination
      while (k > 0 && comb[k - 1] == E.size() - s + (k - 1)) --k;
      if (k == 0) break;
      ++comb[k - 1];
      for (idx t = k; t < s; ++t) comb[t] = comb[t - 1] + 1;
    }
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

// Route 2b "witness-sequence": a target a that is not in S_b is shown to lie
// in cl(S_b) by an explicit Laurent sequence found by ONE quantifier-free
// query, instead of route 2's quantified closure sentence (forall eps exists
// X), which Z3 4.8.12 may not settle in minutes.
//
// Ansatz (a window of exponents per factor): X_l[r, c](t) = sum_{e in W_l}
// t^e c_{l,e,r,c} on the block's edges, with unknown rationals c. The masked
// product P(t) = X_1(t) ... X_L(t) is a Laurent polynomial in t whose
// coefficients are polynomials in the c's. The system
//     [t^e] P_ij = 0  (e < 0),     [t^0] P_ij = a_ij      (every mask entry ij)
// is quantifier-free. PROOF that a rational solution puts a in cl(S_b): for
// every t > 0 the factors X_l(t) have their support inside the block's masks,
// so P(t) is in S_b; P(t) has no negative power of t, so P(t) -> [t^0] P = a
// as t -> 0+. (Entries outside the mask are 0 on every product.) With
// "a not in S_b" (a quantifier-free UNSAT, or Nullstellensatz cofactors) the
// block, hence L_I (reductions.hpp (2), (3)), is not closed. The checker
// multiplies the certificate's sequence out exactly (checker_exact.cpp,
// check_sequence) and re-proves a not in S_b; it trusts no model.
//
// Windows tried, for every pair of factors l < l': {-1, 0} on l and {0, 1}
// on l', and the mirror {0, 1} on l, {-1, 0} on l'; every other factor
// constant. For two factors the first is X_1 = X_1^0 + U/t, X_2 = X_2^0 + t Z
// with U X_2^0 = 0, limit X_1^0 X_2^0 + U Z: route 2a's sequences are the
// special case U = u (e_k - e_l)^T; here U is any matrix on X_1's support
// whose rows lie in the left kernel of X_2^0.
//
// Example (the last m, n, r <= 3 census orbit, 3x3x3 011,101,111;011,111,101):
// every invertible A is a product, so cl(S) is all of R^{3x3}, but
// a = [[1,1,0],[1,1,0],[0,0,1]] is not a product (rows 0 and 1 of A are
// combinations of X_2's rows {1, 2} and {0, 2}; equal non-zero rows with a
// non-zero middle entry force a singular X_2 whose row space contains e_3,
// and then row 1 would lie in span(e_3)), while
// X_1 = [[0,1,0],[1,0,1],[1/t,-1-1/t,1+1/t]], X_2 = [[0,1+t,-1],[1,1,0],[1,0,1]]
// multiply to [[1,1,0],[1,1+t,0],[0,0,1]] -> a.
using Window = std::vector<std::pair<int, int>>;  // per factor: lowest, highest exponent

std::vector<Window> sequence_windows(idx L) {
  std::vector<Window> out;
  for (idx l = 0; l < L; ++l)
    for (idx l2 = l + 1; l2 < L; ++l2)
      for (int mirror = 0; mirror < 2; ++mirror) {
        Window w(L, {0, 0});
        w[l] = mirror ? std::pair{0, 1} : std::pair{-1, 0};
        w[l2] = mirror ? std::pair{-1, 0} : std::pair{0, 1};
        out.push_back(w);
      }
  return out;
}

// The ansatz's system for one window (see above), solved by one
// quantifier-free query; a rational model becomes a Sequence whose limit is
// re-computed exactly and must equal a (else nothing is returned).
std::optional<Sequence> solve_sequence_ansatz(const MaskedChain& b, const RationalMatrix& a, const Window& w,
                                              const ExactOptions& o, double seconds, std::string& why) {
  const idx L = b.num_factors();
  // Variables c_{l,e,r,c}: "wsq<l>e<m|p><|e|>_r_c" (entry_polynomials names them <prefix><l+1>_<r>_<c>).
  std::vector<std::map<int, FactorVariables>> vars(L);
  std::vector<Variable> all;
  for (idx l = 0; l < L; ++l)
    for (int e = w[l].first; e <= w[l].second; ++e) {
      const std::string prefix = std::string("wsq") + (e < 0 ? "m" : "p") + std::to_string(e < 0 ? -e : e) + "x";
      FactorVariables fv(b.factors[l], l + 1, prefix);
      for (const auto& v : fv.variables()) all.push_back(v);
      vars[l].emplace(e, std::move(fv));
    }
  using LaurentP = std::map<int, Polynomial>;
  std::vector<Formula> eqs;
  for (auto [i, j] : b.mask.entries()) {
    std::map<idx, LaurentP> cur{{i, LaurentP{{0, Polynomial(1)}}}};
    for (idx l = 0; l < L; ++l) {
      std::map<idx, LaurentP> next;
      for (const auto& [row, p] : cur)
        for (idx col = 0; col < b.factors[l].cols(); ++col) {
          if (!b.factors[l].test(row, col)) continue;
          LaurentP& acc = next[col];
          for (const auto& [e, fv] : vars[l])
            for (const auto& [ep, cp] : p) acc[ep + e] += cp * Polynomial(fv.at(row, col));
        }
      cur = std::move(next);
    }
    const LaurentP prod = cur.count(j) ? cur.at(j) : LaurentP{};
    for (const auto& [e, c] : prod)
      if (e < 0 && !c.is_zero()) eqs.push_back(eq(c));
    const auto c0 = prod.find(0);
    eqs.push_back(eq(c0 == prod.end() ? Polynomial() : c0->second, Polynomial(a(i, j))));
  }
  const Z3Result r = check_traced("witness sequence", Formula::exists(all, Formula::conjunction(eqs)),
                                  budget(seconds, o), Z3Tactic::nlsat);
  if (r.answer != SolverAnswer::sat) {
    why = r.answer == SolverAnswer::unsat ? "no sequence of this window" : "sequence query: " + r.reason;
    return std::nullopt;
  }
  if (!r.irrational.empty()) {
    why = "the sequence query's model is irrational";
    return std::nullopt;
  }
  Sequence s;
  for (idx l = 0; l < L; ++l)
    for (const auto& [e, fv] : vars[l])
      for (auto [row, col] : b.factors[l].entries()) {
        auto it = r.model.find(fv.at(row, col));
        if (it != r.model.end() && it->second != 0) s.x[{l, row, col}][e] = it->second;
      }
  // Re-check the model exactly: no negative power, limit a (Z3 4.8 is not trusted).
  if (!sequence_limit(b, s) || !(s.a == a)) {
    why = "the sequence query's model fails the exact re-check";
    return std::nullopt;
  }
  return s;
}

// Route 0b "width-one": an inner level l (1 <= l < L) of the block at which
// at most one node k has edges on both sides (an edge of X_l into k and an
// edge of X_{l+1} out of k). Returns (l, k) (block indices).
// PROOF that the block's set S_b is closed: every path from a row to a
// column passes through k, so P = u w^T with u = (X_1 ... X_l)[:, k] and
// w = (X_{l+1} ... X_L)[k, :], which use disjoint variables. u ranges over
// EVERY vector supported on R = {rows with a path to k}: by induction on l,
// u = X_1 q with q = (X_2 ... X_l)[:, k] ranging over all vectors on the
// level-1 nodes with a path to k; take q = 1 there, then u_i is a sum of
// free entries of row i of X_1 (at least one for i in R), any value, rows
// independent. Likewise w over every vector on C = {columns reachable from k}.
// So S_b = {u w^T : supp u in R, supp w in C} = the matrices supported on
// R x C of rank <= 1, the zero set of the 2 x 2 minors and of the entries
// outside R x C: closed -- provided the block's mask is all of its rows x
// columns (see the first check below). (No k at all: S_b = {0}.) The checker re-derives the
// level from the certificate's block edges (checker_exact.cpp, check_width_one).
std::optional<std::pair<idx, idx>> width_one_level(const MaskedChain& b) {
  // The block's set lives on its mask: after the complete-class quotient (1)
  // of reductions.hpp the mask may omit entries of S_T, and the projection of
  // {u w^T} onto a non-rectangular mask need not be closed (LU(2): the mask
  // {(0,0), (0,1), (1,0)} gives (u0 v0, u0 v1, u1 v0), whose limit (0,1,1)
  // is not attained). So the mask must be all of its rows x columns; the
  // projection of {u w^T} onto a rectangle R' x C' is rank <= 1 on R' x C'.
  std::set<idx> rows, cols;
  for (auto [i, j] : b.mask.entries()) rows.insert(i), cols.insert(j);
  if (b.mask.nnz() != rows.size() * cols.size()) return std::nullopt;
  for (idx l = 1; l < b.num_factors(); ++l) {
    std::vector<idx> through;
    for (idx k = 0; k < b.factors[l].rows(); ++k)
      if (!b.factors[l - 1].col_indices(k).empty() && !b.factors[l].row_indices(k).empty()) through.push_back(k);
    if (through.size() == 1) return std::make_pair(l, through.front());
  }
  return std::nullopt;
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
constexpr std::array<const char*, 12> kClosednessRoutes = {
    "determinantal", "width-one", "pinned-determinantal", "merge", "asymptotic-cone", "surjective-normal-forms", "surjective",
    "tangent-sequence", "algebraic-onto", "witness-sequence", "witness-search", "sentence"};
}  // namespace

namespace {
// Route 0d's decision of the merged chain (same set as arch: chain_merge.cpp):
// the detectors, then the exact routes with the time left; the verdict wraps
// the shorter chain's certificate with the merge steps, which the checker
// re-derives (checker_merge.cpp) before checking that certificate against
// the merged supports.
Verdict decide_merged(const Architecture& arch, const detail::ChainMerge& mc, const ExactOptions& o, const Timer& timer) {
  const Architecture merged(mc.factors);
  Verdict sub = detect(merged);
  if (!sub.decided() && mc.factors.size() >= 2 && timer.left() > 0) {
    ExactOptions so = o;
    so.seconds = timer.left();
    sub = decide_closedness_exact(merged, so);
  }
  std::string shape;
  for (const auto& f : mc.factors) shape += (shape.empty() ? "" : "; ") + f.to_string();
  const std::string what = std::to_string(mc.steps.size()) + " merge step(s) to " +
                           std::to_string(mc.factors.size()) + " factor(s) [" + shape + "]";
  if (!sub.decided())
    return route_verdict(arch, timer, Closedness::unknown, "exact (z3)", what + ": " + sub.reason, {});
  json mf = json::array();
  for (const auto& f : mc.factors) mf.push_back(support_json(f));
  const bool closed = sub.closedness == Closedness::closed;
  json cert = {{"kind", closed ? "exact_closed" : "exact_not_closed"},
               {"factors", factors_json(arch)},
               {"merged", {{"steps", mc.steps}, {"factors", mf}, {"certificate", sub.certificate}}}};
  if (!closed) cert["route"] = "merge";
  // The shorter chain has the same rows and columns: its witness (for the
  // explanation and the pictures; the checker reads the one inside) is one of
  // this chain as well.
  if (!closed && sub.certificate.is_object() && sub.certificate.contains("witness"))
    cert["witness"] = sub.certificate["witness"];
  return route_verdict(arch, timer, sub.closedness, closed ? "exact: merge x1" : "exact: merge",
                       what + " with the same set; that chain: " + sub.method + (sub.reason.empty() ? "" : " (" + sub.reason + ")"),
                       cert);
}
}  // namespace

std::vector<std::string> exact_closedness_routes() { return {kClosednessRoutes.begin(), kClosednessRoutes.end()}; }

Verdict decide_closedness_exact(const Architecture& arch, const ExactOptions& o) {
  Timer timer(o.seconds);
  auto done = [&](Closedness c, std::string method, std::string reason, json cert) {
    return route_verdict(arch, timer, c, std::move(method), std::move(reason), std::move(cert));
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
  // Per block: the side and pinned inner indices of route 0c (null for other routes).
  std::vector<json> pinned(red.blocks.size(), nullptr);
  auto closed_cert = [&] {
    json by = json::array();
    for (const auto& b : out) by.push_back(b.route);
    json c{{"kind", "exact_closed"}, {"factors", factors_json(arch)}, {"reduction", red.to_json()}, {"closed_by", by}};
    if (std::any_of(onto.begin(), onto.end(), [](const json& j) { return !j.is_null(); })) c["onto"] = onto;
    if (std::any_of(normal_forms.begin(), normal_forms.end(), [](const json& j) { return !j.is_null(); }))
      c["normal_forms"] = normal_forms;
    if (std::any_of(pinned.begin(), pinned.end(), [](const json& j) { return !j.is_null(); })) c["pinned"] = pinned;
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
  // Blocks of full generic rank where a normal-form leaf was FALSE: S is not
  // the coordinate space, so route 1c ("S = D", D = that space) cannot succeed.
  std::vector<bool> onto_refuted(red.blocks.size(), false);
  auto ensure_full_rank = [&] {
    if (!full_rank.empty()) return;
    full_rank.assign(out.size(), false);
    for (idx bi = 0; bi < out.size(); ++bi)
      if (out[bi].c == Closedness::unknown)
        full_rank[bi] = jacobian_rank_at_random_point(red.blocks[bi]) == red.blocks[bi].mask.nnz();
  };

  // "a not in S_b" for route 2b's and route 2's 0/1 targets (quantifier-free
  // UNSAT), cached per (block, target) so route 2 does not repeat route 2b's
  // queries. Only definite answers are cached; an unknown is asked again.
  std::map<std::pair<idx, std::vector<idx>>, bool> not_member_cache;
  auto not_member = [&](idx bi, const std::vector<idx>& comb, const RationalMatrix& a, double seconds) {
    const auto key = std::make_pair(bi, comb);
    if (auto it = not_member_cache.find(key); it != not_member_cache.end()) return it->second;
    const Z3Result r = check_traced("witness membership", masked_membership_sentence(red.blocks[bi], a, o.sentences),
                                    budget(std::min(seconds, timer.left()), o), Z3Tactic::nlsat);
    if (r.answer == SolverAnswer::unknown) return false;
    return not_member_cache[key] = r.answer == SolverAnswer::unsat;
  };

  // The per-block walk every route shares: fn(bi, block) for each block that
  // no earlier route settled, in order; a verdict from fn ends the decision
  // (not closed: a witness for that block), nothing goes on to the next block.
  auto for_each_open_block =
      [&](const std::function<std::optional<Verdict>(idx, const MaskedChain&)>& fn) -> std::optional<Verdict> {
    for (idx bi = 0; bi < out.size(); ++bi) {
      if (out[bi].c != Closedness::unknown) continue;
      if (std::optional<Verdict> v = fn(bi, red.blocks[bi])) return v;
    }
    return std::nullopt;
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
        return for_each_open_block([&](idx bi, const MaskedChain& b) -> std::optional<Verdict> {
          std::string why;
          if (determinantal_route(b, why)) out[bi] = {Closedness::closed, "determinantal", why};
          return std::nullopt;
        });
       },
       false},
      {kClosednessRoutes[1], "exact_closed", true,
       [&] { return o.seconds; },
       [&](double stop_at) -> std::optional<Verdict> {
        (void)stop_at;
        // Route 0b: an inner level through which every path passes at one node
        // (width_one_level): the block's set is the rank <= 1 matrices on its
        // rows x columns, closed. A combinatorial proof, no solver.
        return for_each_open_block([&](idx bi, const MaskedChain& b) -> std::optional<Verdict> {
          if (const std::optional<std::pair<idx, idx>> cut = width_one_level(b))
            out[bi] = {Closedness::closed, "width-one",
                       "every path passes through node " + std::to_string(b.original_index[cut->first][cut->second]) +
                           " of level " + std::to_string(cut->first)};
          return std::nullopt;
        });
       },
       false},
      {kClosednessRoutes[2], "exact_closed", true,
       [&] { return o.seconds; },
       [&](double stop_at) -> std::optional<Verdict> {
        (void)stop_at;
        // Route 0c: the determinantal route with a few sparse rows (columns)
        // pinned to a sub-basis (pinned_determinantal.cpp has the proof): the
        // block is {rank <= r}, closed. A combinatorial proof, no solver.
        return for_each_open_block([&](idx bi, const MaskedChain& b) -> std::optional<Verdict> {
          std::string why;
          if (std::optional<json> pin = detail::pinned_determinantal_route(b, why)) {
            out[bi] = {Closedness::closed, "pinned-determinantal", why};
            pinned[bi] = std::move(*pin);
          }
          return std::nullopt;
        });
       },
       false},
      {kClosednessRoutes[3], "exact_closed / exact_not_closed", o.merge_chains,
       [&] { return o.seconds; },
       [&](double stop_at) -> std::optional<Verdict> {
        (void)stop_at;
        // Route 0d: the whole chain, when a block is still open after the
        // solver-free routes: consecutive factors whose products are exactly
        // a coordinate space are merged (chain_merge.cpp has the proofs); the
        // shorter chain has the same set and is decided instead.
        if (all_closed()) return std::nullopt;
        const std::optional<detail::ChainMerge> mc = detail::merge_chain(arch.factors());
        if (!mc) return std::nullopt;
        return decide_merged(arch, *mc, o, timer);
       },
       false},
      {kClosednessRoutes[4], "exact_closed", o.cone_route,
       [&] { return o.seconds; },
       [&](double stop_at) -> std::optional<Verdict> {
        (void)stop_at;
        // Route 1: the quantifier-free asymptotic-cone criterion.
          return for_each_open_block([&](idx bi, const MaskedChain& b) -> std::optional<Verdict> {
            if (b.num_factors() != 2 || timer.left() <= 0) return std::nullopt;
            const Z3Result r = check_traced("cone", asymptotic_cone_formula(b), budget(std::min(timer.left(), 0.3 * o.seconds + 0.05), o),
                                        Z3Tactic::nlsat);
            if (r.answer == SolverAnswer::unsat) out[bi] = {Closedness::closed, "asymptotic-cone", ""};
            else out[bi].why = r.answer == SolverAnswer::sat ? "cone criterion inconclusive (recession directions exist)"
                                                            : "cone query: " + r.reason;
            return std::nullopt;
          });
       },
       false},
      {kClosednessRoutes[5], "exact_closed", o.cone_route && o.normal_forms,
       [&] { return o.seconds; },
       [&](double stop_at) -> std::optional<Verdict> {
        (void)stop_at;
        ensure_full_rank();
        // Route 1b': a tree of normal forms under the block's symmetries
        // (normal_form.hpp); every leaf "forall (few free entries) exists X" must
        // be TRUE. Its leaf queries share normal_form_share of the whole budget.
          return for_each_open_block([&](idx bi, const MaskedChain& b) -> std::optional<Verdict> {
            if (!full_rank[bi] || timer.left() <= 0) return std::nullopt;
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
              return std::nullopt;
            }
            const bool built = build_normal_form_tree(b, nfo, tree, why);
            if (tracing())
              std::fprintf(stderr, "[exact] normal-form tree: %zu leaves, at most %zu free, built in %.2f s\n", tree.leaves,
                           tree.max_free, std::chrono::duration<double>(clock_type::now() - t_build).count());
            if (!built) {
              out[bi].why += "; " + why;
              return std::nullopt;
            }
            const double stop_at = timer.elapsed() + std::min(timer.left(), o.normal_form_share * o.seconds);
            bool all = true;
            for (const NormalFormNode* leaf : normal_form_leaves(tree)) {
              const bool quantified = std::count(leaf->state.begin(), leaf->state.end(), EntryState::free) > 0;
              double leaf_seconds = stop_at - timer.elapsed();
              if (tree.leaves > o.normal_form_capped_above) leaf_seconds = std::min(leaf_seconds, o.normal_form_leaf_seconds);
              const Z3Result r = check_traced("normal-form leaf", normal_form_leaf_sentence(b, leaf->state, o.sentences),
                                          budget(leaf_seconds, o), quantified ? Z3Tactic::automatic : Z3Tactic::nlsat);
              if (r.answer == SolverAnswer::sat) continue;
              out[bi].why += r.answer == SolverAnswer::unsat ? "; normal forms: a leaf is FALSE (not surjective)"
                                                            : "; normal forms: a leaf: " + r.reason;
              if (r.answer == SolverAnswer::unsat) {
                full_rank[bi] = false;  // route 1b would fail as well
                // ... and so would route 1c: the block has full generic rank, so
                // no minor vanishes on it and its D is the whole coordinate
                // space, which a FALSE leaf shows S is not (issue 24 item 5:
                // the time goes to the witness routes instead).
                onto_refuted[bi] = true;
              }
              all = false;
              break;
            }
            if (!all) return std::nullopt;
            out[bi] = {Closedness::closed, "surjective-normal-forms",
                       std::to_string(tree.leaves) + " normal forms (at most " + std::to_string(tree.max_free) + " free entries)"};
            normal_forms[bi] = normal_form_tree_json(b, tree);
            return std::nullopt;
          });
       },
       false},
      {kClosednessRoutes[6], "exact_closed", o.cone_route,
       [&] { return o.seconds; },
       [&](double stop_at) -> std::optional<Verdict> {
        (void)stop_at;
        ensure_full_rank();
        // Route 1b: "forall a exists X" in one sentence.
          return for_each_open_block([&](idx bi, const MaskedChain& b) -> std::optional<Verdict> {
            if (timer.left() <= 0 || !full_rank[bi]) return std::nullopt;
            const Z3Result r = check_traced("surjectivity", surjectivity_sentence(b, o.sentences),
                                        budget(std::min(timer.left(), 0.1 * o.seconds + 0.05), o));
            if (r.answer == SolverAnswer::sat) out[bi] = {Closedness::closed, "surjective", ""};
            else out[bi].why += r.answer == SolverAnswer::unsat ? "; not surjective" : "; surjectivity: " + r.reason;
            return std::nullopt;
          });
       },
       true},
      {kClosednessRoutes[7], "exact_not_closed", o.witness_search,
       [&] { return 0.3 * o.seconds; },
       [&](double stop_at) -> std::optional<Verdict> {
        (void)stop_at;
        // Route 2a (two factors): tangent witnesses with explicit sequences
        // (tangent_candidates). A candidate's limit a is in cl(S_b) by exact
        // Laurent arithmetic; "a not in S_b" is one quantifier-free query. Both =>
        // not closed, and the certificate carries the sequence, which the checker
        // re-multiplies exactly (no quantified query).
          return for_each_open_block([&](idx bi, const MaskedChain& b) -> std::optional<Verdict> {
            if (b.num_factors() != 2) return std::nullopt;
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
            return std::nullopt;
          });
       },
       false},
      {kClosednessRoutes[8], "exact_closed", o.cone_route,
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
          return for_each_open_block([&](idx bi, const MaskedChain& b) -> std::optional<Verdict> {
            if (timer.elapsed() >= stop_at || spanning_forest(b.mask).size() > o.onto_max_forest) return std::nullopt;
            if (onto_refuted[bi]) {
              out[bi].why += "; algebraic-onto: skipped (full generic rank and a FALSE normal-form leaf: S is not D)";
              return std::nullopt;
            }
            const auto t_minors = clock_type::now();
            const std::vector<VanishingMinor> minors = vanishing_minors(b);
            const std::size_t dim = jacobian_rank_at_random_point(b);
            if (tracing())
              std::fprintf(stderr, "[exact] algebraic-onto: %zu minors, rank %zu, in %.2f s\n", minors.size(), dim,
                           std::chrono::duration<double>(clock_type::now() - t_minors).count());
            if (onto_tangent_dimension(b, minors) != dim) {
              out[bi].why += "; algebraic-onto: the minors' zero set is larger than the set (tangent dimension)";
              return std::nullopt;
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
            if (!all) return std::nullopt;
            out[bi] = {Closedness::closed, "algebraic-onto", std::to_string(minors.size()) + " vanishing minors"};
            onto[bi] = json::array();
            for (const auto& m : minors) onto[bi].push_back(m.to_json(b));
            return std::nullopt;
          });
       },
       true},
      {kClosednessRoutes[9], "exact_not_closed", o.witness_search,
       [&] { return timer.elapsed() + o.witness_share * std::max(0.0, timer.left()); },
       [&](double stop_at) -> std::optional<Verdict> {
        // Route 2b: 0/1 targets not in the block's set, put in its closure by
        // an explicit Laurent sequence (solve_sequence_ansatz: quantifier-free
        // queries only). Targets whose sequence queries all fail are left to
        // route 2 (their membership answers are cached).
          return for_each_open_block([&](idx bi, const MaskedChain& b) -> std::optional<Verdict> {
            const std::vector<Window> windows = sequence_windows(b.num_factors());
            std::optional<Verdict> found;
            const bool complete = for_each_01_target(b, o.witness_max_support, [&](const std::vector<idx>& comb, const RationalMatrix& a) {
              if (timer.elapsed() >= stop_at) return Visit::out_of_time;
              if (!not_member(bi, comb, a, std::min(o.witness_query_seconds, stop_at - timer.elapsed()))) return Visit::next;
              for (const Window& w : windows) {
                if (timer.elapsed() >= stop_at) return Visit::out_of_time;
                std::string why;
                const std::optional<Sequence> seq =
                    solve_sequence_ansatz(b, a, w, o, std::min(o.witness_query_seconds, stop_at - timer.elapsed()), why);
                if (!seq) continue;
                json cert = not_closed_certificate(arch, red, bi, lift_entries(b, a), "witness-sequence", timer.left());
                cert["sequence"] = sequence_json(b, *seq);
                found = done(Closedness::not_closed, "exact: witness-sequence",
                             steps + "; block " + std::to_string(bi) + ": A = " + a.to_string() +
                                 " is not in the block's set and is the limit of an explicit Laurent sequence of products",
                             cert);
                return Visit::stop;
              }
              return Visit::next;
            });
            if (complete && !found)
              out[bi].why += "; no 0/1 witness with an explicit sequence, support <= " + std::to_string(o.witness_max_support);
            return found;
          });
       },
       false},
      {kClosednessRoutes[10], "exact_not_closed", o.witness_search,
       [&] { return timer.elapsed() + o.witness_share * std::max(0.0, timer.left()); },
       [&](double stop_at) -> std::optional<Verdict> {
        // Route 2: 0/1 witnesses, "a in cl(S_b)" by the closure sentence.
          return for_each_open_block([&](idx bi, const MaskedChain& b) -> std::optional<Verdict> {
            std::optional<Verdict> found;
            const bool complete = for_each_01_target(b, o.witness_max_support, [&](const std::vector<idx>& comb, const RationalMatrix& a) {
              if (timer.elapsed() >= stop_at) return Visit::out_of_time;
              if (!not_member(bi, comb, a, std::min(o.witness_query_seconds, stop_at - timer.elapsed()))) return Visit::next;
              std::string why;
              if (!in_closure(b, a, o, std::min(o.witness_query_seconds, stop_at - timer.elapsed()), why)) return Visit::next;
              found = done(Closedness::not_closed, "exact: witness-search",
                           steps + "; block " + std::to_string(bi) + ": A = " + a.to_string() +
                               " is not in the block's set but in its closure",
                           not_closed_certificate(arch, red, bi, lift_entries(b, a), "witness-search", timer.left()));
              return Visit::stop;
            });
            if (complete && !found) out[bi].why += "; no 0/1 witness with support <= " + std::to_string(o.witness_max_support);
            return found;  // out of time: the next block's first target stops at once
          });
       },
       false},
      {kClosednessRoutes[11], "exact_closed / exact_not_closed", o.full_sentence,
       [&] { return o.seconds; },
       [&](double stop_at) -> std::optional<Verdict> {
        (void)stop_at;
        // Route 3: the block's full sentence.
          return for_each_open_block([&](idx bi, const MaskedChain& b) -> std::optional<Verdict> {
            if (timer.left() <= 0) return std::nullopt;
            const Z3Result r = check_traced("full sentence", masked_non_closedness_sentence(b, o.sentences), budget(timer.left(), o));
            if (r.answer == SolverAnswer::unsat) {
              out[bi] = {Closedness::closed, "sentence", ""};
              return std::nullopt;
            }
            if (r.answer == SolverAnswer::unknown) {
              out[bi].why += "; sentence: " + r.reason;
              return std::nullopt;
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
          });
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

Verdict prove_not_closed_with_target(const Architecture& arch, const RationalMatrix& A, const ExactOptions& o) {
  Timer timer(o.seconds);
  auto done = [&](Closedness c, std::string method, std::string reason, json cert) {
    return route_verdict(arch, timer, c, std::move(method), std::move(reason), std::move(cert));
  };
  if (A.rows() != arch.rows() || A.cols() != arch.cols())
    throw std::invalid_argument("prove_not_closed_with_target: target is " + std::to_string(A.rows()) + "x" +
                                std::to_string(A.cols()) + ", the architecture's product is " +
                                std::to_string(arch.rows()) + "x" + std::to_string(arch.cols()));
  if (arch.num_factors() < 2) return done(Closedness::unknown, "exact (z3)", "needs L >= 2 (L = 1 is trivial)", {});
  const ClosednessReduction red = reduce_for_closedness(arch, o.reductions);
  std::string why = "the target restricted to no block is both outside the block's set and the limit of a sequence";
  // Route 2b on the given target, block by block: the certificate speaks of
  // the block's restriction of A only (a not in S_b, a in cl(S_b)).
  for (idx bi = 0; bi < red.blocks.size(); ++bi) {
    const MaskedChain& b = red.blocks[bi];
    const RationalMatrix a = restrict_target(b, A);
    const Z3Result r = check_traced("target membership", masked_membership_sentence(b, a, o.sentences),
                                    budget(std::min(o.witness_query_seconds, timer.left()), o), Z3Tactic::nlsat);
    if (r.answer != SolverAnswer::unsat) continue;
    for (const Window& w : sequence_windows(b.num_factors())) {
      std::string w_why;
      const std::optional<Sequence> seq =
          solve_sequence_ansatz(b, a, w, o, std::min(o.witness_query_seconds, timer.left()), w_why);
      if (!seq) continue;
      json cert = not_closed_certificate(arch, red, bi, lift_entries(b, a), "witness-sequence", timer.left());
      cert["sequence"] = sequence_json(b, *seq);
      return done(Closedness::not_closed, "exact: witness-sequence",
                  "block " + std::to_string(bi) + ": A = " + a.to_string() +
                      " is not in the block's set and is the limit of an explicit Laurent sequence of products",
                  cert);
    }
  }
  return done(Closedness::unknown, "exact (z3)", why, {});
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
    return out = route_verdict(arch, timer, a, std::move(method), std::move(reason), std::move(cert), out.question);
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
