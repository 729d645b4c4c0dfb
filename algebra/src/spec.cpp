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
  SpecLoadOptions options;
  std::size_t mask_entries = 0;  // running total, against kMaxSpecMaskEntries
  // Shapes of the explicit factors of the spec being read, for the memory model.
  std::vector<MaskShape> shapes;
  bool network = false;  // the spec being read lists ReLU layers W_1 first

  [[noreturn]] void fail(const std::string& path, const std::string& msg) const { throw SpecError(file, path, msg); }

  /// A structural family (its masks are never built unless a caller asks):
  /// materializing it later is bounded by --max-memory.
  Architecture structural(Architecture a) const {
    a.set_max_materialize_bytes(static_cast<std::size_t>(options.limits.max_memory_bytes));
    return a;
  }

  /// Accounts for a rows x cols support (checked arithmetic: sizes come from the file).
  void reserve(const std::string& path, std::size_t rows, std::size_t cols) {
    const auto n = checked::mul(rows, cols);
    if (!n || *n > kMaxSpecMaskEntries)
      fail(path, "a " + std::to_string(rows) + "x" + std::to_string(cols) + " support is beyond the limit of " +
                     std::to_string(kMaxSpecMaskEntries) + " mask entries");
    mask_entries += *n;
    if (mask_entries > kMaxSpecMaskEntries)
      fail(path, "the supports of this spec need " + std::to_string(mask_entries) +
                     " mask entries, more than the limit of " + std::to_string(kMaxSpecMaskEntries));
    // Dense masks hold at least one bit per entry: a lower bound on what the
    // (family) constructors allocate, so refusing above the limit is never
    // premature. Explicit factors are also checked by the full model below.
    if (mask_entries / 8 > options.limits.max_memory_bytes)
      fail(path, "the supports of this spec need " + std::to_string(mask_entries) + " mask entries, at least " +
                     format_bytes(mask_entries / 8) + " as dense masks, more than the limit of " +
                     format_bytes(options.limits.max_memory_bytes) + " (raise it with --max-memory)");
  }

  /// An explicit factor's shape, checked against the memory model before its
  /// mask is allocated.
  void reserve_factor(const std::string& path, std::size_t rows, std::size_t cols, std::uint64_t nonzeros) {
    reserve(path, rows, cols);
    shapes.push_back({rows, cols, nonzeros});
    const auto need = spec_memory_estimate(shapes, network);
    if (!need || *need > options.limits.max_memory_bytes)
      fail(path, "a " + std::to_string(rows) + "x" + std::to_string(cols) + " factor brings the spec's estimated memory to " +
                     (need ? format_bytes(*need) : std::string("more than 2^64 bytes")) + ", more than the limit of " +
                     format_bytes(options.limits.max_memory_bytes) + " (raise it with --max-memory)");
  }
};

/// a * b for sizes from the file, or a SpecError naming `what`.
std::size_t mul_or_fail(const Ctx& c, const std::string& path, std::size_t a, std::size_t b, const std::string& what) {
  const auto r = checked::mul(a, b);
  if (!r) c.fail(path, what + " = " + std::to_string(a) + " * " + std::to_string(b) + " does not fit in 64 bits");
  return *r;
}
std::size_t add_or_fail(const Ctx& c, const std::string& path, std::size_t a, std::size_t b, const std::string& what) {
  const auto r = checked::add(a, b);
  if (!r) c.fail(path, what + " = " + std::to_string(a) + " + " + std::to_string(b) + " does not fit in 64 bits");
  return *r;
}

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
  // nlohmann stores non-negative integers as unsigned (up to 2^64 - 1) and
  // negative ones as signed: read each as what it is, never through a cast.
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > 0) return static_cast<std::size_t>(v.get<std::uint64_t>());
  c.fail(p, "expected a positive integer, got " + dump(v));
}

