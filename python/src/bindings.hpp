#pragma once
// One registration function per part of the Python API; module.cpp calls
// them all. Each lives in its own translation unit (python/src/<part>.cpp).
//
// Shared by every part:
//  - the C++ exceptions below, translated (check.cpp) into the Python classes
//    wellposed.InputError / CertificateError / ResourceError (all subclasses
//    of wellposed.WellposedError, itself a ValueError); their what() is the
//    one-line message, as the CLI prints it after "wellposed: error: ";
//  - run_interruptible(): runs long work with the GIL released on a worker
//    thread and turns Ctrl-C into KeyboardInterrupt (docs/python.md).
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include <pybind11/pybind11.h>

namespace wellposed::python {

void bind_check(pybind11::module_& m);    // check(), Result, the exceptions  (check.cpp)
void bind_factor(pybind11::module_& m);   // factorize(), FactorChain, load() (factor.cpp)
void bind_ks(pybind11::module_& m);       // ks_multiply() and its transpose  (ks.cpp)
void bind_network(pybind11::module_& m);  // ReLU-network checks for check_model (network.cpp)

/// Bad input (wrong type, shape, dtype, NaN, a bad spec, a refused output):
/// wellposed.InputError. The message names the argument and the value.
struct InputError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
/// A certificate the independent checker rejects: wellposed.CertificateError.
struct CertificateError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
/// A memory limit or a refused materialization: wellposed.ResourceError.
struct ResourceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Hands `task` to a pool thread (started on demand, reused afterwards). At
/// interpreter exit the pool waits for every task still running (each is
/// bounded by its own budget), so no work is cut in the middle.
void submit_background(std::function<void()> task);

/// Runs `work` (which must own copies of everything it reads and must not
/// touch Python objects) on a pool thread with the GIL released, and waits
/// for it in slices of 50 ms, re-acquiring the GIL between slices to run
/// Python's signal handlers (PyErr_CheckSignals). Ctrl-C therefore raises
/// KeyboardInterrupt in the caller within ~50 ms; the abandoned work finishes
/// on its own in the background (it writes nothing the caller sees, so
/// nothing is left half-written). Exceptions of `work` are rethrown here.
void wait_interruptible(const std::function<bool()>& done, const std::function<void()>& wait_slice);

/// What a task run on a pool thread hands back to the thread that waits for
/// it: the task's value or its exception, and whether it has finished.
template <class R>
struct BackgroundTask {
  std::optional<R> value;
  std::exception_ptr error;
  std::mutex m;
  std::condition_variable cv;
  bool done = false;

  bool finished() {
    std::lock_guard<std::mutex> lock(m);
    return done;
  }
  /// Waits up to `slice` for the task; true when it has finished.
  bool wait_for(std::chrono::milliseconds slice) {
    std::unique_lock<std::mutex> lock(m);
    return cv.wait_for(lock, slice, [&] { return done; });
  }
  /// The task's value once it has finished; its exception is rethrown here.
  R take() {
    std::lock_guard<std::mutex> lock(m);
    if (error) std::rethrow_exception(error);
    return std::move(*value);
  }
};

/// Starts `work` on a pool thread (submit_background); whatever it throws is
/// kept and rethrown by take(), so the pool's task never throws.
template <class F>
auto start_background(F work) -> std::shared_ptr<BackgroundTask<decltype(work())>> {
  using R = decltype(work());
  auto st = std::make_shared<BackgroundTask<R>>();
  submit_background([st, w = std::move(work)]() mutable {
    std::optional<R> v;
    std::exception_ptr e;
    try {
      v.emplace(w());
    } catch (...) {
      e = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(st->m);
    st->value = std::move(v);
    st->error = e;
    st->done = true;
    st->cv.notify_all();
  });
  return st;
}

template <class F>
auto run_interruptible(F work) -> decltype(work()) {
  const auto st = start_background(std::move(work));
  wait_interruptible([st] { return st->finished(); },
                     [st] { (void)st->wait_for(std::chrono::milliseconds(50)); });
  return st->take();
}

}  // namespace wellposed::python
