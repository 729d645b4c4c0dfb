// wellposed check / wellposed certify.
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

#include "wellposed/decide/shared_budget.hpp"
#include "commands.hpp"
#include "progress.hpp"
#include "svg.hpp"
#include "wellposed/algebra/npy.hpp"
#include "wellposed/algebra/rank_one.hpp"
#include "wellposed/algebra/spec.hpp"
#include "wellposed/decide.hpp"
#include "wellposed/decide/network_dataset.hpp"  // NetworkAnalysis::dataset (--dataset)

namespace wellposed::cli {

std::string unique_temp_sibling(const std::string& path) {
  // O_CREAT | O_EXCL: the name is ours alone (never a file of the user's, never
  // another run's); pid + counter keep concurrent runs apart.
  static std::atomic<unsigned> counter{0};
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const std::string tmp = path + ".tmp-wellposed-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::close(fd);
      return tmp;
    }
    if (errno != EEXIST) throw InputError(path + ": cannot create a temporary file beside it (" + std::strerror(errno) + ")");
  }
  throw InputError(path + ": cannot create a temporary file beside it");
}

void move_into_place(const std::string& tmp, const std::string& path) {
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    throw InputError(path + ": cannot move the file into place (" + ec.message() + ")");
  }
}

void write_file_atomically(const std::string& path, const std::string& content) {
  const std::string tmp = unique_temp_sibling(path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (out) out << content;
    if (!out) {
      out.close();
      std::filesystem::remove(tmp);  // ours: created by unique_temp_sibling
      throw InputError(path + ": write failed");
    }
  }
  move_into_place(tmp, path);
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

/// Writes Lemma 7.3.4's data set files via temporaries renamed into place.
void write_npy_atomically(const std::string& path, std::size_t rows, std::size_t cols, const std::vector<double>& v) {
  const std::string tmp = unique_temp_sibling(path);
  try {
    write_npy(tmp, rows, cols, v);
  } catch (...) {
    std::filesystem::remove(tmp);
    throw;
  }
  move_into_place(tmp, path);
}

/// The fields every spec's result in the report has (docs/cli.md): where the
/// spec came from and the verdict reported for it; `checker` is the
/// independent checker's account of a decided verdict's certificate.
/// (nlohmann::json keeps keys sorted: the fields added later by the callers
/// land in the same place of the output whatever the order of insertion.)
nlohmann::json verdict_record(const Spec& spec, const Verdict& v, const std::string& checker) {
  nlohmann::json r;
  r["name"] = spec.name;
  r["file"] = spec.file;
  r["json_path"] = spec.json_path;
  r["binding"] = binding_record(spec);
  r["verdict"] = std::string(to_string(v.closedness));
  r["method"] = v.method;
  r["reason"] = v.reason;
  r["explanation"] = v.explanation;
  r["certificate"] = v.certificate;
  r["trust"] = to_json(v)["trust"];
  r["certificate_checked"] = v.decided();
  if (v.decided()) r["checker"] = checker;
  return r;
}

/// `check` for a {"network": "relu"} spec (thesis Ch. 7): F_I per domain,
/// each with its theorem; the L_I decision inside; Thm 7.4.2's subset counts;
/// Lemma 7.3.4's data set (sizes; written as .npy with --dataset when small).
/// Every decided verdict was checked by the library (analyze_network's gate);
/// nothing is re-checked here. `seconds`: this spec's share of the command's
/// budget (decide/shared_budget.hpp).
nlohmann::json check_network_spec(const Spec& spec, const CheckOptions& o, double seconds) {
  const auto t0 = std::chrono::steady_clock::now();
  NetworkOptions no;
  no.budget_seconds = seconds;
  no.per_problem_seconds = std::min(2.0, seconds);
  no.materialize_max_points = o.dataset_dir.empty() ? 0 : o.dataset_max_points;
  no.check = o.certificate_check;
  const NetworkAnalysis na = analyze_network(*spec.network, no);
  const Verdict v = o.require ? require_trust(na.overall, *o.require) : na.overall;
  nlohmann::json r = verdict_record(spec, v, na.overall_check);
  r["kind"] = "relu_network";
  r["network"] = to_json(na);
  r["structure"] = structure_report(spec.architecture);
  r["structure"]["widths"] = na.widths;
  if (na.dataset && na.dataset->materialized && !o.dataset_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.dataset_dir, ec);
    if (ec) throw InputError("--dataset " + o.dataset_dir + ": cannot create folder (" + ec.message() + ")");
    const auto base = std::filesystem::path(o.dataset_dir) / safe_file_name(spec.name);
    const auto& d = *na.dataset;
    write_npy_atomically(base.string() + "-inputs.npy", d.points, d.input_dim, d.inputs);
    write_npy_atomically(base.string() + "-labels.npy", d.points, d.output_dim, d.outputs);
    r["network"]["dataset"]["files"] = {base.string() + "-inputs.npy", base.string() + "-labels.npy"};
  }
  if (!o.svg_dir.empty()) {
    const std::string path = (std::filesystem::path(o.svg_dir) / (safe_file_name(spec.name) + ".svg")).string();
    const std::string title = spec.name + " (L_I of the ReLU network): " +
                              std::string(to_string(na.linear.verdict.closedness)) + " (" + na.linear.verdict.method + ")";
    SvgOptions so;
    so.network_layers = true;  // panels W_1 (first layer) ... W_L, as PyTorch numbers them
    write_file_atomically(path, render_svg(spec.architecture, title, witness_cells(na.linear.verdict.certificate), so));
    r["svg"] = path;
  }
  r["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

/// `check` for an architecture spec: analyze() decides and gates; this
/// function only reports. `seconds`: this spec's share of the command's budget.
nlohmann::json check_architecture_spec(const Spec& spec, const CheckOptions& o, double seconds,
                                       ProgressLine* progress = nullptr, const std::string& label = {}) {
  const auto t0 = std::chrono::steady_clock::now();
  AnalyzeOptions ao;
  ao.budget_seconds = seconds;
  ao.check = o.certificate_check;
  if (progress && progress->active())
    ao.progress = [progress, &label](const std::string& stage, double left) {
      progress->stage(label + ": " + stage, left);
    };
  const Analysis an = analyze(spec.architecture, ao);
  // --require: a verdict resting on less than the required trust is withheld (unknown).
  const Verdict v = o.require ? require_trust(an.verdict, *o.require) : an.verdict;
  nlohmann::json r = verdict_record(spec, v, an.check);
  r["structure"] = structure_report(spec.architecture);
  r["stages"] = to_json(an)["stages"];
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
  r["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

/// The result of a spec the command's budget did not reach: unknown, reason
/// "budget spent", nothing analyzed (the sizes only, which cost nothing).
nlohmann::json budget_spent_spec(const Spec& spec, const SharedBudget& budget) {
  nlohmann::json r = verdict_record(spec, budget.budget_spent(), "");
  if (spec.network) r["kind"] = "relu_network";
  const Architecture& a = spec.architecture;
  r["structure"] = {{"dims", a.dims()}, {"parameter_count", a.parameter_count()}, {"matvec_cost", a.parameter_count()}};
  r["stages"] = nlohmann::json::array();
  r["seconds"] = 0.0;
  return r;
}

/// Removes every "seconds" field (--no-timings): what remains depends only on
/// the specs and the budget, so two runs give the same bytes.
void strip_timings(nlohmann::json& j) {
  if (j.is_object()) {
    j.erase("seconds");
    for (auto& [k, v] : j.items()) strip_timings(v);
  } else if (j.is_array()) {
    for (auto& v : j) strip_timings(v);
  }
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


namespace {

struct BadSpec {
  std::string file, json_path, message;  ///< message: the whole one-line error
};

/// Every spec of `file`, each bad one reported on its own (issue 18 item 7):
/// load_specs stops at the first bad entry of a list; then the entries are
/// parsed one by one (the file has passed the loader's JSON parse, so its
/// syntax and size are known to be acceptable) and every bad one is listed.
std::vector<Spec> load_specs_each(const std::string& file, const SpecLoadOptions& options, std::vector<BadSpec>& bad) {
  try {
    return load_specs(file, options);
  } catch (const SpecError& e) {
    const std::string& p = e.json_path();
    if (p.rfind("$[", 0) != 0) {  // the file as a whole is bad
      bad.push_back({e.file(), p, e.what()});
      return {};
    }
  }
  nlohmann::json j;
  try {
    j = parse_json_bounded(read_regular_file(file, options.limits.max_memory_bytes / kJsonBytesPerTextByte), file,
                           options.max_json_depth);
  } catch (const std::exception& e) {
    bad.push_back({file, "$", e.what()});
    return {};
  }
  const auto dir = std::filesystem::path(file).parent_path();
  const std::string base = dir.empty() ? "." : dir.string();
  std::vector<Spec> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string at = "$[" + std::to_string(i) + "]";
    try {
      // A one-element list: the loader names the entry "$[0]"; renamed to its place.
      auto one = parse_specs(nlohmann::json::array({j[i]}), file, base, options);
      for (auto& s : one) {
        s.json_path = at + s.json_path.substr(std::min<std::size_t>(4, s.json_path.size()));
        out.push_back(std::move(s));
      }
    } catch (const SpecError& e) {
      const std::string path = at + e.json_path().substr(std::min<std::size_t>(4, e.json_path().size()));
      const std::string prefix = e.file() + ": at " + e.json_path() + ": ";
      const std::string what = e.what();
      const std::string message = what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what;
      bad.push_back({file, path, file + ": at " + path + ": " + message});
    }
  }
  return out;
}

}  // namespace

int run_check(const CheckOptions& o, std::ostream& out, std::ostream& err) {
  // The exact route (Z3) is analyze()'s default; every decided verdict is
  // checked inside the library (one gate, decide/src/gate.hpp).
  // --timeout bounds the whole command, reading the specs included.
  const SharedBudget budget(o.timeout_seconds, "--timeout");
  std::vector<BadSpec> bad;
  std::vector<Spec> specs;
  // Progress on stderr: only on a terminal and without --quiet (progress.hpp).
  ProgressLine progress(err, !o.quiet);
  for (const auto& f : o.spec_files) {
    progress.stage("reading " + f);
    auto s = load_specs_each(f, SpecLoadOptions{ResourceLimits{o.max_memory_bytes}}, bad);
    specs.insert(specs.end(), std::make_move_iterator(s.begin()), std::make_move_iterator(s.end()));
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
  std::map<std::string, std::size_t> counts{{"closed", 0}, {"not_closed", 0}, {"unknown", 0}};
  std::size_t done = 0;
  for (const auto& spec : specs) {
    nlohmann::json r;
    const std::size_t specs_left = specs.size() - done;
    const std::string label = "check " + spec.name + " (" + std::to_string(++done) + "/" + std::to_string(specs.size()) + ")";
    const double seconds = budget.share(specs_left);
    progress.stage(label, seconds);
    try {
      if (seconds <= 0) r = budget_spent_spec(spec, budget);
      else r = spec.network ? check_network_spec(spec, o, seconds) : check_architecture_spec(spec, o, seconds, &progress, label);
    } catch (const InputError& e) {
      // An output of this spec could not be written: the user's to fix.
      bad.push_back({spec.file, spec.json_path, e.what()});
      continue;
    } catch (const std::exception& e) {
      // Anything the analysis refuses (a resource limit, an impossible size)
      // is bad input of this spec; the others are still decided.
      bad.push_back({spec.file, spec.json_path, spec.file + ": at " + spec.json_path + ": " + e.what()});
      continue;
    }
    ++counts[r["verdict"].get<std::string>()];
    if (!o.timings) strip_timings(r);
    results.push_back(std::move(r));
  }
  progress.finish();
  for (const auto& b : bad) err << "wellposed: error: " << b.message << "\n";

  if (o.json) {
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& b : bad) errors.push_back({{"file", b.file}, {"json_path", b.json_path}, {"message", b.message}});
    nlohmann::json summary = counts;
    summary["specs"] = results.size();
    summary["bad_specs"] = bad.size();
    out << nlohmann::json{{"results", results}, {"summary", summary}, {"errors", errors}}.dump(2) << "\n";
  } else if (!results.empty()) {  // only bad specs: the error lines say it all
    out << std::left << std::setw(24) << "spec" << std::setw(12) << "verdict" << std::setw(12) << "params"
        << "method (the explanation on the next line)\n";
    for (const auto& r : results) {
      std::string verdict = r["verdict"];
      const std::string shown = verdict == "closed" ? "closed" : verdict == "not_closed" ? "NOT closed" : "unknown";
      out << std::left << std::setw(24) << r["name"].get<std::string>() << std::setw(12) << shown << std::setw(12)
          << r["structure"]["parameter_count"].get<std::size_t>() << r["method"].get<std::string>();
      out << "\n";
      // The explanation in full on its own line (issue 23: never cut, so the
      // reason a person needs is never lost; --json has the technical reason).
      if (r.contains("explanation") && !r["explanation"].get<std::string>().empty())
        out << "    " << r["explanation"].get<std::string>() << "\n";
      if (r.contains("network")) print_network_lines(r, out);
      const auto& st = r["structure"];
      // (Not for networks: ReLU layers cannot be merged like linear factors.)
      if (!r.contains("network") && st.contains("kronecker") && st["kronecker"].value("redundant", false))
        out << "    redundant chain: an equivalent chain has " << st["kronecker"]["equivalent_parameter_count"]
            << " parameters instead of " << st["parameter_count"] << "\n";
    }
    out << "summary: " << counts["closed"] << " closed, " << counts["not_closed"] << " not closed, "
        << counts["unknown"] << " unknown" << (bad.empty() ? "" : ", " + std::to_string(bad.size()) + " bad") << "\n";
  }
  if (!bad.empty()) return kExitBadInput;
  if (counts["not_closed"]) return kExitNotClosed;
  if (counts["unknown"]) return kExitUnknown;
  return kExitClosed;
}


int run_certify(const std::string& file, std::ostream& out, std::ostream& err, std::uint64_t max_memory_bytes) {
  // Regular files only, size and nesting depth bounded before parsing (spec.hpp).
  nlohmann::json j;
  try {
    j = parse_json_bounded(read_regular_file(file, max_memory_bytes / kJsonBytesPerTextByte), file);
  } catch (const std::runtime_error& e) {  // SpecError is one: missing, unreadable, too large, malformed
    err << "wellposed: error: " << e.what() << "\n";
    return kExitBadInput;
  }
  const auto dir = std::filesystem::path(file).parent_path();
  const std::string report_dir = dir.empty() ? "." : dir.string();
  // Accept one verdict object or a whole `check --json` report.
  std::vector<std::pair<std::string, nlohmann::json>> items;
  if (j.is_object() && j.contains("results")) {
    if (!j["results"].is_array()) {
      err << "wellposed: error: " << file << ": at $.results: expected a list of results\n";
      return kExitBadInput;
    }
    if (j["results"].empty()) {
      // Nothing certified is not a pass (issue 20 B18).
      err << "wellposed: error: " << file << ": at $.results: the report has no results: nothing to certify\n";
      return kExitBadInput;
    }
    for (std::size_t i = 0; i < j["results"].size(); ++i)
      items.emplace_back("$.results[" + std::to_string(i) + "]", j["results"][i]);
  } else {
    items.emplace_back("$", j);
  }
  bool all_ok = true;
  std::size_t certified = 0;
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
    try {
      // A ReLU network result: also its per-domain verdicts (Ch. 7).
      if (item.is_object() && item.contains("network") && item["network"].is_object() &&
          item["network"].contains("domains")) {
        for (const char* dom : {"finite_data", "bounded_box"}) {
          if (!item["network"]["domains"].contains(dom)) continue;
          Verdict dv;
          try {
            dv = verdict_from_json(item["network"]["domains"][dom]);
          } catch (const std::exception& e) {
            err << "wellposed: error: " << file << ": at " << path << ".network.domains." << dom << ": " << e.what()
                << "\n";
            return kExitBadInput;
          }
          if (!dv.decided()) continue;
          const CheckResult dr = certify_result(item, dv, report_dir, dom);  // review: the domain it speaks about
          out << name << " [" << dom << "]: " << to_string(dv.closedness) << " — certificate "
              << (dr.ok ? "VALID" : "REJECTED") << ": " << dr.reason << "\n";
          all_ok = all_ok && dr.ok;
          ++certified;
        }
      }
      if (!v.decided()) {
        out << name << ": unknown — nothing to certify\n";
        continue;
      }
      const CheckResult cr = certify_result(item, v, report_dir);
      out << name << ": " << to_string(v.closedness) << " — certificate " << (cr.ok ? "VALID" : "REJECTED") << ": "
          << cr.reason << "\n";
      all_ok = all_ok && cr.ok;
      ++certified;
    } catch (const UnreadableBoundSpec& e) {
      err << "wellposed: error: " << file << ": at " << path << ": " << e.what() << "\n";
      return kExitBadInput;
    }
  }
  if (certified == 0) out << "no decided verdict in " << file << ": nothing was certified\n";
  return all_ok ? 0 : 1;
}

// ---- shared with `wellposed report` (issue 23 item 4) ----------------------
nlohmann::json check_spec_result(const Spec& spec, const CheckOptions& o, const SharedBudget& budget,
                                 std::size_t specs_left) {
  const double seconds = budget.share(specs_left);
  if (seconds <= 0) return budget_spent_spec(spec, budget);
  return spec.network ? check_network_spec(spec, o, seconds) : check_architecture_spec(spec, o, seconds);
}

std::vector<Highlight> certificate_witness_cells(const nlohmann::json& certificate) {
  return witness_cells(certificate);
}

std::vector<Spec> load_specs_listing_errors(const std::string& file, std::uint64_t max_memory_bytes,
                                            std::vector<std::string>& errors) {
  std::vector<BadSpec> bad;
  auto specs = load_specs_each(file, SpecLoadOptions{ResourceLimits{max_memory_bytes}}, bad);
  for (const auto& b : bad) errors.push_back(b.message);
  return specs;
}
// ---- end shared with report --------------------------------------------------

}  // namespace wellposed::cli
