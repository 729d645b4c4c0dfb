#pragma once
// The data set of Lemma 7.3.4 (thesis Ch. 7): the finite data set on which a
// sparse ReLU network with L_I not closed has no optimal parameters, described
// with its size and materialized only when small enough. Produced by
// analyze_network() (network.hpp, NetworkAnalysis::dataset) and readable on its
// own. Its target A is an exact rational matrix, so this header includes
// wellposed/algebra/rational_matrix.hpp (GMP); network.hpp only declares the
// struct, keeping the umbrella header free of GMP (issue 18 item 5).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/rational_matrix.hpp"

namespace wellposed {

/// The data set of Lemma 7.3.4: Omega = {0, 1/p, ..., 1}^{N_0} (P = (p+1)^{N_0}
/// points), labels y_i = A x_i with A in cl(L_I) \ L_I.
/// ⚠ Exponent mismatch in the seed: the statement has p = 3 N_0 4^{sum_{i<L} N_i},
/// the proof p = 3 N_0 K^2 with K = 2^{sum_{i<=L} N_i}. The proof as printed
/// supports the larger p ("proof"); the smaller ("statement") also holds if K
/// counts activation patterns of hidden neurons only (each pattern's region is
/// a convex polyhedron, so at most 2^{sum_{i<L} N_i} pieces) [DERIVED, not in
/// the seed]. The grid that is materialized uses the proof's p.
struct Lemma734Dataset {
  bool has_target = false;  ///< an A in cl(L_I) \ L_I was read from the certificate
  std::string target_source;  ///< where A came from, or why there is none
  RationalMatrix A;           ///< N_L x N_0
  std::size_t input_dim = 0, output_dim = 0;
  std::size_t exponent_statement = 0, exponent_proof = 0;  ///< sum_{i<L} N_i, sum_{i<=L} N_i
  std::string p_statement, p_proof;  ///< decimal (exact) or "~1e123" when huge
  std::string P_statement, P_proof;
  double log10_P_statement = 0, log10_P_proof = 0;
  bool materialized = false;
  std::string not_materialized_why;
  std::uint64_t p_used = 0, points = 0;
  std::vector<double> inputs;   ///< points x N_0, row-major (grid points i/p)
  std::vector<double> outputs;  ///< points x N_L, row-major (A x_i)
};

nlohmann::json to_json(const Lemma734Dataset& d);

/// Lemma 7.3.4's data set for a given A (N_L x N_0) and the network's widths;
/// materialized when it has at most `materialize_max_points` points.
Lemma734Dataset lemma_7_3_4_dataset(const std::vector<std::size_t>& widths, const RationalMatrix& A,
                                    std::uint64_t materialize_max_points);

/// A in cl(L_I) \ L_I read from a not-closed certificate ("lu_pattern"
/// target, "exact_not_closed" witness, through "reduced" wrappers); nullopt
/// with `why` when the certificate does not name one (e.g. an exact
/// certificate proven by the sentence without an extracted witness).
std::optional<RationalMatrix> closure_point_from_certificate(const nlohmann::json& certificate, std::size_t rows,
                                                             std::size_t cols, std::string& why);

}  // namespace wellposed
