#pragma once
// One wall-clock budget shared by several decisions: the CLI's check
// --timeout, repair --timeout, report --budget and Python's
// wellposed.check(file_or_list, timeout) bound the whole command or call,
// not each spec.
//
// What is guaranteed: the clock starts when the SharedBudget is made (the
// CLI makes it first, so reading the specs counts); each spec is given `share(k)` = what is left divided by the
// k specs still to do, so time a spec does not use passes to the ones after
// it, and an overshoot of one spec (the library calls return within their
// budget plus the time to reap a solver child, analyze.hpp) is taken from the
// ones after it. Hence the command ends within the budget plus one such
// overshoot plus writing its output. A spec reached when nothing is left is
// not started: it is reported unknown, reason "budget spent" (budget_spent()).
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string>
#include <utility>

#include "wellposed/decide/verdict.hpp"

namespace wellposed {

class SharedBudget {
 public:
  using clock = std::chrono::steady_clock;

  /// `total_seconds`: the user's budget for all the specs; `option`: how the
  /// user gave it ("--timeout", "--budget", "timeout"), named in the reasons.
  SharedBudget(double total_seconds, std::string option)
      : total_(total_seconds), option_(std::move(option)), start_(clock::now()) {}

  double total() const { return total_; }
  double elapsed() const { return std::chrono::duration<double>(clock::now() - start_).count(); }
  double left() const { return std::max(0.0, total_ - elapsed()); }
  /// Nothing is left: the next spec is not started.
  bool spent() const { return left() <= 0.0; }
  /// The time the next spec may take when `specs_left` specs (it included)
  /// are still to do: an equal share of what is left (0 when spent).
  double share(std::size_t specs_left) const { return left() / static_cast<double>(std::max<std::size_t>(1, specs_left)); }

  /// The verdict of a spec the budget did not reach (never started).
  Verdict budget_spent() const {
    Verdict v;
    v.closedness = Closedness::unknown;
    v.method = "budget spent";
    v.reason = "budget spent: " + option_ + " (" + seconds_text() +
               " s for all specs together) ran out before this spec was started";
    v.explanation = "unknown: not examined: the " + seconds_text() + " s that " + option_ +
                    " gives all the specs together were used by the specs before it; run it alone or with a "
                    "larger " + option_;
    return v;
  }

 private:
  std::string seconds_text() const {
    std::string s = std::to_string(total_);  // "2.000000" -> "2", "0.500000" -> "0.5"
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }

  double total_;
  std::string option_;
  clock::time_point start_;
};

}  // namespace wellposed
