#pragma once
// Internal (not installed): the steps every forked child of the library goes
// through in its parent -- wait for its output with a deadline, read what is
// ready, write all of a string, reap it -- shared by the hard-deadline solver
// queries (deadline_solve.cpp) and the external programs (subprocess.cpp), so
// that the EINTR and end-of-file handling is written, and reviewed, once.
//
// Guarantees: none of these blocks past its deadline (wait_readable) or
// loses bytes (read_ready appends exactly what read() returned; write_all
// writes every byte or says it could not). They decide nothing: what a
// child's output means is entirely the caller's.
#include <chrono>
#include <cstddef>
#include <string>

#include <poll.h>
#include <sys/types.h>

namespace wellposed::detail {

using child_clock = std::chrono::steady_clock;

/// `t0` plus `seconds` as a time point of child_clock.
child_clock::time_point child_time_after(child_clock::time_point t0, double seconds);

/// What wait_readable saw.
enum class ChildWait {
  deadline,  ///< `until` has passed: nothing was polled
  nothing,   ///< time-out or EINTR: look at the clock again
  ready,     ///< at least one descriptor has revents
  error,     ///< poll() failed otherwise (EFAULT, EINVAL, ENOMEM)
};

/// Polls `fds` until one is ready or `until` (never past it; at least 1 ms
/// when any time is left).
ChildWait wait_readable(pollfd* fds, std::size_t count, child_clock::time_point until);

/// What read_ready did.
enum class ChildRead {
  data,   ///< bytes were appended to `buf`
  again,  ///< EINTR or EAGAIN: nothing read, try again
  eof,    ///< end of file, or a read error: every write end is closed (the child exited or is exiting)
};

/// One read() from `fd`, appended to `buf`.
ChildRead read_ready(int fd, std::string& buf);

/// Writes all of `s` to `fd`, retrying on EINTR; false on any other error.
bool write_all(int fd, const std::string& s);

/// Waits for `pid` to end (retrying on EINTR) and returns its wait status.
/// The caller kills first where the child may still be running.
int reap_child(pid_t pid);

}  // namespace wellposed::detail