Support mask_from_json(const Ctx& c, const std::string& path, const nlohmann::json& v) {
  if (!v.is_array() || v.empty()) c.fail(path, "expected a non-empty list of '0'/'1' strings, got " + dump(v));
  std::vector<std::string> rows;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) c.fail(path + "[" + std::to_string(i) + "]", "expected a string of '0'/'1', got " + dump(v[i]));
    rows.push_back(v[i].get<std::string>());
    if (rows.back().empty())
      c.fail(path + "[" + std::to_string(i) + "]", "the row is empty (a mask needs at least one column), got \"\"");
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
    if (!v[i].is_number_unsigned() || v[i].get<std::uint64_t>() == 0)
      c.fail(path + "[" + std::to_string(i) + "]", "expected a positive integer, got " + dump(v[i]));
    e[i] = static_cast<std::size_t>(v[i].get<std::uint64_t>());
  }
  // rows = a b d, cols = a c d (kpattern.hpp), computed unchecked there.
  const auto ad = checked::mul(e[0], e[3]);
  if (!ad || !checked::mul(*ad, e[1]) || !checked::mul(*ad, e[2]))
    c.fail(path, "the pattern " + dump(v) + " has more than 2^64 rows or columns (rows = a*b*d, cols = a*c*d)");
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
  double random_density = 1.0;
  auto need_shape = [&](const std::string& what) {
    if (!rows || !cols) c.fail(path, "support \"" + what + "\" needs both 'rows' and 'cols'");
    // Nonzeros for the memory model, once rows * cols is known to be at most
    // kMaxSpecMaskEntries (reserve throws otherwise): then nothing below
    // overflows (min(r, k)^2 <= r k) and the double -> integer cast is exact enough.
    const std::uint64_t r = *rows, k = *cols, m = std::min(r, k);
    const auto product = checked::mul(r, k);
    if (!product || *product > kMaxSpecMaskEntries) c.reserve(path, r, k);
    const std::uint64_t cells = *product;
    std::uint64_t nnz = cells;
    if (what == "diagonal") nnz = m;
    if (what == "lower" || what == "upper") nnz = std::min(cells, m * (m + 1) / 2 + (r - m) * k + (k - m) * r);  // an upper bound
    if (what == "random") nnz = std::min(cells, static_cast<std::uint64_t>(random_density * static_cast<double>(cells)) + 64);
    c.reserve_factor(path, r, k, nnz);
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
    if (v.is_array() && !v.empty() && v[0].is_string()) {
      std::uint64_t ones = 0;
      for (const auto& row : v)
        if (row.is_string())
          for (char ch : row.get_ref<const std::string&>()) ones += ch == '1';
      c.reserve_factor(vp, v.size(), v[0].get_ref<const std::string&>().size(), ones);
    }
    return check_shape(mask_from_json(c, vp, v), "the mask");
  }
  if (key == "kronecker") {
    const KPattern t = kpattern_from_json(c, vp, v);
    c.reserve_factor(vp, t.rows(), t.cols(), t.a * t.b * t.c * t.d);  // <= rows * cols, checked
    return check_shape(t.support(), "the Kronecker pattern " + t.to_string());
  }
  if (key == "npy") {
    if (!v.is_string()) c.fail(vp, "expected a file name, got " + dump(v));
    std::filesystem::path p = v.get<std::string>();
    if (p.is_relative()) p = std::filesystem::path(c.base_dir) / p;
    NpyArray a;
    try {
      a = read_npy(p.string(), c.options.limits);
    } catch (const std::exception& e) {
      c.fail(vp, e.what());
    }
    if (a.shape.size() != 2)
      c.fail(vp, p.string() + ": a mask must be a 2-D array, got " + std::to_string(a.shape.size()) + " dimensions");
    if (a.rows() == 0 || a.cols() == 0)
      c.fail(vp, p.string() + ": a mask needs at least one row and one column, got " + std::to_string(a.rows()) + "x" +
                     std::to_string(a.cols()));
    c.reserve_factor(vp, a.rows(), a.cols(),
                     static_cast<std::uint64_t>(std::count_if(a.data.begin(), a.data.end(), [](double x) { return x != 0.0; })));
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
    if (!v.at("seed").is_number_unsigned())  // any of 0 .. 2^64 - 1
      c.fail(vp + ".seed", "expected an integer in [0, 2^64 - 1], got " + dump(v.at("seed")));
    seed = v.at("seed").get<std::uint64_t>();
  }
  random_density = density;
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
      // log2(n) (butterfly) or 2 log2(n) (kaleidoscope) factors of n x n.
      // Chain families stay structural (issue 18 item 6): their parameters are
      // all that is stored; masks are built only on request, under the
      // architecture's own limit (set to --max-memory by structural()).
      (void)mul_or_fail(c, path + ".n", n, family == "butterfly" ? N : 2 * N, "the rows of all factors");
      return c.structural(family == "butterfly" ? butterfly(n) : kaleidoscope(n));
    }
    if (family == "monarch") {
      keys({"m", "n", "p", "q"});
      const std::size_t m = positive(c, path, j, "m"), n = positive(c, path, j, "n"), p = positive(c, path, j, "p"),
                        q = positive(c, path, j, "q");
      if (m % p) c.fail(path + ".p", "p = " + std::to_string(p) + " must divide m = " + std::to_string(m));
      if (n % q) c.fail(path + ".q", "q = " + std::to_string(q) + " must divide n = " + std::to_string(n));
      // monarch_chain: (1, p, q, m/p) is m x q(m/p), (q, m/p, n/q, 1) is q(m/p) x n;
      // p | m, so the middle dimension q * (m / p) is exact when it does not overflow.
      const std::size_t mid = mul_or_fail(c, path + ".q", q, m / p, "the middle dimension q*m/p");
      (void)add_or_fail(c, path + ".m", m, n, "m + n");
      (void)mid;
      return c.structural(monarch(m, n, p, q));
    }
    if (family == "lowrank") {
      keys({"m", "n", "r"});
      const std::size_t m = positive(c, path, j, "m"), n = positive(c, path, j, "n"), r = positive(c, path, j, "r");
      (void)add_or_fail(c, path + ".m", m, n, "m + n");
      return c.structural(low_rank(m, n, r));
    }
    if (family == "lu") {
      keys({"n"});
      const std::size_t n = positive(c, path, j, "n");
      c.reserve(path, mul_or_fail(c, path + ".n", 2, n, "2n"), n);
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
        (void)chain.back().nnz();  // checked: the parameters' sizes fit in 64 bits
        if (i > 0 && chain[i - 1].cols() != chain[i].rows())
          c.fail(ip, "pattern " + chain[i].to_string() + " has " + std::to_string(chain[i].rows()) +
                         " rows but the previous pattern " + chain[i - 1].to_string() + " has " +
                         std::to_string(chain[i - 1].cols()) + " columns");
      }
      return c.structural(kronecker_chain_architecture(chain));
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
  c.shapes.clear();
  c.network = j.contains("network");
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

