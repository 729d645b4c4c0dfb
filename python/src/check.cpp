// wellposed.check() and wellposed.Result (issue 22 item 1), the exception
// classes of the package, and the worker pool that keeps long calls
// interruptible (bindings.hpp).
//
// check() runs exactly what the CLI's `check` runs for one spec: analyze()
// (detectors, the exact route, ONE check of the certificate by the independent
// checker inside the library's gate) or analyze_network() for a ReLU network
// spec. Nothing here decides or weakens a verdict: a decided Result reaches
// Python only after the library's gate passed its certificate, and
// Result.certify() re-runs the independent checker on demand.
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include <Python.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "wellposed/algebra/architecture.hpp"
#include "wellposed/algebra/network.hpp"
#include "wellposed/algebra/spec.hpp"
#include "wellposed/decide.hpp"
#include "wellposed/numeric/factor_file.hpp"
#include "wellposed/numeric/factorize.hpp"

namespace py = pybind11;

namespace wellposed::python {

// ---- worker pool ------------------------------------------------------------

namespace {

/// Threads started on demand and reused; never destroyed (the pool outlives
/// every static destructor), drained at interpreter exit by drain().
class Pool {
 public:
  void submit(std::function<void()> task) {
    std::lock_guard<std::mutex> lock(m_);
    queue_.push_back(std::move(task));
    if (queue_.size() > idle_) {
      ++threads_;
      std::thread([this] { loop(); }).detach();
    }
    cv_.notify_one();
  }
  /// Waits until every queued and running task has finished.
  void drain() {
    std::unique_lock<std::mutex> lock(m_);
    done_cv_.wait(lock, [&] { return queue_.empty() && running_ == 0; });
  }

 private:
  void loop() {
    std::unique_lock<std::mutex> lock(m_);
    for (;;) {
      ++idle_;
      cv_.wait(lock, [&] { return !queue_.empty(); });
      --idle_;
      auto task = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
      lock.unlock();
      task();  // never throws: start_background catches everything
      lock.lock();
      --running_;
      if (queue_.empty() && running_ == 0) done_cv_.notify_all();
    }
  }
  std::mutex m_;
  std::condition_variable cv_, done_cv_;
  std::deque<std::function<void()>> queue_;
  std::size_t idle_ = 0, threads_ = 0, running_ = 0;
};

Pool& pool() {
  static Pool* p = new Pool;  // leaked on purpose: detached threads use it until the process ends
  return *p;
}

}  // namespace

void submit_background(std::function<void()> task) { pool().submit(std::move(task)); }

void wait_interruptible(const std::function<bool()>& done, const std::function<void()>& wait_slice) {
  {
    // Most checks of small specs finish within microseconds: yield for up to
    // 200 us before sleeping on the condition variable (a futex sleep and
    // wake-up would dominate the per-call cost; bench/python_check_overhead.py).
    py::gil_scoped_release release;
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
    while (std::chrono::steady_clock::now() < until) {
      if (done()) break;
      std::this_thread::yield();
    }
  }
  if (done()) return;
  for (;;) {
    {
      py::gil_scoped_release release;
      wait_slice();
    }
    if (done()) return;
    // GIL held: Python's handler for SIGINT runs here and raises KeyboardInterrupt.
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  }
}

// ---- results ----------------------------------------------------------------

namespace {

py::object json_to_py(const nlohmann::json& j) {
  // Leaked on purpose: a static py::object would be released after the interpreter is gone.
  static py::object* loads = new py::object(py::module_::import("json").attr("loads"));
  return (*loads)(py::str(j.dump()));
}

nlohmann::json py_to_json(const py::handle& o, const char* what) {
  static py::object* dumps_p = new py::object(py::module_::import("json").attr("dumps"));
  const py::object& dumps = *dumps_p;
  std::string text;
  try {
    text = py::cast<std::string>(dumps(o));
  } catch (const py::error_already_set& e) {
    throw InputError(std::string(what) + ": not JSON-serializable (" + e.what() + ")");
  }
  return nlohmann::json::parse(text);
}

/// One decided-or-not answer, with what certify() needs to re-check it. The
/// analyses are kept as they are and turned into JSON only on demand
/// (to_dict): a check of a small spec costs little more than analyze().
struct Result {
  std::string name, file, json_path;
  Verdict verdict;
  std::string check;  ///< the checker's account (decided verdicts)
  std::shared_ptr<const Analysis> analysis;        ///< architecture specs
  std::shared_ptr<const NetworkAnalysis> network;  ///< ReLU network specs
  std::shared_ptr<const Spec> spec;
  double seconds = 0;  ///< wall-clock seconds of the whole call

