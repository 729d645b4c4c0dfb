#include "wellposed/decide/census.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/decide/analyze.hpp"
#include "wellposed/decide/binding.hpp"

namespace wellposed::census {

namespace {

constexpr std::size_t kMaxDim = 8;      // a row of a factor fits a uint8_t
constexpr std::size_t kMaxFactors = 8;  // fixed-size scratch chains below

using Row = std::uint8_t;
using Factor = std::array<Row, kMaxDim>;  // rows; bit (cols-1-j) is column j
using Chain = std::array<Factor, kMaxFactors>;

std::size_t factors_of(const Dims& d) { return d.size() - 1; }

Chain unpack(Code code, const Dims& d) {
  Chain c{};
  const std::size_t L = factors_of(d);
  for (std::size_t l = L; l-- > 0;) {
    const std::size_t rows = d[l], cols = d[l + 1];
    for (std::size_t i = rows; i-- > 0;) {
      c[l][i] = static_cast<Row>(code & ((Code{1} << cols) - 1));
      code >>= cols;
    }
  }
  return c;
}

Code pack(const Chain& c, const Dims& d) {
  Code code = 0;
  const std::size_t L = factors_of(d);
  for (std::size_t l = 0; l < L; ++l)
    for (std::size_t i = 0; i < d[l]; ++i) code = (code << d[l + 1]) | c[l][i];
  return code;
}

Factor transpose(const Factor& f, std::size_t rows, std::size_t cols) {
  rows = std::min(rows, kMaxDim), cols = std::min(cols, kMaxDim);  // validate_dims: always so
  Factor t{};
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j)
      if ((f[i] >> (cols - 1 - j)) & 1u) t[j] |= static_cast<Row>(1u << (rows - 1 - i));
  return t;
}

// Columns of f (rows x cols) as values, row 0 most significant.
std::array<Row, kMaxDim> columns(const Factor& f, std::size_t rows, std::size_t cols) {
  rows = std::min(rows, kMaxDim), cols = std::min(cols, kMaxDim);
  std::array<Row, kMaxDim> c{};
  for (std::size_t j = 0; j < cols; ++j)
    for (std::size_t i = 0; i < rows; ++i)
      if ((f[i] >> (cols - 1 - j)) & 1u) c[j] |= static_cast<Row>(1u << (rows - 1 - i));
  return c;
}

Factor from_columns(const std::array<Row, kMaxDim>& c, std::size_t rows, std::size_t cols) {
  rows = std::min(rows, kMaxDim), cols = std::min(cols, kMaxDim);
  Factor f{};
  for (std::size_t j = 0; j < cols; ++j)
    for (std::size_t i = 0; i < rows; ++i)
      if ((c[j] >> (rows - 1 - i)) & 1u) f[i] |= static_cast<Row>(1u << (cols - 1 - j));
  return f;
}

// Ascending order of the first k values (k <= kMaxDim; insertion sort: tiny
// arrays, and no out-of-bounds false alarm from the compiler).
void sort_prefix(std::array<Row, kMaxDim>& v, std::size_t k) {
  for (std::size_t i = 1; i < k && i < kMaxDim; ++i)
    for (std::size_t j = i; j > 0 && v[j - 1] > v[j]; --j) std::swap(v[j - 1], v[j]);
}

// The outer normalisation: rows of X_1 ascending, columns of X_L ascending.
void sort_outer(Chain& c, const Dims& d) {
  const std::size_t L = factors_of(d);
  sort_prefix(c[0], d[0]);
  auto cols = columns(c[L - 1], d[L - 1], d[L]);
  sort_prefix(cols, d[L]);
  c[L - 1] = from_columns(cols, d[L - 1], d[L]);
}

// The inner part of the symmetry group: transposition (when the dims are a
// palindrome) times one permutation per inner index. Each permutation p of
// an index set of size k is stored with its action on row values: a column j
// of the left factor moves to p[j] (table col[v]), and row i of the right
// factor moves to p[i].
struct InnerGroup {
  struct Perm {
    std::array<std::uint8_t, kMaxDim> p{};
    std::vector<Row> col;  // 2^k entries
  };
  std::vector<std::vector<Perm>> perms;  // per inner index l = 1..L-1 (perms[l-1])
  bool transpose = false;
};

InnerGroup make_group(const Dims& d) {
  InnerGroup g;
  g.transpose = has_transposition(d);
  for (std::size_t l = 1; l + 1 < d.size(); ++l) {
    const std::size_t k = d[l];
    std::vector<InnerGroup::Perm> ps;
    std::array<std::uint8_t, kMaxDim> p{};
    std::iota(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(k), std::uint8_t{0});
    do {
      InnerGroup::Perm q;
      q.p = p;
      q.col.assign(std::size_t{1} << k, 0);
      for (std::size_t v = 0; v < q.col.size(); ++v) {
        Row w = 0;
        for (std::size_t j = 0; j < k; ++j)
          if ((v >> (k - 1 - j)) & 1u) w |= static_cast<Row>(1u << (k - 1 - p[j]));
        q.col[v] = w;
      }
      ps.push_back(std::move(q));
    } while (std::next_permutation(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(k)));
    g.perms.push_back(std::move(ps));
  }
  return g;
}

// Calls f(image code) for every inner image of `c` (outer-normalised);
// stops as soon as f returns false.
template <class F>
void for_each_image(const Chain& c0, const Dims& d, const InnerGroup& g, F&& f) {
  const std::size_t L = factors_of(d);
  const std::size_t inner = L - 1;
  for (int t = 0; t < (g.transpose ? 2 : 1); ++t) {
    Chain base = c0;
    if (t == 1)  // (X_1..X_L) -> (X_L^T..X_1^T); the dims are a palindrome
      for (std::size_t l = 0; l < L; ++l) base[l] = transpose(c0[L - 1 - l], d[L - 1 - l], d[L - l]);
    std::array<std::size_t, kMaxFactors> idx{};
    for (;;) {
      Chain im{};
      for (std::size_t l = 0; l < L; ++l) {
        const std::size_t rows = d[l];
        for (std::size_t i = 0; i < rows; ++i) {
          Row v = base[l][i];
          if (l + 1 < L) v = g.perms[l][idx[l]].col[v];                // columns: inner index l+1
          const std::size_t to = l > 0 ? g.perms[l - 1][idx[l - 1]].p[i] : i;  // rows: inner index l
          im[l][to] = v;
        }
      }
      sort_outer(im, d);
      if (!f(pack(im, d))) return;
      std::size_t k = 0;
      while (k < inner && ++idx[k] == g.perms[k].size()) idx[k++] = 0;
      if (k == inner) break;
    }
  }
}

std::uint64_t factorial(std::size_t n) {
  std::uint64_t f = 1;
  for (std::size_t i = 2; i <= n; ++i) f *= i;
  return f;
}

// Distinct arrangements of `k` values: k! / prod multiplicity!.
std::uint64_t arrangements(std::array<Row, kMaxDim> v, std::size_t k) {
  k = std::min(k, kMaxDim);
  sort_prefix(v, k);
  std::uint64_t r = factorial(k);
  for (std::size_t i = 0; i < k;) {
    std::size_t j = i;
    while (j < k && v[j] == v[i]) ++j;
    r /= factorial(j - i);
    i = j;
  }
  return r;
}

// Nondecreasing sequences of length k over [0, 2^w): multisets of rows.
void multisets(std::size_t k, std::size_t w, std::vector<std::array<Row, kMaxDim>>& out) {
  std::array<Row, kMaxDim> cur{};
  const unsigned top = 1u << w;
  std::function<void(std::size_t, unsigned)> rec = [&](std::size_t pos, unsigned lo) {
    if (pos == k) {
      out.push_back(cur);
      return;
    }
    for (unsigned v = lo; v < top; ++v) {
      cur[pos] = static_cast<Row>(v);
      rec(pos + 1, v);
    }
  };
  rec(0, 0);
}

}  // namespace

