// Factor-chain files (docs/factor-format.md): round trip, and hostile input
// (every malformed file is one FileFormatError naming file and field, never a
// crash or a huge allocation).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "numeric_test_util.hpp"
#include "wellposed/numeric/factor_file.hpp"

namespace wellposed::numeric {
namespace {

namespace fs = std::filesystem;
using testing::random_factors;

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("wp_factor_file_" + std::to_string(::getpid())) / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::map<std::string, std::string> write_to_memory(const std::vector<KFactor>& fs_, const fs::path& dir) {
  write_factor_chain(fs_, R"({"method": "test"})", [&](const std::string& n) { return (dir / n).string(); });
  std::map<std::string, std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    files[e.path().filename().string()] = std::string(std::istreambuf_iterator<char>(in), {});
  }
  return files;
}

FactorChainFile parse_mem(const std::map<std::string, std::string>& files) {
  return parse_factor_chain(
      files.at("manifest.json"),
      [&](const std::string& n) -> std::optional<std::string_view> {
        const auto it = files.find(n);
        if (it == files.end()) return std::nullopt;
        return std::string_view(it->second);
      },
      "mem");
}

TEST(FactorFile, RealChainRoundTripsBitwiseThroughFolderAndMemory) {
  const KChain chain{{1, 2, 3, 4}, {3, 4, 2, 1}, {6, 1, 1, 1}};  // 8x12, 12x6, 6x6: sizes chain
  const auto fs_ = random_factors(chain, 3);
  const fs::path dir = fresh_dir("real");
  const auto files = write_to_memory(fs_, dir);
  for (const FactorChainFile& r : {read_factor_chain(dir.string()), read_factor_chain((dir / "manifest.json").string()),
                                   parse_mem(files)}) {
    ASSERT_EQ(r.scalar, ChainScalar::float64);
    ASSERT_EQ(r.real.size(), fs_.size());
    for (std::size_t l = 0; l < fs_.size(); ++l) {
      EXPECT_EQ(r.real[l].theta, fs_[l].theta);
      EXPECT_EQ(0, std::memcmp(r.real[l].values.data(), fs_[l].values.data(), fs_[l].values.size() * sizeof(double)));
    }
    EXPECT_NE(r.factorization_json.find("test"), std::string::npos);
  }
  // The .npy of factor 1 has the (a, b, c, d) shape in its header.
  EXPECT_NE(files.at("F1.npy").find("'shape': (1, 2, 3, 4)"), std::string::npos);
}

TEST(FactorFile, ComplexChainRoundTrips) {
  const KChain chain = butterfly_chain(8);
  std::vector<ComplexKFactor> fs_;
  std::uint64_t x = 7;
  for (const auto& t : chain) {
    ComplexKFactor f(t);
    for (auto& v : f.values) {
      x = x * 6364136223846793005ULL + 1;
      v = Complex(static_cast<double>(x >> 40), -static_cast<double>(x >> 44));
    }
    fs_.push_back(f);
  }
  const fs::path dir = fresh_dir("complex");
  write_factor_chain(fs_, "null", [&](const std::string& n) { return (dir / n).string(); });
  const auto r = read_factor_chain(dir.string());
  ASSERT_EQ(r.scalar, ChainScalar::complex128);
  ASSERT_EQ(r.complex.size(), fs_.size());
  for (std::size_t l = 0; l < fs_.size(); ++l) EXPECT_EQ(r.complex[l].values, fs_[l].values);
  EXPECT_EQ(r.factorization_json, "null");
}

// Each corruption must give one FileFormatError whose message names the
// file and the field.
TEST(FactorFile, HostileFilesAreRefusedWithFileAndField) {
  const auto fs_ = random_factors(butterfly_chain(4), 5);
  const fs::path dir = fresh_dir("hostile");
  const auto good = write_to_memory(fs_, dir);
  ASSERT_NO_THROW(parse_mem(good));
  struct Case {
    std::string what, file, content, expect;
  };
  std::string npy = good.at("F1.npy");
  std::vector<Case> cases = {
      {"not json", "manifest.json", "{", "manifest.json: manifest: not JSON"},
      {"wrong format", "manifest.json", R"({"format": "x", "version": 1})", "manifest.json: format"},
      {"huge pattern", "manifest.json",
       R"({"format": "wellposed-factor-chain", "version": 1, "scalar": "float64", "factors": [{"file": "F1.npy", "pattern": [1099511627776, 1099511627776, 1, 1]}]})",
       "factors[0].pattern: a b c d overflows"},
      {"big pattern small file", "manifest.json",
       R"({"format": "wellposed-factor-chain", "version": 1, "scalar": "float64", "factors": [{"file": "F1.npy", "pattern": [1000000, 1000, 1, 1]}]})",
       "F1.npy: shape"},
      {"path escape", "manifest.json",
       R"({"format": "wellposed-factor-chain", "version": 1, "scalar": "float64", "factors": [{"file": "../x.npy", "pattern": [1, 2, 2, 1]}]})",
       "factors[0].file"},
      {"zero in pattern", "manifest.json",
       R"({"format": "wellposed-factor-chain", "version": 1, "scalar": "float64", "factors": [{"file": "F1.npy", "pattern": [0, 2, 2, 1]}]})",
       "factors[0].pattern[0]"},
      {"sizes do not chain", "manifest.json",
       R"({"format": "wellposed-factor-chain", "version": 1, "scalar": "float64", "factors": [{"file": "F1.npy", "pattern": [1, 2, 2, 2]}, {"file": "F2.npy", "pattern": [1, 2, 2, 1]}]})",
       "factors[1].pattern"},
      {"complex claim", "manifest.json",
       R"({"format": "wellposed-factor-chain", "version": 1, "scalar": "complex128", "factors": [{"file": "F1.npy", "pattern": [1, 2, 2, 2]}]})",
       "F1.npy: descr"},
      {"truncated npy", "F1.npy", npy.substr(0, npy.size() - 3), "F1.npy: shape: needs"},
      {"bad magic", "F1.npy", "NOTNUMPY" + npy.substr(8), "F1.npy: magic"},
      {"header past end", "F1.npy", npy.substr(0, 9) + std::string("\xff\x7f", 2), "F1.npy: header_len"},
      {"missing file", "F1.npy", "", "F1.npy: magic"},
  };
  for (const auto& c : cases) {
    auto files = good;
    files[c.file] = c.content;
    try {
      parse_mem(files);
      ADD_FAILURE() << c.what << ": accepted";
    } catch (const FileFormatError& e) {
      EXPECT_NE(std::string(e.what()).find(c.expect), std::string::npos) << c.what << ": " << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << c.what;
    }
  }
  // A missing file on disk: the same one-line error through read_factor_chain.
  fs::remove(dir / "F2.npy");
  try {
    read_factor_chain(dir.string());
    ADD_FAILURE() << "missing F2.npy accepted";
  } catch (const FileFormatError& e) {
    EXPECT_NE(std::string(e.what()).find("F2.npy"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace wellposed::numeric
