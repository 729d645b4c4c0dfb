#pragma once
// Spec files: JSON descriptions of architectures (format in docs/spec.md).
//
//   { "name": "lu-4",
//     "factors": [ {"rows": 4, "cols": 4, "support": "lower"},
//                  {"rows": 4, "cols": 4, "support": "upper"} ] }   // A = F1 F2 ... FL
//
// or a family: {"family": "butterfly", "n": 1024}, "monarch" (m,n,p,q),
// "lowrank" (m,n,r), "lu" (n), "hodlr" (levels), "kronecker" (chain),
// "kaleidoscope" (n), "np-hardness" (mask). A file holds one spec or a list.
//
// A sparse ReLU network (thesis Ch. 7) is a spec with "network": "relu" whose
// "factors" are the layer masks W_1, W_2, ..., W_L listed INPUT TO OUTPUT
// (W_l has rows = N_l, cols = N_{l-1}). Its `architecture` is the linear
// architecture L_I in library order [I_L, ..., I_1] (network.hpp) and
// `network` holds the masks in the network's own order.
//
// Every error is a SpecError whose message names the file, the JSON path
// (e.g. $[1].factors[0].support) and the offending value.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/algebra/limits.hpp"
#include "wellposed/algebra/network.hpp"

namespace wellposed {

class SpecError : public std::runtime_error {
 public:
  SpecError(std::string file, std::string json_path, const std::string& message);
  const std::string& file() const { return file_; }
  const std::string& json_path() const { return json_path_; }

 private:
  std::string file_, json_path_;
};

struct Spec {
  std::string name;
  Architecture architecture;
  std::string file;                   ///< where it was read from ("" for in-memory JSON)
  std::string json_path;              ///< "$" or "$[i]"
  std::optional<std::string> family;  ///< the family name when given as a family
  nlohmann::json source;              ///< the JSON it was parsed from
  /// Set for "network": "relu" specs; then `architecture` is its L_I.
  std::optional<ReluNetwork> network;
};

/// Largest support a spec may ask for, in mask entries summed over factors
/// (masks are stored densely, one bit each: 2^33 bits = 1 GiB).
inline constexpr std::size_t kMaxSpecMaskEntries = std::size_t{1} << 33;

/// Deepest JSON nesting a spec or report file may have. Checked on the text
/// before it is parsed: nlohmann::json copies, compares and prints values
/// recursively, so unbounded nesting would overflow the stack.
inline constexpr std::size_t kMaxJsonDepth = 256;

/// Memory per byte of JSON text, at most, once parsed and kept (Spec::source):
/// "{}," (3 bytes) becomes a 16-byte value plus an empty std::map node (~80
/// bytes with malloc's overhead), and the spec keeps a copy. A spec or report
/// file may be at most max_memory_bytes / kJsonBytesPerTextByte bytes long.
inline constexpr std::uint64_t kJsonBytesPerTextByte = 64;

/// What a spec file may cost. `limits.max_memory_bytes` bounds the memory
/// estimated for the spec's explicit supports (spec_memory_estimate) and for
/// the JSON text and its parsed form; above it the spec is refused with a
/// SpecError saying how much it needs (the CLI's --max-memory raises it).
struct SpecLoadOptions {
  ResourceLimits limits;
  std::size_t max_json_depth = kMaxJsonDepth;
};

/// One explicit factor as the memory model sees it: its shape and its number
/// of nonzeros (exact for full/lower/upper/diagonal/kronecker/mask/npy
/// supports, the expected count for random ones).
struct MaskShape {
  std::uint64_t rows = 0, cols = 0, nonzeros = 0;
};

/// Memory model of an explicit spec (factors in order), in bytes: what
/// holding its masks and analyzing it needs, estimated from its structure
/// before anything is allocated --
///   16 MiB + 320 B x (nonzeros + sum of the factors' rows and cols)
///          + 384 B x (cells of the product support) + the dense masks
///            (ceil(cols/64) 64-bit words a row).
/// The constants bound the peak RSS measured for `check` on tall, wide,
/// square full and random specs (bench/RESULTS.md, section "hostile"); the
/// product term is the checker's exact witness of a "not closed" verdict,
/// which holds the product densely in rationals.
/// `input_to_output`: the factors are ReLU layers W_1, ..., W_L (network
/// specs), so the product is rows of the last x cols of the first. nullopt on
/// 64-bit overflow.
std::optional<std::uint64_t> spec_memory_estimate(const std::vector<MaskShape>& factors,
                                                  bool input_to_output = false);

/// Reads a spec file (one spec object or an array of them). Relative "npy"
/// paths are resolved against the spec file's folder. Only regular files are
/// read.
std::vector<Spec> load_specs(const std::string& path, const SpecLoadOptions& options = {});
/// Parses already-loaded JSON; `file` only labels errors, `base_dir` resolves "npy" paths.
std::vector<Spec> parse_specs(const nlohmann::json& j, const std::string& file = "<json>",
                              const std::string& base_dir = ".", const SpecLoadOptions& options = {});

/// Parses JSON text after checking that it nests at most `max_depth` levels;
/// every failure (nesting, syntax, a number beyond double's range) is a
/// SpecError naming `file`, "$" and the byte offset. For spec files and
/// `certify`'s reports alike.
nlohmann::json parse_json_bounded(const std::string& text, const std::string& file,
                                  std::size_t max_depth = kMaxJsonDepth);
/// An explicit spec (one {"mask": [...]} per factor) describing `a`.
nlohmann::json to_spec_json(const Architecture& a);

/// A network spec {"network": "relu", "factors": [W_1, ..., W_L]} describing `n`.
nlohmann::json to_spec_json(const ReluNetwork& n);

/// The candidate closest to `word` by edit distance (for "did you mean" hints).
std::string closest_word(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace wellposed
