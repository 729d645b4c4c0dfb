#pragma once
// Umbrella header of the algebra layer.
#include "wellposed/algebra/architecture.hpp"
#include "wellposed/algebra/kpattern.hpp"
#include "wellposed/algebra/orientation.hpp"
#include "wellposed/algebra/rank_one.hpp"
#include "wellposed/algebra/support.hpp"
