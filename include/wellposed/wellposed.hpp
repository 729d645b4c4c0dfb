#pragma once
// Everything: the four layers' umbrella headers.
#include "wellposed/algebra.hpp"
#include "wellposed/decide.hpp"
#include "wellposed/gpu.hpp"
#include "wellposed/numeric.hpp"
