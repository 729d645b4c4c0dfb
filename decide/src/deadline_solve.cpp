// A solver query in a forked child with a hard deadline (deadline_solve.hpp).
#include "deadline_solve.hpp"

#include "child_process.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include <thread>

#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace wellposed::detail {

namespace {
using clock_type = child_clock;
double since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }

// When a query child is killed under a hard deadline of `seconds` from t0:
// 0.15 s (at most 5%) before it, because reaping a large process takes ~0.1 s.
clock_type::time_point kill_time(clock_type::time_point t0, double seconds) {
  return child_time_after(t0, seconds - std::min(0.15, 0.05 * seconds));
}

// Forks a query child and runs `body` in it, after closing `close_in_child`
// (the parent's ends of its channels). The body must leave with _exit (no
// atexit handlers, no stdio flush); one that returns is exit status 1.
// Returns the child's pid in the parent, -1 when fork() failed.
//
// The child dies with its parent (issue 20 B11): a `check` killed with
// SIGKILL must not leave a solver running. PR_SET_PDEATHSIG fires when the
// forking thread ends; that thread waits for this child, so it only fires
// when the parent is gone. If the parent died before the prctl took effect,
// getppid() is no longer the parent: the child leaves at once.
pid_t fork_query_child(const std::vector<int>& close_in_child, const std::function<void()>& body) {
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  for (const int fd : close_in_child) ::close(fd);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);
  body();
  ::_exit(1);
}
}  // namespace

double hard_deadline_child_seconds(double seconds) { return seconds - std::min(0.3, 0.1 * seconds); }

bool trace_exact_queries() {
  static const bool on = std::getenv("WELLPOSED_TRACE_EXACT") != nullptr;
  return on;
}

