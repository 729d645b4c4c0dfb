#include "wellposed/algebra/formula.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <ostream>
#include <stdexcept>
#include <utility>

namespace wellposed {

// --- relations -----------------------------------------------------------------

Relation negate(Relation r) {
  switch (r) {
    case Relation::eq: return Relation::ne;
    case Relation::ne: return Relation::eq;
    case Relation::lt: return Relation::ge;
    case Relation::le: return Relation::gt;
    case Relation::gt: return Relation::le;
    case Relation::ge: return Relation::lt;
  }
  throw std::logic_error("negate: bad Relation");
}

bool holds(Relation r, int sign) {
  switch (r) {
    case Relation::eq: return sign == 0;
    case Relation::ne: return sign != 0;
    case Relation::lt: return sign < 0;
    case Relation::le: return sign <= 0;
    case Relation::gt: return sign > 0;
    case Relation::ge: return sign >= 0;
  }
  throw std::logic_error("holds: bad Relation");
}

std::string to_string(Relation r) {
  switch (r) {
    case Relation::eq: return "=";
    case Relation::ne: return "!=";
    case Relation::lt: return "<";
    case Relation::le: return "<=";
    case Relation::gt: return ">";
    case Relation::ge: return ">=";
  }
  throw std::logic_error("to_string: bad Relation");
}

// --- nodes and builders ----------------------------------------------------------

struct Formula::Node {
  Kind kind = Kind::truth;
  Polynomial poly;
  Relation rel = Relation::eq;
  std::vector<Formula> children;
  std::vector<Variable> bound;
};

namespace {
int sign_of(const Rational& r) { return r < 0 ? -1 : (r > 0 ? 1 : 0); }
}  // namespace

Formula::Formula() : Formula(truth()) {}

Formula Formula::truth() {
  static const auto node = std::make_shared<const Node>(Node{Kind::truth, {}, Relation::eq, {}, {}});
  return Formula(node);
}

Formula Formula::falsity() {
  static const auto node = std::make_shared<const Node>(Node{Kind::falsity, {}, Relation::eq, {}, {}});
  return Formula(node);
}

Formula Formula::atom(Polynomial p, Relation r) {
  if (p.is_constant()) return holds(r, sign_of(p.constant_term())) ? truth() : falsity();
  return Formula(std::make_shared<const Node>(Node{Kind::atom, std::move(p), r, {}, {}}));
}

Formula Formula::negation(const Formula& f) {
  switch (f.kind()) {
    case Kind::truth: return falsity();
    case Kind::falsity: return truth();
    case Kind::negation: return f.body();
    case Kind::atom: return atom(f.polynomial(), wellposed::negate(f.relation()));
    default: return Formula(std::make_shared<const Node>(Node{Kind::negation, {}, Relation::eq, {f}, {}}));
  }
}

namespace {
// Shared by conjunction (absorbing = falsity, neutral = truth) and disjunction.
template <class Make>
Formula junction(Formula::Kind kind, Formula::Kind neutral, Formula::Kind absorbing,
                 const std::vector<Formula>& operands, Make make) {
  std::vector<Formula> flat;
  for (const Formula& f : operands) {
    if (f.kind() == absorbing) return f;
    if (f.kind() == neutral) continue;
    if (f.kind() == kind) {
      flat.insert(flat.end(), f.children().begin(), f.children().end());
    } else {
      flat.push_back(f);
    }
  }
  if (flat.empty()) return neutral == Formula::Kind::truth ? Formula::truth() : Formula::falsity();
  if (flat.size() == 1) return flat.front();
  return make(std::move(flat));
}
}  // namespace

Formula Formula::conjunction(const std::vector<Formula>& operands) {
  return junction(Kind::conjunction, Kind::truth, Kind::falsity, operands, [](std::vector<Formula> c) {
    return Formula(std::make_shared<const Node>(Node{Kind::conjunction, {}, Relation::eq, std::move(c), {}}));
  });
}

Formula Formula::disjunction(const std::vector<Formula>& operands) {
  return junction(Kind::disjunction, Kind::falsity, Kind::truth, operands, [](std::vector<Formula> c) {
    return Formula(std::make_shared<const Node>(Node{Kind::disjunction, {}, Relation::eq, std::move(c), {}}));
  });
}

Formula Formula::quantifier(Kind k, const std::vector<Variable>& vars, const Formula& body) {
  std::vector<Variable> unique;
  for (const Variable& v : vars)
    if (std::find(unique.begin(), unique.end(), v) == unique.end()) unique.push_back(v);
  // The reals are non-empty, so Q x. true == true and Q x. false == false.
  if (unique.empty() || body.kind() == Kind::truth || body.kind() == Kind::falsity) return body;
  return Formula(std::make_shared<const Node>(Node{k, {}, Relation::eq, {body}, std::move(unique)}));
}

Formula Formula::exists(const std::vector<Variable>& vars, const Formula& body) {
  return quantifier(Kind::exists, vars, body);
}

Formula Formula::forall(const std::vector<Variable>& vars, const Formula& body) {
  return quantifier(Kind::forall, vars, body);
}

// --- structure ---------------------------------------------------------------------

Formula::Kind Formula::kind() const { return node_->kind; }

const Polynomial& Formula::polynomial() const {
  if (kind() != Kind::atom) throw std::logic_error("Formula::polynomial: not an atom");
  return node_->poly;
}

Relation Formula::relation() const {
  if (kind() != Kind::atom) throw std::logic_error("Formula::relation: not an atom");
  return node_->rel;
}

const std::vector<Formula>& Formula::children() const { return node_->children; }
const std::vector<Variable>& Formula::bound_variables() const { return node_->bound; }

const Formula& Formula::body() const {
  if (node_->children.size() != 1 ||
      !(kind() == Kind::negation || kind() == Kind::exists || kind() == Kind::forall))
    throw std::logic_error("Formula::body: not a negation or quantifier");
  return node_->children.front();
}

namespace {
void collect_free(const Formula& f, std::multiset<Variable>& bound, std::set<Variable>& out) {
  switch (f.kind()) {
    case Formula::Kind::atom:
      for (const Variable& v : f.polynomial().variables())
        if (!bound.count(v)) out.insert(v);
      return;
    case Formula::Kind::exists:
    case Formula::Kind::forall: {
      for (const Variable& v : f.bound_variables()) bound.insert(v);
      collect_free(f.body(), bound, out);
      for (const Variable& v : f.bound_variables()) bound.erase(bound.find(v));
      return;
    }
    default:
      for (const Formula& c : f.children()) collect_free(c, bound, out);
  }
}

void collect_all(const Formula& f, std::set<Variable>& out) {
  if (f.kind() == Formula::Kind::atom) {
    for (const Variable& v : f.polynomial().variables()) out.insert(v);
    return;
  }
  for (const Variable& v : f.bound_variables()) out.insert(v);
  for (const Formula& c : f.children()) collect_all(c, out);
}
}  // namespace

std::set<Variable> Formula::free_variables() const {
  std::multiset<Variable> bound;
  std::set<Variable> out;
  collect_free(*this, bound, out);
  return out;
}

std::set<Variable> Formula::all_variables() const {
  std::set<Variable> out;
  collect_all(*this, out);
  return out;
}

bool Formula::is_quantifier_free() const {
  if (kind() == Kind::exists || kind() == Kind::forall) return false;
  return std::all_of(children().begin(), children().end(), [](const Formula& c) { return c.is_quantifier_free(); });
}

std::size_t Formula::size() const {
  std::size_t n = 1;
  for (const Formula& c : children()) n += c.size();
  return n;
}

// --- semantics -----------------------------------------------------------------------

namespace {
bool eval_qf(const Formula& f, const Assignment& point) {
  switch (f.kind()) {
    case Formula::Kind::truth: return true;
    case Formula::Kind::falsity: return false;
    case Formula::Kind::atom: return holds(f.relation(), sign_of(f.polynomial().evaluate(point)));
    case Formula::Kind::negation: return !eval_qf(f.body(), point);
    case Formula::Kind::conjunction:
      return std::all_of(f.children().begin(), f.children().end(), [&](const Formula& c) { return eval_qf(c, point); });
    case Formula::Kind::disjunction:
      return std::any_of(f.children().begin(), f.children().end(), [&](const Formula& c) { return eval_qf(c, point); });
    default: throw std::logic_error("Formula::evaluate: the formula has a quantifier");
  }
}
}  // namespace

bool Formula::evaluate(const Assignment& point) const {
  if (!is_quantifier_free()) throw std::logic_error("Formula::evaluate: the formula has a quantifier");
  // Name the missing variable up front, so the error does not depend on
  // which branch short-circuit evaluation happens to reach.
  for (const Variable& v : free_variables())
    if (point.find(v) == point.end())
      throw std::invalid_argument("Formula::evaluate: no value for variable '" + v.name() + "'");
  return eval_qf(*this, point);
}

namespace {
Formula rebuild(const Formula& f, std::vector<Formula> children) {
  switch (f.kind()) {
    case Formula::Kind::negation: return Formula::negation(children.front());
    case Formula::Kind::conjunction: return Formula::conjunction(children);
    case Formula::Kind::disjunction: return Formula::disjunction(children);
    case Formula::Kind::exists: return Formula::exists(f.bound_variables(), children.front());
    case Formula::Kind::forall: return Formula::forall(f.bound_variables(), children.front());
    default: return f;
  }
}

Formula substitute_impl(const Formula& f, const Assignment& values) {
  if (values.empty()) return f;
  if (f.kind() == Formula::Kind::atom) return Formula::atom(f.polynomial().substitute(values), f.relation());
  if (f.kind() == Formula::Kind::exists || f.kind() == Formula::Kind::forall) {
    Assignment inner = values;
    for (const Variable& v : f.bound_variables()) inner.erase(v);  // shadowed
    return rebuild(f, {substitute_impl(f.body(), inner)});
  }
  std::vector<Formula> cs;
  for (const Formula& c : f.children()) cs.push_back(substitute_impl(c, values));
  return rebuild(f, std::move(cs));
}

Formula nnf(const Formula& f, bool positive) {
  using K = Formula::Kind;
  switch (f.kind()) {
    case K::truth:
    case K::falsity:
    case K::atom: return positive ? f : Formula::negation(f);
    case K::negation: return nnf(f.body(), !positive);
    case K::conjunction:
    case K::disjunction: {
      std::vector<Formula> cs;
      for (const Formula& c : f.children()) cs.push_back(nnf(c, positive));
      const bool conj = (f.kind() == K::conjunction) == positive;
      return conj ? Formula::conjunction(cs) : Formula::disjunction(cs);
    }
    case K::exists:
    case K::forall: {
      const bool ex = (f.kind() == K::exists) == positive;
      Formula b = nnf(f.body(), positive);
      return ex ? Formula::exists(f.bound_variables(), b) : Formula::forall(f.bound_variables(), b);
    }
  }
  throw std::logic_error("nnf: bad Kind");
}
}  // namespace

Formula Formula::substitute(const Assignment& values) const { return substitute_impl(*this, values); }

Formula Formula::negation_normal_form() const { return nnf(*this, true); }

bool Formula::operator==(const Formula& o) const {
  if (node_ == o.node_) return true;
  if (kind() != o.kind()) return false;
  if (kind() == Kind::atom) return node_->rel == o.node_->rel && node_->poly == o.node_->poly;
  return node_->bound == o.node_->bound && node_->children == o.node_->children;
}

std::string Formula::to_string() const {
  switch (kind()) {
    case Kind::truth: return "true";
    case Kind::falsity: return "false";
    case Kind::atom: return polynomial().to_string() + " " + wellposed::to_string(relation()) + " 0";
    case Kind::negation: return "not (" + body().to_string() + ")";
    case Kind::conjunction:
    case Kind::disjunction: {
      std::string s = "(";
      for (std::size_t i = 0; i < children().size(); ++i) {
        if (i) s += kind() == Kind::conjunction ? " and " : " or ";
        s += children()[i].to_string();
      }
      return s + ")";
    }
    case Kind::exists:
    case Kind::forall: {
      std::string s = kind() == Kind::exists ? "exists " : "forall ";
      for (std::size_t i = 0; i < bound_variables().size(); ++i) s += (i ? ", " : "") + bound_variables()[i].name();
      return s + ": (" + body().to_string() + ")";
    }
  }
  throw std::logic_error("Formula::to_string: bad Kind");
}

std::ostream& operator<<(std::ostream& os, const Formula& f) { return os << f.to_string(); }

Formula eq(const Polynomial& lhs, const Polynomial& rhs) { return Formula::atom(lhs - rhs, Relation::eq); }
Formula ne(const Polynomial& lhs, const Polynomial& rhs) { return Formula::atom(lhs - rhs, Relation::ne); }
Formula lt(const Polynomial& lhs, const Polynomial& rhs) { return Formula::atom(lhs - rhs, Relation::lt); }
Formula le(const Polynomial& lhs, const Polynomial& rhs) { return Formula::atom(lhs - rhs, Relation::le); }
Formula gt(const Polynomial& lhs, const Polynomial& rhs) { return Formula::atom(lhs - rhs, Relation::gt); }
Formula ge(const Polynomial& lhs, const Polynomial& rhs) { return Formula::atom(lhs - rhs, Relation::ge); }

Formula operator&&(const Formula& a, const Formula& b) { return Formula::conjunction({a, b}); }
Formula operator||(const Formula& a, const Formula& b) { return Formula::disjunction({a, b}); }
Formula operator!(const Formula& a) { return Formula::negation(a); }
Formula implies(const Formula& a, const Formula& b) { return !a || b; }
Formula iff(const Formula& a, const Formula& b) { return implies(a, b) && implies(b, a); }

// --- prenex form -----------------------------------------------------------------------

Formula PrenexForm::to_formula() const {
  Formula f = matrix;
  for (auto it = prefix.rbegin(); it != prefix.rend(); ++it)
    f = it->first == Quantifier::exists ? Formula::exists({it->second}, f) : Formula::forall({it->second}, f);
  return f;
}

namespace {
class PrenexBuilder {
 public:
  explicit PrenexBuilder(const Formula& f) : free_(f.free_variables()) {
    for (const Variable& v : f.all_variables()) used_.insert(v.name());
  }

