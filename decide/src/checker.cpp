// The independent checker. Deliberately re-implements everything it needs
// (index sets of rank-one supports, Kronecker masks, chainability, the
// permutation absorption) instead of calling the provers: see checker.hpp.
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/detail/exact_checker.hpp"
#include "wellposed/decide/explain.hpp"
#include "wellposed/decide/network.hpp"

#include "check_context.hpp"
#include "network_common.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <boost/multiprecision/gmp.hpp>

namespace wellposed {

namespace {

using Q = boost::multiprecision::mpq_rational;
using Z = boost::multiprecision::mpz_int;
using json = nlohmann::json;
using idx = std::size_t;

struct Reject : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& why) { throw Reject(why); }
void require(bool c, const std::string& why) {
  if (!c) fail(why);
}

const json& field(const json& j, const char* name) {
  require(j.is_object() && j.contains(name), std::string("missing field '") + name + "'");
  return j.at(name);
}

idx to_index(const json& j, const std::string& what) {
  require(j.is_number_unsigned() || (j.is_number_integer() && j.get<long long>() >= 0),
          what + " must be a non-negative integer");
  return j.get<idx>();
}

long long to_int(const json& j, const std::string& what) {
  require(j.is_number_integer(), what + " must be an integer");
  // review (forged certificates): an unsigned JSON number above 2^63 - 1 read
  // as long long wrapped (2^64 - 1 became -1): the checker verified another
  // exponent than the certificate states.
  require(!j.is_number_unsigned() || j.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX),
          what + " does not fit in 64 bits (size check)");
  return j.get<long long>();
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// "p" or "p/q", p with an optional '-', q > 0.
Q to_rational(const json& j, const std::string& what) {
  require(j.is_string(), what + " must be a rational string");
  const auto s = j.get<std::string>();
  const auto slash = s.find('/');
  std::string num = s.substr(0, slash), den = slash == std::string::npos ? "1" : s.substr(slash + 1);
  const bool neg = !num.empty() && num[0] == '-';
  if (neg) num = num.substr(1);
  require(all_digits(num) && all_digits(den), what + " = '" + s + "' is not a rational");
  const Z n(num), d(den);
  require(d != 0, what + " has a zero denominator");
  Q q(n, d);
  return neg ? Q(-q) : q;
}

std::vector<idx> index_list(const json& j, const std::string& what) {
  require(j.is_array(), what + " must be an array");
  std::vector<idx> out;
  for (const auto& e : j) out.push_back(to_index(e, what));
  std::vector<idx> s = out;
  std::sort(s.begin(), s.end());
  require(std::adjacent_find(s.begin(), s.end()) == s.end(), what + " repeats an index");
  return s;
}

// ---- the factors a certificate speaks about ---------------------------------
// Three forms (certificate.hpp): explicit masks, each {"rows","cols","mask":
// ["0110", ...]} (the old form) or {"rows","cols","bits": base64} (bit-packed);
// or a family's parameters, {"kronecker_chain": [[a,b,c,d], ...]} or {"lu": n},
// from which the checker re-derives shapes, counts and entries itself with
// checked arithmetic, never building the masks unless a kind needs them.

// Largest number of mask bits the checker builds from parameters (2^30 bits,
// 128 MiB: LU up to n = 2^14 and every certificate a detector writes for masks
// it could build): beyond it a dense check is refused, so a few bytes of
// forged parameters cannot make the checker allocate gigabytes.
constexpr idx kMaxDenseBits = idx{1} << 30;

idx cmul(idx x, idx y, const std::string& what) {
  idx r = 0;
  require(!__builtin_mul_overflow(x, y, &r), what + " overflows 64 bits (size check)");
  return r;
}

struct Theta {
  idx a, b, c, d;
  idx rows() const { return cmul(cmul(a, b, "rows a b d"), d, "rows a b d"); }
  idx cols() const { return cmul(cmul(a, c, "cols a c d"), d, "cols a c d"); }
  idx nnz() const { return cmul(cmul(cmul(a, b, "a b c d"), c, "a b c d"), d, "a b c d"); }
  // Def 6.3.1: (i, j) in I_a (x) 1_{b x c} (x) I_d iff same diagonal block and same offset mod d.
  bool has(idx i, idx j) const { return i / (b * d) == j / (c * d) && i % d == j % d; }
  bool operator==(const Theta&) const = default;
};

// S_x == S_y: equal patterns, or two identities of one size (for b c > 1 the
// spacing and count of a row's or column's entries fix d, c, b and then a).
bool same_mask(const Theta& x, const Theta& y) {
  return x == y || (x.b == 1 && x.c == 1 && y.b == 1 && y.c == 1 && x.rows() == y.rows());
}

std::vector<Theta> parse_chain(const json& j) {
  require(j.is_array() && !j.empty(), "a chain must be a non-empty array");
  std::vector<Theta> out;
  for (const auto& t : j) {
    require(t.is_array() && t.size() == 4, "a pattern is [a, b, c, d]");
    Theta th{to_index(t[0], "a"), to_index(t[1], "b"), to_index(t[2], "c"), to_index(t[3], "d")};
    require(th.a && th.b && th.c && th.d, "pattern entries must be positive");
    (void)th.nnz();  // rows, cols and nnz fit in 64 bits (nnz is the largest)
    (void)th.rows();
    (void)th.cols();
    out.push_back(th);
  }
  return out;
}

// Own base64 decoder for the bit-packed form (Support::to_base64's layout:
// row-major bits, most significant bit first, zero padding).
Support parse_bits(idx m, idx n, const json& bits) {
  require(bits.is_string(), "bits must be a base64 string");
  require(m > 0 && n > 0, "a bit-packed mask needs rows > 0 and cols > 0");
  const auto& text = bits.get_ref<const std::string&>();
  const idx nbits = cmul(m, n, "rows * cols");
  const idx nbytes = nbits / 8 + (nbits % 8 != 0);
  require(text.size() == (nbytes + 2) / 3 * 4, "bits has the wrong length for a " + std::to_string(m) + "x" +
                                                   std::to_string(n) + " mask");
  auto val = [&](idx k) -> unsigned {
    const unsigned char ch = static_cast<unsigned char>(text[k]);
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+') return 62;
    if (ch == '/') return 63;
    fail("bits: character " + std::to_string(k) + " is not base64");
  };
  std::vector<unsigned char> bytes(nbytes);
  for (idx q = 0; q < nbytes; q += 3) {
    const idx p = q / 3 * 4, have = std::min<idx>(3, nbytes - q);
    unsigned v = val(p) << 18 | val(p + 1) << 12;
    if (have >= 2) v |= val(p + 2) << 6;
    else require(text[p + 2] == '=', "bits: bad base64 padding");
    if (have == 3) v |= val(p + 3);
    else require(text[p + 3] == '=', "bits: bad base64 padding");
    require((v & (have == 1 ? 0xffffu : have == 2 ? 0xffu : 0u)) == 0, "bits: non-zero padding bits");
    for (idx e = 0; e < have; ++e) bytes[q + e] = static_cast<unsigned char>(v >> (16 - 8 * e));
  }
  require(nbits % 8 == 0 || (bytes.back() & (0xffu >> (nbits % 8))) == 0, "bits: non-zero bits after the last entry");
  Support s(m, n);
  for (idx q = 0; q < nbytes; ++q)
    if (bytes[q])
      for (idx k = 8 * q; k < std::min(nbits, 8 * q + 8); ++k)
        if (bytes[q] >> (7 - k % 8) & 1u) s.set(k / n, k % n);
  return s;
}

Support parse_support(const json& j) {
  const idx m = to_index(field(j, "rows"), "rows"), n = to_index(field(j, "cols"), "cols");
  // A support of zero rows has no mask strings to bound its column count.
  constexpr idx kMaxDim = idx{1} << 24;
  require(m <= kMaxDim && n <= kMaxDim, "a support of " + std::to_string(m) + " x " + std::to_string(n) +
                                            " is too large to check (size check)");
  if (j.contains("bits")) {
    require(!j.contains("mask"), "a support has either 'mask' or 'bits'");
    return parse_bits(m, n, j.at("bits"));
  }
  const auto& mask = field(j, "mask");
  require(mask.is_array() && mask.size() == m, "mask must have 'rows' strings");
  std::vector<std::string> rows;
  for (const auto& r : mask) {
    require(r.is_string() && r.get<std::string>().size() == n, "mask row of the wrong length");
    rows.push_back(r.get<std::string>());
  }
  try {
    return m == 0 ? Support(0, n) : Support::from_rows(rows);
  } catch (const std::exception& e) {
    fail(std::string("bad mask: ") + e.what());
  }
}

struct Factors {
  enum class Form { masks, kronecker_chain, lu } form = Form::masks;
  std::vector<Support> masks;  // Form::masks
  std::vector<Theta> chain;    // Form::kronecker_chain
  idx lu_n = 0;                // Form::lu: lower n x n, then upper n x n

