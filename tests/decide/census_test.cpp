// The census's orbit enumeration and results file (issue 24).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <random>
#include <set>
#include <sstream>

#include "wellposed/decide/census.hpp"

using namespace wellposed;
using namespace wellposed::census;

namespace {

// The whole symmetry group by brute force (every row, column and inner
// permutation, and transposition for palindromic dims), on Supports: the
// reference the fast canonical form is checked against.
std::vector<std::size_t> perm_at(std::size_t n, std::size_t k) {
  std::vector<std::size_t> p(n);
  std::iota(p.begin(), p.end(), 0);
  for (std::size_t i = 0; i < k; ++i) std::next_permutation(p.begin(), p.end());
  return p;
}
std::size_t fact(std::size_t n) { return n <= 1 ? 1 : n * fact(n - 1); }

std::set<Code> brute_orbit(Code code, const Dims& d) {
  std::set<Code> out;
  const auto f0 = decode(code, d);
  std::vector<std::vector<Support>> bases{f0};
  if (has_transposition(d)) {
    std::vector<Support> t;
    for (std::size_t l = f0.size(); l-- > 0;) t.push_back(f0[l].transpose());
    bases.push_back(t);
  }
  std::size_t total = 1;
  for (auto x : d) total *= fact(x);
  for (const auto& b : bases)
    for (std::size_t g = 0; g < total; ++g) {
      std::vector<std::vector<std::size_t>> ps;
      std::size_t rest = g;
      for (auto x : d) {
        ps.push_back(perm_at(x, rest % fact(x)));
        rest /= fact(x);
      }
      std::vector<Support> im;
      for (std::size_t l = 0; l < b.size(); ++l) {
        Support s(b[l].rows(), b[l].cols());
        for (auto [i, j] : b[l].entries()) s.set(ps[l][i], ps[l + 1][j]);
        im.push_back(s);
      }
      out.insert(encode(im, d));
    }
  return out;
}

std::string temp_path(const std::string& tag) {
  return ::testing::TempDir() + "census_" + tag + "_" + std::to_string(::getpid()) + ".jsonl";
}

}  // namespace

TEST(CensusOrbits, CanonicalFormIsTheSmallestCodeOfTheBruteForceOrbit) {
  std::mt19937_64 rng(7);
  for (const Dims& d : {Dims{2, 2, 2}, Dims{2, 3, 3}, Dims{3, 2, 3}, Dims{2, 2, 2, 2}, Dims{1, 3, 2}}) {
    for (int k = 0; k < 40; ++k) {
      const Code c = rng() & ((Code{1} << mask_bits(d)) - 1);
      const auto orb = brute_orbit(c, d);
      EXPECT_EQ(canonical(c, d), *orb.begin()) << dims_string(d) << " " << form_string(c, d);
      EXPECT_EQ(orbit_size(c, d), orb.size()) << dims_string(d) << " " << form_string(c, d);
    }
  }
}

TEST(CensusOrbits, EnumerationPartitionsEveryLabelledChain) {
  for (const Dims& d : {Dims{2, 2, 2}, Dims{2, 3, 2}, Dims{2, 2, 3}, Dims{3, 2, 3}, Dims{2, 2, 2, 2}}) {
    const auto orbits = enumerate_orbits(d);
    std::uint64_t sum = 0;
    std::set<Code> seen;
    for (const auto& o : orbits) {
      sum += o.size;
      EXPECT_EQ(canonical(o.code, d), o.code);
      EXPECT_TRUE(seen.insert(o.code).second);
    }
    EXPECT_EQ(sum, std::uint64_t{1} << mask_bits(d)) << dims_string(d);
    // Every labelled chain's canonical form is one of the enumerated ones.
    for (Code c = 0; c < (Code{1} << mask_bits(d)); c += 7) EXPECT_TRUE(seen.count(canonical(c, d))) << form_string(c, d);
  }
  EXPECT_EQ(enumerate_orbits({2, 2, 2}).size(), 34u);  // docs/census.md (issue 4): 34 orbits of 256 pairs
}

TEST(CensusOrbits, AllShapesUpToThreeGiveTheKnownOrbitCount) {
  std::size_t orbits = 0;
  std::uint64_t labelled = 0;
  for (const auto& d : two_factor_shapes(3)) {
    const auto o = enumerate_orbits(d);
    orbits += o.size();
    for (const auto& x : o) labelled += x.size;
  }
  EXPECT_EQ(orbits, 3189u);  // the issue-4 census, computed with the whole group
  EXPECT_EQ(labelled, 309532u);
}

TEST(CensusForms, FormStringRoundTripsAndRejectsBadText) {
  const Dims d{2, 3, 2};
  const Code c = parse_form("101,011;10,01,11", d);
  EXPECT_EQ(form_string(c, d), "101,011;10,01,11");
  EXPECT_THROW(parse_form("101,011;10,01", d), std::invalid_argument);
  EXPECT_THROW(parse_form("101,021;10,01,11", d), std::invalid_argument);
  EXPECT_THROW(parse_dims("3x"), std::invalid_argument);
  EXPECT_THROW(parse_dims("3"), std::invalid_argument);
  EXPECT_THROW(parse_dims("9x9x9"), std::invalid_argument);  // 162 mask bits
  EXPECT_EQ(parse_dims("3x3x3x3"), (Dims{3, 3, 3, 3}));
}

