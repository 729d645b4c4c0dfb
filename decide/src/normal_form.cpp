// The "surjective-normal-forms" route: moves, tree search, leaf sentences,
// certificate form (proofs in normal_form.hpp).
#include "wellposed/decide/detail/normal_form.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <stdexcept>
#include <unordered_map>

#include "wellposed/algebra/detail/entry_polynomials.hpp"

namespace wellposed {

namespace {

using idx = std::size_t;
constexpr long npos = -1;

bool subset(const std::vector<idx>& a, const std::vector<idx>& b) {
  return std::includes(b.begin(), b.end(), a.begin(), a.end());
}

}  // namespace

NormalFormMoves normal_form_moves(const MaskedChain& chain) {
  const idx m = chain.rows(), n = chain.cols();
  const Support& first = chain.factors.front();
  const Support& last = chain.factors.back();
  // Entries with a path: the non-zero entry polynomials of the chain.
  const EntryPolynomials x = entry_polynomials(chain.architecture(), "x");
  auto path = [&](idx i, idx j) { return !x.at(i, j).is_zero(); };
  NormalFormMoves mv;
  mv.row_op.assign(m, std::vector<bool>(m, false));
  mv.col_op.assign(n, std::vector<bool>(n, false));
  for (idx k = 0; k < m; ++k)
    for (idx i = 0; i < m; ++i) {
      if (k == i || !subset(first.row_indices(k), first.row_indices(i))) continue;  // (R1)
      bool ok = true;
      for (idx j = 0; j < n && ok; ++j)
        if (chain.mask(i, j) && !chain.mask(k, j) && path(k, j)) ok = false;  // (R2)
      mv.row_op[k][i] = ok;
    }
  for (idx l = 0; l < n; ++l)
    for (idx j = 0; j < n; ++j) {
      if (l == j || !subset(last.col_indices(l), last.col_indices(j))) continue;  // (C1)
      bool ok = true;
      for (idx i = 0; i < m && ok; ++i)
        if (chain.mask(i, j) && !chain.mask(i, l) && path(i, l)) ok = false;  // (C2)
      mv.col_op[l][j] = ok;
    }
  return mv;
}

namespace {

// The memoized search. A state is a string of '0', '1', 'f' per mask entry.
class Search {
 public:
  Search(const MaskedChain& chain, const NormalFormOptions& o)
      : o_(o), E_(chain.mask.entries()), mv_(normal_form_moves(chain)), m_(chain.rows()), n_(chain.cols()) {
    pos_.assign(m_, std::vector<long>(n_, npos));
    for (idx p = 0; p < E_.size(); ++p) pos_[E_[p].first][E_[p].second] = static_cast<long>(p);
  }

  struct Best {
    double cost = 0;
    std::size_t leaves = 1;
    NormalFormNode::Move move = NormalFormNode::Move::leaf;
    idx entry = 0, from = 0, to = 0;
    bool scale_row = true;
  };

  const Best& solve(const std::string& s) {
    if (auto it = memo_.find(s); it != memo_.end()) return it->second;
    Best best;
    const auto f = static_cast<double>(std::count(s.begin(), s.end(), 'f'));
    best.cost = std::pow(o_.free_weight, f);
    if (memo_.size() < o_.max_states && f > 0) {
      auto better = [&](double c, std::size_t leaves) {
        return c < best.cost - 1e-9 || (c <= best.cost + 1e-9 && leaves < best.leaves);
      };
      // Eliminations: one child.
      for (idx k = 0; k < m_; ++k)
        for (idx i = 0; i < m_; ++i) {
          if (!mv_.row_op[k][i] || !row_legal(s, k, i)) continue;
          for (idx j0 = 0; j0 < n_; ++j0) {
            const long pk = pos_[k][j0], pi = pos_[i][j0];
            if (pk == npos || pi == npos || s[pk] != '1' || s[pi] != 'f') continue;
            std::string c = s;
            c[pi] = '0';
            const Best b = solve(c);
            if (better(b.cost, b.leaves)) best = {b.cost, b.leaves, NormalFormNode::Move::row_elim, idx(pi), k, i, true};
          }
        }
      for (idx l = 0; l < n_; ++l)
        for (idx j = 0; j < n_; ++j) {
          if (!mv_.col_op[l][j] || !col_legal(s, l, j)) continue;
          for (idx i0 = 0; i0 < m_; ++i0) {
            const long pl = pos_[i0][l], pj = pos_[i0][j];
            if (pl == npos || pj == npos || s[pl] != '1' || s[pj] != 'f') continue;
            std::string c = s;
            c[pj] = '0';
            const Best b = solve(c);
            if (better(b.cost, b.leaves)) best = {b.cost, b.leaves, NormalFormNode::Move::col_elim, idx(pj), l, j, true};
          }
        }
      // Branches: two children.
      for (idx p = 0; p < E_.size(); ++p) {
        if (s[p] != 'f') continue;
        const bool row_ok = no_one_in_row(s, E_[p].first), col_ok = no_one_in_col(s, E_[p].second);
        if (!row_ok && !col_ok) continue;
        std::string z = s, u = s;
        z[p] = '0';
        u[p] = '1';
        const Best bz = solve(z);
        const double cz = bz.cost;
        const std::size_t lz = bz.leaves;
        const Best bu = solve(u);
        if (better(cz + bu.cost, lz + bu.leaves))
          best = {cz + bu.cost, lz + bu.leaves, NormalFormNode::Move::branch, p, 0, 0, row_ok};
      }
    }
    return memo_.emplace(s, best).first->second;
  }

