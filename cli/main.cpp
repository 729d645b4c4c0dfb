// wellposed: CI checks on proposed sparse architectures, factorization, export.
#include <CLI/CLI.hpp>
#include <cmath>
#include <iostream>
#include <string>

#include "commands.hpp"

int main(int argc, char** argv) {
  using namespace wellposed::cli;
  CLI::App app{"wellposed: decide whether fixed-support sparse factorization is well-posed, with proofs"};
  app.require_subcommand(1);

  CheckOptions check;
  auto* c = app.add_subcommand("check", "verdict per spec: closed (well-posed), not closed (ill-posed) or unknown");
  c->add_option("specs", check.spec_files, "spec files (JSON, docs/spec.md)")->required();
  c->add_option("--timeout", check.timeout_seconds,
                "wall-clock seconds per spec for the whole decision, certificate check included")
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
  c->add_flag("--json", check.json, "one machine-readable report on stdout");
  c->add_option("--svg", check.svg_dir, "write a picture per spec into this folder");
  c->add_option("--dataset", check.dataset_dir,
                "ReLU network specs: write Lemma 7.3.4's data set (<name>-inputs.npy, <name>-labels.npy) here when small");
  c->add_option("--dataset-max-points", check.dataset_max_points, "largest data set --dataset writes (grid points)")
      ->check(CLI::PositiveNumber);

  std::string cert_file;
  auto* ce = app.add_subcommand("certify", "re-check a certificate with the independent checker");
  ce->add_option("certificate", cert_file, "a verdict JSON as written by check --json (one result or a report)")
      ->required();

  FactorizeOptions fac;
  auto* f = app.add_subcommand("factorize", "factorize a matrix with the supports of a spec, with certified error bounds");
  f->add_option("matrix", fac.matrix_file, "the target: .npy or Matrix Market .mtx")->required();
  f->add_option("--spec", fac.spec_file, "the architecture (spec file)")->required();
  f->add_option("--order", fac.order, "split order of the hierarchical algorithm")
      ->check(CLI::IsMember({"balanced", "l2r", "r2l"}));
  f->add_flag("--ortho", fac.ortho, "orthonormalize between splits (Algorithm 8)");
  f->add_option("-o,--output", fac.output, "folder for F1.npy ... and manifest.json, or a .json manifest")->required();
  f->add_flag("--quiet", fac.quiet, "no progress bar");

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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& err) {
    const int rc = app.exit(err);
    return rc == 0 ? 0 : kExitBadInput;
  }
  try {
    if (*c) return run_check(check, std::cout, std::cerr);
    if (*ce) return run_certify(cert_file, std::cout, std::cerr);
    if (*f) return run_factorize(fac, std::cout, std::cerr);
    if (*e) return run_export(ex, std::cout, std::cerr);
  } catch (const std::exception& err) {
    std::cerr << "wellposed: error: " << err.what() << "\n";
    return kExitBadInput;
  }
  return kExitBadInput;
}
