#pragma once
// Umbrella header of the numeric layer.
#include "wellposed/numeric/dense.hpp"
#include "wellposed/numeric/dft.hpp"
#include "wellposed/numeric/factor_file.hpp"
#include "wellposed/numeric/factorize.hpp"
#include "wellposed/numeric/hierarchical.hpp"
#include "wellposed/numeric/interval.hpp"
#include "wellposed/numeric/kronecker_factor.hpp"
#include "wellposed/numeric/two_factor.hpp"
#include "wellposed/numeric/gradient.hpp"
#include "wellposed/numeric/membership.hpp"
#include "wellposed/numeric/npy_io.hpp"
#include "wellposed/numeric/residual.hpp"
