#include "bindings.hpp"

namespace wellposed::python {

void bind_network(pybind11::module_& /*m*/) {}

}  // namespace wellposed::python
