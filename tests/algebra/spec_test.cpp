// Spec files (docs/spec.md) and .npy masks: every accepted form, and every
// error names the file, the JSON path and the value.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

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
  // Chain families stay structural (issue 18 item 6): a large butterfly is read
  // from its parameters, not refused for masks that are never built.
  EXPECT_EQ(error_of(json::parse(R"({"family": "butterfly", "n": 1048576})")), "");
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
  const auto dir = std::filesystem::temp_directory_path() / ("wellposed_spec_test_" + std::to_string(::getpid()));
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
  const auto dir = std::filesystem::temp_directory_path() / ("wellposed_npy_test_" + std::to_string(::getpid()));
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

// ---------------------------------------------------------------------------
// Hostile input (issue 20). Each test is built from a reproducer in
// tests/data/bad-inputs/ (named in the comment); the CLI test runs the files.
// ---------------------------------------------------------------------------

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string error_of_text(const std::string& text, const SpecLoadOptions& o = {}) {
  try {
    (void)parse_specs(parse_json_bounded(text, "t.json", o.max_json_depth), "t.json", ".", o);
  } catch (const SpecError& e) {
    return e.what();
  }
  return "";
}

// B2-*, B12-kronecker-overflow, B12-monarch-overflow-msg: family sizes near
// 2^62-2^64 wrapped the size checks; refused before any constructor runs.
TEST(SpecHostile, FamilySizesUseCheckedArithmetic) {
  std::string e = error_of(json::parse(R"({"family": "kaleidoscope", "n": 4611686018427387904})"));
  EXPECT_TRUE(has(e, "test.json: at $.n")) << e;
  EXPECT_TRUE(has(e, "4611686018427387904")) << e;
  e = error_of(json::parse(R"({"family": "monarch", "m": 4611686018427387904, "n": 4, "p": 2, "q": 4})"));
  EXPECT_TRUE(has(e, "test.json: at $")) << e;
  EXPECT_TRUE(has(e, "does not fit in 64 bits")) << e;  // the pattern (1, p, q, m/p) has a b c d = 2^64
  EXPECT_TRUE(has(e, "4611686018427387904")) << e;
  e = error_of(json::parse(R"({"family": "monarch", "m": 4611686018427387904, "n": 4, "p": 1, "q": 4})"));
  EXPECT_TRUE(has(e, "$.q")) << e;
  EXPECT_TRUE(has(e, "does not fit in 64 bits")) << e;
  e = error_of(json::parse(R"({"family": "kronecker", "chain": [[4294967296, 4294967296, 1, 1]]})"));
  EXPECT_TRUE(has(e, "$.chain[0]")) << e;
  EXPECT_TRUE(has(e, "4294967296")) << e;
  e = error_of(json::parse(R"({"family": "butterfly", "n": 9223372036854775808})"));
  EXPECT_TRUE(has(e, "$.n")) << e;
  e = error_of(json::parse(R"({"family": "lowrank", "m": 18446744073709551615, "n": 1, "r": 1})"));
  EXPECT_TRUE(has(e, "$.m")) << e;
  e = error_of(json::parse(R"({"family": "lu", "n": 9223372036854775809})"));
  EXPECT_TRUE(has(e, "$.n")) << e;
  e = error_of(json::parse(R"({"factors": [{"support": {"kronecker": [4294967296, 1, 4294967296, 1]}}]})"));
  EXPECT_TRUE(has(e, "$.factors[0].support.kronecker")) << e;
  // Sizes at the edge that do fit are still read.
  EXPECT_EQ(error_of(json::parse(R"({"family": "monarch", "m": 4, "n": 4, "p": 2, "q": 2})")), "");
}

// B5-deep.json: 80,000 nested brackets overflowed the stack.
TEST(SpecHostile, DeepNestingIsRefusedBeforeParsing) {
  const std::string deep = "{\"factors\": " + std::string(80000, '[') + std::string(80000, ']') + "}";
  std::string e = error_of_text(deep);
  EXPECT_TRUE(has(e, "t.json: at $: JSON nested deeper than 256 levels (at byte 267)")) << e;
  // Brackets inside strings do not count; the limit is the caller's.
  const std::string in_string = R"({"name": ")" + std::string(1000, '[') + R"(", "family": "lu", "n": 2})";
  EXPECT_EQ(error_of_text(in_string), "");
  SpecLoadOptions shallow;
  shallow.max_json_depth = 3;
  EXPECT_TRUE(has(error_of_text(R"({"factors": [{"support": {"mask": ["1"]}}]})", shallow), "deeper than 3"));
  EXPECT_EQ(error_of_text(R"({"factors": [{"support": {"mask": ["1"]}}]})"), "");
}

