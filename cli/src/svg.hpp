#pragma once
// Pictures of an architecture: each factor's support as a grid, and for two
// factors the product's cells coloured by the class of their rank-one
// supports (Def 5.2.2), with the cells of an LU-type witness outlined.
//
// Every picture carries a legend explaining each colour it uses; the title is
// wrapped to the picture's width (never clipped); the witness outline (black)
// is distinct from the overlap fill (red) and from every class colour; masks
// too large to draw cell by cell are drawn as a density view (block-averaged
// grey levels) with its scale. The output depends only on the arguments
// (no clock, no addresses): byte-identical across runs.
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

struct SvgOptions {
  /// Panels with more entries than this are drawn as a density view.
  std::size_t max_cells = 40000;
  /// The architecture is the linear part of a ReLU network: its factors are
  /// X_1 = W_L, ..., X_L = W_1 (algebra/orientation.hpp, from_layers). The
  /// panels are then drawn input to output and labelled as PyTorch numbers
  /// layers: W_1 (the first layer) first, the product as W_L...W_1.
  bool network_layers = false;
};

/// A standalone SVG document. Every support entry of every factor is one
/// <rect class="cell-on"> (absent entries are class "cell-off"); each panel is
/// a <g class="panel" data-name="X1"> (or "W1" for a network, "product").
/// Panels larger than `max_cells` entries are drawn as a density view
/// (<rect class="heat">). A Kronecker-chain family whose masks are not built
/// is drawn from its patterns without building them (cost sum_l ||theta_l||_0),
/// and gets no product panel unless its masks may be built
/// (Architecture::can_materialize).
std::string render_svg(const Architecture& a, const std::string& title, const std::vector<Highlight>& highlights,
                       const SvgOptions& options);
inline std::string render_svg(const Architecture& a, const std::string& title,
                              const std::vector<Highlight>& highlights, std::size_t max_cells = 40000) {
  SvgOptions o;
  o.max_cells = max_cells;
  return render_svg(a, title, highlights, o);
}

/// Text safe inside XML/HTML elements and attribute values: & < > " ' escaped,
/// control characters other than newline and tab (not allowed in XML 1.0) as
/// spaces. Used by the SVG pictures and by `wellposed report`.
std::string xml_escape(const std::string& s);

/// The cells of an LU-type witness named by a certificate (possibly wrapped
/// by a reduction); empty for other kinds (check.cpp).
std::vector<Highlight> certificate_witness_cells(const nlohmann::json& certificate);

}  // namespace wellposed::cli
