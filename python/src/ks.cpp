#include "bindings.hpp"

namespace wellposed::python {

void bind_ks(pybind11::module_& /*m*/) {}

}  // namespace wellposed::python
