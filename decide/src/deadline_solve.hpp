#pragma once
// Internal (not installed): a solver query in a forked child process with a
// hard wall-clock deadline. Used by the exact prover (exact.cpp) and by the
// independent certificate checker (checker_exact.cpp).
//
// Why: Z3 4.8.12's nlqsat does not always honour the interrupt a watchdog
// sends at the end of the budget (measured: the full Lemma 3.2.16 sentence
// of the 4x4 r=3 case 111,111,111,010;1111,1111,0111 ran 56 s on a budget
// of 18 s). An interrupt is a request; killing a process is not. So the
// query runs in a child, which sends its answer back through a pipe; if no
// complete answer has arrived shortly before the deadline, the child is
// killed with SIGKILL and the caller gets `killed`.
//
// Guarantees:
//  * run_with_hard_deadline returns within `seconds` plus the time to reap
//    the child (measured ~0.1 s for a large process) and scheduling noise.
//  * `finished` means the child's work returned normally, its whole output
//    reached the parent (end of file) and the child exited with status 0;
//    `output` is then exactly the string the work returned. Anything else
//    (killed, crashed, threw, could not fork) is never `finished`: callers
//    must treat it as "no answer" (unknown / not verified), never as an
//    answer.
//  * Sharing this utility does not couple the checker's logic to the
//    prover's: it only moves a computation into another process; what is
//    computed is entirely the caller's.
//
//  * The child dies with its parent: it asks the kernel for SIGKILL when the
//    parent ends (PR_SET_PDEATHSIG), so killing a `check` (even with
//    SIGKILL) never leaves a solver process behind.
//
// Caveat: fork() in a multi-threaded process copies only the calling thread.
// If another thread held a lock the child needs (e.g. Z3's global memory
// lock) at the fork, the child blocks until it is killed: the answer is then
// `killed` (unknown), never wrong.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace wellposed::detail {

struct HardDeadlineRun {
  enum class Status {
    finished,     ///< the child's work returned; `output` is complete
    killed,       ///< no complete answer before the deadline: child killed
    failed,       ///< the child ended without a complete answer (crash, throw)
    not_started,  ///< pipe() or fork() failed: nothing ran
  };
  Status status = Status::not_started;
  std::string output;  ///< the work's return value (finished only)
  std::string reason;  ///< why there is no output (all other statuses)
  double seconds = 0;  ///< wall-clock seconds in the parent
};

/// The solver budget the child's work gets under a hard deadline of
/// `seconds`: the deadline less 0.3 s (at most 10%), so that a solver that
/// honours its own time-out answers "unknown (timeout)" before the kill.
double hard_deadline_child_seconds(double seconds);

/// Runs work(hard_deadline_child_seconds(seconds)) in a forked child and
/// returns its result string, or kills the child when nothing complete has
/// arrived 0.15 s (at most 5%) before `seconds` have passed. `seconds` <= 0:
/// status killed without forking. The work must not rely on threads of the
/// parent; the child leaves with _exit (no atexit handlers, no stdio flush).
HardDeadlineRun run_with_hard_deadline(double seconds, const std::function<std::string(double)>& work);

/// Several queries under ONE hard deadline, in `workers` forked children
/// that each run many of them (issue 24 item 5, helper recheck). Why: a fork
/// per query made the checker's re-check of a normal-form tree 10-50 times
/// slower than the prover's own leaf queries (measured: 0.1-0.15 s of
/// overhead per leaf, most of it copy-on-write page faults -- ~4000 per Z3
/// context built after a fork -- against a 0.005 s query). A child here
/// builds one query after the other, so each page is copied once per child.
///
/// Item k is run as work(k, s) in some child, s = the seconds left to the
/// batch's child deadline (hard_deadline_child_seconds of the whole batch,
/// counted from the call). The parent hands the items out one at a time, in
/// order, to whichever child is free (hard items do not hold up easy ones).
/// Children are started one by one: another (up to `workers` alive) each
/// 0.4 s while items are waiting, so a batch of easy queries pays for one
/// child; a child that dies is replaced while items are waiting. keep_going(k, run) is called in the parent for
/// each item as its result arrives; false stops the batch: every child is
/// killed and the items without a result are `killed` ("not run: the batch
/// stopped early").
///
/// Guarantees, per item, as for run_with_hard_deadline:
///  * `finished` means work(k, .) returned normally in a child and its whole
///    return value arrived (length-framed); `output` is then exactly it and
///    `seconds` the child's time on it. Nothing else is ever `finished`: an
///    item whose child died (crash, throw: the child exits) is `failed`, one
///    without a result at the deadline (or after a stop) `killed`, and all
///    are `not_started` when no child could be forked.
///  * The call returns within `seconds` plus the time to reap the children;
///    the children die with the parent (PR_SET_PDEATHSIG).
///  * workers = 0: as many as the machine has cores, at most 4; never more
///    children at once than items.
std::vector<HardDeadlineRun> run_batch_with_hard_deadline(
    double seconds, std::size_t items, std::size_t workers, const std::function<std::string(std::size_t, double)>& work,
    const std::function<bool(std::size_t, const HardDeadlineRun&)>& keep_going = {});

/// WELLPOSED_TRACE_EXACT is set: the prover and the checker print one line
/// per solver query (what, budget, seconds, answer) on stderr.
bool trace_exact_queries();

}  // namespace wellposed::detail
