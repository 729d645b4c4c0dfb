#pragma once
// Test helper: a verdict with its certificate replaced, for the checker tests
// that tamper with certificates and expect a rejection.
#include <utility>

#include <nlohmann/json.hpp>

#include "wellposed/decide/verdict.hpp"

namespace wellposed {

inline Verdict with_certificate(const Verdict& v, nlohmann::json c) {
  Verdict w = v;
  w.certificate = std::move(c);
  return w;
}

}  // namespace wellposed
