// Independent checker of the exact route (see exact_checker.hpp). Re-derives
// everything from the masks and re-runs Z3 on queries it builds itself.
#include "wellposed/decide/exact_checker.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

#include <z3++.h>

namespace wellposed {

namespace {

using json = nlohmann::json;
using idx = std::size_t;
using Cell = std::pair<idx, idx>;

std::atomic<double> g_query_seconds{60.0};

struct Bad : std::runtime_error {
  using std::runtime_error::runtime_error;
};
void need(bool c, const std::string& why) {
  if (!c) throw Bad(why);
}

idx index_of(const json& j) {
  need(j.is_number_unsigned() || (j.is_number_integer() && j.get<long long>() >= 0), "an index must be a non-negative integer");
  return j.get<idx>();
}

// rows_to[l][a]: rows of level 0 with a path to node a of level l (all edges).
std::vector<std::vector<std::set<idx>>> forward(const std::vector<Support>& f) {
  std::vector<std::vector<std::set<idx>>> r(f.size() + 1);
  r[0].resize(f[0].rows());
  for (idx i = 0; i < f[0].rows(); ++i) r[0][i].insert(i);
  for (idx l = 0; l < f.size(); ++l) {
    r[l + 1].resize(f[l].cols());
    for (idx a = 0; a < f[l].rows(); ++a)
      for (idx b = 0; b < f[l].cols(); ++b)
        if (f[l](a, b)) r[l + 1][b].insert(r[l][a].begin(), r[l][a].end());
  }
  return r;
}
std::vector<std::vector<std::set<idx>>> backward(const std::vector<Support>& f) {
  const idx L = f.size();
  std::vector<std::vector<std::set<idx>>> r(L + 1);
  r[L].resize(f[L - 1].cols());
  for (idx j = 0; j < f[L - 1].cols(); ++j) r[L][j].insert(j);
  for (idx l = L; l-- > 0;) {
    r[l].resize(f[l].rows());
    for (idx a = 0; a < f[l].rows(); ++a)
      for (idx b = 0; b < f[l].cols(); ++b)
        if (f[l](a, b)) r[l][a].insert(r[l + 1][b].begin(), r[l + 1][b].end());
  }
  return r;
}

struct Block {
  std::vector<std::array<idx, 3>> edges;
  std::vector<Cell> entries;
};

// Watchdog + tactic: sat / unsat / unknown of the existential closure.
z3::check_result solve(z3::context& c, const z3::expr& e, bool quantified, std::string& why) {
  const double seconds = g_query_seconds.load();
  const unsigned ms = static_cast<unsigned>(seconds * 1000);
  z3::solver s = z3::try_for(z3::tactic(c, quantified ? "nlqsat" : "qfnra-nlsat"), ms).mk_solver();
  s.add(e);
  std::mutex m;
  std::condition_variable cv;
  bool stop = false;
  std::thread dog([&] {
    std::unique_lock lock(m);
    if (!cv.wait_for(lock, std::chrono::duration<double>(seconds + 1), [&] { return stop; })) c.interrupt();
  });
  z3::check_result r = z3::unknown;
  try {
    r = s.check();
    if (r == z3::unknown) why = s.reason_unknown();
  } catch (const z3::exception& ex) {
    why = ex.msg();
  }
  {
    std::lock_guard lock(m);
    stop = true;
  }
  cv.notify_all();
  dog.join();
  return r;
}

class BlockQueries {
 public:
  BlockQueries(z3::context& c, const Block& b, idx L, const std::string& prefix) : c_(c), b_(b), L_(L) {
    for (const auto& e : b.edges) {
      const std::string name = prefix + std::to_string(e[0]) + "_" + std::to_string(e[1]) + "_" + std::to_string(e[2]);
      z3::expr v = c.real_const(name.c_str());
      x_.emplace(e, v);
      vars_.push_back(v);
    }
  }
  // The entry polynomial P_ij restricted to the block's edges (path sums).
  z3::expr entry(idx i, idx j) const {
    std::map<idx, z3::expr> cur;
    cur.emplace(i, c_.real_val(1));
    for (idx l = 0; l < L_; ++l) {
      std::map<idx, z3::expr> next;
      for (const auto& [e, v] : x_) {
        if (e[0] != l) continue;
        auto it = cur.find(e[1]);
        if (it == cur.end()) continue;
        auto jt = next.find(e[2]);
        if (jt == next.end()) next.emplace(e[2], it->second * v);
        else jt->second = jt->second + it->second * v;
      }
      cur = std::move(next);
    }
    auto it = cur.find(j);
    return it == cur.end() ? c_.real_val(0) : it->second;
  }
  const z3::expr_vector& vars() const { return vars_; }
  const std::map<std::array<idx, 3>, z3::expr>& x() const { return x_; }