  bool is_network() const { return network != nullptr; }
  /// `analysis` holds everything but its verdict, which lives (moved, not
  /// copied) in `verdict` above.
  nlohmann::json report() const {
    if (network) {
      nlohmann::json j = to_json(network->overall);
      j["check"] = network->overall_check;
      j["kind"] = "relu_network";
      j["network"] = to_json(*network);
      return j;
    }
    if (!analysis) return nlohmann::json::object();
    Analysis a = *analysis;
    a.verdict = verdict;
    return to_json(a);
  }
};

/// Thrown through analyze() when Ctrl-C arrived during the exact route; the
/// Python error (KeyboardInterrupt) is already set. Not a std::exception, so
/// no handler on the way turns it into a verdict or an input error.
struct Interrupted {};

/// The default exact route (z3, same name, so the stages read as the CLI's),
/// run on a pool thread while the calling thread -- inside analyze(), GIL
/// released -- waits in 50 ms slices and runs Python's signal handlers
/// between them. On Ctrl-C the route is abandoned (it owns a copy of the
/// architecture and finishes within its budget in the background) and
/// Interrupted unwinds analyze(). The detectors and the certificate check
/// run inline: they are bounded by the same budget, and a Ctrl-C during them
/// is raised as soon as they return.
NamedExactDecider interruptible_z3() {
  NamedExactDecider inner = z3_exact_decider();
  return {inner.name, [inner](const Architecture& a, double left) -> Verdict {
            const auto st = start_background([inner, arch = a, left] { return inner.decide(arch, left); });
            while (!st->wait_for(std::chrono::milliseconds(50))) {
              bool interrupted = false;
              {
                py::gil_scoped_acquire gil;
                interrupted = PyErr_CheckSignals() != 0;
              }
              if (interrupted) throw Interrupted{};
            }
            return st->take();
          }};
}

double validated_timeout(double t) {
  if (!std::isfinite(t) || t <= 0 || t > 1e6)
    throw InputError("timeout: " + py::cast<std::string>(py::repr(py::float_(t))) +
                     " must be a finite number of seconds in (0, 1000000]");
  return t;
}

/// What the CLI's check_architecture_spec / check_network_spec compute, for
/// one spec. Called with the GIL released.
Result decide_spec(std::shared_ptr<const Spec> spec, double timeout, bool exact) {
  const auto t0 = std::chrono::steady_clock::now();
  Result r;
  r.name = spec->name;
  r.file = spec->file;
  r.json_path = spec->json_path;
  try {
    if (spec->network) {
      NetworkOptions no;
      no.budget_seconds = timeout;
      no.per_problem_seconds = std::min(2.0, timeout);
      no.materialize_max_points = 0;
      // analyze_network() has no hook for the exact route: the whole call
      // runs on a pool thread, interruptible (run_interruptible).
      std::shared_ptr<const Spec> s = spec;
      auto na = [&] {
        py::gil_scoped_acquire gil;
        return run_interruptible([s, no] { return std::make_shared<const NetworkAnalysis>(analyze_network(*s->network, no)); });
      }();
      r.verdict = na->overall;
      r.check = na->overall_check;
      r.network = std::move(na);
    } else {
      AnalyzeOptions ao;
      ao.budget_seconds = timeout;
      ao.exact_deciders = exact ? std::vector<NamedExactDecider>{interruptible_z3()} : std::vector<NamedExactDecider>{};
      Analysis an = analyze(spec->architecture, ao);
      r.verdict = std::move(an.verdict);
      r.check = an.check;
      r.analysis = std::make_shared<const Analysis>(std::move(an));
    }
  } catch (const MaterializationRefused& e) {
    throw ResourceError(spec->file + ": at " + spec->json_path + ": " + e.what());
  } catch (const std::bad_alloc&) {
    throw ResourceError(spec->file + ": at " + spec->json_path + ": out of memory");
  } catch (const py::error_already_set&) {
    throw;  // KeyboardInterrupt from the network's wait
  } catch (const std::exception& e) {
    // As the CLI: anything the analysis refuses is bad input of this spec.
    throw InputError(spec->file + ": at " + spec->json_path + ": " + e.what());
  }
  r.spec = std::move(spec);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

/// Every spec within ONE budget for the whole call (shared_budget.hpp, as the
/// CLI's check --timeout): each gets an equal share of what is left; a spec
/// reached when nothing is left is not analyzed: unknown, "budget spent".
std::vector<Result> decide_specs(std::vector<Spec> specs, const SharedBudget& budget, bool exact) {
  std::vector<Result> out;
  out.reserve(specs.size());
  for (std::size_t k = 0; k < specs.size(); ++k) {
    auto spec = std::make_shared<const Spec>(std::move(specs[k]));
    const double seconds = budget.share(specs.size() - k);
    if (seconds > 0) {
      out.push_back(decide_spec(std::move(spec), seconds, exact));
      continue;
    }
    Result r;
    r.name = spec->name;
    r.file = spec->file;
    r.json_path = spec->json_path;
    r.verdict = budget.budget_spent();
    r.analysis = std::make_shared<const Analysis>();  // no stage ran
    r.spec = std::move(spec);
    out.push_back(std::move(r));
  }
  return out;
}

/// Runs `work` with the GIL released on this thread; a Ctrl-C during the
/// exact route (Interrupted) or during anything else (checked when it
/// returns) raises KeyboardInterrupt.
template <class F>
auto inline_interruptible(F work) -> decltype(work()) {
  std::optional<decltype(work())> out;
  bool interrupted = false;
  {
    py::gil_scoped_release release;
    try {
      out.emplace(work());
    } catch (const Interrupted&) {
      interrupted = true;
    }
  }
  if (interrupted || PyErr_CheckSignals() != 0) throw py::error_already_set();
  return std::move(*out);
}

SpecLoadOptions load_options(std::uint64_t max_memory) {
  SpecLoadOptions o;
  if (max_memory) o.limits.max_memory_bytes = max_memory;
  return o;
}

std::vector<Result> check_file(const std::string& path, double timeout, bool exact, std::uint64_t max_memory) {
  const SharedBudget budget(validated_timeout(timeout), "timeout");  // reading the file counts
  return inline_interruptible([&] {
    std::vector<Spec> specs;
    try {
      specs = load_specs(path, load_options(max_memory));
    } catch (const SpecError&) {
      throw;
    } catch (const std::exception& e) {  // not a regular file, too large, unreadable
      const std::string what = e.what();
      throw InputError(what.rfind(path, 0) == 0 ? what : path + ": " + what);
    }
    return decide_specs(std::move(specs), budget, exact);
  });
}

std::vector<Result> check_text(const std::string& text, const std::string& label, const std::string& base_dir,
                               double timeout, bool exact, std::uint64_t max_memory) {
  const SharedBudget budget(validated_timeout(timeout), "timeout");  // parsing the text counts
  return inline_interruptible([&] {
    const auto opts = load_options(max_memory);
    if (text.size() > opts.limits.max_memory_bytes / kJsonBytesPerTextByte)
      throw ResourceError(label + ": the spec text (" + std::to_string(text.size()) +
                          " bytes) exceeds the memory limit's share for spec text");
    const nlohmann::json j = parse_json_bounded(text, label, opts.max_json_depth);
    return decide_specs(parse_specs(j, label, base_dir, opts), budget, exact);
  });
}

/// masks: 2-D C-contiguous uint8 arrays (0 = not in the support), left to right.
Result check_masks(const py::list& masks, double timeout, bool exact) {
  timeout = validated_timeout(timeout);
  if (masks.empty()) throw InputError("masks: the list of masks is empty (give the factor supports left to right)");
  std::vector<Support> factors;
  factors.reserve(masks.size());
  for (std::size_t l = 0; l < masks.size(); ++l) {
    // Bool arrays (what __init__.py passes) are read in place as 0/1 bytes.
    py::array a = py::reinterpret_borrow<py::object>(masks[l]);
    if (!a || a.dtype().kind() != 'b' || a.dtype().itemsize() != 1 || !(a.flags() & py::array::c_style))
      a = py::array_t<std::uint8_t, py::array::c_style>::ensure(masks[l]);
    if (!a || a.ndim() != 2) throw InputError("masks[" + std::to_string(l) + "]: expected a 2-D array");
    const auto rows = static_cast<std::size_t>(a.shape(0)), cols = static_cast<std::size_t>(a.shape(1));
    if (rows == 0 || cols == 0)
      throw InputError("masks[" + std::to_string(l) + "]: shape (" + std::to_string(rows) + ", " +
                       std::to_string(cols) + ") has no entries (a mask needs at least one row and one column)");
    if (!factors.empty() && factors.back().cols() != rows)
      throw InputError("masks[" + std::to_string(l) + "] has " + std::to_string(rows) + " rows but masks[" +
                       std::to_string(l - 1) + "] has " + std::to_string(factors.back().cols()) +
                       " columns (A = F1 F2 ... FL needs them equal)");
    const auto* p = static_cast<const std::uint8_t*>(a.data());
    Support s(rows, cols);
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t j = 0; j < cols; ++j)
        if (p[i * cols + j]) s.set(i, j);
    factors.push_back(std::move(s));
  }
  std::optional<Architecture> arch;
  try {
    arch.emplace(std::move(factors), "masks");
  } catch (const std::exception& e) {
    throw InputError(std::string("masks: ") + e.what());
  }
  auto spec = std::make_shared<const Spec>(Spec{"masks", std::move(*arch), "", "$", std::nullopt, nlohmann::json(), std::nullopt});
  return inline_interruptible([&] { return decide_spec(spec, timeout, exact); });
}

/// Result.certify(): the independent checker, once more, against the spec's supports.
bool certify(const Result& r) {
  if (!r.verdict.decided())
    throw CertificateError(r.name + ": unknown — nothing to certify (an unknown verdict carries no certificate)");
  const auto spec = r.spec;
  const Verdict v = r.verdict;
  const CheckResult cr = run_interruptible([spec, v] {
    try {
      // r.verdict of a network is its overall verdict (both domains): a
      // bounded-box-only theorem must not certify it (check_network_verdict).
      if (spec->network) return check_network_verdict(v, spec->network->layers(), NetworkDomain::both);
      return check_certificate(spec->architecture, v);
    } catch (const std::exception& e) {
      return CheckResult(false, e.what());
    }
  });
  if (!cr.ok)
    throw CertificateError(r.name + ": " + std::string(to_string(v.closedness)) + " — certificate REJECTED: " +
                           cr.reason);
  return true;
}

nlohmann::json result_dict(const Result& r) {
  nlohmann::json j = r.report();
  // The certificate as it is now (the attribute may have been replaced).
  j["certificate"] = r.verdict.certificate.is_null() ? nlohmann::json::object() : r.verdict.certificate;
  j["verdict"] = std::string(to_string(r.verdict.closedness));
  nlohmann::json out = {{"name", r.name}};
  if (!r.file.empty()) out["file"] = r.file;
  out["json_path"] = r.json_path;
  if (r.spec) {
    try {
      out["binding"] = binding_record(*r.spec);
    } catch (const std::exception&) {
      // No binding for supports that cannot be digested (too large): certify then rejects, as it should.
    }
  }
  out.update(j);
  out["certificate_checked"] = r.verdict.decided();
  out["seconds"] = r.seconds;
  return out;
}

/// Per-call seconds of the C++ calls themselves, for bench/python_check_overhead.py
/// (C++ loops, no Python per call): analyze() on the parsed architecture;
/// Supports built from dense 0/1 masks + Architecture + analyze() (what a C++
/// user holding masks calls); parse_specs() + analyze() from the JSON text;
/// load_specs() + analyze() from the file `path` (when given).
py::dict bench_cpp_check(const std::string& text, int repeat, double timeout, bool exact, const std::string& path) {
  const nlohmann::json j = parse_json_bounded(text, "spec");
  const std::vector<Spec> specs = parse_specs(j, "spec");
  if (specs.size() != 1 || specs[0].network) throw InputError("spec: the bench takes one architecture spec");
  AnalyzeOptions ao;
  ao.budget_seconds = timeout;
  if (!exact) ao.exact_deciders = std::vector<NamedExactDecider>{};
  // The masks as a C++ caller would hold them: dense row-major 0/1 bytes.
  std::vector<std::vector<std::uint8_t>> dense;
  std::vector<std::pair<std::size_t, std::size_t>> shapes;
  for (const auto& f : specs[0].architecture.factors()) {
    std::vector<std::uint8_t> d(f.rows() * f.cols());
    for (std::size_t i = 0; i < f.rows(); ++i)
      for (std::size_t k = 0; k < f.cols(); ++k) d[i * f.cols() + k] = f(i, k) ? 1 : 0;
    dense.push_back(std::move(d));
    shapes.emplace_back(f.rows(), f.cols());
  }
  std::string verdict;
  auto per_call = [&](auto&& body) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < repeat; ++i) verdict = std::string(to_string(body().verdict.closedness));
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / repeat;
  };
  py::dict d;
  {
    py::gil_scoped_release release;
    const double an = per_call([&] { return analyze(specs[0].architecture, ao); });
    const double masks = per_call([&] {
      std::vector<Support> fs;
      for (std::size_t l = 0; l < dense.size(); ++l) {
        Support s(shapes[l].first, shapes[l].second);
        for (std::size_t i = 0; i < shapes[l].first; ++i)
          for (std::size_t k = 0; k < shapes[l].second; ++k)
            if (dense[l][i * shapes[l].second + k]) s.set(i, k);
        fs.push_back(std::move(s));
      }
      return analyze(Architecture(std::move(fs), "masks"), ao);
    });
    const double parsed = per_call([&] { return analyze(parse_specs(parse_json_bounded(text, "spec"), "spec")[0].architecture, ao); });
    const double loaded = path.empty() ? 0.0 : per_call([&] { return analyze(load_specs(path)[0].architecture, ao); });
    py::gil_scoped_acquire gil;
    d["analyze"] = an;
    d["masks_and_analyze"] = masks;
    d["parse_and_analyze"] = parsed;
    if (!path.empty()) d["load_and_analyze"] = loaded;
  }
  d["verdict"] = verdict;
  return d;
}

}  // namespace

