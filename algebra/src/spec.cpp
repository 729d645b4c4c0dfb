#include "wellposed/algebra/spec.hpp"

#include <algorithm>
#include <bit>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "wellposed/algebra/npy.hpp"

namespace wellposed {

SpecError::SpecError(std::string file, std::string json_path, const std::string& message)
    : std::runtime_error(file + ": at " + json_path + ": " + message),
      file_(std::move(file)),
      json_path_(std::move(json_path)) {}

std::string closest_word(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = static_cast<std::size_t>(-1);
  for (const auto& c : candidates) {
    std::vector<std::size_t> prev(c.size() + 1), cur(c.size() + 1);
    for (std::size_t j = 0; j <= c.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= word.size(); ++i) {
      cur[0] = i;
      for (std::size_t j = 1; j <= c.size(); ++j)
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (word[i - 1] == c[j - 1] ? 0 : 1)});
      std::swap(prev, cur);
    }
    if (prev[c.size()] < best_d) {
      best_d = prev[c.size()];
      best = c;
    }
  }
  return best;
}

namespace {

struct Ctx {
  std::string file;
  std::string base_dir;
  std::size_t mask_entries = 0;  // running total, against kMaxSpecMaskEntries

  [[noreturn]] void fail(const std::string& path, const std::string& msg) const { throw SpecError(file, path, msg); }

  void reserve(const std::string& path, std::size_t rows, std::size_t cols) {
    if (rows != 0 && cols > kMaxSpecMaskEntries / rows) fail(path, "a " + std::to_string(rows) + "x" + std::to_string(cols) + " support is beyond the limit of " +
                     std::to_string(kMaxSpecMaskEntries) + " mask entries (explicit masks are stored densely)");
    mask_entries += rows * cols;
    if (mask_entries > kMaxSpecMaskEntries)
      fail(path, "the supports of this spec need " + std::to_string(mask_entries) +
                     " mask entries, more than the limit of " + std::to_string(kMaxSpecMaskEntries) +
                     " (explicit masks are stored densely)");
  }
};

std::string dump(const nlohmann::json& j) {
  std::string s = j.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

void check_keys(const Ctx& c, const std::string& path, const nlohmann::json& obj, const std::vector<std::string>& allowed) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end())
      c.fail(path, "unknown key '" + it.key() + "' (did you mean '" + closest_word(it.key(), allowed) + "'?)");
  }
}

std::size_t positive(const Ctx& c, const std::string& path, const nlohmann::json& obj, const std::string& key) {
  const std::string p = path + "." + key;
  if (!obj.contains(key)) c.fail(path, "missing key '" + key + "'");
  const auto& v = obj.at(key);
  if (!v.is_number_integer() || v.get<long long>() <= 0)
    c.fail(p, "expected a positive integer, got " + dump(v));
  return static_cast<std::size_t>(v.get<long long>());
}

Support mask_from_json(const Ctx& c, const std::string& path, const nlohmann::json& v) {
  if (!v.is_array() || v.empty()) c.fail(path, "expected a non-empty list of '0'/'1' strings, got " + dump(v));
  std::vector<std::string> rows;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) c.fail(path + "[" + std::to_string(i) + "]", "expected a string of '0'/'1', got " + dump(v[i]));
    rows.push_back(v[i].get<std::string>());
  }
  try {
    return Support::from_rows(rows);
  } catch (const std::invalid_argument& e) {
    c.fail(path, e.what());
  }
}

KPattern kpattern_from_json(const Ctx& c, const std::string& path, const nlohmann::json& v) {
  if (!v.is_array() || v.size() != 4) c.fail(path, "expected [a, b, c, d], got " + dump(v));
  std::size_t e[4];
  for (std::size_t i = 0; i < 4; ++i) {
    if (!v[i].is_number_integer() || v[i].get<long long>() <= 0)
      c.fail(path + "[" + std::to_string(i) + "]", "expected a positive integer, got " + dump(v[i]));
    e[i] = static_cast<std::size_t>(v[i].get<long long>());
  }
  return {e[0], e[1], e[2], e[3]};
}

