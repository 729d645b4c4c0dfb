#include "svg.hpp"

#include <algorithm>
#include <map>
#include <sstream>

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
  // Layout: panels side by side, each scaled so the largest dimension is ~240 px.
  std::size_t maxdim = 1;
  for (const auto& f : a.factors()) maxdim = std::max({maxdim, f.rows(), f.cols()});
  const double cell = std::clamp(240.0 / static_cast<double>(maxdim), 1.0, 24.0);
  struct Panel {
    std::string title;
    const Support* s;
    Support owned;
  };
  std::vector<Panel> panels;
  for (std::size_t l = 0; l < a.num_factors(); ++l) panels.push_back({"F" + std::to_string(l + 1), &a.factor(l), {}});
  const bool two = a.num_factors() == 2;
  std::vector<std::vector<int>> cls;  // class index per product cell (-1 = none, -2 = overlap)
  if (two) {
    Panel p{"product: rank-one classes", nullptr, a.product_support()};
    panels.push_back(std::move(p));
    panels.back().s = &panels.back().owned;
    const auto classes = rank_one_classes(a.factor(0), a.factor(1));
    cls.assign(a.rows(), std::vector<int>(a.cols(), -1));
    for (std::size_t p = 0; p < classes.size(); ++p)
      for (auto i : classes[p].rows)
        for (auto j : classes[p].cols) cls[i][j] = cls[i][j] == -1 ? static_cast<int>(p) : -2;
  }
  for (auto& p : panels)
    if (!p.s) p.s = &p.owned;

  const double pad = 20, top = 50;
  double width = pad, height = 0;
  for (const auto& p : panels) {
    width += static_cast<double>(p.s->cols()) * cell + pad;
    height = std::max(height, static_cast<double>(p.s->rows()) * cell);
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
    const Support& s = *panels[pi].s;
    const bool product_panel = two && pi == 2;
    o << "<g class=\"panel\" data-name=\"" << escape(panels[pi].title) << "\">\n"
      << "<text x=\"" << x0 << "\" y=\"" << top - 8 << "\">" << escape(panels[pi].title) << " (" << s.rows() << "x"
      << s.cols() << ")</text>\n";
    if (s.rows() * s.cols() <= max_cells) {
      for (std::size_t i = 0; i < s.rows(); ++i)
        for (std::size_t j = 0; j < s.cols(); ++j) {
          const bool on = s(i, j);
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
      // Heat map: blocks of b x b entries shaded by their density.
      const std::size_t b = (std::max(s.rows(), s.cols()) + 199) / 200;
      const double bc = cell * static_cast<double>(b);
      for (std::size_t i = 0; i < s.rows(); i += b)
        for (std::size_t j = 0; j < s.cols(); j += b) {
          std::size_t on = 0, tot = 0;
          for (std::size_t u = i; u < std::min(i + b, s.rows()); ++u)
            for (std::size_t v = j; v < std::min(j + b, s.cols()); ++v) {
              on += s(u, v);
              ++tot;
            }
          const int shade = 244 - static_cast<int>(200.0 * static_cast<double>(on) / static_cast<double>(tot));
          o << "<rect class=\"heat\" x=\"" << x0 + static_cast<double>(j) * cell << "\" y=\""
            << top + static_cast<double>(i) * cell << "\" width=\"" << bc << "\" height=\"" << bc
            << "\" style=\"fill:rgb(" << shade << "," << shade << "," << shade << ")\"/>\n";
        }
    }
    if (product_panel)
      for (const auto& h : highlights)
        o << "<rect class=\"witness\" x=\"" << x0 + static_cast<double>(h.col) * cell << "\" y=\""
          << top + static_cast<double>(h.row) * cell << "\" width=\"" << cell * 0.92 << "\" height=\"" << cell * 0.92
          << "\" style=\"fill:none;stroke:#d62728;stroke-width:2\"><title>" << escape(h.label) << "</title></rect>\n";
    o << "</g>\n";
    x0 += static_cast<double>(s.cols()) * cell + pad;
  }
  o << "</svg>\n";
  return o.str();
}

}  // namespace wellposed::cli
