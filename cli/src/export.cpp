// wellposed export: the decision sentence for another solver.
#include <iostream>

#include "commands.hpp"
#include "wellposed/algebra/formula.hpp"
#include "wellposed/algebra/sentences.hpp"
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
  const bool not_closed = o.sentence == "not-closed";
  // Lemma 3.2.16 (entrywise residual: same truth value, degree L instead of 2L) or Lemma 3.2.18.2.
  const Formula f = not_closed ? non_closedness_sentence(s.architecture, ResidualForm::entrywise)
                               : well_posedness_sentence(s.architecture);
  const std::string meaning = not_closed ? "TRUE (sat) iff L_I is NOT closed: the architecture is ill-posed (Lemma 3.2.16)"
                                         : "TRUE (sat) iff every target has an optimum: well-posed (Lemma 3.2.18.2)";
  std::string text;
  if (o.format == "smt2") {
    SmtLib2Options so;
    so.comment = "wellposed export of '" + s.name + "' (" + o.spec_file + ")\n" + meaning +
                 "\nproducts read left to right: A = F1 F2 ... FL";
    text = to_smtlib2(f, so);
  } else {
    QepcadOptions qo;
    qo.description = "wellposed export of " + s.name + ": " + meaning;
    text = to_qepcad(f, qo);
  }
  if (o.output.empty()) {
    out << text;
  } else {
    write_file_atomically(o.output, text);
  }
  return 0;
}

}  // namespace wellposed::cli