  // f is in NNF (no negation nodes). Appends f's quantifiers to `prefix` and
  // returns its matrix. Pulling a quantifier over a sibling is sound because
  // every bound variable gets a name used nowhere else.
  Formula pull(const Formula& f, const std::map<Variable, Variable>& env,
               std::vector<std::pair<Quantifier, Variable>>& prefix) {
    using K = Formula::Kind;
    switch (f.kind()) {
      case K::truth:
      case K::falsity: return f;
      case K::atom: return Formula::atom(env.empty() ? f.polynomial() : f.polynomial().rename(env), f.relation());
      case K::conjunction:
      case K::disjunction: {
        std::vector<Formula> cs;
        for (const Formula& c : f.children()) cs.push_back(pull(c, env, prefix));
        return f.kind() == K::conjunction ? Formula::conjunction(cs) : Formula::disjunction(cs);
      }
      case K::exists:
      case K::forall: {
        std::map<Variable, Variable> inner = env;
        for (const Variable& v : f.bound_variables()) {
          Variable w = v;
          if (free_.count(v) || taken_.count(v)) w = fresh(v);
          taken_.insert(w);
          inner.erase(v);
          if (w != v) inner.emplace(v, w);
          prefix.emplace_back(f.kind() == K::exists ? Quantifier::exists : Quantifier::forall, w);
        }
        return pull(f.body(), inner, prefix);
      }
      case K::negation: break;
    }
    throw std::logic_error("to_prenex: negation left after negation normal form");
  }

