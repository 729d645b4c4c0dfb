#include "wellposed/algebra/architecture.hpp"

#include <atomic>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "wellposed/algebra/orientation.hpp"

namespace wellposed {

struct Architecture::Masks {
  std::mutex mutex;
  std::atomic<bool> built{false};
  std::vector<Support> factors;  // valid once built
  Generator make;                // cleared once built
};

std::string FamilyParams::to_string() const {
  std::string s = family + "(";
  for (std::size_t k = 0; k < params.size(); ++k)
    s += (k ? ", " : "") + params[k].first + "=" + std::to_string(params[k].second);
  return s + ")";
}

namespace {
std::size_t checked_mul(std::size_t x, std::size_t y, const std::string& what) {
  std::size_t r = 0;
  if (__builtin_mul_overflow(x, y, &r)) throw std::invalid_argument(what + " does not fit in 64 bits (size overflow)");
  return r;
}
std::size_t checked_add(std::size_t x, std::size_t y, const std::string& what) {
  std::size_t r = 0;
  if (__builtin_add_overflow(x, y, &r)) throw std::invalid_argument(what + " does not fit in 64 bits (size overflow)");
  return r;
}
std::string gib(std::size_t bytes) {
  std::ostringstream os;
  os.precision(3);
  os << static_cast<double>(bytes) / static_cast<double>(std::size_t{1} << 30) << " GiB";
  return os.str();
}
}  // namespace

Architecture::Architecture(std::vector<Support> factors, std::string name)
    : masks_(std::make_shared<Masks>()), name_(std::move(name)) {
  if (factors.empty()) throw std::invalid_argument("architecture '" + name_ + "': needs at least one factor");
  for (std::size_t l = 0; l + 1 < factors.size(); ++l) {
    if (factors[l].cols() != factors[l + 1].rows()) {
      std::ostringstream os;
      os << "architecture '" << name_ << "': factor " << l + 1 << " is " << factors[l].rows() << "x"
         << factors[l].cols() << " but factor " << l + 2 << " is " << factors[l + 1].rows() << "x"
         << factors[l + 1].cols() << " (columns of one must equal rows of the next)";
      throw std::invalid_argument(os.str());
    }
  }
  for (const auto& f : factors) {
    shapes_.push_back({f.rows(), f.cols(), f.nnz()});
    parameter_count_ += shapes_.back().nnz;  // entries of allocated masks: no overflow
  }
  masks_->factors = std::move(factors);
  masks_->built = true;
}

Architecture::Architecture(std::vector<FactorShape> shapes, Generator make, std::string name)
    : shapes_(std::move(shapes)), masks_(std::make_shared<Masks>()), name_(std::move(name)) {
  if (shapes_.empty()) throw std::invalid_argument("architecture '" + name_ + "': needs at least one factor");
  for (std::size_t l = 0; l < shapes_.size(); ++l) {
    if (l + 1 < shapes_.size() && shapes_[l].cols != shapes_[l + 1].rows)
      throw std::invalid_argument("architecture '" + name_ + "': factor " + std::to_string(l + 1) + " has " +
                                  std::to_string(shapes_[l].cols) + " columns but factor " + std::to_string(l + 2) +
                                  " has " + std::to_string(shapes_[l + 1].rows) + " rows");
    parameter_count_ = checked_add(parameter_count_, shapes_[l].nnz, "architecture '" + name_ + "': the parameter count");
  }
  masks_->make = std::move(make);
}

std::optional<std::size_t> Architecture::materialize_bytes() const {
  std::size_t total = 0;
  for (const auto& s : shapes_) {
    const auto b = Support::storage_bytes(s.rows, s.cols);
    if (!b || __builtin_add_overflow(total, *b, &total)) return std::nullopt;
  }
  return total;
}

bool Architecture::materialized() const { return masks_->built.load(std::memory_order_acquire); }

bool Architecture::can_materialize() const {
  if (materialized()) return true;
  const auto b = materialize_bytes();
  return b && *b <= max_bytes_;
}

const std::vector<Support>& Architecture::masks() const {
  if (masks_->built.load(std::memory_order_acquire)) return masks_->factors;
  std::lock_guard lock(masks_->mutex);
  if (!masks_->built.load(std::memory_order_relaxed)) {
    const auto bytes = materialize_bytes();
    if (!bytes || *bytes > max_bytes_)
      throw MaterializationRefused(
          "architecture '" + name_ + "': its " + std::to_string(shapes_.size()) + " dense masks would take " +
          (bytes ? gib(*bytes) : std::string("more than 2^64 bytes")) + ", above the limit of " + gib(max_bytes_) +
          "; it is a family given by its parameters: use its structure (kronecker_chain(), factor_shape(), "
          "contains()) or raise the limit (set_max_materialize_bytes)");
    masks_->factors = masks_->make();
    masks_->make = nullptr;
    masks_->built.store(true, std::memory_order_release);
  }
  return masks_->factors;
}

const Support& Architecture::factor(std::size_t l) const {
  if (l >= shapes_.size())
    throw std::out_of_range("architecture factor index " + std::to_string(l) + " out of range (L = " +
                            std::to_string(shapes_.size()) + ")");
  return masks()[l];
}

const std::vector<Support>& Architecture::factors() const { return masks(); }

const FactorShape& Architecture::factor_shape(std::size_t l) const {
  if (l >= shapes_.size())
    throw std::out_of_range("architecture factor index " + std::to_string(l) + " out of range (L = " +
                            std::to_string(shapes_.size()) + ")");
  return shapes_[l];
}

bool Architecture::contains(std::size_t l, std::size_t i, std::size_t j) const {
  const FactorShape& s = factor_shape(l);
  if (i >= s.rows || j >= s.cols)
    throw std::out_of_range("architecture factor " + std::to_string(l) + ": index (" + std::to_string(i) + ", " +
                            std::to_string(j) + ") out of range");
  if (materialized()) return masks_->factors[l](i, j);
  if (chain_) return (*chain_)[l].contains(i, j);
  if (family_ && family_->family == "lu") return l == 0 ? i >= j : i <= j;
  return factor(l)(i, j);
}

std::vector<std::size_t> Architecture::dims() const {
  std::vector<std::size_t> d{shapes_.front().rows};
  for (const auto& f : shapes_) d.push_back(f.cols);
  return d;
}

Support Architecture::product_support() const {
  // Prop 6.3.11 and Lemma 6.3.15: S_theta1 ... S_thetaN = (q_1 ... q_{N-1}) S_{theta_1 * ... * theta_N}
  // as a counting product, so the Boolean product is S_{chain_product}.
  if (chain_ && !materialized() && is_chainable(*chain_)) return chain_product(*chain_).support();
  const auto& f = masks();
  Support p = f.front();
  for (std::size_t l = 1; l < f.size(); ++l) p = p.boolean_product(f[l]);
  return p;
}

std::optional<KChain> Architecture::kronecker_chain() const {
  if (chain_) return chain_;
  if (family_ && family_->family == "lu" && family_->params.at(0).second >= 2)
    return std::nullopt;  // row 0 of the lower mask has 1 entry, row 1 has 2: not Kronecker (every row has c)
  if (family_ && family_->family == "hodlr")
    return std::nullopt;  // J_N is not Kronecker-sparse (its first level is the anti-diagonal pair "0110", "1001")
  KChain chain;
  for (const auto& f : masks()) {
    auto t = recognize_kronecker(f);
    if (!t) return std::nullopt;
    chain.push_back(*t);
  }
  return chain;
}

bool Architecture::operator==(const Architecture& o) const {
  if (shapes_ != o.shapes_) return false;
  if (chain_ && o.chain_) {
    bool same = true;
    for (std::size_t l = 0; l < chain_->size() && same; ++l) same = same_support((*chain_)[l], (*o.chain_)[l]);
    return same;  // masks equal iff every pair of patterns has the same support
  }
  if (family_ && o.family_ && *family_ == *o.family_) return true;
  return masks() == o.masks();
}

std::pair<Support, Support> Architecture::to_xyT() const {
  if (shapes_.size() != 2)
    throw std::invalid_argument("to_xyT: architecture '" + name_ + "' has " + std::to_string(shapes_.size()) +
                                " factors; the X Y^T form needs exactly 2");
  return orientation::to_xyT(masks()[0], masks()[1]);
}

std::vector<Support> Architecture::to_layers() const { return orientation::to_layers(masks()); }

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
  const std::string what = "lu(n=" + std::to_string(n) + "): |I_1| = n (n + 1) / 2";
  const std::size_t np1 = checked_add(n, 1, what);
  const std::size_t nnz = n % 2 ? checked_mul(n, np1 / 2, what) : checked_mul(n / 2, np1, what);
  Architecture a({{n, n, nnz}, {n, n, nnz}}, [n] { return std::vector<Support>{Support::lower(n), Support::upper(n)}; },
                 "lu-" + std::to_string(n));
  a.family_ = FamilyParams{"lu", {{"n", n}}};
  return a;
}

