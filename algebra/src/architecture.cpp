#include "wellposed/algebra/architecture.hpp"

#include <sstream>
#include <stdexcept>

#include "wellposed/algebra/orientation.hpp"

namespace wellposed {

Architecture::Architecture(std::vector<Support> factors, std::string name)
    : factors_(std::move(factors)), name_(std::move(name)) {
  if (factors_.empty()) throw std::invalid_argument("architecture '" + name_ + "': needs at least one factor");
  for (std::size_t l = 0; l + 1 < factors_.size(); ++l) {
    if (factors_[l].cols() != factors_[l + 1].rows()) {
      std::ostringstream os;
      os << "architecture '" << name_ << "': factor " << l + 1 << " is " << factors_[l].rows() << "x"
         << factors_[l].cols() << " but factor " << l + 2 << " is " << factors_[l + 1].rows() << "x"
         << factors_[l + 1].cols() << " (columns of one must equal rows of the next)";
      throw std::invalid_argument(os.str());
    }
  }
}

const Support& Architecture::factor(std::size_t l) const {
  if (l >= factors_.size())
    throw std::out_of_range("architecture factor index " + std::to_string(l) + " out of range (L = " +
                            std::to_string(factors_.size()) + ")");
  return factors_[l];
}

std::vector<std::size_t> Architecture::dims() const {
  std::vector<std::size_t> d{factors_.front().rows()};
  for (const auto& f : factors_) d.push_back(f.cols());
  return d;
}

std::size_t Architecture::parameter_count() const {
  std::size_t n = 0;
  for (const auto& f : factors_) n += f.nnz();
  return n;
}

Support Architecture::product_support() const {
  Support p = factors_.front();
  for (std::size_t l = 1; l < factors_.size(); ++l) p = p.boolean_product(factors_[l]);
  return p;
}

std::optional<KChain> Architecture::kronecker_chain() const {
  if (chain_) return chain_;
  KChain chain;
  for (const auto& f : factors_) {
    auto t = recognize_kronecker(f);
    if (!t) return std::nullopt;
    chain.push_back(*t);
  }
  return chain;
}

std::pair<Support, Support> Architecture::to_xyT() const {
  if (factors_.size() != 2)
    throw std::invalid_argument("to_xyT: architecture '" + name_ + "' has " + std::to_string(factors_.size()) +
                                " factors; the X Y^T form needs exactly 2");
  return orientation::to_xyT(factors_[0], factors_[1]);
}

std::vector<Support> Architecture::to_layers() const { return orientation::to_layers(factors_); }

Architecture from_xyT(const Support& I, const Support& J, std::string name) {
  if (I.cols() != J.cols()) {
    std::ostringstream os;
    os << "from_xyT: I is " << I.rows() << "x" << I.cols() << " and J is " << J.rows() << "x" << J.cols()
       << "; both need r columns";
    throw std::invalid_argument(os.str());
  }
  return Architecture(orientation::from_xyT(I, J), std::move(name));
}

Architecture from_layers(const std::vector<Support>& layers, std::string name) {
  for (std::size_t i = 0; i + 1 < layers.size(); ++i) {
    if (layers[i + 1].cols() != layers[i].rows()) {
      std::ostringstream os;
      os << "from_layers: W_" << i + 1 << " is " << layers[i].rows() << "x" << layers[i].cols() << " but W_"
         << i + 2 << " is " << layers[i + 1].rows() << "x" << layers[i + 1].cols()
         << " (W_{i+1} needs N_i columns)";
      throw std::invalid_argument(os.str());
    }
  }
  return Architecture(orientation::from_layers(layers), std::move(name));
}

Architecture lu(std::size_t n) {
  if (n == 0) throw std::invalid_argument("lu(n): n must be positive");
  return Architecture({Support::lower(n), Support::upper(n)}, "lu-" + std::to_string(n));
}

Architecture low_rank(std::size_t m, std::size_t n, std::size_t r) {
  if (m == 0 || n == 0 || r == 0) throw std::invalid_argument("low_rank(m, n, r): sizes must be positive");
  return Architecture({Support::full(m, r), Support::full(r, n)},
                      "lowrank-" + std::to_string(m) + "x" + std::to_string(n) + "-r" + std::to_string(r));
}

Architecture kronecker_chain_architecture(const KChain& chain) {
  if (chain.empty()) throw std::invalid_argument("kronecker chain: empty");
  std::vector<Support> f;
  for (std::size_t l = 0; l < chain.size(); ++l) {
    chain[l].validate();
    if (l + 1 < chain.size() && chain[l].cols() != chain[l + 1].rows()) {
      std::ostringstream os;
      os << "kronecker chain: pattern " << l + 1 << " " << chain[l].to_string() << " has " << chain[l].cols()
         << " columns but pattern " << l + 2 << " " << chain[l + 1].to_string() << " has " << chain[l + 1].rows()
         << " rows (6.9: a_l c_l d_l = a_{l+1} b_{l+1} d_{l+1})";
      throw std::invalid_argument(os.str());
    }
    f.push_back(chain[l].support());
  }
  Architecture arch(std::move(f), "kronecker-" + to_string(chain));
  arch.chain_ = chain;
  return arch;
}

namespace {
std::size_t log2_exact(std::size_t n, const char* what) {
  if (n < 2 || (n & (n - 1)) != 0)
    throw std::invalid_argument(std::string(what) + ": n = " + std::to_string(n) + " must be a power of two >= 2");
  std::size_t N = 0;
  while ((std::size_t{1} << N) < n) ++N;
  return N;
}
}  // namespace

KChain butterfly_chain(std::size_t n) {
  const std::size_t N = log2_exact(n, "butterfly");
  KChain chain;
  for (std::size_t l = 1; l <= N; ++l) chain.push_back({std::size_t{1} << (l - 1), 2, 2, std::size_t{1} << (N - l)});
  return chain;
}

Architecture butterfly(std::size_t n) {
  auto a = kronecker_chain_architecture(butterfly_chain(n));
  a.set_name("butterfly-" + std::to_string(n));
  return a;
}

KChain monarch_chain(std::size_t m, std::size_t n, std::size_t p, std::size_t q) {
  if (m == 0 || n == 0 || p == 0 || q == 0 || m % p != 0 || n % q != 0) {
    std::ostringstream os;
    os << "monarch(m=" << m << ", n=" << n << ", p=" << p << ", q=" << q << "): needs positive sizes, p | m and q | n";
    throw std::invalid_argument(os.str());
  }
  return {{1, p, q, m / p}, {q, m / p, n / q, 1}};
}

Architecture monarch(std::size_t m, std::size_t n, std::size_t p, std::size_t q) {
  auto a = kronecker_chain_architecture(monarch_chain(m, n, p, q));
  a.set_name("monarch-" + std::to_string(m) + "x" + std::to_string(n) + "-p" + std::to_string(p) + "-q" +
             std::to_string(q));
  return a;
}

KChain kaleidoscope_chain(std::size_t n) {
  KChain b = butterfly_chain(n);
  KChain k = b;
  k.insert(k.end(), b.rbegin(), b.rend());
  return k;
}

Architecture kaleidoscope(std::size_t n) {
  auto a = kronecker_chain_architecture(kaleidoscope_chain(n));
  a.set_name("kaleidoscope-" + std::to_string(n));
  return a;
}

std::pair<Support, Support> hodlr_xyT(std::size_t levels) {
  if (levels == 0) throw std::invalid_argument("hodlr: levels must be >= 1");
  if (levels == 1)
    return {Support::from_rows({"1010", "0101"}), Support::from_rows({"0110", "1001"})};
  auto [Ip, Jp] = hodlr_xyT(levels - 1);
  const std::size_t n = std::size_t{1} << levels, h = n / 2, w = Ip.cols();  // w = 3h - 2
  Support I(n, 3 * n - 2), J(n, 3 * n - 2);
  for (std::size_t i = 0; i < h; ++i) {
    I.set(i, 0);          // column 1: top-left rows of the off-diagonal block A_12
    I.set(h + i, 1);      // column 2: bottom rows, block A_21
    J.set(h + i, 0);      // A_12 spans the right-half columns
    J.set(i, 1);          // A_21 spans the left-half columns
    for (auto k : Ip.row_indices(i)) I.set(i, 2 + k);          // diagonal block A_11
    for (auto k : Ip.row_indices(i)) I.set(h + i, 2 + w + k);  // diagonal block A_22
    for (auto k : Jp.row_indices(i)) J.set(i, 2 + k);
    for (auto k : Jp.row_indices(i)) J.set(h + i, 2 + w + k);
  }
  return {I, J};
}

Architecture hodlr(std::size_t levels) {
  auto [I, J] = hodlr_xyT(levels);
  return from_xyT(I, J, "hodlr-" + std::to_string(levels));
}

std::pair<Support, Support> np_hardness_xyT(const Support& W) {
  const std::size_t m = W.rows(), n = W.cols();
  if (n == 0 || m < n) {
    std::ostringstream os;
    os << "np_hardness: W is " << m << "x" << n << "; Lemma 3.3.3 needs m >= n >= 1 (pass W^T for a wide mask)";
    throw std::invalid_argument(os.str());
  }
  Support I(m, n + 1), J(n, n + 1);
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = 0; j < n; ++j) I.set(i, j, !W(i, j));
    I.set(i, n);
  }
  for (std::size_t i = 0; i < n; ++i) {
    J.set(i, i);
    J.set(i, n);
  }
  return {I, J};
}

Architecture np_hardness(const Support& W) {
  auto [I, J] = np_hardness_xyT(W);
  return from_xyT(I, J, "np-hardness");
}

}  // namespace wellposed
