#include <gtest/gtest.h>

#include <wellposed/algebra/support.hpp>

namespace wellposed {
namespace {

TEST(Support, NamedConstructorsHaveTheirCounts) {
  EXPECT_EQ(Support::full(3, 5).nnz(), 15u);
  EXPECT_EQ(Support::zero(3, 5).nnz(), 0u);
  EXPECT_EQ(Support::lower(4).nnz(), 10u);
  EXPECT_EQ(Support::upper(4).nnz(), 10u);
  EXPECT_EQ(Support::diagonal(3, 7).nnz(), 3u);
  EXPECT_EQ(Support::lower(4).transpose(), Support::upper(4));
}
}  // namespace
}  // namespace wellposed
