#include "wellposed/numeric/membership.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "wellposed/algebra/rank_one.hpp"
#include "wellposed/numeric/hierarchical.hpp"

namespace wellposed::numeric {

namespace {
KChain prepare(const KChain& chain, const char* who) {
  if (chain.empty()) throw std::invalid_argument(std::string(who) + ": empty chain");
  if (!is_chainable(chain)) throw std::invalid_argument(std::string(who) + ": the chain " + to_string(chain) + " is not chainable");
  return is_redundant(chain) ? reduce_redundant(chain) : chain;
}
}  // namespace

template <class S>
NumericMembership member_numeric_impl(const MatrixT<S>& A, const KChain& chain_in, double tolerance) {
  const KChain chain = prepare(chain_in, "member_numeric");
  NumericMembership r;
  const auto N = chain.size();
  r.tolerance = tolerance >= 0.0 ? tolerance
                                 : 1e3 * unit_roundoff * std::sqrt(static_cast<double>(std::max(A.rows(), A.cols()))) *
                                       static_cast<double>(N);
  const double scale = A.norm();
  r.member_within_tolerance = true;
  if (N == 1) {
    // B^Theta = matrices supported on S_theta: E = the uncovered mass.
    const KFactor probe(chain[0]);
    double off = 0.0;
    for (Eigen::Index j = 0; j < A.cols(); ++j)
      for (Eigen::Index i = 0; i < A.rows(); ++i)
        if (!probe.in_support(static_cast<std::size_t>(i), static_cast<std::size_t>(j))) off += Eigen::numext::abs2(A(i, j));
    r.certified_not_member = off > 0.0;
    r.member_within_tolerance = std::sqrt(off) <= r.tolerance * scale;
    return r;
  }
  for (std::size_t s = 1; s < N; ++s) {
    const Interval e = split_error(A, chain, s);
    r.split_errors.push_back(e);
    if (e.lo > 0.0) r.certified_not_member = true;
    if (e.hi > r.tolerance * scale && r.member_within_tolerance) {
      r.member_within_tolerance = false;
      std::ostringstream os;
      os << "E_" << s << "(A) >= " << e.lo << " (certified upper " << e.hi << ") exceeds tolerance * ||A||_F = " << r.tolerance * scale;
      r.reason = os.str();
    }
  }
  return r;
}

NumericMembership member_numeric(const Matrix& A, const KChain& chain, double tolerance) {
  return member_numeric_impl(A, chain, tolerance);
}
NumericMembership member_numeric(const ComplexMatrix& A, const KChain& chain, double tolerance) {
  return member_numeric_impl(A, chain, tolerance);
}

std::size_t exact_rank(RationalEntries M) {
  std::size_t rank = 0;
  const std::size_t m = M.size(), n = m ? M[0].size() : 0;
  for (std::size_t col = 0; col < n && rank < m; ++col) {
    std::size_t piv = rank;
    while (piv < m && M[piv][col] == 0) ++piv;
    if (piv == m) continue;
    std::swap(M[piv], M[rank]);
    for (std::size_t i = rank + 1; i < m; ++i) {
      if (M[i][col] == 0) continue;
      // Not `auto`: Boost expression templates would alias the row being updated.
      const boost::multiprecision::mpq_rational f = M[i][col] / M[rank][col];
      for (std::size_t j = col; j < n; ++j) M[i][j] -= f * M[rank][j];
    }
    ++rank;
  }
  return rank;
}

ExactMembership member_exact(const RationalEntries& A, const KChain& chain_in) {
  const KChain chain = prepare(chain_in, "member_exact");
  const KPattern whole = chain_product(chain);
  if (A.size() != whole.rows() || (A.size() && A[0].size() != whole.cols()))
    throw std::invalid_argument("member_exact: A has the wrong shape for the chain " + to_string(chain));
  ExactMembership r;
  const Support S = whole.support();
  for (std::size_t i = 0; i < A.size(); ++i)
    for (std::size_t j = 0; j < A[i].size(); ++j)
      if (A[i][j] != 0 && !S(i, j)) {
        r.reason = "entry (" + std::to_string(i) + ", " + std::to_string(j) + ") is non-zero outside S_" + whole.to_string();
        return r;
      }
  const auto qs = *chain_qs(chain);
  for (std::size_t s = 1; s < chain.size(); ++s) {
    const KPattern L = chain_product(KChain(chain.begin(), chain.begin() + static_cast<std::ptrdiff_t>(s)));
    const KPattern R = chain_product(KChain(chain.begin() + static_cast<std::ptrdiff_t>(s), chain.end()));
    for (const auto& P : rank_one_classes(L.support(), R.support())) {
      RationalEntries B(P.rows.size(), std::vector<boost::multiprecision::mpq_rational>(P.cols.size()));
      for (std::size_t u = 0; u < P.rows.size(); ++u)
        for (std::size_t v = 0; v < P.cols.size(); ++v) B[u][v] = A[P.rows[u]][P.cols[v]];
      const std::size_t rk = exact_rank(B);
      if (rk > qs[s - 1]) {
        std::ostringstream os;
        os << "split " << s << ": rank A[R_P, C_P] = " << rk << " > q_" << s << " = " << qs[s - 1] << " for the class with rows starting at "
           << P.rows.front() << " and columns starting at " << P.cols.front() << " (Cor 6.5.12)";
        r.reason = os.str();
        return r;
      }
    }
  }
  r.member = true;
  return r;
}

}  // namespace wellposed::numeric
