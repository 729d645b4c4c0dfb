#pragma once
// Umbrella header of the gpu layer.
#include "wellposed/gpu/config.hpp"
