#pragma once
// The one-line error with which a command ends on bad input (exit code 2).
//
// The commands that read files and write outputs (factorize, multiply,
// quantize) end the same way on every error they report: one line
// "wellposed: error: ..." on stderr naming the file, the field and the value,
// exit code kExitBadInput. This is that block, written once.
#include <exception>
#include <ostream>
#include <string>

#include "commands.hpp"
#include "output.hpp"
#include "wellposed/algebra/spec.hpp"
#include "wellposed/numeric/npy_io.hpp"

namespace wellposed::cli {

/// Call only inside a catch block (`catch (...) { return report_bad_input(err, file); }`):
/// writes the exception being handled as the command's one-line error to
/// `err` and returns kExitBadInput.
///  - InputError, OutputError, SpecError and numeric::FileFormatError already
///    name their file, field and value: printed as they are;
///  - any other std::exception is printed after "context: " (the file the
///    command was working on), or as it is when `context` is empty;
///  - anything that is not a std::exception is rethrown unchanged.
[[nodiscard]] inline int report_bad_input(std::ostream& err, const std::string& context = {}) {
  std::string line;
  try {
    throw;
  } catch (const InputError& e) {
    line = e.what();
  } catch (const OutputError& e) {
    line = e.what();
  } catch (const SpecError& e) {
    line = e.what();
  } catch (const numeric::FileFormatError& e) {
    line = e.what();
  } catch (const std::exception& e) {
    line = context.empty() ? std::string(e.what()) : context + ": " + e.what();
  }
  err << "wellposed: error: " << line << "\n";
  return kExitBadInput;
}

}  // namespace wellposed::cli
