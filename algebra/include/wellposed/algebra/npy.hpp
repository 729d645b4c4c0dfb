#pragma once
// Reading and writing NumPy .npy files (format versions 1.0-3.0), the way
// PyTorch and NumPy users save masks and matrices. Read: bool, signed and
// unsigned integers of 1-8 bytes, float32/float64, little or big endian, C or
// Fortran order; everything is returned as double in row-major order.
// Write: float64, C order, version 1.0.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "wellposed/algebra/limits.hpp"

namespace wellposed {

struct NpyArray {
  std::vector<std::size_t> shape;
  std::vector<double> data;  ///< row-major (C order), converted to double
  std::string dtype;         ///< the descr string read from the header, e.g. "<f8"
  std::size_t rows() const { return shape.empty() ? 1 : shape[0]; }
  std::size_t cols() const { return shape.size() < 2 ? 1 : shape[1]; }
};

/// Throws std::runtime_error naming the file and what is wrong (missing file,
/// not a regular file, bad magic, bad header, negative or overflowing shape,
/// unsupported dtype, truncated data, ...). The header is read by a strict
/// hand parser (the three keys NumPy writes); the element count is computed
/// with checked arithmetic and checked against the file size and
/// `limits.max_memory_bytes` before anything is allocated.
NpyArray read_npy(const std::string& path, const ResourceLimits& limits = {});
/// The same from the file's bytes already in memory; `path` labels errors.
NpyArray parse_npy(const std::string& bytes, const std::string& path, const ResourceLimits& limits = {});
/// The header dictionary of a .npy file, e.g.
///   {'descr': '<f8', 'fortran_order': False, 'shape': (16, 16), }
/// read by the strict hand parser read_npy uses (the three keys NumPy writes,
/// each once; no regex, so a header of any length cannot exhaust the stack).
/// `dict` is the text after the preamble; throws std::runtime_error whose
/// message starts with `path`. numeric/npy_io.hpp reads the same headers.
struct NpyDict {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::size_t> shape;
};
NpyDict parse_npy_dict(std::string_view dict, const std::string& path);
/// Writes a rows x cols float64 array (row-major data). Writes to a temporary
/// file first and renames it, so a failure never leaves a partial file behind.
void write_npy(const std::string& path, std::size_t rows, std::size_t cols, const std::vector<double>& row_major);

}  // namespace wellposed