Architecture low_rank(std::size_t m, std::size_t n, std::size_t r) {
  if (m == 0 || n == 0 || r == 0) throw std::invalid_argument("low_rank(m, n, r): sizes must be positive");
  const FamilyParams fam{"lowrank", {{"m", m}, {"n", n}, {"r", r}}};
  checked_mul(m, r, fam.to_string() + ": |I_1| = m r");
  checked_mul(r, n, fam.to_string() + ": |I_2| = r n");
  // Table 6.1: low rank is the Kronecker chain (1, m, r, 1), (1, r, n, 1).
  auto a = kronecker_chain_architecture({{1, m, r, 1}, {1, r, n, 1}});
  a.set_name("lowrank-" + std::to_string(m) + "x" + std::to_string(n) + "-r" + std::to_string(r));
  a.family_ = fam;
  return a;
}

Architecture kronecker_chain_architecture(const KChain& chain) {
  if (chain.empty()) throw std::invalid_argument("kronecker chain: empty");
  std::vector<FactorShape> shapes;
  for (std::size_t l = 0; l < chain.size(); ++l) {
    chain[l].validate();
    // rows(), cols(), nnz() are checked: they throw naming the pattern.
    shapes.push_back({chain[l].rows(), chain[l].cols(), chain[l].nnz()});
    if (l > 0 && shapes[l - 1].cols != shapes[l].rows) {
      std::ostringstream os;
      os << "kronecker chain: pattern " << l << " " << chain[l - 1].to_string() << " has " << shapes[l - 1].cols
         << " columns but pattern " << l + 1 << " " << chain[l].to_string() << " has " << shapes[l].rows
         << " rows (6.9: a_l c_l d_l = a_{l+1} b_{l+1} d_{l+1})";
      throw std::invalid_argument(os.str());
    }
  }
  const std::string name = "kronecker-" + to_string(chain);
  (void)parameter_count(chain);  // throws, naming the chain, if the sum overflows
  Architecture arch(std::move(shapes),
                    [chain] {
                      std::vector<Support> f;
                      for (const auto& t : chain) f.push_back(t.support());
                      return f;
                    },
                    name);
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

// Builds a family's chain architecture; a size overflow names the family and its parameters.
Architecture family_chain(const FamilyParams& fam, const std::function<KChain()>& chain, const std::string& name) {
  try {
    auto a = kronecker_chain_architecture(chain());
    a.set_name(name);
    return a;
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(fam.to_string() + ": " + e.what());
  }
}
}  // namespace