void bind_check(py::module_& m) {
  // ---- exceptions ----
  // WellposedError(ValueError) > InputError, CertificateError, ResourceError.
  static py::handle base = PyErr_NewExceptionWithDoc(
      "wellposed.WellposedError",
      "Base class of wellposed's errors; str(e) is the one-line message the CLI prints.", PyExc_ValueError, nullptr);
  static py::handle input = PyErr_NewExceptionWithDoc(
      "wellposed.InputError", "Bad input: the message names the argument (or file and JSON path) and the value.",
      base.ptr(), nullptr);
  static py::handle certificate = PyErr_NewExceptionWithDoc(
      "wellposed.CertificateError", "The independent checker rejected a certificate (Result.certify()).",
      base.ptr(), nullptr);
  static py::handle resource = PyErr_NewExceptionWithDoc(
      "wellposed.ResourceError", "A memory limit or a refused materialization (sizes are checked before allocating).",
      base.ptr(), nullptr);
  m.attr("WellposedError") = base;
  m.attr("InputError") = input;
  m.attr("CertificateError") = certificate;
  m.attr("ResourceError") = resource;
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InputError& e) {
      PyErr_SetString(input.ptr(), e.what());
    } catch (const CertificateError& e) {
      PyErr_SetString(certificate.ptr(), e.what());
    } catch (const ResourceError& e) {
      PyErr_SetString(resource.ptr(), e.what());
    } catch (const MaterializationRefused& e) {
      PyErr_SetString(resource.ptr(), e.what());
    } catch (const SpecError& e) {
      PyErr_SetString(input.ptr(), e.what());
    } catch (const numeric::FileFormatError& e) {
      PyErr_SetString(input.ptr(), e.what());
    } catch (const numeric::InfeasibleRequest& e) {
      PyErr_SetString(input.ptr(), e.what());
    } catch (const std::invalid_argument& e) {
      // The library's contract violations (a size, a pattern, a chain): bad input.
      PyErr_SetString(input.ptr(), e.what());
    }
  });

  // ---- Result ----
  py::class_<Result>(m, "Result",
                     "The answer of wellposed.check(): verdict 'closed' | 'not_closed' | 'unknown' (the CLI's JSON "
                     "strings), method, reason, explanation, certificate (dict), seconds, trust (dict).")
      .def_readonly("name", &Result::name)
      .def_property_readonly("verdict", [](const Result& r) { return std::string(to_string(r.verdict.closedness)); })
      .def_property_readonly("decided", [](const Result& r) { return r.verdict.decided(); })
      .def_property_readonly("method", [](const Result& r) { return r.verdict.method; })
      .def_property_readonly("reason", [](const Result& r) { return r.verdict.reason; })
      .def_property_readonly("explanation", [](const Result& r) { return r.verdict.explanation; })
      .def_property(
          "certificate",
          [](const Result& r) {
            return json_to_py(r.verdict.certificate.is_null() ? nlohmann::json::object() : r.verdict.certificate);
          },
          [](Result& r, const py::object& c) { r.verdict.certificate = py_to_json(c, "certificate"); },
          "The certificate (a dict; {} for unknown). Assigning a dict replaces it: certify() then checks the new one.")
      .def_property_readonly("checker", [](const Result& r) { return r.check; })
      .def_readonly("seconds", &Result::seconds)
      .def_property_readonly("trust", [](const Result& r) { return json_to_py(to_json(r.verdict)["trust"]); })
      .def_property_readonly("network", [](const Result& r) { return r.is_network(); })
      .def("to_dict", [](const Result& r) { return json_to_py(result_dict(r)); },
           "The library's to_json() of the analysis, with name, binding and the certificate as it is now: one "
           "entry of `wellposed check --json`'s \"results\" (a list of them under \"results\" is a report "
           "`wellposed certify` reads).")
      .def("certify", &certify,
           "Re-runs the independent checker on the certificate against the architecture's supports; True, or "
           "raises wellposed.CertificateError with the checker's message.")
      .def("__repr__", [](const Result& r) {
        std::string s = "<wellposed.Result " + r.name + ": " + std::string(to_string(r.verdict.closedness));
        if (!r.verdict.method.empty()) s += " by " + r.verdict.method;
        return s + ">";
      });

  m.def("_check_file", &check_file, py::arg("path"), py::arg("timeout"), py::arg("exact"), py::arg("max_memory") = 0);
  m.def("_check_text", &check_text, py::arg("text"), py::arg("label"), py::arg("base_dir"), py::arg("timeout"),
        py::arg("exact"), py::arg("max_memory") = 0);
  m.def("_check_masks", &check_masks, py::arg("masks"), py::arg("timeout"), py::arg("exact"));
  m.def("_bench_cpp_check", &bench_cpp_check, py::arg("text"), py::arg("repeat"), py::arg("timeout") = 10.0,
        py::arg("exact") = true, py::arg("path") = "");
  m.def("_bench_handoff", [](int repeat) {
    // Per-call cost of run_interruptible itself (hand-off to a pool thread and back).
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < repeat; ++i) (void)run_interruptible([] { return 0; });
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / repeat;
  });
  m.def("_drain", [] {
    py::gil_scoped_release release;
    pool().drain();
  }, "Waits for abandoned (interrupted) work to finish; registered with atexit.");
#ifdef WELLPOSED_VERSION
  m.attr("__version__") = WELLPOSED_VERSION;
#endif
}

}  // namespace wellposed::python
