// Factor-chain files: docs/factor-format.md.
#include "wellposed/numeric/factor_file.hpp"

#include <bit>
#include <cctype>
#include <cstdint>
#include <initializer_list>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include <nlohmann/json.hpp>

namespace wellposed::numeric {

static_assert(std::endian::native == std::endian::little, "factor files are little endian; add byte swapping");
static_assert(sizeof(Complex) == 16, "complex128 is two packed doubles");

namespace {

constexpr std::size_t kMaxManifestBytes = std::size_t{16} << 20;
constexpr std::size_t kMaxFactors = 4096;

[[noreturn]] void fail(const std::string& label, const std::string& field, const std::string& what) {
  throw FileFormatError(label + ": " + field + ": " + what);
}

std::string scalar_name(ChainScalar s) { return s == ChainScalar::float64 ? "float64" : "complex128"; }

bool plain_name(const std::string& n) {
  if (n.empty() || n.size() > 255 || n == "." || n == "..") return false;
  for (char ch : n)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-')) return false;
  return true;
}

template <class S>
void write_impl(const std::vector<BasicKFactor<S>>& factors, const std::string& info,
                const std::function<std::string(const std::string&)>& path_of) {
  constexpr ChainScalar sc = is_complex_v<S> ? ChainScalar::complex128 : ChainScalar::float64;
  std::vector<KPattern> pats;
  for (const auto& f : factors) {
    if (f.values.size() != f.theta.nnz())
      throw std::invalid_argument("write_factor_chain: factor " + f.theta.to_string() + " holds " +
                                  std::to_string(f.values.size()) + " values, not a b c d = " + std::to_string(f.theta.nnz()));
    pats.push_back(f.theta);
  }
  const std::string manifest = factor_chain_manifest(pats, sc, info);
  for (std::size_t l = 0; l < factors.size(); ++l) {
    const auto& t = factors[l].theta;
    write_npy_raw(path_of("F" + std::to_string(l + 1) + ".npy"), is_complex_v<S> ? NpyType::c16 : NpyType::f8,
                  {t.a, t.b, t.c, t.d}, factors[l].values.data(), factors[l].values.size() * sizeof(S));
  }
  std::ofstream m(path_of("manifest.json"), std::ios::binary | std::ios::trunc);
  m << manifest;
  m.flush();
  if (!m) throw std::runtime_error("write_factor_chain: cannot write manifest.json");
}

using Loader = std::function<NpyBlob(const std::string& name, const std::string& label)>;

std::size_t field_size(const nlohmann::json& j, const std::string& label, const std::string& field) {
  if (!j.is_number_unsigned() && !(j.is_number_integer() && j.get<long long>() >= 0))
    fail(label, field, "expected a non-negative integer, got " + j.dump().substr(0, 60));
  const auto v = j.get<unsigned long long>();
  if (v > (std::uint64_t{1} << 40)) fail(label, field, std::to_string(v) + " is larger than 2^40");
  return static_cast<std::size_t>(v);
}

template <class S>
std::vector<BasicKFactor<S>> load_factors(const nlohmann::json& fs, const std::string& label, const Loader& load) {
  const NpyType want = is_complex_v<S> ? NpyType::c16 : NpyType::f8;
  std::vector<BasicKFactor<S>> out;
  for (std::size_t l = 0; l < fs.size(); ++l) {
    const std::string where = "factors[" + std::to_string(l) + "]";
    const auto& f = fs[l];
    if (!f.is_object()) fail(label, where, "expected an object");
    if (!f.contains("pattern") || !f["pattern"].is_array() || f["pattern"].size() != 4)
      fail(label, where + ".pattern", "expected [a, b, c, d]");
    std::size_t p[4];
    for (std::size_t k = 0; k < 4; ++k) {
      p[k] = field_size(f["pattern"][k], label, where + ".pattern[" + std::to_string(k) + "]");
      if (p[k] == 0) fail(label, where + ".pattern[" + std::to_string(k) + "]", "must be at least 1");
    }
    const KPattern t{p[0], p[1], p[2], p[3]};
    // Each entry is <= 2^40, so the products can overflow: all checked.
    const auto cmul = [&](std::initializer_list<std::size_t> xs, const char* what) {
      std::size_t r = 1;
      for (std::size_t x : xs)
        if (__builtin_mul_overflow(r, x, &r)) fail(label, where + ".pattern", std::string(what) + " overflows");
      return r;
    };
    const std::size_t nnz = cmul({p[0], p[1], p[2], p[3], sizeof(S)}, "a b c d") / sizeof(S);
    const std::size_t rows = cmul({p[0], p[1], p[3]}, "a b d"), cols = cmul({p[0], p[2], p[3]}, "a c d");
    if (f.contains("rows") && field_size(f["rows"], label, where + ".rows") != rows)
      fail(label, where + ".rows", "is not a b d = " + std::to_string(rows));
    if (f.contains("cols") && field_size(f["cols"], label, where + ".cols") != cols)
      fail(label, where + ".cols", "is not a c d = " + std::to_string(cols));
    if (l > 0 && out.back().cols() != rows)
      fail(label, where + ".pattern", "has " + std::to_string(rows) + " rows but factor " + std::to_string(l) + " has " +
                                          std::to_string(out.back().cols()) + " columns (the product is X_1 X_2 ... X_L)");
    if (!f.contains("file") || !f["file"].is_string()) fail(label, where + ".file", "expected a file name");
    const std::string name = f["file"].get<std::string>();
    if (!plain_name(name)) fail(label, where + ".file", "'" + name.substr(0, 60) + "' is not a plain file name");
    const NpyBlob b = load(name, label + "/" + name);
    const auto& h = b.header;
    if (h.type != want)
      fail(label + "/" + name, "descr", npy_descr(h.type) + " does not match the manifest's scalar " + npy_descr(want));
    const bool shape4 = h.shape == std::vector<std::size_t>{p[0], p[1], p[2], p[3]};
    const bool shape1 = h.shape == std::vector<std::size_t>{nnz};
    if (!shape4 && !shape1) fail(label + "/" + name, "shape", "is not the manifest's pattern " + t.to_string());
    if (h.fortran_order && shape4 && (p[0] > 1) + (p[1] > 1) + (p[2] > 1) + (p[3] > 1) > 1)
      fail(label + "/" + name, "fortran_order", "must be False (values in C order)");
    BasicKFactor<S> k;
    k.theta = t;
    k.values.resize(nnz);
    std::memcpy(k.values.data(), b.data.data(), nnz * sizeof(S));
    out.push_back(std::move(k));
  }
  return out;
}

FactorChainFile parse_impl(std::string_view manifest, const Loader& load, const std::string& label) {
  const std::string mlabel = label + "/manifest.json";
  if (manifest.size() > kMaxManifestBytes) fail(mlabel, "manifest", "larger than 16 MiB");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(manifest.begin(), manifest.end());
  } catch (const nlohmann::json::exception& e) {
    std::string what = e.what();
    if (what.size() > 160) what.resize(160);
    fail(mlabel, "manifest", "not JSON: " + what);
  }
  if (!j.is_object()) fail(mlabel, "manifest", "expected a JSON object");
  if (!j.contains("format") || j["format"] != kFactorChainFormat)
    fail(mlabel, "format", std::string("expected \"") + kFactorChainFormat + "\"");
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<long long>() != kFactorChainVersion)
    fail(mlabel, "version", "expected " + std::to_string(kFactorChainVersion));
  FactorChainFile out;
  if (!j.contains("scalar") || !j["scalar"].is_string()) fail(mlabel, "scalar", "expected \"float64\" or \"complex128\"");
  const std::string sc = j["scalar"].get<std::string>();
  if (sc == "float64") out.scalar = ChainScalar::float64;
  else if (sc == "complex128") out.scalar = ChainScalar::complex128;
  else fail(mlabel, "scalar", "'" + sc.substr(0, 40) + "' is not float64 or complex128");
  if (!j.contains("factors") || !j["factors"].is_array() || j["factors"].empty())
    fail(mlabel, "factors", "expected a non-empty array");
  if (j["factors"].size() > kMaxFactors) fail(mlabel, "factors", "more than 4096 factors");
  if (out.scalar == ChainScalar::float64) out.real = load_factors<double>(j["factors"], mlabel, load);
  else out.complex = load_factors<Complex>(j["factors"], mlabel, load);
  const std::size_t m = out.scalar == ChainScalar::float64 ? out.real.front().rows() : out.complex.front().rows();
  const std::size_t n = out.scalar == ChainScalar::float64 ? out.real.back().cols() : out.complex.back().cols();
  if (j.contains("rows") && field_size(j["rows"], mlabel, "rows") != m)
    fail(mlabel, "rows", "is not the rows of X_1 (" + std::to_string(m) + ")");
  if (j.contains("cols") && field_size(j["cols"], mlabel, "cols") != n)
    fail(mlabel, "cols", "is not the columns of X_L (" + std::to_string(n) + ")");
  if (j.contains("factorization")) out.factorization_json = j["factorization"].dump();
  return out;
}

}  // namespace

