#include "wellposed/decide/detail/reductions.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>

#include "wellposed/algebra/detail/entry_polynomials.hpp"
#include "wellposed/algebra/rank_one.hpp"

namespace wellposed {

namespace {

using idx = std::size_t;

struct UnionFind {
  explicit UnionFind(idx n) : p(n) { std::iota(p.begin(), p.end(), idx{0}); }
  idx find(idx x) {
    while (p[x] != x) x = p[x] = p[p[x]];
    return x;
  }
  bool unite(idx a, idx b) {
    a = find(a), b = find(b);
    if (a == b) return false;
    p[b] = a;
    return true;
  }
  std::vector<idx> p;
};

std::vector<idx> dims_of(const std::vector<Support>& f) {
  std::vector<idx> d{f.front().rows()};
  for (const auto& s : f) d.push_back(s.cols());
  return d;
}

// reach[l][a][i]: row i (level 0) has a path to node a of level l.
using Reach = std::vector<std::vector<std::vector<bool>>>;

Reach rows_reaching(const std::vector<Support>& f) {
  const auto d = dims_of(f);
  Reach r(d.size());
  r[0].assign(d[0], std::vector<bool>(d[0], false));
  for (idx i = 0; i < d[0]; ++i) r[0][i][i] = true;
  for (idx l = 0; l < f.size(); ++l) {
    r[l + 1].assign(d[l + 1], std::vector<bool>(d[0], false));
    for (auto [a, b] : f[l].entries())
      for (idx i = 0; i < d[0]; ++i)
        if (r[l][a][i]) r[l + 1][b][i] = true;
  }
  return r;
}

// back[l][b][j]: node b of level l has a path to column j (level L).
Reach cols_reached(const std::vector<Support>& f) {
  const auto d = dims_of(f);
  const idx L = f.size();
  Reach r(d.size());
  r[L].assign(d[L], std::vector<bool>(d[L], false));
  for (idx j = 0; j < d[L]; ++j) r[L][j][j] = true;
  for (idx l = L; l-- > 0;) {
    r[l].assign(d[l], std::vector<bool>(d[L], false));
    for (auto [a, b] : f[l].entries())
      for (idx j = 0; j < d[L]; ++j)
        if (r[l + 1][b][j]) r[l][a][j] = true;
  }
  return r;
}

struct Edge {
  idx l, a, b;
};

}  // namespace

std::size_t MaskedChain::parameter_count() const {
  std::size_t n = 0;
  for (const auto& s : factors) n += s.nnz();
  return n;
}

Architecture MaskedChain::architecture() const { return Architecture(factors); }

nlohmann::json MaskedChain::to_json() const {
  nlohmann::json edges = nlohmann::json::array(), entries = nlohmann::json::array();
  for (idx l = 0; l < factors.size(); ++l)
    for (auto [a, b] : factors[l].entries())
      edges.push_back({l, original_index[l][a], original_index[l + 1][b]});
  for (auto [i, j] : mask.entries()) entries.push_back({original_index.front()[i], original_index.back()[j]});
  return {{"edges", edges}, {"entries", entries}};
}

MaskedChain as_masked_chain(const Architecture& arch) {
  MaskedChain c;
  c.factors = arch.factors();
  c.mask = Support::full(arch.rows(), arch.cols());
  for (auto d : arch.dims()) {
    std::vector<idx> id(d);
    std::iota(id.begin(), id.end(), idx{0});
    c.original_index.push_back(id);
  }
  return c;
}

nlohmann::json ClosednessReduction::to_json() const {
  nlohmann::json b = nlohmann::json::array();
  for (const auto& c : blocks) b.push_back(c.to_json());
  return {{"cec_inner", cec_inner}, {"blocks", b}};
}

std::vector<MaskedChain> drop_useless_and_split(const MaskedChain& in, bool split) {
  std::vector<Support> f = in.factors;
  const auto d = dims_of(f);
  const idx L = f.size();
  // (2) to a fixed point: removing an edge can make others useless.
  Reach fw, bw;
  for (bool changed = true; changed;) {
    changed = false;
    fw = rows_reaching(f);
    bw = cols_reached(f);
    for (idx l = 0; l < L; ++l)
      for (auto [a, b] : f[l].entries()) {
        bool useful = false;
        for (idx i = 0; i < d[0] && !useful; ++i) {
          if (!fw[l][a][i]) continue;
          for (idx j = 0; j < d[L] && !useful; ++j) useful = bw[l + 1][b][j] && in.mask(i, j);
        }
        if (!useful) {
          f[l].set(a, b, false);
          changed = true;
        }
      }
  }
  // Edges and the masked entries they occur in.
  std::vector<Edge> edges;
  for (idx l = 0; l < L; ++l)
    for (auto [a, b] : f[l].entries()) edges.push_back({l, a, b});
  if (edges.empty()) return {};
  UnionFind uf(edges.size());
  std::map<std::pair<idx, idx>, idx> first_edge;  // masked entry -> an edge occurring in it
  for (idx e = 0; e < edges.size(); ++e) {
    const auto& E = edges[e];
    for (idx i = 0; i < d[0]; ++i) {
      if (!fw[E.l][E.a][i]) continue;
      for (idx j = 0; j < d[L]; ++j) {
        if (!bw[E.l + 1][E.b][j] || !in.mask(i, j)) continue;
        auto [it, fresh] = first_edge.emplace(std::make_pair(i, j), e);
        if (!fresh && split) uf.unite(it->second, e);
        if (!split) uf.unite(0, e);
      }
    }
  }
  std::map<idx, std::vector<idx>> groups;
  for (idx e = 0; e < edges.size(); ++e) groups[uf.find(e)].push_back(e);
  std::vector<MaskedChain> out;
  for (const auto& [root, es] : groups) {
    std::vector<std::vector<bool>> used(L + 1);
    for (idx l = 0; l <= L; ++l) used[l].assign(d[l], false);
    for (idx e : es) used[edges[e].l][edges[e].a] = used[edges[e].l + 1][edges[e].b] = true;
    // Rows and columns: those of the block's masked entries.
    std::vector<bool> row_used(d[0], false), col_used(d[L], false);
    std::set<std::pair<idx, idx>> ents;
    for (const auto& [ij, e] : first_edge)
      if (uf.find(e) == root) {
        ents.insert(ij);
        row_used[ij.first] = col_used[ij.second] = true;
      }
    used[0] = row_used;
    used[L] = col_used;
    MaskedChain c;
    std::vector<std::vector<idx>> local(L + 1);
    for (idx l = 0; l <= L; ++l) {
      local[l].assign(d[l], static_cast<idx>(-1));
      std::vector<idx> orig;
      for (idx k = 0; k < d[l]; ++k)
        if (used[l][k]) {
          local[l][k] = orig.size();
          orig.push_back(in.original_index[l][k]);
        }
      c.original_index.push_back(orig);
    }
    for (idx l = 0; l < L; ++l) c.factors.emplace_back(c.original_index[l].size(), c.original_index[l + 1].size());
    for (idx e : es) {
      const auto& E = edges[e];
      // Edges from a row or to a column outside the block's entries cannot
      // exist: they would occur in one of its entries.
      c.factors[E.l].set(local[E.l][E.a], local[E.l + 1][E.b]);
    }
    c.mask = Support(c.original_index.front().size(), c.original_index.back().size());
    for (auto [i, j] : ents) c.mask.set(local[0][i], local[L][j]);
    out.push_back(std::move(c));
  }
  return out;
}

ClosednessReduction reduce_for_closedness(const Architecture& arch, const ReductionOptions& o) {
  ClosednessReduction r;
  MaskedChain c = as_masked_chain(arch);
  if (o.cec_quotient && arch.num_factors() == 2) {
    const CecTaxonomy tax = cec_taxonomy(arch.factor(0), arch.factor(1));
    if (!tax.T.empty()) {
      r.cec_inner = tax.T;
      for (idx k : tax.T) {
        for (idx i = 0; i < c.factors[0].rows(); ++i) c.factors[0].set(i, k, false);
        for (idx j = 0; j < c.factors[1].cols(); ++j) c.factors[1].set(k, j, false);
      }
      c.mask = c.mask.minus(tax.S_T);
      r.steps.push_back("CEC quotient: removed " + std::to_string(tax.T.size()) + " inner indices in " +
                        std::to_string(tax.complete_class.size()) + " complete classes, " +
                        std::to_string(tax.S_T.nnz()) + " entries of S_T");
    }
  }
  if (o.drop_useless || o.split_blocks) {
    r.blocks = drop_useless_and_split(c, o.split_blocks);
    r.steps.push_back("useless variables dropped; " + std::to_string(r.blocks.size()) + " independent block(s)");
  } else {
    r.blocks.push_back(c);
  }
  return r;
}

std::vector<Pivot> scaling_pivots(const MaskedChain& chain) {
  std::vector<Pivot> p;
  for (idx l = 0; l + 1 < chain.factors.size(); ++l) {
    const Support& left = chain.factors[l];
    const Support& right = chain.factors[l + 1];
    for (idx k = 0; k < left.cols(); ++k) {
      const auto rows = left.col_indices(k);
      if (!rows.empty()) {
        p.push_back({l, rows.front(), k});
        continue;
      }
      const auto cols = right.row_indices(k);
      if (!cols.empty()) p.push_back({l + 1, k, cols.front()});
    }
  }
  return p;
}

std::vector<std::pair<std::size_t, std::size_t>> spanning_forest(const Support& mask) {
  UnionFind uf(mask.rows() + mask.cols());
  std::vector<std::pair<idx, idx>> out;
  for (auto [i, j] : mask.entries())
    if (uf.unite(i, mask.rows() + j)) out.emplace_back(i, j);
  return out;
}

}  // namespace wellposed