  idx size() const { return form == Form::masks ? masks.size() : form == Form::lu ? 2 : chain.size(); }
  idx rows(idx l) const {
    return form == Form::masks ? masks[l].rows() : form == Form::lu ? lu_n : chain[l].rows();
  }
  idx cols(idx l) const {
    return form == Form::masks ? masks[l].cols() : form == Form::lu ? lu_n : chain[l].cols();
  }
  bool has(idx l, idx i, idx j) const {
    if (form == Form::masks) return masks[l](i, j);
    if (form == Form::lu) return l == 0 ? i >= j : i <= j;
    return chain[l].has(i, j);
  }
  idx nnz(idx l) const {
    if (form == Form::kronecker_chain) return chain[l].nnz();
    if (form == Form::lu) return lu_n % 2 ? cmul(lu_n, lu_n / 2 + 1, "n (n + 1) / 2") : cmul(lu_n / 2, lu_n + 1, "n (n + 1) / 2");
    idx k = 0;
    for (idx i = 0; i < masks[l].rows(); ++i)
      for (idx j = 0; j < masks[l].cols(); ++j) k += masks[l](i, j);
    return k;
  }
  // The dense masks, built here from the parameters (bounded by kMaxDenseBits).
  std::vector<Support> dense() const {
    if (form == Form::masks) return masks;
    idx bits = 0;
    for (idx l = 0; l < size(); ++l)
      require(!__builtin_add_overflow(bits, cmul(rows(l), cols(l), "mask size"), &bits) && bits <= kMaxDenseBits,
              "this certificate kind needs the dense masks, which would exceed " + std::to_string(kMaxDenseBits) +
                  " bits");
    std::vector<Support> out;
    for (idx l = 0; l < size(); ++l) {
      Support s(rows(l), cols(l));
      for (idx i = 0; i < rows(l); ++i)
        for (idx j = 0; j < cols(l); ++j)
          if (has(l, i, j)) s.set(i, j);
      out.push_back(std::move(s));
    }
    return out;
  }
};

Factors parse_factors(const json& j) {
  Factors f;
  if (j.is_object() && j.contains("kronecker_chain")) {
    require(j.size() == 1, "'factors' holds one family");
    f.form = Factors::Form::kronecker_chain;
    f.chain = parse_chain(j.at("kronecker_chain"));
  } else if (j.is_object() && j.contains("lu")) {
    require(j.size() == 1, "'factors' holds one family");
    f.form = Factors::Form::lu;
    f.lu_n = to_index(j.at("lu"), "lu");
    require(f.lu_n > 0, "lu needs n >= 1");
    (void)cmul(f.lu_n, f.lu_n, "lu n * n");  // every count below then fits
  } else {
    require(j.is_array() && !j.empty(), "'factors' must be a non-empty array or a family object");
    for (const auto& s : j) f.masks.push_back(parse_support(s));
  }
  for (idx l = 0; l + 1 < f.size(); ++l) require(f.cols(l) == f.rows(l + 1), "factor dimensions do not chain");
  return f;
}

Factors masks_of(std::vector<Support> m) {
  Factors f;
  f.masks = std::move(m);
  return f;
}

// The architecture's factors, from its parameters when it has them (no masks built).
Factors factors_of(const Architecture& a) {
  Factors f;
  if (const auto& chain = a.structural_chain()) {
    f.form = Factors::Form::kronecker_chain;
    for (const auto& t : *chain) f.chain.push_back({t.a, t.b, t.c, t.d});
  } else if (a.family() && a.family()->family == "lu") {
    f.form = Factors::Form::lu;
    f.lu_n = a.rows();
  } else {
    f.masks = a.factors();  // may refuse (MaterializationRefused): a failed check
  }
  return f;
}

// Same supports, compared on the parameters where both sides have them.
bool same_factors(const Factors& x, const Factors& y) {
  using F = Factors::Form;
  if (x.size() != y.size()) return false;
  for (idx l = 0; l < x.size(); ++l)
    if (x.rows(l) != y.rows(l) || x.cols(l) != y.cols(l)) return false;
  if (x.form == F::masks && y.form == F::masks) return x.masks == y.masks;
  if (x.form == F::kronecker_chain && y.form == F::kronecker_chain) {
    for (idx l = 0; l < x.size(); ++l)
      if (!same_mask(x.chain[l], y.chain[l])) return false;
    return true;
  }
  if (x.form == F::lu && y.form == F::lu) return x.lu_n == y.lu_n;
  // Different forms: entry by entry, on the side that has masks when one does.
  if (x.form != F::masks && y.form != F::masks) return same_factors(masks_of(x.dense()), y);
  const Factors& d = x.form == F::masks ? x : y;
  const Factors& p = x.form == F::masks ? y : x;
  for (idx l = 0; l < d.size(); ++l)
    for (idx i = 0; i < d.rows(l); ++i)
      for (idx j = 0; j < d.cols(l); ++j)
        if (d.masks[l](i, j) != p.has(l, i, j)) return false;
  return true;
}

// ---- exact dense matrices ---------------------------------------------------
// Dense matrices of the checker hold at most this many entries: the sizes
// come from the certificate's masks, and m * n is computed checked before
// anything is allocated (a certificate cannot make the checker exhaust memory).
constexpr idx kMaxDenseCells = idx{1} << 24;
idx dense_cells(idx r, idx c, const std::string& what) {
  idx cells = 0;
  require(!__builtin_mul_overflow(r, c, &cells) && cells <= kMaxDenseCells,
          what + ": " + std::to_string(r) + " x " + std::to_string(c) + " is too large to check (size check)");
  return cells;
}

struct Mat {
  idx m = 0, n = 0;
  std::vector<Q> a;
  Mat(idx r, idx c) : m(r), n(c), a(dense_cells(r, c, "a dense matrix")) {}
  Q& operator()(idx i, idx j) { return a[i * n + j]; }
  const Q& operator()(idx i, idx j) const { return a[i * n + j]; }
};

Mat mul(const Mat& x, const Mat& y) {
  Mat z(x.m, y.n);
  for (idx i = 0; i < x.m; ++i)
    for (idx k = 0; k < x.n; ++k) {
      if (x(i, k) == 0) continue;
      for (idx j = 0; j < y.n; ++j) z(i, j) += x(i, k) * y(k, j);
    }
  return z;
}

Mat parse_sparse(const json& j, idx m, idx n, const std::string& what) {
  require(to_index(field(j, "rows"), what + ".rows") == m && to_index(field(j, "cols"), what + ".cols") == n,
          what + " has the wrong shape");
  Mat A(m, n);
  std::set<std::pair<idx, idx>> seen;
  for (const auto& e : field(j, "entries")) {
    require(e.is_array() && e.size() == 3, what + " entries are [i, j, value]");
    const idx i = to_index(e[0], what), c = to_index(e[1], what);
    require(i < m && c < n, what + " entry out of range");
    require(seen.insert({i, c}).second, what + " repeats an entry");
    A(i, c) = to_rational(e[2], what + " value");
  }
  return A;
}

// Terms c t^e at (i, j).
struct Term {
  idx i, j;
  Q c;
  long long e;
};

std::vector<Term> parse_terms(const json& j, idx m, idx n, const Support* mask, const std::string& what) {
  require(j.is_array(), what + " must be an array of terms");
  std::vector<Term> out;
  std::set<std::pair<idx, idx>> seen;
  for (const auto& t : j) {
    require(t.is_array() && t.size() == 4, what + " terms are [i, j, coef, exp]");
    Term x{to_index(t[0], what), to_index(t[1], what), to_rational(t[2], what), to_int(t[3], what)};
    require(x.i < m && x.j < n, what + " term out of range");
    require(seen.insert({x.i, x.j}).second, what + " repeats an entry");
    if (mask)
      require((*mask)(x.i, x.j), what + " has an entry (" + std::to_string(x.i) + "," + std::to_string(x.j) +
                                     ") outside its support");
    out.push_back(std::move(x));
  }
  return out;
}

// Largest |exponent| a sequence term may carry. The sum of L factors'
// exponents and the span of the identity stay far inside long long.
constexpr long long kMaxExponent = 64;
void require_exponent(long long e, const std::string& what) {
  require(e >= -kMaxExponent && e <= kMaxExponent,
          what + " has exponent " + std::to_string(e) + " outside [-64, 64] (exponent check)");
}

Q power(const Q& t, long long e) {
  require_exponent(e, "a sequence term");
  Q r = 1, b = e >= 0 ? t : Q(1 / t);
  for (long long k = 0; k < (e >= 0 ? e : -e); ++k) r *= b;
  return r;
}

Mat eval_terms(const std::vector<Term>& ts, idx m, idx n, const Q& t) {
  Mat X(m, n);
  for (const auto& x : ts) X(x.i, x.j) = x.c * power(t, x.e);
  return X;
}

// The set {p : left(i,p) and right(p,j)}: which rank-one supports hold (i,j).
std::vector<idx> holders(const Support& left, const Support& right, idx i, idx j) {
  std::vector<idx> out;
  for (idx p = 0; p < left.cols(); ++p)
    if (left(i, p) && right(p, j)) out.push_back(p);
  return out;
}

std::vector<idx> column_set(const Support& s, idx k) {
  std::vector<idx> out;
  for (idx i = 0; i < s.rows(); ++i)
    if (s(i, k)) out.push_back(i);
  return out;
}
std::vector<idx> row_set(const Support& s, idx k) {
  std::vector<idx> out;
  for (idx j = 0; j < s.cols(); ++j)
    if (s(k, j)) out.push_back(j);
  return out;
}

bool intersects(const std::vector<idx>& a, const std::vector<idx>& b) {
  for (auto x : a)
    if (std::binary_search(b.begin(), b.end(), x)) return true;
  return false;
}

// ---- kind: lu_pattern --------------------------------------------------------
Q loss(const Mat& A, const Mat& P) {
  Q s = 0;
  for (idx q = 0; q < A.a.size(); ++q) s += (A.a[q] - P.a[q]) * (A.a[q] - P.a[q]);
  return s;
}

Mat product_of_constants(const json& fj, const std::vector<Support>& f, const std::string& what) {
  require(fj.is_array() && fj.size() == f.size(), what + ".factors must list one term list per factor");
  Mat P(0, 0);
  for (idx l = 0; l < f.size(); ++l) {
    auto ts = parse_terms(fj[l], f[l].rows(), f[l].cols(), &f[l], what);
    for (const auto& t : ts) require(t.e == 0, what + " must be constant (exponent 0)");
    Mat X = eval_terms(ts, f[l].rows(), f[l].cols(), Q(1));
    P = l == 0 ? X : mul(P, X);
  }
  return P;
}

std::string check_lu(const json& c, const std::vector<Support>& f) {
  require(f.size() == 2, "lu_pattern certificates speak about exactly two factors");
  const Support& left = f[0];
  const Support& right = f[1];
  const idx m = left.rows(), n = right.cols();
  const Mat A = parse_sparse(field(c, "target"), m, n, "target");

  // (1) A is a limit of products: X_1(t) X_2(t) - A = residual(t), residual -> 0.
  const auto& seq = field(c, "sequence");
  const auto& sf = field(seq, "factors");
  require(sf.is_array() && sf.size() == f.size(), "sequence.factors must list one term list per factor");
  std::vector<std::vector<Term>> terms;
  long long lo = 0, hi = 0, emin_sum = 0, emax_sum = 0;
  // Every exponent is bounded first (|e| <= kMaxExponent), so the sums and
  // the span below are exact in long long (at most L * 64 + 64 in size):
  // unchecked, exponents -2^62 made the span wrap, the "<= 64" guard pass
  // and the identity be evaluated at no point (issue 21).
  for (idx l = 0; l < f.size(); ++l) {
    terms.push_back(parse_terms(sf[l], f[l].rows(), f[l].cols(), &f[l], "sequence factor " + std::to_string(l)));
    long long a = 0, b = 0;
    for (idx q = 0; q < terms[l].size(); ++q) {
      require_exponent(terms[l][q].e, "sequence factor " + std::to_string(l));
      a = q == 0 ? terms[l][q].e : std::min(a, terms[l][q].e);
      b = q == 0 ? terms[l][q].e : std::max(b, terms[l][q].e);
    }
    emin_sum += a;
    emax_sum += b;
  }
  const auto residual = parse_terms(field(seq, "residual"), m, n, nullptr, "residual");
  for (const auto& r : residual) {
    require_exponent(r.e, "residual");
    require(r.e >= 1 && r.c != 0, "residual terms must vanish as t -> 0+ (exponent >= 1)");
  }
  lo = std::min({0LL, emin_sum}), hi = std::max({0LL, emax_sum});
  for (const auto& r : residual) lo = std::min(lo, r.e), hi = std::max(hi, r.e);
  require(hi >= lo && hi - lo <= 64, "sequence exponents span too wide a range (span " + std::to_string(hi) + " - (" +
                                         std::to_string(lo) + ") > 64)");
  // Agreement at D + 1 = hi - lo + 1 distinct points proves the Laurent identity.
  const long long points = hi - lo + 1;
  require(points >= 1, "sequence identity: no evaluation point");
  for (long long s = 0; s < points; ++s) {
    const Q t(1, s + 2);
    Mat P = eval_terms(terms[0], m, left.cols(), t);
    for (idx l = 1; l < f.size(); ++l) P = mul(P, eval_terms(terms[l], f[l].rows(), f[l].cols(), t));
    const Mat R = eval_terms(residual, m, n, t);
    for (idx q = 0; q < P.a.size(); ++q)
      require(P.a[q] - A.a[q] == R.a[q], "sequence residual formula fails at t = " + t.str());
  }

  // (2) A is not a product: three equations on entries held by one S_k only.
  struct Eq {
    idx i, j, k;
    Q v;
  };
  std::vector<Eq> eqs;
  for (const auto& e : field(field(c, "non_membership"), "equations")) {
    const auto& en = field(e, "entry");
    require(en.is_array() && en.size() == 2, "equation entry is [i, j]");
    Eq q{to_index(en[0], "entry"), to_index(en[1], "entry"), to_index(field(e, "inner"), "inner"),
         to_rational(field(e, "value"), "value")};
    require(q.i < m && q.j < n && q.k < left.cols(), "equation index out of range");
    require(holders(left, right, q.i, q.j) == std::vector<idx>{q.k},
            "entry (" + std::to_string(q.i) + "," + std::to_string(q.j) + ") does not lie in S_" +
                std::to_string(q.k) + " only");
    require(q.v == A(q.i, q.j), "equation value differs from the target entry");
    eqs.push_back(q);
  }
  bool contradiction = false;
  for (const auto& z : eqs)
    for (const auto& b : eqs)
      for (const auto& d : eqs)
        if (z.v == 0 && b.v != 0 && d.v != 0 && z.k == b.k && z.k == d.k && b.i == z.i && b.j != z.j &&
            d.j == z.j && d.i != z.i)
          contradiction = true;  // x_a y_b = 0, x_a y_c != 0, x_d y_b != 0
  require(contradiction, "the equations do not contain x_a y_b = 0, x_a y_c != 0, x_d y_b != 0");

  // (3) The stated pattern indices, re-derived (Thm 4.3.1's hypothesis).
  if (c.contains("indices")) {
    const auto& ix = c.at("indices");
    const idx i1 = to_index(field(ix, "i1"), "i1"), i2 = to_index(field(ix, "i2"), "i2"),
              j1 = to_index(field(ix, "j1"), "j1"), j2 = to_index(field(ix, "j2"), "j2"),
              k = to_index(field(ix, "k"), "k"), l = to_index(field(ix, "l"), "l");
    require(i1 < m && i2 < m && j1 < n && j2 < n && k < left.cols() && l < left.cols(), "indices out of range");
    require(i1 != i2 && j1 != j2 && k != l, "indices must be distinct");
    const std::vector<idx> only{k};
    require(holders(left, right, i1, j1) == only && holders(left, right, i1, j2) == only &&
                holders(left, right, i2, j1) == only,
            "indices: (i1,j1), (i1,j2), (i2,j1) must lie in S_k only");
    const auto h = holders(left, right, i2, j2);
    require(std::binary_search(h.begin(), h.end(), k) && std::binary_search(h.begin(), h.end(), l),
            "indices: (i2,j2) must lie in S_k and S_l");

    // (4) Landscape witnesses: feasibility and exact losses (spuriousness is Thm 4.3.1's).
    if (c.contains("landscape")) {
      const auto& w = c.at("landscape");
      auto check_point = [&](const json& pt, const Mat& T, const std::string& what) {
        const Mat P = product_of_constants(field(pt, "factors"), f, what);
        require(loss(T, P) == to_rational(field(pt, "loss"), what + ".loss"), what + ": stated loss is wrong");
        return P;
      };
      if (w.contains("spurious_valley")) {
        const auto& v = w.at("spurious_valley");
        const Mat T = parse_sparse(field(v, "target"), m, n, "valley target");
        check_point(field(v, "optimum"), T, "valley optimum");
        require(to_rational(field(field(v, "optimum"), "loss"), "loss") == 0, "valley optimum must have loss 0");
        const auto& vp = field(v, "valley_point");
        check_point(vp, T, "valley point");
        // sigma = sum_{p != k} X_1[i2,p] X_2[p,j2]
        const auto x = parse_terms(field(vp, "factors")[0], m, left.cols(), &left, "valley point");
        const auto y = parse_terms(field(vp, "factors")[1], right.rows(), n, &right, "valley point");
        const Mat X = eval_terms(x, m, left.cols(), Q(1)), Y = eval_terms(y, right.rows(), n, Q(1));
        Q sigma = 0;
        for (idx p = 0; p < left.cols(); ++p)
          if (p != k) sigma += X(i2, p) * Y(p, j2);
        require(sigma == to_rational(field(vp, "sigma"), "sigma"), "valley point: stated sigma is wrong");
      }
      if (w.contains("spurious_minimum")) {
        const auto& v = w.at("spurious_minimum");
        const Mat T = parse_sparse(field(v, "target"), m, n, "minimum target");
        check_point(field(v, "optimum"), T, "minimum optimum");
        require(to_rational(field(field(v, "optimum"), "loss"), "loss") == 0, "minimum optimum must have loss 0");
        check_point(field(v, "local_minimum"), T, "local minimum");
      }
    }
  }
  return "A is the limit of an exact sequence (identity checked at " + std::to_string(points) +
         " points) and not a product (equations re-derived from the masks)";
}

// ---- kind: disjoint_rank_one / cec_rectangular ------------------------------
struct Class {
  std::vector<idx> indices, rows, cols;
};

Class parse_class(const json& j, const Support& left, const Support& right) {
  Class c{index_list(field(j, "indices"), "indices"), index_list(field(j, "rows"), "rows"),
          index_list(field(j, "cols"), "cols")};
  require(!c.indices.empty(), "a class has no index");
  for (auto k : c.indices) {
    require(k < left.cols(), "class index out of range");
    require(column_set(left, k) == c.rows, "class rows differ from supp left[:, " + std::to_string(k) + "]");
    require(row_set(right, k) == c.cols, "class cols differ from supp right[" + std::to_string(k) + ", :]");
  }
  return c;
}

void require_partition(std::vector<idx> all, idx r) {
  std::sort(all.begin(), all.end());
  require(std::adjacent_find(all.begin(), all.end()) == all.end(), "the classes overlap (an index appears twice)");
  require(all.size() == r, "the classes do not cover every inner index");
}

std::string check_disjoint(const json& c, const std::vector<Support>& f) {
  require(f.size() == 2, "disjoint_rank_one certificates speak about exactly two factors");
  std::vector<Class> cs;
  std::vector<idx> all;
  for (const auto& j : field(c, "classes")) {
    cs.push_back(parse_class(j, f[0], f[1]));
    all.insert(all.end(), cs.back().indices.begin(), cs.back().indices.end());
  }
  require_partition(all, f[0].cols());
  for (idx a = 0; a < cs.size(); ++a)
    for (idx b = a + 1; b < cs.size(); ++b)
      require(!(intersects(cs[a].rows, cs[b].rows) && intersects(cs[a].cols, cs[b].cols)),
              "two class rectangles overlap");
  return std::to_string(cs.size()) + " classes with pairwise disjoint rectangles (Thm 5.2.3)";
}

std::string check_cec(const json& c, const std::vector<Support>& f) {
  require(f.size() == 2, "cec_rectangular certificates speak about exactly two factors");
  const Support& left = f[0];
  const Support& right = f[1];
  const idx m = left.rows(), n = right.cols(), r = left.cols();
  std::vector<char> ST(dense_cells(m, n, "cec_rectangular target"), 0);
  std::vector<idx> all;
  for (const auto& j : field(c, "complete_classes")) {
    const Class P = parse_class(j, left, right);
    require(P.indices.size() >= std::min(P.rows.size(), P.cols.size()), "a stated complete class is not complete");
    for (auto i : P.rows)
      for (auto q : P.cols) ST[i * n + q] = 1;
    all.insert(all.end(), P.indices.begin(), P.indices.end());
  }
  std::vector<std::vector<char>> Sp;
  for (const auto& j : field(c, "rectangles")) {
    const idx k = to_index(field(j, "k"), "k");
    require(k < r, "rectangle index out of range");
    all.push_back(k);
    const auto R = index_list(field(j, "rows"), "rows"), C = index_list(field(j, "cols"), "cols");
    const auto Rk = column_set(left, k), Ck = row_set(right, k);
    // k must not belong to a complete class (T is the union of ALL complete classes).
    idx same = 0;
    for (idx p = 0; p < r; ++p) same += column_set(left, p) == Rk && row_set(right, p) == Ck;
    require(same < std::min(Rk.size(), Ck.size()),
            "index " + std::to_string(k) + " lies in a complete class but is listed outside T");
    std::vector<char> s(m * n, 0), rect(m * n, 0);
    for (auto i : Rk)
      for (auto q : Ck)
        if (!ST[i * n + q]) s[i * n + q] = 1;
    for (auto i : R)
      for (auto q : C) {
        require(i < m && q < n, "rectangle out of range");
        rect[i * n + q] = 1;
      }
    require(s == rect, "S'_" + std::to_string(k) + " = S_k \\ S_T is not the stated rectangle");
    Sp.push_back(std::move(s));
  }
  require_partition(all, r);
  for (idx a = 0; a < Sp.size(); ++a)
    for (idx b = a + 1; b < Sp.size(); ++b) {
      if (Sp[a] == Sp[b]) continue;
      for (idx q = 0; q < m * n; ++q) require(!(Sp[a][q] && Sp[b][q]), "two remainders S'_k overlap without being equal");
    }
  return "complete classes and " + std::to_string(Sp.size()) + " rectangular remainders, pairwise equal or disjoint (Thm 5.2.9)";
}

// ---- kind: kronecker_chainable ----------------------------------------------
// Def 6.3.7, computed here from scratch: q = a1 c1 / a2 = b2 d2 / d1, a1 | a2,
// d2 | d1. Products are checked (parse_chain bounded each pattern's size, so
// a valid chain never overflows; an overflow means a forged one: rejected).
idx chain_q(const Theta& x, const Theta& y) {
  const idx ac = cmul(x.a, x.c, "a1 c1"), bd = cmul(y.b, y.d, "b2 d2");
  if (ac % y.a || bd % x.d || y.a % x.a || x.d % y.d) return 0;
  const idx q1 = ac / y.a, q2 = bd / x.d;
  return q1 == q2 ? q1 : 0;
}

// The certificate's chain describes the factors: from the parameters when the
// factors are a chain (pattern by pattern, same_mask), else entry by entry.
std::string check_kronecker(const json& c, const Factors& f) {
  const auto chain = parse_chain(field(c, "chain"));
  require(f.size() >= 2 && chain.size() == f.size(), "one pattern per factor, at least two factors");
  for (idx l = 0; l < f.size(); ++l) {
    const Theta& t = chain[l];
    require(f.rows(l) == t.rows() && f.cols(l) == t.cols(),
            "factor " + std::to_string(l) + " has the wrong size for its pattern");
    if (f.form == Factors::Form::kronecker_chain) {
      require(same_mask(t, f.chain[l]), "factor " + std::to_string(l) + " is not the mask of its pattern");
      continue;
    }
    require(cmul(f.rows(l), f.cols(l), "mask size") <= kMaxDenseBits, "factor " + std::to_string(l) + " is too large to compare entry by entry");
    for (idx i = 0; i < f.rows(l); ++i)
      for (idx j = 0; j < f.cols(l); ++j)
        require(f.has(l, i, j) == t.has(i, j), "factor " + std::to_string(l) + " is not the mask of its pattern");
  }
  std::vector<idx> qs;
  for (idx l = 0; l + 1 < chain.size(); ++l) {
    qs.push_back(chain_q(chain[l], chain[l + 1]));
    require(qs.back() > 0, "patterns " + std::to_string(l) + ", " + std::to_string(l + 1) + " are not chainable");
  }
  if (c.contains("q")) {
    const auto& qj = c.at("q");
    require(qj.is_array() && qj.size() == qs.size(), "stated q has the wrong length");
    for (idx l = 0; l < qs.size(); ++l) require(to_index(qj[l], "q") == qs[l], "stated q differs");
  }
  if (c.contains("reduced_chain")) {
    // Lemma 6.3.22 replayed: merge the first redundant pair until none is left.
    auto cur = chain;
    for (bool merged = true; merged && cur.size() > 1;) {
      merged = false;
      for (idx l = 0; l + 1 < cur.size(); ++l) {
        const idx q = chain_q(cur[l], cur[l + 1]);
        require(q > 0, "reduction broke chainability");
        if (q > std::min(cur[l].b, cur[l + 1].c)) {
          const Theta& x = cur[l];
          const Theta& y = cur[l + 1];
          // Def 6.3.13; x.b x.d <= rows(x) and y.a y.c <= cols(y) fit.
          cur[l] = Theta{x.a, cmul(x.b, x.d, "b1 d1") / y.d, cmul(y.a, y.c, "a2 c2") / x.a, y.d};
          cur.erase(cur.begin() + static_cast<long>(l) + 1);
          merged = true;
          break;
        }
      }
    }
    const auto red = parse_chain(c.at("reduced_chain"));
    require(red == cur, "reduced chain differs from the Lemma 6.3.22 reduction");
  }
  return "masks are a chainable Kronecker chain (Cor 6.5.12)";
}

// ---- kind: trivial --------------------------------------------------------------
std::string check_trivial(const json& c, const std::vector<Support>& f) {
  const auto& fam = field(c, "family");
  require(fam.is_string(), "family must be a string");
  const auto family = fam.get<std::string>();
  auto nnz = [](const Support& s) {
    idx k = 0;
    for (idx i = 0; i < s.rows(); ++i)
      for (idx j = 0; j < s.cols(); ++j) k += s(i, j);
    return k;
  };
  if (family == "zero_factor") {
    require(std::any_of(f.begin(), f.end(), [&](const Support& s) { return nnz(s) == 0; }), "no factor is empty");
  } else if (family == "single_factor") {
    require(f.size() == 1, "more than one factor");
  } else if (family == "vector_end") {
    require(f.front().rows() == 1 || f.back().cols() == 1, "the product is not a vector");
  } else if (family == "inner_one") {
    bool one = false;
    for (idx l = 0; l + 1 < f.size(); ++l) one = one || f[l].cols() == 1;
    require(one, "no inner dimension equals 1");
  } else if (family == "full_supports") {
    for (const auto& s : f) require(nnz(s) == s.rows() * s.cols(), "a support is not full");
  } else {
    fail("unknown trivial family '" + family + "'");
  }
  return "trivial family " + family;
}

// The trivial families on a family's parameters (shapes and counts from Factors).
std::string check_trivial_structural(const json& c, const Factors& f) {
  const auto& fam = field(c, "family");
  require(fam.is_string(), "family must be a string");
  const auto family = fam.get<std::string>();
  const idx L = f.size();
  if (family == "zero_factor") {
    bool zero = false;
    for (idx l = 0; l < L; ++l) zero = zero || f.nnz(l) == 0;
    require(zero, "no factor is empty");
  } else if (family == "single_factor") {
    require(L == 1, "more than one factor");
  } else if (family == "vector_end") {
    require(f.rows(0) == 1 || f.cols(L - 1) == 1, "the product is not a vector");
  } else if (family == "inner_one") {
    bool one = false;
    for (idx l = 0; l + 1 < L; ++l) one = one || f.cols(l) == 1;
    require(one, "no inner dimension equals 1");
  } else if (family == "full_supports") {
    for (idx l = 0; l < L; ++l) {
      idx size = 0;
      require(!__builtin_mul_overflow(f.rows(l), f.cols(l), &size) && f.nnz(l) == size, "a support is not full");
    }
  } else {
    fail("unknown trivial family '" + family + "'");
  }
  return "trivial family " + family + " (from the family's parameters)";
}

// ---- dispatch ---------------------------------------------------------------------
// What the certificate being checked rests on: the detector kinds are proofs
// (exact arithmetic here, the cited theorem's hypotheses re-derived); an
// exact certificate reports its own (checker_exact.cpp).
thread_local Trust t_trust;

std::string check_any(const json& c, Closedness claimed, const Factors& expected, int depth);
std::string check_any(const json& c, Closedness claimed, const std::vector<Support>& expected, int depth) {
  return check_any(c, claimed, masks_of(expected), depth);
}

std::string check_reduced(const json& c, Closedness claimed, std::vector<Support> f, int depth) {
  const auto& steps = field(c, "steps");
  require(steps.is_array() && !steps.empty(), "steps must be a non-empty array");
  for (const auto& s : steps) {
    const idx l = to_index(field(s, "factor"), "factor");
    const auto& into = field(s, "into");
    require(l < f.size() && f.size() > 1, "step factor out of range");
    const Support P = f[l];
    require(P.rows() == P.cols() && P.rows() > 0, "absorbed factor is not square");
    std::vector<idx> pi(P.rows());
    std::vector<idx> colcount(P.cols(), 0);
    for (idx i = 0; i < P.rows(); ++i) {
      const auto rs = row_set(P, i);
      require(rs.size() == 1, "absorbed factor is not a permutation pattern");
      pi[i] = rs[0];
      ++colcount[rs[0]];
    }
    for (auto cc : colcount) require(cc == 1, "absorbed factor is not a permutation pattern");
    if (into == "next") {
      require(l + 1 < f.size(), "no next factor");
      const Support& N = f[l + 1];
      Support out(N.rows(), N.cols());
      for (idx i = 0; i < N.rows(); ++i)
        for (idx j = 0; j < N.cols(); ++j)
          if (N(pi[i], j)) out.set(i, j);
      f[l + 1] = out;
    } else if (into == "previous") {
      require(l > 0, "no previous factor");
      const Support& Pr = f[l - 1];
      Support out(Pr.rows(), Pr.cols());
      for (idx a = 0; a < Pr.rows(); ++a)
        for (idx i = 0; i < Pr.cols(); ++i)
          if (Pr(a, i)) out.set(a, pi[i]);
      f[l - 1] = out;
    } else {
      fail("step 'into' must be \"next\" or \"previous\"");
    }
    f.erase(f.begin() + static_cast<long>(l));
  }
  return "permutation factors absorbed (" + std::to_string(steps.size()) + " steps); " +
         check_any(field(c, "inner"), claimed, f, depth + 1);
}

std::string check_any(const json& c, Closedness claimed, const Factors& expected, int depth) {
  require(depth < 4, "certificates nested too deeply");
  require(c.is_object(), "a certificate must be a JSON object");
  const auto& kj = field(c, "kind");
  require(kj.is_string(), "kind must be a string");
  const auto kind = kj.get<std::string>();
  const Factors f = parse_factors(field(c, "factors"));
  require(same_factors(f, expected), "the certificate's supports are not the architecture's");
  if (kind.rfind("exact_", 0) == 0) {  // issue 3's kinds, checked in checker_exact.cpp
    const CheckResult r = check_exact_certificate(c, claimed, f.dense(), detail::current_check_options());
    require(r.ok, r.reason);
    t_trust = r.trust;
    return r.reason;
  }
  const Closedness proves = kind == "lu_pattern" ? Closedness::not_closed : Closedness::closed;
  if (kind != "reduced")
    require(proves == claimed, "a '" + kind + "' certificate proves " + std::string(to_string(proves)) +
                                   ", the verdict claims " + std::string(to_string(claimed)));
  // Kinds that read only shapes, counts and patterns work on the parameters;
  // the others get dense masks (built from the parameters, bounded).
  if (kind == "kronecker_chainable") return check_kronecker(c, f);
  if (kind == "trivial")
    return f.form == Factors::Form::masks ? check_trivial(c, f.masks) : check_trivial_structural(c, f);
  if (kind == "lu_pattern") return check_lu(c, f.dense());
  if (kind == "disjoint_rank_one") return check_disjoint(c, f.dense());
  if (kind == "cec_rectangular") return check_cec(c, f.dense());
  if (kind == "reduced") return check_reduced(c, claimed, f.dense(), depth);
  fail("unknown certificate kind '" + kind + "'");
}

}  // namespace

