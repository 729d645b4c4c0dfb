#include "svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <sstream>

#include "wellposed/algebra/kpattern.hpp"
#include "wellposed/algebra/rank_one.hpp"

namespace wellposed::cli {

std::string xml_escape(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default:
        // Control characters are not allowed in XML 1.0 text.
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\n' && ch != '\t') o += ' ';
        else o += ch;
    }
  }
  return o;
}

namespace {

/// Code points of a UTF-8 string (for width estimates only).
std::size_t glyphs(const std::string& s) {
  std::size_t n = 0;
  for (char ch : s) n += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
  return n;
}

/// Class colours: none of them red or pink, so the overlap fill (red) and the
/// witness outline (black) cannot be mistaken for a class.
const char* palette(std::size_t k) {
  static const char* colors[] = {"#4e79a7", "#f28e2b", "#59a14f", "#76b7b2", "#edc948",
                                 "#b07aa1", "#9c755f", "#86bcb6", "#8cd17d", "#a0cbe8"};
  return colors[k % 10];
}
constexpr const char* kOverlap = "#d62728";
constexpr const char* kWitness = "#000000";
constexpr const char* kOn = "#333333";
constexpr const char* kOff = "#f4f4f4";

/// Grey level of a density in [0, 1]: 0 is the colour of an absent entry,
/// 1 is dark grey (244 -> 44), through the square root so that a pruned mask
/// at 1% is still visible; the legend's scale is drawn with the same map and
/// labelled with the densities it shows.
int grey(double density) {
  return 244 - static_cast<int>(std::lround(200.0 * std::sqrt(std::clamp(density, 0.0, 1.0))));
}

/// Greedy word wrap to at most `width` glyphs per line (long words are cut).
std::vector<std::string> wrap(const std::string& text, std::size_t width) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream in(text);
  std::string word;
  while (in >> word) {
    while (glyphs(word) > width) {  // cut at a byte boundary that starts a code point
      std::size_t cut = 0, g = 0;
      const std::size_t room = line.empty() ? width : 0;
      if (room == 0) {
        lines.push_back(line);
        line.clear();
        continue;
      }
      while (cut < word.size() && g < room) {
        ++cut;
        while (cut < word.size() && (static_cast<unsigned char>(word[cut]) & 0xC0) == 0x80) ++cut;
        ++g;
      }
      lines.push_back(word.substr(0, cut));
      word = word.substr(cut);
    }
    if (line.empty()) line = word;
    else if (glyphs(line) + 1 + glyphs(word) <= width) line += " " + word;
    else {
      lines.push_back(line);
      line = word;
    }
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

std::string subscript(std::size_t k) {
  static const char* d[] = {"₀", "₁", "₂", "₃", "₄", "₅", "₆", "₇", "₈", "₉"};
  const std::string s = std::to_string(k);
  std::string o;
  for (char c : s) o += d[c - '0'];
  return o;
}
}  // namespace

std::string render_svg(const Architecture& a, const std::string& title, const std::vector<Highlight>& highlights,
                       const SvgOptions& opt) {
  // A family whose masks are not built is drawn from its Kronecker patterns
  // (issue 18 item 6): cells from KPattern::contains, density views from each
  // row's c entries (cost ||theta||_0 per panel), and no product panel
  // unless its masks may be built.
  const bool from_chain = !a.materialized() && a.structural_chain().has_value();
  const bool two = a.num_factors() == 2 && (!from_chain || a.can_materialize());
  const std::size_t L = a.num_factors();
  // Panels scaled so the largest dimension is ~240 px (no lower bound: a
  // 65,536-wide factor is 240 px wide, not 65,536).
  std::size_t maxdim = 1;
  for (auto d : a.dims()) maxdim = std::max(maxdim, d);
  const double cell = std::min(240.0 / static_cast<double>(maxdim), 24.0);
  struct Panel {
    std::string id, label;       // data-name (ASCII) and the displayed name
    const Support* s = nullptr;  // the mask, or null: drawn from the pattern t
    Support owned;
    KPattern t{};
    std::size_t rows = 0, cols = 0;
    bool product = false, dense_view = false;
  };
  std::vector<Panel> panels;
  // Network: X_{l+1} = W_{L-l}; drawn input to output (W_1 first).
  for (std::size_t k = 0; k < L; ++k) {
    const std::size_t l = opt.network_layers ? L - 1 - k : k;
    const std::size_t num = opt.network_layers ? L - l : l + 1;
    const std::string letter = opt.network_layers ? "W" : "X";
    Panel p{letter + std::to_string(num), letter + subscript(num), nullptr, {}, {},
            a.factor_shape(l).rows, a.factor_shape(l).cols, false, false};
    if (from_chain) p.t = (*a.structural_chain())[l];
    else p.s = &a.factor(l);
    panels.push_back(std::move(p));
  }
  std::vector<int> cls;  // class index per product cell (-1 = none, -2 = overlap), row-major
  std::size_t class_count = 0;
  bool classes_drawn = false;
  if (two) {
    const std::string label = opt.network_layers ? "product W" + subscript(2) + "·W" + subscript(1)
                                                 : "product X" + subscript(1) + "·X" + subscript(2);
    panels.push_back(Panel{"product", label, nullptr, a.product_support(), {}, a.rows(), a.cols(), true, false});
    panels.back().s = &panels.back().owned;
    const auto classes = rank_one_classes(a.factor(0), a.factor(1));
    class_count = classes.size();
    // Colouring costs sum_P |R_P| |C_P| cell visits: bounded so a picture of
    // a large dense pair stays seconds, not minutes (the density view then
    // shows the support only, and the legend says the classes are not drawn).
    std::uint64_t work = 0;
    for (const auto& c : classes) work += static_cast<std::uint64_t>(c.rows.size()) * c.cols.size();
    if (work <= (std::uint64_t{1} << 27)) {
      classes_drawn = true;
      cls.assign(a.rows() * a.cols(), -1);
      for (std::size_t p = 0; p < classes.size(); ++p)
        for (auto i : classes[p].rows)
          for (auto j : classes[p].cols) {
            int& c = cls[i * a.cols() + j];
            c = c == -1 ? static_cast<int>(p) : -2;
          }
    }
  }
  for (auto& p : panels) p.dense_view = !(p.rows <= opt.max_cells / std::max<std::size_t>(p.cols, 1));

  // Geometry. Panel slots are at least 120 px wide so their two-line headers
  // never run into the next panel.
  const double pad = 20, header = 34, min_slot = 120;
  double width = pad, panels_h = 0;
  for (const auto& p : panels) {
    width += std::max(static_cast<double>(p.cols) * cell, min_slot) + pad;
    panels_h = std::max(panels_h, static_cast<double>(p.rows) * cell);
  }
  width = std::max(width, 520.0);
  const std::size_t per_line = static_cast<std::size_t>((width - 2 * pad) / 7.8);
  auto title_lines = wrap(title, std::max<std::size_t>(per_line, 20));
  if (title_lines.size() > 8) {
    title_lines.resize(8);
    title_lines.back() += " …";
  }
  const double title_h = 8 + 18.0 * static_cast<double>(title_lines.size());
  const double top = title_h + header;

  // The legend: one entry per colour actually used.
  struct Item {
    std::string swatch;  // SVG for a 12x12 swatch at (0,0)
    std::string text;
  };
  std::vector<Item> items;
  auto square = [](const std::string& style) {
    return "<rect class=\"swatch\" x=\"0\" y=\"0\" width=\"12\" height=\"12\" style=\"" + style + "\"/>";
  };
  const bool any_cells = std::any_of(panels.begin(), panels.end(), [](const Panel& p) { return !p.dense_view; });
  const bool any_dense = std::any_of(panels.begin(), panels.end(), [](const Panel& p) { return p.dense_view; });
  if (any_cells) {
    items.push_back({square(std::string("fill:") + kOn), "support entry (free parameter)"});
    items.push_back({square(std::string("fill:") + kOff + ";stroke:#bbbbbb"), "entry fixed to 0"});
  }
  const bool product_cells = two && !panels.back().dense_view;
  if (two && classes_drawn && product_cells) {
    std::string sw;
    for (int k = 0; k < 3; ++k)
      sw += "<rect class=\"swatch\" x=\"" + std::to_string(k * 5) + "\" y=\"0\" width=\"5\" height=\"12\" style=\"fill:" +
            palette(static_cast<std::size_t>(k)) + "\"/>";
    items.push_back({sw, "product cell: colour of its rank-one class (Def 5.2.2; " + std::to_string(class_count) +
                             " classes)"});
    if (std::find(cls.begin(), cls.end(), -2) != cls.end())
      items.push_back({square(std::string("fill:") + kOverlap), "product cell in two or more classes (overlap)"});
  } else if (two && !classes_drawn) {
    items.push_back({"", "product: " + std::to_string(class_count) + " rank-one classes, too many cells to colour"});
  }
  if (two && !highlights.empty())
    items.push_back({square(std::string("fill:none;stroke:") + kWitness + ";stroke-width:3"),
                     "LU-type witness cell (Thm 4.3.1)"});
  if (any_dense) {
    std::string sw;
    static const char* shown[] = {"0%", "6%", "25%", "56%", "100%"};  // (k/4)^2: equal grey steps
    for (int k = 0; k <= 4; ++k) {
      const int g = grey((k / 4.0) * (k / 4.0));
      sw += "<rect class=\"swatch scale\" x=\"" + std::to_string(k * 34) +
            "\" y=\"0\" width=\"34\" height=\"12\" style=\"fill:rgb(" + std::to_string(g) + "," + std::to_string(g) +
            "," + std::to_string(g) + ");stroke:#999999;stroke-width:0.5\"/>";
      sw += "<text x=\"" + std::to_string(k * 34 + 17) + "\" y=\"24\" text-anchor=\"middle\" font-size=\"9\">" +
            shown[k] + "</text>";
    }
    items.push_back({sw, "density view: share of support entries per block"});
    if (two && classes_drawn && !product_cells)
      items.push_back({square(std::string("fill:") + kOverlap + ";fill-opacity:0.6"),
                       "red tint: share of the block's cells in two or more classes"});
  }
  // Legend layout: entries left to right, wrapped to the picture's width.
  std::ostringstream legend;
  double lx = pad, ly = 0, row_h = 16;
  const double legend_top = top + panels_h + 24;
  for (const auto& it : items) {
    const double sw_w = it.swatch.find("scale") != std::string::npos ? 176 : (it.swatch.empty() ? 0 : 18);
    const double w = sw_w + 6.6 * static_cast<double>(glyphs(it.text)) + 18;
    if (lx > pad && lx + w > width - pad) {
      lx = pad;
      ly += row_h + 8;
      row_h = 16;
    }
    if (sw_w > 100) row_h = 28;
    legend << "<g class=\"legend-item\" transform=\"translate(" << lx << "," << legend_top + ly << ")\">" << it.swatch
           << "<text x=\"" << sw_w << "\" y=\"10\">" << xml_escape(it.text) << "</text></g>\n";
    lx += w;
  }
  const double height = legend_top + ly + row_h + pad;

  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height << "\" viewBox=\"0 0 "
    << width << " " << height << "\">\n"
    << "<title>" << xml_escape(title) << "</title>\n"
    << "<style>.cell-on{fill:" << kOn << "}.cell-off{fill:" << kOff << "}.overlap{fill:" << kOverlap
    << "}.witness{fill:none;stroke:" << kWitness
    << ";stroke-width:3}text{font-family:DejaVu Sans,Arial,sans-serif;font-size:12px;fill:#222222}"
       ".heat,.heat-overlap{shape-rendering:crispEdges}.title{font-size:14px;font-weight:bold}.size{fill:#666666;font-size:11px}</style>\n"
    << "<rect x=\"0\" y=\"0\" width=\"" << width << "\" height=\"" << height << "\" style=\"fill:#ffffff\"/>\n";
  for (std::size_t k = 0; k < title_lines.size(); ++k)
    o << "<text class=\"title\" x=\"" << pad << "\" y=\"" << 20 + 18 * k << "\">" << xml_escape(title_lines[k])
      << "</text>\n";
  double x0 = pad;
  for (const Panel& P : panels) {
    auto on_at = [&](std::size_t i, std::size_t j) { return P.s ? (*P.s)(i, j) : P.t.contains(i, j); };
    o << "<g class=\"panel\" data-name=\"" << P.id << "\"" << (P.dense_view ? " data-view=\"density\"" : "") << ">\n"
      << "<text x=\"" << x0 << "\" y=\"" << top - 20 << "\">" << xml_escape(P.label) << "</text>\n"
      << "<text class=\"size\" x=\"" << x0 << "\" y=\"" << top - 6 << "\">" << P.rows << "×" << P.cols;
    if (P.dense_view) {
      // The share of entries in words: a uniform panel (e.g. a full product
      // support) then reads as what it is, not as a black square.
      const double nnz = static_cast<double>(P.s ? P.s->nnz() : P.t.nnz());
      const double share = 100.0 * nnz / (static_cast<double>(P.rows) * static_cast<double>(P.cols));
      char b[32];
      std::snprintf(b, sizeof b, "%.3g", share);
      o << ", " << b << "% entries (density view)";
    }
    o << "</text>\n";
    if (!P.dense_view) {
      for (std::size_t i = 0; i < P.rows; ++i)
        for (std::size_t j = 0; j < P.cols; ++j) {
          const bool on = on_at(i, j);
          std::string cls_attr = on ? "cell-on" : "cell-off";
          std::string fill;
          if (P.product && on && classes_drawn) {
            const int c = cls[i * P.cols + j];
            if (c == -2) cls_attr = "cell-on overlap";
            else if (c >= 0) fill = std::string(" style=\"fill:") + palette(static_cast<std::size_t>(c)) + "\"";
          }
          o << "<rect class=\"" << cls_attr << "\"" << fill << " x=\"" << x0 + static_cast<double>(j) * cell
            << "\" y=\"" << top + static_cast<double>(i) * cell << "\" width=\"" << cell * 0.92 << "\" height=\""
            << cell * 0.92 << "\" data-i=\"" << i << "\" data-j=\"" << j << "\"/>\n";
        }
    } else {
      // Density view: blocks of b x b entries shaded by the share of support
      // entries, counted row by row over the entries only (mask rows or the
      // pattern's c per row). At most ~40,000 blocks over all panels (200 x
      // 200 for one panel, 50 x 50 for sixteen), so the file stays a few MB.
      const std::size_t side = std::clamp<std::size_t>(
          static_cast<std::size_t>(std::sqrt(40000.0 / static_cast<double>(panels.size()))), 16, 200);
      const std::size_t b = (std::max(P.rows, P.cols) + side - 1) / side;
      const std::size_t gr = (P.rows + b - 1) / b, gc = (P.cols + b - 1) / b;
      std::vector<std::size_t> count(gr * gc, 0), overlap(gr * gc, 0);
      for (std::size_t i = 0; i < P.rows; ++i) {
        if (P.s) {
          for (auto j : P.s->row_indices(i)) {
            ++count[(i / b) * gc + j / b];
            if (P.product && classes_drawn && cls[i * P.cols + j] == -2) ++overlap[(i / b) * gc + j / b];
          }
        } else {  // row i = alpha b d + beta d + delta holds columns alpha c d + gamma d + delta (Def 6.3.1)
          const auto& t = P.t;
          const std::size_t alpha = i / (t.b * t.d), delta = i % t.d;
          for (std::size_t gamma = 0; gamma < t.c; ++gamma)
            ++count[(i / b) * gc + (alpha * t.c * t.d + gamma * t.d + delta) / b];
        }
      }
      for (std::size_t bi = 0; bi < gr; ++bi)
        for (std::size_t bj = 0; bj < gc; ++bj) {
          const std::size_t h = std::min(b, P.rows - bi * b), w = std::min(b, P.cols - bj * b);
          const double area = static_cast<double>(h * w);
          const int g = grey(static_cast<double>(count[bi * gc + bj]) / area);
          const double x = x0 + static_cast<double>(bj * b) * cell, y = top + static_cast<double>(bi * b) * cell;
          o << "<rect class=\"heat\" x=\"" << x << "\" y=\"" << y << "\" width=\"" << cell * static_cast<double>(w)
            << "\" height=\"" << cell * static_cast<double>(h) << "\" style=\"fill:rgb(" << g << "," << g << "," << g
            << ")\"/>\n";
          if (overlap[bi * gc + bj])
            o << "<rect class=\"heat-overlap\" x=\"" << x << "\" y=\"" << y << "\" width=\""
              << cell * static_cast<double>(w) << "\" height=\"" << cell * static_cast<double>(h)
              << "\" style=\"fill:" << kOverlap << ";fill-opacity:"
              << std::round(60.0 * static_cast<double>(overlap[bi * gc + bj]) / area) / 100.0 << "\"/>\n";
        }
      // The panel's frame: where the matrix ends.
      o << "<rect class=\"frame\" x=\"" << x0 << "\" y=\"" << top << "\" width=\""
        << cell * static_cast<double>(P.cols) << "\" height=\"" << cell * static_cast<double>(P.rows)
        << "\" style=\"fill:none;stroke:#999999;stroke-width:0.5\"/>\n";
    }
    if (P.product)
      for (const auto& h : highlights) {
        // At least 6 px, so a witness stays visible in a density view.
        const double s = std::max(cell * 0.92, 6.0), c = cell * 0.46;
        o << "<rect class=\"witness\" x=\"" << x0 + static_cast<double>(h.col) * cell + c - s / 2 << "\" y=\""
          << top + static_cast<double>(h.row) * cell + c - s / 2 << "\" width=\"" << s << "\" height=\"" << s
          << "\"><title>" << xml_escape(h.label) << "</title></rect>\n";
      }
    o << "</g>\n";
    x0 += std::max(static_cast<double>(P.cols) * cell, min_slot) + pad;
  }
  o << "<g class=\"legend\">\n" << legend.str() << "</g>\n</svg>\n";
  return o.str();
}

}  // namespace wellposed::cli
