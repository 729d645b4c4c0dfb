// Spec files (docs/spec.md) and .npy masks: every accepted form, and every
// error names the file, the JSON path and the value.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <wellposed/algebra/npy.hpp>
#include <wellposed/algebra/network.hpp>
#include <wellposed/algebra/spec.hpp>

namespace wellposed {
namespace {

using nlohmann::json;

std::string error_of(const json& j) {
  try {
    (void)parse_specs(j, "test.json");
  } catch (const SpecError& e) {
    return e.what();
  }
  return "";
}

TEST(Spec, FactorsWithEverySupportKind) {
  const json j = json::parse(R"({"name": "mix", "factors": [
      {"rows": 4, "cols": 4, "support": "lower"},
      {"rows": 4, "cols": 4, "support": "upper"},
      {"rows": 4, "cols": 4, "support": "diagonal"},
      {"support": {"mask": ["1100", "0110", "0011", "1001"]}},
      {"support": {"kronecker": [1, 2, 2, 2]}},
      {"rows": 4, "cols": 3, "support": {"random": {"density": 0.5, "seed": 7}}},
      {"rows": 3, "cols": 2, "support": "full"}]})");
  const auto specs = parse_specs(j);
  ASSERT_EQ(specs.size(), 1u);
  const Architecture& a = specs[0].architecture;
  EXPECT_EQ(specs[0].name, "mix");
  EXPECT_EQ(a.dims(), (std::vector<std::size_t>{4, 4, 4, 4, 4, 4, 3, 2}));
  EXPECT_EQ(a.factor(0), Support::lower(4));
  EXPECT_EQ(a.factor(1), Support::upper(4));
  EXPECT_EQ(a.factor(2), Support::identity(4));
  EXPECT_EQ(a.factor(3), Support::from_rows({"1100", "0110", "0011", "1001"}));
  EXPECT_EQ(a.factor(4), (KPattern{1, 2, 2, 2}).support());
  EXPECT_EQ(a.factor(5), Support::random(4, 3, 0.5, 7));
  EXPECT_EQ(a.factor(6), Support::full(3, 2));
}

TEST(Spec, FamiliesMatchTheLibraryConstructors) {
  const json j = json::parse(R"([
      {"family": "butterfly", "n": 16},
      {"family": "monarch", "m": 12, "n": 18, "p": 3, "q": 6},
      {"family": "lowrank", "m": 5, "n": 7, "r": 2},
      {"family": "lu", "n": 4, "name": "my-lu"},
      {"family": "hodlr", "levels": 3},
      {"family": "kronecker", "chain": [[1, 2, 2, 2], [2, 2, 2, 1]]},
      {"family": "kaleidoscope", "n": 8},
      {"family": "np-hardness", "mask": ["01", "11"]}])");
  const auto s = parse_specs(j);
  ASSERT_EQ(s.size(), 8u);
  EXPECT_EQ(s[0].architecture, butterfly(16));
  EXPECT_EQ(s[1].architecture, monarch(12, 18, 3, 6));
  EXPECT_EQ(s[2].architecture, low_rank(5, 7, 2));
  EXPECT_EQ(s[3].architecture, lu(4));
  EXPECT_EQ(s[3].name, "my-lu");
  EXPECT_EQ(s[4].architecture, hodlr(3));
  EXPECT_EQ(s[5].architecture, kronecker_chain_architecture({{1, 2, 2, 2}, {2, 2, 2, 1}}));
  EXPECT_EQ(s[6].architecture, kaleidoscope(8));
  EXPECT_EQ(s[7].architecture, np_hardness(Support::from_rows({"01", "11"})));
  EXPECT_EQ(s[1].json_path, "$[1]");
  EXPECT_EQ(s[0].family, std::optional<std::string>("butterfly"));
}

