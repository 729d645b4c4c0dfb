// decide_closedness_exact as a table of named routes (issue 18 item 8): the
// routes are published in order, and a decided verdict's method names the
// route(s) of that table that decided it -- "exact: <route>" for not closed,
// "exact: <route> xN, ..." for closed -- so a route added or renamed in the
// code without its table entry fails here.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include <wellposed/decide/exact.hpp>

namespace wellposed {
namespace {

ExactOptions opts(double seconds) {
  ExactOptions o;
  o.seconds = seconds;
  o.memory_mib = 2048;
  return o;
}

Architecture pair(std::vector<std::string> a, std::vector<std::string> b) {
  return Architecture({Support::from_rows(a), Support::from_rows(b)});
}

// The routes a method names, each with its count removed ("surjective x2" -> "surjective").
std::vector<std::string> named_routes(const std::string& method) {
  std::vector<std::string> out;
  const std::string prefix = "exact: ";
  if (method.rfind(prefix, 0) != 0) return out;
  std::stringstream ss(method.substr(prefix.size()));
  std::string item;
  while (std::getline(ss, item, ',')) {
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    const auto x = item.rfind(" x");
    if (x != std::string::npos) item = item.substr(0, x);
    out.push_back(item);
  }
  return out;
}

TEST(ExactRoutes, TableIsPublishedInOrder) {
  const std::vector<std::string> expected = {"determinantal",    "asymptotic-cone", "surjective-normal-forms",
                                             "surjective",       "tangent-sequence", "algebraic-onto",
                                             "witness-search",   "sentence"};
  EXPECT_EQ(exact_closedness_routes(), expected);
}

TEST(ExactRoutes, DecidedVerdictsNameARouteOfTheTable) {
  const auto routes = exact_closedness_routes();
  const std::set<std::string> known(routes.begin(), routes.end());
  const std::vector<Architecture> cases = {
      pair({"11", "11", "11"}, {"110", "011"}),  // Hall fails: not closed (tangent sequence)
      Architecture({Support::full(3, 2), Support::full(2, 3)}),  // rank <= 2: closed (determinantal)
      pair({"110", "011", "101"}, {"110", "011", "101"}),
  };
  int decided = 0;
  for (const Architecture& a : cases) {
    const Verdict v = decide_closedness_exact(a, opts(10));
    if (!v.decided()) continue;
    ++decided;
    const auto names = named_routes(v.method);
    if (v.method == "exact: reduction") continue;  // nothing left after the reduction: no route ran
    ASSERT_FALSE(names.empty()) << v.method;
    for (const auto& n : names) EXPECT_TRUE(known.count(n)) << "'" << n << "' (method " << v.method << ")";
    const std::string kind = v.certificate.value("kind", "");
    EXPECT_EQ(kind, v.closedness == Closedness::closed ? "exact_closed" : "exact_not_closed") << v.method;
    if (v.closedness == Closedness::not_closed) {
      EXPECT_EQ(names.size(), 1u) << v.method;
      EXPECT_EQ(v.certificate.value("route", ""), names.front()) << v.method;
    }
  }
  EXPECT_GE(decided, 2);
}

}  // namespace
}  // namespace wellposed
