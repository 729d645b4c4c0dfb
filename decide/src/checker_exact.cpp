// Independent checker of the exact route (see exact_checker.hpp). Re-derives
// everything from the masks and re-runs Z3 on queries it builds itself. The
// one piece shared with the prover is deadline_solve.hpp, which only runs a
// query in a child process killed at its deadline (see solve()).
#include "wellposed/decide/detail/exact_checker.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <boost/multiprecision/gmp.hpp>
#include <z3++.h>

#include "checker_merge.hpp"
#include "checker_pinned.hpp"
#include "deadline_solve.hpp"
#include "subprocess.hpp"
#include "wellposed/algebra/polynomial.hpp"

namespace wellposed {

namespace {

using json = nlohmann::json;
using idx = std::size_t;
using Cell = std::pair<idx, idx>;

// The re-check budget. CertificateCheckOptions::exact_query_seconds caps the
// TOTAL solver time spent on one certificate (all its re-run queries together); a certificate may state
// a smaller "check_seconds" (the analysis budget left to its check). Every
// query gets what is left of that budget; a solver time-out makes the check
// fail ("not verified within the re-check budget"), so a verdict whose
// re-check timed out is never reported as checked.
thread_local std::chrono::steady_clock::time_point t_deadline;
thread_local double t_budget = 0;

double seconds_left() {
  return std::chrono::duration<double>(t_deadline - std::chrono::steady_clock::now()).count();
}

// ---- trust (issue 21) ----------------------------------------------------
// Every query the check re-decides with Z3 is recorded (its SMT-LIB2 text and
// Z3's answer), so that the second solver can re-decide the same queries and
// the result can say what it rests on. Steps proved without a solver are
// listed in t_exact_steps.
struct RecordedQuery {
  std::string smt2;
  bool quantified = false;
  bool sat = false;  // Z3's definite answer (only definite answers are recorded)
};
thread_local std::vector<RecordedQuery> t_queries;
// Whether the queries' SMT-LIB2 text is needed (a second solver is
// configured). Printing it costs about as much as a normal-form leaf's solve
// (measured 0.02-0.1 s per leaf), so without a second solver only the
// answers are recorded (their number is what the trust detail reports).
thread_local bool t_want_text = true;

// The query's SMT-LIB2 text (for the second solver), or nothing when not wanted.
std::string query_text(z3::context& c, const z3::expr& e) {
  if (!t_want_text) return {};
  z3::solver text(c);
  text.add(e);
  return text.to_smt2();
}
thread_local std::vector<std::string> t_exact_steps;


std::string first_solver_name() {
  unsigned major = 0, minor = 0, build = 0, rev = 0;
  Z3_get_version(&major, &minor, &build, &rev);
  return "z3 " + std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(build) + " (libz3)";
}

struct Bad : std::runtime_error {
  using std::runtime_error::runtime_error;
};
void need(bool c, const std::string& why) {
  if (!c) throw Bad(why);
}

idx index_of(const json& j) {
  need(j.is_number_unsigned() || (j.is_number_integer() && j.get<long long>() >= 0), "an index must be a non-negative integer");
  return j.get<idx>();
}

// rows_to[l][a]: rows of level 0 with a path to node a of level l (all edges).
std::vector<std::vector<std::set<idx>>> forward(const std::vector<Support>& f) {
  std::vector<std::vector<std::set<idx>>> r(f.size() + 1);
  r[0].resize(f[0].rows());
  for (idx i = 0; i < f[0].rows(); ++i) r[0][i].insert(i);
  for (idx l = 0; l < f.size(); ++l) {
    r[l + 1].resize(f[l].cols());
    for (idx a = 0; a < f[l].rows(); ++a)
      for (idx b = 0; b < f[l].cols(); ++b)
        if (f[l](a, b)) r[l + 1][b].insert(r[l][a].begin(), r[l][a].end());
  }
  return r;
}
std::vector<std::vector<std::set<idx>>> backward(const std::vector<Support>& f) {
  const idx L = f.size();
  std::vector<std::vector<std::set<idx>>> r(L + 1);
  r[L].resize(f[L - 1].cols());
  for (idx j = 0; j < f[L - 1].cols(); ++j) r[L][j].insert(j);
  for (idx l = L; l-- > 0;) {
    r[l].resize(f[l].rows());
    for (idx a = 0; a < f[l].rows(); ++a)
      for (idx b = 0; b < f[l].cols(); ++b)
        if (f[l](a, b)) r[l][a].insert(r[l + 1][b].begin(), r[l + 1][b].end());
  }
  return r;
}

struct Block {
  std::vector<std::array<idx, 3>> edges;
  std::vector<Cell> entries;
};

// Watchdog + tactic, in the calling process: sat / unsat / unknown of the
// existential closure of e within `seconds`. Runs only inside solve()'s child.
z3::check_result solve_here(z3::context& c, const z3::expr& e, bool quantified, double seconds, std::string& why) {
  const unsigned ms = std::max(1u, static_cast<unsigned>(std::min(seconds * 1000, 4.0e9)));
  z3::solver s = z3::try_for(z3::tactic(c, quantified ? "nlqsat" : "qfnra-nlsat"), ms).mk_solver();
  z3::params no_ctrl_c(c);  // no SIGINT handler of Z3's (z3_backend.cpp, without_ctrl_c)
  no_ctrl_c.set("ctrl_c", false);
  s.set(no_ctrl_c);
  s.add(e);
  std::mutex m;
  std::condition_variable cv;
  bool stop = false;
  std::thread dog([&] {
    std::unique_lock lock(m);
    if (!cv.wait_for(lock, std::chrono::duration<double>(seconds), [&] { return stop; })) c.interrupt();
  });
  z3::check_result r = z3::unknown;
  try {
    r = s.check();
    if (r == z3::unknown) why = s.reason_unknown();
  } catch (const z3::exception& ex) {
    why = ex.msg();
  }
  {
    std::lock_guard lock(m);
    stop = true;
  }
  cv.notify_all();
  dog.join();
  return r;
}

// One re-check query under what is left of the certificate's re-check
// budget, with a HARD deadline: solve_here runs in a child process that is
// killed at the deadline (deadline_solve.hpp). Z3 4.8.12's nlqsat may ignore
// the watchdog's interrupt (a 4x4 sentence ran 56 s on an 18 s budget), so
// without the child a re-check could overrun its budget by minutes.
// Independence: run_with_hard_deadline is the only code this checker shares
// with the prover, and it is process isolation, not logic -- the query, its
// tactic and the reading of the answer are all built here from the
// certificate and the masks. Only a child that finished and wrote "sat" or
// "unsat" gives an answer; a killed, crashed or unstarted child is unknown,
// which fails the check ("not verified"), never passes it.
z3::check_result solve(z3::context& c, const z3::expr& e, bool quantified, std::string& why) {
  const double seconds = seconds_left();
  if (seconds <= 0) {
    why = "re-check budget of " + std::to_string(t_budget) + " s spent: certificate not verified";
    return z3::unknown;
  }
  const detail::HardDeadlineRun run = detail::run_with_hard_deadline(seconds, [&](double child_seconds) {
    std::string w;
    const z3::check_result r = solve_here(c, e, quantified, child_seconds, w);
    // The query's SMT-LIB2 text for the second solver, printed here in the
    // child: building a solver in the parent's context changed how long
    // Z3 4.8.12's nlqsat took on the next query forked from it (a 0.03 s
    // closure query ran into its 20 s budget).
    return std::string(r == z3::sat ? "sat" : r == z3::unsat ? "unsat" : "unknown") + "\n" + w + "\n\x1e" +
           query_text(c, e);
  });
  z3::check_result r = z3::unknown;
  why.clear();
  std::string smt2;
  if (run.status == detail::HardDeadlineRun::Status::finished) {
    const auto sep = run.output.find("\n\x1e");
    const std::string answer = run.output.substr(0, sep);
    if (sep != std::string::npos) smt2 = run.output.substr(sep + 2);
    const auto nl = answer.find('\n');
    const std::string head = answer.substr(0, nl);
    if (head == "sat") r = z3::sat;
    else if (head == "unsat") r = z3::unsat;
    else why = nl == std::string::npos ? "no answer" : answer.substr(nl + 1);
  } else {
    why = run.reason;
  }
  if (r == z3::unknown) why += " (re-check budget " + std::to_string(t_budget) + " s: certificate not verified)";
  if (r != z3::unknown) t_queries.push_back({smt2, quantified, r == z3::sat});
  if (detail::trace_exact_queries())
    std::fprintf(stderr, "[check] %s query: budget %.2f s, took %.2f s, %s %s\n",
                 quantified ? "quantified" : "quantifier-free", seconds, run.seconds,
                 r == z3::sat ? "sat" : r == z3::unsat ? "unsat" : "unknown", why.c_str());
  return r;
}

// Many re-check queries under what is left of the budget, in a few forked
// children that each build and solve one query after the other
// (deadline_solve.hpp, run_batch_with_hard_deadline): used where a
// certificate has many small queries (normal-form leaves, algebraic-onto
// patterns). Same queries, same tactic, same reading of the answers as
// solve(): query k is build(c, k, quantified) in a FRESH context of the
// child's (nlqsat's time depends on the terms already in a context, see
// check_witness), solved by solve_here under what is left of the budget; only
// a child's complete "sat" / "unsat" record is an answer. Why a batch: a fork
// per query cost 0.1-0.15 s per leaf (copy-on-write faults of a context built
// after a fork) against leaves the prover decides in 0.005 s; here a child
// pays that once. Every query must be TRUE (sat); the first answer that is
// not stops the batch. Returns the item that failed, or nothing when every
// query was re-decided sat.
struct BatchFailure {
  idx item = 0;
  z3::check_result answer = z3::unknown;
  std::string why;
};
using BuildQuery = std::function<z3::expr(z3::context&, idx, bool&)>;
std::optional<BatchFailure> solve_all_sat(idx n, const BuildQuery& build) {
  const double seconds = seconds_left();
  const std::string spent = " (re-check budget " + std::to_string(t_budget) + " s: certificate not verified)";
  if (n == 0) return std::nullopt;
  if (seconds <= 0)
    return BatchFailure{0, z3::unknown, "re-check budget of " + std::to_string(t_budget) + " s spent: certificate not verified"};
  struct Answer {
    z3::check_result r = z3::unknown;
    bool quantified = false;
    std::string why, smt2;
  };
  auto parse = [](const detail::HardDeadlineRun& run) {
    Answer a;
    if (run.status != detail::HardDeadlineRun::Status::finished) {
      a.why = run.reason;
      return a;
    }
    // "<answer>\n<0|1>\n<why>\n\x1e<smt2>"
    const auto sep = run.output.find("\n\x1e");
    const std::string head = run.output.substr(0, sep);
    if (sep != std::string::npos) a.smt2 = run.output.substr(sep + 2);
    const auto nl1 = head.find('\n');
    const auto nl2 = nl1 == std::string::npos ? std::string::npos : head.find('\n', nl1 + 1);
    if (nl2 == std::string::npos) {
      a.why = "no answer";
      return a;
    }
    const std::string answer = head.substr(0, nl1), q = head.substr(nl1 + 1, nl2 - nl1 - 1);
    a.quantified = q == "1";
    if (answer == "sat") a.r = z3::sat;
    else if (answer == "unsat") a.r = z3::unsat;
    else a.why = head.substr(nl2 + 1);
    return a;
  };
  std::optional<idx> stopper;
  const auto runs = detail::run_batch_with_hard_deadline(
      seconds, n, 0,
      [&](idx k, double child_seconds) {
        z3::context c;
        bool quantified = false;
        const z3::expr e = build(c, k, quantified);
        std::string w;
        const z3::check_result r = solve_here(c, e, quantified, child_seconds, w);
        return std::string(r == z3::sat ? "sat" : r == z3::unsat ? "unsat" : "unknown") + "\n" +
               (quantified ? "1" : "0") + "\n" + w + "\n\x1e" + query_text(c, e);
      },
      [&](idx k, const detail::HardDeadlineRun& run) {
        if (parse(run).r == z3::sat) return true;
        stopper = k;
        return false;
      });
  std::optional<BatchFailure> fail;
  for (idx k = 0; k < n; ++k) {
    const Answer a = parse(runs[k]);
    if (a.r != z3::unknown) t_queries.push_back({a.smt2, a.quantified, a.r == z3::sat});
    if (detail::trace_exact_queries())
      std::fprintf(stderr, "[check] batch query %zu of %zu: budget %.2f s, took %.2f s, %s %s\n", k, n, seconds,
                   runs[k].seconds, a.r == z3::sat ? "sat" : a.r == z3::unsat ? "unsat" : "unknown", a.why.c_str());
    // The failure reported: the answer that stopped the batch, else (the
    // deadline came first) the first query without an answer.
    if (a.r == z3::sat || fail || (stopper && *stopper != k)) continue;
    fail = BatchFailure{k, a.r, a.r == z3::unknown ? a.why + spent : a.why};
  }
  return fail;
}

class BlockQueries {
 public:
  BlockQueries(z3::context& c, const Block& b, idx L, const std::string& prefix) : c_(c), b_(b), L_(L) {
    for (const auto& e : b.edges) {
      const std::string name = prefix + std::to_string(e[0]) + "_" + std::to_string(e[1]) + "_" + std::to_string(e[2]);
      z3::expr v = c.real_const(name.c_str());
      x_.emplace(e, v);
      vars_.push_back(v);
    }
  }
  // The entry polynomial P_ij restricted to the block's edges (path sums).
  z3::expr entry(idx i, idx j) const {
    std::map<idx, z3::expr> cur;
    cur.emplace(i, c_.real_val(1));
    for (idx l = 0; l < L_; ++l) {
      std::map<idx, z3::expr> next;
      for (const auto& [e, v] : x_) {
        if (e[0] != l) continue;
        auto it = cur.find(e[1]);
        if (it == cur.end()) continue;
        auto jt = next.find(e[2]);
        if (jt == next.end()) next.emplace(e[2], it->second * v);
        else jt->second = jt->second + it->second * v;
      }
      cur = std::move(next);
    }
    auto it = cur.find(j);
    return it == cur.end() ? c_.real_val(0) : it->second;
  }
  const z3::expr_vector& vars() const { return vars_; }
  const std::map<std::array<idx, 3>, z3::expr>& x() const { return x_; }

