// wellposed repair (repair.hpp; the library's repair() does the work).
#include "repair.hpp"

#include <filesystem>
#include <iostream>
#include <sstream>

#include "wellposed/decide/shared_budget.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "wellposed/algebra/spec.hpp"
#include "wellposed/decide/repair.hpp"

namespace wellposed::cli {

namespace {

std::string shown(Closedness c) {
  return c == Closedness::closed ? "closed" : c == Closedness::not_closed ? "NOT closed" : "unknown";
}

std::string cells(const std::vector<SupportEdit>& e, std::size_t factor, bool add) {
  std::string s;
  std::size_t n = 0;
  for (const auto& x : e)
    if (x.factor == factor && x.add == add) {
      if (n++ < 24) s += (s.empty() ? "" : " ") + std::string("(") + std::to_string(x.row) + "," + std::to_string(x.col) + ")";
    }
  if (n > 24) s += " ... (" + std::to_string(n) + " in all)";
  return s;
}

void print_suggestion(const RepairSuggestion& s, std::ostream& out, bool first) {
  // Networks: layers W1 (first) .. WL, "weights"; architectures: X1 (leftmost) .. XL.
  const char* name = s.network ? "W" : "X";
  out << "  " << (first ? "nearest provably well-posed" : "also") << (s.network ? " (bounded box)" : "") << ": "
      << s.changes() << " change" << (s.changes() == 1 ? "" : "s") << " (move: " << s.move << "), "
      << s.parameter_count << (s.network ? " weights\n" : " parameters\n");
  for (std::size_t l = 0; l < s.factors.size(); ++l) {
    const std::string add = cells(s.edits, l, true), rem = cells(s.edits, l, false);
    if (!add.empty()) out << "    " << name << (l + 1) << ": add " << add << "\n";
    if (!rem.empty()) out << "    " << name << (l + 1) << ": remove " << rem << "\n";
  }
  out << "    new verdict: closed — " << s.verdict.method << "; certificate checked: " << s.check << "\n";
  if (!s.verdict.explanation.empty()) out << "    " << s.verdict.explanation << "\n";
}

nlohmann::json repaired_spec(const Spec& spec, const RepairSuggestion& s) {
  if (s.network) {
    // A network spec again: {"network": "relu", "factors": [W_1, ..., W_L]}.
    nlohmann::json j = to_spec_json(ReluNetwork(s.factors));
    j["name"] = spec.name + "-repaired";
    j["description"] = "wellposed repair of " + spec.name + ": " + std::to_string(s.changes()) +
                       " mask change(s) (move: " + s.move + "); F_I closed on [-B,B]^d by " + s.verdict.method;
    return j;
  }
  nlohmann::json factors = nlohmann::json::array();
  for (const auto& f : s.factors)
    factors.push_back({{"rows", f.rows()}, {"cols", f.cols()}, {"support", {{"mask", f.to_rows()}}}});
  return {{"name", spec.name + "-repaired"},
          {"description", "wellposed repair of " + spec.name + ": " + std::to_string(s.changes()) +
                              " support change(s) (move: " + s.move + "); " + s.verdict.method},
          {"factors", factors}};
}

}  // namespace

int run_repair(const RepairCliOptions& o, std::ostream& out, std::ostream& err) {
  // --timeout bounds the whole command (decide/shared_budget.hpp), reading included.
  const SharedBudget budget(o.timeout_seconds, "--timeout");
  // A refused output costs nothing: checked before any work.
  if (!o.output.empty()) {
    std::error_code ec;
    if (std::filesystem::exists(o.output, ec) && !o.force) {
      err << "wellposed: error: -o " << o.output << ": the file exists (use --force to replace it)\n";
      return kExitBadInput;
    }
  }
  std::vector<Spec> specs;
  try {
    specs = load_specs(o.spec_file, SpecLoadOptions{ResourceLimits{o.max_memory_bytes}});
  } catch (const std::exception& e) {
    err << "wellposed: error: " << e.what() << "\n";
    return kExitBadInput;
  }
  ProgressLine progress(err, !o.quiet);
  nlohmann::json results = nlohmann::json::array();
  nlohmann::json repaired = nlohmann::json::array();
  std::ostringstream text;
  bool all = true;
  std::size_t done = 0;
  for (const auto& spec : specs) {
    const std::size_t specs_left = specs.size() - done;
    const std::string label = "repair " + spec.name + " (" + std::to_string(++done) + "/" + std::to_string(specs.size()) + ")";
    const double seconds = budget.share(specs_left);
    progress.stage(label, seconds);
    nlohmann::json r = {{"name", spec.name}, {"file", spec.file}, {"json_path", spec.json_path}};
    if (seconds <= 0) {
      // Not reached by the budget: not analyzed, nothing suggested.
      RepairResult spent;
      spent.network = spec.network.has_value();
      spent.original = budget.budget_spent();
      if (spent.network) spent.overall = spent.original, spent.domain = "bounded_box";
      spent.note = "not repaired: " + spent.original.reason;
      r.update(to_json(spent));
      results.push_back(r);
      text << spec.name << ": unknown (budget spent)\n  " << spent.note << "\n";
      all = false;
      continue;
    }
    RepairOptions ro;
    ro.parameter_budget = o.budget;
    ro.max_changes = o.max_changes;
    ro.search_depth = o.search_depth;
    ro.seconds = seconds;
    if (progress.active())
      ro.progress = [&progress, &label](std::size_t n, std::size_t total, const std::string& what) {
        progress.stage(label + ": " + what);
        progress.count(n, total);
      };
    RepairResult rr;
    try {
      rr = spec.network ? repair_network(*spec.network, ro) : repair(spec.architecture, ro);
    } catch (const std::exception& e) {
      err << "wellposed: error: " << spec.file << ": at " << spec.json_path << ": " << e.what() << "\n";
      return kExitBadInput;
    }
    const nlohmann::json j = to_json(rr);
    r.update(j);
    results.push_back(r);
    if (rr.network) {
      // The network's verdict as `check` gives it, then the repair's target
      // domain: F_I on the bounded box (the only Ch. 7 sufficient condition
      // with several outputs).
      text << spec.name << ": " << shown(rr.overall.closedness) << " (" << rr.overall.method << ")\n";
      if (!rr.overall.explanation.empty()) text << "    " << rr.overall.explanation << "\n";
      text << "  on [-B,B]^d (bounded box): " << shown(rr.original.closedness) << " (" << rr.original.method << ")\n";
    } else {
      text << spec.name << ": " << shown(rr.original.closedness) << " (" << rr.original.method << ")\n";
      if (!rr.original.explanation.empty()) text << "    " << rr.original.explanation << "\n";
    }
    if (rr.original.closedness == Closedness::closed) {
      text << "  already proven well-posed" << (rr.network ? " on the bounded box" : "") << ": nothing to repair\n";
      continue;
    }
    if (rr.suggestions.empty()) {
      all = false;
      if (rr.note.rfind("not repaired", 0) == 0) {  // refused before any search (repair.hpp)
        text << "  " << rr.note << "\n";
        continue;
      }
      text << "  no provably well-posed " << (rr.network ? "network" : "architecture") << " found within the bounds ("
           << rr.note << ")\n";
    }
    for (std::size_t k = 0; k < rr.suggestions.size(); ++k) print_suggestion(rr.suggestions[k], text, k == 0);
    text << "  search: " << rr.note << "; " << rr.candidates_examined << " candidates examined"
         << (rr.network ? " (indices 0-based (row,column) = weight[out, in]; W1 is the first layer, as in PyTorch; "
                          "proven on [-B,B]^d only: Ch. 7 has no finite-data condition for several outputs; "
                          "nearest within the move set, not globally)\n"
                        : " (indices 0-based (row,column); X1 is the leftmost factor; nearest within the move set, not "
                          "globally)\n");
    if (!rr.suggestions.empty()) repaired.push_back(repaired_spec(spec, rr.suggestions.front()));
  }
  progress.finish();
  if (!o.output.empty()) {
    if (repaired.empty()) {
      err << "wellposed: error: -o " << o.output << ": nothing was repaired, no file written\n";
    } else {
      try {
        write_output_file(o.output, (repaired.size() == 1 ? repaired[0] : repaired).dump(2) + "\n", {o.spec_file});
      } catch (const std::exception& e) {
        err << "wellposed: error: " << e.what() << "\n";
        return kExitBadInput;
      }
    }
  }
  if (o.json) {
    out << nlohmann::json{{"results", results}}.dump(2) << "\n";
  } else {
    out << text.str();
    if (!o.output.empty() && !repaired.empty()) out << "wrote " << repaired.size() << " repaired spec(s) to " << o.output << "\n";
  }
  return all ? kExitClosed : kExitUnknown;
}

}  // namespace wellposed::cli
