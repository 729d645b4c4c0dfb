// Nullstellensatz certificates through Singular (see nullstellensatz.hpp).
#include "wellposed/decide/detail/nullstellensatz.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <stdexcept>

#include "subprocess.hpp"

namespace wellposed {

namespace {

// One Singular polynomial as printed with short = 0: "1/2*x(1)^2*x(3)-3/7*x(2)+5".
std::optional<Polynomial> parse_singular(const std::string& s, const std::vector<Variable>& vars) {
  Polynomial out;
  std::size_t i = 0;
  auto number = [&](std::string& digits) {
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) digits += s[i++];
    return !digits.empty();
  };
  if (s == "0") return out;
  while (i < s.size()) {
    bool neg = false;
    if (s[i] == '+' || s[i] == '-') neg = s[i++] == '-';
    Rational c(1);
    Monomial m;
    bool first = true, any = false;
    while (i < s.size() && s[i] != '+' && s[i] != '-') {
      if (!first) {
        if (s[i] != '*') return std::nullopt;
        ++i;
      }
      first = false;
      if (std::isdigit(static_cast<unsigned char>(s[i]))) {
        std::string num, den = "1";
        number(num);
        if (i < s.size() && s[i] == '/') {
          ++i;
          den.clear();
          if (!number(den)) return std::nullopt;
        }
        c *= Rational(Integer(num), Integer(den));
      } else if (s.compare(i, 2, "x(") == 0) {
        i += 2;
        std::string k;
        if (!number(k) || i >= s.size() || s[i] != ')') return std::nullopt;
        ++i;
        unsigned e = 1;
        if (i < s.size() && s[i] == '^') {
          ++i;
          std::string es;
          if (!number(es) || es.size() > 3) return std::nullopt;
          e = static_cast<unsigned>(std::stoul(es));
        }
        const std::size_t idx = std::stoul(k);
        if (idx < 1 || idx > vars.size() || e == 0) return std::nullopt;
        m = m * Monomial(vars[idx - 1], e);
      } else {
        return std::nullopt;
      }
      any = true;
    }
    if (!any) return std::nullopt;
    out += Polynomial(m, neg ? Rational(-c) : c);
  }
  return out;
}

// A polynomial in Singular syntax over x(1..n).
std::string to_singular(const Polynomial& p, const std::map<Variable, std::size_t>& index) {
  if (p.is_zero()) return "0";
  std::string out;
  for (const auto& [m, c] : p.terms()) {
    const std::string t = c.str();
    if (!out.empty()) out += "+";
    out += t[0] == '-' ? "(" + t + ")" : t;
    for (const auto& [v, e] : m.powers()) out += "*x(" + std::to_string(index.at(v)) + ")^" + std::to_string(e);
  }
  return out;
}

}  // namespace

std::string edge_variable_name(std::size_t l, std::size_t r, std::size_t c) {
  return "x_" + std::to_string(l) + "_" + std::to_string(r) + "_" + std::to_string(c);
}

nlohmann::json edge_polynomial_to_json(const Polynomial& p) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [m, c] : p.terms()) {
    nlohmann::json powers = nlohmann::json::array();
    for (const auto& [v, e] : m.powers()) {
      std::size_t l = 0, r = 0, col = 0;
      char tail = 0;
      if (std::sscanf(v.name().c_str(), "x_%zu_%zu_%zu%c", &l, &r, &col, &tail) != 3)
        throw std::invalid_argument("edge_polynomial_to_json: variable '" + v.name() + "' is not an edge variable");
      powers.push_back({l, r, col, e});
    }
    out.push_back({c.str(), powers});
  }
  return out;
}

