#pragma once
// Umbrella header of the numeric layer: every public numeric header except
// membership.hpp (exact GMP rationals, included by name; see algebra.hpp).
#include "wellposed/numeric/dense.hpp"
#include "wellposed/numeric/dft.hpp"
#include "wellposed/numeric/factor_file.hpp"
#include "wellposed/numeric/factorize.hpp"
#include "wellposed/numeric/hierarchical.hpp"
#include "wellposed/numeric/interval.hpp"
#include "wellposed/numeric/kronecker_factor.hpp"
#include "wellposed/numeric/two_factor.hpp"
#include "wellposed/numeric/gradient.hpp"
#include "wellposed/numeric/npy_io.hpp"
#include "wellposed/numeric/quantize.hpp"
#include "wellposed/numeric/residual.hpp"