// B12-number-overflow: 1e400 gave an exception message without the file.
TEST(SpecHostile, JsonErrorsNameTheFile) {
  std::string e = error_of_text(R"({"factors": [{"rows": 1e400, "cols": 4, "support": "full"}]})");
  EXPECT_TRUE(has(e, "t.json: at $: malformed JSON")) << e;
  EXPECT_TRUE(has(e, "1e400")) << e;
  e = error_of_text(R"({"factors": [)");
  EXPECT_TRUE(has(e, "t.json: at $: malformed JSON")) << e;
  e = error_of(json::parse(R"({"factors": [{"rows": 4.5, "cols": 4, "support": "full"}]})"));
  EXPECT_TRUE(has(e, "$.factors[0].rows")) << e;
  EXPECT_TRUE(has(e, "4.5")) << e;
  e = error_of(json::parse(R"({"factors": [{"rows": 18446744073709551615, "cols": 4, "support": "full"}]})"));
  EXPECT_TRUE(has(e, "$.factors[0]")) << e;
  EXPECT_TRUE(has(e, "18446744073709551615")) << e;
}

// B14-zero-width-mask: ["", ""] was a 2x0 factor.
TEST(SpecHostile, ZeroWidthMasksAreRefused) {
  std::string e = error_of(json::parse(R"({"factors": [{"support": {"mask": ["", ""]}}]})"));
  EXPECT_TRUE(has(e, "$.factors[0].support.mask")) << e;
  EXPECT_TRUE(has(e, "empty")) << e;
  e = error_of(json::parse(R"({"factors": [{"support": {"mask": ["1", ""]}}]})"));
  EXPECT_TRUE(has(e, "$.factors[0].support.mask")) << e;
  e = error_of(json::parse(R"({"factors": [{"support": {"mask": []}}]})"));
  EXPECT_TRUE(has(e, "$.factors[0].support.mask")) << e;
}

// B15-seed-u64max: a valid seed (2^64 - 1) was refused.
TEST(SpecHostile, EverySixtyFourBitSeedIsAccepted) {
  const auto s = parse_specs(json::parse(
      R"({"factors": [{"rows": 2, "cols": 2, "support": {"random": {"density": 0.5, "seed": 18446744073709551615}}}]})"));
  EXPECT_EQ(s[0].architecture.factor(0), Support::random(2, 2, 0.5, 18446744073709551615ull));
  std::string e = error_of(json::parse(R"({"factors": [{"rows": 2, "cols": 2, "support": {"random": {"density": 0.5, "seed": -1}}}]})"));
  EXPECT_TRUE(has(e, "$.factors[0].support.random.seed")) << e;
  EXPECT_TRUE(has(e, "-1")) << e;
  e = error_of(json::parse(R"({"factors": [{"rows": 2, "cols": 2, "support": {"random": {"density": 0.5, "seed": 1.5}}}]})"));
  EXPECT_TRUE(has(e, "1.5")) << e;
}

