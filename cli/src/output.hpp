#pragma once
// Outputs that never destroy data (issue 18 item 1, issue 20 B3).
//
// Every command that writes files goes through this unit:
//  - files are written into a fresh temporary sibling of the output (a folder
//    `.NAME.wp-tmp-XXXXXX` next to it, created with mkdtemp) and moved into
//    place with rename(2) only after everything was written;
//  - an existing non-empty output folder is refused (OutputError, exit 2)
//    unless `force`; even then only the files the command itself wrote are
//    replaced (one rename per file), nothing else in the folder is touched;
//  - a file the command read (protect()) is never replaced;
//  - a run that is killed or fails before commit() leaves the previous output
//    exactly as it was (at worst a hidden staging folder remains, which the
//    next run does not need and never deletes blindly);
//  - `-o out/` (trailing slash), `-o .` and `-o` naming the input's folder are
//    handled like any other folder: nothing is ever deleted (no remove_all).
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace wellposed::cli {

/// A refused or failed output; reported as one line, exit code 2.
struct OutputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The folder the user named, normalized: absolute, lexically normal, without
/// a trailing separator ("out/" and "out" name the same folder, "." the
/// working directory itself).
std::filesystem::path normalize_output(const std::string& target);

/// A staged output folder. Typical use:
///   StagedDirectory out(o.output, o.force);
///   out.protect(input_file);
///   write_npy(out.file("F1.npy"), ...);   // every name goes through file()
///   out.commit();                          // move into place
/// The destructor of an uncommitted stage removes exactly the files it handed
/// out and the staging folder (never anything else).
class StagedDirectory {
 public:
  /// Checks the target first (before any work is done by the caller, so a
  /// refused output costs nothing): OutputError when it exists and is not a
  /// folder, or is a non-empty folder and !force, or its parent does not exist.
  StagedDirectory(const std::string& target, bool force);
  StagedDirectory(const StagedDirectory&) = delete;
  StagedDirectory& operator=(const StagedDirectory&) = delete;
  ~StagedDirectory();

  /// Never replace this file (an input of the command): commit() refuses when
  /// one of the written names resolves to it.
  void protect(const std::string& path);
  /// Path of a new file `name` (a plain file name, no separators) inside the
  /// staging folder; recorded as written by the command.
  std::string file(const std::string& name);
  /// Moves the staged files into the target: one rename of the whole folder
  /// when the target does not exist or is an empty folder, else one rename per
  /// written file (only those names are replaced). Throws OutputError.
  void commit();

  const std::filesystem::path& target() const { return target_; }
  const std::filesystem::path& staging() const { return staging_; }

 private:
  std::filesystem::path target_, staging_;
  std::vector<std::string> names_;
  std::vector<std::filesystem::path> protected_;
  bool force_ = false, committed_ = false;
};

/// One output file written atomically: `content` goes to a temporary sibling,
/// then rename(2) replaces `target` (a file the user named as output). Refuses
/// (OutputError) when `target` is an existing folder or resolves to one of
/// `inputs`.
void write_output_file(const std::string& target, const std::string& content,
                       const std::vector<std::string>& inputs = {});
/// The same for a writer callback that fills the temporary path.
template <class Writer>
void write_output_file_with(const std::string& target, const std::vector<std::string>& inputs, Writer&& write);

/// Implementation detail of write_output_file_with.
std::filesystem::path begin_output_file(const std::string& target, const std::vector<std::string>& inputs);
void finish_output_file(const std::filesystem::path& tmp, const std::string& target, bool ok);

template <class Writer>
void write_output_file_with(const std::string& target, const std::vector<std::string>& inputs, Writer&& write) {
  const auto tmp = begin_output_file(target, inputs);
  try {
    write(tmp.string());
  } catch (...) {
    finish_output_file(tmp, target, false);
    throw;
  }
  finish_output_file(tmp, target, true);
}

/// Test hook: when the environment variable WELLPOSED_TEST_KILL_BEFORE_COMMIT
/// is set, the process kills itself with SIGKILL right before it would move
/// its output into place (after every file was written): the state a user
/// gets from a run killed at the worst moment.
void maybe_kill_before_commit();

}  // namespace wellposed::cli
