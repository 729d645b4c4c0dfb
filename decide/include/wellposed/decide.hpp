#pragma once
// Umbrella header of the decide layer: every public decide header.
// Machinery (the Z3 backend, reductions, normal forms, Nullstellensatz
// identities, the per-kind exact checker behind check_certificate) lives in
// wellposed/decide/detail/ and is not included here.
#include "wellposed/decide/verdict.hpp"
#include "wellposed/decide/analyze.hpp"
#include "wellposed/decide/certificate.hpp"
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/detectors.hpp"
#include "wellposed/decide/kronecker.hpp"
#include "wellposed/decide/lu_pattern.hpp"
#include "wellposed/decide/tractable.hpp"
#include "wellposed/decide/exact.hpp"
#include "wellposed/decide/export.hpp"
#include "wellposed/decide/network.hpp"
#include "wellposed/decide/binding.hpp"
#include "wellposed/decide/census.hpp"
#include "wellposed/decide/explain.hpp"
#include "wellposed/decide/repair.hpp"
#include "wellposed/decide/shared_budget.hpp"
