// The ReLU-network decision of thesis Ch. 7 (decide/network.hpp) for
// wellposed.torch.check_model (issue 22 item 2).
//
// _core._analyze_relu_network(masks, *, budget_seconds, per_problem_seconds,
//                             max_subset_neurons) -> dict
//   masks: the layers' masks INPUT TO OUTPUT, as PyTorch lists them (W1, the
//   first layer, first; each of shape (out_features, in_features), i.e.
//   I_l of size N_l x N_{l-1}). That is exactly ReluNetwork's order (thesis
//   eq. 7.1 numbers W_1 as the first layer too); the library's left-to-right
//   product L_I = W_L ... W_1 is formed inside (linear_architecture()).
//   The dict is to_json(NetworkAnalysis): every decided verdict in it (L_I,
//   each Thm 7.4.2 problem, both domains, overall) has passed the library's
//   gate (its certificate re-checked once by check_certificate inside
//   analyze_network) -- nothing here builds or edits a verdict.
// _core._check_network_certificate(certificate: dict, claimed: str, *,
//                                   domain="both") -> (bool, str)
//   the independent checker on a "relu_network" certificate (tests; users
//   re-checking a stored one) as a verdict about `domain` ("finite_data",
//   "bounded_box" or "both": check_network_verdict). The default is both
//   domains: a True must not be read as "closed on finite data" when the
//   theorem proves closedness on a bounded box only (Cor 7.4.3, Thm 7.4.2);
//   without a domain, such a certificate was accepted for a bare "closed".
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bindings.hpp"
#include "wellposed/algebra/network.hpp"
#include "wellposed/algebra/support.hpp"
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/network.hpp"

namespace py = pybind11;

namespace wellposed::python {
namespace {

py::object json_to_py(const nlohmann::json& j) {
  return py::module_::import("json").attr("loads")(j.dump());
}

Support mask_to_support(const py::handle& h, const std::string& what) {
  if (!py::isinstance<py::array>(h)) throw InputError(what + ": expected a 2-D NumPy bool array");
  const auto a = py::reinterpret_borrow<py::array>(h);
  if (!a.dtype().is(py::dtype::of<bool>()))
    throw InputError(what + ": dtype " + py::str(a.dtype()).cast<std::string>() + "; expected bool");
  if (a.ndim() != 2)
    throw InputError(what + ": expected 2 dimensions (out_features, in_features), got " +
                          std::to_string(a.ndim()));
  const auto rows = static_cast<std::size_t>(a.shape(0)), cols = static_cast<std::size_t>(a.shape(1));
  if (rows == 0 || cols == 0) throw InputError(what + ": empty mask (" + std::to_string(rows) + " x " +
                                                    std::to_string(cols) + ")");
  if (!Support::storage_bytes(rows, cols))
    throw InputError(what + ": a " + std::to_string(rows) + " x " + std::to_string(cols) +
                          " mask is too large to store");
  Support s(rows, cols);
  const auto r = a.unchecked<bool, 2>();
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j)
      if (r(static_cast<py::ssize_t>(i), static_cast<py::ssize_t>(j))) s.set(i, j);
  return s;
}

}  // namespace

void bind_network(py::module_& m) {
  m.def(
      "_analyze_relu_network",
      [](const py::handle& masks_h, double budget_seconds, double per_problem_seconds,
         std::size_t max_subset_neurons) {
        if (py::isinstance<py::str>(masks_h) || !py::isinstance<py::sequence>(masks_h))
          throw InputError("masks: expected a list of 2-D bool arrays, first layer (W1) first");
        const auto seq = py::reinterpret_borrow<py::sequence>(masks_h);
        if (seq.size() == 0) throw InputError("masks: no layers");
        if (!(budget_seconds > 0) || !(per_problem_seconds > 0))
          throw InputError("budget_seconds/per_problem_seconds: must be > 0");
        std::vector<Support> layers;
        for (std::size_t l = 0; l < seq.size(); ++l)
          layers.push_back(mask_to_support(seq[l], "masks[" + std::to_string(l) + "] (W" + std::to_string(l + 1) + ")"));
        // Throws std::invalid_argument (ValueError) naming the layers when
        // W_{l+1} W_l does not chain.
        const ReluNetwork net(std::move(layers));
        NetworkOptions opt;
        opt.budget_seconds = budget_seconds;
        opt.per_problem_seconds = per_problem_seconds;
        opt.max_subset_neurons = max_subset_neurons;
        // On a pool thread with the GIL released; Ctrl-C raises KeyboardInterrupt
        // within ~50 ms and the abandoned decision (bounded by budget_seconds,
        // owning copies of the masks) finishes in the background.
        const nlohmann::json out =
            run_interruptible([net, opt]() -> nlohmann::json { return to_json(analyze_network(net, opt)); });
        return json_to_py(out);
      },
      py::arg("masks"), py::kw_only(), py::arg("budget_seconds") = 10.0, py::arg("per_problem_seconds") = 2.0,
      py::arg("max_subset_neurons") = 20,
      "Thesis Ch. 7 decision for a sparse ReLU network (masks W1 first); to_json(NetworkAnalysis) as a dict.");

  m.def(
      "_check_network_certificate",
      [](const py::handle& certificate, const std::string& claimed, const std::string& domain) {
        Verdict v;
        if (claimed == "closed") v.closedness = Closedness::closed;
        else if (claimed == "not_closed") v.closedness = Closedness::not_closed;
        else throw InputError("claimed: expected 'closed' or 'not_closed', got '" + claimed + "'");
        NetworkDomain d;
        if (domain == "both") d = NetworkDomain::both;
        else if (domain == "finite_data") d = NetworkDomain::finite_data;
        else if (domain == "bounded_box") d = NetworkDomain::bounded_box;
        else throw InputError("domain: expected 'both', 'finite_data' or 'bounded_box', got '" + domain + "'");
        const auto text = py::module_::import("json").attr("dumps")(certificate).cast<std::string>();
        v.certificate = nlohmann::json::parse(text);
        CheckResult r;
        {
          py::gil_scoped_release release;
          r = check_network_verdict(v, {}, d);
        }
        return py::make_tuple(r.ok, r.reason);
      },
      py::arg("certificate"), py::arg("claimed"), py::kw_only(), py::arg("domain") = "both",
      "The independent checker on a relu_network certificate dict as a verdict about `domain` ('both', "
      "'finite_data', 'bounded_box'): (accepted, account).");
}

}  // namespace wellposed::python
