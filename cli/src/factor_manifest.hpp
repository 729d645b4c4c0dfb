#pragma once
// The "factorization" object of a factor-chain manifest (docs/factor-format.md)
// and the library options of a factorize request: one definition for
// `wellposed factorize` (factorize.cpp) and the Python package's factorize()
// (python/src/factor.cpp), so both write the same fields from the same rules.
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/numeric/factorize.hpp"

namespace wellposed::cli {

inline nlohmann::json interval_json(const numeric::Interval& x) { return {x.lo, x.hi}; }

/// A ratio achieved / best is proven only against a positive lower bound on
/// the best error: with lower bound 0 (e.g. A exactly in the set, Hadamard
/// into butterflies) residual / 0 says nothing, and what IS proven is the
/// residual bound itself.
inline bool ratio_proven(const numeric::ErrorEnclosure& e) {
  return e.lower_bound.lo > 0.0 && std::isfinite(e.ratio_upper);
}

/// {"method", "order", "chain", "enclosure"}: the certified enclosure with its
/// residual interval, lower bound on the best error, proven ratio (null, with
/// "ratio_note" saying why, when none is proven; JSON has no infinity), the
/// per-split errors E_s(A) (Def 6.5.6; null where not computed) and the
/// a-priori bounds of Thm 6.5.9 / 6.5.14 when computed.
template <class S>
nlohmann::json factorization_json(const numeric::BasicFactorization<S>& r) {
  nlohmann::json j;
  j["method"] = r.method;
  if (!r.order.empty()) j["order"] = r.order;
  nlohmann::json ch = nlohmann::json::array();
  for (const auto& t : r.chain) ch.push_back({t.a, t.b, t.c, t.d});
  j["chain"] = ch;
  const auto& e = r.enclosure;
  if (r.optimal_error) {
    j["enclosure"] = {{"residual", interval_json(e.residual)}, {"optimal_error", interval_json(*r.optimal_error)}};
    return j;
  }
  const bool have_ratio = ratio_proven(e);
  j["enclosure"] = {{"residual", interval_json(e.residual)},
                    {"residual_method", e.residual_method},
                    {"lower_bound_best_error", interval_json(e.lower_bound)},
                    {"ratio_upper", have_ratio ? nlohmann::json(e.ratio_upper) : nlohmann::json(nullptr)}};
  if (!have_ratio)
    j["enclosure"]["ratio_note"] =
        e.lower_bound.lo > 0.0 ? "no ratio proven: residual / lower bound overflows"
                               : "no ratio proven: the certified lower bound on the best error is 0; the residual "
                                 "interval is what is proven (exact within the enclosure when it contains 0)";
  nlohmann::json se = nlohmann::json::array();
  for (const auto& x : e.split_errors) se.push_back(x ? interval_json(*x) : nlohmann::json(nullptr));
  j["enclosure"]["split_errors"] = std::move(se);
  if (e.apriori_6_5_9) j["enclosure"]["apriori_thm_6_5_9"] = interval_json(*e.apriori_6_5_9);
  if (e.apriori_6_5_14) j["enclosure"]["apriori_thm_6_5_14"] = interval_json(*e.apriori_6_5_14);
  return j;
}

/// The library's options for a request: algorithm 7 or 8 (Algorithms 7 / 8 of
/// Ch. 6), split order auto | balanced | l2r | r2l | peel | custom (with
/// `custom_order`). Throws std::invalid_argument naming a bad value.
inline numeric::FactorizeOptions factorize_options(const std::string& order, const std::vector<std::size_t>& custom_order,
                                                   int algorithm, bool tight, bool all_split_errors) {
  numeric::FactorizeOptions fo;
  if (algorithm != 7 && algorithm != 8)
    throw std::invalid_argument("algorithm: must be 7 or 8, got " + std::to_string(algorithm));
  fo.algorithm = algorithm == 8 ? numeric::HierarchicalAlgorithm::alg8 : numeric::HierarchicalAlgorithm::alg7;
  if (order == "l2r") fo.order = numeric::SplitOrder::left_to_right;
  else if (order == "r2l") fo.order = numeric::SplitOrder::right_to_left;
  else if (order == "balanced") fo.order = numeric::SplitOrder::balanced;
  else if (order == "peel") fo.order = numeric::SplitOrder::peel;
  else if (order == "auto") fo.order = numeric::SplitOrder::automatic;
  else if (order != "custom")
    throw std::invalid_argument("order: '" + order + "' is not one of auto, balanced, l2r, r2l, peel (or a list of split points)");
  fo.custom_order = custom_order;
  fo.residual = tight ? numeric::ResidualMode::tight : numeric::ResidualMode::automatic;
  fo.all_split_errors = all_split_errors;
  return fo;
}

}  // namespace wellposed::cli
