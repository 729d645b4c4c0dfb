// The one place where explanations are written (explain.hpp, issue 23 item 1).
#include "wellposed/decide/explain.hpp"

#include <regex>
#include <sstream>

namespace wellposed {

namespace {

using json = nlohmann::json;

const char* kTheory = "docs/theory.md#";

std::string see(const std::string& anchor) { return anchor.empty() ? "" : " (see " + std::string(kTheory) + anchor + ")"; }

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }
bool has(const std::string& s, const char* p) { return s.find(p) != std::string::npos; }

std::string set_str(const std::vector<std::size_t>& v, std::size_t max_shown = 8) {
  std::string s = "{";
  for (std::size_t i = 0; i < v.size() && i < max_shown; ++i) s += (i ? "," : "") + std::to_string(v[i]);
  if (v.size() > max_shown) s += ",... (" + std::to_string(v.size()) + " in all)";
  return s + "}";
}

std::vector<std::size_t> idx_list(const json& j) {
  std::vector<std::size_t> out;
  if (j.is_array())
    for (const auto& x : j)
      if (x.is_number_unsigned() || x.is_number_integer()) out.push_back(x.get<std::size_t>());
  return out;
}

// The innermost certificate of "reduced" wrappers, and how many permutation
// factors were absorbed on the way.
const json& unwrap(const json& c, std::size_t& absorbed) {
  const json* p = &c;
  absorbed = 0;
  while (p->is_object() && p->value("kind", "") == "reduced" && p->contains("inner")) {
    if (p->contains("steps") && p->at("steps").is_array()) absorbed += p->at("steps").size();
    p = &p->at("inner");
  }
  return *p;
}

std::string absorbed_note(std::size_t absorbed) {
  if (absorbed == 0) return "";
  return " after merging " + std::to_string(absorbed) +
         " permutation-pattern factor(s) into their neighbours (the same product set; indices of the merged pair)";
}

std::string family_sentence(const std::string& family, const Architecture* arch) {
  if (family == "zero_factor") {
    std::string which;
    if (arch)
      for (std::size_t l = 0; l < arch->num_factors(); ++l)
        if (arch->factor_shape(l).nnz == 0) {
          which = "X_" + std::to_string(l + 1);
          break;
        }
    return "factor " + (which.empty() ? std::string("some factor") : which) +
           " has no allowed entry, so every product is 0";
  }
  if (family == "single_factor") return "a single factor: the products are all matrices on its support, a linear subspace";
  if (family == "vector_end") return "the product is a vector, so the products form a linear subspace";
  if (family == "inner_one") {
    std::string which;
    if (arch) {
      const auto d = arch->dims();
      for (std::size_t l = 1; l + 1 < d.size(); ++l)
        if (d[l] == 1) {
          which = " between X_" + std::to_string(l) + " and X_" + std::to_string(l + 1);
          break;
        }
    }
    return "an inner dimension" + which + " is 1, so the products are the rank-1 matrices on a rectangle, a closed set";
  }
  if (family == "full_supports")
    return "every support is full, so the products are exactly the matrices of bounded rank, a closed set";
  return "a trivial family (" + family + ")";
}

std::string lu_sentence(const json& c, std::size_t absorbed, const char* rows_word, const char* cols_word,
                        const char* unit_word, const char* unit_suffix = "") {
  const json& p = c.at("indices");
  const auto i1 = p.at("i1").get<std::size_t>(), i2 = p.at("i2").get<std::size_t>();
  const auto j1 = p.at("j1").get<std::size_t>(), j2 = p.at("j2").get<std::size_t>();
  const auto k = p.at("k").get<std::size_t>(), l = p.at("l").get<std::size_t>();
  std::ostringstream os;
  os << "e.g. the 2x2 pattern at " << rows_word << " {" << i1 << "," << i2 << "} x " << cols_word << " {" << j1 << ","
     << j2 << "} through " << unit_word << " " << k << unit_suffix << " (and " << l << "; indices 0-based)" << absorbed_note(absorbed)
     << " behaves like LU: the target with 1 at (" << i1 << "," << j2 << ") and (" << i2 << "," << j1
     << ") is a limit of products but not a product";
  return os.str();
}

std::string exact_closed_sentence(const Verdict& v) {
  const json& c = v.certificate;
  std::size_t blocks = 0;
  if (c.is_object() && c.contains("reduction") && c["reduction"].contains("blocks") && c["reduction"]["blocks"].is_array())
    blocks = c["reduction"]["blocks"].size();
  if (v.method == "exact: reduction" || blocks == 0)
    return "well-posed: after exact reductions the products form a linear subspace (every target has a best "
           "approximation); proved by exact computation" + see("exact-reductions");
  std::string routes = v.method.size() > 7 ? v.method.substr(7) : v.method;
  return "well-posed: every target has a best approximation; the problem splits exactly into " + std::to_string(blocks) +
         " independent block(s) and each was proved closed by exact computation (" + routes + ")" + see("exact-route");
}

std::string exact_not_closed_sentence(const Verdict& v) {
  const json& c = v.certificate;
  std::string example;
  if (c.is_object() && c.contains("witness") && c["witness"].is_array() && !c["witness"].empty()) {
    std::string nz;
    std::size_t shown = 0;
    for (const auto& e : c["witness"]) {
      if (!e.is_array() || e.size() != 3 || !e[2].is_string() || e[2].get<std::string>() == "0") continue;
      if (shown++ < 6)
        nz += (nz.empty() ? "" : ", ") + std::string("(") + std::to_string(e[0].get<std::size_t>()) + "," +
              std::to_string(e[1].get<std::size_t>()) + ")=" + e[2].get<std::string>();
    }
    if (shown > 6) nz += ", ...";
    example = "; e.g. the target with " + (nz.empty() ? std::string("all entries 0 on the block") : nz) +
              " (0-based row,column) is a limit of products but not a product";
  } else {
    example = "; a target in the closure of the products but not a product exists (proved by the decision sentence)";
  }
  std::string anchor = "exact-route";
  if (has(v.method, "tangent-sequence")) anchor = "tangent-sequence";
  else if (has(v.method, "witness-search")) anchor = "witness-search";
  else if (has(v.method, "sentence")) anchor = "decision-sentence";
  return "ill-posed: some targets have no best approximation" + example + "; proved by exact computation (" + v.method +
         ")" + see(anchor);
}

std::string unknown_sentence(const Verdict& v, const Architecture* arch) {
  const std::string& r = v.reason;
  static const std::regex limit(R"((\d+) parameters exceed the exact route's limit of (\d+))");
  std::smatch m;
  if (has(r, "withheld"))
    return "unknown: a verdict was found but withheld because it rests on less than the required trust level" +
           see("trust");
  if (starts_with(r, "certificate not verified within the budget"))
    return "unknown: a verdict was found but its certificate could not be re-checked within the time budget; try a "
           "larger --timeout" + see("unknown");
  if (has(r, "internal error"))
    return "unknown: a certificate was rejected by the independent checker (an internal error, please report it)" +
           see("unknown");
  if (std::regex_search(r, m, limit))
    return "unknown: no sufficient condition holds and the exact route is limited to " + m[2].str() +
           " parameters; this architecture has " + m[1].str() + see("unknown");
  if (has(r, "mask-based detectors were skipped") || has(r, "would take"))
    return "unknown: no structural condition holds and the masks are too large to build for the other tests" +
           see("unknown");
  if (has(r, "no time left"))
    return "unknown: no sufficient condition holds and no time was left for the exact route; try a larger --timeout" +
           see("unknown");
  if (has(r, "exact route not available") || v.method == "polynomial-time detectors")
    return "unknown: no sufficient condition of the polynomial-time tests holds (they prove, they do not refute)" +
           std::string(arch && arch->num_factors() > 2 ? "; the two-factor tests do not cover this chain of " +
                                                             std::to_string(arch->num_factors()) + " factors"
                                                       : "") +
           see("unknown");
  if (has(r, "undecided within the budget") || v.method == "exact (z3)" || v.method == "analyze")
    return "unknown: no sufficient condition holds and the exact route did not decide within the time budget" +
           std::string(arch ? " (" + std::to_string(arch->parameter_count()) + " parameters)" : "") +
           "; try a larger --timeout" + see("unknown");
  return "unknown: nothing was proven either way (" + v.method + ")" + see("unknown");
}

std::string membership_sentence(const Verdict& v) {
  const bool mem = v.question == Question::membership;
  const std::string what = mem ? "the target" : "the best approximation of the target";
  if (!v.decided())
    return "unknown: could not decide whether " + (mem ? what + " is a product" : what + " exists") +
           " within the budget" + see(mem ? "membership" : "attainment");
  if (mem)
    return std::string(v.closedness == answer::yes ? "yes: the target is exactly a product of factors with these supports"
                                                   : "no: the target is not a product of factors with these supports") +
           " (" + v.method + ")" + see("membership");
  return std::string(v.closedness == answer::yes ? "yes: the target has a best approximation with these supports"
                                                 : "no: the target has no best approximation with these supports "
                                                   "(the infimum of the error is not attained)") +
         " (" + v.method + ")" + see("attainment");
}

std::string explain_impl(const Verdict& v, const Architecture* arch) {
  if (v.question != Question::closedness) return membership_sentence(v);
  if (!v.decided()) return unknown_sentence(v, arch);
  std::size_t absorbed = 0;
  const json& c = unwrap(v.certificate, absorbed);
  const std::string kind = c.is_object() ? c.value("kind", "") : "";
  try {
    if (kind == "trivial")
      return "well-posed: every target has a best approximation; " + family_sentence(c.value("family", ""), arch) +
             absorbed_note(absorbed) + see("trivial-families");
    if (kind == "kronecker_chainable") {
      std::string chain;
      if (c.contains("chain"))
        for (const auto& t : c["chain"]) chain += (chain.empty() ? "" : ", ") + std::string("(") + t[0].dump() + "," +
                                                  t[1].dump() + "," + t[2].dump() + "," + t[3].dump() + ")";
      return "well-posed: every target has a best approximation; the supports are the chainable Kronecker-sparse "
             "(butterfly-type) chain " + chain + absorbed_note(absorbed) +
             ", whose products are cut out by rank bounds on blocks (Cor 6.5.12)" + see("kronecker-chain");
    }
    if (kind == "disjoint_rank_one") {
      const auto& cls = c.at("classes");
      std::string eg;
      for (const auto& P : cls)
        if (P.contains("indices") && !idx_list(P["rows"]).empty() && !idx_list(P["cols"]).empty()) {
          eg = "; e.g. inner units " + set_str(idx_list(P["indices"])) + " feed only rows " + set_str(idx_list(P["rows"])) +
               " x columns " + set_str(idx_list(P["cols"]));
          break;
        }
      return "well-posed: every target has a best approximation; the inner units form " + std::to_string(cls.size()) +
             " groups whose row x column rectangles do not overlap, so the product is a sum of independent low-rank "
             "blocks" + eg + absorbed_note(absorbed) + " (Thm 5.2.3)" + see("disjoint-rank-one");
    }
    if (kind == "cec_rectangular") {
      const auto n_cec = c.at("complete_classes").size();
      const auto n_rest = c.at("rectangles").size();
      return "well-posed: every target has a best approximation; " + std::to_string(n_cec) +
             " group(s) of inner units fill their whole rectangle, and outside them the other " + std::to_string(n_rest) +
             " unit(s) cover rectangles that are equal or disjoint" + absorbed_note(absorbed) + " (Thm 5.2.9)" +
             see("cec-rectangular");
    }
    if (kind == "lu_pattern")
      return "ill-posed: some targets have no best approximation; " +
             lu_sentence(c, absorbed, "rows", "columns", "inner unit") + " (Thm 4.3.1)" + see("lu-pattern");
    if (kind == "exact_closed") return exact_closed_sentence(v);
    if (kind == "exact_not_closed" || kind == "exact_sentence") return exact_not_closed_sentence(v);
  } catch (const std::exception&) {
    // A certificate without the expected fields: the generic sentence below.
  }
  return std::string(v.closedness == Closedness::closed ? "well-posed: every target has a best approximation"
                                                        : "ill-posed: some targets have no best approximation") +
         " (" + v.method + ")" + see(theory_anchor(v.method));
}

// Network layers: W1 is the first (input side) layer, as in PyTorch.
std::string linear_part(const Verdict& v) {
  std::size_t absorbed = 0;
  const json* lin = v.certificate.is_object() && v.certificate.contains("linear_certificate")
                        ? &v.certificate["linear_certificate"]
                        : nullptr;
  if (!lin) return "";
  const json& c = unwrap(*lin, absorbed);
  if (c.is_object() && c.value("kind", "") == "lu_pattern" && absorbed == 0 && c.contains("indices")) {
    try {
      return "; " + lu_sentence(c, 0, "outputs", "inputs", "hidden unit", " of W1") + " (Thm 4.3.1)";
    } catch (const std::exception&) {
    }
  }
  return "";
}

}  // namespace

