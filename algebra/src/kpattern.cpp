#include "wellposed/algebra/kpattern.hpp"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <sstream>
#include <stdexcept>

namespace wellposed {

namespace {
// Checked product for sizes derived from input (issue 20 B2): throws naming the pattern.
std::size_t mul(std::size_t x, std::size_t y, const KPattern& t, const char* what) {
  std::size_t r = 0;
  if (__builtin_mul_overflow(x, y, &r))
    throw std::invalid_argument("Kronecker pattern " + t.to_string() + ": " + what +
                                " does not fit in 64 bits (size overflow)");
  return r;
}

// ---- divisors of a 64-bit integer (for the identity's equivalent patterns) ----
// Deterministic Miller-Rabin (these bases suffice below 3.3e24) and Pollard-Brent
// rho, so that a size near 2^62 is factored in milliseconds, not 2^31 trial divisions.
using u64 = std::uint64_t;
__extension__ typedef unsigned __int128 u128;
u64 mulmod(u64 x, u64 y, u64 m) { return static_cast<u64>(static_cast<u128>(x) * y % m); }
u64 powmod(u64 b, u64 e, u64 m) {
  u64 r = 1;
  for (b %= m; e; e >>= 1, b = mulmod(b, b, m))
    if (e & 1) r = mulmod(r, b, m);
  return r;
}
bool is_prime(u64 n) {
  if (n < 2) return false;
  for (u64 p : {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37})
    if (n % p == 0) return n == p;
  u64 d = n - 1;
  int s = 0;
  while ((d & 1) == 0) d >>= 1, ++s;
  for (u64 a : {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37}) {
    u64 x = powmod(a, d, n);
    if (x == 1 || x == n - 1) continue;
    bool composite = true;
    for (int r = 1; r < s && composite; ++r) {
      x = mulmod(x, x, n);
      if (x == n - 1) composite = false;
    }
    if (composite) return false;
  }
  return true;
}
u64 rho(u64 n) {  // a non-trivial factor of an odd composite n
  for (u64 c = 1;; ++c) {
    auto f = [&](u64 x) { return (mulmod(x, x, n) + c) % n; };
    u64 x = 2, y = 2, g = 1;
    while (g == 1) {
      x = f(x);
      y = f(f(y));
      g = std::gcd(x > y ? x - y : y - x, n);
    }
    if (g != n) return g;
  }
}
void factor(u64 n, std::vector<u64>& primes) {
  if (n == 1) return;
  for (u64 p : {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37})
    while (n % p == 0) primes.push_back(p), n /= p;
  if (n == 1) return;
  if (is_prime(n)) {
    primes.push_back(n);
    return;
  }
  const u64 g = rho(n);
  factor(g, primes);
  factor(n / g, primes);
}
/// Every divisor of n >= 1, increasing.
std::vector<std::size_t> divisors(std::size_t n) {
  std::vector<u64> primes;
  factor(n, primes);
  std::sort(primes.begin(), primes.end());
  std::vector<std::size_t> out{1};
  for (std::size_t i = 0; i < primes.size();) {
    std::size_t j = i;
    while (j < primes.size() && primes[j] == primes[i]) ++j;
    const std::size_t k = out.size();
    u64 pw = 1;
    for (std::size_t e = i; e < j; ++e) {
      pw *= primes[i];
      for (std::size_t q = 0; q < k; ++q) out.push_back(out[q] * pw);
    }
    i = j;
  }
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

std::size_t KPattern::rows() const { return mul(mul(a, b, *this, "rows = a b d"), d, *this, "rows = a b d"); }
std::size_t KPattern::cols() const { return mul(mul(a, c, *this, "cols = a c d"), d, *this, "cols = a c d"); }
std::size_t KPattern::nnz() const {
  return mul(mul(mul(a, b, *this, "nnz = a b c d"), c, *this, "nnz = a b c d"), d, *this, "nnz = a b c d");
}

bool KPattern::contains(std::size_t i, std::size_t j) const {
  if (i >= rows() || j >= cols())
    throw std::out_of_range("Kronecker pattern " + to_string() + ": index (" + std::to_string(i) + ", " +
                            std::to_string(j) + ") out of range");
  // Row i = alpha b d + beta d + delta, column j = alpha c d + gamma d + delta (Def 6.3.1).
  return i / (b * d) == j / (c * d) && i % d == j % d;
}

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
  // a1 c1 / a2 and b2 d2 / d1 must be the same natural number q (products checked).
  const std::size_t ac = mul(t1.a, t1.c, t1, "a c"), bd = mul(t2.b, t2.d, t2, "b d");
  if (ac % t2.a != 0 || bd % t1.d != 0) return std::nullopt;
  const std::size_t q1 = ac / t2.a;
  const std::size_t q2 = bd / t1.d;
  if (q1 != q2 || q1 == 0) return std::nullopt;
  if (t2.a % t1.a != 0 || t1.d % t2.d != 0) return std::nullopt;
  return q1;
}

KPattern operator*(const KPattern& t1, const KPattern& t2) {
  if (!chainable(t1, t2))
    throw std::invalid_argument("theta1 * theta2 is defined for chainable pairs only; " + t1.to_string() +
                                ", " + t2.to_string() + " is not chainable (Def 6.3.7)");
  return {t1.a, mul(t1.b, t1.d, t1, "b d") / t2.d, mul(t2.a, t2.c, t2, "a c") / t1.a, t2.d};
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
  return {f.a, mul(f.b, f.d, f, "b d") / l.d, mul(l.a, l.c, l, "a c") / f.a, l.d};
}

std::size_t parameter_count(const KChain& chain) {
  std::size_t n = 0;
  for (const auto& t : chain)
    if (__builtin_add_overflow(n, t.nnz(), &n))
      throw std::invalid_argument((chain.size() <= 8 ? "Kronecker chain " + to_string(chain)
                                                      : "a Kronecker chain of " + std::to_string(chain.size()) + " patterns") +
                                  ": the parameter count sum_l a_l b_l c_l d_l does not fit in 64 bits");
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

std::vector<KPattern> kronecker_patterns_of(const KPattern& t) {
  t.validate();
  if (t.b != 1 || t.c != 1) return {t};
  // S_t is the identity of size n = a d: every (a', 1, 1, n / a') with a' | n, increasing a'.
  const std::size_t n = mul(t.a, t.d, t, "a d");
  std::vector<KPattern> out;
  for (auto x : divisors(n)) out.push_back({x, 1, 1, n / x});
  return out;
}

bool same_support(const KPattern& t1, const KPattern& t2) {
  if (t1 == t2) return true;
  t1.validate();
  t2.validate();
  // Different patterns share a mask only as identities (kronecker_patterns_of(KPattern)).
  return t1.b == 1 && t1.c == 1 && t2.b == 1 && t2.c == 1 && t1.rows() == t2.rows();
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
