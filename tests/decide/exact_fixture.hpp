#pragma once
// The fixture shared by the exact-route tests (exact_test.cpp,
// exact_routes_test.cpp): options with a budget, a two-factor architecture
// from mask rows, and "the independent checker accepts this verdict".
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/exact.hpp"

namespace wellposed::exact_fixture {

/// Exact options with a wall-clock budget and a 2 GiB Z3 memory limit (ASan builds).
inline ExactOptions opts(double seconds) {
  ExactOptions o;
  o.seconds = seconds;
  o.memory_mib = 2048;
  return o;
}

/// The two-factor architecture (X_1 rows I, X_2 rows J), e.g. pair({"11", "10"}, {"01", "11"}).
inline Architecture pair(const std::vector<std::string>& I, const std::vector<std::string>& J) {
  return Architecture({Support::from_rows(I), Support::from_rows(J)});
}

/// The verdict's certificate passes the independent checker.
inline void expect_checked(const Architecture& arch, const Verdict& v) {
  const CheckResult c = check_certificate(arch, v);
  EXPECT_TRUE(c.ok) << c.reason << "\n" << v.certificate.dump();
}

}  // namespace wellposed::exact_fixture
