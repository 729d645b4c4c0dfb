// Checker of route 0d "merge" (see checker_merge.hpp; the proofs of the three
// step kinds are at chain_merge.cpp). Every step is re-derived from the
// architecture's supports: the chain is trimmed to its complete paths (an
// entry on no row -> column path occurs in no entry of the product), then
//   "columns": every column of factor l has at most one entry;
//   "rows":    every row of factor l + 1 has at most one entry;
//   "pinned":  on the pair's rows, inner indices and columns with entries,
//              the boolean product is the whole rectangle, r' >= min(m', n'),
//              and the pinned-determinantal hypotheses hold for the step's
//              side and pinned set (checker_pinned.cpp);
//   "peeled":  each peel (a single-entry column of factor l whose partner row
//              covers that row of K, or the transpose; or, "inner-col" /
//              "inner-row", a single-entry column of factor l + 1 / row of
//              factor l whose inner index k is then removed, every other
//              entry of C_k x R_k lying in the rest's pattern; or
//              "group-cols" / "group-rows", a group of inner indices inside a
//              set of columns / rows that fills K there, pinned) re-checked on
//              copies of the pair, which it then zeroes; then the base case (an empty
//              product pattern, "columns", "rows" or "pinned") on what is left;
// and the pair is replaced by its boolean product K. The result must equal
// the certificate's merged supports; the shorter chain's certificate is then
// checked against it by check_certificate (any kind the checker knows).
#include "checker_merge.hpp"

#include <array>
#include <set>
#include <string>

#include "checker_pinned.hpp"

