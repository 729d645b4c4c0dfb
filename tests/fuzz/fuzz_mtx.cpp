// libFuzzer harness: the Matrix Market reader (parse_mtx on the file's
// text). Every input must either be read or throw MtxError naming the file.
#include <cstddef>
#include <cstdint>
#include <string>

#include <wellposed/algebra/mtx.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto m = wellposed::parse_mtx(text, "fuzz.mtx", wellposed::ResourceLimits{std::uint64_t{64} << 20});
    if (m.data.size() != m.rows * m.cols) __builtin_trap();
  } catch (const wellposed::MtxError& e) {
    if (std::string(e.what()).rfind("fuzz.mtx: ", 0) != 0) __builtin_trap();
  }
  return 0;
}