TEST(Spec, ErrorsNameFilePathAndValue) {
  auto contains = [](const std::string& msg, const std::string& part) {
    return msg.find(part) != std::string::npos;
  };
  std::string e = error_of(json::parse(R"({"factors": [{"rows": 2, "cols": 2, "suport": "full"}]})"));
  EXPECT_TRUE(contains(e, "test.json")) << e;
  EXPECT_TRUE(contains(e, "$.factors[0]")) << e;
  EXPECT_TRUE(contains(e, "unknown key 'suport'")) << e;
  EXPECT_TRUE(contains(e, "did you mean 'support'")) << e;

  e = error_of(json::parse(R"({"factors": [{"rows": 2, "cols": 3, "support": "full"}, {"rows": 2, "cols": 2, "support": "full"}]})"));
  EXPECT_TRUE(contains(e, "$.factors[1]")) << e;
  EXPECT_TRUE(contains(e, "columns")) << e;

  e = error_of(json::parse(R"({"factors": [{"rows": 3, "cols": 2, "support": {"mask": ["11", "01"]}}]})"));
  EXPECT_TRUE(contains(e, "2x2")) << e;
  e = error_of(json::parse(R"({"factors": [{"rows": 2, "cols": 2, "support": "lowr"}]})"));
  EXPECT_TRUE(contains(e, "$.factors[0].support")) << e;
  EXPECT_TRUE(contains(e, "did you mean 'lower'")) << e;
  e = error_of(json::parse(R"({"factors": [{"rows": -2, "cols": 2, "support": "full"}]})"));
  EXPECT_TRUE(contains(e, "$.factors[0].rows")) << e;
  EXPECT_TRUE(contains(e, "-2")) << e;
  e = error_of(json::parse(R"({"family": "butterfy", "n": 8})"));
  EXPECT_TRUE(contains(e, "did you mean 'butterfly'")) << e;
  e = error_of(json::parse(R"({"family": "butterfly", "n": 12})"));
  EXPECT_TRUE(contains(e, "$.n")) << e;
  e = error_of(json::parse(R"({"family": "monarch", "m": 12, "n": 18, "p": 5, "q": 6})"));
  EXPECT_TRUE(contains(e, "$.p")) << e;
  e = error_of(json::parse(R"({"factors": [{"support": {"mask": ["10", "1x"]}}]})"));
  EXPECT_TRUE(contains(e, "$.factors[0].support.mask")) << e;
  e = error_of(json::parse(R"({"family": "butterfly", "n": 1048576})"));
  EXPECT_TRUE(contains(e, "limit")) << e;
  e = error_of(json::parse(R"({"family": "kronecker", "chain": [[1, 2, 3, 2], [1, 2, 2, 2]]})"));
  EXPECT_TRUE(contains(e, "$.chain[1]")) << e;
  e = error_of(json::parse(R"({"factors": [{"rows": 2, "cols": 2, "support": {"random": {"density": 2}}}]})"));
  EXPECT_TRUE(contains(e, "density")) << e;
  EXPECT_FALSE(error_of(json::parse(R"([])")).empty());
}

// Ch. 7 networks: layers listed input to output (W_l is N_l x N_{l-1});
// the spec's architecture is L_I in library order [I_L, ..., I_1].
TEST(Spec, ReluNetworkLayersInputToOutput) {
  const json j = json::parse(R"({"name": "net", "network": "relu", "factors": [
      {"rows": 3, "cols": 4, "support": "upper"},
      {"rows": 2, "cols": 3, "support": {"mask": ["110", "011"]}}]})");
  const auto specs = parse_specs(j, "net.json");
  ASSERT_EQ(specs.size(), 1u);
  ASSERT_TRUE(specs[0].network.has_value());
  const ReluNetwork& n = *specs[0].network;
  EXPECT_EQ(n.widths(), (std::vector<std::size_t>{4, 3, 2}));
  EXPECT_EQ(n.layer(0), Support::upper(3, 4));
  EXPECT_EQ(specs[0].architecture.factor(0), Support::from_rows({"110", "011"}));  // W_2 first: A = W_2 W_1
  EXPECT_EQ(specs[0].architecture.factor(1), Support::upper(3, 4));
  EXPECT_EQ(specs[0].architecture.rows(), 2u);
  EXPECT_EQ(specs[0].architecture.cols(), 4u);
  EXPECT_EQ(specs[0].name, "net");
  // Round trip.
  const auto again = parse_specs(to_spec_json(n), "rt.json");
  ASSERT_TRUE(again[0].network.has_value());
  EXPECT_EQ(*again[0].network, n);
  // Old specs have no network.
  EXPECT_FALSE(parse_specs(json::parse(R"({"family": "lu", "n": 3})"))[0].network.has_value());
}