KChain butterfly_chain(std::size_t n) {
  const std::size_t N = log2_exact(n, "butterfly");
  KChain chain;
  for (std::size_t l = 1; l <= N; ++l) chain.push_back({std::size_t{1} << (l - 1), 2, 2, std::size_t{1} << (N - l)});
  return chain;
}

Architecture butterfly(std::size_t n) {
  FamilyParams fam{"butterfly", {{"n", n}}};
  auto a = family_chain(fam, [n] { return butterfly_chain(n); }, "butterfly-" + std::to_string(n));
  a.family_ = std::move(fam);
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
  FamilyParams fam{"monarch", {{"m", m}, {"n", n}, {"p", p}, {"q", q}}};
  auto a = family_chain(fam, [=] { return monarch_chain(m, n, p, q); },
                        "monarch-" + std::to_string(m) + "x" + std::to_string(n) + "-p" + std::to_string(p) + "-q" +
                            std::to_string(q));
  a.family_ = std::move(fam);
  return a;
}

KChain kaleidoscope_chain(std::size_t n) {
  KChain b = butterfly_chain(n);
  KChain k = b;
  k.insert(k.end(), b.rbegin(), b.rend());
  return k;
}

Architecture kaleidoscope(std::size_t n) {
  FamilyParams fam{"kaleidoscope", {{"n", n}}};
  auto a = family_chain(fam, [n] { return kaleidoscope_chain(n); }, "kaleidoscope-" + std::to_string(n));
  a.family_ = std::move(fam);
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
  if (levels == 0) throw std::invalid_argument("hodlr: levels must be >= 1");
  const std::string what = "hodlr(levels=" + std::to_string(levels) + ")";
  if (levels > 61)  // r = 3 2^levels - 2 must fit in 64 bits
    throw std::invalid_argument(what + ": at most 61 levels fit in 64-bit sizes");
  const std::size_t n = std::size_t{1} << levels, r = 3 * n - 2;
  const std::size_t nnz = checked_mul(n, levels + 1, what + ": |I_N| = n (N + 1)");
  // Library orientation of the pair (I, J): factors I (n x r) and J^T (r x n).
  Architecture a({{n, r, nnz}, {r, n, nnz}},
                 [levels] {
                   auto [I, J] = hodlr_xyT(levels);
                   return orientation::from_xyT(I, J);
                 },
                 "hodlr-" + std::to_string(levels));
  a.family_ = FamilyParams{"hodlr", {{"levels", levels}}};
  return a;
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
