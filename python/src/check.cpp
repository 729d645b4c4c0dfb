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
      task();  // never throws: run_interruptible catches everything
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

/// One decided-or-not answer, with what certify() needs to re-check it.
struct Result {
  std::string name, file, json_path;
  Verdict verdict;
  std::string check;           ///< the checker's account (decided verdicts)
  nlohmann::json report;       ///< to_json(Analysis) / the network's report
  std::shared_ptr<const Spec> spec;
  double seconds = 0;          ///< wall-clock seconds of the whole call

  bool is_network() const { return spec && spec->network.has_value(); }
};

double validated_timeout(double t) {
  if (!std::isfinite(t) || t <= 0 || t > 1e6)
    throw InputError("timeout: " + py::cast<std::string>(py::repr(py::float_(t))) +
                     " must be a finite number of seconds in (0, 1000000]");
  return t;
}

/// What the CLI's check_architecture_spec / check_network_spec compute, for one spec.
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
      const NetworkAnalysis na = analyze_network(*spec->network, no);
      r.verdict = na.overall;
      r.check = na.overall_check;
      r.report = to_json(na.overall);
      r.report["check"] = na.overall_check;
      r.report["kind"] = "relu_network";
      r.report["network"] = to_json(na);
    } else {
      AnalyzeOptions ao;
      ao.budget_seconds = timeout;
      if (!exact) ao.exact_deciders = std::vector<NamedExactDecider>{};
      const Analysis an = analyze(spec->architecture, ao);
      r.verdict = an.verdict;
      r.check = an.check;
      r.report = to_json(an);
    }
  } catch (const MaterializationRefused& e) {
    throw ResourceError(spec->file + ": at " + spec->json_path + ": " + e.what());
  } catch (const std::bad_alloc&) {
    throw ResourceError(spec->file + ": at " + spec->json_path + ": out of memory");
  } catch (const std::exception& e) {
    // As the CLI: anything the analysis refuses is bad input of this spec.
    throw InputError(spec->file + ": at " + spec->json_path + ": " + e.what());
  }
  r.spec = std::move(spec);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

std::vector<Result> decide_specs(std::vector<Spec> specs, double timeout, bool exact) {
  std::vector<Result> out;
  out.reserve(specs.size());
  for (auto& s : specs) out.push_back(decide_spec(std::make_shared<const Spec>(std::move(s)), timeout, exact));
  return out;
}

SpecLoadOptions load_options(std::uint64_t max_memory) {
  SpecLoadOptions o;
  if (max_memory) o.limits.max_memory_bytes = max_memory;
  return o;
}

std::vector<Result> check_file(const std::string& path, double timeout, bool exact, std::uint64_t max_memory) {
  timeout = validated_timeout(timeout);
  return run_interruptible([=] {
    std::vector<Spec> specs;
    try {
      specs = load_specs(path, load_options(max_memory));
    } catch (const SpecError&) {
      throw;
    } catch (const std::exception& e) {  // not a regular file, too large, unreadable
      const std::string what = e.what();
      throw InputError(what.rfind(path, 0) == 0 ? what : path + ": " + what);
    }
    return decide_specs(std::move(specs), timeout, exact);
  });
}

std::vector<Result> check_text(const std::string& text, const std::string& label, const std::string& base_dir,
                               double timeout, bool exact, std::uint64_t max_memory) {
  timeout = validated_timeout(timeout);
  return run_interruptible([=] {
    const auto opts = load_options(max_memory);
    if (text.size() > opts.limits.max_memory_bytes / kJsonBytesPerTextByte)
      throw ResourceError(label + ": the spec text (" + std::to_string(text.size()) +
                          " bytes) exceeds the memory limit's share for spec text");
    const nlohmann::json j = parse_json_bounded(text, label, opts.max_json_depth);
    return decide_specs(parse_specs(j, label, base_dir, opts), timeout, exact);
  });
}

