#pragma once
// Resource limits for everything read from a file, and checked arithmetic for
// the sizes computed from it.
//
// Readers never trust a size field: before they allocate, they check it
// against the size of the file and against ResourceLimits::max_memory_bytes,
// the memory a command may use for what it reads. The limit is the caller's
// (the CLI's --max-memory), not a process-global; its default is a quarter of
// the machine's physical memory.
#include <cstdint>
#include <optional>
#include <string>

namespace wellposed {

/// A quarter of physical memory (sysconf), or 1 GiB when it cannot be read.
std::uint64_t default_max_memory_bytes();

struct ResourceLimits {
  /// Largest estimated memory, in bytes, that reading and holding an input
  /// (and, for specs, analyzing it: see spec.hpp) may need.
  std::uint64_t max_memory_bytes = default_max_memory_bytes();
};

/// "1073741824", "512M", "2G", "1.5GiB", "64k" (binary multiples: k = 2^10,
/// M = 2^20, G = 2^30, T = 2^40; a trailing "B"/"iB" is accepted); nullopt
/// for anything else, for zero, and above 2^63.
std::optional<std::uint64_t> parse_memory_size(const std::string& text);

/// The contents of `path`, which must be a regular file (not a FIFO, a
/// device such as /dev/zero, or a folder) of at most `max_bytes` bytes; the
/// size is checked before anything is read. Throws std::runtime_error
/// "<path>: <what is wrong>".
std::string read_regular_file(const std::string& path, std::uint64_t max_bytes);

/// "1.50 GiB", "512 MiB", "100 bytes": for messages.
std::string format_bytes(std::uint64_t bytes);

namespace checked {
/// a * b, a + b over 64-bit unsigned sizes; nullopt on overflow.
inline std::optional<std::uint64_t> mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}
inline std::optional<std::uint64_t> add(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}
}  // namespace checked

}  // namespace wellposed
