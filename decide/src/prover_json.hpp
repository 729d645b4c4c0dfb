#pragma once
// Private helpers of the provers (detectors): JSON encodings of supports,
// rationals and sparse matrices used in certificates. The checker does NOT
// include this file: it parses certificates with its own code (STYLE item 5).
#include <cstddef>
#include <string>
#include <tuple>
#include <vector>

#include <boost/multiprecision/gmp.hpp>
#include <nlohmann/json.hpp>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/algebra/support.hpp"

namespace wellposed::detail {

using Rational = boost::multiprecision::mpq_rational;

/// Masks up to this many entries are written as readable rows of '0'/'1';
/// larger ones bit-packed (Support::to_base64, about 6 entries per character).
inline constexpr std::size_t kReadableMaskEntries = 1024;

inline nlohmann::json support_json(const Support& s) {
  if (s.rows() * s.cols() <= kReadableMaskEntries) return {{"rows", s.rows()}, {"cols", s.cols()}, {"mask", s.to_rows()}};
  return {{"rows", s.rows()}, {"cols", s.cols()}, {"bits", s.to_base64()}};
}

inline nlohmann::json factors_json(const std::vector<Support>& f) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& s : f) a.push_back(support_json(s));
  return a;
}

/// The architecture's factors in the most compact form the checker reads:
/// its parameters for a Kronecker chain ({"kronecker_chain": [[a,b,c,d], ...]})
/// or LU ({"lu": n}, when its masks would not be written as readable rows),
/// never materializing; otherwise its masks.
inline nlohmann::json factors_json(const Architecture& arch) {
  if (const auto& chain = arch.structural_chain()) {
    nlohmann::json c = nlohmann::json::array();
    for (const auto& t : *chain) c.push_back({t.a, t.b, t.c, t.d});
    return {{"kronecker_chain", c}};
  }
  if (arch.family() && arch.family()->family == "lu" && arch.rows() > kReadableMaskEntries / arch.rows())
    return {{"lu", arch.rows()}};
  return factors_json(arch.factors());
}

inline std::string q(const Rational& r) { return r.str(); }

/// One sparse term: entry (i, j) equal to coef * t^exp.
struct Term {
  std::size_t i, j;
  Rational coef;
  int exp = 0;
};

inline nlohmann::json terms_json(const std::vector<Term>& ts) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& t : ts) a.push_back(nlohmann::json::array({t.i, t.j, q(t.coef), t.exp}));
  return a;
}

/// A constant sparse matrix: {"rows", "cols", "entries": [[i, j, "p/q"], ...]}.
inline nlohmann::json sparse_json(std::size_t rows, std::size_t cols,
                                  const std::vector<std::tuple<std::size_t, std::size_t, Rational>>& e) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& [i, j, v] : e) a.push_back(nlohmann::json::array({i, j, q(v)}));
  return {{"rows", rows}, {"cols", cols}, {"entries", a}};
}

}  // namespace wellposed::detail