// B7-tall-1e7, B12-B7-rows-1e9-narrow: the memory model refuses explicit
// specs whose estimated memory exceeds the caller's limit, before allocating.
TEST(SpecHostile, ExplicitSpecsAreBoundedByTheMemoryModel) {
  SpecLoadOptions gib;
  gib.limits.max_memory_bytes = std::uint64_t{1} << 30;
  const json tall = json::parse(R"({"factors": [{"rows": 10000000, "cols": 1, "support": "full"}, {"rows": 1, "cols": 1, "support": "full"}]})");
  try {
    (void)parse_specs(tall, "tall.json", ".", gib);
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_TRUE(has(e.what(), "tall.json: at $.factors[0]")) << e.what();
    EXPECT_TRUE(has(e.what(), "10000000x1")) << e.what();
    EXPECT_TRUE(has(e.what(), "1.00 GiB")) << e.what();
    EXPECT_TRUE(has(e.what(), "--max-memory")) << e.what();
  }
  const json narrow = json::parse(R"({"factors": [{"rows": 1000000000, "cols": 4, "support": "full"}, {"rows": 4, "cols": 4, "support": "full"}]})");
  EXPECT_THROW((void)parse_specs(narrow, "n.json", ".", gib), SpecError);
  // The model grows with the structure and the limit is the caller's.
  const auto small = spec_memory_estimate({{100, 1, 100}, {1, 1, 1}}), big = spec_memory_estimate({{10000, 1, 10000}, {1, 1, 1}});
  ASSERT_TRUE(small && big);
  EXPECT_LT(*small, *big);
  SpecLoadOptions roomy;
  roomy.limits.max_memory_bytes = *big;
  EXPECT_NO_THROW((void)parse_specs(json::parse(R"({"factors": [{"rows": 10000, "cols": 1, "support": "full"}, {"rows": 1, "cols": 1, "support": "full"}]})"), "ok.json", ".", roomy));
  roomy.limits.max_memory_bytes = *big - 1;
  EXPECT_THROW((void)parse_specs(json::parse(R"({"factors": [{"rows": 10000, "cols": 1, "support": "full"}, {"rows": 1, "cols": 1, "support": "full"}]})"), "ok.json", ".", roomy), SpecError);
  EXPECT_FALSE(spec_memory_estimate({{std::uint64_t{1} << 40, std::uint64_t{1} << 40, 1}}).has_value());
  // The product support is rows(F1) x cols(FL); for a network (W_1 first) rows(W_L) x cols(W_1).
  const std::vector<MaskShape> wide{{1, 1000000, 1000000}, {1000000, 1, 1000000}};
  EXPECT_LT(*spec_memory_estimate(wide) + (std::uint64_t{1} << 40), *spec_memory_estimate(wide, true));
  // Sparse supports cost less than full ones of the same shape.
  EXPECT_LT(*spec_memory_estimate({{1000, 1000, 1000}, {1000, 1000, 1000}}),
            *spec_memory_estimate({{1000, 1000, 1000000}, {1000, 1000, 1000000}}));
}

// Chain families stay structural: a limit far below their dense masks still
// reads them, and building their masks later is bounded by the same limit.
TEST(SpecHostile, FamilyMasksAreBoundedByTheLimit) {
  SpecLoadOptions tight;
  tight.limits.max_memory_bytes = 1u << 20;
  const auto specs = parse_specs(json::parse(R"({"family": "butterfly", "n": 8192})"), "b.json", ".", tight);
  ASSERT_EQ(specs.size(), 1u);
  const Architecture& a = specs[0].architecture;
  EXPECT_FALSE(a.materialized());
  EXPECT_FALSE(a.can_materialize());  // 13 masks of 8192 x 8192 bits > 1 MiB
  EXPECT_THROW((void)a.factors(), std::length_error);
  EXPECT_NO_THROW((void)parse_specs(json::parse(R"({"family": "butterfly", "n": 64})"), "b.json", ".", tight));
}

