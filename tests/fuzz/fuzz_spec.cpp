// libFuzzer harness: the spec loader (JSON text -> parse_json_bounded ->
// parse_specs). Every input must either load or throw SpecError (a one-line
// message naming the file and JSON path); anything else -- a crash, a
// sanitizer report, another exception, an allocation past libFuzzer's
// -rss_limit_mb -- is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include <wellposed/algebra/spec.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  wellposed::SpecLoadOptions o;
  // 48 MiB: explicit specs up to ~100,000 nonzeros (the model's 16 MiB base
  // plus 320 B each) and families up to ~4*10^8 mask entries -- enough to
  // reach every path, small enough for libFuzzer's RSS limit and timeout.
  o.limits.max_memory_bytes = std::uint64_t{48} << 20;
  try {
    const nlohmann::json j = wellposed::parse_json_bounded(text, "fuzz.json", o.max_json_depth);
    // "npy" paths resolve against a folder that does not exist: the harness
    // reads no files but absolute ones (e.g. /dev/zero, which is refused).
    (void)wellposed::parse_specs(j, "fuzz.json", "/nonexistent-wellposed-fuzz", o);
  } catch (const wellposed::SpecError&) {
  }
  return 0;
}
