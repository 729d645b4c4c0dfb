#pragma once
// Umbrella header of the gpu layer: the Kronecker-sparse multiply.
// Machinery (index/tile arithmetic shared with the kernels, raw device entry
// points and the cuBLAS benchmark baselines) lives in wellposed/gpu/detail/.
#include "wellposed/gpu/config.hpp"
#include "wellposed/gpu/ks_factor.hpp"
#include "wellposed/gpu/ks_multiply.hpp"