NullstellensatzResult nullstellensatz(const std::vector<Polynomial>& f, const NullstellensatzOptions& o) {
  NullstellensatzResult res;
  if (f.empty()) {
    res.reason = "no equations";
    return res;
  }
  std::map<Variable, std::size_t> index;
  std::vector<Variable> vars;
  for (const auto& p : f)
    for (const auto& v : p.variables())
      if (index.emplace(v, vars.size() + 1).second) vars.push_back(v);
  std::ostringstream in;
  // Singular needs at least one ring variable.
  in << "ring r = 0, (x(1.." << std::max<std::size_t>(1, vars.size()) << ")), dp;\nshort = 0;\noption(redSB);\n"
     << "ideal I = ";
  for (std::size_t i = 0; i < f.size(); ++i) in << (i ? ",\n  " : "") << to_singular(f[i], index);
  in << ";\nprint(\"engine Singular \" + string(system(\"version\")));\n"
     << "ideal G = std(I);\n"
     << "if (size(G) == 1 && deg(G[1]) == 0) {\n"
     << "  matrix T = lift(I, ideal(1));\n  int i;\n"
     << "  for (i = 1; i <= nrows(T); i++) { print(\"g \" + string(T[i,1])); }\n"
     << "  print(\"end\");\n} else { print(\"feasible\"); }\nquit;\n";
  std::string program = o.program;
  if (const char* env = std::getenv("WELLPOSED_SINGULAR"); env && *env) program = env;
  const detail::ProcessRun run = detail::run_process({program, "-q", "--no-rc", "--no-warn"}, in.str(), o.seconds);
  if (run.status != detail::ProcessRun::Status::finished || run.exit_code != 0) {
    res.reason = "Singular: " + (run.reason.empty() ? "exit code " + std::to_string(run.exit_code) : run.reason);
    return res;
  }
  if (std::getenv("WELLPOSED_TRACE_EXACT"))
    std::fprintf(stderr, "[nullstellensatz] %zu equations, %zu variables, Singular %.2f s\n%s\n--- output ---\n%s\n",
                 f.size(), vars.size(), run.seconds, in.str().c_str(), run.output.c_str());
  std::istringstream out(run.output);
  std::string line;
  std::vector<Polynomial> g;
  bool end = false;
  while (std::getline(out, line)) {
    if (line.rfind("engine ", 0) == 0) {
      res.engine = line.substr(7);  // "Singular 4313" = 4.3.1p3
      const std::string v = res.engine.size() > 9 ? res.engine.substr(9) : "";
      if (v.size() == 4 && v.find_first_not_of("0123456789") == std::string::npos)
        res.engine = std::string("Singular ") + v[0] + "." + v[1] + "." + v[2] + "p" + v[3];
    } else if (line == "feasible") {
      res.reason = "the system has a complex solution (1 is not in the ideal)";
      return res;
    } else if (line.rfind("g ", 0) == 0) {
      auto p = parse_singular(line.substr(2), vars);
      if (!p) {
        res.reason = "Singular: unrecognised output";
        return res;
      }
      g.push_back(std::move(*p));
    } else if (line == "end") {
      end = true;
    }
  }
  if (!end || g.size() != f.size()) {
    res.reason = "Singular: incomplete output";
    return res;
  }
  Polynomial sum;
  for (std::size_t i = 0; i < f.size(); ++i) sum += g[i] * f[i];
  if (!(sum == Polynomial(1))) {
    res.reason = "Singular's cofactors fail the exact re-check";
    return res;
  }
  res.cofactors = std::move(g);
  return res;
}

bool attach_nullstellensatz(nlohmann::json& c, const NullstellensatzOptions& o, std::string* why) {
  auto no = [&](const std::string& w) {
    if (why) *why = w;
    return false;
  };
  try {
    if (!c.is_object() || c.value("kind", "") != "exact_not_closed" || !c.contains("witness") || c.at("witness").is_null())
      return no("not an exact_not_closed certificate with a witness");
    const auto bi = c.at("block").get<std::size_t>();
    const auto& block = c.at("reduction").at("blocks").at(bi);
    std::size_t L = 0;
    std::map<std::array<std::size_t, 3>, Variable> x;
    for (const auto& e : block.at("edges")) {
      const std::array<std::size_t, 3> E{e.at(0).get<std::size_t>(), e.at(1).get<std::size_t>(), e.at(2).get<std::size_t>()};
      x.emplace(E, Variable::named(edge_variable_name(E[0], E[1], E[2])));
      L = std::max(L, E[0] + 1);
    }
    std::map<std::pair<std::size_t, std::size_t>, Rational> a;
    for (const auto& w : c.at("witness"))
      a[{w.at(0).get<std::size_t>(), w.at(1).get<std::size_t>()}] = Rational(w.at(2).get<std::string>());
    std::vector<Polynomial> f;
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& ij : block.at("entries")) {
      const std::size_t i = ij.at(0).get<std::size_t>(), j = ij.at(1).get<std::size_t>();
      // P_ij: sum over paths i -> j of the block's edges, level by level.
      std::map<std::size_t, Polynomial> cur{{i, Polynomial(1)}};
      for (std::size_t l = 0; l < L; ++l) {
        std::map<std::size_t, Polynomial> next;
        for (const auto& [e, v] : x) {
          if (e[0] != l) continue;
          auto it = cur.find(e[1]);
          if (it != cur.end()) next[e[2]] += it->second * Polynomial(v);
        }
        cur = std::move(next);
      }
      Polynomial p = cur.count(j) ? cur.at(j) : Polynomial();
      auto at = a.find({i, j});
      if (at != a.end()) p -= Polynomial(at->second);
      f.push_back(std::move(p));
      entries.push_back({i, j});
    }
    const NullstellensatzResult r = nullstellensatz(f, o);
    if (!r.found()) return no(r.reason);
    nlohmann::json cof = nlohmann::json::array();
    for (std::size_t k = 0; k < f.size(); ++k)
      if (!r.cofactors[k].is_zero()) cof.push_back({{"entry", entries[k]}, {"g", edge_polynomial_to_json(r.cofactors[k])}});
    c["nullstellensatz"] = {{"engine", r.engine}, {"cofactors", cof}};
    return true;
  } catch (const std::exception& e) {
    return no(std::string("attach_nullstellensatz: ") + e.what());
  }
}

}  // namespace wellposed
