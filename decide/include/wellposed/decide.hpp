#pragma once
// Umbrella header of the decide layer.
#include "wellposed/decide/verdict.hpp"
