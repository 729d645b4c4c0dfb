// `wellposed certify` on the forged certificates of tests/data/forged/
// (issue 21): exit 1, and the message names the check that failed.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace {

struct CertifyRun {
  int code = -1;
  std::string output;  // stdout and stderr together
};

CertifyRun certify(const std::string& file) {
  const std::string cmd = "cd '" + std::string(WELLPOSED_SOURCE_DIR) + "' && '" + std::string(WELLPOSED_CLI_PATH) +
                          "' certify 'tests/data/forged/" + file + "' 2>&1";
  CertifyRun r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
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
