#pragma once
// Internal (not installed): what the network prover (network.cpp), the
// network checker (network_checker.cpp) and the data set code
// (network_dataset.cpp) share: the theorem labels the checker dispatches on,
// the support JSON form, and the neurons that matter. No decision logic.
#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/network.hpp"
#include "wellposed/algebra/support.hpp"
#include "wellposed/decide/network.hpp"
#include "wellposed/decide/verdict.hpp"

namespace wellposed::network_common {

using json = nlohmann::json;
using idx = std::size_t;

// Theorem labels: the checker dispatches on these exact strings.
inline constexpr const char* kThmFiniteNec = "Thm 7.3.3 (Lemma 7.3.4)";
inline constexpr const char* kThmBoxNec = "Thm 7.4.1 (Lemma 7.6.1)";
inline constexpr const char* kThmFiniteScalar = "Thm 7.3.7";
inline constexpr const char* kCorBoxScalar = "Cor 7.4.4";
inline constexpr const char* kCorDense = "Cor 7.4.3";
inline constexpr const char* kThmSubsets = "Thm 7.4.2";
inline constexpr const char* kAffine = "affine maps (L = 1)";
inline constexpr const char* kConstant = "constant maps (no hidden neuron reaches the output)";

inline constexpr const char* kScopeFinite = "every finite input set Omega (training on finite data sets, Prop 7.3.2)";
inline constexpr const char* kScopeBox = "Omega = [-B, B]^d for every B > 0, in (C^0(Omega), sup norm)";
inline constexpr const char* kScopeBoxNec = "every bounded Omega with non-empty interior (e.g. [-B, B]^d), in (C^0(Omega), sup norm)";

class Timer {
 public:
  explicit Timer(double seconds) : budget_(seconds), t0_(std::chrono::steady_clock::now()) {}
  double elapsed() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count(); }
  double left() const { return std::max(0.0, budget_ - elapsed()); }

 private:
  double budget_;
  std::chrono::steady_clock::time_point t0_;
};

/// Why a "relu_network" certificate cannot back a `claimed` verdict about
/// `domain` whatever its hypotheses (empty: the theorem covers the domain).
/// Cor 7.4.3 and Thm 7.4.2 prove closedness on a bounded box only: no proof
/// on finite data ([LMQ21]: a dense net with N_2 = 2 and six points without
/// optimum), hence none for both domains (a network's overall verdict, or a
/// verdict that does not say its domain). Every other theorem covers both
/// (L_I not closed: Thm 7.3.3 and Thm 7.4.1; N_2 = 1: Thm 7.3.7 and Cor
/// 7.4.4 on the same hypothesis; affine and constant maps everywhere).
/// Used by check_network_verdict, by check_certificate(Verdict) and by the
/// gate of analyze_network (gate.hpp), so the three cannot disagree.
inline std::optional<std::string> domain_refusal(const json& c, Closedness claimed, NetworkDomain domain) {
  if (domain == NetworkDomain::bounded_box || claimed != Closedness::closed) return std::nullopt;
  if (!c.is_object() || !c.contains("theorem") || !(c["theorem"] == kCorDense || c["theorem"] == kThmSubsets))
    return std::nullopt;
  return c["theorem"].get<std::string>() + " proves closedness on a bounded box only, not " +
         (domain == NetworkDomain::finite_data ? "on finite data sets" : "on both domains (overall)");
}

inline json support_json(const Support& s) { return {{"rows", s.rows()}, {"cols", s.cols()}, {"mask", s.to_rows()}}; }

inline json supports_json(const std::vector<Support>& f) {
  json a = json::array();
  for (const auto& s : f) a.push_back(support_json(s));
  return a;
}

inline Support support_from_json(const json& j) {
  const auto rows = j.at("rows").get<idx>(), cols = j.at("cols").get<idx>();
  Support s = Support::from_rows(j.at("mask").get<std::vector<std::string>>());
  if (s.rows() != rows || s.cols() != cols) throw std::invalid_argument("a mask does not have its stated shape");
  return s;
}

// ---------------------------------------------------------------------------
// Neurons that matter (L = 2). H = { i : I_2[:, i] != 0 and I_1[i, :] != 0 }.
// F_I = F_{I_H} on every domain: a neuron with an empty I_2 column adds
// W_2[:, i] sigma(.) = 0; a neuron with an empty I_1 row adds the constant
// W_2[:, i] sigma(b_1[i]), which the free output bias b_2 absorbs (any
// constant is reachable by b_2 alone). Conversely zeroing a neuron's weights
// realizes F_{I_H} inside F_I. (Cor 7.4.4's proof drops the H-complement the
// same way.)
inline std::vector<idx> kept_neurons(const ReluNetwork& net) {
  std::vector<idx> H;
  const Support& I1 = net.layer(0);
  const Support& I2 = net.layer(1);
  for (idx i = 0; i < I1.rows(); ++i)
    if (I1.row_count(i) > 0 && I2.col_count(i) > 0) H.push_back(i);
  return H;
}

inline bool columns_full(const Support& I2, const std::vector<idx>& H) {
  for (idx i : H)
    if (I2.col_count(i) != I2.rows()) return false;
  return true;
}

inline bool rows_full(const Support& I1, const std::vector<idx>& H) {
  for (idx i : H)
    if (I1.row_count(i) != I1.cols()) return false;
  return true;
}


}  // namespace wellposed::network_common
