#pragma once
// Pictures of an architecture: each factor's support as a grid, and for two
// factors the product's cells coloured by the class of their rank-one
// supports (Def 5.2.2), with the cells of an LU-type witness outlined.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/architecture.hpp"

namespace wellposed::cli {

/// Cells to outline in the product panel (row, col), e.g. an LU-type witness.
struct Highlight {
  std::size_t row, col;
  std::string label;
};

/// A standalone SVG document. Every support entry of every factor is one
/// <rect class="cell-on"> (absent entries are class "cell-off"). Factors
/// larger than `max_cells` entries are drawn as a density heat map instead.
/// A Kronecker-chain family whose masks are not built is drawn from its
/// patterns without building them (cost sum_l ||theta_l||_0), and gets no
/// product panel unless its masks may be built (Architecture::can_materialize).
std::string render_svg(const Architecture& a, const std::string& title, const std::vector<Highlight>& highlights,
                       std::size_t max_cells = 40000);

}  // namespace wellposed::cli
