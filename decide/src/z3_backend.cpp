#include "wellposed/decide/detail/z3_backend.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <z3++.h>

namespace wellposed {

std::string to_string(SolverAnswer a) {
  switch (a) {
    case SolverAnswer::sat: return "sat";
    case SolverAnswer::unsat: return "unsat";
    case SolverAnswer::unknown: return "unknown";
  }
  return "unknown";
}

std::string to_string(Z3Tactic t) {
  switch (t) {
    case Z3Tactic::automatic: return "automatic";
    case Z3Tactic::nlsat: return "qfnra-nlsat";
    case Z3Tactic::nlqsat: return "nlqsat";
    case Z3Tactic::qsat: return "qsat";
    case Z3Tactic::qe: return "qe;qfnra-nlsat";
    case Z3Tactic::smt: return "smt";
  }
  return "automatic";
}

namespace {

// The tactic `automatic` uses for a quantified query (a caller wanting
// another passes it to z3_check; no process-wide switch, issue 18 item 4).
constexpr Z3Tactic kQuantifiedTactic = Z3Tactic::nlqsat;

class Translator {
 public:
  explicit Translator(z3::context& c) : c_(c) {}

  z3::expr var(const Variable& v) {
    auto it = vars_.find(v);
    if (it != vars_.end()) return it->second;
    z3::expr e = c_.real_const(v.name().c_str());
    vars_.emplace(v, e);
    return e;
  }

  z3::expr number(const Rational& q) {
    const std::string s = q.str();  // "p" or "p/q", exact
    return c_.real_val(s.c_str());
  }

  z3::expr poly(const Polynomial& p) {
    if (p.is_zero()) return c_.real_val(0);
    z3::expr_vector sum(c_);
    for (const auto& [m, coef] : p.terms()) {
      z3::expr_vector prod(c_);
      if (coef != 1 || m.is_one()) prod.push_back(number(coef));
      for (const auto& [v, e] : m.powers())
        for (unsigned k = 0; k < e; ++k) prod.push_back(var(v));
      sum.push_back(prod.size() == 1 ? prod[0] : product(prod));
    }
    return sum.size() == 1 ? sum[0] : z3::sum(sum);
  }

  z3::expr formula(const Formula& f) {
    using K = Formula::Kind;
    switch (f.kind()) {
      case K::truth: return c_.bool_val(true);
      case K::falsity: return c_.bool_val(false);
      case K::atom: {
        const z3::expr p = poly(f.polynomial());
        const z3::expr z = c_.real_val(0);
        switch (f.relation()) {
          case Relation::eq: return p == z;
          case Relation::ne: return p != z;
          case Relation::lt: return p < z;
          case Relation::le: return p <= z;
          case Relation::gt: return p > z;
          case Relation::ge: return p >= z;
        }
        throw std::logic_error("z3 backend: bad relation");
      }
      case K::negation: return !formula(f.body());
      case K::conjunction:
      case K::disjunction: {
        z3::expr_vector ops(c_);
        for (const auto& ch : f.children()) ops.push_back(formula(ch));
        return f.kind() == K::conjunction ? z3::mk_and(ops) : z3::mk_or(ops);
      }
      case K::exists:
      case K::forall: {
        z3::expr_vector bound(c_);
        for (const auto& v : f.bound_variables()) bound.push_back(var(v));
        const z3::expr body = formula(f.body());
        return f.kind() == K::exists ? z3::exists(bound, body) : z3::forall(bound, body);
      }
    }
    throw std::logic_error("z3 backend: bad formula kind");
  }

  const std::map<Variable, z3::expr>& variables() const { return vars_; }

 private:
  static z3::expr product(const z3::expr_vector& v) {
    z3::expr r = v[0];
    for (unsigned i = 1; i < v.size(); ++i) r = r * v[i];
    return r;
  }
  z3::context& c_;
  std::map<Variable, z3::expr> vars_;
};

// Interrupts the context at the deadline unless stopped first: Z3's own
// timeout is not honoured by every tactic (nlsat checks it between steps).
class Watchdog {
 public:
  Watchdog(z3::context& c, double seconds) : c_(c) {
    t_ = std::thread([this, seconds] {
      std::unique_lock lock(m_);
      if (!cv_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return stop_; })) {
        fired_ = true;
        c_.interrupt();
      }
    });
  }
  ~Watchdog() {
    {
      std::lock_guard lock(m_);
      stop_ = true;
    }
    cv_.notify_all();
    t_.join();
  }
  bool fired() {
    std::lock_guard lock(m_);
    return fired_;
  }

 private:
  z3::context& c_;
  std::mutex m_;
  std::condition_variable cv_;
  bool stop_ = false, fired_ = false;
  std::thread t_;
};