 private:
  Variable fresh(const Variable& v) {
    for (std::size_t k = 1;; ++k) {
      std::string name = v.name() + "_" + std::to_string(k);
      if (used_.insert(name).second) return Variable::named(name);
    }
  }
  std::set<Variable> free_;
  std::set<Variable> taken_;      // bound variables already placed in the prefix
  std::set<std::string> used_;    // every name in the formula or created here
};
}  // namespace

PrenexForm to_prenex(const Formula& f) {
  PrenexBuilder builder(f);
  PrenexForm p;
  p.matrix = builder.pull(f.negation_normal_form(), {}, p.prefix);
  return p;
}

// --- SMT-LIB2 ----------------------------------------------------------------------------

namespace {
bool is_reserved_smt(const std::string& s) {
  static const std::set<std::string> reserved = {
      "and", "or", "not", "xor", "ite", "distinct", "true", "false", "exists", "forall", "let", "par", "as",
      "match", "assert", "Real", "Int", "Bool", "abs", "div", "mod", "to_real", "to_int", "is_int", "NUMERAL",
      "DECIMAL", "STRING", "BINARY", "HEXADECIMAL", "root-obj", "pi", "euler", "e", "sin", "cos", "exp",
      "power", "select", "store"};
  return reserved.count(s) > 0;
}

bool is_simple_smt(const std::string& s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
  });
}

