#include "wellposed/algebra/detail/entry_polynomials.hpp"

#include <limits>
#include <stdexcept>

namespace wellposed {

namespace {
constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();

std::string shape(std::size_t r, std::size_t c) { return std::to_string(r) + "x" + std::to_string(c); }
}  // namespace

FactorVariables::FactorVariables(const Support& support, std::size_t l, const std::string& prefix)
    : support_(support), index_(support.rows() * support.cols(), npos) {
  for (const auto& [r, c] : support.entries()) {
    index_[r * support.cols() + c] = variables_.size();
    variables_.push_back(Variable::named(prefix + std::to_string(l) + "_" + std::to_string(r) + "_" +
                                         std::to_string(c)));
  }
}

const Variable& FactorVariables::at(std::size_t r, std::size_t c) const {
  if (r >= rows() || c >= cols() || index_[r * cols() + c] == npos)
    throw std::out_of_range("FactorVariables::at(" + std::to_string(r) + ", " + std::to_string(c) +
                            "): not an entry of the " + shape(rows(), cols()) + " support");
  return variables_[index_[r * cols() + c]];
}

Polynomial FactorVariables::entry(std::size_t r, std::size_t c) const {
  if (r >= rows() || c >= cols())
    throw std::out_of_range("FactorVariables::entry(" + std::to_string(r) + ", " + std::to_string(c) +
                            ") outside " + shape(rows(), cols()));
  const std::size_t k = index_[r * cols() + c];
  return k == npos ? Polynomial() : Polynomial(variables_[k]);
}

std::vector<Variable> EntryPolynomials::variables() const {
  std::vector<Variable> vs;
  for (const auto& f : factors) vs.insert(vs.end(), f.variables().begin(), f.variables().end());
  return vs;
}

Assignment EntryPolynomials::assignment(const std::vector<RationalMatrix>& values) const {
  if (values.size() != factors.size())
    throw std::invalid_argument("EntryPolynomials::assignment: " + std::to_string(values.size()) +
                                " matrices for " + std::to_string(factors.size()) + " factors");
  Assignment a;
  for (std::size_t l = 0; l < factors.size(); ++l) {
    const FactorVariables& f = factors[l];
    if (values[l].rows() != f.rows() || values[l].cols() != f.cols())
      throw std::invalid_argument("EntryPolynomials::assignment: factor " + std::to_string(l + 1) + " is " +
                                  shape(values[l].rows(), values[l].cols()) + ", its support " +
                                  shape(f.rows(), f.cols()));
    for (const auto& [r, c] : f.support().entries()) a.emplace(f.at(r, c), values[l](r, c));
  }
  return a;
}

RationalMatrix EntryPolynomials::evaluate(const Assignment& point) const {
  RationalMatrix m(rows(), cols());
  for (std::size_t i = 0; i < rows(); ++i)
    for (std::size_t j = 0; j < cols(); ++j) m(i, j) = entries[i][j].evaluate(point);
  return m;
}

EntryPolynomials entry_polynomials(const Architecture& arch, const std::string& prefix) {
  EntryPolynomials p;
  for (std::size_t l = 0; l < arch.num_factors(); ++l) p.factors.emplace_back(arch.factor(l), l + 1, prefix);

  // Symbolic left-to-right product. After step l, M[i][c] is the sum over the
  // paths i -> ... -> c through I_1..I_l, i.e. (3.3) truncated at factor l;
  // only support entries are multiplied, so no zero term is ever formed.
  const FactorVariables& first = p.factors.front();
  std::vector<std::vector<Polynomial>> m(first.rows(), std::vector<Polynomial>(first.cols()));
  for (const auto& [r, c] : first.support().entries()) m[r][c] = first.at(r, c);
  for (std::size_t l = 1; l < p.factors.size(); ++l) {
    const FactorVariables& f = p.factors[l];
    std::vector<std::vector<Polynomial>> next(m.size(), std::vector<Polynomial>(f.cols()));
    for (std::size_t i = 0; i < m.size(); ++i)
      for (const auto& [r, c] : f.support().entries())
        if (!m[i][r].is_zero()) next[i][c] += m[i][r] * Polynomial(f.at(r, c));
    m = std::move(next);
  }
  p.entries = std::move(m);
  return p;
}

Polynomial residual(const EntryPolynomials& p, const std::vector<std::vector<Polynomial>>& A) {
  if (A.size() != p.rows() || (!A.empty() && A.front().size() != p.cols()))
    throw std::invalid_argument("residual: target is " + shape(A.size(), A.empty() ? 0 : A.front().size()) +
                                ", the architecture's product is " + shape(p.rows(), p.cols()));
  Polynomial sum;
  for (std::size_t i = 0; i < p.rows(); ++i) {
    if (A[i].size() != p.cols()) throw std::invalid_argument("residual: ragged target row " + std::to_string(i));
    for (std::size_t j = 0; j < p.cols(); ++j) sum += (A[i][j] - p.entries[i][j]).pow(2);
  }
  return sum;
}

Polynomial residual(const EntryPolynomials& p, const RationalMatrix& A) {
  std::vector<std::vector<Polynomial>> a(A.rows(), std::vector<Polynomial>(A.cols()));
  for (std::size_t i = 0; i < A.rows(); ++i)
    for (std::size_t j = 0; j < A.cols(); ++j) a[i][j] = A(i, j);
  return residual(p, a);
}

std::vector<std::vector<Variable>> target_variables(std::size_t rows, std::size_t cols, const std::string& prefix) {
  std::vector<std::vector<Variable>> a;
  a.reserve(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    std::vector<Variable> row;
    row.reserve(cols);
    for (std::size_t j = 0; j < cols; ++j)
      row.push_back(Variable::named(prefix + "_" + std::to_string(i) + "_" + std::to_string(j)));
    a.push_back(std::move(row));
  }
  return a;
}

}  // namespace wellposed