std::string theory_anchor(const std::string& m) {
  if (starts_with(m, "trivial famil")) return "trivial-families";
  if (has(m, "after absorbing permutation factors")) return "permutation-reduction";
  if (starts_with(m, "chainable Kronecker")) return "kronecker-chain";
  if (starts_with(m, "disjoint rank-one")) return "disjoint-rank-one";
  if (starts_with(m, "complete classes")) return "cec-rectangular";
  if (starts_with(m, "lu-pattern")) return "lu-pattern";
  if (m == "exact: reduction") return "exact-reductions";
  if (m == "exact: tangent-sequence") return "tangent-sequence";
  if (m == "exact: witness-search") return "witness-search";
  if (m == "exact: sentence" || m == "plain-sentence") return "decision-sentence";
  if (starts_with(m, "exact: ") || m == "exact (z3)") return "exact-route";
  if (m == "polynomial-time detectors" || m == "analyze" || m == "census") return "unknown";
  if (starts_with(m, "z3 membership") || m == "structural" || m == "membership") return "membership";
  if (starts_with(m, "non-membership") || starts_with(m, "closed set") || starts_with(m, "attainment sentence"))
    return "attainment";
  if (starts_with(m, "Thm 7.3.3")) return "thm-7-3-3";
  if (starts_with(m, "Thm 7.4.1")) return "thm-7-4-1";
  if (starts_with(m, "Thm 7.3.7")) return "thm-7-3-7";
  if (starts_with(m, "Cor 7.4.4")) return "thm-7-3-7";
  if (starts_with(m, "Cor 7.4.3")) return "thm-7-4-2";
  if (starts_with(m, "Thm 7.4.2")) return "thm-7-4-2";
  if (starts_with(m, "affine maps") || starts_with(m, "constant maps")) return "relu-trivial";
  if (starts_with(m, "Ch. 7")) return "relu-unknown";
  return "";
}

