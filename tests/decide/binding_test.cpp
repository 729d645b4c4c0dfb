// Binding digests (binding.hpp, issue 21 item 2).
#include <gtest/gtest.h>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/decide/binding.hpp"

namespace wellposed {
namespace {

TEST(Binding, Sha256MatchesTheFipsTestVectors) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Binding, SupportsDigestSeparatesSupportsAndIgnoresSpelling) {
  const auto lu2 = lu(2).factors();
  const auto full = low_rank(2, 2, 2).factors();
  EXPECT_NE(supports_digest(lu2), supports_digest(full));
  EXPECT_EQ(supports_digest(lu2), supports_digest({Support::from_rows({"10", "11"}), Support::from_rows({"11", "01"})}));
  // Shape matters even with the same entries.
  EXPECT_NE(supports_digest({Support::zero(2, 3)}), supports_digest({Support::zero(3, 2)}));
  EXPECT_EQ(supports_digest(lu2).rfind("sha256:", 0), 0u);
}

TEST(Binding, CertificateSupportsReadsFactorsAndLayers) {
  const nlohmann::json c = {{"kind", "lu_pattern"},
                            {"factors", {{{"rows", 2}, {"cols", 2}, {"mask", {"10", "11"}}},
                                         {{"rows", 2}, {"cols", 2}, {"mask", {"11", "01"}}}}}};
  EXPECT_EQ(certificate_supports(c), lu(2).factors());
  nlohmann::json n = {{"kind", "relu_network"}, {"layers", c["factors"]}};
  EXPECT_EQ(certificate_supports(n), lu(2).factors());
  nlohmann::json bad = c;
  bad["factors"][0]["rows"] = 3;
  EXPECT_ANY_THROW(certificate_supports(bad));
}

}  // namespace
}  // namespace wellposed
