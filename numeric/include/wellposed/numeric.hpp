#pragma once
// Umbrella header of the numeric layer.
#include "wellposed/numeric/dense.hpp"
