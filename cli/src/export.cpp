// wellposed export: the decision sentence for another solver.
#include <iostream>

#include "commands.hpp"
#include "wellposed/decide/export.hpp"
#include "wellposed/algebra/spec.hpp"

namespace wellposed::cli {

int run_export(const ExportOptions& o, std::ostream& out, std::ostream& err) {
  std::vector<Spec> specs;
  try {
    specs = load_specs(o.spec_file);
  } catch (const SpecError& e) {
    err << "wellposed: error: " << e.what() << "\n";
    return kExitBadInput;
  }
  if (specs.size() != 1) {
    err << "wellposed: error: " << o.spec_file << ": export takes one spec, the file holds " << specs.size() << "\n";
    return kExitBadInput;
  }
  const Spec& s = specs.front();
  // The sentence is exponential in the number of variables for every solver
  // (Lemma 3.2.16's cost); refuse what no solver can read back in reasonable time.
  constexpr std::size_t kMaxVariables = 400;
  const std::size_t vars = s.architecture.parameter_count() + s.architecture.rows() * s.architecture.cols();
  if (vars > kMaxVariables) {
    err << "wellposed: error: " << o.spec_file << ": " << s.name << " gives a sentence with " << vars
        << " variables (more than " << kMaxVariables << "); export is meant for small architectures\n";
    return kExitBadInput;
  }
  const SentenceKind kind = o.sentence == "not-closed"   ? SentenceKind::non_closedness
                           : o.sentence == "well-posed" ? SentenceKind::well_posedness
                                                        : SentenceKind::asymptotic_cone;
  if (kind == SentenceKind::asymptotic_cone && s.architecture.num_factors() != 2) {
    err << "wellposed: error: " << o.spec_file << ": the asymptotic-cone sentence is defined for two factors; "
        << s.name << " has " << s.architecture.num_factors() << "\n";
    return kExitBadInput;
  }
  // Reduced (independent blocks, gauge fixed, target scaled; equivalent, see
  // decide/detail/reductions.hpp) unless --no-reduce asks for the seed's sentence verbatim.
  std::string text = export_sentence(s.architecture, o.format == "smt2" ? ExportFormat::smtlib2 : ExportFormat::qepcad,
                                     kind, !o.no_reduce);
  // QEPCAD reads exactly one bracketed description first (export_sentence
  // writes it), so the provenance line goes into SMT-LIB2 output only.
  if (o.format == "smt2") text = "; wellposed export of '" + s.name + "' from " + o.spec_file + "\n" + text;
  if (o.output.empty()) {
    out << text;
  } else {
    write_file_atomically(o.output, text);
  }
  return 0;
}

}  // namespace wellposed::cli
