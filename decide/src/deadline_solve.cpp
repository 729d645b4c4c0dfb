// A solver query in a forked child with a hard deadline (deadline_solve.hpp).
#include "deadline_solve.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>

#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace wellposed::detail {

namespace {
using clock_type = std::chrono::steady_clock;
double since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }
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
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fd[0]);
    ::close(fd[1]);
    out.reason = "fork() failed: the query did not run";
    return out;
  }
  if (pid == 0) {
    // The child: run the work, write its result, leave without running the
    // parent's atexit handlers or flushing its stdio buffers. A throw is exit
    // status 1 with nothing written: the parent sees `failed`.
    ::close(fd[0]);
    // The child dies with its parent (issue 20 B11): a `check` killed with
    // SIGKILL must not leave a solver running. PR_SET_PDEATHSIG fires when
    // the forking thread ends; that thread waits for this child below, so it
    // only fires when the parent is gone. If the parent died before the
    // prctl took effect, getppid() is no longer `parent`: leave at once.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    std::string msg;
    try {
      msg = work(hard_deadline_child_seconds(seconds));
    } catch (...) {
      ::_exit(1);
    }
    const char* p = msg.data();
    std::size_t left = msg.size();
    while (left > 0) {
      const ssize_t w = ::write(fd[1], p, left);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) ::_exit(1);
      p += w;
      left -= static_cast<std::size_t>(w);
    }
    ::_exit(0);
  }
  ::close(fd[1]);
  // Kill margin: reaping a large process takes ~0.1 s.
  const double limit = seconds - std::min(0.15, 0.05 * seconds);
  std::string buf;
  bool eof = false, killed = false;
  char chunk[65536];
  while (true) {
    const double left = limit - since(t0);
    if (left <= 0) {
      killed = true;
      break;
    }
    pollfd pf{fd[0], POLLIN, 0};
    const int pr = ::poll(&pf, 1, static_cast<int>(std::ceil(left * 1000)));
    if (pr <= 0) continue;  // EINTR or time-out: the deadline is checked at the top
    const ssize_t n = ::read(fd[0], chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      eof = true;  // every write end is closed: the child has exited (or is exiting)
      break;
    }
    buf.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd[0]);
  if (killed) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  out.seconds = since(t0);
  if (killed) {
    out.status = HardDeadlineRun::Status::killed;
    out.reason = "no answer within its deadline: the query process was killed";
    return out;
  }
  if (!eof || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    out.status = HardDeadlineRun::Status::failed;
    out.reason = WIFSIGNALED(status) ? "the query process died of signal " + std::to_string(WTERMSIG(status))
                                     : "the query process ended without a result";
    return out;
  }
  out.status = HardDeadlineRun::Status::finished;
  out.output = std::move(buf);
  return out;
}

}  // namespace wellposed::detail