std::string factor_chain_manifest(const std::vector<KPattern>& patterns, ChainScalar scalar,
                                  const std::string& factorization_json) {
  nlohmann::json m;
  m["format"] = kFactorChainFormat;
  m["version"] = kFactorChainVersion;
  m["product"] = "X_1 X_2 ... X_L (left to right); F<l>.npy holds X_l";
  m["layout"] = "F<l>.npy[alpha, beta, gamma, delta] = X_l[alpha*b*d + beta*d + delta, alpha*c*d + gamma*d + delta]";
  m["scalar"] = scalar_name(scalar);
  if (!patterns.empty()) {
    m["rows"] = patterns.front().rows();
    m["cols"] = patterns.back().cols();
  }
  nlohmann::json fs = nlohmann::json::array();
  for (std::size_t l = 0; l < patterns.size(); ++l) {
    const auto& t = patterns[l];
    fs.push_back({{"file", "F" + std::to_string(l + 1) + ".npy"},
                  {"pattern", {t.a, t.b, t.c, t.d}},
                  {"rows", t.rows()},
                  {"cols", t.cols()},
                  {"nnz", t.nnz()}});
  }
  m["factors"] = fs;
  m["factorization"] = nlohmann::json::parse(factorization_json.empty() ? "null" : factorization_json);
  return m.dump(2) + "\n";
}

