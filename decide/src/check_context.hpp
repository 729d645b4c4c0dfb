#pragma once
// Internal (not installed): the options of the certificate check in
// progress on this thread (issue 18 item 4). Every public check_certificate
// overload opens a scope with the options it was given; a check nested in
// it (a ReLU network certificate re-checking its L_I certificate through
// gate.hpp's check_once, the exact checker called from check_any) reads
// them here instead of falling back to defaults. Nothing here is
// process-global: a scope lives on the caller's stack and is per thread.
#include "wellposed/decide/checker.hpp"

namespace wellposed::detail {

class CheckOptionsScope {
 public:
  explicit CheckOptionsScope(const CertificateCheckOptions& o);
  ~CheckOptionsScope();
  CheckOptionsScope(const CheckOptionsScope&) = delete;
  CheckOptionsScope& operator=(const CheckOptionsScope&) = delete;

 private:
  const CertificateCheckOptions* outer_;
};

/// The options of the innermost scope on this thread, or the defaults.
const CertificateCheckOptions& current_check_options();

}  // namespace wellposed::detail
