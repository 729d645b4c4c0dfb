#pragma once
// Internal (not installed): the pieces of the masked sentences
// (masked_sentences.cpp) that the closedness routes (closedness_routes.cpp)
// reuse to build the algebraic-onto sentences.
#include <vector>

#include "wellposed/algebra/detail/entry_polynomials.hpp"
#include "wellposed/algebra/formula.hpp"
#include "wellposed/decide/detail/reductions.hpp"

namespace wellposed::sentence_parts {

/// The gauge fixing of reductions.hpp (4b): every scaling pivot is 0 or 1.
Formula gauge_formula(const MaskedChain& chain, const EntryPolynomials& x);
/// P_ij(X) = A_ij on every entry of the chain's mask.
Formula reaches(const MaskedChain& chain, const EntryPolynomials& x, const std::vector<std::vector<Polynomial>>& A);

}  // namespace wellposed::sentence_parts