/// masks: 2-D C-contiguous uint8 arrays (0 = not in the support), left to right.
Result check_masks(const py::list& masks, double timeout, bool exact) {
  timeout = validated_timeout(timeout);
  if (masks.empty()) throw InputError("masks: the list of masks is empty (give the factor supports left to right)");
  std::vector<Support> factors;
  factors.reserve(masks.size());
  for (std::size_t l = 0; l < masks.size(); ++l) {
    auto a = py::cast<py::array_t<std::uint8_t, py::array::c_style>>(masks[l]);
    if (a.ndim() != 2) throw InputError("masks[" + std::to_string(l) + "]: expected a 2-D array");
    const auto rows = static_cast<std::size_t>(a.shape(0)), cols = static_cast<std::size_t>(a.shape(1));
    if (rows == 0 || cols == 0)
      throw InputError("masks[" + std::to_string(l) + "]: shape (" + std::to_string(rows) + ", " +
                       std::to_string(cols) + ") has no entries (a mask needs at least one row and one column)");
    if (!factors.empty() && factors.back().cols() != rows)
      throw InputError("masks[" + std::to_string(l) + "] has " + std::to_string(rows) + " rows but masks[" +
                       std::to_string(l - 1) + "] has " + std::to_string(factors.back().cols()) +
                       " columns (A = F1 F2 ... FL needs them equal)");
    const auto* p = a.data();
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
  return run_interruptible([spec, timeout, exact] { return decide_spec(spec, timeout, exact); });
}

/// Result.certify(): the independent checker, once more, against the spec's supports.
bool certify(const Result& r) {
  if (!r.verdict.decided())
    throw CertificateError(r.name + ": unknown — nothing to certify (an unknown verdict carries no certificate)");
  const auto spec = r.spec;
  const Verdict v = r.verdict;
  const CheckResult cr = run_interruptible([spec, v] {
    try {
      if (spec->network) return check_network_certificate(v.certificate, v.closedness, spec->network->layers());
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
  nlohmann::json j = r.report;
  // The certificate as it is now (the attribute may have been replaced).
  j["certificate"] = r.verdict.certificate;
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

/// Per-call seconds of the C++ calls themselves, for bench/python_check_overhead.py:
/// analyze() on an already parsed architecture, and parse_specs() + analyze().
py::dict bench_cpp_check(const std::string& text, int repeat, double timeout, bool exact) {
  const nlohmann::json j = parse_json_bounded(text, "spec");
  const std::vector<Spec> specs = parse_specs(j, "spec");
  if (specs.size() != 1 || specs[0].network) throw InputError("spec: the bench takes one architecture spec");
  AnalyzeOptions ao;
  ao.budget_seconds = timeout;
  if (!exact) ao.exact_deciders = std::vector<NamedExactDecider>{};
  double analyze_s = 0, parse_s = 0;
  std::string verdict;
  {
    py::gil_scoped_release release;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < repeat; ++i) verdict = std::string(to_string(analyze(specs[0].architecture, ao).verdict.closedness));
    const auto t1 = std::chrono::steady_clock::now();
    for (int i = 0; i < repeat; ++i) {
      const auto s = parse_specs(parse_json_bounded(text, "spec"), "spec");
      verdict = std::string(to_string(analyze(s[0].architecture, ao).verdict.closedness));
    }
    const auto t2 = std::chrono::steady_clock::now();
    analyze_s = std::chrono::duration<double>(t1 - t0).count() / repeat;
    parse_s = std::chrono::duration<double>(t2 - t1).count() / repeat;
  }
  py::dict d;
  d["analyze"] = analyze_s;
  d["parse_and_analyze"] = parse_s;
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
          "certificate", [](const Result& r) { return json_to_py(r.verdict.certificate); },
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
        py::arg("exact") = true);
  m.def("_drain", [] {
    py::gil_scoped_release release;
    pool().drain();
  }, "Waits for abandoned (interrupted) work to finish; registered with atexit.");
#ifdef WELLPOSED_VERSION
  m.attr("__version__") = WELLPOSED_VERSION;
#endif
}

}  // namespace wellposed::python
