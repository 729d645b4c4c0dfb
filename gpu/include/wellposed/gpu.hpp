#pragma once
// Umbrella header of the gpu layer: the Kronecker-sparse multiply.
#include "wellposed/gpu/config.hpp"
#include "wellposed/gpu/detail/ks_device.hpp"
#include "wellposed/gpu/ks_factor.hpp"
#include "wellposed/gpu/detail/ks_index.hpp"
#include "wellposed/gpu/ks_multiply.hpp"
