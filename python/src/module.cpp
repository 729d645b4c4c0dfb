#include <pybind11/pybind11.h>

#include "bindings.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "wellposed: closedness verdicts with re-checked certificates, certified factorizations, "
            "Kronecker-sparse multiplication";
  wellposed::python::bind_check(m);
  wellposed::python::bind_factor(m);
  wellposed::python::bind_ks(m);
  wellposed::python::bind_network(m);
}
