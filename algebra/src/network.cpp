#include "wellposed/algebra/network.hpp"

#include <stdexcept>

#include "wellposed/algebra/orientation.hpp"

namespace wellposed {

ReluNetwork::ReluNetwork(std::vector<Support> layers, std::string name)
    : layers_(std::move(layers)), name_(std::move(name)) {
  if (layers_.empty()) throw std::invalid_argument("a ReLU network needs at least one layer");
  for (std::size_t l = 0; l < layers_.size(); ++l)
    if (layers_[l].empty_shape())
      throw std::invalid_argument("layer " + std::to_string(l + 1) + " (W_" + std::to_string(l + 1) +
                                  ") has an empty shape");
  for (std::size_t l = 1; l < layers_.size(); ++l)
    if (layers_[l].cols() != layers_[l - 1].rows())
      throw std::invalid_argument("layer " + std::to_string(l + 1) + " (W_" + std::to_string(l + 1) + ") has " +
                                  std::to_string(layers_[l].cols()) + " columns but layer " + std::to_string(l) +
                                  " (W_" + std::to_string(l) + ") has " + std::to_string(layers_[l - 1].rows()) +
                                  " rows (W_l is N_l x N_{l-1}; layers are listed input to output)");
}

const Support& ReluNetwork::layer(std::size_t l) const {
  if (l >= layers_.size())
    throw std::out_of_range("layer index " + std::to_string(l) + " out of range (L = " + std::to_string(layers_.size()) + ")");
  return layers_[l];
}

std::vector<std::size_t> ReluNetwork::widths() const {
  std::vector<std::size_t> w{layers_.front().cols()};
  for (const auto& s : layers_) w.push_back(s.rows());
  return w;
}

std::size_t ReluNetwork::hidden_neurons() const {
  std::size_t n = 0;
  for (std::size_t l = 0; l + 1 < layers_.size(); ++l) n += layers_[l].rows();
  return n;
}

std::size_t ReluNetwork::weight_count() const {
  std::size_t n = 0;
  for (const auto& s : layers_) n += s.nnz();
  return n;
}

Architecture ReluNetwork::linear_architecture() const {
  // Ch. 7 writes W_L ... W_1; the library reads products left to right, so
  // the factor list is the layer list reversed (orientation.hpp), no transposes.
  return Architecture(orientation::from_layers(layers_), name_);
}

Architecture ReluNetwork::hidden_subset_architecture(const std::vector<std::size_t>& S) const {
  if (layers_.size() != 2)
    throw std::invalid_argument("I_S (Thm 7.4.2) is defined for one hidden layer (L = 2), not L = " +
                                std::to_string(layers_.size()));
  if (S.empty()) throw std::invalid_argument("I_S needs a non-empty set S of hidden neurons");
  const std::size_t n1 = layers_[0].rows();
  for (std::size_t t = 0; t < S.size(); ++t) {
    if (S[t] >= n1)
      throw std::invalid_argument("hidden neuron " + std::to_string(S[t]) + " out of range (N_1 = " + std::to_string(n1) + ")");
    if (t > 0 && S[t] <= S[t - 1]) throw std::invalid_argument("S must be increasing");
  }
  std::vector<std::size_t> out_rows(layers_[1].rows()), in_cols(layers_[0].cols());
  for (std::size_t i = 0; i < out_rows.size(); ++i) out_rows[i] = i;
  for (std::size_t j = 0; j < in_cols.size(); ++j) in_cols[j] = j;
  // Thesis I_S = (I_2[:, S], I_1[S, :]) -> library [I_2[:, S], I_1[S, :]] (product W_2 W_1).
  return Architecture({layers_[1].submatrix(out_rows, S), layers_[0].submatrix(S, in_cols)});
}

std::string network_summary(const ReluNetwork& n) {
  std::string s = "ReLU network, widths";
  for (auto w : n.widths()) s += " " + std::to_string(w);
  s += ", " + std::to_string(n.weight_count()) + " weights";
  return s;
}

}  // namespace wellposed
