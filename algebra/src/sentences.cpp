#include "wellposed/algebra/detail/sentences.hpp"

#include <stdexcept>
#include <string>

#include "wellposed/algebra/detail/entry_polynomials.hpp"

namespace wellposed {

namespace {
void check_target(const Architecture& arch, const RationalMatrix& A, const char* who) {
  if (A.rows() != arch.rows() || A.cols() != arch.cols())
    throw std::invalid_argument(std::string(who) + ": target is " + std::to_string(A.rows()) + "x" +
                                std::to_string(A.cols()) + ", the architecture's product is " +
                                std::to_string(arch.rows()) + "x" + std::to_string(arch.cols()));
}

std::vector<std::vector<Polynomial>> as_polynomials(const std::vector<std::vector<Variable>>& a) {
  std::vector<std::vector<Polynomial>> p;
  for (const auto& row : a) p.emplace_back(row.begin(), row.end());
  return p;
}

std::vector<std::vector<Polynomial>> as_polynomials(const RationalMatrix& A) {
  std::vector<std::vector<Polynomial>> p(A.rows(), std::vector<Polynomial>(A.cols()));
  for (std::size_t i = 0; i < A.rows(); ++i)
    for (std::size_t j = 0; j < A.cols(); ++j) p[i][j] = A(i, j);
  return p;
}

std::vector<Variable> flatten(const std::vector<std::vector<Variable>>& a) {
  std::vector<Variable> v;
  for (const auto& row : a) v.insert(v.end(), row.begin(), row.end());
  return v;
}

// and_ij P_ij = A_ij.
Formula reaches(const EntryPolynomials& p, const std::vector<std::vector<Polynomial>>& A) {
  std::vector<Formula> eqs;
  for (std::size_t i = 0; i < p.rows(); ++i)
    for (std::size_t j = 0; j < p.cols(); ++j) eqs.push_back(eq(p.at(i, j), A[i][j]));
  return Formula::conjunction(eqs);
}

// exists X*, forall X: P(A, X*) - P(A, X) <= 0, for a target given as polynomials.
Formula attainment(const Architecture& arch, const std::vector<std::vector<Polynomial>>& A) {
  const EntryPolynomials x = entry_polynomials(arch, "x");
  const EntryPolynomials xs = entry_polynomials(arch, "xs");
  return Formula::exists(xs.variables(), Formula::forall(x.variables(), le(residual(xs, A) - residual(x, A))));
}
}  // namespace

Formula membership_formula(const Architecture& arch) {
  const EntryPolynomials x = entry_polynomials(arch, "x");
  return Formula::exists(x.variables(), reaches(x, as_polynomials(target_variables(arch.rows(), arch.cols()))));
}

Formula membership_sentence(const Architecture& arch, const RationalMatrix& A) {
  check_target(arch, A, "membership_sentence");
  const EntryPolynomials x = entry_polynomials(arch, "x");
  return Formula::exists(x.variables(), reaches(x, as_polynomials(A)));
}

Formula non_closedness_sentence(const Architecture& arch, ResidualForm form) {
  const auto a = target_variables(arch.rows(), arch.cols());
  const auto A = as_polynomials(a);
  const EntryPolynomials x = entry_polynomials(arch, "x");
  const EntryPolynomials xp = entry_polynomials(arch, "xp");
  const Variable eps = Variable::named("eps");

  Formula not_reached, approached;
  if (form == ResidualForm::sum_of_squares) {
    // Lemma 3.2.16 verbatim.
    not_reached = gt(residual(x, A));
    approached = lt(residual(xp, A) - Polynomial(eps));
  } else {
    // Same closure with the max norm: |P_ij - A_ij| < eps for all i, j.
    not_reached = !reaches(x, A);
    std::vector<Formula> close;
    for (std::size_t i = 0; i < xp.rows(); ++i)
      for (std::size_t j = 0; j < xp.cols(); ++j) {
        close.push_back(lt(xp.at(i, j) - A[i][j] - eps));
        close.push_back(lt(A[i][j] - xp.at(i, j) - eps));
      }
    approached = Formula::conjunction(close);
  }
  const Formula closure = Formula::forall({eps}, implies(gt(eps), Formula::exists(xp.variables(), approached)));
  return Formula::exists(flatten(a), Formula::forall(x.variables(), not_reached) && closure);
}

Formula attainment_sentence(const Architecture& arch, const RationalMatrix& A) {
  check_target(arch, A, "attainment_sentence");
  return attainment(arch, as_polynomials(A));
}

Formula well_posedness_sentence(const Architecture& arch) {
  const auto a = target_variables(arch.rows(), arch.cols());
  return Formula::forall(flatten(a), attainment(arch, as_polynomials(a)));
}

}  // namespace wellposed