Support factor_from_json(Ctx& c, const std::string& path, const nlohmann::json& f) {
  if (!f.is_object()) c.fail(path, "expected a factor object {\"rows\", \"cols\", \"support\"}, got " + dump(f));
  check_keys(c, path, f, {"rows", "cols", "support", "name"});
  if (!f.contains("support")) c.fail(path, "missing key 'support'");
  const auto& s = f.at("support");
  const std::string sp = path + ".support";
  std::optional<std::size_t> rows, cols;
  if (f.contains("rows")) rows = positive(c, path, f, "rows");
  if (f.contains("cols")) cols = positive(c, path, f, "cols");
  auto need_shape = [&](const std::string& what) {
    if (!rows || !cols) c.fail(path, "support \"" + what + "\" needs both 'rows' and 'cols'");
    c.reserve(path, *rows, *cols);
  };
  auto check_shape = [&](const Support& m, const std::string& what) {
    if ((rows && *rows != m.rows()) || (cols && *cols != m.cols()))
      c.fail(path, what + " is " + std::to_string(m.rows()) + "x" + std::to_string(m.cols()) + " but the factor says " +
                       (rows ? std::to_string(*rows) : "?") + "x" + (cols ? std::to_string(*cols) : "?"));
    return m;
  };
  if (s.is_string()) {
    const std::string kind = s.get<std::string>();
    static const std::vector<std::string> kinds{"full", "lower", "upper", "diagonal"};
    if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end())
      c.fail(sp, "unknown support '" + kind + "' (did you mean '" + closest_word(kind, kinds) +
                     "'? expected one of full, lower, upper, diagonal, or an object)");
    need_shape(kind);
    if (kind == "full") return Support::full(*rows, *cols);
    if (kind == "lower") return Support::lower(*rows, *cols);
    if (kind == "upper") return Support::upper(*rows, *cols);
    return Support::diagonal(*rows, *cols);
  }
  if (!s.is_object() || s.size() != 1)
    c.fail(sp, "expected a string or an object with one key (mask, kronecker, npy, random), got " + dump(s));
  check_keys(c, sp, s, {"mask", "kronecker", "npy", "random"});
  const std::string key = s.begin().key();
  const auto& v = s.begin().value();
  const std::string vp = sp + "." + key;
  if (key == "mask") {
    if (v.is_array()) c.reserve(vp, v.size(), v.empty() || !v[0].is_string() ? 0 : v[0].get<std::string>().size());
    return check_shape(mask_from_json(c, vp, v), "the mask");
  }
  if (key == "kronecker") {
    const KPattern t = kpattern_from_json(c, vp, v);
    c.reserve(vp, t.rows(), t.cols());
    return check_shape(t.support(), "the Kronecker pattern " + t.to_string());
  }
  if (key == "npy") {
    if (!v.is_string()) c.fail(vp, "expected a file name, got " + dump(v));
    std::filesystem::path p = v.get<std::string>();
    if (p.is_relative()) p = std::filesystem::path(c.base_dir) / p;
    NpyArray a;
    try {
      a = read_npy(p.string());
    } catch (const std::exception& e) {
      c.fail(vp, e.what());
    }
    if (a.shape.size() != 2) c.fail(vp, p.string() + ": a mask must be a 2-D array");
    c.reserve(vp, a.rows(), a.cols());
    Support m(a.rows(), a.cols());
    for (std::size_t i = 0; i < a.rows(); ++i)
      for (std::size_t j = 0; j < a.cols(); ++j) {
        const double x = a.data[i * a.cols() + j];
        if (x != x) c.fail(vp, p.string() + ": entry (" + std::to_string(i) + ", " + std::to_string(j) + ") is NaN");
        if (x != 0.0) m.set(i, j);
      }
    return check_shape(m, "the mask in " + p.string());
  }
  // random
  if (!v.is_object()) c.fail(vp, "expected {\"density\": ..., \"seed\": ...}, got " + dump(v));
  check_keys(c, vp, v, {"density", "seed"});
  if (!v.contains("density") || !v.at("density").is_number()) c.fail(vp, "needs a numeric 'density'");
  const double density = v.at("density").get<double>();
  if (!(density >= 0.0 && density <= 1.0)) c.fail(vp + ".density", "must lie in [0, 1], got " + dump(v.at("density")));
  std::uint64_t seed = 0;
  if (v.contains("seed")) {
    if (!v.at("seed").is_number_integer() || v.at("seed").get<long long>() < 0)
      c.fail(vp + ".seed", "expected a non-negative integer, got " + dump(v.at("seed")));
    seed = v.at("seed").get<std::uint64_t>();
  }
  need_shape("random");
  return Support::random(*rows, *cols, density, seed);
}

