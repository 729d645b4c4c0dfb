#pragma once
// Umbrella header of the algebra layer: every public algebra header.
// Machinery (entry polynomials, the sentence builders of the exact route)
// lives in wellposed/algebra/detail/ and is not included here. Not included
// either, though public: the exact-rational types polynomial.hpp,
// rational_matrix.hpp and formula.hpp -- Boost.Multiprecision over GMP costs
// about as much compile time as everything else here together (issue 18
// item 5, bench/RESULTS.md); include them by name where they are used.
#include "wellposed/algebra/architecture.hpp"
#include "wellposed/algebra/kpattern.hpp"
#include "wellposed/algebra/limits.hpp"
#include "wellposed/algebra/mtx.hpp"
#include "wellposed/algebra/network.hpp"
#include "wellposed/algebra/npy.hpp"
#include "wellposed/algebra/orientation.hpp"
#include "wellposed/algebra/rank_one.hpp"
#include "wellposed/algebra/spec.hpp"
#include "wellposed/algebra/support.hpp"