namespace {
CheckResult check_against(const nlohmann::json& certificate, Closedness claimed, const Factors& factors) {
  if (claimed == Closedness::unknown) return {false, "an unknown verdict proves nothing"};
  try {
    t_trust = Trust{TrustLevel::proof, "", "exact arithmetic and the cited theorem's hypotheses"};
    CheckResult r{true, check_any(certificate, claimed, factors, 0), {}};
    r.trust = t_trust;
    return r;
  } catch (const Reject& e) {
    return {false, e.what()};
  } catch (const std::exception& e) {  // malformed JSON values, bad_alloc, ...
    return {false, std::string("malformed certificate: ") + e.what()};
  }
}

}  // namespace

static bool is_network_certificate(const nlohmann::json& c) {
  return c.is_object() && c.contains("kind") && c["kind"] == "relu_network";
}

// ---- review (forged certificates): what a Verdict-level check proves -------
// A certificate proves closedness (or not) of L_I; it answers no membership
// or attainment question, whatever v.closedness reads ("yes" / "no"). And an
// Architecture is a matrix chain X_1 ... X_L: a "relu_network" certificate
// about layers with the same masks is about the function space F_I of a
// network (whose linear part is W_2 W_1), not about this product set.
// Without these, both were accepted (tests/decide/forged_certificates_test.cpp).
static std::optional<CheckResult> verdict_level_refusal(const Verdict& v, bool about_chain) {
  if (v.question != Question::closedness)
    return CheckResult{false, "a closedness certificate answers no " + std::string(to_string(v.question)) +
                                  " question (no checker for " + std::string(to_string(v.question)) + " certificates)"};
  if (about_chain && is_network_certificate(v.certificate))
    return CheckResult{false, "a relu_network certificate proves nothing about a matrix chain (its layers are a "
                              "network's, whose function space it speaks about)"};
  return std::nullopt;
}
// ---- end review -------------------------------------------------------------