  NormalFormNode tree(const std::string& s, std::size_t& max_free) {
    const Best b = solve(s);
    NormalFormNode node;
    node.state = to_state(s);
    node.move = b.move;
    node.entry = b.entry;
    node.from = b.from;
    node.to = b.to;
    node.scale_row = b.scale_row;
    std::string c = s;
    switch (b.move) {
      case NormalFormNode::Move::leaf:
        max_free = std::max<std::size_t>(max_free, static_cast<std::size_t>(std::count(s.begin(), s.end(), 'f')));
        break;
      case NormalFormNode::Move::branch:
        c[b.entry] = '0';
        node.children.push_back(tree(c, max_free));
        c[b.entry] = '1';
        node.children.push_back(tree(c, max_free));
        break;
      default:
        c[b.entry] = '0';
        node.children.push_back(tree(c, max_free));
    }
    return node;
  }

 private:
  static std::vector<EntryState> to_state(const std::string& s) {
    std::vector<EntryState> st;
    for (char ch : s) st.push_back(ch == '0' ? EntryState::zero : ch == '1' ? EntryState::one : EntryState::free);
    return st;
  }
  // Every fixed entry (i, j) must have (k, j) outside the mask or fixed to 0.
  bool row_legal(const std::string& s, idx k, idx i) const {
    for (idx j = 0; j < n_; ++j) {
      const long pi = pos_[i][j];
      if (pi == npos || s[pi] == 'f') continue;
      const long pk = pos_[k][j];
      if (pk != npos && s[pk] != '0') return false;
    }
    return true;
  }
  bool col_legal(const std::string& s, idx l, idx j) const {
    for (idx i = 0; i < m_; ++i) {
      const long pj = pos_[i][j];
      if (pj == npos || s[pj] == 'f') continue;
      const long pl = pos_[i][l];
      if (pl != npos && s[pl] != '0') return false;
    }
    return true;
  }
  bool no_one_in_row(const std::string& s, idx i) const {
    for (idx j = 0; j < n_; ++j)
      if (pos_[i][j] != npos && s[pos_[i][j]] == '1') return false;
    return true;
  }
  bool no_one_in_col(const std::string& s, idx j) const {
    for (idx i = 0; i < m_; ++i)
      if (pos_[i][j] != npos && s[pos_[i][j]] == '1') return false;
    return true;
  }

  NormalFormOptions o_;
  std::vector<std::pair<idx, idx>> E_;
  NormalFormMoves mv_;
  idx m_, n_;
  std::vector<std::vector<long>> pos_;
  std::unordered_map<std::string, Best> memo_;
};

void collect(const NormalFormNode& n, std::vector<const NormalFormNode*>& out) {
  if (n.move == NormalFormNode::Move::leaf) out.push_back(&n);
  for (const auto& c : n.children) collect(c, out);
}

}  // namespace

bool build_normal_form_tree(const MaskedChain& chain, const NormalFormOptions& o, NormalFormTree& out,
                            std::string& why) {
  Search search(chain, o);
  const std::string root(chain.mask.nnz(), 'f');
  out = {};
  out.root = search.tree(root, out.max_free);
  out.leaves = normal_form_leaves(out).size();
  if (out.leaves > o.max_leaves) {
    why = "normal forms: the best tree found has " + std::to_string(out.leaves) + " leaves (limit " +
          std::to_string(o.max_leaves) + ")";
    return false;
  }
  return true;
}

std::vector<const NormalFormNode*> normal_form_leaves(const NormalFormTree& t) {
  std::vector<const NormalFormNode*> out;
  collect(t.root, out);
  return out;
}

Formula normal_form_leaf_sentence(const MaskedChain& chain, const std::vector<EntryState>& state,
                                  const MaskedSentenceOptions& o) {
  std::vector<std::optional<Rational>> fixed;
  for (EntryState s : state)
    fixed.push_back(s == EntryState::free ? std::nullopt
                                          : std::optional<Rational>(Rational(s == EntryState::one ? 1 : 0)));
  return partial_surjectivity_sentence(chain, fixed, o);
}

nlohmann::json normal_form_tree_json(const MaskedChain& chain, const NormalFormTree& t) {
  const auto E = chain.mask.entries();
  const auto& R = chain.original_index.front();
  const auto& C = chain.original_index.back();
  std::function<nlohmann::json(const NormalFormNode&)> node = [&](const NormalFormNode& n) {
    nlohmann::json zeros = nlohmann::json::array(), ones = nlohmann::json::array();
    for (idx p = 0; p < E.size(); ++p) {
      if (n.state[p] == EntryState::zero) zeros.push_back({R[E[p].first], C[E[p].second]});
      if (n.state[p] == EntryState::one) ones.push_back({R[E[p].first], C[E[p].second]});
    }
    nlohmann::json j = {{"zeros", zeros}, {"ones", ones}};
    switch (n.move) {
      case NormalFormNode::Move::leaf: j["move"] = "leaf"; break;
      case NormalFormNode::Move::branch:
        j["move"] = "branch";
        j["entry"] = {R[E[n.entry].first], C[E[n.entry].second]};
        j["scale"] = n.scale_row ? "row" : "col";
        j["zero"] = node(n.children.at(0));
        j["one"] = node(n.children.at(1));
        break;
      case NormalFormNode::Move::row_elim:
        j["move"] = "row_elim";
        j["from"] = R[n.from];
        j["to"] = R[n.to];
        j["pivot"] = C[E[n.entry].second];
        j["child"] = node(n.children.at(0));
        break;
      case NormalFormNode::Move::col_elim:
        j["move"] = "col_elim";
        j["from"] = C[n.from];
        j["to"] = C[n.to];
        j["pivot"] = R[E[n.entry].first];
        j["child"] = node(n.children.at(0));
        break;
    }
    return j;
  };
  return node(t.root);
}

}  // namespace wellposed
