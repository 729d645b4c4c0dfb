#include "wellposed/decide/export.hpp"

#include <functional>
#include <map>
#include <set>
#include <stdexcept>

#include "wellposed/algebra/detail/sentences.hpp"
#include "wellposed/decide/detail/reductions.hpp"

namespace wellposed {

namespace {

// Block sentences use the same variable names; rename them apart per block.
Formula renamed(const Formula& f, std::size_t block) {
  if (block == 0) return f;
  // Sentences have no free variables: prefix every bound name through to_prenex's
  // renaming would not help, so rebuild by substituting names in the prenex form.
  const PrenexForm p = to_prenex(f);
  std::map<Variable, Variable> ren;
  for (const auto& [q, v] : p.prefix) ren.emplace(v, Variable::named("b" + std::to_string(block) + "_" + v.name()));
  std::function<Formula(const Formula&)> go = [&](const Formula& g) -> Formula {
    using K = Formula::Kind;
    switch (g.kind()) {
      case K::truth:
      case K::falsity: return g;
      case K::atom: return Formula::atom(g.polynomial().rename(ren), g.relation());
      case K::negation: return Formula::negation(go(g.body()));
      case K::conjunction:
      case K::disjunction: {
        std::vector<Formula> ch;
        for (const auto& c : g.children()) ch.push_back(go(c));
        return g.kind() == K::conjunction ? Formula::conjunction(ch) : Formula::disjunction(ch);
      }
      default: throw std::logic_error("export: prenex matrix has a quantifier");
    }
  };
  Formula out = go(p.matrix);
  for (auto it = p.prefix.rbegin(); it != p.prefix.rend(); ++it)
    out = it->first == Quantifier::exists ? Formula::exists({ren.at(it->second)}, out)
                                          : Formula::forall({ren.at(it->second)}, out);
  return out;
}

std::string meaning(SentenceKind k) {
  switch (k) {
    case SentenceKind::non_closedness: return "TRUE (sat) iff L_I is NOT closed: ill-posed (Lemma 3.2.16)";
    case SentenceKind::well_posedness: return "TRUE (sat) iff L_I is closed: well-posed for every target";
    case SentenceKind::asymptotic_cone:
      return "FALSE (unsat) => L_I is closed (asymptotic-cone criterion); TRUE proves nothing";
  }
  return "";
}

std::string render(const Formula& f, ExportFormat format, const std::string& comment) {
  if (format == ExportFormat::smtlib2) {
    SmtLib2Options o;
    o.comment = comment + "\nproducts read left to right: A = X_1 X_2 ... X_L";
    return to_smtlib2(f, o);
  }
  QepcadOptions o;
  o.description = comment;
  return to_qepcad(f, o);
}

}  // namespace

Formula export_formula(const Architecture& arch, SentenceKind kind, bool reduce) {
  if (kind == SentenceKind::asymptotic_cone) {
    if (arch.num_factors() != 2) throw std::invalid_argument("export: the asymptotic-cone query needs two factors");
    if (!reduce) return asymptotic_cone_formula(as_masked_chain(arch));
    const auto red = reduce_for_closedness(arch);
    std::vector<Formula> parts;
    for (std::size_t b = 0; b < red.blocks.size(); ++b) parts.push_back(renamed(asymptotic_cone_formula(red.blocks[b]), b));
    return Formula::disjunction(parts);
  }
  if (!reduce)
    return kind == SentenceKind::non_closedness ? non_closedness_sentence(arch, ResidualForm::entrywise)
                                                : well_posedness_sentence(arch);
  const auto red = reduce_for_closedness(arch);
  std::vector<Formula> parts;
  for (std::size_t b = 0; b < red.blocks.size(); ++b)
    parts.push_back(renamed(masked_non_closedness_sentence(red.blocks[b]), b));
  const Formula nc = Formula::disjunction(parts);
  return kind == SentenceKind::non_closedness ? nc : !nc;
}

std::string export_sentence(const Architecture& arch, ExportFormat format, SentenceKind kind, bool reduce) {
  const std::string what = "wellposed export" + (arch.name().empty() ? std::string() : " of " + arch.name()) +
                           (reduce ? " (reduced)" : "") + ": " + meaning(kind);
  return render(export_formula(arch, kind, reduce), format, what);
}

std::string export_membership(const Architecture& arch, const RationalMatrix& A, ExportFormat format, bool reduce) {
  Formula f;
  if (!reduce) {
    f = membership_sentence(arch, A);
  } else {
    std::vector<Formula> parts;
    const auto blocks = drop_useless_and_split(as_masked_chain(arch), true);
    std::set<std::pair<std::size_t, std::size_t>> covered;
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      const auto& c = blocks[b];
      RationalMatrix a(c.rows(), c.cols());
      for (std::size_t i = 0; i < c.rows(); ++i)
        for (std::size_t j = 0; j < c.cols(); ++j) {
          a(i, j) = A(c.original_index.front()[i], c.original_index.back()[j]);
          if (c.mask(i, j)) covered.emplace(c.original_index.front()[i], c.original_index.back()[j]);
        }
      parts.push_back(renamed(masked_membership_sentence(c, a), b));
    }
    for (std::size_t i = 0; i < A.rows(); ++i)
      for (std::size_t j = 0; j < A.cols(); ++j)
        if (A(i, j) != 0 && !covered.count({i, j})) parts.push_back(Formula::falsity());
    f = Formula::conjunction(parts);
  }
  return render(f, format, "wellposed membership: TRUE (sat) iff A is in L_I");
}

}  // namespace wellposed