std::string explain(const Verdict& v, const Architecture& arch) { return explain_impl(v, &arch); }
std::string explain(const Verdict& v) { return explain_impl(v, nullptr); }

std::string explain(const Verdict& v, const ReluNetwork& net) {
  const std::string L = std::to_string(net.depth());
  const std::string anchor = see(theory_anchor(v.method));
  const std::string& m = v.method;
  if (v.decided() && v.closedness == Closedness::not_closed)
    return "ill-posed: some training problems have no optimal weights, because the network without its ReLUs "
           "(the product W" + L + "...W1 of the masks) is already ill-posed" + linear_part(v) + " (" + m + ")" + anchor;
  if (v.decided()) {
    if (starts_with(m, "affine maps"))
      return "well-posed: a single layer W1 computes affine maps, a linear space" + anchor;
    if (starts_with(m, "constant maps"))
      return "well-posed: no hidden unit of W1 reaches an output through W2, so the network computes constants" + anchor;
    if (has(m, "Thm 7.3.7") || has(m, "Cor 7.4.4"))
      return "well-posed: one hidden layer (W1, W2) with a single output: training on any finite data set has optimal "
             "weights, and the functions on a bounded box form a closed set (" + m + ")" + anchor;
    if (has(m, "Cor 7.4.3"))
      return "well-posed on a bounded box: W1 and W2 are dense on the hidden units that matter, so the functions form a "
             "closed set (Cor 7.4.3; says nothing about finite data sets)" + anchor;
    if (has(m, "Thm 7.4.2"))
      return "well-posed on a bounded box: W2 is dense on the hidden units that matter and every subset of them gives a "
             "closed linear product (Thm 7.4.2; says nothing about finite data sets)" + anchor;
    return "well-posed (" + m + ")" + anchor;
  }
  if (has(v.reason, "withheld"))
    return "unknown: a verdict was found but withheld because it rests on less than the required trust level" +
           see("trust");
  if (has(m, "L >= 3"))
    return "unknown: with " + std::to_string(net.depth() - 1) +
           " hidden layers no sufficient condition is known (the theorems cover W1, W2 only); the necessary condition "
           "on W" + L + "...W1 holds or is undecided" + anchor;
  if (has(m, "finite data"))
    return "unknown for finite data sets: with several outputs no sufficient condition for optimal weights is known" +
           anchor;
  if (has(m, "Thm 7.4.2"))
    return "unknown on a bounded box: the sufficient condition of Thm 7.4.2 (W2 dense on the units that matter and "
           "every subset closed) does not hold or was not proven" + anchor;
  return "unknown: the two domains (finite data sets, bounded box) are not both decided the same way (" + m + ")" +
         see("relu-unknown");
}

}  // namespace wellposed
