// The progress line (progress.hpp).
#include "progress.hpp"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <sstream>

#include <unistd.h>

namespace wellposed::cli {

namespace {
double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
std::string secs(double s) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(s < 10 ? 1 : 0) << s << " s";
  return o.str();
}
}  // namespace

bool ProgressLine::stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

ProgressLine::ProgressLine(std::ostream& err, bool enabled, bool force_terminal)
    : err_(err), active_(enabled && (force_terminal || stderr_is_terminal())) {
  t0_ = stage_t0_ = std::chrono::steady_clock::now();
  if (!active_) return;
  thread_ = std::thread([this] {
    while (!stop_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (!stop_ && since(t0_) >= 1.0) draw(false);
    }
  });
}

ProgressLine::~ProgressLine() { finish(); }

void ProgressLine::finish() {
  if (!active_) return;
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  draw(true);
}

void ProgressLine::stage(const std::string& what, std::optional<double> seconds_left) {
  if (!active_) return;
  std::lock_guard<std::mutex> lock(m_);
  what_ = what;
  budget_ = seconds_left;
  stage_t0_ = std::chrono::steady_clock::now();
  done_ = total_ = 0;
}

void ProgressLine::count(std::size_t done, std::size_t total) {
  if (!active_) return;
  std::lock_guard<std::mutex> lock(m_);
  done_ = done;
  total_ = total;
}

void ProgressLine::draw(bool final_clear) {
  std::lock_guard<std::mutex> lock(m_);
  if (final_clear) {
    if (drawn_width_) err_ << "\r" << std::string(drawn_width_, ' ') << "\r" << std::flush;
    drawn_width_ = 0;
    return;
  }
  if (what_.empty()) return;
  const double in_stage = since(stage_t0_);
  std::string line = what_ + " — " + secs(since(t0_)) + " elapsed";
  if (total_ > 0 && done_ > 0 && done_ <= total_) {
    const double left = in_stage * static_cast<double>(total_ - done_) / static_cast<double>(done_);
    line += ", " + std::to_string(done_) + "/" + std::to_string(total_) + ", about " + secs(left) + " left";
  } else if (budget_) {
    line += ", at most " + secs(std::max(0.0, *budget_ - in_stage)) + " left";
  }
  if (line.size() > 150) line = line.substr(0, 147) + "...";
  const std::size_t pad = drawn_width_ > line.size() ? drawn_width_ - line.size() : 0;
  err_ << "\r" << line << std::string(pad, ' ') << std::flush;
  drawn_width_ = line.size();
}

}  // namespace wellposed::cli
