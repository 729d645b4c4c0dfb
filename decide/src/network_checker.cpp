#include "wellposed/decide/network.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include <boost/multiprecision/cpp_int.hpp>

#include "wellposed/algebra/orientation.hpp"

#include "gate.hpp"

#include "network_common.hpp"

// The network certificate checker (network.hpp, check_network_certificate),
// with its OWN reduction of L_{I_S}; shares no decision code with the
// prover in network.cpp (split from it, issue 18 item 8).
namespace wellposed {

using namespace network_common;

namespace {

// ---------------------------------------------------------------------------
// The checker's OWN reduction of L_{I_S} (Thm 7.4.2, condition (2)).
//
// The network checker does not call reduce_subset: a bug there would be
// re-confirmed, not caught. This is a second, deliberately plain
// implementation (rows as plain 0/1 vectors, a one-class-at-a-time fixpoint,
// BFS components, blocks kept in the input's column order), and the prover's
// listed blocks are matched to the checker's up to an EXPLICIT row and column
// permutation that is searched for and then verified entry by entry, so
// nothing depends on the prover's ordering (its R4) either. Why each step
// keeps "closed" <=> "closed", relying only on the seed theorem and the code
// below:
//
// Setting. Thm 7.4.2 (1) gives I_2[:, S] full, so with R_k = I_1[k, :]
//   L_{I_S} = { sum_{k in S} u_k v_k^T : u_k in R^{N_2}, supp v_k <= R_k }.
//   There is one term per NEURON: two neurons with the same row R are two
//   terms, so the rows are a multiset and every count below counts repeats.
// (a) A neuron whose row is empty (on the live columns) adds 0: drop it.
// (b) Complete class. If m >= min(N_2, |R|) rows equal R, the sum of those m
//   terms is exactly V_R = { M : supp M <= [N_2] x R }: it lies in V_R, and
//   any M in V_R has rank r <= min(N_2, |R|) <= m, so a rank factorization
//   M = sum_{t <= r} u_t v_t^T (v_t in the row space, supp v_t <= R) padded
//   with zero terms writes it with m terms. So L = V_R + L' (L' = the other
//   terms). Let pi zero the columns R (ker pi = V_R): M in L <=> M - l in V_R
//   for some l in L' <=> pi(M) in pi(L'), i.e. L = pi^{-1}(pi(L')). pi(L') is
//   a set of the same form with R deleted from every other row (pi(u v^T) =
//   u pi(v)^T). For C inside im pi, C = pi^{-1}(C) cap im pi (pi is the
//   identity on im pi) and pi^{-1}(C) is the preimage of C under a continuous
//   map: pi^{-1}(C) is closed iff C is. So: delete the class and its columns
//   everywhere, and the new set is closed iff the old one is. The checker
//   removes ONE complete class per pass and recomputes from scratch (no claim
//   about removing several at once is needed); it stops when no class is
//   complete.
// (c) Columns in no remaining row are coordinates that are 0 on the whole
//   set: L = L'' x {0}, closed iff L'' is. Each block keeps only its columns.
// (d) Rows joined (transitively) by a shared live column form a component.
//   Components have disjoint column sets and their own u_k, so L is the
//   Cartesian product of the components' sets over disjoint coordinates.
//   Each contains 0, so the product is closed iff every factor is (the
//   projection onto a factor's coordinates maps the product onto the factor
//   and a limit point of the factor, padded with 0, is a limit of the product).
//   No component left: L_{I_S} is a coordinate subspace, closed.
// (e) A listed block B serves a checker block A only if B = A with rows and
//   columns permuted (found below, then checked entry by entry): permuting
//   neurons leaves the set unchanged and permuting coordinates is a linear
//   isometry, so L_B closed <=> L_A closed. L_B closed is what B's closed
//   certificate proves (re-verified by check_certificate, Lemma 3.2.16 route
//   or whichever checker the certificate names).
// Hence every checker block closed => L_{I_S} closed for that S.
// review (forged certificates): a certificate nested in a network's is about
// a MATRIX CHAIN (L_I, or a Thm 7.4.2 problem (full N_2 x k, B)). check_once
// dispatches a "relu_network" certificate by its kind and would read those
// factors as a network's layers: the L_I certificate of the network
// [W2, W1] (a proof that W1 W2 is not closed) then passed as the L_I
// certificate of [W1, W2], whose L_I is W2 W1. Refused before the check.
CheckResult check_nested_chain_certificate(const json& c, Closedness claimed, const std::vector<Support>& factors) {
  if (c.is_object() && c.contains("kind") && c["kind"] == "relu_network")
    return {false, "a certificate about a matrix chain is needed here, not a relu_network certificate"};
  return detail::check_once(c, claimed, factors);
}

namespace indep {

using Bits = std::vector<unsigned char>;  // entries 0 / 1
using Block = std::vector<Bits>;  // k x c, every column used by some row

std::size_t count_ones(const Bits& b) { return static_cast<std::size_t>(std::count(b.begin(), b.end(), 1)); }

/// Steps (a)-(d) on the rows of S (a multiset; each row has n0 entries).
std::vector<Block> reduce(std::vector<Bits> rows, idx n2) {
  const idx n0 = rows.empty() ? 0 : rows.front().size();
  Bits live(n0, 1);
  for (;;) {
    // Rows restricted to the live columns; empty ones go (a).
    std::vector<Bits> cur;
    for (const Bits& r : rows) {
      Bits s(n0, 0);
      for (idx j = 0; j < n0; ++j) s[j] = (r[j] && live[j]) ? 1 : 0;
      if (count_ones(s) > 0) cur.push_back(std::move(s));
    }
    rows = std::move(cur);
    // (b): the first complete class found, if any.
    bool removed = false;
    for (idx i = 0; i < rows.size() && !removed; ++i) {
      std::size_t m = 0;
      for (const Bits& r : rows) m += (r == rows[i]) ? 1 : 0;
      if (m >= std::min<std::size_t>(n2, count_ones(rows[i]))) {
        for (idx j = 0; j < n0; ++j)
          if (rows[i][j]) live[j] = 0;
        removed = true;
      }
    }
    if (!removed) break;
  }
  // (d) components by breadth-first search over "shares a column".
  std::vector<Block> out;
  std::vector<bool> seen(rows.size(), false);
  for (idx start = 0; start < rows.size(); ++start) {
    if (seen[start]) continue;
    std::vector<idx> comp{start};
    seen[start] = true;
    for (idx q = 0; q < comp.size(); ++q)
      for (idx r = 0; r < rows.size(); ++r) {
        if (seen[r]) continue;
        for (idx j = 0; j < n0; ++j)
          if (rows[comp[q]][j] && rows[r][j]) {
            seen[r] = true;
            comp.push_back(r);
            break;
          }
      }
    // (c) the component's columns, in the input's order.
    std::vector<idx> cols;
    for (idx j = 0; j < n0; ++j)
      for (idx r : comp)
        if (rows[r][j]) {
          cols.push_back(j);
          break;
        }
    Block b;
    for (idx r : comp) {
      Bits row(cols.size(), 0);
      for (idx t = 0; t < cols.size(); ++t) row[t] = rows[r][cols[t]];
      b.push_back(std::move(row));
    }
    out.push_back(std::move(b));
  }
  return out;
}

std::string row_text(const Bits& r) {
  std::string s;
  for (bool x : r) s += x ? '1' : '0';
  return s;
}

/// A memo key: equal keys are the same block up to a ROW permutation only
/// (rows sorted, columns in the input's order), so a match found for one
/// holds for the other.
std::string memo_key(const Block& b) {
  std::vector<std::string> rs;
  for (const Bits& r : b) rs.push_back(row_text(r));
  std::sort(rs.begin(), rs.end());
  std::string k = std::to_string(b.size()) + "x" + std::to_string(b.empty() ? 0 : b.front().size());
  for (const auto& r : rs) k += "|" + r;
  return k;
}

Block from_support(const Support& s) {
  Block b(s.rows(), Bits(s.cols(), 0));
  for (idx i = 0; i < s.rows(); ++i)
    for (idx j = 0; j < s.cols(); ++j) b[i][j] = s(i, j) ? 1 : 0;
  return b;
}

Support to_support(const Block& b) {
  std::vector<std::string> rs;
  for (const Bits& r : b) rs.push_back(row_text(r));
  return Support::from_rows(rs);
}

std::vector<std::size_t> sorted_row_degrees(const Block& b) {
  std::vector<std::size_t> d;
  for (const Bits& r : b) d.push_back(count_ones(r));
  std::sort(d.begin(), d.end());
  return d;
}

std::vector<std::size_t> column_degrees(const Block& b) {
  std::vector<std::size_t> d(b.empty() ? 0 : b.front().size(), 0);
  for (const Bits& r : b)
    for (idx j = 0; j < r.size(); ++j) d[j] += r[j] ? 1 : 0;
  return d;
}

/// Searches a column bijection q (a's column j -> b's column q[j]) under which
/// the multisets of rows agree, by backtracking with the multiset of partial
/// rows as the pruning test; then builds the row bijection and verifies
/// b[p[i]][q[j]] == a[i][j] for every entry. True only after that
/// verification. `max_nodes` caps the search: past it the answer is false
/// (the caller then rejects, which is always sound).
bool equal_up_to_permutation(const Block& a, const Block& b, std::size_t max_nodes = 200000) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  const idx k = a.size(), c = a.front().size();
  if (b.front().size() != c) return false;
  for (const Bits& r : a)
    if (r.size() != c) return false;
  for (const Bits& r : b)
    if (r.size() != c) return false;
  if (sorted_row_degrees(a) != sorted_row_degrees(b)) return false;
  const auto da = column_degrees(a), db = column_degrees(b);
  {
    auto sa = da, sb = db;
    std::sort(sa.begin(), sa.end());
    std::sort(sb.begin(), sb.end());
    if (sa != sb) return false;
  }
  // Order a's columns so that each next one shares the most rows with those
  // before it (strong pruning early).
  std::vector<idx> order;
  std::vector<bool> placed(c, false);
  for (idx t = 0; t < c; ++t) {
    idx best = c;
    std::size_t best_shared = 0, best_deg = 0;
    for (idx j = 0; j < c; ++j) {
      if (placed[j]) continue;
      std::size_t shared = 0;
      for (idx i = 0; i < k; ++i) {
        if (!a[i][j]) continue;
        for (idx u : order)
          if (a[i][u]) {
            ++shared;
            break;
          }
      }
      if (best == c || shared > best_shared || (shared == best_shared && da[j] > best_deg)) {
        best = j;
        best_shared = shared;
        best_deg = da[j];
      }
    }
    placed[best] = true;
    order.push_back(best);
  }
  std::vector<idx> q(c, c);
  std::vector<bool> used(c, false);
  std::size_t nodes = 0;
  // Partial rows over the first t columns of `order` (a) and their images (b).
  auto partial_ok = [&](idx t) {
    std::vector<std::string> pa(k, std::string(t, '0')), pb(k, std::string(t, '0'));
    for (idx i = 0; i < k; ++i)
      for (idx s = 0; s < t; ++s) {
        if (a[i][order[s]]) pa[i][s] = '1';
        if (b[i][q[order[s]]]) pb[i][s] = '1';
      }
    std::sort(pa.begin(), pa.end());
    std::sort(pb.begin(), pb.end());
    return pa == pb;
  };
  auto verify = [&]() {
    std::vector<idx> p(k, k);
    std::vector<bool> taken(k, false);
    for (idx i = 0; i < k; ++i) {
      for (idx r = 0; r < k && p[i] == k; ++r) {
        if (taken[r]) continue;
        bool same = true;
        for (idx j = 0; j < c && same; ++j) same = b[r][q[j]] == a[i][j];
        if (same) {
          p[i] = r;
          taken[r] = true;
        }
      }
      if (p[i] == k) return false;
    }
    for (idx i = 0; i < k; ++i)
      for (idx j = 0; j < c; ++j)
        if (b[p[i]][q[j]] != a[i][j]) return false;
    return true;
  };
  std::function<bool(idx)> dfs = [&](idx t) -> bool {
    if (t == c) return verify();
    const idx ja = order[t];
    for (idx jb = 0; jb < c; ++jb) {
      if (used[jb] || db[jb] != da[ja]) continue;
      if (++nodes > max_nodes) return false;
      q[ja] = jb;
      used[jb] = true;
      if (partial_ok(t + 1) && dfs(t + 1)) return true;
      used[jb] = false;
      q[ja] = c;
    }
    return false;
  };
  return dfs(0);
}


/// Thm 7.4.2 condition (2) re-checked from the masks: every non-empty S of the
/// kept neurons H (masks 1 .. 2^|H| - 1, plain loop), reduced by reduce()
/// above; each block must be matched to a listed problem (full N_2 x k, B)
/// by an explicit permutation (e) whose closed certificate check_certificate
/// accepts. Extra listed problems are ignored (they prove nothing needed).
constexpr std::size_t kMaxCheckedSubsetNeurons = 24;

CheckResult check_subsets(const json& c, const ReluNetwork& net, const std::vector<idx>& H) {
  // What the verdict rests on: the weakest of the listed blocks' certificates.
  Trust weakest{TrustLevel::proof, "", "Thm 7.4.2's hypotheses re-derived; every block's certificate a proof"};
  const idx n0 = net.input_dim(), n2 = net.output_dim(), n = H.size();
  struct Listed {
    Support support;
    Block block;
    std::vector<std::size_t> rdeg, cdeg;  // sorted degrees: a cheap filter before the search
    const json* certificate = nullptr;
    int state = 0;  // 0 not yet checked, 1 certificate accepted, -1 rejected
    std::string why;
  };
  std::vector<Listed> listed;
  for (const auto& p : c.at("problems")) {
    std::vector<Support> f;
    for (const auto& s : p.at("factors")) f.push_back(support_from_json(s));
    if (f.size() != 2 || f[0].rows() != n2 || f[0].cols() != f[1].rows() || f[0].nnz() != n2 * f[1].rows())
      return {false, "a listed problem is not (full N_2 x k, block)"};
    Listed l;
    l.support = f[1];
    l.block = from_support(f[1]);
    l.rdeg = sorted_row_degrees(l.block);
    l.cdeg = column_degrees(l.block);
    std::sort(l.cdeg.begin(), l.cdeg.end());
    l.certificate = &p.at("certificate");
    listed.push_back(std::move(l));
  }
  const Support& I1 = net.layer(0);
  std::map<std::string, std::size_t> matched;  // memo key -> listed index
  std::uint64_t subsets = 0;
  const std::uint64_t end = std::uint64_t{1} << n;
  // The enumeration is bounded in time as exact re-checks are (checker.hpp,
  // CertificateCheckOptions::exact_query_seconds): a certificate whose
  // re-check does not finish within the cap is not verified, never passed --
  // so a crafted certificate cannot keep `certify` busy for hours.
  const auto started = std::chrono::steady_clock::now();
  const double cap = CertificateCheckOptions{}.exact_query_seconds;
  for (std::uint64_t mask = 1; mask < end; ++mask) {
    if ((mask & 0xfffu) == 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() > cap)
      return {false, "Thm 7.4.2: re-enumerating the " + std::to_string(end - 1) + " subsets ran past the checker's " +
                         std::to_string(static_cast<int>(cap)) + " s limit: certificate not verified"};
    std::vector<Bits> rows;  // one row per neuron of S: a multiset
    for (idx t = 0; t < n; ++t)
      if ((mask >> t) & 1u) {
        Bits r(n0, 0);
        for (idx j = 0; j < n0; ++j) r[j] = I1(H[t], j) ? 1 : 0;
        rows.push_back(std::move(r));
      }
    ++subsets;
    for (const Block& b : reduce(std::move(rows), n2)) {
      const std::string key = memo_key(b);
      if (matched.count(key)) continue;
      auto rdeg = sorted_row_degrees(b);
      auto cdeg = column_degrees(b);
      std::sort(cdeg.begin(), cdeg.end());
      std::string last_why;
      std::size_t found = listed.size();
      for (std::size_t li = 0; li < listed.size() && found == listed.size(); ++li) {
        Listed& l = listed[li];
        if (l.state < 0 || l.rdeg != rdeg || l.cdeg != cdeg || !equal_up_to_permutation(b, l.block)) continue;
        if (l.state == 0) {
          const CheckResult cr = check_nested_chain_certificate(*l.certificate, Closedness::closed,
                                                                {Support::full(n2, l.support.rows()), l.support});
          l.state = cr.ok ? 1 : -1;
          l.why = cr.reason;
          if (cr.ok && cr.trust.level < weakest.level) weakest = cr.trust;
        }
        if (l.state > 0) found = li;
        else last_why = l.why;
      }
      if (found == listed.size()) {
        std::string S;
        for (idx t = 0; t < n; ++t)
          if ((mask >> t) & 1u) S += (S.empty() ? "" : ",") + std::to_string(H[t] + 1);
        return {false, "subset {" + S + "}: its reduced block " + to_support(b).to_string() +
                           (last_why.empty() ? " matches no listed problem (up to row/column permutation)"
                                             : " matches only listed problems whose closed certificate fails: " + last_why)};
      }
      matched.emplace(key, found);
    }
  }
  std::set<std::size_t> used;
  for (const auto& [k, li] : matched) used.insert(li);
  return {true,
          "Thm 7.4.2: I_2 full on " + std::to_string(n) + " neurons; all " + std::to_string(subsets) +
              " subsets re-reduced by the checker's own code to " + std::to_string(matched.size()) +
              " blocks, matched by explicit permutations to " + std::to_string(used.size()) +
              " listed blocks, each with a re-verified closed certificate",
          weakest};
}

}  // namespace indep

}  // namespace