// Z3 installs its own SIGINT handler around every check unless the solver's
// "ctrl_c" parameter is false, and restores the previous one afterwards. With
// checks in several threads at once (the Python package runs them on pool
// threads; routes race) the save/restore pairs interleave and can leave Z3's
// handler installed after its check has gone: the next Ctrl-C then crashes the
// process instead of reaching the program's own handler (Python's
// KeyboardInterrupt, the CLI's exit). A library must not take SIGINT; budgets
// and interrupts go through the watchdog (Z3_interrupt) instead.
void without_ctrl_c(z3::context& c, z3::solver& s) {
  z3::params p(c);
  p.set("ctrl_c", false);
  s.set(p);
}

void set_memory(std::size_t mib) {
  static std::mutex m;
  static std::size_t current = 0;
  if (mib == 0) return;
  std::lock_guard lock(m);
  if (mib == current) return;
  z3::set_param("memory_max_size", std::to_string(mib).c_str());
  current = mib;
}

bool has_quantifier(const Formula& f) { return !f.is_quantifier_free(); }

}  // namespace


Z3Result z3_check(const Formula& input, const Z3Budget& budget, Z3Tactic tactic) {
  Z3Result out;
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  if (budget.seconds <= 0) {
    out.reason = "no time left in the budget";
    return out;
  }
  // The leading existential block becomes free constants, so that the model
  // names them (the witness A of Lemma 3.2.16, the factors of a membership).
  Formula f = input;
  std::vector<Variable> leading;
  while (f.kind() == Formula::Kind::exists) {
    for (const auto& v : f.bound_variables()) leading.push_back(v);
    f = f.body();
  }
  for (const auto& v : f.free_variables()) leading.push_back(v);

  const bool quantified = has_quantifier(f);
  if (tactic == Z3Tactic::automatic) tactic = quantified ? kQuantifiedTactic : Z3Tactic::nlsat;
  if (tactic == Z3Tactic::nlsat && quantified) tactic = kQuantifiedTactic;
  out.tactic = to_string(tactic);
  set_memory(budget.memory_mib);

  try {
    z3::context c;
    Translator tr(c);
    for (const auto& v : leading) tr.var(v);
    const z3::expr e = tr.formula(f);
    const unsigned ms = static_cast<unsigned>(std::min(budget.seconds * 1000.0, 4.0e9));
    z3::solver s(c);
    if (tactic == Z3Tactic::smt) {
      s = z3::solver(c, quantified ? "NRA" : "QF_NRA");
      z3::params p(c);
      p.set("timeout", ms);
      s.set(p);
    } else {
      z3::tactic t(c, "skip");
      switch (tactic) {
        case Z3Tactic::nlsat: t = z3::tactic(c, "qfnra-nlsat"); break;
        case Z3Tactic::nlqsat: t = z3::tactic(c, "nlqsat"); break;
        case Z3Tactic::qsat: t = z3::tactic(c, "qsat"); break;
        case Z3Tactic::qe: t = z3::tactic(c, "qe") & z3::tactic(c, "qfnra-nlsat"); break;
        default: break;
      }
      s = z3::try_for(t, ms).mk_solver();
    }
    without_ctrl_c(c, s);
    s.add(e);
    z3::check_result r;
    {
      Watchdog dog(c, budget.seconds);
      try {
        r = s.check();
      } catch (const z3::exception& ex) {
        out.reason = std::string(dog.fired() ? "timeout (interrupted): " : "z3 error: ") + ex.msg();
        out.seconds = elapsed();
        return out;
      }
      if (dog.fired() && r == z3::unknown) {
        out.reason = "timeout (the query's time budget was spent)";
        out.seconds = elapsed();
        return out;
      }
    }
    if (r == z3::unsat) {
      out.answer = SolverAnswer::unsat;
    } else if (r == z3::unknown) {
      out.reason = s.reason_unknown();
      if (out.reason.empty()) out.reason = "z3 returned unknown";
    } else {
      out.answer = SolverAnswer::sat;
      z3::model m = s.get_model();
      for (const auto& v : leading) {
        const z3::expr val = m.eval(tr.var(v), true);
        if (val.is_numeral() && !val.is_algebraic()) {
          out.model[v] = Rational(std::string(Z3_get_numeral_string(c, val)));
        } else if (val.is_algebraic()) {
          out.irrational[v] = val.get_decimal_string(20);
        } else {
          out.irrational[v] = val.to_string();
        }
      }
    }
  } catch (const z3::exception& ex) {
    out.answer = SolverAnswer::unknown;
    out.reason = std::string("z3 error: ") + ex.msg();
  }
  out.seconds = elapsed();
  return out;
}

}  // namespace wellposed
