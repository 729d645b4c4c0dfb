#include "bindings.hpp"

namespace wellposed::python {

void bind_factor(pybind11::module_& /*m*/) {}

}  // namespace wellposed::python