// ---------------------------------------------------------------------------
// Checker.

CheckResult check_network_certificate(const json& c, Closedness claimed) { return check_network_certificate(c, claimed, {}); }

namespace {
CheckResult check_network_routes(const json& c, Closedness claimed, const std::vector<Support>& expected_layers);
}

// The theorem routes re-derive their hypotheses from the masks (a proof);
// the L_I and Thm 7.4.2 routes carry the trust of the certificates inside.
CheckResult check_network_certificate(const json& c, Closedness claimed, const std::vector<Support>& expected_layers) {
  CheckResult r = check_network_routes(c, claimed, expected_layers);
  if (r.ok && r.trust.level == TrustLevel::none)
    r.trust = Trust{TrustLevel::proof, "", "the cited theorem's hypotheses re-derived from the masks"};
  return r;
}

namespace {
CheckResult check_network_routes(const json& c, Closedness claimed, const std::vector<Support>& expected_layers) {
  if (claimed == Closedness::unknown) return {false, "an unknown verdict proves nothing"};
  try {
    if (!c.is_object() || !c.contains("kind") || c["kind"] != "relu_network") return {false, "not a relu_network certificate"};
    std::vector<Support> layers;
    for (const auto& s : c.at("layers")) layers.push_back(support_from_json(s));
    if (!expected_layers.empty() && layers != expected_layers)
      return {false, "the certificate's layers are not the network's"};
    const ReluNetwork net(layers);
    const std::string thm = c.at("theorem").get<std::string>();
    const idx L = net.depth();
    if (thm == kThmFiniteNec || thm == kThmBoxNec) {
      if (claimed != Closedness::not_closed) return {false, thm + " proves non-closedness only"};
      const CheckResult cr = check_nested_chain_certificate(c.at("linear_certificate"), Closedness::not_closed,
                                                            net.linear_architecture().factors());
      if (!cr.ok) return {false, "the L_I certificate fails: " + cr.reason};
      return {true, thm + ": L_I not closed, re-verified: " + cr.reason, cr.trust};
    }
    if (claimed != Closedness::closed) return {false, thm + " proves closedness only"};
    if (thm == kAffine) {
      if (L != 1) return {false, "affine maps need L = 1"};
      return {true, "L = 1: F_I is a finite-dimensional linear space"};
    }
    if (L != 2) return {false, thm + " needs one hidden layer (L = 2), the masks give L = " + std::to_string(L)};
    const std::vector<idx> H = kept_neurons(net);
    if (thm == kConstant) {
      if (!H.empty()) return {false, "hidden neuron " + std::to_string(H.front() + 1) + " reaches the output"};
      return {true, "no hidden neuron has both a non-empty I_1 row and I_2 column: F_I is the constants"};
    }
    if (thm == kThmFiniteScalar || thm == kCorBoxScalar) {
      if (net.output_dim() != 1) return {false, thm + " needs N_2 = 1"};
      return {true, "L = 2 and N_2 = 1: the hypotheses of " + thm + " hold"};
    }
    if (thm == kCorDense || thm == kThmSubsets) {
      if (c.contains("kept_neurons") && c.at("kept_neurons").get<std::vector<idx>>() != H)
        return {false, "kept_neurons differ from the neurons recomputed from the masks"};
      if (H.empty()) return {false, "no neuron reaches the output"};
      if (!columns_full(net.layer(1), H)) return {false, "I_2 is not full on the neurons that matter (Thm 7.4.2 (1))"};
      if (thm == kCorDense) {
        if (!rows_full(net.layer(0), H)) return {false, "I_1 is not full on the neurons that matter"};
        return {true, "Cor 7.4.3: I_1 and I_2 full on the " + std::to_string(H.size()) + " neurons that matter"};
      }
      // network.hpp's producer stops at NetworkOptions::max_subset_neurons (20
      // by default); 2^24 subsets is the most this checker re-enumerates.
      if (H.size() > indep::kMaxCheckedSubsetNeurons)
        return {false, "Thm 7.4.2 over " + std::to_string(H.size()) + " kept neurons: more than the " +
                           std::to_string(indep::kMaxCheckedSubsetNeurons) + " whose subsets this checker re-enumerates"};
      return indep::check_subsets(c, net, H);
    }
    return {false, "unknown theorem '" + thm + "'"};
  } catch (const std::exception& e) {
    return {false, std::string("malformed relu_network certificate: ") + e.what()};
  }
}
}  // namespace