namespace wellposed::detail {

namespace {

using idx = std::size_t;
using json = nlohmann::json;

struct Reject : std::runtime_error {
  using std::runtime_error::runtime_error;
};
void need(bool c, const std::string& why) {
  if (!c) throw Reject("merge: " + why);
}

// Entries of each factor on some complete path, by reachability sets.
std::vector<Support> trim(const std::vector<Support>& f) {
  const idx L = f.size();
  std::vector<std::set<idx>> reach(L + 1), coreach(L + 1);
  for (idx i = 0; i < f[0].rows(); ++i) reach[0].insert(i);
  for (idx l = 0; l < L; ++l)
    for (idx a : reach[l])
      for (idx b = 0; b < f[l].cols(); ++b)
        if (f[l].test(a, b)) reach[l + 1].insert(b);
  for (idx j = 0; j < f[L - 1].cols(); ++j) coreach[L].insert(j);
  for (idx l = L; l-- > 0;)
    for (idx a = 0; a < f[l].rows(); ++a)
      for (idx b : coreach[l + 1])
        if (f[l].test(a, b)) coreach[l].insert(a);
  std::vector<Support> out;
  for (idx l = 0; l < L; ++l) {
    Support s(f[l].rows(), f[l].cols());
    for (idx a = 0; a < f[l].rows(); ++a)
      for (idx b = 0; b < f[l].cols(); ++b)
        if (f[l].test(a, b) && reach[l].count(a) && coreach[l + 1].count(b)) s.set(a, b);
    out.push_back(std::move(s));
  }
  return out;
}

Support product_pattern(const Support& A, const Support& B) {
  Support K(A.rows(), B.cols());
  for (idx i = 0; i < A.rows(); ++i)
    for (idx j = 0; j < B.cols(); ++j)
      for (idx k = 0; k < A.cols(); ++k)
        if (A.test(i, k) && B.test(k, j)) {
          K.set(i, j);
          break;
        }
  return K;
}

void check_pinned_pair(const Support& A, const Support& B, const json& pin) {
  std::set<idx> rows, inner, cols;
  std::vector<std::array<idx, 3>> edges;
  for (idx k = 0; k < A.cols(); ++k) {
    bool in = false, out = false;
    for (idx a = 0; a < A.rows(); ++a) in = in || A.test(a, k);
    for (idx b = 0; b < B.cols(); ++b) out = out || B.test(k, b);
    if (in && out) inner.insert(k);
  }
  for (idx k : inner) {
    for (idx a = 0; a < A.rows(); ++a)
      if (A.test(a, k)) edges.push_back({0, a, k}), rows.insert(a);
    for (idx b = 0; b < B.cols(); ++b)
      if (B.test(k, b)) edges.push_back({1, k, b}), cols.insert(b);
  }
  const Support K = product_pattern(A, B);
  std::vector<std::pair<idx, idx>> entries;
  for (idx i = 0; i < K.rows(); ++i)
    for (idx j = 0; j < K.cols(); ++j)
      if (K.test(i, j)) entries.emplace_back(i, j);
  need(!inner.empty() && inner.size() >= std::min(rows.size(), cols.size()),
       "a pinned step needs r' >= min(m', n') (then {rank <= r'} is the whole rectangle)");
  std::string msg;
  need(check_pinned_determinantal(edges, entries, 2, pin, msg), msg);
}

// A peel "group-cols" / "group-rows" (issue 24 item 5; proof at
// chain_merge.cpp): [kind, G, C, pin]. G must be EXACTLY the inner indices
// (with entries on both sides) whose row of the second factor (column of the
// first) lies inside C, C a proper non-empty set of columns (rows); the group's
// sub-pair must fill its pattern (pinned check) and that pattern must be K on
// C. Then G and C are removed from the checker's copies A, B.
void check_group_peel(Support& A, Support& B, const json& p) {
  const std::string kind = p[0].get<std::string>();
  const bool cols = kind == "group-cols";
  need(p[1].is_array() && p[2].is_array(), "peel " + kind + ": G and C must be lists");
  const idx outer = cols ? B.cols() : A.rows();
  std::vector<bool> inC(outer, false), inG(A.cols(), false);
  idx nC = 0;
  for (const json& c : p[2]) {
    need(c.is_number_unsigned() && c.get<idx>() < outer, "peel " + kind + ": an index of C out of range");
    need(!inC[c.get<idx>()], "peel " + kind + ": an index of C listed twice");
    inC[c.get<idx>()] = true, ++nC;
  }
  need(nC >= 1 && nC < outer, "peel " + kind + ": C must be a proper non-empty set");
  for (const json& k : p[1]) {
    need(k.is_number_unsigned() && k.get<idx>() < A.cols(), "peel " + kind + ": an inner index of G out of range");
    need(!inG[k.get<idx>()], "peel " + kind + ": an inner index of G listed twice");
    inG[k.get<idx>()] = true;
  }
  Support GA(A.rows(), A.cols()), GB(B.rows(), B.cols());
  bool any = false;
  for (idx k = 0; k < A.cols(); ++k) {
    bool in = false, out = false, inside = true;
    for (idx a = 0; a < A.rows(); ++a) in = in || A.test(a, k);
    for (idx c = 0; c < B.cols(); ++c) out = out || B.test(k, c);
    if (cols)
      for (idx c = 0; c < B.cols(); ++c) inside = inside && (!B.test(k, c) || inC[c]);
    else
      for (idx a = 0; a < A.rows(); ++a) inside = inside && (!A.test(a, k) || inC[a]);
    const bool member = in && out && inside;
    need(member == inG[k], "peel " + kind + ": G is not the set of inner indices inside C (index " + std::to_string(k) + ")");
    if (!member) continue;
    any = true;
    for (idx a = 0; a < A.rows(); ++a)
      if (A.test(a, k)) GA.set(a, k);
    for (idx c = 0; c < B.cols(); ++c)
      if (B.test(k, c)) GB.set(k, c);
  }
  need(any, "peel " + kind + ": G is empty");
  const Support K = product_pattern(A, B), KG = product_pattern(GA, GB);
  for (idx a = 0; a < K.rows(); ++a)
    for (idx c = 0; c < K.cols(); ++c)
      if (cols ? inC[c] : inC[a])
        need(K.test(a, c) == KG.test(a, c), "peel " + kind + ": the group's pattern differs from K at (" +
                                                std::to_string(a) + ", " + std::to_string(c) + ")");
  check_pinned_pair(GA, GB, p[3]);
  for (idx k = 0; k < A.cols(); ++k) {
    if (!inG[k]) continue;
    for (idx a = 0; a < A.rows(); ++a) A.set(a, k, false);
    for (idx c = 0; c < B.cols(); ++c) B.set(k, c, false);
  }
  for (idx t = 0; t < outer; ++t) {
    if (!inC[t]) continue;
    if (cols)
      for (idx q = 0; q < B.rows(); ++q) B.set(q, t, false);
    else
      for (idx q = 0; q < A.cols(); ++q) A.set(t, q, false);
  }
}

// A "peeled" step (proof at chain_merge.cpp): each peel re-checked on the
// current copies of the pair (then zeroed), and the base case on what is left.
void check_peeled(Support A, Support B, const json& st) {
  need(st.contains("peel") && st.at("peel").is_array() && !st.at("peel").empty(), "a peeled step needs \"peel\"");
  need(st.contains("base") && st.at("base").is_string(), "a peeled step needs \"base\"");
  for (const json& p : st.at("peel")) {
    if (p.is_array() && p.size() == 4 && p[0].is_string() &&
        (p[0].get<std::string>() == "group-cols" || p[0].get<std::string>() == "group-rows")) {
      check_group_peel(A, B, p);
      continue;
    }
    need(p.is_array() && p.size() == 3 && p[0].is_string() && p[1].is_number_unsigned() && p[2].is_number_unsigned(),
         "a peel is [\"col\" | \"row\", index, inner index]");
    const std::string kind = p[0].get<std::string>();
    const idx t = p[1].get<idx>(), k = p[2].get<idx>();
    need(k < A.cols(), "peel: inner index out of range");
    const Support K = product_pattern(A, B);
    if (kind == "col") {
      need(t < A.rows(), "peel: row out of range");
      idx count = 0;
      for (idx a = 0; a < A.rows(); ++a) count += A.test(a, k) ? 1 : 0;
      need(count == 1 && A.test(t, k), "peel col: column " + std::to_string(k) + " is not the single entry (" +
                                           std::to_string(t) + ", " + std::to_string(k) + ")");
      for (idx c = 0; c < K.cols(); ++c)
        need(!K.test(t, c) || B.test(k, c), "peel col: row " + std::to_string(k) + " of the second factor misses (" +
                                                std::to_string(t) + ", " + std::to_string(c) + ") of K");
      for (idx q = 0; q < A.cols(); ++q) A.set(t, q, false);
      for (idx c = 0; c < B.cols(); ++c) B.set(k, c, false);
    } else if (kind == "row") {
      need(t < B.cols(), "peel: column out of range");
      idx count = 0;
      for (idx c = 0; c < B.cols(); ++c) count += B.test(k, c) ? 1 : 0;
      need(count == 1 && B.test(k, t), "peel row: row " + std::to_string(k) + " is not the single entry (" +
                                           std::to_string(k) + ", " + std::to_string(t) + ")");
      for (idx a = 0; a < K.rows(); ++a)
        need(!K.test(a, t) || A.test(a, k), "peel row: column " + std::to_string(k) + " of the first factor misses (" +
                                                std::to_string(a) + ", " + std::to_string(t) + ") of K");
      for (idx a = 0; a < A.rows(); ++a) A.set(a, k, false);
      for (idx q = 0; q < B.rows(); ++q) B.set(q, t, false);
    } else if (kind == "inner-col" || kind == "inner-row") {
      // Issue 24 item 5 (proof at chain_merge.cpp): inner index k is used up
      // by the single entry (k, t) of column t of the second factor
      // ("inner-col") or (t, k) of row t of the first ("inner-row"); every
      // other entry of C_k x R_k must lie in the rest's product pattern K'.
      const bool by_col = kind == "inner-col";
      need(t < (by_col ? B.cols() : A.rows()), "peel " + kind + ": index out of range");
      idx count = 0;
      if (by_col)
        for (idx q = 0; q < B.rows(); ++q) count += B.test(q, t) ? 1 : 0;
      else
        for (idx q = 0; q < A.cols(); ++q) count += A.test(t, q) ? 1 : 0;
      need(count == 1 && (by_col ? B.test(k, t) : A.test(t, k)),
           "peel " + kind + ": " + (by_col ? "column " : "row ") + std::to_string(t) + " is not the single entry at inner index " +
               std::to_string(k));
      Support A2 = A, B2 = B;
      for (idx a = 0; a < A2.rows(); ++a) A2.set(a, k, false);
      for (idx c = 0; c < B2.cols(); ++c) B2.set(k, c, false);
      const Support K2 = product_pattern(A2, B2);
      for (idx a = 0; a < A.rows(); ++a)
        for (idx c = 0; c < B.cols(); ++c)
          if (A.test(a, k) && B.test(k, c) && (by_col ? c != t : a != t))
            need(K2.test(a, c), "peel " + kind + ": (" + std::to_string(a) + ", " + std::to_string(c) +
                                    ") of C_k x R_k is not in the rest's product pattern");
      A = A2, B = B2;
    } else {
      need(false, "unknown peel '" + kind + "'");
    }
  }
  const std::string base = st.at("base").get<std::string>();
  if (base == "empty") {
    need(product_pattern(A, B).nnz() == 0, "peel base \"empty\": the rest has a non-zero product pattern");
  } else if (base == "columns") {
    for (idx j = 0; j < A.cols(); ++j) need(A.col_count(j) <= 1, "peel base \"columns\" fails");
  } else if (base == "rows") {
    for (idx j = 0; j < B.rows(); ++j) need(B.row_count(j) <= 1, "peel base \"rows\" fails");
  } else if (base == "pinned") {
    need(st.contains("pin"), "peel base \"pinned\" needs \"pin\"");
    check_pinned_pair(A, B, st.at("pin"));
  } else {
    need(false, "unknown peel base '" + base + "'");
  }
}

CheckResult run(const json& c, Closedness claimed, const std::vector<Support>& factors, const CertificateCheckOptions& o) {
  need(c.contains("merged") && c.at("merged").is_object(), "the certificate needs \"merged\"");
  const json& m = c.at("merged");
  need(m.contains("steps") && m.at("steps").is_array() && !m.at("steps").empty(), "\"steps\" must be a non-empty list");
  need(m.contains("factors") && m.at("factors").is_array(), "\"factors\" must list the merged supports");
  need(m.contains("certificate") && m.at("certificate").is_object(), "\"certificate\" (of the merged chain) is missing");
  need(!factors.empty(), "no factors");
  std::vector<Support> cur = factors;
  std::string how;
  for (const json& st : m.at("steps")) {
    need(cur.size() >= 2, "a step on a chain of one factor");
    cur = trim(cur);
    need(st.is_object() && st.contains("level") && st.at("level").is_number_unsigned() && st.contains("by") &&
             st.at("by").is_string(),
         "a step needs \"level\" and \"by\"");
    const idx l = st.at("level").get<idx>();
    need(l + 1 < cur.size(), "step level " + std::to_string(l) + " out of range");
    const Support& A = cur[l];
    const Support& B = cur[l + 1];
    const std::string by = st.at("by").get<std::string>();
    if (by == "columns") {
      for (idx j = 0; j < A.cols(); ++j) need(A.col_count(j) <= 1, "column " + std::to_string(j) + " of factor " +
                                                                        std::to_string(l) + " has two or more entries");
    } else if (by == "rows") {
      for (idx j = 0; j < B.rows(); ++j) need(B.row_count(j) <= 1, "row " + std::to_string(j) + " of factor " +
                                                                     std::to_string(l + 1) + " has two or more entries");
    } else if (by == "pinned") {
      need(st.contains("pin"), "a pinned step needs \"pin\"");
      check_pinned_pair(A, B, st.at("pin"));
    } else if (by == "peeled") {
      check_peeled(A, B, st);
    } else {
      need(false, "unknown step kind '" + by + "'");
    }
    const Support K = product_pattern(A, B);
    cur.erase(cur.begin() + static_cast<std::ptrdiff_t>(l), cur.begin() + static_cast<std::ptrdiff_t>(l) + 2);
    cur.insert(cur.begin() + static_cast<std::ptrdiff_t>(l), K);
    how += (how.empty() ? "" : ", ") + by + "@" + std::to_string(l);
  }
  cur = trim(cur);
  const json& mf = m.at("factors");
  need(mf.size() == cur.size(), "the certificate's merged chain has " + std::to_string(mf.size()) + " factors, re-derived " +
                                    std::to_string(cur.size()));
  for (idx l = 0; l < cur.size(); ++l) {
    const Support given = Support::from_rows(mf.at(l).at("mask").get<std::vector<std::string>>());
    need(given.rows() == cur[l].rows() && given.cols() == cur[l].cols() && given.entries() == cur[l].entries(),
         "merged factor " + std::to_string(l) + " differs from the re-derived one");
  }
  json sub = m.at("certificate");
  if (c.contains("check_seconds") && !sub.contains("check_seconds")) sub["check_seconds"] = c.at("check_seconds");
  const CheckResult r = check_certificate(sub, claimed, cur, o);
  if (!r.ok) return {false, "merge: " + std::to_string(m.at("steps").size()) + " steps re-derived (" + how +
                                "), but the merged chain's certificate fails: " + r.reason};
  return {true, "merge: " + std::to_string(m.at("steps").size()) + " steps re-derived (" + how + ") to " +
                    std::to_string(cur.size()) + " factor(s); merged chain: " + r.reason,
          r.trust};
}

}  // namespace

CheckResult check_merged_certificate(const json& certificate, Closedness claimed, const std::vector<Support>& factors,
                                     const CertificateCheckOptions& o) {
  try {
    return run(certificate, claimed, factors, o);
  } catch (const Reject& e) {
    return {false, e.what()};
  } catch (const std::exception& e) {
    return {false, std::string("malformed merge certificate: ") + e.what()};
  }
}

}  // namespace wellposed::detail