Architecture family_from_json(Ctx& c, const std::string& path, const nlohmann::json& j, const std::string& family) {
  static const std::vector<std::string> families{"butterfly", "monarch", "lowrank", "lu", "hodlr",
                                                  "kronecker", "kaleidoscope", "np-hardness"};
  const std::string fp = path + ".family";
  auto keys = [&](std::vector<std::string> k) {
    k.insert(k.end(), {"name", "family", "description"});
    check_keys(c, path, j, k);
  };
  try {
    if (family == "butterfly" || family == "kaleidoscope") {
      keys({"n"});
      const std::size_t n = positive(c, path, j, "n");
      if (n < 2 || (n & (n - 1))) c.fail(path + ".n", "must be a power of two >= 2, got " + std::to_string(n));
      const std::size_t N = static_cast<std::size_t>(std::countr_zero(n));
      c.reserve(path + ".n", n * (family == "butterfly" ? N : 2 * N), n);
      return family == "butterfly" ? butterfly(n) : kaleidoscope(n);
    }
    if (family == "monarch") {
      keys({"m", "n", "p", "q"});
      const std::size_t m = positive(c, path, j, "m"), n = positive(c, path, j, "n"), p = positive(c, path, j, "p"),
                        q = positive(c, path, j, "q");
      if (m % p) c.fail(path + ".p", "p = " + std::to_string(p) + " must divide m = " + std::to_string(m));
      if (n % q) c.fail(path + ".q", "q = " + std::to_string(q) + " must divide n = " + std::to_string(n));
      c.reserve(path, m + n, q * m / p);
      return monarch(m, n, p, q);
    }
    if (family == "lowrank") {
      keys({"m", "n", "r"});
      const std::size_t m = positive(c, path, j, "m"), n = positive(c, path, j, "n"), r = positive(c, path, j, "r");
      c.reserve(path, m + n, r);
      return low_rank(m, n, r);
    }
    if (family == "lu") {
      keys({"n"});
      const std::size_t n = positive(c, path, j, "n");
      c.reserve(path, 2 * n, n);
      return lu(n);
    }
    if (family == "hodlr") {
      keys({"levels"});
      const std::size_t levels = positive(c, path, j, "levels");
      if (levels > 14) c.fail(path + ".levels", "at most 14 levels are supported, got " + std::to_string(levels));
      const std::size_t n = std::size_t{1} << levels;
      c.reserve(path, 2 * n, 3 * n);
      return hodlr(levels);
    }
    if (family == "kronecker") {
      keys({"chain"});
      if (!j.contains("chain")) c.fail(path, "missing key 'chain'");
      const auto& ch = j.at("chain");
      if (!ch.is_array() || ch.empty()) c.fail(path + ".chain", "expected a non-empty list of [a, b, c, d], got " + dump(ch));
      KChain chain;
      for (std::size_t i = 0; i < ch.size(); ++i) {
        const std::string ip = path + ".chain[" + std::to_string(i) + "]";
        chain.push_back(kpattern_from_json(c, ip, ch[i]));
        c.reserve(ip, chain.back().rows(), chain.back().cols());
        if (i > 0 && chain[i - 1].cols() != chain[i].rows())
          c.fail(ip, "pattern " + chain[i].to_string() + " has " + std::to_string(chain[i].rows()) +
                         " rows but the previous pattern " + chain[i - 1].to_string() + " has " +
                         std::to_string(chain[i - 1].cols()) + " columns");
      }
      return kronecker_chain_architecture(chain);
    }
    if (family == "np-hardness") {
      keys({"mask"});
      if (!j.contains("mask")) c.fail(path, "missing key 'mask'");
      c.reserve(path + ".mask", 64, 64);
      return np_hardness(mask_from_json(c, path + ".mask", j.at("mask")));
    }
  } catch (const std::invalid_argument& e) {
    c.fail(path, e.what());
  }
  c.fail(fp, "unknown family '" + family + "' (did you mean '" + closest_word(family, families) + "'?)");
}

// {"network": "relu", "factors": [W_1, ..., W_L]}: layers listed input to
// output, W_l of size N_l x N_{l-1} (thesis Ch. 7, eq. 7.1). The Spec's
// architecture is L_I in library order (network.hpp).
Spec network_spec_from_json(Ctx& c, const std::string& path, const nlohmann::json& j,
                            const std::optional<std::string>& name) {
  const std::string np = path + ".network";
  const auto& kind = j.at("network");
  if (!kind.is_string()) c.fail(np, "expected the string \"relu\", got " + dump(kind));
  if (kind.get<std::string>() != "relu")
    c.fail(np, "unknown network kind '" + kind.get<std::string>() + "' (only \"relu\" is supported)");
  if (j.contains("family"))
    c.fail(path, "a network spec lists its layer masks in 'factors' (input to output), not a 'family'");
  check_keys(c, path, j, {"name", "factors", "description", "network"});
  if (!j.contains("factors")) c.fail(path, "missing key 'factors' (the layer masks W_1, ..., W_L, input to output)");
  const auto& fs = j.at("factors");
  if (!fs.is_array() || fs.empty())
    c.fail(path + ".factors", "expected a non-empty list of layers W_1, ..., W_L, got " + dump(fs));
  std::vector<Support> layers;
  for (std::size_t i = 0; i < fs.size(); ++i) {
    const std::string fp = path + ".factors[" + std::to_string(i) + "]";
    layers.push_back(factor_from_json(c, fp, fs[i]));
    // W_{i+1} (N_{i+1} x N_i) follows W_i (N_i x N_{i-1}): its columns are W_i's rows.
    if (i > 0 && layers[i].cols() != layers[i - 1].rows())
      c.fail(fp, "layer W_" + std::to_string(i + 1) + " has " + std::to_string(layers[i].cols()) +
                     " columns but W_" + std::to_string(i) + " has " + std::to_string(layers[i - 1].rows()) +
                     " rows (network layers are listed input to output; W_l is N_l x N_{l-1}: rows = its output width)");
  }
  const std::string nm = name.value_or(c.file + (path == "$" ? "" : path));
  ReluNetwork net(std::move(layers), nm);
  Architecture lin = net.linear_architecture();
  Spec s{nm, std::move(lin), c.file, path, std::nullopt, j, std::nullopt};
  s.network = std::move(net);
  return s;
}