TEST(Spec, MalformedReluNetworkSpecsNameFileAndPath) {
  auto contains = [](const std::string& msg, const std::string& part) { return msg.find(part) != std::string::npos; };
  // Dimension chaining: W_2 must have N_1 = 3 columns.
  std::string e = error_of(json::parse(R"({"network": "relu", "factors": [
      {"rows": 3, "cols": 4, "support": "full"}, {"rows": 2, "cols": 4, "support": "full"}]})"));
  EXPECT_TRUE(contains(e, "test.json")) << e;
  EXPECT_TRUE(contains(e, "$.factors[1]")) << e;
  EXPECT_TRUE(contains(e, "W_2 has 4 columns but W_1 has 3 rows")) << e;
  e = error_of(json::parse(R"({"network": "sigmoid", "factors": [{"rows": 1, "cols": 1, "support": "full"}]})"));
  EXPECT_TRUE(contains(e, "$.network")) << e;
  EXPECT_TRUE(contains(e, "sigmoid")) << e;
  e = error_of(json::parse(R"({"network": 1, "factors": [{"rows": 1, "cols": 1, "support": "full"}]})"));
  EXPECT_TRUE(contains(e, "$.network")) << e;
  e = error_of(json::parse(R"({"network": "relu", "family": "lu", "n": 3})"));
  EXPECT_TRUE(contains(e, "'factors'")) << e;
  e = error_of(json::parse(R"({"network": "relu"})"));
  EXPECT_TRUE(contains(e, "missing key 'factors'")) << e;
  e = error_of(json::parse(R"({"network": "relu", "factors": []})"));
  EXPECT_TRUE(contains(e, "$.factors")) << e;
  e = error_of(json::parse(R"({"network": "relu", "layers": [], "factors": [{"rows": 1, "cols": 1, "support": "full"}]})"));
  EXPECT_TRUE(contains(e, "unknown key 'layers'")) << e;
  e = error_of(json::parse(R"([{"family": "lu", "n": 2}, {"network": "relu", "factors": [
      {"rows": 2, "cols": 2, "support": {"mask": ["10", "2"]}}]}])"));
  EXPECT_TRUE(contains(e, "$[1].factors[0].support.mask")) << e;
}

TEST(Spec, LoadFromFileResolvesNpyRelativeToTheSpec) {
  const auto dir = std::filesystem::temp_directory_path() / "wellposed_spec_test";
  std::filesystem::create_directories(dir);
  write_npy((dir / "mask.npy").string(), 2, 3, {1, 0, 2.5, 0, 0, -1});
  {
    std::ofstream(dir / "spec.json") << R"({"name": "npy", "factors": [{"support": {"npy": "mask.npy"}}, {"rows": 3, "cols": 1, "support": "full"}]})";
    std::ofstream(dir / "bad.json") << R"({"name": "npy", "factors": [ )";
  }
  const auto specs = load_specs((dir / "spec.json").string());
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].architecture.factor(0), Support::from_rows({"101", "001"}));
  try {
    (void)load_specs((dir / "bad.json").string());
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_NE(std::string(e.what()).find("malformed JSON"), std::string::npos);
  }
  EXPECT_THROW((void)load_specs((dir / "missing.json").string()), SpecError);
  // Round trip through the explicit form.
  const Architecture h = hodlr(2);
  EXPECT_EQ(parse_specs(to_spec_json(h))[0].architecture, h);
  std::filesystem::remove_all(dir);
}

// .npy as NumPy writes it: a hand-made bool array and a Fortran-order int32 array.
TEST(Npy, ReadsNumpyHeadersAndDtypes) {
  const auto dir = std::filesystem::temp_directory_path() / "wellposed_npy_test";
  std::filesystem::create_directories(dir);
  auto write_raw = [&](const std::string& name, const std::string& header, const std::string& payload) {
    std::string h = header;
    const std::size_t total = 10 + h.size() + 1;
    h.append((64 - total % 64) % 64, ' ');
    h.push_back('\n');
    std::ofstream out(dir / name, std::ios::binary);
    out << "\x93NUMPY" << '\x01' << '\x00' << static_cast<char>(h.size() & 0xff) << static_cast<char>(h.size() >> 8) << h
        << payload;
  };
  write_raw("b.npy", "{'descr': '|b1', 'fortran_order': False, 'shape': (2, 2), }", std::string("\x01\x00\x00\x01", 4));
  const NpyArray b = read_npy((dir / "b.npy").string());
  EXPECT_EQ(b.shape, (std::vector<std::size_t>{2, 2}));
  EXPECT_EQ(b.data, (std::vector<double>{1, 0, 0, 1}));
  // int32, Fortran order: column-major payload 1,2,3,4,5,6 for a 2x3 array [[1,3,5],[2,4,6]].
  std::string payload;
  for (int v = 1; v <= 6; ++v) payload += std::string(reinterpret_cast<const char*>(&v), 4);
  write_raw("i.npy", "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }", payload);
  EXPECT_EQ(read_npy((dir / "i.npy").string()).data, (std::vector<double>{1, 3, 5, 2, 4, 6}));
  write_raw("c.npy", "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", std::string(16, '\0'));
  EXPECT_THROW((void)read_npy((dir / "c.npy").string()), std::runtime_error);
  write_raw("t.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", std::string(8, '\0'));
  try {
    (void)read_npy((dir / "t.npy").string());
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos);
  }
  write_npy((dir / "f.npy").string(), 2, 2, {0.5, -1e300, 3, 4});
  EXPECT_EQ(read_npy((dir / "f.npy").string()).data, (std::vector<double>{0.5, -1e300, 3, 4}));
  EXPECT_FALSE(std::filesystem::exists(dir / "f.npy.tmp"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace wellposed