namespace detail {
namespace {
thread_local const CertificateCheckOptions* t_check_options = nullptr;
}
CheckOptionsScope::CheckOptionsScope(const CertificateCheckOptions& o) : outer_(t_check_options) { t_check_options = &o; }
CheckOptionsScope::~CheckOptionsScope() { t_check_options = outer_; }
const CertificateCheckOptions& current_check_options() {
  if (t_check_options) return *t_check_options;
  static thread_local const CertificateCheckOptions defaults;
  return defaults;
}
}  // namespace detail

SecondSolverOptions SecondSolverOptions::from_environment() {
  SecondSolverOptions o;
  if (const char* env = std::getenv("WELLPOSED_SECOND_SOLVER"); env && *env) o.script = env;
  return o;
}

// ---- the one dispatch on a certificate's kind (every check_certificate) ----
// A "relu_network" certificate is the Ch. 7 checker's (network.hpp), given
// `network_layers` (empty: the layers the certificate states); every other
// kind is compared by check_against with the chain `chain()` builds. The
// chain is built before the claim is looked at (as each overload did), and a
// throw while building it (a family without a parametric form, malformed
// "factors") is a failed check whose reason is `if_chain_throws` + what().
// The options hold for the whole check, nested checks included.
static CheckResult dispatch_check(const nlohmann::json& certificate, Closedness claimed,
                                  const CertificateCheckOptions& o, const std::vector<Support>& network_layers,
                                  const std::function<Factors()>& chain, const std::string& if_chain_throws) {
  const detail::CheckOptionsScope scope(o);
  if (is_network_certificate(certificate)) return check_network_certificate(certificate, claimed, network_layers);
  Factors factors;
  try {
    factors = chain();
  } catch (const std::exception& e) {
    return {false, if_chain_throws + e.what()};
  }
  return check_against(certificate, claimed, factors);
}

