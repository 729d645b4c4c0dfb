// libFuzzer harness: the .npy reader (parse_npy on the file's bytes). Every
// input must either be read or throw std::runtime_error naming the file.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <wellposed/algebra/npy.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const auto a = wellposed::parse_npy(bytes, "fuzz.npy", wellposed::ResourceLimits{std::uint64_t{64} << 20});
    // The reader's own invariant: data holds every element of the shape.
    std::size_t n = 1;
    for (auto d : a.shape) n *= d;
    if (a.data.size() != n) __builtin_trap();
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).rfind("fuzz.npy: ", 0) != 0) __builtin_trap();  // the message names the file
  }
  return 0;
}
