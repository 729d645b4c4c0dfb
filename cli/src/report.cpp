// wellposed report: one self-contained HTML page (issue 23 item 4).
//
// What the page guarantees:
//  - it needs nothing but itself: CSS and SVG inline, no script, no link to
//    any other resource (opened from a USB stick on an air-gapped machine it
//    reads the same);
//  - every string that came from input (spec names, file names, methods,
//    reasons, manifest fields) is HTML-escaped; numbers are printed by this
//    program;
//  - each spec is one <section class="spec" id="spec-K" data-name="..."
//    data-verdict="closed|not_closed|unknown"> and each factorize result one
//    <section class="factorization" data-file="...">, so tests and scripts
//    find them without parsing prose;
//  - the verdicts are check's (check_spec_result: the library decides, its
//    gate checks every certificate before a decided verdict is returned);
//    the page only presents them;
//  - the page holds no clock reading: the same inputs and budget give the
//    same bytes where the verdicts do not depend on the clock;
//  - it is written to a temporary sibling and renamed into place
//    (output.hpp); an existing file is replaced only with --force, never an
//    input of the command.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>

#include "commands.hpp"
#include "output.hpp"
#include "svg.hpp"
#include "wellposed/algebra/spec.hpp"
#include "wellposed/decide.hpp"

