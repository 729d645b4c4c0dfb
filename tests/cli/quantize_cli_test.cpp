// `wellposed quantize` end to end (issue 25 item 5): a factor-chain folder
// written by the library is quantized by the CLI; the result is read back
// with the library and checked value by value (every value an element of the
// format, supports kept), against the library's own quantize_chain (the CLI
// adds nothing to the numbers), and the manifest's certified error must
// contain the error recomputed here. Bad input and unsafe outputs: exit 2
// with one line naming the file or option; the input folder is never touched.
#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>
#include <wellposed/algebra/architecture.hpp>
#include <wellposed/numeric/factor_file.hpp>
#include <wellposed/numeric/quantize.hpp>

#include "cli_run.hpp"

namespace {

namespace fs = std::filesystem;
namespace nm = wellposed::numeric;
using namespace wellposed::clitest;

std::vector<nm::KFactor> random_butterfly(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> nd(0.0, 1.0);
  std::vector<nm::KFactor> fs;
  for (const auto& t : wellposed::butterfly_chain(n)) {
    nm::KFactor f(t);
    for (auto& v : f.values) v = nd(g);
    fs.push_back(std::move(f));
  }
  return fs;
}

fs::path write_chain(const fs::path& dir, const std::vector<nm::KFactor>& fs_) {
  fs::create_directories(dir);
  nm::write_factor_chain(fs_, "null", [&](const std::string& name) { return (dir / name).string(); });
  return dir;
}

double frobenius_relative(const std::vector<nm::KFactor>& a, const std::vector<nm::KFactor>& b) {
  nm::Matrix A = a.front().to_dense(), B = b.front().to_dense();
  for (std::size_t l = 1; l < a.size(); ++l) {
    A = A * a[l].to_dense();
    B = B * b[l].to_dense();
  }
  return (A - B).norm() / A.norm();
}

TEST(QuantizeCli, EveryFormatAndMethodMatchesTheLibraryAndStaysInFormat) {
  const fs::path d = scratch_dir("quantize_formats");
  const auto chain = random_butterfly(16, 7);
  write_chain(d / "in", chain);
  for (const std::string format : {"fp16", "bf16", "fp8-e5m2", "fp8-e4m3", "6"})
    for (const std::string method : {"rtn", "pairwise", "l2r", "r2l"}) {
      const fs::path out = d / ("q-" + format + "-" + method);
      const auto r = run_cli("quantize '" + (d / "in").string() + "' -o '" + out.string() + "' --format " + format +
                             " --method " + method);
      ASSERT_EQ(r.code, 0) << format << " " << method << ": " << r.err;
      const nm::FactorChainFile q = nm::read_factor_chain(out.string());
      ASSERT_EQ(q.real.size(), chain.size());
      const nm::FloatFormat f = *nm::parse_float_format(format);
      const nm::ChainQuantization lib = nm::quantize_chain(chain, {f, *nm::parse_quantize_method(method)});
      for (std::size_t l = 0; l < chain.size(); ++l) {
        ASSERT_TRUE(q.real[l].theta == chain[l].theta) << format << " " << method << " factor " << l;
        for (std::size_t k = 0; k < q.real[l].values.size(); ++k) {
          EXPECT_TRUE(nm::representable(q.real[l].values[k], f)) << format << " " << q.real[l].values[k];
          EXPECT_EQ(q.real[l].values[k], lib.factors[l].values[k]) << format << " " << method;
        }
      }
      const auto m = nlohmann::json::parse(q.factorization_json);
      const auto& qi = m.at("quantization");
      EXPECT_EQ(qi.at("format"), f.name);
      EXPECT_EQ(qi.at("method"), method);
      const double lo = qi.at("relative_error_vs_input_chain")[0], hi = qi.at("relative_error_vs_input_chain")[1];
      const double err = frobenius_relative(chain, q.real);
      EXPECT_LE(lo, err * (1 + 1e-9)) << format << " " << method;
      EXPECT_GE(hi, err * (1 - 1e-9)) << format << " " << method;
      EXPECT_GT(err, 0.0);  // nothing here is exactly representable
    }
}

TEST(QuantizeCli, TwoFactorsGetTheOptimumWhichBeatsRoundToNearest) {
  // n = 4: two chainable factors with q = 1, where l2r is the two-factor optimum.
  const fs::path d = scratch_dir("quantize_two");
  const auto chain = random_butterfly(4, 11);
  ASSERT_EQ(chain.size(), 2u);
  write_chain(d / "in", chain);
  ASSERT_EQ(run_cli("quantize '" + (d / "in").string() + "' -o '" + (d / "opt").string() + "' --format 4").code, 0);
  ASSERT_EQ(
      run_cli("quantize '" + (d / "in").string() + "' -o '" + (d / "rtn").string() + "' --format 4 --method rtn").code,
      0);
  const double opt = frobenius_relative(chain, nm::read_factor_chain((d / "opt").string()).real);
  const double rtn = frobenius_relative(chain, nm::read_factor_chain((d / "rtn").string()).real);
  EXPECT_LE(opt, rtn * (1 + 1e-12));
}

TEST(QuantizeCli, BadInputAndUnsafeOutputsExitTwoWithOneLine) {
  const fs::path d = scratch_dir("quantize_bad");
  write_chain(d / "in", random_butterfly(8, 3));
  const std::string in = (d / "in").string();
  const std::string manifest_before = slurp(d / "in" / "manifest.json");
  auto one_line = [](const std::string& s) { return !s.empty() && s.find('\n') == s.size() - 1; };
  // Unknown format, unknown method.
  auto r = run_cli("quantize '" + in + "' -o '" + (d / "x").string() + "' --format fp7");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(one_line(r.err)) << r.err;
  EXPECT_NE(r.err.find("--format: 'fp7'"), std::string::npos) << r.err;
  r = run_cli("quantize '" + in + "' -o '" + (d / "x").string() + "' --format fp16 --method best");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--method: 'best'"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(d / "x"));
  // A missing chain names the path.
  r = run_cli("quantize '" + (d / "nope").string() + "' -o '" + (d / "x").string() + "' --format fp16");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(one_line(r.err)) << r.err;
  EXPECT_NE(r.err.find("nope"), std::string::npos) << r.err;
  // -o naming the input folder: refused (non-empty), and with --force the
  // input's own files are still never replaced.
  r = run_cli("quantize '" + in + "' -o '" + in + "' --format fp16");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(one_line(r.err)) << r.err;
  r = run_cli("quantize '" + in + "' -o '" + in + "' --format fp16 --force");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(slurp(d / "in" / "manifest.json"), manifest_before);
  EXPECT_EQ(nm::read_factor_chain(in).real.size(), 3u);
  // An existing non-empty output folder is refused without --force, kept intact.
  fs::create_directories(d / "busy");
  spit(d / "busy" / "keep.txt", "mine");
  r = run_cli("quantize '" + in + "' -o '" + (d / "busy").string() + "' --format bf16");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(slurp(d / "busy" / "keep.txt"), "mine");
  r = run_cli("quantize '" + in + "' -o '" + (d / "busy").string() + "' --format bf16 --force");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(slurp(d / "busy" / "keep.txt"), "mine");
  EXPECT_TRUE(fs::exists(d / "busy" / "manifest.json"));
}

}  // namespace
