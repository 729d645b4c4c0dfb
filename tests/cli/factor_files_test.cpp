// Factorization end to end (issue 19): `factorize` writes a factor-chain
// folder (docs/factor-format.md), the library and NumPy (the documented
// snippet, Debian's python3-numpy) read it back and recover the product;
// `multiply` applies it; complex .npy input (DFT with bit reversal).
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstring>
#include <map>
#include <random>
#include <span>

#include <nlohmann/json.hpp>
#include <wellposed/gpu.hpp>
#include <wellposed/numeric.hpp>

#include "cli_run.hpp"

namespace {

namespace fs = std::filesystem;
namespace nm = wellposed::numeric;
using namespace wellposed::clitest;

const std::string kSrc = WELLPOSED_SOURCE_DIR;

// The NumPy snippet of docs/factor-format.md, verbatim.
std::string numpy_snippet() {
  const std::string doc = slurp(kSrc + "/docs/factor-format.md");
  const auto b = doc.find("<!-- numpy-snippet-begin -->"), e = doc.find("<!-- numpy-snippet-end -->");
  EXPECT_NE(b, std::string::npos);
  EXPECT_NE(e, std::string::npos);
  std::string s = doc.substr(b, e - b);
  s = s.substr(s.find("```python\n") + 10);
  return s.substr(0, s.rfind("```"));
}

// Runs the snippet on `folder`; returns the dense product it saved.
template <class S>
nm::MatrixT<S> numpy_product(const fs::path& folder, const fs::path& work) {
  spit(work / "snippet.py", numpy_snippet());
  const std::string cmd = "/usr/bin/python3 '" + (work / "snippet.py").string() + "' '" + folder.string() + "' '" +
                          (work / "P.npy").string() + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  EXPECT_EQ(rc, 0) << cmd;
  const auto b = nm::read_npy_blob((work / "P.npy").string());
  EXPECT_EQ(b.header.type, nm::is_complex_v<S> ? nm::NpyType::c16 : nm::NpyType::f8);
  const std::size_t r = b.header.shape.at(0), c = b.header.shape.at(1);
  nm::MatrixT<S> P(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c));
  const S* d = reinterpret_cast<const S*>(b.data.data());
  for (std::size_t i = 0; i < r; ++i)
    for (std::size_t j = 0; j < c; ++j) P(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = d[i * c + j];
  return P;
}

nm::Matrix hadamard(std::size_t n) {
  nm::Matrix H(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      H(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = (__builtin_popcountll(i & j) % 2) ? -1.0 : 1.0;
  return H;
}

void write_matrix(const fs::path& p, const nm::Matrix& A) {
  std::vector<double> rm(static_cast<std::size_t>(A.size()));
  for (Eigen::Index i = 0; i < A.rows(); ++i)
    for (Eigen::Index j = 0; j < A.cols(); ++j) rm[static_cast<std::size_t>(i * A.cols() + j)] = A(i, j);
  nm::write_npy_raw(p.string(), nm::NpyType::f8, {static_cast<std::size_t>(A.rows()), static_cast<std::size_t>(A.cols())},
                    rm.data(), rm.size() * 8);
}

TEST(FactorFiles, WrittenChainIsReadBackByTheLibraryAndNumPyAndRecoversTheProduct) {
  const fs::path d = scratch_dir("e2e");
  // Hadamard 64 + 1e-3 N(0,1): not exactly a butterfly product.
  nm::Matrix A = hadamard(64);
  std::mt19937_64 g(1);
  std::normal_distribution<double> nd;
  for (Eigen::Index k = 0; k < A.size(); ++k) A.data()[k] += 1e-3 * nd(g);
  write_matrix(d / "a.npy", A);
  spit(d / "spec.json", R"({"name": "b64", "family": "butterfly", "n": 64})");
  const auto r = run_cli("factorize a.npy --spec spec.json -o out --quiet", d.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("tight residual: chain multiply"), std::string::npos) << r.out;

  const auto chain = nm::read_factor_chain((d / "out").string());
  ASSERT_EQ(chain.scalar, nm::ChainScalar::float64);
  ASSERT_EQ(chain.real.size(), 6u);
  const nm::Matrix P = nm::chain_product(chain.real);
  // The manifest's certified residual encloses the product's actual error.
  const auto man = nlohmann::json::parse(slurp(d / "out" / "manifest.json"));
  const auto res = man["factorization"]["enclosure"]["residual"];
  const double err = (A - P).norm();
  EXPECT_LE(res[0].get<double>(), err * (1 + 1e-12));
  EXPECT_GE(res[1].get<double>(), err * (1 - 1e-12));
  EXPECT_LE(res[1].get<double>() - res[0].get<double>(), 1e-6 * A.norm());

  const nm::Matrix Pn = numpy_product<double>(d / "out", d);
  EXPECT_LE((Pn - P).norm(), 1e-12 * P.norm());
  // Bytes written: the values plus one header each and the manifest.
  std::size_t bytes = 0;
  for (const auto& e : fs::directory_iterator(d / "out"))
    if (e.path().extension() == ".npy") bytes += fs::file_size(e.path());
  std::size_t expected = 0;
  for (const auto& f : chain.real) expected += f.values.size() * sizeof(double) + 128;  // values + one header
  EXPECT_EQ(bytes, expected);
}

TEST(FactorFiles, HadamardIsRecoveredTo1e12AndTheJsonFormRoundTrips) {
  const fs::path d = scratch_dir("h16");
  ASSERT_EQ(run_cli("factorize examples/matrices/hadamard-16.npy --spec examples/specs/butterfly-16.json -o '" +
                    (d / "out").string() + "' --quiet").code, 0);
  const auto chain = nm::read_factor_chain((d / "out").string());
  const nm::Matrix H = hadamard(16);
  EXPECT_LE((nm::chain_product(chain.real) - H).norm(), 1e-12 * H.norm());
  EXPECT_LE((numpy_product<double>(d / "out", d) - H).norm(), 1e-12 * H.norm());
  // -o X.json: one manifest with inline values, same factorization.
  const auto r = run_cli("factorize examples/matrices/hadamard-16.npy --spec examples/specs/butterfly-16.json -o '" +
                         (d / "f.json").string() + "' --quiet");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(slurp(d / "f.json"));
  ASSERT_EQ(j["factors"].size(), 4u);
  EXPECT_EQ(j["factors"][0]["values"].size(), 32u);
  EXPECT_EQ(j["factors"][0]["values"][0].get<double>(), chain.real[0].values[0]);
}

TEST(FactorFiles, ComplexDftWithBitReversalThroughTheCli) {
  const fs::path d = scratch_dir("dft");
  const nm::ComplexMatrix F = nm::dft_bit_reversed(32);
  std::vector<std::complex<double>> rm(static_cast<std::size_t>(F.size()));
  for (Eigen::Index i = 0; i < 32; ++i)
    for (Eigen::Index j = 0; j < 32; ++j) rm[static_cast<std::size_t>(i * 32 + j)] = F(i, j);
  nm::write_npy_raw((d / "f.npy").string(), nm::NpyType::c16, {32, 32}, rm.data(), rm.size() * 16);
  spit(d / "spec.json", R"({"name": "b32", "family": "butterfly", "n": 32})");
  const auto r = run_cli("factorize f.npy --spec spec.json -o out --quiet", d.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto chain = nm::read_factor_chain((d / "out").string());
  ASSERT_EQ(chain.scalar, nm::ChainScalar::complex128);
  EXPECT_LE((nm::chain_product(chain.complex) - F).norm(), 1e-12 * F.norm());
  EXPECT_LE((numpy_product<std::complex<double>>(d / "out", d) - F).norm(), 1e-12 * F.norm());
  // multiply refuses complex chains with one line.
  const auto m = run_cli("multiply out f.npy -o y.npy", d.string());
  EXPECT_EQ(m.code, 2);
  EXPECT_NE(m.err.find("complex128"), std::string::npos) << m.err;
}

TEST(FactorFiles, MultiplyAppliesTheChainInBothLayoutsTransposedAndInFloat32) {
  const fs::path d = scratch_dir("mul");
  ASSERT_EQ(run_cli("factorize examples/matrices/hadamard-16.npy --spec examples/specs/butterfly-16.json -o '" +
                    (d / "out").string() + "' --quiet").code, 0);
  const nm::Matrix P = nm::chain_product(nm::read_factor_chain((d / "out").string()).real);
  std::mt19937_64 g(3);
  std::normal_distribution<double> nd;
  nm::Matrix X(16, 5);
  for (Eigen::Index k = 0; k < X.size(); ++k) X.data()[k] = nd(g);
  write_matrix(d / "x.npy", X);                 // (16, 5): vectors are columns
  write_matrix(d / "xr.npy", X.transpose());    // (5, 16): vectors are rows
  struct Case {
    std::string args;
    nm::Matrix expect;
    bool rows;
  };
  for (const Case& c : {Case{"multiply out x.npy -o y.npy", P * X, false},
                        Case{"multiply out xr.npy -o y.npy --layout rows", P * X, true},
                        Case{"multiply out x.npy -o y.npy --transpose", P.transpose() * X, false}}) {
    const auto r = run_cli(c.args, d.string());
    ASSERT_EQ(r.code, 0) << c.args << "\n" << r.err;
    const auto y = nm::read_npy_blob((d / "y.npy").string());
    ASSERT_EQ(y.header.type, nm::NpyType::f8);
    const double* v = reinterpret_cast<const double*>(y.data.data());
    double err = 0.0;
    for (Eigen::Index i = 0; i < 16; ++i)
      for (Eigen::Index b = 0; b < 5; ++b)
        err = std::max(err, std::abs((c.rows ? v[b * 16 + i] : v[i * 5 + b]) - c.expect(i, b)));
    EXPECT_LT(err, 1e-12) << c.args;
  }
  // float32 in, float32 out.
  std::vector<float> xf(80);
  for (Eigen::Index i = 0; i < 16; ++i)
    for (Eigen::Index b = 0; b < 5; ++b) xf[static_cast<std::size_t>(i * 5 + b)] = static_cast<float>(X(i, b));
  nm::write_npy_raw((d / "xf.npy").string(), nm::NpyType::f4, {16, 5}, xf.data(), xf.size() * 4);
  ASSERT_EQ(run_cli("multiply out xf.npy -o yf.npy", d.string()).code, 0);
  const auto yf = nm::read_npy_blob((d / "yf.npy").string());
  ASSERT_EQ(yf.header.type, nm::NpyType::f4);
  const float* vf = reinterpret_cast<const float*>(yf.data.data());
  EXPECT_NEAR(vf[7], (P * X)(1, 2), 1e-4);
  // A wrong length: one line, exit 2, no output.
  const auto bad = run_cli("multiply out xr.npy -o z.npy", d.string());
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("shape"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(d / "z.npy"));
}

// The read paths of issue 19 (perf19): factorize reads C order (tiled
// transpose), Fortran order (straight read) and float32 (widened) through
// numeric::read_npy_column_major; the same values give the same factor files,
// byte for byte.
TEST(FactorFiles, FactorizeGivesTheSameFilesFromCOrderFortranOrderAndFloat32) {
  const fs::path d = scratch_dir("orders");
  const std::size_t n = 256;  // 512 KiB: several 64-byte strips, odd slab ends
  std::mt19937_64 g(11);
  std::normal_distribution<float> nd;
  nm::Matrix A(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  for (Eigen::Index k = 0; k < A.size(); ++k) A.data()[k] = static_cast<double>(nd(g));  // float32-exact
  std::vector<double> c(n * n), f(n * n);
  std::vector<float> c4(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      const double v = A(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
      c[i * n + j] = v;
      f[i + j * n] = v;
      c4[i * n + j] = static_cast<float>(v);
    }
  nm::write_npy_raw((d / "c.npy").string(), nm::NpyType::f8, {n, n}, c.data(), c.size() * 8, false);
  nm::write_npy_raw((d / "f.npy").string(), nm::NpyType::f8, {n, n}, f.data(), f.size() * 8, true);
  nm::write_npy_raw((d / "c4.npy").string(), nm::NpyType::f4, {n, n}, c4.data(), c4.size() * 4, false);
  spit(d / "spec.json", R"({"name": "butterfly-256", "family": "butterfly", "n": 256})");
  std::map<std::string, std::string> first;
  for (const std::string name : {"c", "f", "c4"}) {
    const auto r = run_cli("factorize " + name + ".npy --spec spec.json -o out_" + name + " --quiet", d.string());
    ASSERT_EQ(r.code, 0) << name << "\n" << r.err;
    std::map<std::string, std::string> files;
    for (const auto& e : fs::directory_iterator(d / ("out_" + name)))
      if (e.path().extension() == ".npy") files[e.path().filename().string()] = slurp(e.path().string());
    ASSERT_FALSE(files.empty());
    if (first.empty()) first = files;
    else EXPECT_TRUE(files == first) << name << ".npy gave other factor files than c.npy";
  }
}

// multiply maps an X of 1 MiB and more read-only (numeric::NpyDataView) and
// reads a smaller one: both give the bits of the library call on the same
// vectors, in both memory layouts and transposed; the input is not modified.
TEST(FactorFiles, MultiplyOfAMappedBatchGivesTheLibraryCallsBits) {
  const fs::path d = scratch_dir("mapped");
  ASSERT_EQ(run_cli("factorize examples/matrices/hadamard-16.npy --spec examples/specs/butterfly-16.json -o '" +
                    (d / "out").string() + "' --quiet").code, 0);
  const auto chain = wellposed::gpu::ks_chain_from_kfactors<double>(nm::read_factor_chain((d / "out").string()).real);
  std::mt19937_64 g(5);
  std::normal_distribution<double> nd;
  for (const std::size_t batch : {std::size_t{8200} /* 1.0 MiB: mapped */, std::size_t{7} /* read */})
    for (const bool fortran : {false, true})
      for (const bool transpose : {false, true}) {
        std::vector<double> x(16 * batch);
        for (auto& v : x) v = nd(g);
        nm::write_npy_raw((d / "x.npy").string(), nm::NpyType::f8, {16, batch}, x.data(), x.size() * 8, fortran);
        const std::string before = slurp((d / "x.npy").string());
        const auto r = run_cli(std::string("multiply out x.npy -o y.npy") + (transpose ? " --transpose" : ""), d.string());
        ASSERT_EQ(r.code, 0) << r.err;
        std::vector<double> want(16 * batch);
        const auto st = wellposed::gpu::apply_chain<double>(
            chain, std::span<const double>(x), std::span<double>(want), batch,
            fortran ? wellposed::gpu::BatchLayout::batch_first : wellposed::gpu::BatchLayout::batch_last,
            transpose ? wellposed::gpu::Op::transpose : wellposed::gpu::Op::none);
        ASSERT_TRUE(st.ok()) << st.message;
        const auto y = nm::read_npy_blob((d / "y.npy").string());
        ASSERT_EQ(y.data.size(), want.size() * 8);
        EXPECT_EQ(y.header.fortran_order, fortran);
        EXPECT_EQ(0, std::memcmp(y.data.data(), want.data(), y.data.size()))
            << "batch " << batch << (fortran ? " Fortran" : " C") << (transpose ? " transposed" : "");
        EXPECT_EQ(slurp((d / "x.npy").string()), before);
      }
}

}  // namespace
