#pragma once
// Umbrella header of the algebra layer.
#include "wellposed/algebra/architecture.hpp"
#include "wellposed/algebra/entry_polynomials.hpp"
#include "wellposed/algebra/formula.hpp"
#include "wellposed/algebra/kpattern.hpp"
#include "wellposed/algebra/npy.hpp"
#include "wellposed/algebra/orientation.hpp"
#include "wellposed/algebra/polynomial.hpp"
#include "wellposed/algebra/rank_one.hpp"
#include "wellposed/algebra/rational_matrix.hpp"
#include "wellposed/algebra/sentences.hpp"
#include "wellposed/algebra/spec.hpp"
#include "wellposed/algebra/support.hpp"
