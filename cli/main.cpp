// wellposed: CI checks on proposed sparse architectures, factorization, export.
#include <CLI/CLI.hpp>
#include <cmath>
#include <iostream>
#include <string>

#include "census.hpp"
#include "commands.hpp"
#include "repair.hpp"
#include "wellposed/decide/detail/exact_checker.hpp"

int main(int argc, char** argv) {
  using namespace wellposed::cli;
  CLI::App app{"wellposed: decide whether fixed-support sparse factorization is well-posed, with proofs"};
  app.require_subcommand(1);

  CheckOptions check;
  auto* c = app.add_subcommand("check", "verdict per spec: closed (well-posed), not closed (ill-posed) or unknown");
  c->add_option("specs", check.spec_files, "spec files (JSON, docs/spec.md)")->required();
  c->add_option("--timeout", check.timeout_seconds,
                "wall-clock seconds for the whole command, all specs together, certificate checks included "
                "(each spec gets a share of what is left; specs it does not reach: unknown, \"budget spent\")")
      ->check(CLI::Validator(
          [](std::string& s) -> std::string {
            double v = 0;
            try {
              std::size_t used = 0;
              v = std::stod(s, &used);
              if (used != s.size()) return "--timeout: '" + s + "' is not a number";
            } catch (const std::exception&) {
              return "--timeout: '" + s + "' is not a number";
            }
            if (!std::isfinite(v) || v <= 0 || v > kMaxTimeoutSeconds)
              return "--timeout: '" + s + "' must be a finite number of seconds in (0, " +
                     std::to_string(static_cast<long long>(kMaxTimeoutSeconds)) + "]";
            return "";
          },
          "SECONDS"));
  c->add_flag("!--no-timings", check.timings, "leave timings out of the report (byte-stable --json across runs)");
  std::string require;
  c->add_option("--require", require, "withhold verdicts resting on less than this trust level: proof | two-solvers "
                                      "(docs/trust.md)")
      ->check(CLI::IsMember({"proof", "two-solvers"}));
  c->add_flag("--json", check.json, "one machine-readable report on stdout");
  c->add_flag("--quiet", check.quiet, "no progress line on stderr (shown only when stderr is a terminal)");
  c->add_option("--svg", check.svg_dir, "write a picture per spec into this folder");
  c->add_option("--dataset", check.dataset_dir,
                "ReLU network specs: write Lemma 7.3.4's data set (<name>-inputs.npy, <name>-labels.npy) here when small");
  c->add_option("--dataset-max-points", check.dataset_max_points, "largest data set --dataset writes (grid points)")
      ->check(CLI::PositiveNumber);

  // --max-memory on every command that reads input (limits.hpp): "512M", "2G", bytes.
  auto memory_option = [](CLI::App* sub, std::uint64_t& target) {
    sub->add_option_function<std::string>(
           "--max-memory",
           [&target](const std::string& s) {
             const auto v = wellposed::parse_memory_size(s);
             if (!v) throw CLI::ValidationError("--max-memory", "expected a size such as 512M, 2G or a byte count, got '" + s + "'");
             target = *v;
           },
           "most memory the input may need (e.g. 512M, 4G; default a quarter of physical memory)");
  };
  memory_option(c, check.max_memory_bytes);

  std::string cert_file;
  std::uint64_t cert_max_memory = wellposed::default_max_memory_bytes();
  auto* ce = app.add_subcommand("certify", "re-check a certificate with the independent checker");
  ce->add_option("certificate", cert_file, "a verdict JSON as written by check --json (one result or a report)")
      ->required();
  memory_option(ce, cert_max_memory);

  FactorizeOptions fac;
  auto* f = app.add_subcommand("factorize", "factorize a matrix with the supports of a spec, with certified error bounds");
  f->add_option("matrix", fac.matrix_file, "the target: .npy or Matrix Market .mtx")->required();
  f->add_option("--spec", fac.spec_file, "the architecture (spec file)")->required();
  f->add_option("--order", fac.order, "split order of the hierarchical algorithm (auto: peel from the right by 3)")
      ->check(CLI::IsMember({"auto", "balanced", "l2r", "r2l", "peel"}));
  f->add_option("--algorithm", fac.algorithm, "hierarchical Algorithm 7 or 8 (orthonormalized, default)")
      ->check(CLI::IsMember({7, 8}));
  f->add_flag("--ortho", fac.ortho, "same as --algorithm 8");
  f->add_flag("--tight", fac.tight, "always compute the tight residual enclosure (chain multiply), whatever it costs");
  f->add_flag("--all-split-errors", fac.all_split_errors,
              "compute every split error E_s(A): a-priori bounds (Thms 6.5.9, 6.5.14) and the best lower bound; slower");
  f->add_flag("--force", fac.force, "write into an existing non-empty folder (only the files written are replaced)");
  f->add_option("-o,--output", fac.output,
                "factor-chain folder (manifest.json + F1.npy ..., docs/factor-format.md), or a .json manifest")
      ->required();
  f->add_flag("--quiet", fac.quiet, "no progress bar");
  memory_option(f, fac.max_memory_bytes);

  MultiplyOptions mul;
  auto* mu = app.add_subcommand("multiply", "Y = X_1 ... X_L X through a factor-chain folder (fast CPU kernels)");
  mu->add_option("factors", mul.factors, "factor-chain folder written by factorize")->required();
  mu->add_option("x", mul.x_file, "the vectors: .npy, float32 or float64")->required();
  mu->add_option("-o,--output", mul.output, "Y as .npy (same dtype and layout as X)")->required();
  mu->add_flag("--transpose", mul.transpose, "Y = (X_1 ... X_L)^T X");
  mu->add_option("--layout", mul.layout, "columns: X is (n, B), one vector per column; rows: X is (B, n)")
      ->check(CLI::IsMember({"columns", "rows"}));

  // ---- quantize (issue 25) ----
  QuantizeOptions quant;
  auto* qz = app.add_subcommand("quantize", "round a factor chain's values into fp16, bf16, fp8 or t-bit floats "
                                            "(optimal for two factors), with the certified error");
  qz->add_option("factors", quant.factors, "factor-chain folder written by factorize")->required();
  qz->add_option("-o,--output", quant.output, "the quantized factor-chain folder")->required();
  qz->add_option("--format", quant.format, "fp16, bf16, fp8-e5m2, fp8-e4m3, or a significand width t in [2, 53]")
      ->required();
  qz->add_option("--method", quant.method, "rtn (round each value), pairwise, l2r (default), r2l");
  qz->add_flag("--force", quant.force, "write into an existing non-empty folder (only the files written are replaced)");
  // ---- end quantize ----

  ExportOptions ex;
  auto* e = app.add_subcommand("export", "print the decision sentence for another solver");
  e->add_option("spec", ex.spec_file, "spec file (one spec)")->required();
  e->add_option("--format", ex.format, "smt2 (z3, cvc5) or qepcad")->check(CLI::IsMember({"smt2", "qepcad"}));
  e->add_option("--sentence", ex.sentence,
                 "not-closed (Lemma 3.2.16: TRUE iff ill-posed), well-posed (TRUE iff closed), or asymptotic-cone "
                 "(two factors: FALSE proves closed)")
      ->check(CLI::IsMember({"not-closed", "well-posed", "asymptotic-cone"}));
  e->add_flag("--no-reduce", ex.no_reduce, "the seed's sentence verbatim, without the equivalence-preserving reductions");
  e->add_option("-o,--output", ex.output, "write to this file instead of stdout");

  // ---- wellposed report (issue 23 item 4) ----
  ReportOptions rep;
  auto* rp = app.add_subcommand("report", "one self-contained HTML page: verdicts, explanations, certificates, "
                                          "pictures, factorization enclosures");
  rp->add_option("specs", rep.spec_files, "spec files (JSON, docs/spec.md)");
  rp->add_option("-o,--output", rep.output, "the .html file to write")->required();
  rp->add_option("--budget", rep.budget_seconds, "wall-clock seconds for the whole command, all specs together, as check --timeout")
      ->check(CLI::Range(1e-3, kMaxTimeoutSeconds));
  rp->add_option("--factor-result", rep.factor_results,
                 "a factorize output (folder or .json manifest) whose enclosure and per-split errors to show");
  rp->add_flag("--force", rep.force, "replace an existing output file");
  memory_option(rp, rep.max_memory_bytes);
  // ---- end wellposed report ----

  // census (issue 24): orbits of small support chains, decided and recorded; merge; summary.
  CensusOptions census_opts;
  const CensusCommand census_cmd = add_census_command(app, census_opts);

  // ---- repair (issue 23 item 2) ----
  RepairCliOptions repair_opts;
  auto* rpr = app.add_subcommand("repair", "nearest provably well-posed architectures for an ill-posed or unknown spec");
  rpr->add_option("spec", repair_opts.spec_file, "spec file (one spec or a list)")->required();
  rpr->add_option("--budget", repair_opts.budget, "the repaired architecture has at most N parameters")->check(CLI::PositiveNumber);
  rpr->add_option("--max-changes", repair_opts.max_changes, "suggest only changes of at most K support entries");
  rpr->add_option("--search-depth", repair_opts.search_depth, "deepest best-first search level (single-entry edits, default 3)");
  rpr->add_option("--timeout", repair_opts.timeout_seconds, "wall-clock seconds for the whole command, all specs together, as check --timeout")
      ->check(CLI::PositiveNumber);
  rpr->add_flag("--json", repair_opts.json, "one machine-readable report on stdout");
  rpr->add_option("-o,--output", repair_opts.output, "write the nearest repaired spec(s) to this file (never replaced without --force)");
  rpr->add_flag("--force", repair_opts.force, "replace an existing -o file");
  rpr->add_flag("--quiet", repair_opts.quiet, "no progress line on stderr (shown only when stderr is a terminal)");
  memory_option(rpr, repair_opts.max_memory_bytes);
  // ---- end repair ----

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& err) {
    const int rc = app.exit(err);
    return rc == 0 ? 0 : kExitBadInput;
  }
  try {
    if (*c) {
      if (!require.empty()) {
        check.require = wellposed::trust_level_from_string(require);
        // two-solvers needs the second solver (tools/z3js) unless the environment names one.
        if (*check.require == wellposed::TrustLevel::two_solvers && check.certificate_check.second_solver.script.empty())
          check.certificate_check.second_solver.script = WELLPOSED_Z3JS_SCRIPT;
      }
      return run_check(check, std::cout, std::cerr);
    }
    if (*ce) return run_certify(cert_file, std::cout, std::cerr, cert_max_memory);
    if (*f) return run_factorize(fac, std::cout, std::cerr);
    if (*e) return run_export(ex, std::cout, std::cerr);
    if (*rp) return run_report(rep, std::cout, std::cerr);
    if (*mu) return run_multiply(mul, std::cout, std::cerr);
    if (*qz) return run_quantize(quant, std::cout, std::cerr);
    if (*census_cmd.census) return run_census(census_cmd, census_opts, std::cout, std::cerr);

    if (*rpr) return run_repair(repair_opts, std::cout, std::cerr);
  } catch (const std::exception& err) {
    std::cerr << "wellposed: error: " << err.what() << "\n";
    return kExitBadInput;
  }
  return kExitBadInput;
}
