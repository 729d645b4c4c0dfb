#pragma once
// A progress line on stderr for long work (issue 23 item 3).
//
// Shown only when enabled (the command's --quiet not given) AND stderr is a
// terminal: nothing at all is written otherwise, so logs and pipes stay
// clean. The line says what is being done, the time elapsed and an estimate
// of what is left: from the fraction done when the library reports one
// (done / total), else the budget still available ("at most N s left").
// It appears after the work has run for a second and is erased when the
// reporter is destroyed. A background thread redraws it, so the elapsed time
// moves even while one library call runs for a long time. No process-global
// state: each command owns its reporter and passes a callback to the library.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>

namespace wellposed::cli {

class ProgressLine {
 public:
  /// enabled: the caller's choice (!--quiet); the line is drawn only when
  /// also stderr_is_terminal() (or `force_terminal`, for tests).
  ProgressLine(std::ostream& err, bool enabled, bool force_terminal = false);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  /// True iff the line is drawn at all.
  bool active() const { return active_; }
  /// A new stage: `what` is being done; `seconds_left` bounds the time it may
  /// take (a budget), if known.
  void stage(const std::string& what, std::optional<double> seconds_left = std::nullopt);
  /// Work counted in units: done of about total (total may grow).
  void count(std::size_t done, std::size_t total);
  /// Stops redrawing and erases the line (before the command prints its
  /// result); idempotent, also done by the destructor.
  void finish();

  static bool stderr_is_terminal();

 private:
  void draw(bool final_clear);
  std::ostream& err_;
  bool active_ = false;
  std::mutex m_;
  std::string what_;
  std::optional<double> budget_;
  std::chrono::steady_clock::time_point t0_, stage_t0_;
  std::size_t done_ = 0, total_ = 0;
  std::size_t drawn_width_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace wellposed::cli