CheckResult check_certificate(const nlohmann::json& certificate, Closedness claimed,
                              const std::vector<Support>& factors, const CertificateCheckOptions& o) {
  return dispatch_check(certificate, claimed, o, factors, [&] { return masks_of(factors); }, "malformed factors: ");
}

// A family is compared with the certificate on its parameters: no mask is built.
// A relu_network certificate is refused before the dispatch (review, verdict_level_refusal).
CheckResult check_certificate(const Architecture& arch, const Verdict& v, const CertificateCheckOptions& o) {
  if (auto refused = verdict_level_refusal(v, /*about_chain=*/true)) return *refused;
  return dispatch_check(v.certificate, v.closedness, o, {}, [&] { return factors_of(arch); },
                        "cannot compare with the architecture: ");
}

CheckResult check_and_label(const Architecture& arch, Verdict& v, const CertificateCheckOptions& o) {
  const CheckResult r = check_certificate(arch, v, o);
  if (r.ok) v.trust = r.trust;
  return r;
}

Verdict require_trust(Verdict v, TrustLevel required) {
  if (!v.decided() || v.trust.level >= required) return v;
  v.reason = "verdict " + std::string(to_string(v.closedness)) + " withheld: it rests on " +
             std::string(to_string(v.trust.level)) + (v.trust.solvers.empty() ? "" : " (" + v.trust.solvers + ")") +
             ", below the required " + std::string(to_string(required)) + (v.reason.empty() ? "" : "; " + v.reason);
  v.closedness = Closedness::unknown;
  v.certificate = nlohmann::json();
  v.explanation = explain(v);
  return v;
}

CheckResult check_certificate(const Verdict& v, const CertificateCheckOptions& o) {
  if (auto refused = verdict_level_refusal(v, /*about_chain=*/false)) return *refused;
  // A network verdict that does not say its domain is read as the claim
  // about both (a report's lone "closed": without this, a bounded-box-only
  // certificate was "VALID" for it; binding.cpp passes the domain where the
  // report states it, through check_network_verdict).
  if (is_network_certificate(v.certificate))
    if (auto why = network_common::domain_refusal(v.certificate, v.closedness, NetworkDomain::both))
      return {false, *why};
  return dispatch_check(v.certificate, v.closedness, o, {},
                        [&] { return parse_factors(field(v.certificate, "factors")); }, "");
}

}  // namespace wellposed
