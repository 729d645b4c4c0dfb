#include "output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <system_error>

namespace wellposed::cli {

namespace fs = std::filesystem;

namespace {

std::string quote(const fs::path& p) { return "'" + p.string() + "'"; }

bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  return fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec) && !ec;
}

}  // namespace

fs::path normalize_output(const std::string& target) {
  if (target.empty()) throw OutputError("output path is empty");
  fs::path p = fs::absolute(fs::path(target)).lexically_normal();
  // lexically_normal keeps a trailing separator ("out/" -> ".../out/"): drop
  // it so that parent_path() is the folder that holds the output.
  while (p.has_relative_path() && p.filename().empty()) p = p.parent_path();
  if (!p.has_relative_path()) throw OutputError(target + ": the root folder cannot be an output");
  return p;
}

StagedDirectory::StagedDirectory(const std::string& target, bool force) : force_(force) {
  target_ = normalize_output(target);
  std::error_code ec;
  const auto st = fs::symlink_status(target_, ec);
  if (fs::exists(st)) {
    if (!fs::is_directory(fs::status(target_, ec)))
      throw OutputError(target + ": exists and is not a folder (refusing to replace it)");
    if (!fs::is_empty(target_, ec) && !force)
      throw OutputError(target + ": folder exists and is not empty; pass --force to replace only the files this "
                                 "command writes (nothing else in it is touched)");
  }
  const fs::path parent = target_.parent_path();
  if (!fs::is_directory(parent, ec)) throw OutputError(target + ": parent folder " + quote(parent) + " does not exist");
  std::string tmpl = (parent / ("." + target_.filename().string() + ".wp-tmp-XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data()))
    throw OutputError(target + ": cannot create a staging folder in " + quote(parent) + ": " + std::strerror(errno));
  staging_ = fs::path(buf.data());
  // mkdtemp creates 0700; the committed folder gets the usual permissions.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::chmod(staging_.c_str(), 0777 & ~mask);
}

StagedDirectory::~StagedDirectory() {
  if (committed_ || staging_.empty()) return;
  // Remove exactly what this stage handed out, then the (now empty) folder.
  std::error_code ec;
  for (const auto& n : names_) fs::remove(staging_ / n, ec);
  fs::remove(staging_, ec);  // fails harmlessly if something else is inside
}

void StagedDirectory::protect(const std::string& path) {
  std::error_code ec;
  if (fs::exists(path, ec)) protected_.push_back(fs::absolute(path));
}

std::string StagedDirectory::file(const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
    throw OutputError("internal: bad output file name '" + name + "'");
  for (const auto& n : names_)
    if (n == name) return (staging_ / name).string();
  names_.push_back(name);
  return (staging_ / name).string();
}

void StagedDirectory::commit() {
  maybe_kill_before_commit();
  std::error_code ec;
  for (const auto& n : names_)
    for (const auto& p : protected_)
      if (same_file(target_ / n, p))
        throw OutputError(quote(target_ / n) + " is an input of this command; refusing to replace it");
  const bool exists = fs::exists(fs::symlink_status(target_, ec));
  if (!exists || fs::is_empty(target_, ec)) {
    // rename(2) of a folder onto a missing or empty folder is atomic.
    if (::rename(staging_.c_str(), target_.c_str()) == 0) {
      committed_ = true;
      return;
    }
    // "." or a mount point cannot be renamed onto: fall through to per-file moves.
  } else if (!force_) {
    throw OutputError(quote(target_) + ": folder appeared and is not empty; pass --force");
  }
  for (const auto& n : names_) {
    const fs::path to = target_ / n;
    if (fs::is_directory(to, ec)) throw OutputError(quote(to) + " is a folder; refusing to replace it");
    if (::rename((staging_ / n).c_str(), to.c_str()) != 0)
      throw OutputError(quote(to) + ": cannot move the new file into place: " + std::strerror(errno));
  }
  committed_ = true;
  fs::remove(staging_, ec);  // empty now; never remove_all
}

fs::path begin_output_file(const std::string& target, const std::vector<std::string>& inputs) {
  const fs::path t = normalize_output(target);
  std::error_code ec;
  if (fs::is_directory(t, ec)) throw OutputError(target + ": is a folder; refusing to replace it");
  for (const auto& in : inputs)
    if (same_file(t, in)) throw OutputError(target + ": is an input of this command; refusing to replace it");
  const fs::path parent = t.parent_path();
  if (!fs::is_directory(parent, ec)) throw OutputError(target + ": parent folder " + quote(parent) + " does not exist");
  std::string tmpl = (parent / ("." + t.filename().string() + ".wp-tmp-XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  const int fd = ::mkstemp(buf.data());
  if (fd < 0) throw OutputError(target + ": cannot create a temporary file in " + quote(parent) + ": " + std::strerror(errno));
  ::close(fd);
  return fs::path(buf.data());
}

void finish_output_file(const fs::path& tmp, const std::string& target, bool ok) {
  std::error_code ec;
  if (!ok) {
    fs::remove(tmp, ec);
    return;
  }
  maybe_kill_before_commit();
  // mkstemp creates 0600; give the file the usual permissions (umask applies).
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::chmod(tmp.c_str(), 0666 & ~mask);
  if (::rename(tmp.c_str(), normalize_output(target).c_str()) != 0) {
    const std::string why = std::strerror(errno);
    fs::remove(tmp, ec);
    throw OutputError(target + ": cannot move the new file into place: " + why);
  }
}

void write_output_file(const std::string& target, const std::string& content, const std::vector<std::string>& inputs) {
  write_output_file_with(target, inputs, [&](const std::string& tmp) {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(content.data(), static_cast<std::streamsize>(content.size()));
    f.flush();
    if (!f) throw OutputError(target + ": write failed");
  });
}

void maybe_kill_before_commit() {
  if (std::getenv("WELLPOSED_TEST_KILL_BEFORE_COMMIT")) ::kill(::getpid(), SIGKILL);
}

}  // namespace wellposed::cli