// A spec file larger than the limit allows is refused before it is read;
// devices and FIFOs are never read (B8 for the spec itself).
TEST(SpecHostile, SpecFilesAreBoundedBeforeReading) {
  const auto dir = std::filesystem::temp_directory_path() / ("wellposed_spec_size_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string body = R"({"name": ")" + std::string(4000, 'x') + R"(", "family": "lu", "n": 2})";
  std::ofstream(dir / "big.json") << body;
  SpecLoadOptions o;
  o.limits.max_memory_bytes = 4000 * kJsonBytesPerTextByte;  // 4000 bytes of text allowed, the file has more
  try {
    (void)load_specs((dir / "big.json").string(), o);
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_TRUE(has(e.what(), "big.json: at $: the file is")) << e.what();
    EXPECT_TRUE(has(e.what(), "--max-memory")) << e.what();
  }
  o.limits.max_memory_bytes = body.size() * kJsonBytesPerTextByte;
  EXPECT_NO_THROW((void)load_specs((dir / "big.json").string(), o));
  try {
    (void)load_specs("/dev/zero");
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_TRUE(has(e.what(), "/dev/zero: at $: is not a regular file")) << e.what();
  }
  std::filesystem::remove_all(dir);
}

// .npy: B4 (a long header overflowed the stack in std::regex), B13 (negative
// and overflowing shapes), the fuzzer's artifacts, B8 (devices and FIFOs).
std::string npy_bytes(const std::string& header, const std::string& payload = "") {
  return std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size() & 0xff) +
         static_cast<char>(header.size() >> 8) + header + payload;
}
std::string npy_error(const std::string& bytes, std::uint64_t max_memory = std::uint64_t{1} << 30) {
  try {
    (void)parse_npy(bytes, "m.npy", ResourceLimits{max_memory});
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(NpyHostile, HeadersAreParsedByHandAndStrictly) {
  // B4: a 30,000-character header.
  std::string e = npy_error(npy_bytes("{'descr': '" + std::string(30000, 'x')));
  EXPECT_TRUE(has(e, "m.npy: bad .npy header")) << e;
  // A 60,000-character header of spaces around a valid dict is fine.
  const std::string ok = "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }" + std::string(60000, ' ') + "\n";
  const NpyArray a = parse_npy(npy_bytes(ok, std::string(16, '\0')), "m.npy");
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{1, 2}));
  // B13: negative and overflowing shapes.
  e = npy_error(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (-1, 16), }"));
  EXPECT_TRUE(has(e, "negative shape entry")) << e;
  e = npy_error(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }"));
  EXPECT_TRUE(has(e, "m.npy: ")) << e;
  EXPECT_TRUE(has(e, "more than 2^64")) << e;
  e = npy_error(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999, 1), }"));
  EXPECT_TRUE(has(e, "does not fit in 64 bits")) << e;
  e = npy_error(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3037000500, 3037000500), }"));
  EXPECT_TRUE(has(e, "truncated data")) << e;
  // Memory limit: a shape the file can hold but the limit cannot.
  e = npy_error(npy_bytes("{'descr': '|u1', 'fortran_order': False, 'shape': (1000, 1000), }", std::string(1000000, '\1')),
                1u << 20);
  EXPECT_TRUE(has(e, "memory limit")) << e;
  // The fuzzer artifacts: garbage inside and after the dictionary.
  e = npy_error(npy_bytes("{'descMPY\x01\x00v\x00{'descr': '<i8', 'fo!"));
  EXPECT_TRUE(has(e, "bad .npy header")) << e;
  e = npy_error(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), } x"));
  EXPECT_TRUE(has(e, "unexpected text after")) << e;
  e = npy_error(npy_bytes("{'descr': '<f8', 'descr': '<f8', 'shape': (1,), }"));
  EXPECT_TRUE(has(e, "appears twice")) << e;
  e = npy_error(npy_bytes("{'descr': '<f8', 'shape': (1,), 'extra': 1}"));
  EXPECT_TRUE(has(e, "unknown key 'extra'")) << e;
  e = npy_error(npy_bytes("{'descr': [('a', '<f8')], 'shape': (1,), }"));
  EXPECT_TRUE(has(e, "structured")) << e;
  e = npy_error(npy_bytes("{'descr': '<f3', 'shape': (1,), }", std::string(8, '\0')));
  EXPECT_TRUE(has(e, "unsupported dtype '<f3'")) << e;
  e = npy_error(std::string("\x93NUMPY\x02\x00\xff\xff\xff\xff{", 13));
  EXPECT_TRUE(has(e, "truncated header")) << e;
}

TEST(NpyHostile, NpyMasksAreRegularFilesOfTheRightSize) {
  const auto dir = std::filesystem::temp_directory_path() / ("wellposed_npy_hostile_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto spec_error = [&](const std::string& npy) {
    std::ofstream(dir / "s.json") << R"({"factors": [{"support": {"npy": ")" + npy + R"("}}]})";
    try {
      (void)load_specs((dir / "s.json").string());
    } catch (const SpecError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  std::string e = spec_error("/dev/zero");
  EXPECT_TRUE(has(e, "s.json: at $.factors[0].support.npy")) << e;
  EXPECT_TRUE(has(e, "/dev/zero: is not a regular file")) << e;
  std::filesystem::create_directories(dir / "folder.npy");
  e = spec_error("folder.npy");
  EXPECT_TRUE(has(e, "folder")) << e;
  // A zero-size mask.
  {
    std::ofstream(dir / "empty.npy", std::ios::binary)
        << npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 3), }");
  }
  e = spec_error("empty.npy");
  EXPECT_TRUE(has(e, "at least one row and one column")) << e;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace wellposed
