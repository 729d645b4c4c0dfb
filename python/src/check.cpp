#include "bindings.hpp"

namespace wellposed::python {

void bind_check(pybind11::module_& /*m*/) {}

}  // namespace wellposed::python
