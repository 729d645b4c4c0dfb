#pragma once
// Seeded generators of Kronecker patterns shared by the algebra tests.
#include <random>
#include <vector>

#include <wellposed/algebra/kpattern.hpp>

namespace wellposed::testing {

inline std::size_t uniform(std::mt19937_64& g, std::size_t lo, std::size_t hi) {
  return lo + static_cast<std::size_t>(g() % (hi - lo + 1));
}

inline std::vector<std::size_t> divisors(std::size_t x) {
  std::vector<std::size_t> d;
  for (std::size_t k = 1; k <= x; ++k)
    if (x % k == 0) d.push_back(k);
  return d;
}

inline KPattern random_pattern(std::mt19937_64& g, std::size_t max_entry = 4) {
  return {uniform(g, 1, max_entry), uniform(g, 1, max_entry), uniform(g, 1, max_entry), uniform(g, 1, max_entry)};
}

/// A random theta' such that (theta, theta') is chainable. Every chainable
/// successor has this form (proof of Prop 6.3.11): c = q r, d = s d',
/// theta' = (r a, q s, c', d').
inline KPattern random_successor(std::mt19937_64& g, const KPattern& t, std::size_t max_c = 4) {
  const auto rs = divisors(t.c);
  const std::size_t r = rs[g() % rs.size()];
  const std::size_t q = t.c / r;
  const auto ds = divisors(t.d);
  const std::size_t dn = ds[g() % ds.size()];
  const std::size_t s = t.d / dn;
  return {r * t.a, q * s, uniform(g, 1, max_c), dn};
}

inline KChain random_chain(std::mt19937_64& g, std::size_t length) {
  KChain chain{random_pattern(g)};
  while (chain.size() < length) chain.push_back(random_successor(g, chain.back()));
  return chain;
}

}  // namespace wellposed::testing