void write_factor_chain(const std::vector<KFactor>& factors, const std::string& info,
                        const std::function<std::string(const std::string&)>& path_of) {
  write_impl(factors, info, path_of);
}
void write_factor_chain(const std::vector<ComplexKFactor>& factors, const std::string& info,
                        const std::function<std::string(const std::string&)>& path_of) {
  write_impl(factors, info, path_of);
}

FactorChainFile parse_factor_chain(std::string_view manifest,
                                   const std::function<std::optional<std::string_view>(const std::string&)>& file,
                                   const std::string& label) {
  return parse_impl(
      manifest,
      [&](const std::string& name, const std::string& flabel) {
        const auto bytes = file(name);
        if (!bytes) fail(flabel, "file", "missing");
        return parse_npy(*bytes, flabel);
      },
      label);
}

FactorChainFile read_factor_chain(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dir(path), manifest = dir / "manifest.json";
  if (!fs::is_directory(dir, ec)) {
    manifest = dir;
    dir = dir.parent_path();
  }
  const std::string label = dir.empty() ? "." : dir.string();
  const auto size = fs::file_size(manifest, ec);
  if (ec) fail(manifest.string(), "file", "cannot read: " + ec.message());
  if (size > kMaxManifestBytes) fail(manifest.string(), "manifest", "larger than 16 MiB");
  std::ifstream in(manifest, std::ios::binary);
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (!in) fail(manifest.string(), "file", "cannot read");
  return parse_impl(
      text, [&](const std::string& name, const std::string&) { return read_npy_blob((dir / name).string()); }, label);
}

}  // namespace wellposed::numeric