 private:
  z3::context& c_;
  const Block& b_;
  idx L_;
  std::map<std::array<idx, 3>, z3::expr> x_;
  z3::expr_vector vars_{c_};
};

z3::expr conj(z3::context& c, const std::vector<z3::expr>& v) {
  z3::expr_vector ev(c);
  for (const auto& e : v) ev.push_back(e);
  return ev.empty() ? c.bool_val(true) : z3::mk_and(ev);
}

z3::expr num(z3::context& c, const std::string& q) { return c.real_val(q.c_str()); }

// "forall eps > 0 exists X: |P - a| < eps" with a given as numerals or constants.
// One pivot per inner node (an edge into it, else one out of it):
// v (v - 1) = 0. Only ever added to an EXISTENTIAL block whose truth is
// claimed (closure, surjectivity): restricting it can only turn TRUE into
// FALSE, never the reverse, so the check stays sound whatever the pivots.
std::vector<z3::expr> gauge_constraints(const Block& b, idx L, const BlockQueries& q) {
  std::map<std::pair<idx, idx>, std::array<idx, 3>> pivot;  // (level, node) -> edge
  for (const auto& e : b.edges)
    if (e[0] + 1 < L) pivot.emplace(std::make_pair(e[0] + 1, e[2]), e);
  for (const auto& e : b.edges)
    if (e[0] > 0) pivot.emplace(std::make_pair(e[0], e[1]), e);
  std::vector<z3::expr> out;
  for (const auto& [node, e] : pivot) {
    const z3::expr v = q.x().at(e);
    out.push_back(v * (v - 1) == 0);
  }
  return out;
}

// With `gauge`, the inner "exists X" is restricted to X with one pivot per
// inner node v(v - 1) = 0 (an edge into the node, else out of it). A
// restriction of an existential can only make the closure claim harder to
// hold, so this is sound for claims that the closure sentence is TRUE (and
// only used for those); it removes the scaling continuum, which makes Z3
// faster.
z3::expr closure(z3::context& c, const Block& b, idx L, const std::map<Cell, z3::expr>& a, bool gauge = false) {
  BlockQueries q(c, b, L, "cp");
  z3::expr eps = c.real_const("ceps");
  std::vector<z3::expr> close;
  if (gauge) close = gauge_constraints(b, L, q);
  for (const auto& ij : b.entries) {
    const z3::expr d = q.entry(ij.first, ij.second) - a.at(ij);
    close.push_back(d < eps);
    close.push_back(-d < eps);
  }
  z3::expr_vector e(c);
  e.push_back(eps);
  return z3::forall(e, z3::implies(eps > 0, z3::exists(q.vars(), conj(c, close))));
}

z3::expr reached(z3::context& c, const Block& b, idx L, const std::map<Cell, z3::expr>& a, const BlockQueries& q) {
  std::vector<z3::expr> eqs;
  for (const auto& ij : b.entries) eqs.push_back(q.entry(ij.first, ij.second) == a.at(ij));
  (void)L;
  return conj(c, eqs);
}

// One real variable per entry of the block's target A, named prefix<i>_<j>;
// `avars` lists them for quantification.
std::map<Cell, z3::expr> target_vars(z3::context& c, const Block& b, const std::string& prefix, z3::expr_vector& avars) {
  std::map<Cell, z3::expr> a;
  for (const auto& ij : b.entries) {
    z3::expr v = c.real_const((prefix + std::to_string(ij.first) + "_" + std::to_string(ij.second)).c_str());
    a.emplace(ij, v);
    avars.push_back(v);
  }
  return a;
}

std::string check_sentence(const Block& b, idx L, bool expect_true) {
  z3::context c;
  z3::expr_vector avars(c);
  const std::map<Cell, z3::expr> a = target_vars(c, b, "ca", avars);
  BlockQueries q(c, b, L, "cx");
  const z3::expr body = z3::forall(q.vars(), !reached(c, b, L, a, q)) && closure(c, b, L, a);
  std::string why;
  const auto r = solve(c, body, true, why);
  need(r != z3::unknown, "re-deciding the block's Lemma 3.2.16 sentence: z3 unknown (" + why + ")");
  need((r == z3::sat) == expect_true, std::string("the block's Lemma 3.2.16 sentence is ") +
                                          (r == z3::sat ? "TRUE" : "FALSE") + ", the certificate claims otherwise");
  return expect_true ? "block sentence re-decided TRUE" : "block sentence re-decided FALSE";
}

std::string check_cone(const Block& b, idx L) {
  need(L == 2, "the asymptotic-cone route needs two factors");
  z3::context c;
  BlockQueries q(c, b, L, "cz");
  // Classes of the block's inner indices: same (rows, cols) within the block.
  std::map<idx, std::pair<std::set<idx>, std::set<idx>>> rc;
  for (const auto& e : b.edges) {
    if (e[0] == 0) rc[e[2]].first.insert(e[1]);
    else rc[e[1]].second.insert(e[2]);
  }
  std::map<std::pair<std::set<idx>, std::set<idx>>, std::vector<idx>> classes;
  for (const auto& [k, v] : rc) classes[v].push_back(k);
  std::vector<z3::expr> parts;
  for (const auto& ij : b.entries) parts.push_back(q.entry(ij.first, ij.second) == 0);
  z3::expr_vector some(c);
  for (const auto& [RC, ks] : classes)
    for (idx i : RC.first)
      for (idx j : RC.second) {
        z3::expr z = c.real_val(0);
        for (idx k : ks) z = z + q.x().at({0, i, k}) * q.x().at({1, k, j});
        some.push_back(z == 1);
      }
  if (some.empty()) return "block has no rank-one class: trivially closed";
  parts.push_back(z3::mk_or(some));
  std::string why;
  const auto r = solve(c, conj(c, parts), false, why);
  need(r != z3::unknown, "re-deciding the asymptotic-cone query: z3 unknown (" + why + ")");
  need(r == z3::unsat, "the asymptotic-cone query is satisfiable: it proves nothing");
  return "asymptotic-cone query re-decided UNSAT (" + std::to_string(classes.size()) + " classes)";
}

std::string check_surjective(const Block& b, idx L) {
  z3::context c;
  z3::expr_vector avars(c);
  const std::map<Cell, z3::expr> a = target_vars(c, b, "cs", avars);
  BlockQueries q(c, b, L, "cy");
  std::string why;
  std::vector<z3::expr> body = gauge_constraints(b, L, q);  // sound: see gauge_constraints
  body.push_back(reached(c, b, L, a, q));
  const auto r = solve(c, z3::forall(avars, z3::exists(q.vars(), conj(c, body))), true, why);
  need(r != z3::unknown, "re-deciding surjectivity: z3 unknown (" + why + ")");
  need(r == z3::sat, "the block's set is not the whole coordinate space");
  return "surjectivity (forall a exists X) re-decided TRUE";
}

// Does a path of block edges lead from a row in R (level 0) to a column in
// C (level L) without entering a node of `blocked` ({level, index})?
bool block_connects(const Block& b, idx L, const std::set<idx>& R, const std::set<idx>& C,
                    const std::set<std::pair<idx, idx>>& blocked) {
  std::set<idx> cur;
  for (idx i : R)
    if (!blocked.count({0, i})) cur.insert(i);
  for (idx l = 0; l < L; ++l) {
    std::set<idx> next;
    for (const auto& e : b.edges)
      if (e[0] == l && cur.count(e[1]) && !blocked.count({l + 1, e[2]})) next.insert(e[2]);
    cur = std::move(next);
  }
  return std::any_of(C.begin(), C.end(), [&](idx j) { return cur.count(j) > 0; });
}

// Laplace expansion of a small determinant of Z3 terms.
z3::expr z3_det(z3::context& c, const std::vector<std::vector<z3::expr>>& m) {
  const idx n = m.size();
  if (n == 1) return m[0][0];
  z3::expr out = c.real_val(0);
  for (idx col = 0; col < n; ++col) {
    std::vector<std::vector<z3::expr>> sub;
    for (idx r = 1; r < n; ++r) {
      std::vector<z3::expr> row;
      for (idx k = 0; k < n; ++k)
        if (k != col) row.push_back(m[r][k]);
      sub.push_back(std::move(row));
    }
    out = col % 2 == 0 ? out + m[0][col] * z3_det(c, sub) : out - m[0][col] * z3_det(c, sub);
  }
  return out;
}

// The algebraic-onto route (proof at reductions.hpp, vanishing_minors and
// algebraic_onto_sentences), re-derived here: (i) each listed minor vanishes
// on the block's set: its separator has fewer nodes than the minor's size
// and meets every path of block edges from its rows to its columns
// (checked by search), and every entry of rows x cols outside the block's
// entries has no path at all (it is 0 in the product); so D = {minors = 0}
// contains the set. (ii) Every a in D is a product: with this checker's own
// spanning forest of the block's entries, for each 0/1 pattern on the
// forest, "forall other a: minors(a) = 0 => exists X: gauge and X_1...X_L =
// a" is re-decided TRUE by Z3 (scaling invariance makes the patterns
// exhaustive; the gauge only restricts an existential, see
// gauge_constraints). Then the set is D, closed.
std::string check_onto(const Block& b, idx L, const json& minors) {
  need(minors.is_array(), "algebraic-onto: the certificate lists no minors for the block");
  const std::set<Cell> entries(b.entries.begin(), b.entries.end());
  struct Minor {
    std::vector<idx> rows, cols;
  };
  std::vector<Minor> ms;
  for (const auto& m : minors) {
    Minor mm;
    for (const auto& i : m.at("rows")) mm.rows.push_back(index_of(i));
    for (const auto& j : m.at("cols")) mm.cols.push_back(index_of(j));
    std::set<std::pair<idx, idx>> sep;
    for (const auto& s : m.at("separator")) {
      need(s.is_array() && s.size() == 2, "algebraic-onto: a separator node is [level, index]");
      sep.insert({index_of(s[0]), index_of(s[1])});
    }
    const std::set<idx> R(mm.rows.begin(), mm.rows.end()), C(mm.cols.begin(), mm.cols.end());
    need(R.size() == mm.rows.size() && C.size() == mm.cols.size() && R.size() == C.size() && R.size() >= 1 &&
             R.size() <= 6,
         "algebraic-onto: a minor needs distinct rows and columns, as many of each (at most 6)");
    need(sep.size() < R.size(), "algebraic-onto: a separator must be smaller than its minor");
    need(!block_connects(b, L, R, C, sep), "algebraic-onto: a path from the minor's rows to its columns avoids its separator");
    for (idx i : R)
      for (idx j : C)
        if (!entries.count({i, j}))
          need(!block_connects(b, L, {i}, {j}, {}), "algebraic-onto: entry (" + std::to_string(i) + ", " +
                                                        std::to_string(j) + ") of a minor is not a coordinate of the block");
    ms.push_back(std::move(mm));
  }
  // This checker's own spanning forest of the block's entries (rows and columns as nodes).
  std::map<std::pair<int, idx>, std::pair<int, idx>> parent;
  std::function<std::pair<int, idx>(std::pair<int, idx>)> root = [&](std::pair<int, idx> v) {
    auto it = parent.find(v);
    if (it == parent.end() || it->second == v) return v;
    return it->second = root(it->second);
  };
  std::vector<Cell> forest;
  for (const auto& ij : b.entries) {
    const auto u = root({0, ij.first}), v = root({1, ij.second});
    if (u == v) continue;
    parent[v] = u;
    parent.emplace(u, u);
    forest.push_back(ij);
  }
  need(forest.size() <= 16, "algebraic-onto: spanning forest too large to re-check");
  const std::set<Cell> in_forest(forest.begin(), forest.end());
  // Every pattern re-decided, in a batch of forked children (solve_all_sat):
  // each pattern's query is built in a fresh context of the child.
  const auto fail = solve_all_sat(idx{1} << forest.size(), [&](z3::context& c, idx pattern, bool& quantified) {
    std::map<Cell, z3::expr> a;
    z3::expr_vector avars(c);
    for (const auto& ij : b.entries)
      if (!in_forest.count(ij)) {
        z3::expr v = c.real_const(("co" + std::to_string(ij.first) + "_" + std::to_string(ij.second)).c_str());
        a.emplace(ij, v);
        avars.push_back(v);
      }
    for (idx e = 0; e < forest.size(); ++e) a.emplace(forest[e], c.real_val(static_cast<int>(pattern >> e & 1u)));
    std::vector<z3::expr> hyp;
    for (const auto& m : ms) {
      std::vector<std::vector<z3::expr>> M;
      for (idx i : m.rows) {
        std::vector<z3::expr> row;
        for (idx j : m.cols) row.push_back(entries.count({i, j}) ? a.at({i, j}) : c.real_val(0));
        M.push_back(std::move(row));
      }
      hyp.push_back(z3_det(c, M) == 0);
    }
    BlockQueries q(c, b, L, "cv");
    std::vector<z3::expr> body = gauge_constraints(b, L, q);
    body.push_back(reached(c, b, L, a, q));
    z3::expr f = z3::implies(conj(c, hyp), z3::exists(q.vars(), conj(c, body)));
    if (!avars.empty()) f = z3::forall(avars, f);
    quantified = true;
    return f;
  });
  if (fail) {
    need(fail->answer != z3::unknown, "re-deciding algebraic-onto (forest pattern " + std::to_string(fail->item) +
                                          "): z3 unknown (" + fail->why + ")");
    need(false, "algebraic-onto: a point of the minors' zero set (forest pattern " + std::to_string(fail->item) +
                    ") is not a product");
  }
  return "algebraic-onto: " + std::to_string(ms.size()) + " minors re-derived (separators), " +
         std::to_string(1u << forest.size()) + " forest patterns re-decided TRUE";
}

// The surjective-normal-forms route (proof at normal_form.hpp), replayed
// from the tree with this checker's own code: the allowed row operations
// k -> i are re-derived from the block's edges ((R1) supp row k of X_1 within
// supp row i; (R2) every entry (k, j) outside the block's entries with
// (i, j) inside has no path), columns alike; the root has every entry free;
// every move's legality and its effect on the states are re-checked (branch:
// the entry is free, the scaled row / column has no entry fixed to 1, the
// children are the entry = 0 and = 1; elimination: pivot fixed to 1, target
// free, allowed operation, every fixed entry of the target row / column
// meets a 0 or a non-entry in the source); every leaf "forall free a exists
// X: gauge and X_1...X_L = a" is re-decided TRUE by Z3 (quantifier-free when
// nothing is free). Then the block's set is the whole coordinate space.
std::string check_normal_forms(const Block& b, idx L, const json& tree) {
  need(tree.is_object(), "normal forms: the certificate has no tree for the block");
  const std::set<Cell> entries(b.entries.begin(), b.entries.end());
  std::map<idx, std::set<idx>> row_supp, col_supp;  // rows of X_1, columns of X_L
  for (const auto& e : b.edges) {
    if (e[0] == 0) row_supp[e[1]].insert(e[2]);
    if (e[0] + 1 == L) col_supp[e[2]].insert(e[1]);
  }
  auto contained = [](const std::set<idx>& a, const std::set<idx>& c) {
    return std::includes(c.begin(), c.end(), a.begin(), a.end());
  };
  std::set<idx> rows, cols;
  for (const auto& ij : b.entries) rows.insert(ij.first), cols.insert(ij.second);
  auto row_allowed = [&](idx k, idx i) {
    if (k == i || !rows.count(k) || !rows.count(i) || !contained(row_supp[k], row_supp[i])) return false;
    for (idx j : cols)
      if (entries.count({i, j}) && !entries.count({k, j}) && block_connects(b, L, {k}, {j}, {})) return false;
    return true;
  };
  auto col_allowed = [&](idx l, idx j) {
    if (l == j || !cols.count(l) || !cols.count(j) || !contained(col_supp[l], col_supp[j])) return false;
    for (idx i : rows)
      if (entries.count({i, j}) && !entries.count({i, l}) && block_connects(b, L, {i}, {l}, {})) return false;
    return true;
  };
  using State = std::map<Cell, int>;  // fixed entries only: 0 or 1
  auto cell = [&](const json& j) {
    need(j.is_array() && j.size() == 2, "normal forms: an entry is [i, j]");
    const Cell c{index_of(j[0]), index_of(j[1])};
    need(entries.count(c) == 1, "normal forms: [" + std::to_string(c.first) + ", " + std::to_string(c.second) +
                                    "] is not an entry of the block");
    return c;
  };
  auto parse_state = [&](const json& n) {
    State st;
    for (const char* key : {"zeros", "ones"}) {
      need(n.contains(key) && n.at(key).is_array(), std::string("normal forms: a node lists no \"") + key + "\"");
      for (const auto& e : n.at(key)) need(st.emplace(cell(e), key[0] == 'o' ? 1 : 0).second, "normal forms: an entry is listed twice in a node's state");
    }
    return st;
  };
  auto fixed = [](const State& st, const Cell& c) { return st.count(c) > 0; };
  auto value = [](const State& st, const Cell& c) { auto it = st.find(c); return it == st.end() ? -1 : it->second; };
  std::vector<State> leaves;
  idx nodes = 0;
  std::function<void(const json&, const State&, idx)> replay = [&](const json& n, const State& want, idx depth) {
    need(n.is_object() && n.contains("move") && n.at("move").is_string(), "normal forms: a node without a move");
    need(++nodes <= 20000 && depth <= 2 * entries.size() + 2, "normal forms: the tree is too large");
    need(parse_state(n) == want, "normal forms: a node's state is not the one its parent's move produces");
    const std::string move = n.at("move").get<std::string>();
    if (move == "leaf") {
      need(leaves.size() < 1024, "normal forms: too many leaves");
      leaves.push_back(want);
      return;
    }
    if (move == "branch") {
      const Cell e = cell(n.at("entry"));
      need(!fixed(want, e), "normal forms: a branch on an entry that is already fixed");
      const std::string side = n.at("scale").get<std::string>();
      need(side == "row" || side == "col", "normal forms: a branch scales a \"row\" or a \"col\"");
      for (const auto& [c, v] : want)
        need(!(v == 1 && (side == "row" ? c.first == e.first : c.second == e.second)),
             "normal forms: the branch's scaling would change an entry fixed to 1");
      State z = want, o = want;
      z[e] = 0;
      o[e] = 1;
      replay(n.at("zero"), z, depth + 1);
      replay(n.at("one"), o, depth + 1);
      return;
    }
    need(move == "row_elim" || move == "col_elim", "normal forms: unknown move '" + move + "'");
    const bool by_row = move == "row_elim";
    const idx from = index_of(n.at("from")), to = index_of(n.at("to")), piv = index_of(n.at("pivot"));
    need(by_row ? row_allowed(from, to) : col_allowed(from, to),
         std::string("normal forms: ") + (by_row ? "row" : "column") + " operation " + std::to_string(from) + " -> " +
             std::to_string(to) + " is not allowed by the supports");
    const Cell source = by_row ? Cell{from, piv} : Cell{piv, from};
    const Cell target = by_row ? Cell{to, piv} : Cell{piv, to};
    need(entries.count(source) && value(want, source) == 1, "normal forms: an elimination's pivot is not fixed to 1");
    need(entries.count(target) && !fixed(want, target), "normal forms: an elimination's target is not free");
    for (const auto& [c, v] : want) {
      if (by_row ? c.first != to : c.second != to) continue;
      const Cell partner = by_row ? Cell{from, c.second} : Cell{c.first, from};
      need(!entries.count(partner) || value(want, partner) == 0,
           "normal forms: an elimination would change a fixed entry");
    }
    State child = want;
    child[target] = 0;
    replay(n.at("child"), child, depth + 1);
  };
  replay(tree, State{}, 0);
  // Every leaf re-decided, in a batch of forked children (solve_all_sat):
  // each leaf's query is built from its state in a fresh context of the child.
  const auto fail = solve_all_sat(leaves.size(), [&](z3::context& c, idx li, bool& quantified) {
    std::map<Cell, z3::expr> a;
    z3::expr_vector avars(c);
    for (const auto& ij : b.entries) {
      const int v = value(leaves[li], ij);
      if (v >= 0) {
        a.emplace(ij, c.real_val(v));
        continue;
      }
      z3::expr x = c.real_const(("cn" + std::to_string(ij.first) + "_" + std::to_string(ij.second)).c_str());
      a.emplace(ij, x);
      avars.push_back(x);
    }
    BlockQueries q(c, b, L, "cw");
    std::vector<z3::expr> body = gauge_constraints(b, L, q);  // sound: see gauge_constraints
    body.push_back(reached(c, b, L, a, q));
    quantified = !avars.empty();
    return quantified ? z3::forall(avars, z3::exists(q.vars(), conj(c, body))) : conj(c, body);
  });
  if (fail) {
    need(fail->answer != z3::unknown,
         "re-deciding normal-form leaf " + std::to_string(fail->item) + ": z3 unknown (" + fail->why + ")");
    need(false, "normal forms: leaf " + std::to_string(fail->item) + " is FALSE (some matrix of its form is not a product)");
  }
  return "surjective-normal-forms: tree of " + std::to_string(nodes) + " nodes replayed (moves re-derived from the supports), " +
         std::to_string(leaves.size()) + " leaves re-decided TRUE";
}

// The determinantal route, re-derived from the block's edges (independent of
// reductions.cpp's determinantal_route): the block's entries are all of
// rows x cols, one factor is full on the block, r <= min(m, n), and Hall's
// condition max_{k in K} (r - ambient + |support_k|) >= |K| holds for every K.
// Then the block's set is {rank <= r} (proof in reductions.hpp), closed.
// The width-one route (exact.cpp, width_one_level, has the proof): some inner
// level l has at most one node with an edge of X_l into it and an edge of
// X_{l+1} out of it, re-derived here from the block's edges; then the block's
// set is the rank <= 1 matrices on its rows x columns, closed. No solver.
std::string check_width_one(const Block& b, idx L) {
  // The block's set is the projection onto its entries: closed only where the
  // entries are all of their rows x columns (a rectangle; LU(2)'s quotient
  // block {(0,0), (0,1), (1,0)} is not, and its set is not closed).
  std::set<idx> rows, cols;
  for (const auto& ij : b.entries) rows.insert(ij.first), cols.insert(ij.second);
  need(std::set<Cell>(b.entries.begin(), b.entries.end()).size() == rows.size() * cols.size(),
       "width-one: the block's entries are not all of its rows x columns");
  for (idx l = 1; l < L; ++l) {
    std::set<idx> in, out;
    for (const auto& e : b.edges) {
      if (e[0] + 1 == l) in.insert(e[2]);
      if (e[0] == l) out.insert(e[1]);
    }
    std::vector<idx> through;
    std::set_intersection(in.begin(), in.end(), out.begin(), out.end(), std::back_inserter(through));
    if (through.size() <= 1) {
      t_exact_steps.push_back("closed block: width-one level re-derived (no solver)");
      return "width-one: every path passes through " +
             (through.empty() ? std::string("no node") : "node " + std::to_string(through.front())) + " of level " +
             std::to_string(l) + ": the set is the rank <= 1 matrices on its rows x columns";
    }
  }
  need(false, "width-one: every inner level has two or more nodes on paths");
  return {};
}

std::string check_determinantal(const Block& b, idx L) {
  need(L == 2, "the determinantal route needs two factors");
  std::set<idx> rows, inner, cols;
  std::map<idx, std::set<idx>> R, C;  // per inner index
  for (const auto& e : b.edges) {
    if (e[0] == 0) {
      rows.insert(e[1]);
      inner.insert(e[2]);
      R[e[2]].insert(e[1]);
    } else {
      inner.insert(e[1]);
      cols.insert(e[2]);
      C[e[1]].insert(e[2]);
    }
  }
  const idx m = rows.size(), n = cols.size(), r = inner.size();
  std::set<Cell> ents(b.entries.begin(), b.entries.end());
  need(ents.size() == m * n, "determinantal: the block's entries are not all of its rows x columns");
  for (const auto& ij : ents) need(rows.count(ij.first) && cols.count(ij.second), "determinantal: entry outside the block's rows/columns");
  need(r >= 1 && r <= m && r <= n && r <= 16, "determinantal: needs 1 <= r <= min(m, n)");
  std::string side;
  for (int s = 0; s < 2 && side.empty(); ++s) {
    const auto& fullside = s == 0 ? R : C;
    const auto& other = s == 0 ? C : R;
    const idx full_size = s == 0 ? m : n, ambient = s == 0 ? n : m;
    bool full = fullside.size() == r;
    for (const auto& [k, set] : fullside) full = full && set.size() == full_size;
    if (!full) continue;
    std::vector<long long> bound;
    for (idx k : inner) {
      auto it = other.find(k);
      bound.push_back(static_cast<long long>(r) + static_cast<long long>(it == other.end() ? 0 : it->second.size()) -
                      static_cast<long long>(ambient));
    }
    if (detail::hall_violation(bound) == 0) side = s == 0 ? "first factor full" : "second factor full";
  }
  need(!side.empty(), "determinantal: no factor is full with Hall's condition on the other");
  t_exact_steps.push_back("closed block: determinantal route re-derived (no solver)");
  return "determinantal: " + side + ", Hall's condition re-derived: the set is {rank <= " + std::to_string(r) + "}";
}

// "p" or "p/q" (optional '-' on p, q non-zero) as an exact rational.
boost::multiprecision::mpq_rational parse_q(const std::string& s) {
  using Z = boost::multiprecision::mpz_int;
  const auto slash = s.find('/');
  std::string num = s.substr(0, slash), den = slash == std::string::npos ? "1" : s.substr(slash + 1);
  const bool neg = !num.empty() && num[0] == '-';
  if (neg) num = num.substr(1);
  auto digits = [](const std::string& d) {
    return !d.empty() && d.find_first_not_of("0123456789") == std::string::npos;
  };
  need(digits(num) && digits(den), "'" + s + "' is not a rational");
  const Z n(num), d(den);
  need(d != 0, "'" + s + "' has a zero denominator");
  boost::multiprecision::mpq_rational q(n, d);
  return neg ? boost::multiprecision::mpq_rational(-q) : q;
}

// Laurent polynomials in t: exponent -> coefficient (exact).
using LaurentQ = std::map<int, boost::multiprecision::mpq_rational>;

// An explicit sequence (route "tangent-sequence"): every factor entry a
// Laurent polynomial in t on a block edge; the block's entry polynomials
// are multiplied out exactly and must have no negative power of t and the
// witness as constant term, so the product converges to the witness as t -> 0.
std::string check_sequence(const Block& b, idx L, const json& seq, const std::map<Cell, std::string>& target) {
  using Q = boost::multiprecision::mpq_rational;
  need(seq.is_array(), "sequence must be an array of [l, r, c, [[e, \"q\"], ...]]");
  std::set<std::array<idx, 3>> edges(b.edges.begin(), b.edges.end());
  std::map<std::array<idx, 3>, LaurentQ> x;
  for (const auto& t : seq) {
    need(t.is_array() && t.size() == 4 && t[3].is_array(), "sequence entries are [l, r, c, terms]");
    const std::array<idx, 3> e{index_of(t[0]), index_of(t[1]), index_of(t[2])};
    need(edges.count(e) == 1, "a sequence entry is not an edge of the block");
    need(x.count(e) == 0, "a sequence entry is repeated");
    LaurentQ p;
    for (const auto& term : t[3]) {
      need(term.is_array() && term.size() == 2 && term[0].is_number_integer() && term[1].is_string(),
           "a sequence term is [exponent, \"q\"]");
      // review (forged certificates): 2^64 - 1 read as long long was -1.
      need(!term[0].is_number_unsigned() || term[0].get<std::uint64_t>() <= 64, "sequence exponent out of range");
      const long long ex = term[0].get<long long>();
      need(ex >= -64 && ex <= 64, "sequence exponent out of range");
      p[static_cast<int>(ex)] += parse_q(term[1].get<std::string>());
    }
    x.emplace(e, p);
  }
  for (const auto& ij : b.entries) {
    std::map<idx, LaurentQ> cur{{ij.first, LaurentQ{{0, Q(1)}}}};
    for (idx l = 0; l < L; ++l) {
      std::map<idx, LaurentQ> next;
      for (const auto& [e, p] : x) {
        if (e[0] != l) continue;
        auto it = cur.find(e[1]);
        if (it == cur.end()) continue;
        LaurentQ& acc = next[e[2]];
        for (const auto& [ea, ca] : it->second)
          for (const auto& [eb, cb] : p) acc[ea + eb] += ca * cb;
      }
      cur = std::move(next);
    }
    const LaurentQ prod = cur.count(ij.second) ? cur.at(ij.second) : LaurentQ{};
    Q constant = 0;
    for (const auto& [e, c] : prod) {
      need(e >= 0 || c == 0, "the sequence's product has a t^" + std::to_string(e) + " term at entry (" +
                                 std::to_string(ij.first) + ", " + std::to_string(ij.second) + "): it diverges");
      if (e == 0) constant = c;
    }
    auto it = target.find(ij);
    const Q want = it == target.end() ? Q(0) : parse_q(it->second);
    need(constant == want, "the sequence's limit differs from the witness at (" + std::to_string(ij.first) + ", " +
                               std::to_string(ij.second) + ")");
  }
  t_exact_steps.push_back("closure: Laurent sequence multiplied out exactly");
  return "sequence multiplied out exactly: no negative power of t, limit = the witness";
}

// "a is not in the block's set" without a solver (issue 21): the
// certificate's cofactors g_ij satisfy sum_ij g_ij (P_ij(X) - a_ij) = 1
// identically, expanded here in exact rational polynomials over the block's
// edge variables (P_ij re-built from the block's edges, a_ij from the
// witness, 0 where it lists none). A common complex zero of the P_ij - a_ij
// would make the left side 0, so there is none, a fortiori no real one: a is
// not a product of the block (Hilbert's Nullstellensatz, the easy direction).
std::string check_nullstellensatz(const Block& b, idx L, const std::map<Cell, std::string>& target, const json& ns) {
  using wellposed::Polynomial;
  using wellposed::Rational;
  need(ns.is_object() && ns.contains("cofactors") && ns.at("cofactors").is_array(),
       "nullstellensatz: the certificate lists no cofactors");
  std::map<std::array<idx, 3>, Variable> x;
  for (const auto& e : b.edges)
    x.emplace(e, Variable::named("nz_" + std::to_string(e[0]) + "_" + std::to_string(e[1]) + "_" + std::to_string(e[2])));
  const std::set<Cell> entries(b.entries.begin(), b.entries.end());
  auto entry_poly = [&](const Cell& ij) {
    std::map<idx, Polynomial> cur{{ij.first, Polynomial(1)}};
    for (idx l = 0; l < L; ++l) {
      std::map<idx, Polynomial> next;
      for (const auto& [e, v] : x) {
        if (e[0] != l) continue;
        auto it = cur.find(e[1]);
        if (it != cur.end()) next[e[2]] += it->second * Polynomial(v);
      }
      cur = std::move(next);
    }
    Polynomial p = cur.count(ij.second) ? cur.at(ij.second) : Polynomial();
    auto it = target.find(ij);
    if (it != target.end()) p -= Polynomial(parse_q(it->second));
    return p;
  };
  Polynomial sum;
  std::set<Cell> seen;
  idx terms = 0;
  for (const auto& g : ns.at("cofactors")) {
    need(g.is_object() && g.contains("entry") && g.contains("g") && g.at("g").is_array(),
         "nullstellensatz: a cofactor is {\"entry\": [i, j], \"g\": [...]}");
    const json& en = g.at("entry");
    need(en.is_array() && en.size() == 2, "nullstellensatz: an entry is [i, j]");
    const Cell ij{index_of(en[0]), index_of(en[1])};
    need(entries.count(ij) == 1, "nullstellensatz: a cofactor's entry is not an entry of the block");
    need(seen.insert(ij).second, "nullstellensatz: an entry has two cofactors");
    Polynomial gp;
    for (const auto& t : g.at("g")) {
      need(t.is_array() && t.size() == 2 && t[0].is_string() && t[1].is_array(),
           "nullstellensatz: a term is [\"q\", [[l, r, c, e], ...]]");
      need(++terms <= 200000, "nullstellensatz: too many terms to check (size check)");
      Monomial m;
      for (const auto& pw : t[1]) {
        need(pw.is_array() && pw.size() == 4, "nullstellensatz: a power is [l, r, c, e]");
        const std::array<idx, 3> e{index_of(pw[0]), index_of(pw[1]), index_of(pw[2])};
        auto it = x.find(e);
        need(it != x.end(), "nullstellensatz: a cofactor uses a variable that is not an edge of the block");
        const idx ex = index_of(pw[3]);
        need(ex >= 1 && ex <= 64, "nullstellensatz: an exponent outside [1, 64] (exponent check)");
        m = m * Monomial(it->second, static_cast<unsigned>(ex));
      }
      gp += Polynomial(m, parse_q(t[0].get<std::string>()));
    }
    sum += gp * entry_poly(ij);
  }
  need(sum == Polynomial(1), "nullstellensatz: sum g_ij (P_ij - a_ij) is not 1 (identity check)");
  t_exact_steps.push_back("non-membership: Nullstellensatz identity expanded exactly (" + std::to_string(seen.size()) +
                          " cofactors, " + std::to_string(terms) + " terms" +
                          (ns.contains("engine") && ns.at("engine").is_string()
                               ? ", computed by " + ns.at("engine").get<std::string>()
                               : std::string()) +
                          ")");
  return "not a product (Nullstellensatz identity sum g (P - a) = 1 expanded exactly)";
}

std::string check_witness(const Block& b, idx L, const json& w, const json* sequence = nullptr,
                          const json* nullstellensatz = nullptr) {
  need(w.is_array(), "witness must be an array of [i, j, \"v\"]");
  z3::context c;
  std::map<Cell, z3::expr> a;
  std::map<Cell, std::string> text;
  for (const auto& ij : b.entries) a.emplace(ij, c.real_val(0));
  for (const auto& t : w) {
    need(t.is_array() && t.size() == 3 && t[2].is_string(), "witness entries are [i, j, \"v\"]");
    const Cell ij{index_of(t[0]), index_of(t[1])};
    need(a.count(ij) == 1, "witness entry outside the block");
    need(text.count(ij) == 0, "witness entry repeated");
    const std::string v = t[2].get<std::string>();
    // review (forged certificates): Z3's numeral reader took "1-1" and "--1"
    // (a character filter let them through): every value is read strictly
    // here and handed to Z3 in canonical form.
    a.at(ij) = num(c, parse_q(v).str());
    text[ij] = v;
  }
  std::string closure_part;
  if (sequence) closure_part = check_sequence(b, L, *sequence, text);
  // The membership query is built in every case, also where the
  // Nullstellensatz identity replaces its solver run: Z3 4.8.12's nlqsat time
  // on the closure query below depends on the terms already created in its
  // context (measured: 0.03 s after this query's terms, > 20 s without them).
  // Its terms are released (end of scope) before the closure query is built,
  // as they always were: that too changes nlqsat's time.
  std::string not_product = "not a product (z3 unsat)";
  {
    BlockQueries q(c, b, L, "cm");
    const z3::expr member = z3::exists(q.vars(), reached(c, b, L, a, q));
    if (nullstellensatz) {
      not_product = check_nullstellensatz(b, L, text, *nullstellensatz);
    } else {
      std::string why;
      const auto r = solve(c, member, false, why);
      need(r != z3::unknown, "re-deciding 'A not in the block's set': z3 unknown (" + why + ")");
      need(r == z3::unsat, "the witness IS a product (z3 sat): not a non-closedness witness");
    }
  }
  if (sequence) return "witness re-checked: " + not_product + "; " + closure_part;
  std::string why;
  const auto r = solve(c, closure(c, b, L, a, /*gauge=*/true), true, why);
  need(r != z3::unknown, "re-deciding 'A in the closure': z3 unknown (" + why + ")");
  need(r == z3::sat, "the witness is not in the closure (z3: the closure sentence is FALSE)");
  return "witness re-checked: " + not_product + ", in the closure (z3 TRUE)";
}

std::string check(const json& c, Closedness claimed, const std::vector<Support>& f) {
  const std::string kind = c.at("kind").get<std::string>();
  need(kind == "exact_closed" || kind == "exact_not_closed", "unknown exact certificate kind '" + kind + "'");
  const Closedness proves = kind == "exact_closed" ? Closedness::closed : Closedness::not_closed;
  need(proves == claimed, "a '" + kind + "' certificate proves " + std::string(to_string(proves)) +
                              ", the verdict claims " + std::string(to_string(claimed)));
  const idx L = f.size();
  need(L >= 2, "the exact route speaks about L >= 2");
  const json& red = c.at("reduction");
  // (1) complete classes.
  std::set<idx> cec;
  for (const auto& k : red.at("cec_inner")) cec.insert(index_of(k));
  std::set<Cell> S_T;
  if (!cec.empty()) {
    need(L == 2, "complete classes are for two factors");
    auto rows_of = [&](idx k) {
      std::vector<idx> r;
      for (idx i = 0; i < f[0].rows(); ++i)
        if (f[0](i, k)) r.push_back(i);
      return r;
    };
    auto cols_of = [&](idx k) {
      std::vector<idx> r;
      for (idx j = 0; j < f[1].cols(); ++j)
        if (f[1](k, j)) r.push_back(j);
      return r;
    };
    for (idx k : cec) {
      need(k < f[0].cols(), "complete-class index out of range");
      const auto R = rows_of(k), C = cols_of(k);
      idx size = 0;
      for (idx k2 : cec)
        if (rows_of(k2) == R && cols_of(k2) == C) ++size;
      need(size >= std::min(R.size(), C.size()), "inner index " + std::to_string(k) + " is not in a complete class");
      for (idx i : R)
        for (idx j : C) S_T.insert({i, j});
    }
  }
  // (2), (3) blocks.
  std::vector<Block> blocks;
  std::map<std::array<idx, 3>, idx> edge_block;
  std::map<Cell, idx> entry_block;
  for (const auto& bj : red.at("blocks")) {
    Block b;
    for (const auto& e : bj.at("edges")) {
      need(e.is_array() && e.size() == 3, "an edge is [l, r, c]");
      const std::array<idx, 3> E{index_of(e[0]), index_of(e[1]), index_of(e[2])};
      need(E[0] < L && E[1] < f[E[0]].rows() && E[2] < f[E[0]].cols() && f[E[0]](E[1], E[2]),
           "a block edge is not in the supports");
      if (L == 2) need(!cec.count(E[0] == 0 ? E[2] : E[1]), "a block edge belongs to a complete class");
      need(edge_block.emplace(E, blocks.size()).second, "an edge is in two blocks");
      b.edges.push_back(E);
    }
    for (const auto& e : bj.at("entries")) {
      need(e.is_array() && e.size() == 2, "an entry is [i, j]");
      const Cell ij{index_of(e[0]), index_of(e[1])};
      need(ij.first < f.front().rows() && ij.second < f.back().cols(), "a block entry is out of range");
      need(!S_T.count(ij), "a block entry lies in S_T");
      need(entry_block.emplace(ij, blocks.size()).second, "an entry is in two blocks");
      b.entries.push_back(ij);
    }
    blocks.push_back(std::move(b));
  }
  const auto fw = forward(f);
  const auto bw = backward(f);
  for (idx l = 0; l < L; ++l)
    for (idx a = 0; a < f[l].rows(); ++a)
      for (idx b = 0; b < f[l].cols(); ++b) {
        if (!f[l](a, b)) continue;
        if (L == 2 && cec.count(l == 0 ? b : a)) continue;  // its entries lie in S_T
        auto it = edge_block.find({l, a, b});
        for (idx i : fw[l][a])
          for (idx j : bw[l + 1][b]) {
            if (S_T.count({i, j})) continue;
            need(it != edge_block.end(), "edge (" + std::to_string(l) + ", " + std::to_string(a) + ", " +
                                              std::to_string(b) + ") occurs in entry (" + std::to_string(i) + ", " +
                                              std::to_string(j) + ") but is in no block");
            auto eb = entry_block.find({i, j});
            need(eb != entry_block.end() && eb->second == it->second,
                 "an edge occurs in an entry outside its block: the blocks are not independent");
          }
      }
  std::string out = "reduction re-verified (" + std::to_string(cec.size()) + " complete-class indices, " +
                    std::to_string(blocks.size()) + " independent blocks)";
  if (kind == "exact_not_closed") {
    const idx bi = index_of(c.at("block"));
    need(bi < blocks.size(), "block index out of range");
    const json& w = c.at("witness");
    return out + "; block " + std::to_string(bi) + ": " +
           (w.is_null() ? check_sentence(blocks[bi], L, true)
                        : check_witness(blocks[bi], L, w, c.contains("sequence") ? &c.at("sequence") : nullptr,
                                        c.contains("nullstellensatz") ? &c.at("nullstellensatz") : nullptr));
  }
  const json& by = c.at("closed_by");
  need(by.is_array() && by.size() == blocks.size(), "closed_by must name a route per block");
  for (idx bi = 0; bi < blocks.size(); ++bi) {
    const std::string route = by[bi].get<std::string>();
    if (route == "asymptotic-cone") out += "; block " + std::to_string(bi) + ": " + check_cone(blocks[bi], L);
    else if (route == "determinantal") out += "; block " + std::to_string(bi) + ": " + check_determinantal(blocks[bi], L);
    else if (route == "width-one") out += "; block " + std::to_string(bi) + ": " + check_width_one(blocks[bi], L);
    else if (route == "pinned-determinantal") {
      // Route 0c (issue 24 item 5): re-checked in checker_pinned.cpp, no solver.
      need(c.contains("pinned") && c.at("pinned").is_array() && c.at("pinned").size() == blocks.size(),
           "pinned-determinantal: the certificate needs \"pinned\", one entry per block");
      std::string msg;
      need(detail::check_pinned_determinantal(blocks[bi].edges, blocks[bi].entries, L, c.at("pinned")[bi], msg), msg);
      t_exact_steps.push_back("closed block: pinned-determinantal route re-derived (no solver)");
      out += "; block " + std::to_string(bi) + ": " + msg;
    }
    else if (route == "surjective") out += "; block " + std::to_string(bi) + ": " + check_surjective(blocks[bi], L);
    else if (route == "surjective-normal-forms") {
      need(c.contains("normal_forms") && c.at("normal_forms").is_array() && c.at("normal_forms").size() == blocks.size(),
           "surjective-normal-forms: the certificate needs \"normal_forms\", one entry per block");
      out += "; block " + std::to_string(bi) + ": " + check_normal_forms(blocks[bi], L, c.at("normal_forms")[bi]);
    }
    else if (route == "algebraic-onto") {
      need(c.contains("onto") && c.at("onto").is_array() && c.at("onto").size() == blocks.size(),
           "algebraic-onto: the certificate needs \"onto\", one entry per block");
      out += "; block " + std::to_string(bi) + ": " + check_onto(blocks[bi], L, c.at("onto")[bi]);
    }
    else if (route == "sentence") out += "; block " + std::to_string(bi) + ": " + check_sentence(blocks[bi], L, false);
    else need(false, "unknown closedness route '" + route + "'");
  }
  return out;
}

// The second solver on every recorded query, in one Node.js process: the
// queries are separated by (reset), each ends in (check-sat-using (try-for
// TACTIC ms)) with the tactic the first run used. Returns the trust the
// check earns; throws Bad when a definite answer contradicts Z3's.
Trust second_opinion(const SecondSolverOptions& o) {
  Trust t{TrustLevel::one_solver, first_solver_name(), ""};
  if (o.script.empty()) {
    t.detail = std::to_string(t_queries.size()) + " solver answers not re-decided (no second solver configured)";
    return t;
  }
  // The batch runs inside what is left of the re-check budget (a child
  // process killed at its deadline, subprocess.hpp), so a check with the
  // second solver still returns within its budget (issue 18 item 3).
  const double batch_seconds = std::min(o.seconds, seconds_left());
  if (!(batch_seconds > 0.5)) {
    t.detail = std::to_string(t_queries.size()) +
               " solver answers not re-decided (no time left in the re-check budget for the second solver)";
    return t;
  }
  const double per_query = std::max(0.5, (batch_seconds - 3.0) / static_cast<double>(t_queries.size()));
  std::string batch;
  for (const auto& q : t_queries) {
    std::string text = q.smt2;
    const auto pos = text.rfind("(check-sat)");
    need(pos != std::string::npos, "internal: a recorded query has no (check-sat)");
    text.replace(pos, 11, std::string("(check-sat-using (try-for ") + (q.quantified ? "nlqsat" : "qfnra-nlsat") + " " +
                              std::to_string(static_cast<long long>(per_query * 1000)) + "))");
    batch += text + "\n(reset)\n";
  }
  const detail::ProcessRun run = detail::run_process({o.node, o.script}, batch, batch_seconds);
  std::istringstream out(run.output);
  std::string line, version;
  std::vector<std::string> answers;
  while (std::getline(out, line)) {
    if (line.rfind("version ", 0) == 0) version = line.substr(8);
    else if (line == "sat" || line == "unsat" || line == "unknown") answers.push_back(line);
  }
  idx agreed = 0;
  for (idx k = 0; k < answers.size() && k < t_queries.size(); ++k) {
    if (answers[k] == "unknown") continue;
    need((answers[k] == "sat") == t_queries[k].sat,
         "the solvers disagree: query " + std::to_string(k + 1) + " is " + (t_queries[k].sat ? "sat" : "unsat") +
             " for " + first_solver_name() + " and " + answers[k] + " for z3-solver (npm, wasm) " + version +
             ": certificate not verified");
    ++agreed;
  }
  const std::string second = "z3-solver (npm, wasm) " + (version.empty() ? std::string("?") : version);
  if (!version.empty() && agreed == t_queries.size()) {
    t.level = TrustLevel::two_solvers;
    t.solvers = first_solver_name() + " + " + second;
    t.detail = "all " + std::to_string(agreed) + " solver answers re-decided alike by " + second;
  } else {
    t.detail = std::to_string(agreed) + " of " + std::to_string(t_queries.size()) + " solver answers confirmed by " +
               second + (run.status == detail::ProcessRun::Status::finished ? "" : " (" + run.reason + ")");
  }
  return t;
}

}  // namespace

CheckResult check_exact_certificate(const nlohmann::json& certificate, Closedness claimed,
                                    const std::vector<Support>& factors, const CertificateCheckOptions& o) {
  // Route 0d "merge" (issue 24 item 5): re-derived in checker_merge.cpp, which
  // then checks the shorter chain's own certificate.
  if (certificate.is_object() && certificate.contains("merged"))
    return detail::check_merged_certificate(certificate, claimed, factors, o);
  double budget = o.exact_query_seconds;
  if (certificate.is_object() && certificate.contains("check_seconds") && certificate["check_seconds"].is_number())
    budget = std::min(budget, std::max(0.0, certificate["check_seconds"].get<double>()));
  t_budget = budget;
  t_deadline = std::chrono::steady_clock::now() +
               std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(budget));
  t_queries.clear();
  t_want_text = !o.second_solver.script.empty();
  t_exact_steps.clear();
  try {
    CheckResult r{true, check(certificate, claimed, factors), {}};
    std::string exact;
    for (const auto& st : t_exact_steps) exact += (exact.empty() ? "" : "; ") + st;
    if (t_queries.empty()) {
      r.trust = Trust{TrustLevel::proof, "", exact.empty() ? "exact arithmetic" : exact};
    } else {
      r.trust = second_opinion(o.second_solver);
      if (!exact.empty()) r.trust.detail = exact + "; " + r.trust.detail;
      r.reason += "; " + r.trust.detail;
    }
    return r;
  } catch (const Bad& e) {
    return {false, e.what()};
  } catch (const std::exception& e) {
    return {false, std::string("malformed exact certificate: ") + e.what()};
  }
}

}  // namespace wellposed