class SmtNames {
 public:
  explicit SmtNames(const Formula& f) {
    std::set<std::string> taken;
    for (const Variable& v : f.all_variables()) {  // sorted by name: deterministic
      std::string base;
      if (is_simple_smt(v.name()) && !is_reserved_smt(v.name())) {
        base = v.name();
      } else {
        std::string inner = v.name();
        for (char& c : inner)
          if (c == '|' || c == '\\') c = '_';
        base = "|" + inner + "|";
      }
      std::string name = base;
      for (std::size_t k = 1; !taken.insert(name).second; ++k) {
        name = base.back() == '|' ? base.substr(0, base.size() - 1) + "_" + std::to_string(k) + "|"
                                  : base + "_" + std::to_string(k);
      }
      names_.emplace(v, name);
    }
  }
  const std::string& operator()(const Variable& v) const { return names_.at(v); }

 private:
  std::map<Variable, std::string> names_;
};

std::string smt_rational(const Rational& r) {
  const bool negative = r < 0;
  const Rational a = negative ? Rational(-r) : r;
  const Integer num = boost::multiprecision::numerator(a), den = boost::multiprecision::denominator(a);
  std::string s = den == 1 ? num.str() : "(/ " + num.str() + " " + den.str() + ")";
  return negative ? "(- " + s + ")" : s;
}