std::optional<std::uint64_t> spec_memory_estimate(const std::vector<MaskShape>& factors, bool input_to_output) {
  // Peak RSS of `check` (Release, bench/spec_memory_model.sh, RESULTS.md
  // "hostile"): N x 1 times 1 x 1 ~ 300 B per row; random n x n pairs 100-290
  // B per nonzero; and when the verdict is "not closed", the checker's exact
  // LU witness holds the product densely in GMP rationals, ~360 B per cell of
  // the product (random 800 x 800 pairs at density 0.01: 228 MB). The model
  // is therefore conservative for closed dense specs (full 3000 x 3000 pairs:
  // 79 MB measured); --max-memory raises the limit.
  constexpr std::uint64_t kBase = std::uint64_t{16} << 20, kPerNonzero = 320, kPerIndex = 320, kPerProductCell = 384;
  std::uint64_t units = 0, mask_bytes = 0;
  auto add = [](std::uint64_t& acc, std::optional<std::uint64_t> v) {
    if (!v) return false;
    const auto s = checked::add(acc, *v);
    if (!s) return false;
    acc = *s;
    return true;
  };
  for (const auto& f : factors) {
    if (!add(units, f.nonzeros) || !add(units, checked::add(f.rows, f.cols)) ||
        !add(mask_bytes, checked::mul(f.rows, (f.cols / 64 + (f.cols % 64 != 0)) * 8)))
      return std::nullopt;
  }
  std::uint64_t total = kBase;
  if (!factors.empty()) {
    // The product support: rows of F1 x cols of FL (a network lists W_1
    // first: its product W_L ... W_1 is rows of the last x cols of the first).
    const auto cells = input_to_output ? checked::mul(factors.back().rows, factors.front().cols)
                                       : checked::mul(factors.front().rows, factors.back().cols);
    if (!add(total, cells ? checked::mul(*cells, kPerProductCell) : std::nullopt)) return std::nullopt;
  }
  if (!add(total, checked::mul(units, std::max(kPerNonzero, kPerIndex))) || !add(total, mask_bytes)) return std::nullopt;
  return total;
}

std::vector<Spec> parse_specs(const nlohmann::json& j, const std::string& file, const std::string& base_dir,
                              const SpecLoadOptions& options) {
  Ctx c{file, base_dir, options, 0, {}};
  std::vector<Spec> out;
  if (j.is_array()) {
    if (j.empty()) c.fail("$", "the list of specs is empty");
    for (std::size_t i = 0; i < j.size(); ++i) out.push_back(spec_from_json(c, "$[" + std::to_string(i) + "]", j[i]));
  } else {
    out.push_back(spec_from_json(c, "$", j));
  }
  return out;
}

nlohmann::json parse_json_bounded(const std::string& text, const std::string& file, std::size_t max_depth) {
  // Nesting depth on the raw text (brackets outside strings): nothing below
  // recurses deeper than this.
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (in_string) {
      if (ch == '\\') ++i;
      else if (ch == '"') in_string = false;
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '[' || ch == '{') {
      if (++depth > max_depth)
        throw SpecError(file, "$", "JSON nested deeper than " + std::to_string(max_depth) + " levels (at byte " +
                                       std::to_string(i) + ")");
    } else if ((ch == ']' || ch == '}') && depth > 0) {
      --depth;
    }
  }
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // parse_error (syntax) and out_of_range 406 (a number beyond double's range).
    std::string what = e.what();
    if (what.rfind("[json.exception.", 0) == 0 && what.find("] ") != std::string::npos)
      what = what.substr(what.find("] ") + 2);
    throw SpecError(file, "$", "malformed JSON: " + what);
  }
}

std::vector<Spec> load_specs(const std::string& path, const SpecLoadOptions& options) {
  std::string text;
  try {
    text = read_regular_file(path, options.limits.max_memory_bytes / kJsonBytesPerTextByte);
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    if (what.rfind(path + ": ", 0) == 0) what = what.substr(path.size() + 2);
    throw SpecError(path, "$", what);
  }
  const nlohmann::json j = parse_json_bounded(text, path, options.max_json_depth);
  text.clear();
  text.shrink_to_fit();
  const auto dir = std::filesystem::path(path).parent_path();
  return parse_specs(j, path, dir.empty() ? "." : dir.string(), options);
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