namespace wellposed::cli {

namespace {

std::string html(const std::string& s) { return xml_escape(s); }

std::string str(const nlohmann::json& j, const char* key, const std::string& fallback = "") {
  if (j.is_object() && j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return fallback;
}

std::string num(double x) {
  if (!std::isfinite(x)) return x > 0 ? "∞" : (x < 0 ? "−∞" : "NaN");
  char b[40];
  std::snprintf(b, sizeof b, "%.4g", x);
  return b;
}

std::string shown_verdict(const std::string& v) {
  return v == "closed" ? "closed (well-posed)" : v == "not_closed" ? "NOT closed (ill-posed)" : "unknown";
}

std::string badge(const std::string& v) {
  const std::string cls = v == "closed" ? "v-closed" : v == "not_closed" ? "v-not-closed" : "v-unknown";
  return "<span class=\"badge " + cls + "\">" + html(shown_verdict(v)) + "</span>";
}

/// The SVG document without its XML declaration, for inline use.
std::string inline_svg(const std::string& svg) {
  const auto p = svg.find("<svg");
  return p == std::string::npos ? svg : svg.substr(p);
}

/// The certificate's kind, and the kinds it wraps ("reduction > lu_pattern").
std::string certificate_kind(const nlohmann::json& c) {
  std::string k;
  const nlohmann::json* p = &c;
  for (int depth = 0; depth < 8 && p->is_object(); ++depth) {
    const std::string here = str(*p, "kind");
    if (!here.empty()) k += (k.empty() ? "" : " › ") + here;
    if (p->contains("inner") && p->at("inner").is_object()) p = &p->at("inner");
    else if (p->contains("linear_certificate") && p->at("linear_certificate").is_object())
      p = &p->at("linear_certificate");
    else break;
  }
  return k.empty() ? "—" : k;
}

void spec_section(std::ostringstream& h, std::size_t k, const Spec& spec, const nlohmann::json& r) {
  const std::string verdict = str(r, "verdict", "unknown");
  const std::string reason = str(r, "reason");
  // Verdict::explanation (issue 23 item 1) when the result carries one, else the technical reason.
  const std::string given = str(r, "explanation");
  const std::string explanation = given.empty() ? reason : given;
  h << "<section class=\"spec\" id=\"spec-" << k << "\" data-name=\"" << html(spec.name) << "\" data-verdict=\""
    << html(verdict) << "\">\n"
    << "<h2>" << html(spec.name) << " " << badge(verdict) << "</h2>\n"
    << "<p class=\"explanation\">" << html(explanation.empty() ? "(no explanation given)" : explanation) << "</p>\n"
    << "<table class=\"facts\">\n"
    << "<tr><th>file</th><td><code>" << html(spec.file) << "</code> at <code>" << html(spec.json_path)
    << "</code></td></tr>\n"
    << "<tr><th>method</th><td>" << html(str(r, "method", "—")) << "</td></tr>\n";
  if (!reason.empty() && reason != explanation)
    h << "<tr><th>reason</th><td>" << html(reason) << "</td></tr>\n";
  if (r.contains("structure") && r["structure"].is_object()) {
    const auto& s = r["structure"];
    std::string dims;
    if (s.contains("dims") && s["dims"].is_array())
      for (const auto& d : s["dims"]) dims += (dims.empty() ? "" : " → ") + d.dump();
    h << "<tr><th>sizes</th><td>" << html(dims) << "</td></tr>\n"
      << "<tr><th>parameters</th><td>" << html(s.value("parameter_count", nlohmann::json()).dump()) << "</td></tr>\n";
  }
  if (r.contains("network") && r["network"].is_object() && r["network"].contains("domains")) {
    const auto& d = r["network"]["domains"];
    for (const char* dom : {"finite_data", "bounded_box"}) {
      if (!d.contains(dom)) continue;
      h << "<tr class=\"domain\" data-domain=\"" << dom << "\" data-verdict=\"" << html(str(d[dom], "verdict"))
        << "\"><th>" << (std::string(dom) == "finite_data" ? "F_I on finite data" : "F_I on [−B,B]^d") << "</th><td>"
        << badge(str(d[dom], "verdict")) << " " << html(str(d[dom], "method")) << "</td></tr>\n";
    }
    if (r["network"].contains("linear"))
      h << "<tr><th>L_I (linear part)</th><td>" << badge(str(r["network"]["linear"], "verdict")) << " "
        << html(str(r["network"]["linear"], "method")) << "</td></tr>\n";
  }
  h << "</table>\n";

  // The certificate summary: what a reviewer needs to re-check it.
  const nlohmann::json cert = r.value("certificate", nlohmann::json::object());
  const bool decided = verdict != "unknown";
  h << "<div class=\"certificate\" data-checked=\"" << (r.value("certificate_checked", false) ? "true" : "false")
    << "\">\n<h3>Certificate</h3>\n<table class=\"facts\">\n";
  if (!decided || cert.empty()) {
    h << "<tr><th>certificate</th><td>none (an unknown verdict carries no certificate)</td></tr>\n";
  } else {
    const nlohmann::json trust = r.value("trust", nlohmann::json::object());
    h << "<tr><th>kind</th><td><code>" << html(certificate_kind(cert)) << "</code></td></tr>\n"
      << "<tr><th>size</th><td>" << cert.dump().size() << " bytes of JSON</td></tr>\n"
      << "<tr><th>trust</th><td class=\"trust\">" << html(str(trust, "level", "none"));
    if (!str(trust, "solvers").empty()) h << " — " << html(str(trust, "solvers"));
    h << "</td></tr>\n";
    if (!str(trust, "detail").empty()) h << "<tr><th>rests on</th><td>" << html(str(trust, "detail")) << "</td></tr>\n";
    h << "<tr><th>checked</th><td>" << (r.value("certificate_checked", false) ? "yes, by the independent checker: " : "no")
      << html(str(r, "checker")) << "</td></tr>\n";
  }
  if (r.contains("binding"))
    h << "<tr><th>supports digest</th><td><code class=\"digest\">" << html(str(r["binding"], "supports_digest", "—"))
      << "</code></td></tr>\n";
  h << "</table>\n</div>\n";

  // The picture (as check --svg draws it).
  const Architecture& a = spec.architecture;
  h << "<figure class=\"picture\">\n";
  if (!a.can_materialize() && !(a.structural_chain() && a.parameter_count() <= (std::size_t{1} << 27))) {
    h << "<p class=\"note\">No picture: the masks of this family are too large to draw.</p>\n";
  } else {
    SvgOptions so;
    so.network_layers = spec.network.has_value();
    nlohmann::json pcert = cert;
    std::string title = spec.name + ": " + verdict;
    if (spec.network && r.contains("network") && r["network"].contains("linear")) {
      pcert = r["network"]["linear"].value("certificate", nlohmann::json::object());
      title = spec.name + " (linear part L_I): " + str(r["network"]["linear"], "verdict");
    }
    h << inline_svg(render_svg(a, title, certificate_witness_cells(pcert), so));
  }
  h << "</figure>\n</section>\n";
}

/// A bar chart of the per-split errors E_s(A) (upper ends of their
/// intervals, lower ends marked) beside the residual, as inline SVG.
std::string split_error_plot(const nlohmann::json& enc) {
  struct Bar {
    std::string label;
    double lo, hi;
    bool known, residual;
  };
  std::vector<Bar> bars;
  auto interval = [](const nlohmann::json& j, double& lo, double& hi) {
    if (!j.is_array() || j.size() != 2 || !j[0].is_number() || !j[1].is_number()) return false;
    lo = j[0].get<double>();
    hi = j[1].get<double>();
    return std::isfinite(lo) && std::isfinite(hi);
  };
  if (enc.contains("split_errors") && enc["split_errors"].is_array()) {
    std::size_t s = 1;
    for (const auto& e : enc["split_errors"]) {
      double lo = 0, hi = 0;
      const bool ok = interval(e, lo, hi);
      bars.push_back({"E" + std::to_string(s++), lo, hi, ok, false});
    }
  }
  if (bars.empty()) return "<p class=\"note\">No per-split errors in this result (older manifest).</p>\n";
  double lo = 0, hi = 0;
  if (enc.contains("residual") && interval(enc["residual"], lo, hi)) bars.push_back({"residual", lo, hi, true, true});
  double ymax = 0;
  for (const auto& b : bars)
    if (b.known) ymax = std::max(ymax, b.hi);
  const double W = std::max(600.0, 70.0 + 56.0 * static_cast<double>(bars.size())), H = 220, x0 = 60, y0 = 20,
               ph = 150;
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"split-plot\" width=\"" << W << "\" height=\"" << H
    << "\" viewBox=\"0 0 " << W << " " << H << "\">\n"
    << "<rect x=\"0\" y=\"0\" width=\"" << W << "\" height=\"" << H << "\" style=\"fill:#ffffff\"/>\n"
    << "<line x1=\"" << x0 << "\" y1=\"" << y0 + ph << "\" x2=\"" << W - 10 << "\" y2=\"" << y0 + ph
    << "\" style=\"stroke:#444444\"/>\n<line x1=\"" << x0 << "\" y1=\"" << y0 << "\" x2=\"" << x0 << "\" y2=\""
    << y0 + ph << "\" style=\"stroke:#444444\"/>\n"
    << "<text x=\"" << x0 - 6 << "\" y=\"" << y0 + 4 << "\" text-anchor=\"end\" font-size=\"10\">" << num(ymax)
    << "</text>\n<text x=\"" << x0 - 6 << "\" y=\"" << y0 + ph + 4 << "\" text-anchor=\"end\" font-size=\"10\">0</text>\n"
    << "<text x=\"8\" y=\"" << y0 + ph / 2 << "\" font-size=\"10\" transform=\"rotate(-90 8 " << y0 + ph / 2
    << ")\" text-anchor=\"middle\">Frobenius error</text>\n";
  for (std::size_t k = 0; k < bars.size(); ++k) {
    const Bar& b = bars[k];
    const double x = x0 + 14 + 56.0 * static_cast<double>(k);
    if (b.known) {
      const double hh = ymax > 0 ? ph * b.hi / ymax : 0, hl = ymax > 0 ? ph * b.lo / ymax : 0;
      o << "<rect class=\"" << (b.residual ? "bar-residual" : "bar-split") << "\" x=\"" << x << "\" y=\""
        << y0 + ph - hh << "\" width=\"36\" height=\"" << hh << "\" style=\"fill:"
        << (b.residual ? "#e15759" : "#4e79a7") << "\"><title>" << b.label << " in [" << num(b.lo) << ", "
        << num(b.hi) << "]</title></rect>\n"
        << "<line x1=\"" << x << "\" y1=\"" << y0 + ph - hl << "\" x2=\"" << x + 36 << "\" y2=\"" << y0 + ph - hl
        << "\" style=\"stroke:#000000;stroke-dasharray:3,2\"/>\n"
        << "<text x=\"" << x + 18 << "\" y=\"" << y0 + ph - hh - 4 << "\" text-anchor=\"middle\" font-size=\"9\">"
        << num(b.hi) << "</text>\n";
    } else {
      o << "<text x=\"" << x + 18 << "\" y=\"" << y0 + ph - 6
        << "\" text-anchor=\"middle\" font-size=\"9\">not computed</text>\n";
    }
    o << "<text x=\"" << x + 18 << "\" y=\"" << y0 + ph + 16 << "\" text-anchor=\"middle\" font-size=\"11\">"
      << b.label << "</text>\n";
  }
  o << "<text x=\"" << x0 << "\" y=\"" << H - 8 << "\" font-size=\"10\">bars: upper ends of the certified intervals; "
       "dashed: lower ends; E_s: split s (Def 6.5.6)</text>\n</svg>\n";
  return o.str();
}

/// One factorize result: the manifest (a folder's manifest.json or a .json
/// manifest). Throws InputError naming the file, field and value.
void factor_section(std::ostringstream& h, std::size_t k, const std::string& path, std::uint64_t max_memory) {
  namespace fs = std::filesystem;
  const std::string file = fs::is_directory(path) ? (fs::path(path) / "manifest.json").string() : path;
  nlohmann::json m;
  try {
    m = parse_json_bounded(read_regular_file(file, max_memory / kJsonBytesPerTextByte), file);
  } catch (const std::exception& e) {
    throw InputError(e.what());
  }
  if (!m.is_object() || str(m, "format") != "wellposed-factor-chain")
    throw InputError(file + ": at $.format: expected \"wellposed-factor-chain\", got " +
                     (m.is_object() && m.contains("format") ? m["format"].dump() : std::string("nothing")));
  if (!m.contains("factorization") || !m["factorization"].is_object())
    throw InputError(file + ": at $.factorization: expected the object `wellposed factorize` writes, got " +
                     (m.contains("factorization") ? m["factorization"].dump().substr(0, 60) : std::string("nothing")));
  const auto& f = m["factorization"];
  const nlohmann::json enc = f.value("enclosure", nlohmann::json::object());
  if (!enc.is_object())
    throw InputError(file + ": at $.factorization.enclosure: expected an object, got " + enc.dump().substr(0, 60));
  std::string chain;
  if (f.contains("chain") && f["chain"].is_array())
    for (const auto& t : f["chain"]) chain += (chain.empty() ? "" : " · ") + t.dump();
  h << "<section class=\"factorization\" id=\"factorization-" << k << "\" data-file=\"" << html(path)
    << "\" data-method=\"" << html(str(f, "method")) << "\">\n"
    << "<h2>Factorization: <code>" << html(path) << "</code></h2>\n<table class=\"facts\">\n"
    << "<tr><th>matrix</th><td><code>" << html(str(f, "matrix", "—")) << "</code></td></tr>\n"
    << "<tr><th>spec</th><td><code>" << html(str(f, "spec", "—")) << "</code></td></tr>\n"
    << "<tr><th>method</th><td>" << html(str(f, "method", "—")) << "</td></tr>\n"
    << "<tr><th>chain (a,b,c,d)</th><td>" << html(chain) << "</td></tr>\n";
  // Every interval of the enclosure as [lo, hi]; scalars as they are.
  static const std::map<std::string, std::string> names = {
      {"residual", "‖A − X₁⋯X_L‖_F"},
      {"optimal_error", "optimal error (Thm 6.2.3)"},
      {"lower_bound_best_error", "best achievable error ≥ (Lemma 6.5.7)"},
      {"ratio_upper", "proven ratio achieved / best ≤"},
      {"apriori_thm_6_5_9", "a-priori bound (Thm 6.5.9)"},
      {"apriori_thm_6_5_14", "a-priori bound (Thm 6.5.14)"},
      {"residual_method", "residual computed by"},
      {"ratio_note", "note"}};
  // Fixed order (the residual first), then any field this version does not name.
  std::vector<std::string> keys = {"residual", "residual_method", "lower_bound_best_error", "optimal_error",
                                   "ratio_upper", "ratio_note", "apriori_thm_6_5_9", "apriori_thm_6_5_14"};
  for (const auto& [key, v] : enc.items())
    if (key != "split_errors" && std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  for (const auto& key : keys) {
    if (!enc.contains(key)) continue;
    const auto& v = enc[key];
    const auto it = names.find(key);
    std::string shown;
    if (v.is_array() && v.size() == 2 && v[0].is_number() && v[1].is_number())
      shown = "[" + num(v[0].get<double>()) + ", " + num(v[1].get<double>()) + "]";
    else if (v.is_number()) shown = num(v.get<double>());
    else if (v.is_string()) shown = v.get<std::string>();
    else if (v.is_null()) shown = "not proven";
    else shown = v.dump().substr(0, 200);
    h << "<tr class=\"enclosure\" data-field=\"" << html(key) << "\"><th>"
      << html(it == names.end() ? key : it->second) << "</th><td>" << html(shown) << "</td></tr>\n";
  }
  h << "</table>\n<figure class=\"plot\">\n" << split_error_plot(enc)
    << "<figcaption>Per-split errors E_s(A) = min ‖A − XY‖_F over the split s of the chain, and the residual of the "
       "returned factors.</figcaption>\n</figure>\n</section>\n";
}

constexpr const char* kCss = R"(
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:24px auto;max-width:1100px;color:#222;line-height:1.4;padding:0 16px}
h1{font-size:24px;margin-bottom:4px}
h2{font-size:19px;margin:0 0 8px 0}
h3{font-size:15px;margin:12px 0 4px 0}
section.spec,section.factorization,section.errors{border:1px solid #ddd;border-radius:6px;padding:14px 18px;margin:18px 0;background:#fff}
.badge{display:inline-block;padding:2px 8px;border-radius:10px;font-size:13px;font-weight:bold;vertical-align:middle}
.v-closed{background:#d9f2d9;color:#1b5e20}
.v-not-closed{background:#fde0e0;color:#b71c1c}
.v-unknown{background:#fff3cd;color:#7a5a00}
p.explanation{font-size:15px;background:#f7f7fa;border-left:4px solid #4e79a7;padding:6px 10px;margin:8px 0}
table.facts{border-collapse:collapse;font-size:13px;margin:4px 0}
table.facts th{text-align:left;font-weight:normal;color:#555;padding:2px 12px 2px 0;vertical-align:top;white-space:nowrap}
table.facts td{padding:2px 0;word-break:break-word}
table.overview{border-collapse:collapse;font-size:14px}
table.overview th,table.overview td{border-bottom:1px solid #eee;padding:4px 10px;text-align:left}
code.digest{font-size:11px}
figure{margin:10px 0;overflow-x:auto}
figure svg{max-width:100%;height:auto}
p.note{color:#666;font-style:italic}
figcaption{font-size:13px;color:#555}
footer{color:#777;font-size:12px;margin-top:30px}
)";

}  // namespace

int run_report(const ReportOptions& o, std::ostream& out, std::ostream& err) {
  namespace fs = std::filesystem;
  try {
    // The output is checked before any work: a refused file costs nothing.
    if (o.output.empty()) throw OutputError("report: -o FILE.html is required");
    if (o.spec_files.empty() && o.factor_results.empty())
      throw OutputError("report: nothing to report: name spec files and/or --factor-result outputs");
    if (fs::exists(o.output) && !o.force)
      throw OutputError(o.output + ": exists; pass --force to replace it (nothing was written)");
    if (fs::is_directory(o.output)) throw OutputError(o.output + ": is a folder, expected an .html file to write");
  } catch (const OutputError& e) {
    err << "wellposed: error: " << e.what() << "\n";
    return kExitBadInput;
  }
  // --budget bounds the whole command (decide/shared_budget.hpp), reading included.
  const SharedBudget budget(o.budget_seconds, "--budget");
  std::vector<std::string> errors;
  std::vector<Spec> specs;
  for (const auto& f : o.spec_files) {
    auto s = load_specs_listing_errors(f, o.max_memory_bytes, errors);
    specs.insert(specs.end(), std::make_move_iterator(s.begin()), std::make_move_iterator(s.end()));
  }
  CheckOptions co;
  co.max_memory_bytes = o.max_memory_bytes;
  co.timings = false;
  std::map<std::string, std::size_t> counts{{"closed", 0}, {"not_closed", 0}, {"unknown", 0}};
  std::ostringstream body, overview;
  std::size_t k = 0, started = 0;
  for (const auto& spec : specs) {
    nlohmann::json r;
    try {
      r = check_spec_result(spec, co, budget, specs.size() - started++);
    } catch (const std::exception& e) {
      errors.push_back(spec.file + ": at " + spec.json_path + ": " + e.what());
      continue;
    }
    const std::string v = str(r, "verdict", "unknown");
    ++counts[v];
    overview << "<tr><td><a href=\"#spec-" << k << "\">" << html(spec.name) << "</a></td><td>" << badge(v)
             << "</td><td>" << html(str(r, "method")) << "</td></tr>\n";
    spec_section(body, k++, spec, r);
  }
  std::size_t fk = 0, factor_ok = 0;
  for (const auto& fr : o.factor_results) {
    try {
      std::ostringstream one;  // a bad result leaves nothing half-written in the page
      factor_section(one, fk++, fr, o.max_memory_bytes);
      body << one.str();
      ++factor_ok;
    } catch (const InputError& e) {
      errors.push_back(e.what());
    } catch (const std::exception& e) {
      errors.push_back(fr + ": " + e.what());
    }
  }
  for (const auto& e : errors) err << "wellposed: error: " << e << "\n";

  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    << "<title>wellposed report</title>\n<style>" << kCss << "</style>\n</head>\n<body>\n"
    << "<h1>wellposed report</h1>\n"
    << "<p class=\"summary\" data-factorizations=\"" << factor_ok << "\" data-specs=\"" << k << "\" data-closed=\"" << counts["closed"] << "\" data-not-closed=\""
    << counts["not_closed"] << "\" data-unknown=\"" << counts["unknown"] << "\" data-bad=\"" << errors.size() << "\">"
    << k << (k == 1 ? " spec: " : " specs: ") << counts["closed"] << " closed (well-posed), " << counts["not_closed"]
    << " not closed (ill-posed), " << counts["unknown"] << " unknown" << (errors.empty() ? "" : ", ")
    << (errors.empty() ? "" : std::to_string(errors.size()) + " bad input") << "; budget " << num(o.budget_seconds)
    << " s for all specs" << (factor_ok ? "; " + std::to_string(factor_ok) + " factorization result" + (factor_ok == 1 ? "" : "s") : "")
    << ". Every decided verdict's certificate passed the independent checker before it was reported.</p>\n";
  if (k) h << "<table class=\"overview\">\n<tr><th>spec</th><th>verdict</th><th>method</th></tr>\n" << overview.str()
           << "</table>\n";
  if (!errors.empty()) {
    h << "<section class=\"errors\">\n<h2>Bad input</h2>\n<ul>\n";
    for (const auto& e : errors) h << "<li class=\"error\">" << html(e) << "</li>\n";
    h << "</ul>\n</section>\n";
  }
  h << body.str()
    << "<footer>Written by <code>wellposed report</code>. Verdicts: closed = every target has a best approximation "
       "(thesis Prop 3.1.6); not closed = some target has none; unknown = neither was proven within the budget."
       "</footer>\n</body>\n</html>\n";

  std::vector<std::string> inputs = o.spec_files;
  for (const auto& fr : o.factor_results)
    inputs.push_back(fs::is_directory(fr) ? (fs::path(fr) / "manifest.json").string() : fr);
  try {
    write_output_file(o.output, h.str(), inputs);
  } catch (const std::exception& e) {
    err << "wellposed: error: " << e.what() << "\n";
    return kExitBadInput;
  }
  out << "wrote " << o.output << ": " << k << (k == 1 ? " spec (" : " specs (") << counts["closed"] << " closed, " << counts["not_closed"]
      << " not closed, " << counts["unknown"] << " unknown), " << factor_ok
      << (factor_ok == 1 ? " factorization result" : " factorization results") << (errors.empty() ? "" : ", " + std::to_string(errors.size()) + " bad") << "\n";
  if (!errors.empty()) return kExitBadInput;
  if (counts["not_closed"]) return kExitNotClosed;
  if (counts["unknown"]) return kExitUnknown;
  return kExitClosed;
}

}  // namespace wellposed::cli
