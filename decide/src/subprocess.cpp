#include "subprocess.hpp"

#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>

namespace wellposed::detail {

ProcessRun run_process(const std::vector<std::string>& argv, const std::string& input, double seconds,
                       std::size_t max_output) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  ProcessRun out;
  if (argv.empty() || seconds <= 0) {
    out.reason = argv.empty() ? "no program" : "no time left";
    return out;
  }
  int in_pipe[2], out_pipe[2];
  if (pipe(in_pipe) != 0) {
    out.reason = std::string("pipe: ") + std::strerror(errno);
    return out;
  }
  if (pipe(out_pipe) != 0) {
    close(in_pipe[0]);
    close(in_pipe[1]);
    out.reason = std::string("pipe: ") + std::strerror(errno);
    return out;
  }
  // A program that exits before reading all its input makes write() raise
  // SIGPIPE, whose default action would end the calling process: block it on
  // this thread while the pipe is in use (write then fails with EPIPE), and
  // discard a pending one before restoring the mask.
  sigset_t pipe_set, old_mask;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
  struct RestoreMask {
    sigset_t set, old;
    ~RestoreMask() {
      const timespec zero{0, 0};
      while (sigtimedwait(&set, nullptr, &zero) > 0) {
      }
      pthread_sigmask(SIG_SETMASK, &old, nullptr);
    }
  } restore{pipe_set, old_mask};
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1]}) close(fd);
    out.reason = std::string("fork: ") + std::strerror(errno);
    return out;
  }
  if (pid == 0) {
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    signal(SIGPIPE, SIG_DFL);
    setpgid(0, 0);
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    const int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 2);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1]}) close(fd);
    execvp(args[0], args.data());
    _exit(127);
  }
  setpgid(pid, pid);
  close(in_pipe[0]);
  close(out_pipe[1]);
  // Feed the input and read the output without blocking on either side.
  fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
  std::size_t written = 0;
  int in_fd = in_pipe[1];
  if (input.empty()) {
    close(in_fd);
    in_fd = -1;
  }
  bool eof = false, killed = false, too_much = false;
  const auto deadline = child_time_after(t0, seconds);
  while (!eof) {
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {in_fd, POLLOUT, 0}};
    const ChildWait w = wait_readable(fds, in_fd >= 0 ? 2 : 1, deadline);
    if (w == ChildWait::deadline) {
      killed = true;
      break;
    }
    if (w == ChildWait::error) break;
    if (w == ChildWait::nothing) continue;
    if (in_fd >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t w = write(in_fd, input.data() + written, input.size() - written);
      if (w > 0) written += static_cast<std::size_t>(w);
      if (w < 0 && errno != EAGAIN && errno != EINTR) written = input.size();
      if (written >= input.size()) {
        close(in_fd);
        in_fd = -1;
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ChildRead r = read_ready(out_pipe[0], out.output);
      if (r == ChildRead::eof) eof = true;
      if (r == ChildRead::data && out.output.size() > max_output) {
        too_much = true;
        break;
      }
    }
  }
  if (in_fd >= 0) close(in_fd);
  close(out_pipe[0]);
  if (!eof) kill(-pid, SIGKILL), kill(pid, SIGKILL);
  const int status = reap_child(pid);
  out.seconds = std::chrono::duration<double>(clock::now() - t0).count();
  if (killed) {
    out.status = ProcessRun::Status::killed;
    out.reason = "killed at the deadline (" + std::to_string(seconds) + " s)";  // output: what arrived before
  } else if (too_much || !WIFEXITED(status)) {
    out.status = ProcessRun::Status::failed;
    out.reason = too_much ? "too much output" : "ended by a signal";
    out.output.clear();
  } else {
    out.status = ProcessRun::Status::finished;
    out.exit_code = WEXITSTATUS(status);
    if (out.exit_code == 127) out.reason = "could not run " + argv[0];
  }
  return out;
}

}  // namespace wellposed::detail
