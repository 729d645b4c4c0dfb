#pragma once
// ReluNetwork: a sparse ReLU architecture of thesis Ch. 7 (eq. 7.1),
//
//   R_theta(x) = W_L sigma( ... sigma(W_1 x + b_1) ... + b_{L-1}) + b_L,
//
// with widths N_0 (input), N_1 .. N_{L-1} (hidden), N_L (output), masks
// I_1 .. I_L with supp W_l <= I_l and I_l of size N_l x N_{l-1}; the biases
// b_l are free (no mask). The masks are stored in the thesis's order, INPUT
// TO OUTPUT (I_1 acts first), exactly as a network spec lists them.
//
// Orientation (orientation.hpp): the linear architecture of the network,
//   L_I = { W_L ... W_1 : supp W_l <= I_l }  (eq. 7.2, a subset of R^{N_L x N_0}),
// is the library's Architecture with factors [I_L, ..., I_1] (left to right),
// i.e. orientation::from_layers of the mask list; the product matrix A is the
// same N_L x N_0 matrix in both conventions (a list reversal, no transpose).
#include <cstddef>
#include <string>
#include <vector>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/algebra/support.hpp"

namespace wellposed {

class ReluNetwork {
 public:
  /// Masks I_1, ..., I_L, input to output. Throws std::invalid_argument for
  /// an empty list or when I_{l+1} has a column count different from the row
  /// count of I_l (W_{l+1} W_l must chain), naming the layers.
  explicit ReluNetwork(std::vector<Support> layers_input_to_output, std::string name = {});

  /// L, the number of weight layers (L - 1 hidden layers).
  std::size_t depth() const { return layers_.size(); }
  /// I_{l+1} for l in [0, L): zero-based, input side first.
  const Support& layer(std::size_t l) const;
  const std::vector<Support>& layers() const { return layers_; }
  /// N_0, ..., N_L (input width first).
  std::vector<std::size_t> widths() const;
  std::size_t input_dim() const { return layers_.front().cols(); }
  std::size_t output_dim() const { return layers_.back().rows(); }
  /// N_1 + ... + N_{L-1}: the number of ReLU neurons.
  std::size_t hidden_neurons() const;
  /// sum_l |I_l| (weights; the sum_l N_l biases are not counted).
  std::size_t weight_count() const;
  const std::string& name() const { return name_; }
  void set_name(std::string n) { name_ = std::move(n); }

  /// L_I (eq. 7.2) in library order: factors [I_L, ..., I_1].
  Architecture linear_architecture() const;

  /// One hidden layer (L = 2) only: the sub-network of the hidden neurons S
  /// (zero-based, increasing, non-empty), I_S = (I_2[:, S], I_1[S, :]) of
  /// Thm 7.4.2, as the library Architecture [I_2[:, S], I_1[S, :]] whose
  /// product set is L_{I_S} in R^{N_2 x N_0}. Throws std::invalid_argument
  /// for L != 2, an empty S or an index out of range.
  Architecture hidden_subset_architecture(const std::vector<std::size_t>& S) const;

  bool operator==(const ReluNetwork& o) const { return layers_ == o.layers_; }

 private:
  std::vector<Support> layers_;
  std::string name_;
};

/// One line: "ReLU network, widths 4 4 4, 20 weights".
std::string network_summary(const ReluNetwork& n);

}  // namespace wellposed
