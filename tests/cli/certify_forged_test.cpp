// `wellposed certify` on the forged certificates of tests/data/forged/
// (issue 21): exit 1, and the message names the check that failed.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "cli_run.hpp"

namespace {

struct CertifyRun {
  int code = -1;
  std::string output;  // stdout and stderr together
};

CertifyRun certify(const std::string& file) {
  const auto r = wellposed::clitest::run_cli("certify 'tests/data/forged/" + file + "'");
  return {r.code, r.out + r.err};
}

TEST(CertifyForged, EachForgedCertificateIsRejectedNamingTheFailedCheck) {
  const std::array<std::pair<const char*, const char*>, 3> cases{{{"forged_overflow.json", "exponent check"},
                                                                  {"forged_overflow_network.json", "exponent check"},
                                                                  {"kronecker_wraparound_params.json", "size check"}}};
  for (const auto& [file, check] : cases) {
    const CertifyRun r = certify(file);
    EXPECT_EQ(r.code, 1) << file << ": " << r.output;
    EXPECT_NE(r.output.find(check), std::string::npos) << file << ": " << r.output;
  }
}

}  // namespace