void validate_dims(const Dims& dims) {
  if (dims.size() < 3 || dims.size() > kMaxFactors + 1)
    throw std::invalid_argument("census shape " + dims_string(dims) + ": needs 2 to " + std::to_string(kMaxFactors) +
                                " factors (3 to " + std::to_string(kMaxFactors + 1) + " dims)");
  for (auto x : dims)
    if (x < 1 || x > kMaxDim)
      throw std::invalid_argument("census shape " + dims_string(dims) + ": every dim must be in 1.." +
                                  std::to_string(kMaxDim));
  if (mask_bits(dims) > 64)
    throw std::invalid_argument("census shape " + dims_string(dims) + ": " + std::to_string(mask_bits(dims)) +
                                " mask bits, at most 64");
}

std::size_t mask_bits(const Dims& dims) {
  std::size_t b = 0;
  for (std::size_t l = 0; l + 1 < dims.size(); ++l) b += dims[l] * dims[l + 1];  // dims <= 8: no overflow
  return b;
}

std::string dims_string(const Dims& dims) {
  std::string s;
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? "x" : "") + std::to_string(dims[i]);
  return s;
}

Dims parse_dims(const std::string& text) {
  Dims d;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t x = text.find('x', pos);
    const std::string part = text.substr(pos, x == std::string::npos ? std::string::npos : x - pos);
    if (part.empty() || part.size() > 2 || !std::all_of(part.begin(), part.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
      throw std::invalid_argument("census shape '" + text + "': expected dims such as 3x2x3 (d0 x d1 x ... x dL)");
    d.push_back(static_cast<std::size_t>(std::stoul(part)));
    if (x == std::string::npos) break;
    pos = x + 1;
  }
  validate_dims(d);
  return d;
}

bool has_transposition(const Dims& dims) { return std::equal(dims.begin(), dims.end(), dims.rbegin()); }

std::vector<Dims> two_factor_shapes(std::size_t max_size) {
  std::vector<Dims> out;
  for (std::size_t m = 1; m <= max_size; ++m)
    for (std::size_t n = m; n <= max_size; ++n)
      for (std::size_t r = 1; r <= max_size; ++r) out.push_back({m, r, n});
  return out;
}

std::vector<Support> decode(Code code, const Dims& dims) {
  const Chain c = unpack(code, dims);
  std::vector<Support> out;
  for (std::size_t l = 0; l + 1 < dims.size(); ++l) {
    Support s(dims[l], dims[l + 1]);
    for (std::size_t i = 0; i < dims[l]; ++i)
      for (std::size_t j = 0; j < dims[l + 1]; ++j)
        if ((c[l][i] >> (dims[l + 1] - 1 - j)) & 1u) s.set(i, j);
    out.push_back(std::move(s));
  }
  return out;
}

Code encode(const std::vector<Support>& factors, const Dims& dims) {
  if (factors.size() + 1 != dims.size()) throw std::invalid_argument("census encode: factor count does not match the dims");
  Chain c{};
  for (std::size_t l = 0; l < factors.size(); ++l) {
    if (factors[l].rows() != dims[l] || factors[l].cols() != dims[l + 1])
      throw std::invalid_argument("census encode: factor shape does not match the dims");
    for (std::size_t i = 0; i < dims[l]; ++i)
      for (std::size_t j = 0; j < dims[l + 1]; ++j)
        if (factors[l](i, j)) c[l][i] |= static_cast<Row>(1u << (dims[l + 1] - 1 - j));
  }
  return pack(c, dims);
}

std::string form_string(Code code, const Dims& dims) {
  const Chain c = unpack(code, dims);
  std::string s;
  for (std::size_t l = 0; l + 1 < dims.size(); ++l) {
    if (l) s += ';';
    for (std::size_t i = 0; i < dims[l]; ++i) {
      if (i) s += ',';
      for (std::size_t j = 0; j < dims[l + 1]; ++j) s += ((c[l][i] >> (dims[l + 1] - 1 - j)) & 1u) ? '1' : '0';
    }
  }
  return s;
}

Code parse_form(const std::string& text, const Dims& dims) {
  validate_dims(dims);
  const std::string bad = "census form '" + text + "' does not fit shape " + dims_string(dims);
  Chain c{};
  std::size_t pos = 0;
  for (std::size_t l = 0; l + 1 < dims.size(); ++l) {
    for (std::size_t i = 0; i < dims[l]; ++i) {
      for (std::size_t j = 0; j < dims[l + 1]; ++j, ++pos) {
        if (pos >= text.size() || (text[pos] != '0' && text[pos] != '1')) throw std::invalid_argument(bad);
        if (text[pos] == '1') c[l][i] |= static_cast<Row>(1u << (dims[l + 1] - 1 - j));
      }
      const char sep = i + 1 < dims[l] ? ',' : (l + 2 < dims.size() ? ';' : '\0');
      if (sep != '\0') {
        if (pos >= text.size() || text[pos] != sep) throw std::invalid_argument(bad);
        ++pos;
      }
    }
  }
  if (pos != text.size()) throw std::invalid_argument(bad);
  return pack(c, dims);
}

Code canonical(Code code, const Dims& dims) {
  validate_dims(dims);
  const InnerGroup g = make_group(dims);
  Code best = ~Code{0};
  for_each_image(unpack(code, dims), dims, g, [&](Code im) {
    best = std::min(best, im);
    return true;
  });
  return best;
}

namespace {
std::uint64_t orbit_size_with(Code code, const Dims& dims, const InnerGroup& g) {
  std::set<Code> images;
  for_each_image(unpack(code, dims), dims, g, [&](Code im) {
    images.insert(im);
    return true;
  });
  const std::size_t L = factors_of(dims);
  std::uint64_t total = 0;
  for (Code im : images) {
    const Chain c = unpack(im, dims);
    total += arrangements(c[0], dims[0]) * arrangements(columns(c[L - 1], dims[L - 1], dims[L]), dims[L]);
  }
  return total;
}
}  // namespace

std::uint64_t orbit_size(Code code, const Dims& dims) {
  validate_dims(dims);
  return orbit_size_with(code, dims, make_group(dims));
}

std::vector<Orbit> enumerate_orbits(const Dims& dims) {
  validate_dims(dims);
  const std::size_t L = factors_of(dims);
  const InnerGroup g = make_group(dims);
  std::vector<std::array<Row, kMaxDim>> firsts, lasts;
  multisets(dims[0], dims[1], firsts);
  multisets(dims[L], dims[L - 1], lasts);  // columns of X_L
  std::size_t middle_bits = 0;
  for (std::size_t l = 1; l + 1 < L; ++l) middle_bits += dims[l] * dims[l + 1];
  std::vector<Orbit> out;
  Chain c{};
  for (const auto& f : firsts) {
    c[0] = f;
    for (Code mid = 0; mid < (Code{1} << middle_bits); ++mid) {
      Code rest = mid;  // unpack the middle factors
      for (std::size_t l = L - 1; l-- > 1;)
        for (std::size_t i = dims[l]; i-- > 0;) {
          c[l][i] = static_cast<Row>(rest & ((Code{1} << dims[l + 1]) - 1));
          rest >>= dims[l + 1];
        }
      for (const auto& cl : lasts) {
        c[L - 1] = from_columns(cl, dims[L - 1], dims[L]);
        const Code code = pack(c, dims);
        bool minimal = true;
        for_each_image(c, dims, g, [&](Code im) {
          if (im < code) minimal = false;
          return minimal;
        });
        if (minimal) out.push_back({code, 0});
      }
    }
  }
  for (auto& o : out) o.size = orbit_size_with(o.code, dims, g);
  std::sort(out.begin(), out.end(), [](const Orbit& a, const Orbit& b) { return a.code < b.code; });
  return out;
}

// ---- deciding -----------------------------------------------------------------

nlohmann::json decide_orbit(const Orbit& orbit, const Dims& dims, const DecideOptions& options) {
  const Architecture arch(decode(orbit.code, dims));
  AnalyzeOptions ao;
  ao.budget_seconds = options.budget_seconds;
  if (!options.exact) ao.exact_deciders = std::vector<NamedExactDecider>{};
  Analysis a = analyze(arch, ao);
  Verdict& v = a.verdict;
  nlohmann::json cert_sha = nullptr, supports = nullptr;
  if (v.decided()) {
    // The certificate passed the gate against `arch`; its own supports must
    // also be this representative's (binding.hpp), so the recorded digest is
    // about the recorded form.
    std::string why;
    try {
      const std::string got = certificate_digest(v.certificate), want = architecture_digest(arch);
      if (got != want) why = "binding failed: the certificate speaks about other supports (" + got + ")";
      supports = want;
    } catch (const std::exception& e) {
      why = std::string("binding failed: ") + e.what();
    }
    if (!why.empty()) {
      v = Verdict{};
      v.method = "census";
      v.reason = why;
      supports = nullptr;
    } else {
      cert_sha = "sha256:" + sha256_hex(v.certificate.dump());
    }
  }
  nlohmann::json r;
  r["dims"] = dims_string(dims);
  r["form"] = form_string(orbit.code, dims);
  r["orbit_size"] = orbit.size;
  r["verdict"] = std::string(to_string(v.closedness));
  r["method"] = v.method;
  // Which stage decided: "detectors" or "exact:<route>" (the stage before the passing check).
  if (v.decided() && a.stages.size() >= 2) r["stage"] = a.stages[a.stages.size() - 2].stage;
  if (!v.decided()) r["reason"] = v.reason;
  r["budget_seconds"] = options.budget_seconds;
  if (options.timings) r["seconds"] = v.seconds;
  r["certificate_sha256"] = cert_sha;
  r["supports_digest"] = supports;
  return r;
}

nlohmann::json make_header(const std::vector<Dims>& shapes, const DecideOptions& options) {
  nlohmann::json h;
  h["wellposed_census"] = 1;
  nlohmann::json s = nlohmann::json::array();
  for (const auto& d : shapes) s.push_back(dims_string(d));
  h["shapes"] = s;
  h["exact"] = options.exact;
  h["budget_seconds"] = options.budget_seconds;
  h["timings"] = options.timings;
  return h;
}

std::vector<Dims> header_shapes(const nlohmann::json& header) {
  std::vector<Dims> out;
  for (const auto& s : header.at("shapes")) out.push_back(parse_dims(s.get<std::string>()));
  return out;
}

std::string record_key(const nlohmann::json& record) {
  return record.at("dims").get<std::string>() + "|" + record.at("form").get<std::string>();
}

// ---- results files ------------------------------------------------------------

namespace {

// A line is a record iff it parses and names a shape, a form of that shape
// and a verdict.
bool valid_record(const std::string& line, nlohmann::json* out, std::string* why) {
  try {
    auto j = nlohmann::json::parse(line);
    const Dims d = parse_dims(j.at("dims").get<std::string>());
    (void)parse_form(j.at("form").get<std::string>(), d);
    if (!closedness_from_string(j.at("verdict").get<std::string>())) throw std::invalid_argument("bad verdict");
    if (out) *out = std::move(j);
    return true;
  } catch (const std::exception& e) {
    if (why) *why = e.what();
    return false;
  }
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ResultsFileError(path + ": cannot be read");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

ResultsContent read_results(const std::string& path, std::size_t* bad_tail_offset) {
  const std::string text = slurp(path);
  ResultsContent rc;
  const std::size_t nl = text.find('\n');
  if (nl == std::string::npos) throw ResultsFileError(path + " line 1: no complete header line (not a census results file)");
  try {
    rc.header = nlohmann::json::parse(text.substr(0, nl));
    if (!rc.header.is_object() || !rc.header.contains("wellposed_census")) throw std::invalid_argument("no wellposed_census");
    (void)header_shapes(rc.header);
  } catch (const std::exception&) {
    throw ResultsFileError(path + " line 1: not a census results header");
  }
  std::size_t pos = nl + 1, line_no = 1;
  if (bad_tail_offset) *bad_tail_offset = std::string::npos;
  while (pos < text.size()) {
    ++line_no;
    const std::size_t e = text.find('\n', pos);
    nlohmann::json rec;
    std::string why;
    const bool complete = e != std::string::npos;
    const std::string line = text.substr(pos, complete ? e - pos : std::string::npos);
    const bool last = !complete || e + 1 == text.size();
    if (!complete || !valid_record(line, &rec, &why)) {
      if (last) {  // a record this command did not finish writing
        if (bad_tail_offset) *bad_tail_offset = pos;
        rc.truncated = true;
        break;
      }
      throw ResultsFileError(path + " line " + std::to_string(line_no) + ": not a census record (" + why +
                             "); only a last line is repaired");
    }
    rc.records.push_back(std::move(rec));
    pos = e + 1;
  }
  return rc;
}

ResultsWriter::~ResultsWriter() { close(); }

void ResultsWriter::close() {
  if (fd_ >= 0) {
    ::fsync(fd_);
    ::close(fd_);
    fd_ = -1;
  }
}

ResultsContent ResultsWriter::open(const std::string& path, const nlohmann::json& header, bool any_budget) {
  close();
  path_ = path;
  struct stat st {};
  ResultsContent rc;
  if (::stat(path.c_str(), &st) != 0) {
    // New file: the header goes to a fresh sibling renamed into place, so a
    // results file always starts with a whole header.
    const std::string tmp = path + ".tmp-wellposed-" + std::to_string(::getpid());
    const int t = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (t < 0) throw ResultsFileError(path + ": cannot create (" + std::strerror(errno) + ")");
    const std::string line = header.dump() + "\n";
    const bool ok = ::write(t, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(t) == 0;
    ::close(t);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
      ::unlink(tmp.c_str());
      throw ResultsFileError(path + ": cannot write the header");
    }
    rc.header = header;
  } else {
    std::size_t bad = std::string::npos;
    rc = read_results(path, &bad);
    auto a = rc.header, b = header;
    if (any_budget) a.erase("budget_seconds"), b.erase("budget_seconds");
    if (a != b)
      throw ResultsFileError(path + " line 1: header " + rc.header.dump() + " differs from this command's arguments " +
                             header.dump() + " (use another output file)");
    if (bad != std::string::npos) {
      const int t = ::open(path.c_str(), O_WRONLY);
      if (t < 0 || ::ftruncate(t, static_cast<off_t>(bad)) != 0 || ::fsync(t) != 0) {
        if (t >= 0) ::close(t);
        throw ResultsFileError(path + ": cannot cut away the partial last line");
      }
      ::close(t);
    }
  }
  fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND);
  if (fd_ < 0) throw ResultsFileError(path + ": cannot open for appending (" + std::strerror(errno) + ")");
  return rc;
}

void ResultsWriter::append(const nlohmann::json& record) {
  if (fd_ < 0) throw ResultsFileError(path_ + ": not open");
  const std::string line = record.dump() + "\n";
  std::size_t done = 0;
  while (done < line.size()) {  // one write(2); a short write (signal, full disk) continues
    const ssize_t w = ::write(fd_, line.data() + done, line.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) throw ResultsFileError(path_ + ": write failed (" + std::strerror(errno) + ")");
    done += static_cast<std::size_t>(w);
  }
}

void ResultsWriter::sync() {
  if (fd_ >= 0 && ::fsync(fd_) != 0) throw ResultsFileError(path_ + ": fsync failed (" + std::strerror(errno) + ")");
}

std::set<std::string> recorded_keys(const std::vector<nlohmann::json>& records, bool decided_only) {
  std::set<std::string> keys;
  for (const auto& r : records)
    if (!decided_only || r.at("verdict") != "unknown") keys.insert(record_key(r));
  return keys;
}

std::vector<nlohmann::json> merge_records(const std::vector<Dims>& shapes, const std::vector<nlohmann::json>& records) {
  std::map<std::string, std::size_t> shape_index;
  for (std::size_t i = 0; i < shapes.size(); ++i) shape_index[dims_string(shapes[i])] = i;
  std::map<std::pair<std::size_t, Code>, nlohmann::json> best;
  for (const auto& r : records) {
    const std::string ds = r.at("dims").get<std::string>();
    const auto it = shape_index.find(ds);
    if (it == shape_index.end()) throw ResultsFileError("record of shape " + ds + " not named in the header");
    const Code code = parse_form(r.at("form").get<std::string>(), shapes[it->second]);
    const auto key = std::make_pair(it->second, code);
    auto b = best.find(key);
    if (b == best.end()) {
      best.emplace(key, r);
      continue;
    }
    const std::string old_v = b->second.at("verdict"), new_v = r.at("verdict");
    if (new_v == "unknown") continue;
    if (old_v == "unknown") {
      b->second = r;
      continue;
    }
    if (old_v != new_v)
      throw ResultsFileError("contradiction: orbit " + record_key(r) + " recorded both " + old_v + " and " + new_v);
  }
  std::vector<nlohmann::json> out;
  out.reserve(best.size());
  for (auto& [k, r] : best) out.push_back(std::move(r));
  return out;
}

}  // namespace wellposed::census
