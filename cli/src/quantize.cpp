// wellposed quantize (issue 25 item 5): the stored values of a factor-chain
// folder rounded into a low-precision format (fp16, bf16, fp8, t-bit
// significands) by one of the library's methods (numeric/quantize.hpp:
// rtn, pairwise, l2r, r2l), with the certified relative error against the
// unquantized chain. The output is a factor-chain folder like factorize's
// (docs/factor-format.md); its values are float64 numbers that are exactly
// elements of the format, so `wellposed multiply` and NumPy read it as is.
//
// Output safety (output.hpp): written into a staged sibling and renamed into
// place; a non-empty folder is refused unless --force; the input's files are
// never replaced (protect()).
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "errors.hpp"
#include "output.hpp"
#include "wellposed/numeric/factor_file.hpp"
#include "wellposed/numeric/quantize.hpp"

namespace wellposed::cli {

int run_quantize(const QuantizeOptions& o, std::ostream& out, std::ostream& err) {
  try {
    const auto format = numeric::parse_float_format(o.format);
    if (!format)
      throw InputError("--format: '" + o.format +
                       "' is not fp16, bf16, fp8-e5m2, fp8-e4m3 or a significand width t in [2, 53]");
    const auto method = numeric::parse_quantize_method(o.method);
    if (!method) throw InputError("--method: '" + o.method + "' is not rtn, pairwise, l2r or r2l");
    if (*method != numeric::QuantizeMethod::rtn && format->t > numeric::max_optimal_bits)
      throw InputError("--format: '" + o.format + "' has t = " + std::to_string(format->t) + " > " +
                       std::to_string(numeric::max_optimal_bits) + ", too wide for --method " + o.method +
                       " (use --method rtn)");
    // The output is checked before any work: a refused folder costs nothing.
    StagedDirectory dir(o.output, o.force);
    const numeric::FactorChainFile chain = numeric::read_factor_chain(o.factors);
    // Never replace the input's files (also when -o names the input's folder with --force).
    const std::filesystem::path in_dir =
        std::filesystem::is_directory(o.factors) ? std::filesystem::path(o.factors) : std::filesystem::path(o.factors).parent_path();
    dir.protect((in_dir / "manifest.json").string());
    if (!std::filesystem::is_directory(o.factors)) dir.protect(o.factors);
    for (std::size_t l = 1; l <= chain.size(); ++l) dir.protect((in_dir / ("F" + std::to_string(l) + ".npy")).string());
    if (chain.scalar != numeric::ChainScalar::float64)
      throw InputError(o.factors + ": scalar: complex128 chains are not supported by quantize (real formats)");

    numeric::QuantizeOptions qo;
    qo.format = *format;
    qo.method = *method;
    numeric::ChainQuantization q;
    try {
      q = numeric::quantize_chain(chain.real, qo);
    } catch (const std::length_error& e) {
      throw InputError(o.factors + ": factors: " + e.what());
    } catch (const std::invalid_argument& e) {  // a split that is not chainable, a non-finite value
      throw InputError(o.factors + ": factors: " + e.what());
    }
    const numeric::QuantizationError e = numeric::quantization_error(chain.real, q.factors);

    std::size_t optimal_steps = 0;
    for (const auto& s : q.steps) optimal_steps += s.optimal;
    nlohmann::json info;
    info["method"] = "quantize";
    info["quantization"] = {
        {"format", format->name},
        {"t", format->t},
        {"emin", format->emin},
        {"emax", format->emax},
        {"method", numeric::to_string(*method)},
        {"steps", q.steps.size()},
        {"optimal_steps", optimal_steps},
        {"range_shift", q.range_shift},
        {"rounded_into_range", q.rounded_into_range},
        // Certified enclosure of ||W_1...W_L - W^_1...W^_L||_F / ||W_1...W_L||_F (numeric/quantize.hpp).
        {"relative_error_vs_input_chain", {e.relative.lo, e.relative.hi}},
    };
    info["source_factorization"] = nlohmann::json::parse(chain.factorization_json, nullptr, false);
    if (info["source_factorization"].is_discarded()) info["source_factorization"] = nullptr;
    numeric::write_factor_chain(q.factors, info.dump(), [&](const std::string& name) { return dir.file(name); });
    dir.commit();
    out << "quantized " << chain.size() << " factors to " << format->name << " (t = " << format->t << ") by "
        << numeric::to_string(*method) << "; relative error vs the input chain in [" << std::setprecision(6)
        << e.relative.lo << ", " << e.relative.hi << "]";
    if (!q.steps.empty()) out << "; " << optimal_steps << " of " << q.steps.size() << " two-factor steps optimal";
    out << "\nwrote " << o.output << "\n";
    return 0;
  } catch (...) {
    return report_bad_input(err, o.factors);
  }
}

}  // namespace wellposed::cli
