#pragma once
// Orientation: the one convention of the library, and converters for the
// seeds' other two.
//
//   Library:          A = X_1 X_2 ... X_L,  supp X_l <= I_l,  I_l is N_{l-1} x N_l,
//                     A is N_0 x N_L. Products read left to right.
//   Thesis Ch. 3-5:   A = X Y^T with supp X <= I (m x r), supp Y <= J (n x r).
//                     Library form: I_1 = I, I_2 = J^T.
//   Thesis Ch. 7:     A = W_L ... W_1 with W_i of size N_i x N_{i-1}
//                     (layer 1 acts first on the input). Library form:
//                     I_l = W_{L+1-l}, i.e. the list reversed, no transposes.
//
// Convert at the boundary (input parsing, comparison with a seed's formula),
// never inside an algorithm.
#include <utility>
#include <vector>

#include "wellposed/algebra/support.hpp"

namespace wellposed::orientation {

/// (I, J) of the X Y^T form -> (I_1, I_2) of the library form.
inline std::vector<Support> from_xyT(const Support& I, const Support& J) { return {I, J.transpose()}; }

/// Library (I_1, I_2) -> (I, J) with A = X Y^T.
inline std::pair<Support, Support> to_xyT(const Support& I1, const Support& I2) { return {I1, I2.transpose()}; }

/// Ch. 7 layer masks (W_1 first applied, ..., W_L last) -> library factors.
inline std::vector<Support> from_layers(std::vector<Support> layers_input_to_output) {
  return {layers_input_to_output.rbegin(), layers_input_to_output.rend()};
}

/// Library factors -> Ch. 7 layer masks (input to output).
inline std::vector<Support> to_layers(const std::vector<Support>& factors) {
  return {factors.rbegin(), factors.rend()};
}

}  // namespace wellposed::orientation
