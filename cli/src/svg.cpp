#include "svg.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "wellposed/algebra/kpattern.hpp"
#include "wellposed/algebra/rank_one.hpp"

namespace wellposed::cli {

namespace {
std::string escape(const std::string& s) {
  std::string o;
  for (char ch : s) {
    switch (ch) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += ch;
    }
  }
  return o;
}

const char* palette(std::size_t k) {
  static const char* colors[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948",
                                 "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
  return colors[k % 10];
}
}  // namespace

std::string render_svg(const Architecture& a, const std::string& title, const std::vector<Highlight>& highlights,
                       std::size_t max_cells) {
  // A family whose masks are not built is drawn from its Kronecker patterns
  // (issue 18 item 6): cells from KPattern::contains, heat maps from each
  // row's c entries (cost ||theta||_0 per panel), and no product panel
  // unless its masks may be built.
  const bool from_chain = !a.materialized() && a.structural_chain().has_value();
  const bool two = a.num_factors() == 2 && (!from_chain || a.can_materialize());
  // Layout: panels side by side, each scaled so the largest dimension is ~240 px.
  std::size_t maxdim = 1;
  for (auto d : a.dims()) maxdim = std::max(maxdim, d);
  // (No lower bound: a 65,536-wide factor is 240 px wide, not 65,536.)
  const double cell = std::min(240.0 / static_cast<double>(maxdim), 24.0);
  struct Panel {
    std::string title;
    const Support* s = nullptr;  // the mask, or null: drawn from the pattern t
    Support owned;
    KPattern t{};
    std::size_t rows = 0, cols = 0;
  };
  std::vector<Panel> panels;
  for (std::size_t l = 0; l < a.num_factors(); ++l) {
    Panel p{"F" + std::to_string(l + 1), nullptr, {}, {}, a.factor_shape(l).rows, a.factor_shape(l).cols};
    if (from_chain) p.t = (*a.structural_chain())[l];
    else p.s = &a.factor(l);
    panels.push_back(std::move(p));
  }
  std::vector<std::vector<int>> cls;  // class index per product cell (-1 = none, -2 = overlap)
  if (two) {
    Panel p{"product: rank-one classes", nullptr, a.product_support(), {}, a.rows(), a.cols()};
    panels.push_back(std::move(p));
    panels.back().s = &panels.back().owned;
    const auto classes = rank_one_classes(a.factor(0), a.factor(1));
    cls.assign(a.rows(), std::vector<int>(a.cols(), -1));
    for (std::size_t p = 0; p < classes.size(); ++p)
      for (auto i : classes[p].rows)
        for (auto j : classes[p].cols) cls[i][j] = cls[i][j] == -1 ? static_cast<int>(p) : -2;
  }

  const double pad = 20, top = 50;
  double width = pad, height = 0;
  for (const auto& p : panels) {
    width += static_cast<double>(p.cols) * cell + pad;
    height = std::max(height, static_cast<double>(p.rows) * cell);
  }
  height += top + pad + 20;
  width = std::max(width, 320.0);
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height << "\" viewBox=\"0 0 "
    << width << " " << height << "\">\n"
    << "<style>.cell-on{fill:#333}.cell-off{fill:#f4f4f4}.overlap{fill:#d62728}"
       "text{font-family:sans-serif;font-size:12px}</style>\n"
    << "<text x=\"" << pad << "\" y=\"18\" font-size=\"14\">" << escape(title) << "</text>\n";
  double x0 = pad;
  for (std::size_t pi = 0; pi < panels.size(); ++pi) {
    const Panel& P = panels[pi];
    const bool product_panel = two && pi + 1 == panels.size();
    auto on_at = [&](std::size_t i, std::size_t j) { return P.s ? (*P.s)(i, j) : P.t.contains(i, j); };
    o << "<g class=\"panel\" data-name=\"" << escape(P.title) << "\">\n"
      << "<text x=\"" << x0 << "\" y=\"" << top - 8 << "\">" << escape(P.title) << " (" << P.rows << "x" << P.cols
      << ")</text>\n";
    if (P.rows <= max_cells / std::max<std::size_t>(P.cols, 1)) {
      for (std::size_t i = 0; i < P.rows; ++i)
        for (std::size_t j = 0; j < P.cols; ++j) {
          const bool on = on_at(i, j);
          std::string cls_attr = on ? "cell-on" : "cell-off";
          std::string fill;
          if (product_panel && on) {
            const int c = cls[i][j];
            if (c == -2) cls_attr = "cell-on overlap";
            else if (c >= 0) fill = std::string(" style=\"fill:") + palette(static_cast<std::size_t>(c)) + "\"";
          }
          o << "<rect class=\"" << cls_attr << "\"" << fill << " x=\"" << x0 + static_cast<double>(j) * cell
            << "\" y=\"" << top + static_cast<double>(i) * cell << "\" width=\"" << cell * 0.92 << "\" height=\""
            << cell * 0.92 << "\" data-i=\"" << i << "\" data-j=\"" << j << "\"/>\n";
        }
    } else {
      // Heat map: blocks of b x b entries shaded by their density, counted
      // row by row over the entries only (mask rows or the pattern's c per row).
      // At most ~40,000 heat cells over all panels (200 x 200 for one panel,
      // 50 x 50 for sixteen), so the file stays a few MB.
      const std::size_t side = std::clamp<std::size_t>(
          static_cast<std::size_t>(std::sqrt(40000.0 / static_cast<double>(panels.size()))), 16, 200);
      const std::size_t b = (std::max(P.rows, P.cols) + side - 1) / side;
      const std::size_t gr = (P.rows + b - 1) / b, gc = (P.cols + b - 1) / b;
      std::vector<std::size_t> count(gr * gc, 0);
      for (std::size_t i = 0; i < P.rows; ++i) {
        if (P.s) {
          for (auto j : P.s->row_indices(i)) ++count[(i / b) * gc + j / b];
        } else {  // row i = alpha b d + beta d + delta holds columns alpha c d + gamma d + delta (Def 6.3.1)
          const auto& t = P.t;
          const std::size_t alpha = i / (t.b * t.d), delta = i % t.d;
          for (std::size_t gamma = 0; gamma < t.c; ++gamma)
            ++count[(i / b) * gc + (alpha * t.c * t.d + gamma * t.d + delta) / b];
        }
      }
      const double bc = cell * static_cast<double>(b);
      for (std::size_t bi = 0; bi < gr; ++bi)
        for (std::size_t bj = 0; bj < gc; ++bj) {
          const std::size_t h = std::min(b, P.rows - bi * b), w = std::min(b, P.cols - bj * b);
          const int shade = 244 - static_cast<int>(200.0 * static_cast<double>(count[bi * gc + bj]) /
                                                   static_cast<double>(h * w));
          o << "<rect class=\"heat\" x=\"" << x0 + static_cast<double>(bj * b) * cell << "\" y=\""
            << top + static_cast<double>(bi * b) * cell << "\" width=\"" << bc << "\" height=\"" << bc
            << "\" style=\"fill:rgb(" << shade << "," << shade << "," << shade << ")\"/>\n";
        }
    }
    if (product_panel)
      for (const auto& h : highlights)
        o << "<rect class=\"witness\" x=\"" << x0 + static_cast<double>(h.col) * cell << "\" y=\""
          << top + static_cast<double>(h.row) * cell << "\" width=\"" << cell * 0.92 << "\" height=\"" << cell * 0.92
          << "\" style=\"fill:none;stroke:#d62728;stroke-width:2\"><title>" << escape(h.label) << "</title></rect>\n";
    o << "</g>\n";
    x0 += static_cast<double>(P.cols) * cell + pad;
  }
  o << "</svg>\n";
  return o.str();
}

}  // namespace wellposed::cli
