#pragma once
// Umbrella header of the decide layer.
#include "wellposed/decide/verdict.hpp"
#include "wellposed/decide/analyze.hpp"
#include "wellposed/decide/certificate.hpp"
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/detectors.hpp"
#include "wellposed/decide/kronecker.hpp"
#include "wellposed/decide/lu_pattern.hpp"
#include "wellposed/decide/tractable.hpp"
