#include "wellposed/algebra/polynomial.hpp"

#include <algorithm>
#include <mutex>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

namespace wellposed {

// --- Variable --------------------------------------------------------------

Variable Variable::named(std::string_view name) {
  if (name.empty()) throw std::invalid_argument("Variable::named: empty variable name");
  // Deliberately leaked: handles may outlive static destruction (a Variable
  // held by another static object), and unordered_set nodes never move, so
  // the pointers handed out stay valid for the life of the process.
  static std::mutex* mutex = new std::mutex;
  static auto* table = new std::unordered_set<std::string>;
  std::lock_guard<std::mutex> lock(*mutex);
  auto it = table->emplace(name).first;
  return Variable(&*it);
}

std::ostream& operator<<(std::ostream& os, const Variable& v) { return os << v.name(); }

// --- Monomial --------------------------------------------------------------

Monomial::Monomial(Variable v, unsigned exponent) {
  if (exponent > 0) {
    powers_.emplace_back(v, exponent);
    degree_ = exponent;
  }
}

unsigned Monomial::degree(const Variable& v) const {
  for (const auto& [x, e] : powers_)
    if (x == v) return e;
  return 0;
}

Monomial Monomial::operator*(const Monomial& o) const {
  // Merge of two name-sorted lists.
  Monomial r;
  r.powers_.reserve(powers_.size() + o.powers_.size());
  auto a = powers_.begin(), b = o.powers_.begin();
  while (a != powers_.end() || b != o.powers_.end()) {
    if (b == o.powers_.end() || (a != powers_.end() && a->first < b->first)) {
      r.powers_.push_back(*a++);
    } else if (a == powers_.end() || b->first < a->first) {
      r.powers_.push_back(*b++);
    } else {
      r.powers_.emplace_back(a->first, a->second + b->second);
      ++a, ++b;
    }
  }
  r.degree_ = degree_ + o.degree_;
  return r;
}

std::string Monomial::to_string() const {
  if (powers_.empty()) return "1";
  std::string s;
  for (const auto& [v, e] : powers_) {
    if (!s.empty()) s += '*';
    s += v.name();
    if (e > 1) {
      s += '^';
      s += std::to_string(e);
    }
  }
  return s;
}

std::ostream& operator<<(std::ostream& os, const Monomial& m) { return os << m.to_string(); }

bool MonomialOrder::operator()(const Monomial& a, const Monomial& b) const {
  if (a.degree() != b.degree()) return a.degree() > b.degree();
  // Same total degree: the first variable (by name) where the exponents
  // differ decides; a variable absent from one side has exponent 0 there.
  const auto& pa = a.powers();
  const auto& pb = b.powers();
  auto ia = pa.begin(), ib = pb.begin();
  for (; ia != pa.end() && ib != pb.end(); ++ia, ++ib) {
    if (ia->first != ib->first) return ia->first < ib->first;  // a has the smaller variable, b has 0 of it
    if (ia->second != ib->second) return ia->second > ib->second;
  }
  // Equal degree and one list a prefix of the other means both are equal.
  return false;
}

// --- Polynomial ------------------------------------------------------------

Polynomial::Polynomial(const Rational& c) {
  if (c != 0) terms_.emplace(Monomial(), c);
}

Polynomial::Polynomial(const Variable& v) { terms_.emplace(Monomial(v), Rational(1)); }

Polynomial::Polynomial(const Monomial& m, const Rational& c) {
  if (c != 0) terms_.emplace(m, c);
}

void Polynomial::add_term(const Monomial& m, const Rational& c) {
  if (c == 0) return;
  auto [it, inserted] = terms_.try_emplace(m, c);
  if (!inserted) {
    it->second += c;
    if (it->second == 0) terms_.erase(it);
  }
}

bool Polynomial::is_constant() const {
  return terms_.empty() || (terms_.size() == 1 && terms_.begin()->first.is_one());
}

Rational Polynomial::constant_term() const { return coefficient(Monomial()); }

Rational Polynomial::coefficient(const Monomial& m) const {
  auto it = terms_.find(m);
  return it == terms_.end() ? Rational(0) : it->second;
}

int Polynomial::degree() const {
  // Graded order: the first term has the largest total degree.
  return terms_.empty() ? -1 : static_cast<int>(terms_.begin()->first.degree());
}

unsigned Polynomial::degree(const Variable& v) const {
  unsigned d = 0;
  for (const auto& [m, c] : terms_) d = std::max(d, m.degree(v));
  return d;
}

std::set<Variable> Polynomial::variables() const {
  std::set<Variable> vs;
  for (const auto& [m, c] : terms_)
    for (const auto& [v, e] : m.powers()) vs.insert(v);
  return vs;
}

Integer Polynomial::denominator_lcm() const {
  Integer l = 1;
  for (const auto& [m, c] : terms_) l = boost::multiprecision::lcm(l, Integer(boost::multiprecision::denominator(c)));
  return l;
}

Polynomial& Polynomial::operator+=(const Polynomial& o) {
  for (const auto& [m, c] : o.terms_) add_term(m, c);
  return *this;
}

Polynomial& Polynomial::operator-=(const Polynomial& o) {
  for (const auto& [m, c] : o.terms_) add_term(m, Rational(-c));
  return *this;
}

Polynomial& Polynomial::operator*=(const Rational& c) {
  if (c == 0) {
    terms_.clear();
  } else {
    for (auto& [m, coef] : terms_) coef *= c;
  }
  return *this;
}

Polynomial& Polynomial::operator*=(const Polynomial& o) { return *this = *this * o; }

Polynomial Polynomial::operator-() const {
  Polynomial r = *this;
  for (auto& [m, c] : r.terms_) c = -c;
  return r;
}

Polynomial operator+(const Polynomial& a, const Polynomial& b) {
  Polynomial r = a;
  return r += b;
}

Polynomial operator-(const Polynomial& a, const Polynomial& b) {
  Polynomial r = a;
  return r -= b;
}

Polynomial operator*(const Polynomial& a, const Polynomial& b) {
  if (a.is_constant()) return Polynomial(b) *= a.constant_term();
  if (b.is_constant()) return Polynomial(a) *= b.constant_term();
  Polynomial r;
  for (const auto& [ma, ca] : a.terms())
    for (const auto& [mb, cb] : b.terms()) r.add_term(ma * mb, Rational(ca * cb));
  return r;
}

Polynomial Polynomial::pow(unsigned e) const {
  Polynomial result(1), base = *this;
  while (e > 0) {
    if (e & 1u) result *= base;
    e >>= 1;
    if (e > 0) base *= base;
  }
  return result;
}

namespace {
Rational rational_pow(const Rational& x, unsigned e) {
  Rational r = 1, b = x;
  while (e > 0) {
    if (e & 1u) r *= b;
    e >>= 1;
    if (e > 0) b *= b;
  }
  return r;
}
}  // namespace

Rational Polynomial::evaluate(const Assignment& point) const {
  // Check every variable first so the error names the smallest missing one,
  // whatever the term order.
  for (const Variable& v : variables())
    if (point.find(v) == point.end())
      throw std::invalid_argument("Polynomial::evaluate: no value for variable '" + v.name() + "'");
  Rational sum = 0;
  for (const auto& [m, c] : terms_) {
    Rational t = c;
    for (const auto& [v, e] : m.powers()) t *= rational_pow(point.at(v), e);
    sum += t;
  }
  return sum;
}

Polynomial Polynomial::substitute(const Assignment& values) const {
  Polynomial r;
  for (const auto& [m, c] : terms_) {
    Rational coef = c;
    Monomial rest;
    for (const auto& [v, e] : m.powers()) {
      auto it = values.find(v);
      if (it != values.end()) {
        coef *= rational_pow(it->second, e);
      } else {
        rest = rest * Monomial(v, e);
      }
    }
    r.add_term(rest, coef);
  }
  return r;
}

Polynomial Polynomial::substitute(const std::map<Variable, Polynomial>& images) const {
  Polynomial r;
  for (const auto& [m, c] : terms_) {
    Polynomial t(Monomial(), c);
    for (const auto& [v, e] : m.powers()) {
      auto it = images.find(v);
      t *= it != images.end() ? it->second.pow(e) : Polynomial(Monomial(v, e));
    }
    r += t;
  }
  return r;
}

Polynomial Polynomial::rename(const std::map<Variable, Variable>& renaming) const {
  std::map<Variable, Polynomial> images;
  for (const auto& [from, to] : renaming) images.emplace(from, Polynomial(to));
  return substitute(images);
}

std::string Polynomial::to_string() const {
  if (terms_.empty()) return "0";
  std::string s;
  bool first = true;
  for (const auto& [m, c] : terms_) {
    const bool negative = c < 0;
    const Rational a = negative ? Rational(-c) : c;
    if (first) {
      if (negative) s += '-';
    } else {
      s += negative ? " - " : " + ";
    }
    first = false;
    if (m.is_one()) {
      s += a.str();
    } else {
      if (a != 1) s += a.str() + "*";
      s += m.to_string();
    }
  }
  return s;
}

std::ostream& operator<<(std::ostream& os, const Polynomial& p) { return os << p.to_string(); }

}  // namespace wellposed
