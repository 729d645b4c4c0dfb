#include "wellposed/numeric/interval.hpp"

#include <algorithm>

namespace wellposed::numeric {

namespace {
constexpr double inf = std::numeric_limits<double>::infinity();
}

double gamma(std::size_t n) {
  const double nu = round_up(static_cast<double>(n) * unit_roundoff);
  if (!(nu < 0.5)) return inf;
  return round_up(nu / round_down(1.0 - nu));
}

Interval operator+(const Interval& x, const Interval& y) {
  // Non-negative operands: the sum is >= 0, so the outward step below zero
  // (round_down(0) = -4.9e-324) is clamped away; an exact 0 stays 0.
  return {std::max(0.0, round_down(x.lo + y.lo)), round_up(x.hi + y.hi)};
}

Interval operator*(const Interval& x, const Interval& y) {
  // Non-negative operands (norms): the product is monotone in each argument.
  return {std::max(0.0, round_down(x.lo * y.lo)), round_up(x.hi * y.hi)};
}

Interval operator*(double s, const Interval& x) { return Interval{s, s} * x; }

Interval sqrt(const Interval& x) {
  return {std::max(0.0, round_down(std::sqrt(std::max(x.lo, 0.0)))), round_up(std::sqrt(std::max(x.hi, 0.0)))};
}

Interval square(const Interval& x) { return x * x; }

Interval hull(const Interval& x, const Interval& y) { return {std::min(x.lo, y.lo), std::max(x.hi, y.hi)}; }

Interval intersect(const Interval& x, const Interval& y) { return {std::max(x.lo, y.lo), std::min(x.hi, y.hi)}; }

Interval nonneg_sum_enclosure(double computed, std::size_t n) {
  if (!std::isfinite(computed)) return {0.0, inf};
  const double g = gamma(n);
  const double slack = round_up(static_cast<double>(n) * underflow_eta);
  const double lo = round_down(round_down(computed - slack) / round_up(1.0 + g));
  const double hi = round_up(round_up(computed + slack) / round_down(1.0 - g));
  return {std::max(0.0, lo), hi};
}

void ResidualAccumulator::merge(const ResidualAccumulator& o) {
  ss += o.ss;
  ww += o.ww;
  count += o.count;
  terms = std::max(terms, o.terms);
}

Interval ResidualAccumulator::norm() const {
  // ||d^||_F and ||w||_F from their computed sums of squares; the w entries are
  // themselves computed (|b| + sum |h k|: terms roundings, all non-negative), so
  // w_exact <= w^ / (1 - gamma_terms) entrywise.
  const Interval d = sqrt(nonneg_sum_enclosure(ss, count));
  const double w_up = round_up(sqrt(nonneg_sum_enclosure(ww, count)).hi / round_down(1.0 - gamma(terms)));
  const double err = round_up(round_up(gamma(terms) * w_up) +
                              round_up(std::sqrt(static_cast<double>(count)) * static_cast<double>(terms) * underflow_eta * 2.0));
  if (!std::isfinite(err)) return {0.0, inf};
  return {std::max(0.0, round_down(d.lo - err)), round_up(d.hi + err)};
}

}  // namespace wellposed::numeric
