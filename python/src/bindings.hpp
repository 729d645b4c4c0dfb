#pragma once
// One registration function per part of the Python API; module.cpp calls
// them all. Each lives in its own translation unit (python/src/<part>.cpp).
#include <pybind11/pybind11.h>

namespace wellposed::python {

void bind_check(pybind11::module_& m);    // check(), Result          (check.cpp)
void bind_factor(pybind11::module_& m);   // factorize(), FactorChain, load() (factor.cpp)
void bind_ks(pybind11::module_& m);       // ks_multiply() and its transpose  (ks.cpp)
void bind_network(pybind11::module_& m);  // ReLU-network checks for check_model (network.cpp)

}  // namespace wellposed::python
