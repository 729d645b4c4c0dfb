#pragma once
// Factor-chain files (docs/factor-format.md): a folder with manifest.json and
// one .npy per factor holding its compact values as an (a, b, c, d) array,
// value [alpha, beta, gamma, delta] = X[alpha b d + beta d + delta,
// alpha c d + gamma d + delta] (the KFactor layout). Readable from NumPy
// without wellposed; written by `wellposed factorize`, read back by
// read_factor_chain and `wellposed multiply`.
//
// The readers are hostile-input safe: every size is computed with checked
// arithmetic and compared with the bytes present before anything is
// allocated, and every error is one line "<file>: <field>: <what>"
// (FileFormatError).
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wellposed/numeric/kronecker_factor.hpp"
#include "wellposed/numeric/npy_io.hpp"

namespace wellposed::numeric {

/// Name of the format in the manifest's "format" field, and its version.
inline constexpr const char* kFactorChainFormat = "wellposed-factor-chain";
inline constexpr int kFactorChainVersion = 1;

/// Scalar type of a chain file: "float64" or "complex128".
enum class ChainScalar { float64, complex128 };

/// A chain read from disk: X_1 ... X_L (product left to right) with the
/// manifest's free-form "factorization" object (method, enclosure) kept as
/// JSON text ("null" when absent).
struct FactorChainFile {
  ChainScalar scalar = ChainScalar::float64;
  std::vector<KFactor> real;             ///< scalar == float64
  std::vector<ComplexKFactor> complex;   ///< scalar == complex128
  std::string factorization_json = "null";
  std::size_t size() const { return scalar == ChainScalar::float64 ? real.size() : complex.size(); }
};

/// Writes manifest.json and F1.npy ... FL.npy; `path_of(name)` gives the path
/// of each new file (the caller stages the folder, see cli/src/output.hpp).
/// `factorization_json` must be a JSON value (object or null).
void write_factor_chain(const std::vector<KFactor>& factors, const std::string& factorization_json,
                        const std::function<std::string(const std::string&)>& path_of);
void write_factor_chain(const std::vector<ComplexKFactor>& factors, const std::string& factorization_json,
                        const std::function<std::string(const std::string&)>& path_of);
/// The manifest text alone (what write_factor_chain writes as manifest.json).
std::string factor_chain_manifest(const std::vector<KPattern>& patterns, ChainScalar scalar,
                                  const std::string& factorization_json);

/// Reads a chain folder (or the path of its manifest.json).
FactorChainFile read_factor_chain(const std::string& path);
/// The same from memory: the manifest text and a lookup of each file named by
/// the manifest (nullopt: missing). `label` names the chain in errors.
FactorChainFile parse_factor_chain(std::string_view manifest,
                                   const std::function<std::optional<std::string_view>(const std::string&)>& file,
                                   const std::string& label);

}  // namespace wellposed::numeric
