// wellposed check / wellposed certify.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "svg.hpp"
#include "wellposed/algebra/npy.hpp"
#include "wellposed/algebra/rank_one.hpp"
#include "wellposed/algebra/spec.hpp"
#include "wellposed/decide.hpp"

namespace wellposed::cli {

void write_file_atomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError(path + ": cannot open for writing");
    out << content;
    if (!out) {
      out.close();
      std::filesystem::remove(tmp);
      throw InputError(path + ": write failed");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    throw InputError(path + ": cannot move the file into place (" + ec.message() + ")");
  }
}

namespace {

/// Structural facts a reviewer wants beside the verdict: sizes, parameter
/// count, matvec cost, Kronecker chainability and redundancy (with the cheaper
/// equivalent chain, Lemma 6.3.22) and, for two factors, the tractability
/// hypotheses of Thms 5.2.3 and 5.2.9.
nlohmann::json structure_report(const Architecture& a) {
  nlohmann::json s;
  s["dims"] = a.dims();
  s["parameter_count"] = a.parameter_count();
  // A sparse matvec with factors X_L, ..., X_1 costs one multiply-add per stored entry.
  s["matvec_cost"] = a.parameter_count();
  if (auto chain = a.kronecker_chain()) {
    nlohmann::json k;
    nlohmann::json pats = nlohmann::json::array();
    for (const auto& t : *chain) pats.push_back({t.a, t.b, t.c, t.d});
    k["chain"] = pats;
    const auto qs = chain_qs(*chain);
    k["chainable"] = qs.has_value();
    if (qs) {
      k["q"] = *qs;
      k["redundant"] = is_redundant(*chain);
      const KChain r = reduce_redundant(*chain);
      nlohmann::json rp = nlohmann::json::array();
      for (const auto& t : r) rp.push_back({t.a, t.b, t.c, t.d});
      k["equivalent_non_redundant_chain"] = rp;
      k["equivalent_parameter_count"] = parameter_count(r);
    }
    s["kronecker"] = k;
  }
  // A family's masks are not built for this report beyond a small size
  // (issue 18 item 6): the two-factor hypotheses below read masks.
  constexpr std::size_t kReportMaskBytes = std::size_t{64} << 20;
  const auto bytes = a.materialize_bytes();
  if (a.num_factors() == 2 && !a.materialized() && !(bytes && *bytes <= kReportMaskBytes)) {
    s["tractable"] = {{"skipped", "a family given by its parameters; its masks (" +
                                      (bytes ? std::to_string(*bytes) : std::string("over 2^64")) +
                                      " bytes) are not built for this report"}};
  } else if (a.num_factors() == 2) {
    const auto classes = rank_one_classes(a.factor(0), a.factor(1));
    const auto tax = cec_taxonomy(a.factor(0), a.factor(1));
    s["tractable"] = {{"rank_one_classes", classes.size()},
                      {"thm_5_2_3_disjoint_classes", classes_pairwise_disjoint(classes, a.rows(), a.cols())},
                      {"thm_5_2_9_cec_rectangular", tax.thm_5_2_9_hypothesis}};
  }
  return s;
}

std::vector<Highlight> witness_cells(const nlohmann::json& cert) {
  // An LU-type certificate (possibly wrapped by a reduction) names four cells.
  std::vector<Highlight> h;
  const nlohmann::json* c = &cert;
  while (c->is_object() && c->contains("inner") && c->at("inner").is_object()) c = &c->at("inner");
  if (c->is_object() && c->value("kind", "") == "lu_pattern" && c->contains("indices")) {
    const auto& p = c->at("indices");
    try {
      const auto i1 = p.at("i1").get<std::size_t>(), i2 = p.at("i2").get<std::size_t>();
      const auto j1 = p.at("j1").get<std::size_t>(), j2 = p.at("j2").get<std::size_t>();
      h = {{i1, j1, "(i1,j1): only in S_k"}, {i1, j2, "(i1,j2): only in S_k"}, {i2, j1, "(i2,j1): only in S_k"},
           {i2, j2, "(i2,j2): in S_k and S_l"}};
    } catch (const std::exception&) {
      h.clear();
    }
  }
  return h;
}

std::string safe_file_name(const std::string& name) {
  std::string s;
  for (char ch : name) s += (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_') ? ch : '_';
  return s.empty() ? "spec" : s;
}

/// The network certificate check, or the architecture checker for any other kind.
CheckResult check_any(const Verdict& v) {
  if (v.certificate.is_object() && v.certificate.value("kind", "") == "relu_network")
    return check_network_certificate(v.certificate, v.closedness);
  return check_certificate(v);
}

/// `check` for a {"network": "relu"} spec (thesis Ch. 7): F_I per domain,
/// each with its theorem; the L_I decision inside; Thm 7.4.2's subset counts;
/// Lemma 7.3.4's data set (sizes; written as .npy with --dataset when small).
nlohmann::json check_network_spec(const Spec& spec, const CheckOptions& o, std::ostream& err) {
  const auto t0 = std::chrono::steady_clock::now();
  NetworkOptions no;
  no.budget_seconds = o.timeout_seconds;
  no.per_problem_seconds = std::min(2.0, o.timeout_seconds);
  no.materialize_max_points = o.dataset_dir.empty() ? 0 : o.dataset_max_points;
  NetworkAnalysis na = analyze_network(*spec.network, no);
  // Soundness gate, as for architectures: every decided F_I verdict is
  // re-verified from its certificate before it is printed.
  auto gate = [&](Verdict& v, const std::string& what) {
    if (!v.decided()) return std::string();
    const CheckResult cr = check_network_certificate(v.certificate, v.closedness);
    if (!cr.ok) {
      err << "wellposed: internal error: the " << what << " certificate of " << spec.name << " (" << v.method
          << ") was rejected by the checker: " << cr.reason << "; reporting unknown\n";
      v = Verdict{Closedness::unknown, v.method, "certificate rejected by the checker: " + cr.reason, {}, v.seconds};
      return std::string();
    }
    return cr.reason;
  };
  gate(na.finite_data.verdict, "finite-data");
  gate(na.bounded_box.verdict, "bounded-box");
  Verdict v = na.overall;
  if (v.decided() && (na.finite_data.verdict.closedness != v.closedness ||
                      na.bounded_box.verdict.closedness != v.closedness))
    v = Verdict{Closedness::unknown, v.method, "a domain verdict was demoted by the checker", {}, v.seconds};
  const std::string check_reason = gate(v, "overall");
  nlohmann::json r;
  r["name"] = spec.name;
  r["file"] = spec.file;
  r["json_path"] = spec.json_path;
  r["kind"] = "relu_network";
  r["verdict"] = std::string(to_string(v.closedness));
  r["method"] = v.method;
  r["reason"] = v.reason;
  r["certificate"] = v.certificate;
  r["certificate_checked"] = v.decided();
  if (v.decided()) r["checker"] = check_reason;
  nlohmann::json nj = to_json(na);
  // The gated domain verdicts replace the raw ones.
  for (const DomainVerdict* dv : {&na.finite_data, &na.bounded_box}) {
    nlohmann::json d = to_json(dv->verdict);
    d["scope"] = dv->scope;
    nj["domains"][dv->domain] = d;
  }
  r["network"] = nj;
  r["structure"] = structure_report(spec.architecture);
  r["structure"]["widths"] = na.widths;
  if (na.dataset && na.dataset->materialized && !o.dataset_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.dataset_dir, ec);
    const auto base = std::filesystem::path(o.dataset_dir) / safe_file_name(spec.name);
    const auto& d = *na.dataset;
    write_npy(base.string() + "-inputs.npy", d.points, d.input_dim, d.inputs);
    write_npy(base.string() + "-labels.npy", d.points, d.output_dim, d.outputs);
    r["network"]["dataset"]["files"] = {base.string() + "-inputs.npy", base.string() + "-labels.npy"};
  }
  if (!o.svg_dir.empty()) {
    const std::string path = (std::filesystem::path(o.svg_dir) / (safe_file_name(spec.name) + ".svg")).string();
    const std::string title = spec.name + " (L_I of the ReLU network): " +
                              std::string(to_string(na.linear.verdict.closedness)) + " (" + na.linear.verdict.method + ")";
    write_file_atomically(path, render_svg(spec.architecture, title, witness_cells(na.linear.verdict.certificate)));
    r["svg"] = path;
  }
  r["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

void print_network_lines(const nlohmann::json& r, std::ostream& out) {
  const auto& n = r["network"];
  const auto& d = n["domains"];
  auto shown = [](const nlohmann::json& v) {
    const std::string s = v["verdict"];
    return (s == "closed" ? "closed" : s == "not_closed" ? "NOT closed" : "unknown") + std::string(" (") +
           v["method"].get<std::string>() + ")";
  };
  out << "    F_I on finite data: " << shown(d["finite_data"]) << "; on [-B,B]^d: " << shown(d["bounded_box"]) << "\n";
  out << "    L_I (linear net): " << n["linear"]["verdict"].get<std::string>() << " ("
      << n["linear"]["method"].get<std::string>() << ")\n";
  if (n.contains("subsets") && n["subsets"].value("ran", false)) {
    const auto& s = n["subsets"];
    out << "    Thm 7.4.2 subsets: " << s["total_subsets"] << " total, " << s["closed"] << " closed, " << s["not_closed"]
        << " not closed, " << s["unknown"] << " unknown, " << s["not_examined"] << " not examined; "
        << s["distinct_problems"] << " distinct reduced problems\n";
    if (s.contains("failure")) out << "    " << s["failure"].get<std::string>() << "\n";
  }
  if (n.contains("dataset") && n["dataset"].contains("proof")) {
    const auto& ds = n["dataset"];
    out << "    Lemma 7.3.4 data set: grid of P = " << ds["proof"]["P"].get<std::string>()
        << " points (proof's exponent; statement's: " << ds["statement"]["P"].get<std::string>() << ")"
        << (ds.value("materialized", false) ? ", written" : "")
        << (ds.value("has_target", false) ? "" : "; labels unknown: the certificate names no A") << "\n";
  }
}

}  // namespace

int run_check(const CheckOptions& o, std::ostream& out, std::ostream& err) {
  // The exact route (Z3, issue 3) runs after the polynomial-time detectors,
  // within --timeout seconds per spec.
  register_z3_decider();
  // Load every spec first: bad input is reported before any work is done.
  std::vector<Spec> specs;
  for (const auto& f : o.spec_files) {
    try {
      auto s = load_specs(f, SpecLoadOptions{ResourceLimits{o.max_memory_bytes}});
      specs.insert(specs.end(), std::make_move_iterator(s.begin()), std::make_move_iterator(s.end()));
    } catch (const SpecError& e) {
      err << "wellposed: error: " << e.what() << "\n";
      return kExitBadInput;
    }
  }
  if (!o.svg_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.svg_dir, ec);
    if (ec) {
      err << "wellposed: error: --svg " << o.svg_dir << ": cannot create folder (" << ec.message() << ")\n";
      return kExitBadInput;
    }
  }

  nlohmann::json results = nlohmann::json::array();
  bool any_not_closed = false, any_unknown = false;
  for (const auto& spec : specs) {
    if (spec.network) {
      nlohmann::json r = check_network_spec(spec, o, err);
      const std::string verdict = r["verdict"];
      any_not_closed |= verdict == "not_closed";
      any_unknown |= verdict == "unknown";
      results.push_back(std::move(r));
      continue;
    }
    const auto t0 = std::chrono::steady_clock::now();
    AnalyzeOptions ao;
    ao.budget_seconds = o.timeout_seconds;
    const Analysis an = analyze(spec.architecture, ao);
    Verdict v = an.verdict;
    // Soundness gate: a decided verdict is printed only if the independent
    // checker accepts its certificate; otherwise it is demoted to unknown.
    bool checked = false;
    std::string check_reason;
    if (v.decided()) {
      const CheckResult cr = check_certificate(spec.architecture, v);
      checked = cr.ok;
      check_reason = cr.reason;
      if (!cr.ok) {
        err << "wellposed: internal error: the certificate of " << spec.name << " (" << v.method
            << ") was rejected by the checker: " << cr.reason << "; reporting unknown\n";
        v = Verdict{Closedness::unknown, v.method, "certificate rejected by the checker: " + cr.reason, {}, v.seconds};
      }
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    any_not_closed |= v.closedness == Closedness::not_closed;
    any_unknown |= v.closedness == Closedness::unknown;

    nlohmann::json r;
    r["name"] = spec.name;
    r["file"] = spec.file;
    r["json_path"] = spec.json_path;
    r["verdict"] = std::string(to_string(v.closedness));
    r["method"] = v.method;
    r["reason"] = v.reason;
    r["certificate"] = v.certificate;
    r["certificate_checked"] = checked;
    if (checked) r["checker"] = check_reason;
    r["seconds"] = secs;
    r["structure"] = structure_report(spec.architecture);
    nlohmann::json stages = nlohmann::json::array();
    for (const auto& st : an.stages) stages.push_back({{"stage", st.stage}, {"seconds", st.seconds}, {"outcome", st.outcome}});
    r["stages"] = stages;
    // The picture reads masks, or a chain family's patterns (cost: its
    // parameter count); a family too large for either gets none.
    const Architecture& sa = spec.architecture;
    if (!o.svg_dir.empty() && !sa.can_materialize() &&
        !(sa.structural_chain() && sa.parameter_count() <= (std::size_t{1} << 27))) {
      r["svg_skipped"] = "the masks of this family are too large to draw (" +
                         std::to_string(sa.materialize_bytes().value_or(0)) + " bytes)";
    } else if (!o.svg_dir.empty()) {
      const std::string path = (std::filesystem::path(o.svg_dir) / (safe_file_name(spec.name) + ".svg")).string();
      const std::string title = spec.name + ": " + std::string(to_string(v.closedness)) + " (" + v.method + ")";
      write_file_atomically(path, render_svg(spec.architecture, title, witness_cells(v.certificate)));
      r["svg"] = path;
    }
    results.push_back(r);
  }

  if (o.json) {
    out << nlohmann::json{{"results", results}}.dump(2) << "\n";
  } else {
    out << std::left << std::setw(24) << "spec" << std::setw(12) << "verdict" << std::setw(12) << "params"
        << "method / reason\n";
    for (const auto& r : results) {
      std::string verdict = r["verdict"];
      const std::string shown = verdict == "closed" ? "closed" : verdict == "not_closed" ? "NOT closed" : "unknown";
      out << std::left << std::setw(24) << r["name"].get<std::string>() << std::setw(12) << shown << std::setw(12)
          << r["structure"]["parameter_count"].get<std::size_t>() << r["method"].get<std::string>();
      if (verdict == "unknown") {
        std::string reason = r["reason"].get<std::string>();
        if (reason.size() > 100) reason = reason.substr(0, 97) + "... (--json has the full reason)";
        out << " — " << reason;
      }
      out << "\n";
      if (r.contains("network")) print_network_lines(r, out);
      const auto& st = r["structure"];
      // (Not for networks: ReLU layers cannot be merged like linear factors.)
      if (!r.contains("network") && st.contains("kronecker") && st["kronecker"].value("redundant", false))
        out << "    redundant chain: an equivalent chain has " << st["kronecker"]["equivalent_parameter_count"]
            << " parameters instead of " << st["parameter_count"] << "\n";
    }
  }
  if (any_not_closed) return kExitNotClosed;
  if (any_unknown) return kExitUnknown;
  return kExitClosed;
}

int run_certify(const std::string& file, std::ostream& out, std::ostream& err, std::uint64_t max_memory_bytes) {
  // Regular files only, size and nesting depth bounded before parsing (spec.hpp).
  nlohmann::json j;
  try {
    j = parse_json_bounded(read_regular_file(file, max_memory_bytes / kJsonBytesPerTextByte), file);
  } catch (const SpecError& e) {
    err << "wellposed: error: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::runtime_error& e) {
    err << "wellposed: error: " << e.what() << "\n";
    return kExitBadInput;
  }
  // Accept one verdict object or a whole `check --json` report.
  std::vector<std::pair<std::string, nlohmann::json>> items;
  if (j.is_object() && j.contains("results") && j["results"].is_array()) {
    for (std::size_t i = 0; i < j["results"].size(); ++i)
      items.emplace_back("$.results[" + std::to_string(i) + "]", j["results"][i]);
  } else {
    items.emplace_back("$", j);
  }
  bool all_ok = true;
  for (const auto& [path, item] : items) {
    Verdict v;
    try {
      v = verdict_from_json(item);
    } catch (const std::exception& e) {
      err << "wellposed: error: " << file << ": at " << path << ": " << e.what() << "\n";
      return kExitBadInput;
    }
    const std::string name = item.is_object() && item.contains("name") && item["name"].is_string()
                                 ? item["name"].get<std::string>()
                                 : path;
    // A ReLU network result: also its per-domain verdicts (Ch. 7).
    if (item.is_object() && item.contains("network") && item["network"].contains("domains")) {
      for (const char* dom : {"finite_data", "bounded_box"}) {
        if (!item["network"]["domains"].contains(dom)) continue;
        Verdict dv;
        try {
          dv = verdict_from_json(item["network"]["domains"][dom]);
        } catch (const std::exception& e) {
          err << "wellposed: error: " << file << ": at " << path << ".network.domains." << dom << ": " << e.what() << "\n";
          return kExitBadInput;
        }
        if (!dv.decided()) continue;
        const CheckResult dr = check_any(dv);
        out << name << " [" << dom << "]: " << to_string(dv.closedness) << " — certificate "
            << (dr.ok ? "VALID" : "REJECTED") << ": " << dr.reason << "\n";
        all_ok = all_ok && dr.ok;
      }
    }
    if (!v.decided()) {
      out << name << ": unknown — nothing to certify\n";
      continue;
    }
    const CheckResult cr = check_any(v);
    out << name << ": " << to_string(v.closedness) << " — certificate " << (cr.ok ? "VALID" : "REJECTED") << ": "
        << cr.reason << "\n";
    all_ok = all_ok && cr.ok;
  }
  return all_ok ? 0 : 1;
}

}  // namespace wellposed::cli
