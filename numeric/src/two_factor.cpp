#include "wellposed/numeric/two_factor.hpp"

#include <sstream>
#include <vector>

#include "block_kernels.hpp"
#include "wellposed/algebra/rank_one.hpp"

namespace wellposed::numeric {

namespace {

template <class S>
MatrixT<S> gather(const MatrixT<S>& A, const std::vector<std::size_t>& rows, const std::vector<std::size_t>& cols) {
  MatrixT<S> B(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(cols.size()));
  for (std::size_t j = 0; j < cols.size(); ++j)
    for (std::size_t i = 0; i < rows.size(); ++i)
      B(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
          A(static_cast<Eigen::Index>(rows[i]), static_cast<Eigen::Index>(cols[j]));
  return B;
}

bool nonempty(const RankOneClass& p) { return !p.rows.empty() && !p.cols.empty(); }

std::string describe(const RankOneClass& p) {
  std::ostringstream os;
  os << "{";
  for (std::size_t i = 0; i < p.indices.size(); ++i) os << (i ? "," : "") << p.indices[i];
  os << "}";
  return os.str();
}

// Algorithm 2 on the given classes: one truncated SVD per class, subtracting
// each contribution from the running residual R (needed when S_P overlap, as
// for complete classes). Adds the certified tails of the blocks to tail_sq
// when the classes are disjoint (then the blocks are blocks of A itself).
template <class S>
void svd_fsmf(MatrixT<S>& R, const std::vector<RankOneClass>& classes, MatrixT<S>& X, MatrixT<S>& Y, bool subtract,
              Interval* tail_sq) {
  using Matrix = MatrixT<S>;
  for (const auto& p : classes) {
    if (!nonempty(p)) continue;
    const Matrix B = gather(R, p.rows, p.cols);
    Matrix H, K;
    ResidualAccumulator unused;
    Interval t;
    detail::truncated_block(B, p.size(), detail::Balance::sqrt_sigma, H, K, unused, tail_sq ? &t : nullptr);
    if (tail_sq) *tail_sq = *tail_sq + t;
    for (std::size_t u = 0; u < p.size(); ++u) {
      const auto k = static_cast<Eigen::Index>(p.indices[u]);
      for (std::size_t i = 0; i < p.rows.size(); ++i) X(static_cast<Eigen::Index>(p.rows[i]), k) = H(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(u));
      for (std::size_t j = 0; j < p.cols.size(); ++j) Y(k, static_cast<Eigen::Index>(p.cols[j])) = K(static_cast<Eigen::Index>(u), static_cast<Eigen::Index>(j));
    }
    if (subtract) {
      const Matrix HK = H * K;
      for (std::size_t j = 0; j < p.cols.size(); ++j)
        for (std::size_t i = 0; i < p.rows.size(); ++i)
          R(static_cast<Eigen::Index>(p.rows[i]), static_cast<Eigen::Index>(p.cols[j])) -= HK(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
    }
  }
}

// ||A o (1 - cover)||^2 and the Thm 6.2.3 value for disjoint classes.
template <class S>
double uncovered_sq(const MatrixT<S>& A, const std::vector<RankOneClass>& classes, Interval* enclosure) {
  std::vector<char> covered(static_cast<std::size_t>(A.size()), 0);
  for (const auto& p : classes)
    if (nonempty(p))
      for (auto j : p.cols)
        for (auto i : p.rows) covered[j * static_cast<std::size_t>(A.rows()) + i] = 1;
  double s = 0.0;
  std::size_t n = 0;
  for (Eigen::Index j = 0; j < A.cols(); ++j)
    for (Eigen::Index i = 0; i < A.rows(); ++i)
      if (!covered[static_cast<std::size_t>(j * A.rows() + i)]) {
        s += Eigen::numext::abs2(A(i, j));
        ++n;
      }
  if (enclosure) *enclosure = nonneg_sum_enclosure(s, square_terms<S>(std::max<std::size_t>(n, 1)));
  return s;
}

// Thm 6.2.3's value ||A||^2 - sum_P sum_{j<=|P|} sigma_j^2(A[R_P,C_P]), evaluated
// without cancellation as ||A off the blocks||^2 + sum_P sum_{j>|P|} sigma_j^2
// (the blocks R_P x C_P are disjoint under the theorem's hypothesis).
template <class S>
double theorem_value(const MatrixT<S>& A, const std::vector<RankOneClass>& classes) {
  double v = uncovered_sq(A, classes, nullptr);
  for (const auto& p : classes) {
    if (!nonempty(p)) continue;
    const MatrixT<S> B = gather(A, p.rows, p.cols);
    const Eigen::VectorXd s = Eigen::JacobiSVD<MatrixT<S>>(B).singularValues();
    for (Eigen::Index j = static_cast<Eigen::Index>(p.size()); j < s.size(); ++j) v += s(j) * s(j);
  }
  return v;
}

std::string why_not_5_2_3(const std::vector<RankOneClass>& cl, std::size_t m, std::size_t n) {
  for (std::size_t x = 0; x < cl.size(); ++x)
    for (std::size_t y = x + 1; y < cl.size(); ++y) {
      if (!nonempty(cl[x]) || !nonempty(cl[y])) continue;
      if ((cl[x].support(m, n) & cl[y].support(m, n)).nnz() != 0) {
        std::ostringstream os;
        os << "Thm 5.2.3 fails: the rank-one supports of classes " << describe(cl[x]) << " and " << describe(cl[y])
           << " overlap without being identical";
        return os.str();
      }
    }
  return "Thm 5.2.3 fails";
}

std::string why_not_5_2_9(const CecTaxonomy& t) {
  std::ostringstream os;
  for (std::size_t u = 0; u < t.T_bar.size(); ++u)
    if (!t.rectangular[u]) {
      os << "Thm 5.2.9 fails: S'_" << t.T_bar[u] << " = S_" << t.T_bar[u]
         << " minus the complete classes' support is not a rectangle (Def 5.2.7)";
      return os.str();
    }
  for (std::size_t u = 0; u < t.T_bar.size(); ++u)
    for (std::size_t v = u + 1; v < t.T_bar.size(); ++v)
      if (t.S_prime[u] != t.S_prime[v] && (t.S_prime[u] & t.S_prime[v]).nnz() != 0) {
        os << "Thm 5.2.9 fails: S'_" << t.T_bar[u] << " and S'_" << t.T_bar[v] << " overlap without being equal";
        return os.str();
      }
  return "Thm 5.2.9 fails";
}

template <class S>
Interval certified_residual_impl(const MatrixT<S>& A, const MatrixT<S>& X, const MatrixT<S>& Y) {
  // Complex: inner_terms / square_terms and mag_up (interval.hpp).
  ResidualAccumulator acc;
  const MatrixT<S> P = X * Y;
  const auto mag = [](const S& z) { return mag_up(z); };
  acc.ss = (A - P).squaredNorm();
  acc.ww = (A.unaryExpr(mag) + X.unaryExpr(mag) * Y.unaryExpr(mag)).squaredNorm();
  acc.count = square_terms<S>(static_cast<std::size_t>(A.size()));
  acc.terms = inner_terms<S>(static_cast<std::size_t>(X.cols()) + 1);
  return acc.norm();
}

template <class S>
BasicTwoFactorResult<S> factorize_two_factors_impl(const MatrixT<S>& A, const Support& left, const Support& right) {
  using Matrix = MatrixT<S>;
  const std::size_t m = left.rows(), r = left.cols(), n = right.cols();
  if (right.rows() != r || static_cast<std::size_t>(A.rows()) != m || static_cast<std::size_t>(A.cols()) != n) {
    std::ostringstream os;
    os << "factorize_two_factors: A is " << A.rows() << " x " << A.cols() << ", left support " << left.rows() << " x "
       << left.cols() << ", right support " << right.rows() << " x " << right.cols()
       << "; need A m x n, left m x r, right r x n";
    throw std::invalid_argument(os.str());
  }
  require_finite(A, "factorize_two_factors: A");
  BasicTwoFactorResult<S> res;
  res.X = Matrix::Zero(static_cast<Eigen::Index>(m), static_cast<Eigen::Index>(r));
  res.Y = Matrix::Zero(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(n));
  // The rank-one classes of a support pair that own at least one entry.
  const auto live_classes = [](const Support& ls, const Support& rs) {
    std::vector<RankOneClass> live;
    for (const auto& p : rank_one_classes(ls, rs))
      if (nonempty(p)) live.push_back(p);
    return live;
  };
  // Algorithm 3 on (B, classes), its blocks added into res.X, res.Y: returns
  // the certified optimal squared error (B's entries no class covers plus the
  // discarded singular values) and sets res.optimal_value_sq to the theorem's value.
  const auto algorithm_3 = [&res](const Matrix& B, const std::vector<RankOneClass>& cls) {
    Matrix R = B;
    Interval tails{0, 0}, off{0, 0};
    svd_fsmf(R, cls, res.X, res.Y, false, &tails);
    uncovered_sq(B, cls, &off);
    res.optimal_value_sq = theorem_value(B, cls);
    return off + tails;
  };
  const std::vector<RankOneClass> live = live_classes(left, right);
  Interval opt_sq{0, 0};
  if (classes_pairwise_disjoint(live, m, n)) {
    // Theorem 5.2.3 / 6.2.3: disjoint rank-one supports => Algorithm 3 is optimal.
    res.theorem = "Thm 5.2.3";
    opt_sq = algorithm_3(A, live);
  } else {
    const CecTaxonomy t = cec_taxonomy(left, right);
    if (!t.thm_5_2_9_hypothesis)
      throw NotTractable("factorize_two_factors: support pair not tractable: " + why_not_5_2_3(live, m, n) + "; " +
                         why_not_5_2_9(t));
    // Theorem 5.2.9 / Algorithm 4: complete classes reproduce A o S_T (Lemma 5.2.6),
    // the rest is Algorithm 3 on (A o S_T-bar, I^1, J^1); X^2 = Y^2 = 0 (Remark 5.5.4).
    res.theorem = "Thm 5.2.9";
    Matrix A_T = Matrix::Zero(A.rows(), A.cols()), A_bar = A;
    for (std::size_t i = 0; i < m; ++i)
      for (auto j : t.S_T.row_indices(i)) {
        A_T(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = A(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
        A_bar(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = S(0);
      }
    std::vector<RankOneClass> complete;
    for (auto pos : t.complete_class) complete.push_back(t.classes[pos]);
    svd_fsmf(A_T, complete, res.X, res.Y, true, nullptr);
    opt_sq = algorithm_3(A_bar, live_classes(t.left_1, t.right_1));
  }
  res.optimal_error = sqrt(opt_sq);
  res.residual = certified_residual_impl(A, res.X, res.Y);
  return res;
}

}  // namespace

Interval certified_residual(const Matrix& A, const Matrix& X, const Matrix& Y) { return certified_residual_impl(A, X, Y); }
Interval certified_residual(const ComplexMatrix& A, const ComplexMatrix& X, const ComplexMatrix& Y) {
  return certified_residual_impl(A, X, Y);
}

TwoFactorResult factorize_two_factors(const Matrix& A, const Support& left, const Support& right) {
  return factorize_two_factors_impl(A, left, right);
}
ComplexTwoFactorResult factorize_two_factors(const ComplexMatrix& A, const Support& left, const Support& right) {
  return factorize_two_factors_impl(A, left, right);
}

}  // namespace wellposed::numeric