 private:
  z3::context& c_;
  const Block& b_;
  idx L_;
  std::map<std::array<idx, 3>, z3::expr> x_;
  z3::expr_vector vars_{c_};
};

z3::expr conj(z3::context& c, const std::vector<z3::expr>& v) {
  z3::expr_vector ev(c);
  for (const auto& e : v) ev.push_back(e);
  return ev.empty() ? c.bool_val(true) : z3::mk_and(ev);
}

z3::expr num(z3::context& c, const std::string& q) { return c.real_val(q.c_str()); }

// "forall eps > 0 exists X: |P - a| < eps" with a given as numerals or constants.
z3::expr closure(z3::context& c, const Block& b, idx L, const std::map<Cell, z3::expr>& a) {
  BlockQueries q(c, b, L, "cp");
  z3::expr eps = c.real_const("ceps");
  std::vector<z3::expr> close;
  for (const auto& ij : b.entries) {
    const z3::expr d = q.entry(ij.first, ij.second) - a.at(ij);
    close.push_back(d < eps);
    close.push_back(-d < eps);
  }
  z3::expr_vector e(c);
  e.push_back(eps);
  return z3::forall(e, z3::implies(eps > 0, z3::exists(q.vars(), conj(c, close))));
}

z3::expr reached(z3::context& c, const Block& b, idx L, const std::map<Cell, z3::expr>& a, const BlockQueries& q) {
  std::vector<z3::expr> eqs;
  for (const auto& ij : b.entries) eqs.push_back(q.entry(ij.first, ij.second) == a.at(ij));
  (void)L;
  return conj(c, eqs);
}

std::string check_sentence(const Block& b, idx L, bool expect_true) {
  z3::context c;
  std::map<Cell, z3::expr> a;
  z3::expr_vector avars(c);
  for (const auto& ij : b.entries) {
    z3::expr v = c.real_const(("ca" + std::to_string(ij.first) + "_" + std::to_string(ij.second)).c_str());
    a.emplace(ij, v);
    avars.push_back(v);
  }
  BlockQueries q(c, b, L, "cx");
  const z3::expr body = z3::forall(q.vars(), !reached(c, b, L, a, q)) && closure(c, b, L, a);
  std::string why;
  const auto r = solve(c, body, true, why);
  need(r != z3::unknown, "re-deciding the block's Lemma 3.2.16 sentence: z3 unknown (" + why + ")");
  need((r == z3::sat) == expect_true, std::string("the block's Lemma 3.2.16 sentence is ") +
                                          (r == z3::sat ? "TRUE" : "FALSE") + ", the certificate claims otherwise");
  return expect_true ? "block sentence re-decided TRUE" : "block sentence re-decided FALSE";
}

std::string check_cone(const Block& b, idx L) {
  need(L == 2, "the asymptotic-cone route needs two factors");
  z3::context c;
  BlockQueries q(c, b, L, "cz");
  // Classes of the block's inner indices: same (rows, cols) within the block.
  std::map<idx, std::pair<std::set<idx>, std::set<idx>>> rc;
  for (const auto& e : b.edges) {
    if (e[0] == 0) rc[e[2]].first.insert(e[1]);
    else rc[e[1]].second.insert(e[2]);
  }
  std::map<std::pair<std::set<idx>, std::set<idx>>, std::vector<idx>> classes;
  for (const auto& [k, v] : rc) classes[v].push_back(k);
  std::vector<z3::expr> parts;
  for (const auto& ij : b.entries) parts.push_back(q.entry(ij.first, ij.second) == 0);
  z3::expr_vector some(c);
  for (const auto& [RC, ks] : classes)
    for (idx i : RC.first)
      for (idx j : RC.second) {
        z3::expr z = c.real_val(0);
        for (idx k : ks) z = z + q.x().at({0, i, k}) * q.x().at({1, k, j});
        some.push_back(z == 1);
      }
  if (some.empty()) return "block has no rank-one class: trivially closed";
  parts.push_back(z3::mk_or(some));
  std::string why;
  const auto r = solve(c, conj(c, parts), false, why);
  need(r != z3::unknown, "re-deciding the asymptotic-cone query: z3 unknown (" + why + ")");
  need(r == z3::unsat, "the asymptotic-cone query is satisfiable: it proves nothing");
  return "asymptotic-cone query re-decided UNSAT (" + std::to_string(classes.size()) + " classes)";
}

std::string check_surjective(const Block& b, idx L) {
  z3::context c;
  std::map<Cell, z3::expr> a;
  z3::expr_vector avars(c);
  for (const auto& ij : b.entries) {
    z3::expr v = c.real_const(("cs" + std::to_string(ij.first) + "_" + std::to_string(ij.second)).c_str());
    a.emplace(ij, v);
    avars.push_back(v);
  }
  BlockQueries q(c, b, L, "cy");
  std::string why;
  const auto r = solve(c, z3::forall(avars, z3::exists(q.vars(), reached(c, b, L, a, q))), true, why);
  need(r != z3::unknown, "re-deciding surjectivity: z3 unknown (" + why + ")");
  need(r == z3::sat, "the block's set is not the whole coordinate space");
  return "surjectivity (forall a exists X) re-decided TRUE";
}

std::string check_witness(const Block& b, idx L, const json& w) {
  need(w.is_array(), "witness must be an array of [i, j, \"v\"]");
  z3::context c;
  std::map<Cell, z3::expr> a;
  for (const auto& ij : b.entries) a.emplace(ij, c.real_val(0));
  for (const auto& t : w) {
    need(t.is_array() && t.size() == 3 && t[2].is_string(), "witness entries are [i, j, \"v\"]");
    const Cell ij{index_of(t[0]), index_of(t[1])};
    need(a.count(ij) == 1, "witness entry outside the block");
    const std::string v = t[2].get<std::string>();
    need(!v.empty() && v.find_first_not_of("-0123456789/") == std::string::npos, "witness value is not a rational");
    a.at(ij) = num(c, v);
  }
  {
    BlockQueries q(c, b, L, "cm");
    std::string why;
    const auto r = solve(c, z3::exists(q.vars(), reached(c, b, L, a, q)), false, why);
    need(r != z3::unknown, "re-deciding 'A not in the block's set': z3 unknown (" + why + ")");
    need(r == z3::unsat, "the witness IS a product (z3 sat): not a non-closedness witness");
  }
  std::string why;
  const auto r = solve(c, closure(c, b, L, a), true, why);
  need(r != z3::unknown, "re-deciding 'A in the closure': z3 unknown (" + why + ")");
  need(r == z3::sat, "the witness is not in the closure (z3: the closure sentence is FALSE)");
  return "witness re-checked: not a product (z3 unsat), in the closure (z3 TRUE)";
}

std::string check(const json& c, Closedness claimed, const std::vector<Support>& f) {
  const std::string kind = c.at("kind").get<std::string>();
  need(kind == "exact_closed" || kind == "exact_not_closed", "unknown exact certificate kind '" + kind + "'");
  const Closedness proves = kind == "exact_closed" ? Closedness::closed : Closedness::not_closed;
  need(proves == claimed, "a '" + kind + "' certificate proves " + std::string(to_string(proves)) +
                              ", the verdict claims " + std::string(to_string(claimed)));
  const idx L = f.size();
  need(L >= 2, "the exact route speaks about L >= 2");
  const json& red = c.at("reduction");
  // (1) complete classes.
  std::set<idx> cec;
  for (const auto& k : red.at("cec_inner")) cec.insert(index_of(k));
  std::set<Cell> S_T;
  if (!cec.empty()) {
    need(L == 2, "complete classes are for two factors");
    auto rows_of = [&](idx k) {
      std::vector<idx> r;
      for (idx i = 0; i < f[0].rows(); ++i)
        if (f[0](i, k)) r.push_back(i);
      return r;
    };
    auto cols_of = [&](idx k) {
      std::vector<idx> r;
      for (idx j = 0; j < f[1].cols(); ++j)
        if (f[1](k, j)) r.push_back(j);
      return r;
    };
    for (idx k : cec) {
      need(k < f[0].cols(), "complete-class index out of range");
      const auto R = rows_of(k), C = cols_of(k);
      idx size = 0;
      for (idx k2 : cec)
        if (rows_of(k2) == R && cols_of(k2) == C) ++size;
      need(size >= std::min(R.size(), C.size()), "inner index " + std::to_string(k) + " is not in a complete class");
      for (idx i : R)
        for (idx j : C) S_T.insert({i, j});
    }
  }
  // (2), (3) blocks.
  std::vector<Block> blocks;
  std::map<std::array<idx, 3>, idx> edge_block;
  std::map<Cell, idx> entry_block;
  for (const auto& bj : red.at("blocks")) {
    Block b;
    for (const auto& e : bj.at("edges")) {
      need(e.is_array() && e.size() == 3, "an edge is [l, r, c]");
      const std::array<idx, 3> E{index_of(e[0]), index_of(e[1]), index_of(e[2])};
      need(E[0] < L && E[1] < f[E[0]].rows() && E[2] < f[E[0]].cols() && f[E[0]](E[1], E[2]),
           "a block edge is not in the supports");
      if (L == 2) need(!cec.count(E[0] == 0 ? E[2] : E[1]), "a block edge belongs to a complete class");
      need(edge_block.emplace(E, blocks.size()).second, "an edge is in two blocks");
      b.edges.push_back(E);
    }
    for (const auto& e : bj.at("entries")) {
      need(e.is_array() && e.size() == 2, "an entry is [i, j]");
      const Cell ij{index_of(e[0]), index_of(e[1])};
      need(ij.first < f.front().rows() && ij.second < f.back().cols(), "a block entry is out of range");
      need(!S_T.count(ij), "a block entry lies in S_T");
      need(entry_block.emplace(ij, blocks.size()).second, "an entry is in two blocks");
      b.entries.push_back(ij);
    }
    blocks.push_back(std::move(b));
  }
  const auto fw = forward(f);
  const auto bw = backward(f);
  for (idx l = 0; l < L; ++l)
    for (idx a = 0; a < f[l].rows(); ++a)
      for (idx b = 0; b < f[l].cols(); ++b) {
        if (!f[l](a, b)) continue;
        if (L == 2 && cec.count(l == 0 ? b : a)) continue;  // its entries lie in S_T
        auto it = edge_block.find({l, a, b});
        for (idx i : fw[l][a])
          for (idx j : bw[l + 1][b]) {
            if (S_T.count({i, j})) continue;
            need(it != edge_block.end(), "edge (" + std::to_string(l) + ", " + std::to_string(a) + ", " +
                                              std::to_string(b) + ") occurs in entry (" + std::to_string(i) + ", " +
                                              std::to_string(j) + ") but is in no block");
            auto eb = entry_block.find({i, j});
            need(eb != entry_block.end() && eb->second == it->second,
                 "an edge occurs in an entry outside its block: the blocks are not independent");
          }
      }
  std::string out = "reduction re-verified (" + std::to_string(cec.size()) + " complete-class indices, " +
                    std::to_string(blocks.size()) + " independent blocks)";
  if (kind == "exact_not_closed") {
    const idx bi = index_of(c.at("block"));
    need(bi < blocks.size(), "block index out of range");
    const json& w = c.at("witness");
    return out + "; block " + std::to_string(bi) + ": " +
           (w.is_null() ? check_sentence(blocks[bi], L, true) : check_witness(blocks[bi], L, w));
  }
  const json& by = c.at("closed_by");
  need(by.is_array() && by.size() == blocks.size(), "closed_by must name a route per block");
  for (idx bi = 0; bi < blocks.size(); ++bi) {
    const std::string route = by[bi].get<std::string>();
    if (route == "asymptotic-cone") out += "; block " + std::to_string(bi) + ": " + check_cone(blocks[bi], L);
    else if (route == "surjective") out += "; block " + std::to_string(bi) + ": " + check_surjective(blocks[bi], L);
    else if (route == "sentence") out += "; block " + std::to_string(bi) + ": " + check_sentence(blocks[bi], L, false);
    else need(false, "unknown closedness route '" + route + "'");
  }
  return out;
}

}  // namespace

void set_exact_checker_query_seconds(double seconds) { g_query_seconds = seconds; }

CheckResult check_exact_certificate(const nlohmann::json& certificate, Closedness claimed,
                                    const std::vector<Support>& factors) {
  try {
    return {true, check(certificate, claimed, factors)};
  } catch (const Bad& e) {
    return {false, e.what()};
  } catch (const std::exception& e) {
    return {false, std::string("malformed exact certificate: ") + e.what()};
  }
}

}  // namespace wellposed
