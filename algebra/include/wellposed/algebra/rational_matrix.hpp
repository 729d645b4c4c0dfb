#pragma once
// RationalMatrix: a small dense matrix of exact rationals, the target A of
// the sentences of thesis Sec. 3.2 and the exact reference for checking
// entry polynomials against matrix products. Row-major; meant for the sizes
// that symbolic methods can handle (tens of rows), not for numerics.
#include <cstddef>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "wellposed/algebra/polynomial.hpp"
#include "wellposed/algebra/support.hpp"

namespace wellposed {

class RationalMatrix {
 public:
  RationalMatrix() = default;
  /// The rows x cols zero matrix.
  RationalMatrix(std::size_t rows, std::size_t cols) : rows_(rows), cols_(cols), data_(rows * cols) {}
  /// From rows of entries. Throws std::invalid_argument naming the first row
  /// whose length differs from row 0.
  explicit RationalMatrix(const std::vector<std::vector<Rational>>& rows) {
    *this = from_rows_impl(rows);
  }
  /// From rows of integers, e.g. from_integers({{0, 1}, {1, 0}}).
  static RationalMatrix from_integers(const std::vector<std::vector<long long>>& rows) {
    std::vector<std::vector<Rational>> r;
    r.reserve(rows.size());
    for (const auto& row : rows) r.emplace_back(row.begin(), row.end());
    return from_rows_impl(r);
  }
  static RationalMatrix identity(std::size_t n) {
    RationalMatrix m(n, n);
    for (std::size_t i = 0; i < n; ++i) m(i, i) = 1;
    return m;
  }

  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  /// Unchecked access.
  Rational& operator()(std::size_t i, std::size_t j) { return data_[i * cols_ + j]; }
  const Rational& operator()(std::size_t i, std::size_t j) const { return data_[i * cols_ + j]; }
  /// Bounds-checked access (std::out_of_range naming the index and shape).
  Rational& at(std::size_t i, std::size_t j) {
    check(i, j);
    return (*this)(i, j);
  }
  const Rational& at(std::size_t i, std::size_t j) const {
    check(i, j);
    return (*this)(i, j);
  }

  /// The exact product; throws std::invalid_argument on an inner-dimension mismatch.
  RationalMatrix operator*(const RationalMatrix& o) const {
    if (cols_ != o.rows_) {
      std::ostringstream os;
      os << "RationalMatrix product: " << rows_ << "x" << cols_ << " times " << o.rows_ << "x" << o.cols_;
      throw std::invalid_argument(os.str());
    }
    RationalMatrix r(rows_, o.cols_);
    for (std::size_t i = 0; i < rows_; ++i)
      for (std::size_t k = 0; k < cols_; ++k) {
        const Rational& a = (*this)(i, k);
        if (a == 0) continue;
        for (std::size_t j = 0; j < o.cols_; ++j) r(i, j) += a * o(k, j);
      }
    return r;
  }
  /// Entries outside `s` set to zero (the Hadamard product with the 0/1 mask).
  /// Throws std::invalid_argument if the shapes differ.
  RationalMatrix masked(const Support& s) const {
    if (s.rows() != rows_ || s.cols() != cols_)
      throw std::invalid_argument("RationalMatrix::masked: shape differs from the support's");
    RationalMatrix r = *this;
    for (std::size_t i = 0; i < rows_; ++i)
      for (std::size_t j = 0; j < cols_; ++j)
        if (!s(i, j)) r(i, j) = 0;
    return r;
  }

  bool operator==(const RationalMatrix& o) const {
    return rows_ == o.rows_ && cols_ == o.cols_ && data_ == o.data_;
  }

  /// "[[0, 1/2], [1, 0]]".
  std::string to_string() const {
    std::string s = "[";
    for (std::size_t i = 0; i < rows_; ++i) {
      s += i ? ", [" : "[";
      for (std::size_t j = 0; j < cols_; ++j) s += (j ? ", " : "") + (*this)(i, j).str();
      s += "]";
    }
    return s + "]";
  }

 private:
  static RationalMatrix from_rows_impl(const std::vector<std::vector<Rational>>& rows) {
    RationalMatrix m(rows.size(), rows.empty() ? 0 : rows.front().size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].size() != m.cols_)
        throw std::invalid_argument("RationalMatrix: row " + std::to_string(i) + " has " +
                                    std::to_string(rows[i].size()) + " entries, row 0 has " +
                                    std::to_string(m.cols_));
      for (std::size_t j = 0; j < m.cols_; ++j) m(i, j) = rows[i][j];
    }
    return m;
  }
  void check(std::size_t i, std::size_t j) const {
    if (i >= rows_ || j >= cols_)
      throw std::out_of_range("RationalMatrix::at(" + std::to_string(i) + ", " + std::to_string(j) +
                              ") outside " + std::to_string(rows_) + "x" + std::to_string(cols_));
  }
  std::size_t rows_ = 0, cols_ = 0;
  std::vector<Rational> data_;
};

}  // namespace wellposed
