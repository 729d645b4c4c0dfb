#include "wellposed/decide/network_dataset.hpp"

#include "wellposed/decide/network.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include <boost/multiprecision/cpp_int.hpp>

#include "wellposed/algebra/orientation.hpp"

#include "gate.hpp"

#include "network_common.hpp"

// Lemma 7.3.4's data set, Lemma 7.6.1's biases and the closure point read
// from a certificate (network.hpp); split from network.cpp (issue 18 item 8).
namespace wellposed {

using namespace network_common;

namespace {

// ---------------------------------------------------------------------------
// Lemma 7.3.4's grid sizes.
std::string decimal_or_approx(const boost::multiprecision::cpp_int& v) { return v.str(); }

std::string approx_power10(double log10v) {
  std::ostringstream o;
  const double e = std::floor(log10v);
  o.precision(3);
  o << "~" << std::pow(10.0, log10v - e) << "e" << static_cast<long long>(e);
  return o.str();
}

}  // namespace


// ---------------------------------------------------------------------------

std::optional<RationalMatrix> closure_point_from_certificate(const json& certificate, idx rows, idx cols, std::string& why) {
  try {
    const json* c = &certificate;
    while (c->is_object() && c->value("kind", "") == "reduced" && c->contains("inner")) c = &c->at("inner");
    const std::string kind = c->is_object() ? c->value("kind", "") : "";
    auto fill = [&](const json& entries, idx r, idx k) {
      RationalMatrix A(r, k);
      for (const auto& e : entries) {
        const idx i = e.at(0).get<idx>(), j = e.at(1).get<idx>();
        if (i >= r || j >= k) throw std::invalid_argument("an entry lies outside the target");
        A(i, j) = Rational(e.at(2).get<std::string>());
      }
      return A;
    };
    if (kind == "lu_pattern") {
      const json& t = c->at("target");
      const idx r = t.at("rows").get<idx>(), k = t.at("cols").get<idx>();
      if (r != rows || k != cols) {
        why = "the LU-pattern target is " + std::to_string(r) + "x" + std::to_string(k) + ", not " +
              std::to_string(rows) + "x" + std::to_string(cols);
        return std::nullopt;
      }
      return fill(t.at("entries"), r, k);
    }
    if (kind == "exact_not_closed") {
      const json& w = c->at("witness");
      if (w.is_null()) {
        why = "the exact certificate proves non-closedness by the Lemma 3.2.16 sentence without naming a point of "
              "cl(L_I) \\ L_I; Lemma 7.3.4's data set exists but its labels A x_i cannot be written down";
        return std::nullopt;
      }
      return fill(w, rows, cols);
    }
    why = "certificate kind '" + kind + "' names no point of cl(L_I) \\ L_I";
  } catch (const std::exception& e) {
    why = std::string("could not read the target from the certificate: ") + e.what();
  }
  return std::nullopt;
}

Lemma734Dataset lemma_7_3_4_dataset(const std::vector<idx>& widths, const RationalMatrix& A, std::uint64_t max_points) {
  using boost::multiprecision::cpp_int;
  Lemma734Dataset d;
  d.has_target = true;
  d.A = A;
  d.input_dim = widths.front();
  d.output_dim = widths.back();
  const idx L = widths.size() - 1;
  for (idx i = 1; i < L; ++i) d.exponent_statement += widths[i];
  d.exponent_proof = d.exponent_statement + widths[L];
  const idx n0 = d.input_dim;
  auto sizes = [&](idx e, std::string& p_s, std::string& P_s, double& log10P) {
    // p = 3 N_0 4^e, P = (p + 1)^{N_0}.
    const double log10p = std::log10(3.0 * static_cast<double>(n0)) + static_cast<double>(e) * std::log10(4.0);
    log10P = static_cast<double>(n0) * (log10p + std::log10(1.0 + std::pow(10.0, -log10p)));
    if (log10p <= 200.0) {
      const cpp_int p = cpp_int(3 * n0) << (2 * e);
      p_s = decimal_or_approx(p);
      if (log10P <= 200.0) {
        P_s = decimal_or_approx(boost::multiprecision::pow(p + 1, static_cast<unsigned>(n0)));
      } else {
        P_s = approx_power10(log10P);
      }
    } else {
      p_s = approx_power10(log10p);
      P_s = approx_power10(log10P);
    }
  };
  sizes(d.exponent_statement, d.p_statement, d.P_statement, d.log10_P_statement);
  sizes(d.exponent_proof, d.p_proof, d.P_proof, d.log10_P_proof);
  if (max_points == 0) {
    d.not_materialized_why = "not requested (sizes only)";
    return d;
  }
  if (d.log10_P_proof > 18.0 || 2 * d.exponent_proof > 60) {
    d.not_materialized_why = "P = " + d.P_proof + " points exceeds the limit of " + std::to_string(max_points);
    return d;
  }
  const std::uint64_t p = static_cast<std::uint64_t>(3 * n0) << (2 * d.exponent_proof);
  std::uint64_t P = 1;
  for (idx t = 0; t < n0; ++t) {
    if (P > max_points / (p + 1) + 1) {
      P = max_points + 1;
      break;
    }
    P *= p + 1;
  }
  if (P > max_points) {
    d.not_materialized_why = "P = " + d.P_proof + " points exceeds the limit of " + std::to_string(max_points);
    return d;
  }
  d.materialized = true;
  d.p_used = p;
  d.points = P;
  std::vector<double> Ad(A.rows() * A.cols());
  for (idx i = 0; i < A.rows(); ++i)
    for (idx j = 0; j < A.cols(); ++j) Ad[i * A.cols() + j] = A(i, j).convert_to<double>();
  d.inputs.resize(P * n0);
  d.outputs.assign(P * A.rows(), 0.0);
  std::vector<std::uint64_t> digit(n0, 0);
  for (std::uint64_t q = 0; q < P; ++q) {
    for (idx j = 0; j < n0; ++j) d.inputs[q * n0 + j] = static_cast<double>(digit[j]) / static_cast<double>(p);
    for (idx i = 0; i < A.rows(); ++i) {
      double s = 0;
      for (idx j = 0; j < n0; ++j) s += Ad[i * n0 + j] * d.inputs[q * n0 + j];
      d.outputs[q * A.rows() + i] = s;
    }
    for (idx j = 0; j < n0; ++j) {  // next grid point (odometer)
      if (++digit[j] <= p) break;
      digit[j] = 0;
    }
  }
  return d;
}

std::vector<std::vector<double>> lemma_7_6_1_biases(const std::vector<std::vector<double>>& W,
                                                    const std::vector<idx>& widths, double lo, double hi) {
  const idx L = W.size();
  if (widths.size() != L + 1) throw std::invalid_argument("lemma_7_6_1_biases: widths must be N_0..N_L");
  for (idx l = 0; l < L; ++l)
    if (W[l].size() != widths[l + 1] * widths[l]) throw std::invalid_argument("lemma_7_6_1_biases: a weight has the wrong size");
  // ⚠ The proof prints c_i = sup ||gamma_{i-1} o ... o gamma_1(x)||_inf, the
  // previous layer's output; what the induction needs is that W_i h + b_i >= 0
  // for every layer-(i-1) output h, i.e. c_i >= sup ||W_i h||_inf. Interval
  // bounds give such a c_i (an upper bound suffices: any c_i >= the sup works).
  std::vector<std::vector<double>> b(L);
  std::vector<double> ylo(widths[0], lo), yhi(widths[0], hi);
  for (idx l = 0; l + 1 < L; ++l) {
    const idx r = widths[l + 1], c = widths[l];
    std::vector<double> zlo(r, 0.0), zhi(r, 0.0);
    double cmax = 0.0;
    for (idx i = 0; i < r; ++i) {
      for (idx j = 0; j < c; ++j) {
        const double w = W[l][i * c + j];
        zlo[i] += std::min(w * ylo[j], w * yhi[j]);
        zhi[i] += std::max(w * ylo[j], w * yhi[j]);
      }
      cmax = std::max({cmax, std::abs(zlo[i]), std::abs(zhi[i])});
    }
    b[l].assign(r, cmax);
    // All neurons are active on the box, so the layer is affine: its output
    // lies in [zlo + c, zhi + c] coordinate-wise.
    for (idx i = 0; i < r; ++i) {
      zlo[i] += cmax;
      zhi[i] += cmax;
    }
    ylo = std::move(zlo);
    yhi = std::move(zhi);
  }
  // b_L cancels the propagated constants: b_L = - sum_{i<L} (W_L ... W_{i+1}) b_i.
  std::vector<double> v;
  for (idx l = 0; l + 1 < L; ++l) {
    const idx r = widths[l + 1], c = widths[l];
    std::vector<double> nv(r, 0.0);
    if (l > 0)
      for (idx i = 0; i < r; ++i)
        for (idx j = 0; j < c; ++j) nv[i] += W[l][i * c + j] * v[j];
    for (idx i = 0; i < r; ++i) nv[i] += b[l][i];
    v = std::move(nv);
  }
  const idx r = widths[L], c = widths[L - 1];
  b[L - 1].assign(r, 0.0);
  if (L > 1)
    for (idx i = 0; i < r; ++i) {
      double s = 0;
      for (idx j = 0; j < c; ++j) s += W[L - 1][i * c + j] * v[j];
      b[L - 1][i] = -s;
    }
  return b;
}

std::vector<double> relu_forward(const std::vector<std::vector<double>>& W, const std::vector<std::vector<double>>& b,
                                 const std::vector<idx>& widths, const std::vector<double>& x) {
  std::vector<double> h = x;
  const idx L = W.size();
  for (idx l = 0; l < L; ++l) {
    const idx r = widths[l + 1], c = widths[l];
    std::vector<double> z(r, 0.0);
    for (idx i = 0; i < r; ++i) {
      double s = b[l][i];
      for (idx j = 0; j < c; ++j) s += W[l][i * c + j] * h[j];
      z[i] = (l + 1 < L) ? std::max(0.0, s) : s;
    }
    h = std::move(z);
  }
  return h;
}

// ---------------------------------------------------------------------------
// JSON.

json to_json(const Lemma734Dataset& d) {
  json j;
  j["lemma"] = "Lemma 7.3.4";
  j["grid"] = "{0, 1/p, ..., 1}^N_0 (the unit cube), labels y_i = A x_i";
  j["has_target"] = d.has_target;
  j["target_source"] = d.target_source;
  {
    if (d.has_target) {
      json e = json::array();
      for (idx i = 0; i < d.A.rows(); ++i)
        for (idx k = 0; k < d.A.cols(); ++k)
          if (d.A(i, k) != 0) e.push_back({i, k, d.A(i, k).str()});
      j["A"] = {{"rows", d.A.rows()}, {"cols", d.A.cols()}, {"entries", e}};
    }
    j["statement"] = {{"exponent", d.exponent_statement},
                      {"formula", "p = 3 N_0 4^(N_1 + ... + N_{L-1}), P = (p + 1)^N_0"},
                      {"p", d.p_statement},
                      {"P", d.P_statement},
                      {"log10_P", d.log10_P_statement}};
    j["proof"] = {{"exponent", d.exponent_proof},
                  {"formula", "p = 3 N_0 K^2, K = 2^(N_1 + ... + N_L), P = (p + 1)^N_0"},
                  {"p", d.p_proof},
                  {"P", d.P_proof},
                  {"log10_P", d.log10_P_proof}};
    j["exponent_note"] =
        "the seed's statement and proof differ in the exponent (sum to L-1 vs to L); the proof's p is the one "
        "materialized; the statement's also holds if K counts hidden activation patterns only [DERIVED]";
    j["materialized"] = d.materialized;
    if (d.materialized) {
      j["p_used"] = d.p_used;
      j["points"] = d.points;
    } else {
      j["not_materialized"] = d.not_materialized_why;
    }
  }
  return j;
}

}  // namespace wellposed