TEST(CensusDecide, RecordsTheGatedVerdictWithDigests) {
  DecideOptions o;
  o.exact = false;
  const Dims d{2, 2, 2};
  // LU pattern (Thm 4.3.1): lower-triangular times upper-triangular.
  const Code lu = canonical(parse_form("10,11;11,01", d), d);
  const auto r = decide_orbit({lu, orbit_size(lu, d)}, d, o);
  EXPECT_EQ(r.at("verdict"), "not_closed");
  EXPECT_EQ(r.at("orbit_size"), 8);
  EXPECT_TRUE(r.at("certificate_sha256").get<std::string>().rfind("sha256:", 0) == 0);
  EXPECT_TRUE(r.at("supports_digest").get<std::string>().rfind("sha256:", 0) == 0);
  const auto full = decide_orbit({canonical(parse_form("11,11;11,11", d), d), 1}, d, o);
  EXPECT_EQ(full.at("verdict"), "closed");
}

TEST(CensusResults, PartialLastLineIsCutAwayAndMismatchedHeaderRefused) {
  const std::string p = temp_path("partial");
  std::remove(p.c_str());
  DecideOptions o;
  o.exact = false;
  const auto header = make_header({{2, 2, 2}}, o);
  nlohmann::json rec = {{"dims", "2x2x2"}, {"form", "00,00;00,00"}, {"verdict", "closed"}};
  {
    ResultsWriter w;
    EXPECT_TRUE(w.open(p, header).records.empty());
    w.append(rec);
    w.sync();
  }
  {  // a record cut short by a kill
    std::ofstream f(p, std::ios::app);
    f << "{\"dims\":\"2x2x2\",\"form\":\"00,";
  }
  {
    ResultsWriter w;
    const auto c = w.open(p, header);
    EXPECT_TRUE(c.truncated);
    ASSERT_EQ(c.records.size(), 1u);
    EXPECT_EQ(c.records[0], rec);
  }
  std::size_t bad = 0;
  const auto again = read_results(p, &bad);
  EXPECT_FALSE(again.truncated);
  EXPECT_EQ(again.records.size(), 1u);
  {  // a complete but unparsable last line is also redone
    std::ofstream f(p, std::ios::app);
    f << "{\"dims\":\"2x2x2\",\"form\":\"00,0\n";
  }
  EXPECT_TRUE(read_results(p, &bad).truncated);
  ResultsWriter w;
  EXPECT_THROW(w.open(p, make_header({{2, 2, 3}}, o)), ResultsFileError);
  std::remove(p.c_str());
}

TEST(CensusResults, CorruptMiddleLineIsRefusedNotRepaired) {
  const std::string p = temp_path("middle");
  {
    std::ofstream f(p);
    f << make_header({{2, 2, 2}}, DecideOptions{}).dump() << "\n"
      << "garbage\n"
      << nlohmann::json{{"dims", "2x2x2"}, {"form", "00,00;00,00"}, {"verdict", "closed"}}.dump() << "\n";
  }
  ResultsWriter w;
  EXPECT_THROW(w.open(p, make_header({{2, 2, 2}}, DecideOptions{})), ResultsFileError);
  std::remove(p.c_str());
}

TEST(CensusResults, MergePrefersDecidedAndRefusesContradictions) {
  const std::vector<Dims> shapes{{2, 2, 2}};
  auto rec = [](const char* form, const char* v) {
    return nlohmann::json{{"dims", "2x2x2"}, {"form", form}, {"verdict", v}};
  };
  const auto m = merge_records(shapes, {rec("11,11;11,11", "closed"), rec("00,00;00,01", "unknown"),
                                        rec("00,00;00,01", "closed"), rec("00,00;00,00", "closed")});
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].at("form"), "00,00;00,00");  // sorted by canonical code
  EXPECT_EQ(m[1].at("verdict"), "closed");
  EXPECT_THROW(merge_records(shapes, {rec("10,11;11,01", "closed"), rec("10,11;11,01", "not_closed")}),
               ResultsFileError);
}

TEST(CensusResults, RetryOfUnknownOrbitsMayUseAnotherBudgetOnly) {
  const std::string p = temp_path("retry");
  std::remove(p.c_str());
  DecideOptions o;
  o.budget_seconds = 10;
  const nlohmann::json unknown = {{"dims", "2x2x2"}, {"form", "00,00;00,01"}, {"verdict", "unknown"}};
  {
    ResultsWriter w;
    w.open(p, make_header({{2, 2, 2}}, o));
    w.append(unknown);
  }
  DecideOptions more = o;
  more.budget_seconds = 100;
  ResultsWriter w;
  EXPECT_THROW(w.open(p, make_header({{2, 2, 2}}, more)), ResultsFileError);
  const auto c = w.open(p, make_header({{2, 2, 2}}, more), /*any_budget=*/true);
  EXPECT_TRUE(recorded_keys(c.records, /*decided_only=*/true).empty());
  EXPECT_EQ(recorded_keys(c.records).size(), 1u);
  DecideOptions other = more;
  other.exact = false;  // only the budget may differ
  EXPECT_THROW(w.open(p, make_header({{2, 2, 2}}, other), true), ResultsFileError);
  std::remove(p.c_str());
}