// ---------------------------------------------------------------------------
// review (forged certificates): the question, the kind and the domain of a
// network verdict (network.hpp, check_network_verdict). Without this, a
// box-only theorem certified a finite-data or overall "closed", and a
// certificate about the matrix chain [W1, W2] certified a network verdict
// (tests/decide/forged_certificates_test.cpp).
CheckResult check_network_verdict(const Verdict& v, const std::vector<Support>& expected_layers, NetworkDomain domain) {
  if (v.question != Question::closedness)
    return {false, "a network verdict answers the closedness question, this one " + std::string(to_string(v.question))};
  const json& c = v.certificate;
  if (!c.is_object() || !c.contains("kind") || c["kind"] != "relu_network")
    return {false, "a network verdict needs a relu_network certificate (a certificate about a matrix chain with the "
                   "same masks proves nothing about F_I)"};
  if (auto why = domain_refusal(c, v.closedness, domain)) return {false, *why};
  return check_network_certificate(c, v.closedness, expected_layers);
}

// ---------------------------------------------------------------------------
// Test hooks (the checker's side).

namespace network_detail {

namespace {
indep::Block bool_rows(const Support& s) { return indep::from_support(s); }
}  // namespace

std::vector<Support> checker_reduced_blocks(const Support& rows, std::size_t n2) {
  std::vector<Support> out;
  for (const auto& b : indep::reduce(bool_rows(rows), n2)) out.push_back(indep::to_support(b));
  return out;
}

bool blocks_equal_up_to_permutation(const Support& a, const Support& b) {
  return indep::equal_up_to_permutation(bool_rows(a), bool_rows(b));
}

}  // namespace network_detail

}  // namespace wellposed