HardDeadlineRun run_with_hard_deadline(double seconds, const std::function<std::string(double)>& work) {
  HardDeadlineRun out;
  const auto t0 = clock_type::now();
  if (seconds <= 0) {
    out.status = HardDeadlineRun::Status::killed;
    out.reason = "no time left for the query";
    return out;
  }
  int fd[2];
  if (::pipe(fd) != 0) {
    out.reason = "pipe() failed: the query did not run";
    return out;
  }
  // The child: run the work and write its result. A throw (or a failed
  // write) is exit status 1: the parent sees `failed`.
  const pid_t pid = fork_query_child({fd[0]}, [&] {
    std::string msg;
    try {
      msg = work(hard_deadline_child_seconds(seconds));
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(write_all(fd[1], msg) ? 0 : 1);
  });
  if (pid < 0) {
    ::close(fd[0]);
    ::close(fd[1]);
    out.reason = "fork() failed: the query did not run";
    return out;
  }
  ::close(fd[1]);
  const auto kill_at = kill_time(t0, seconds);
  std::string buf;
  bool eof = false, killed = false;
  while (!eof && !killed) {
    pollfd pf{fd[0], POLLIN, 0};
    const ChildWait w = wait_readable(&pf, 1, kill_at);
    if (w == ChildWait::deadline) killed = true;
    else if (w == ChildWait::ready) eof = read_ready(fd[0], buf) == ChildRead::eof;  // eof: every write end is closed
    // nothing / error: the deadline is checked again
  }
  ::close(fd[0]);
  if (killed) ::kill(pid, SIGKILL);
  const int status = reap_child(pid);
  out.seconds = since(t0);
  if (killed) {
    out.status = HardDeadlineRun::Status::killed;
    out.reason = "no answer within its deadline: the query process was killed";
    return out;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    out.status = HardDeadlineRun::Status::failed;
    out.reason = WIFSIGNALED(status) ? "the query process died of signal " + std::to_string(WTERMSIG(status))
                                     : "the query process ended without a result";
    return out;
  }
  out.status = HardDeadlineRun::Status::finished;
  out.output = std::move(buf);
  return out;
}

namespace {

// The child of a batch: reads item numbers ("k\n") from fd, runs each, and
// answers with one record per item: "k length seconds\n" + the output. Leaves
// at end of file (the parent has no more items for it); a throw is exit 1.
[[noreturn]] void batch_child(int fd, clock_type::time_point child_deadline,
                              const std::function<std::string(std::size_t, double)>& work) {
  std::string in;
  while (true) {
    const auto nl = in.find('\n');
    if (nl == std::string::npos) {
      if (read_ready(fd, in) == ChildRead::eof) ::_exit(0);
      continue;
    }
    const std::size_t k = std::stoul(in.substr(0, nl));
    in.erase(0, nl + 1);
    const auto t0 = clock_type::now();
    std::string out;
    try {
      out = work(k, std::chrono::duration<double>(child_deadline - t0).count());
    } catch (...) {
      ::_exit(1);
    }
    char head[96];
    std::snprintf(head, sizeof head, "%zu %zu %.6f\n", k, out.size(), since(t0));
    if (!write_all(fd, head + out)) ::_exit(1);
  }
}

}  // namespace

std::vector<HardDeadlineRun> run_batch_with_hard_deadline(
    double seconds, std::size_t items, std::size_t workers, const std::function<std::string(std::size_t, double)>& work,
    const std::function<bool(std::size_t, const HardDeadlineRun&)>& keep_going) {
  using Status = HardDeadlineRun::Status;
  const auto t0 = clock_type::now();
  std::vector<HardDeadlineRun> out(items);
  if (items == 0) return out;
  if (seconds <= 0) {
    for (auto& r : out) r.status = Status::killed, r.reason = "no time left for the query";
    return out;
  }
  const auto child_deadline = child_time_after(t0, hard_deadline_child_seconds(seconds));
  const auto kill_at = kill_time(t0, seconds);  // as run_with_hard_deadline
  if (workers == 0) workers = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4);
  workers = std::min(workers, items);
  struct Child {
    pid_t pid = -1;
    int fd = -1;
    std::string buf;
    long item = -1;  // the item it is working on, -1: none
  };
  std::vector<Child> kids;
  bool can_fork = true;
  std::size_t next = 0, done = 0;
  bool stopped = false;
  // Hands `k` the next item, or its end of file when there is none (the
  // child then leaves).
  auto hand_out = [&](Child& k) {
    k.item = -1;
    if (next >= items) {
      ::shutdown(k.fd, SHUT_WR);
      return;
    }
    const std::string line = std::to_string(next) + "\n";
    if (::send(k.fd, line.data(), line.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(line.size())) {
      k.item = static_cast<long>(next++);
    }  // else the child is gone: its end of file is read below
  };
  // One more child, given the next item; false when none could be started.
  auto spawn = [&]() {
    int sv[2];
    // A socket pair, not pipes: the parent's send() uses MSG_NOSIGNAL, so a
    // child that died cannot raise SIGPIPE in the caller's process.
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return false;
    // The child closes the other children's sockets too: their end of file must reach them.
    std::vector<int> close_in_child{sv[0]};
    for (const auto& k : kids)
      if (k.fd >= 0) close_in_child.push_back(k.fd);
    const pid_t pid = fork_query_child(close_in_child, [&] { batch_child(sv[1], child_deadline, work); });
    if (pid < 0) {
      ::close(sv[0]);
      ::close(sv[1]);
      return false;
    }
    ::close(sv[1]);
    kids.push_back({pid, sv[0], {}, -1});
    hand_out(kids.back());
    return true;
  };
  // Children are started one at a time: another one whenever the batch has
  // run `patience` seconds since the last start and items are still waiting.
  // A child's first query pays for its copy-on-write pages (0.1-0.6 s
  // measured, more under load): a batch of easy queries (normal-form leaves
  // of 0.005 s) then runs in one child, a long one (64 leaves of 0.15 s;
  // quantified algebraic-onto patterns) in up to `workers` at once.
  const double patience = 0.4;
  auto last_spawn = clock_type::now();
  if (!spawn()) {
    for (auto& r : out) r.reason = "fork() failed: the query did not run";
    return out;
  }
  std::size_t alive = 1;
  while (done < items && !stopped) {
    const auto now = clock_type::now();
    if (now >= kill_at) break;
    if (alive == 0) {  // every child has died (on an item of its own): a new one takes the rest
      if (next >= items || !can_fork || !spawn()) break;
      last_spawn = now;
      ++alive;
      continue;
    }
    auto until = kill_at;
    if (can_fork && next < items && alive < workers) {
      const auto spawn_at = child_time_after(last_spawn, patience);
      if (now >= spawn_at) {
        last_spawn = now;
        if (spawn()) ++alive;
        else can_fork = false;
        continue;
      }
      until = std::min(until, spawn_at);
    }
    std::vector<pollfd> pf;
    std::vector<std::size_t> who;
    for (std::size_t w = 0; w < kids.size(); ++w)
      if (kids[w].fd >= 0) pf.push_back({kids[w].fd, POLLIN, 0}), who.push_back(w);
    // Anything but ready (time-out, EINTR, the deadline): the clock is looked at again at the top.
    if (wait_readable(pf.data(), pf.size(), until) != ChildWait::ready) continue;
    for (std::size_t p = 0; p < pf.size() && !stopped; ++p) {
      if (!pf[p].revents) continue;
      Child& k = kids[who[p]];
      const ChildRead got = read_ready(k.fd, k.buf);
      if (got == ChildRead::again) continue;
      if (got == ChildRead::eof) {  // the child has exited (or is exiting): its current item has no result
        ::close(k.fd);
        k.fd = -1;
        --alive;
        if (k.item >= 0) {
          out[static_cast<std::size_t>(k.item)].status = Status::failed;
          out[static_cast<std::size_t>(k.item)].reason = "the query process ended without a result";
          ++done;
        }
        k.item = -1;
        continue;
      }
      while (k.fd >= 0) {  // every complete record
        const auto nl = k.buf.find('\n');
        if (nl == std::string::npos) break;
        std::size_t idx = 0, len = 0;
        double secs = 0;
        if (std::sscanf(k.buf.c_str(), "%zu %zu %lf", &idx, &len, &secs) != 3 || static_cast<long>(idx) != k.item) {
          ::kill(k.pid, SIGKILL);  // not a record of its item: nothing it sends is trusted;
          k.buf.clear();           // its end of file follows, and its item is failed
          break;
        }
        if (k.buf.size() < nl + 1 + len) break;
        HardDeadlineRun& r = out[idx];
        r.status = Status::finished;
        r.output = k.buf.substr(nl + 1, len);
        r.seconds = secs;
        k.buf.erase(0, nl + 1 + len);
        ++done;
        if (keep_going && !keep_going(idx, r)) {
          stopped = true;
          break;
        }
        hand_out(k);
      }
    }
  }
  // Kill what is left (a child still working, or one that has not read its
  // end of file yet) and reap every child.
  for (auto& k : kids) {
    ::kill(k.pid, SIGKILL);
    if (k.fd >= 0) ::close(k.fd);
    reap_child(k.pid);
  }
  const bool in_time = clock_type::now() < kill_at;
  for (auto& r : out) {
    if (r.status != Status::not_started) continue;
    if (stopped) r.status = Status::killed, r.reason = "not run: the batch stopped early";
    else if (alive == 0 && in_time) r.status = Status::failed, r.reason = "the query processes ended without a result";
    else r.status = Status::killed, r.reason = "no answer within its deadline: the query process was killed";
  }
  return out;
}

}  // namespace wellposed::detail
