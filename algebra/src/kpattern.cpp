#include "wellposed/algebra/kpattern.hpp"

#include <numeric>
#include <sstream>
#include <stdexcept>

namespace wellposed {

void KPattern::validate() const {
  if (a == 0 || b == 0 || c == 0 || d == 0)
    throw std::invalid_argument("Kronecker pattern " + to_string() + ": every entry must be a positive integer");
}

std::string KPattern::to_string() const {
  std::ostringstream os;
  os << "(" << a << "," << b << "," << c << "," << d << ")";
  return os.str();
}

std::optional<std::size_t> chainable(const KPattern& t1, const KPattern& t2) {
  t1.validate();
  t2.validate();
  // a1 c1 / a2 and b2 d2 / d1 must be the same natural number q.
  if ((t1.a * t1.c) % t2.a != 0 || (t2.b * t2.d) % t1.d != 0) return std::nullopt;
  const std::size_t q1 = t1.a * t1.c / t2.a;
  const std::size_t q2 = t2.b * t2.d / t1.d;
  if (q1 != q2 || q1 == 0) return std::nullopt;
  if (t2.a % t1.a != 0 || t1.d % t2.d != 0) return std::nullopt;
  return q1;
}

KPattern operator*(const KPattern& t1, const KPattern& t2) {
  if (!chainable(t1, t2))
    throw std::invalid_argument("theta1 * theta2 is defined for chainable pairs only; " + t1.to_string() +
                                ", " + t2.to_string() + " is not chainable (Def 6.3.7)");
  return {t1.a, t1.b * t1.d / t2.d, t2.a * t2.c / t1.a, t2.d};
}

bool redundant(const KPattern& t1, const KPattern& t2) {
  const auto q = chainable(t1, t2);
  if (!q)
    throw std::invalid_argument("redundancy is defined for chainable pairs only; " + t1.to_string() + ", " +
                                t2.to_string() + " is not chainable");
  return *q > std::min(t1.b, t2.c);
}

std::optional<std::vector<std::size_t>> chain_qs(const KChain& chain) {
  std::vector<std::size_t> qs;
  for (std::size_t l = 0; l + 1 < chain.size(); ++l) {
    const auto q = chainable(chain[l], chain[l + 1]);
    if (!q) return std::nullopt;
    qs.push_back(*q);
  }
  for (const auto& t : chain) t.validate();
  return qs;
}

bool is_chainable(const KChain& chain) { return !chain.empty() && chain_qs(chain).has_value(); }

bool is_redundant(const KChain& chain) {
  if (!is_chainable(chain)) return false;
  for (std::size_t l = 0; l + 1 < chain.size(); ++l)
    if (redundant(chain[l], chain[l + 1])) return true;
  return false;
}

KPattern chain_product(const KChain& chain) {
  if (chain.empty()) throw std::invalid_argument("chain_product: empty chain");
  if (!chain_qs(chain))
    throw std::invalid_argument("chain_product: " + to_string(chain) + " is not chainable (Def 6.3.10)");
  const auto& f = chain.front();
  const auto& l = chain.back();
  // Closed form (6.16); equal to the left fold of operator* by Lemma 6.3.15.
  return {f.a, f.b * f.d / l.d, l.a * l.c / f.a, l.d};
}

std::size_t parameter_count(const KChain& chain) {
  std::size_t n = 0;
  for (const auto& t : chain) n += t.nnz();
  return n;
}

KChain reduce_redundant(const KChain& chain) {
  if (!is_chainable(chain))
    throw std::invalid_argument("reduce_redundant: " + to_string(chain) + " is not chainable");
  KChain out = chain;
  // Each merge shortens the chain, so the loop ends after at most N-1 merges.
  for (bool merged = true; merged && out.size() > 1;) {
    merged = false;
    for (std::size_t l = 0; l + 1 < out.size(); ++l) {
      if (redundant(out[l], out[l + 1])) {
        out[l] = out[l] * out[l + 1];
        out.erase(out.begin() + static_cast<std::ptrdiff_t>(l) + 1);
        merged = true;
        break;
      }
    }
  }
  return out;
}

bool sizes_compatible(const KChain& chain) {
  for (std::size_t l = 0; l + 1 < chain.size(); ++l)
    if (chain[l].cols() != chain[l + 1].rows()) return false;
  return true;
}

std::vector<KPattern> kronecker_patterns_of(const Support& s) {
  std::vector<KPattern> out;
  const std::size_t m = s.rows(), n = s.cols();
  if (m == 0 || n == 0) return out;
  const std::size_t nnz = s.nnz();
  const std::size_t g = std::gcd(m, n);
  for (std::size_t a = 1; a <= g; ++a) {
    if (g % a) continue;
    const std::size_t g2 = std::gcd(m / a, n / a);
    for (std::size_t d = 1; d <= g2; ++d) {
      if (g2 % d) continue;
      const KPattern t{a, m / (a * d), n / (a * d), d};
      if (t.nnz() != nnz) continue;  // cheap filter before the exact comparison
      if (t.support() == s) out.push_back(t);
    }
  }
  return out;
}

std::optional<KPattern> recognize_kronecker(const Support& s) {
  auto all = kronecker_patterns_of(s);
  if (all.empty()) return std::nullopt;
  return all.front();
}

std::string to_string(const KChain& chain) {
  std::string s = "[";
  for (std::size_t l = 0; l < chain.size(); ++l) s += (l ? ", " : "") + chain[l].to_string();
  return s + "]";
}

}  // namespace wellposed
