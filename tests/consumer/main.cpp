// A downstream project: uses the installed package through find_package and
// checks one fact of the seeds (|I_N| = n (N + 1) for HODLR) so that a broken
// link or header shows up as a failing exit code, not just a compile.
#include <iostream>
#include <wellposed/wellposed.hpp>

int main() {
  const auto [I, J] = wellposed::hodlr_xyT(3);
  const bool ok = I.nnz() == 8 * 4 && J.nnz() == 8 * 4 && wellposed::is_chainable(wellposed::butterfly_chain(16));
  std::cout << (ok ? "consumer ok" : "consumer FAILED") << "\n";
  return ok ? 0 : 1;
}