std::string smt_polynomial(const Polynomial& p, const SmtNames& names) {
  if (p.is_zero()) return "0";
  std::vector<std::string> terms;
  for (const auto& [m, c] : p.terms()) {
    std::vector<std::string> factors;
    for (const auto& [v, e] : m.powers())
      for (unsigned k = 0; k < e; ++k) factors.push_back(names(v));
    if (factors.empty()) {
      terms.push_back(smt_rational(c));
      continue;
    }
    std::string mono = factors.size() == 1 ? factors.front() : "(*";
    if (factors.size() > 1) {
      for (const auto& x : factors) mono += " " + x;
      mono += ")";
    }
    if (c == 1) {
      terms.push_back(mono);
    } else if (c == -1) {
      terms.push_back("(- " + mono + ")");
    } else {
      std::string t = "(* " + smt_rational(c);
      for (const auto& x : factors) t += " " + x;
      terms.push_back(t + ")");
    }
  }
  if (terms.size() == 1) return terms.front();
  std::string s = "(+";
  for (const auto& t : terms) s += " " + t;
  return s + ")";
}

std::string smt_term(const Formula& f, const SmtNames& names) {
  using K = Formula::Kind;
  switch (f.kind()) {
    case K::truth: return "true";
    case K::falsity: return "false";
    case K::atom: {
      const std::string p = smt_polynomial(f.polynomial(), names);
      switch (f.relation()) {
        case Relation::eq: return "(= " + p + " 0)";
        case Relation::ne: return "(not (= " + p + " 0))";
        case Relation::lt: return "(< " + p + " 0)";
        case Relation::le: return "(<= " + p + " 0)";
        case Relation::gt: return "(> " + p + " 0)";
        case Relation::ge: return "(>= " + p + " 0)";
      }
      break;
    }
    case K::negation: return "(not " + smt_term(f.body(), names) + ")";
    case K::conjunction:
    case K::disjunction: {
      std::string s = f.kind() == K::conjunction ? "(and" : "(or";
      for (const Formula& c : f.children()) s += " " + smt_term(c, names);
      return s + ")";
    }
    case K::exists:
    case K::forall: {
      std::string s = f.kind() == K::exists ? "(exists (" : "(forall (";
      for (std::size_t i = 0; i < f.bound_variables().size(); ++i)
        s += (i ? " (" : "(") + names(f.bound_variables()[i]) + " Real)";
      return s + ") " + smt_term(f.body(), names) + ")";
    }
  }
  throw std::logic_error("to_smtlib2: bad Kind");
}
}  // namespace

std::string smtlib2_term(const Formula& f) { return smt_term(f, SmtNames(f)); }

std::string to_smtlib2(const Formula& f, const SmtLib2Options& options) {
  const SmtNames names(f);
  const std::set<Variable> free = f.free_variables();
  std::string s;
  if (!options.comment.empty()) {
    std::string line;
    for (char c : options.comment + "\n") {
      if (c == '\n') {
        s += "; " + line + "\n";
        line.clear();
      } else {
        line += c;
      }
    }
  }
  if (options.set_logic && free.empty()) s += "(set-logic NRA)\n";
  for (const Variable& v : free) s += "(declare-const " + names(v) + " Real)\n";
  s += "(assert " + smt_term(f, names) + ")\n";
  if (options.check_sat) s += "(check-sat)\n";
  return s;
}

