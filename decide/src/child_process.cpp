// The parent's side of a forked child (child_process.hpp).
#include "child_process.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>

#include <sys/wait.h>
#include <unistd.h>

namespace wellposed::detail {

child_clock::time_point child_time_after(child_clock::time_point t0, double seconds) {
  return t0 + std::chrono::duration_cast<child_clock::duration>(std::chrono::duration<double>(seconds));
}

ChildWait wait_readable(pollfd* fds, std::size_t count, child_clock::time_point until) {
  const double left = std::chrono::duration<double>(until - child_clock::now()).count();
  if (left <= 0) return ChildWait::deadline;
  const int ms = std::max(1, static_cast<int>(std::ceil(left * 1000)));
  const int pr = ::poll(fds, static_cast<nfds_t>(count), ms);
  if (pr > 0) return ChildWait::ready;
  if (pr < 0 && errno != EINTR) return ChildWait::error;
  return ChildWait::nothing;
}

ChildRead read_ready(int fd, std::string& buf) {
  char chunk[65536];
  const ssize_t n = ::read(fd, chunk, sizeof chunk);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return ChildRead::again;
  if (n <= 0) return ChildRead::eof;
  buf.append(chunk, static_cast<std::size_t>(n));
  return ChildRead::data;
}

bool write_all(int fd, const std::string& s) {
  const char* p = s.data();
  std::size_t left = s.size();
  while (left > 0) {
    const ssize_t w = ::write(fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    left -= static_cast<std::size_t>(w);
  }
  return true;
}

int reap_child(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace wellposed::detail