Spec spec_from_json(Ctx& c, const std::string& path, const nlohmann::json& j) {
  if (!j.is_object()) c.fail(path, "expected a spec object, got " + dump(j));
  c.mask_entries = 0;
  std::optional<std::string> name;
  if (j.contains("name")) {
    if (!j.at("name").is_string()) c.fail(path + ".name", "expected a string, got " + dump(j.at("name")));
    name = j.at("name").get<std::string>();
  }
  if (j.contains("description") && !j.at("description").is_string())
    c.fail(path + ".description", "expected a string, got " + dump(j.at("description")));
  if (j.contains("family") && j.contains("factors")) c.fail(path, "give either 'factors' or 'family', not both");
  if (j.contains("network")) return network_spec_from_json(c, path, j, name);
  if (j.contains("family")) {
    if (!j.at("family").is_string()) c.fail(path + ".family", "expected a string, got " + dump(j.at("family")));
    const std::string fam = j.at("family").get<std::string>();
    Architecture a = family_from_json(c, path, j, fam);
    if (name) a.set_name(*name);
    return Spec{name.value_or(a.name()), std::move(a), c.file, path, fam, j, std::nullopt};
  }
  check_keys(c, path, j, {"name", "factors", "description"});
  if (!j.contains("factors")) c.fail(path, "missing key 'factors' (or 'family')");
  const auto& fs = j.at("factors");
  if (!fs.is_array() || fs.empty()) c.fail(path + ".factors", "expected a non-empty list of factors, got " + dump(fs));
  std::vector<Support> factors;
  for (std::size_t i = 0; i < fs.size(); ++i) {
    const std::string fp = path + ".factors[" + std::to_string(i) + "]";
    factors.push_back(factor_from_json(c, fp, fs[i]));
    if (i > 0 && factors[i - 1].cols() != factors[i].rows())
      c.fail(fp, "factor " + std::to_string(i + 1) + " has " + std::to_string(factors[i].rows()) +
                     " rows but factor " + std::to_string(i) + " has " + std::to_string(factors[i - 1].cols()) +
                     " columns (A = F1 F2 ... FL needs them equal)");
  }
  const std::string nm = name.value_or(c.file + (path == "$" ? "" : path));
  return Spec{nm, Architecture(std::move(factors), nm), c.file, path, std::nullopt, j, std::nullopt};
}

}  // namespace

std::vector<Spec> parse_specs(const nlohmann::json& j, const std::string& file, const std::string& base_dir) {
  Ctx c{file, base_dir};
  std::vector<Spec> out;
  if (j.is_array()) {
    if (j.empty()) c.fail("$", "the list of specs is empty");
    for (std::size_t i = 0; i < j.size(); ++i) out.push_back(spec_from_json(c, "$[" + std::to_string(i) + "]", j[i]));
  } else {
    out.push_back(spec_from_json(c, "$", j));
  }
  return out;
}

std::vector<Spec> load_specs(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw SpecError(path, "$", "cannot open file");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw SpecError(path, "$", std::string("malformed JSON: ") + e.what());
  }
  const auto dir = std::filesystem::path(path).parent_path();
  return parse_specs(j, path, dir.empty() ? "." : dir.string());
}

nlohmann::json to_spec_json(const ReluNetwork& n) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& f : n.layers())
    layers.push_back({{"rows", f.rows()}, {"cols", f.cols()}, {"support", {{"mask", f.to_rows()}}}});
  nlohmann::json j{{"network", "relu"}, {"factors", layers}};
  if (!n.name().empty()) j["name"] = n.name();
  return j;
}

nlohmann::json to_spec_json(const Architecture& a) {
  nlohmann::json factors = nlohmann::json::array();
  for (const auto& f : a.factors())
    factors.push_back({{"rows", f.rows()}, {"cols", f.cols()}, {"support", {{"mask", f.to_rows()}}}});
  nlohmann::json j{{"factors", factors}};
  if (!a.name().empty()) j["name"] = a.name();
  return j;
}

}  // namespace wellposed