// --- QEPCAD B --------------------------------------------------------------------------

namespace {
std::string qepcad_polynomial(const Polynomial& p, const std::map<Variable, std::string>& names) {
  // Integer coefficients: scale by the positive LCM of the denominators.
  const Polynomial q = p * Rational(p.denominator_lcm());
  if (q.is_zero()) return "0";
  std::string s;
  bool first = true;
  for (const auto& [m, c] : q.terms()) {
    const bool negative = c < 0;
    const Rational a = negative ? Rational(-c) : c;
    s += first ? (negative ? "-" : "") : (negative ? " - " : " + ");
    first = false;
    std::string mono;
    for (const auto& [v, e] : m.powers()) {
      if (!mono.empty()) mono += ' ';
      mono += names.at(v);
      if (e > 1) {
        mono += '^';
        mono += std::to_string(e);
      }
    }
    if (mono.empty()) {
      s += a.str();
    } else {
      s += (a == 1 ? "" : a.str() + " ") + mono;
    }
  }
  return s;
}

std::string qepcad_formula(const Formula& f, const std::map<Variable, std::string>& names) {
  using K = Formula::Kind;
  switch (f.kind()) {
    case K::truth: return "0 = 0";
    case K::falsity: return "1 = 0";
    case K::atom: {
      static const std::map<Relation, std::string> rel = {{Relation::eq, "="},  {Relation::ne, "/="},
                                                          {Relation::lt, "<"},  {Relation::le, "<="},
                                                          {Relation::gt, ">"},  {Relation::ge, ">="}};
      return qepcad_polynomial(f.polynomial(), names) + " " + rel.at(f.relation()) + " 0";
    }
    case K::conjunction:
    case K::disjunction: {
      std::string s = "[ ";
      for (std::size_t i = 0; i < f.children().size(); ++i) {
        if (i) s += f.kind() == K::conjunction ? " /\\ " : " \\/ ";
        s += qepcad_formula(f.children()[i], names);
      }
      return s + " ]";
    }
    default: break;
  }
  throw std::logic_error("to_qepcad: the prenex matrix is not quantifier-free and negation-free");
}

std::string qepcad_base_name(const std::string& name) {
  std::string s;
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c))) s += c;
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) s = "v" + s;
  // Single capital letters read like QEPCAD's quantifier keywords (E, A, F, G, C, X).
  if (s.size() == 1 && std::isupper(static_cast<unsigned char>(s[0]))) s += "v";
  return s;
}
}  // namespace

std::string to_qepcad(const Formula& f, const QepcadOptions& options) {
  const PrenexForm p = to_prenex(f);
  std::vector<Variable> order;
  for (const Variable& v : f.free_variables()) order.push_back(v);
  const std::size_t num_free = order.size();
  for (const auto& [q, v] : p.prefix) order.push_back(v);

  std::map<Variable, std::string> names;
  std::set<std::string> taken;
  std::string mapping;
  for (const Variable& v : order) {
    const std::string base = qepcad_base_name(v.name());
    std::string name = base;
    for (std::size_t k = 1; !taken.insert(name).second; ++k) name = base + "q" + std::to_string(k);
    names.emplace(v, name);
    if (name != v.name()) mapping += (mapping.empty() ? "" : ", ") + name + " = " + v.name();
  }

  std::string description = options.description;
  if (!mapping.empty()) description += (description.empty() ? "" : "; ") + std::string("names: ") + mapping;
  std::erase_if(description, [](char c) { return c == '[' || c == ']' || c == '\n'; });

  std::string vars, prefix;
  for (const Variable& v : order) vars += (vars.empty() ? "" : ",") + names.at(v);
  for (const auto& [q, v] : p.prefix) prefix += (q == Quantifier::exists ? "(E " : "(A ") + names.at(v) + ")";
  if (order.empty()) {  // QEPCAD needs at least one variable.
    vars = "x";
    prefix = "(E x)";
  }
  std::string matrix = qepcad_formula(p.matrix, names);
  if (matrix.front() != '[') matrix = "[ " + matrix + " ]";

  std::string s = "[ " + description + " ]\n(" + vars + ")\n" + std::to_string(num_free) + "\n" + prefix + matrix + ".\n";
  if (options.finish) s += "finish\n";
  return s;
}

}  // namespace wellposed
