#include "wellposed/decide/tractable.hpp"

#include <chrono>
#include <sstream>
#include <stdexcept>

#include "prover_json.hpp"
#include "wellposed/decide/explain.hpp"
#include "wellposed/algebra/rank_one.hpp"

namespace wellposed {

namespace {

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

nlohmann::json class_json(const RankOneClass& P) {
  return {{"indices", P.indices}, {"rows", P.rows}, {"cols", P.cols}};
}

}  // namespace

Verdict detect_disjoint_rank_one(const Support& left, const Support& right) {
  const auto t0 = std::chrono::steady_clock::now();
  Verdict v;
  v.method = "disjoint rank-one supports (Thm 5.2.3 / 6.2.3)";
  const auto classes = rank_one_classes(left, right);
  if (classes_pairwise_disjoint(classes, left.rows(), right.cols())) {
    v.closedness = Closedness::closed;
    v.reason = std::to_string(classes.size()) +
               " classes of rank-one supports with pairwise disjoint rectangles: L_I is a direct sum of rank sets";
    nlohmann::json cs = nlohmann::json::array();
    for (const auto& P : classes) cs.push_back(class_json(P));
    v.certificate = {{"kind", "disjoint_rank_one"},
                     {"theorem", "Thm 5.2.3 / Thm 6.2.3"},
                     {"factors", detail::factors_json({left, right})},
                     {"classes", cs}};
  } else {
    v.reason = "two classes of rank-one supports overlap (the detector is only sufficient for closedness)";
  }
  v.explanation = explain(v);
  v.seconds = since(t0);
  return v;
}

Verdict detect_cec_rectangular(const Support& left, const Support& right) {
  const auto t0 = std::chrono::steady_clock::now();
  Verdict v;
  v.method = "complete classes + rectangular remainders (Thm 5.2.9)";
  const auto tax = cec_taxonomy(left, right);
  if (tax.thm_5_2_9_hypothesis) {
    v.closedness = Closedness::closed;
    v.reason = std::to_string(tax.complete_class.size()) + " complete classes; " + std::to_string(tax.T_bar.size()) +
               " remaining rank-one supports are rectangles outside S_T, pairwise equal or disjoint";
    nlohmann::json cec = nlohmann::json::array();
    for (auto p : tax.complete_class) cec.push_back(class_json(tax.classes[p]));
    nlohmann::json rest = nlohmann::json::array();
    for (std::size_t q = 0; q < tax.T_bar.size(); ++q) {
      // An empty remainder S'_k is the empty rectangle; write it as rows x {}.
      const bool empty = tax.S_prime[q].nnz() == 0;
      rest.push_back({{"k", tax.T_bar[q]},
                      {"rows", empty ? std::vector<std::size_t>{} : tax.R[q]},
                      {"cols", empty ? std::vector<std::size_t>{} : tax.C[q]}});
    }
    v.certificate = {{"kind", "cec_rectangular"},
                     {"theorem", "Thm 5.2.9"},
                     {"factors", detail::factors_json({left, right})},
                     {"complete_classes", cec},
                     {"rectangles", rest}};
  } else {
    v.reason = "some remainder S'_k is not a rectangle, or two remainders overlap without being equal";
  }
  v.explanation = explain(v);
  v.seconds = since(t0);
  return v;
}

}  // namespace wellposed
