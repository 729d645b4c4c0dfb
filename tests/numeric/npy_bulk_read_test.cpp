// Bulk .npy reads (numeric/npy_io.hpp: read_npy_column_major, read_npy_data):
// the values land bit for bit where a plain element-by-element read puts them,
// for C and Fortran order, float32/float64/complex64/complex128, shapes that
// are not multiples of the transpose strip or of the read piece, one and
// several threads; a file that shrank after its header was checked is one
// FileFormatError naming the file and "data".
#include <gtest/gtest.h>

#ifdef _OPENMP
#include <omp.h>
#endif
#include <unistd.h>

#include <complex>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "wellposed/numeric/npy_io.hpp"

namespace wellposed::numeric {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("wp_npy_bulk_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d / name;
}

/// Random finite values with every kind of bit pattern a factorization sees:
/// signed zeros, subnormals, huge and tiny exponents.
template <class R>
R random_real(std::mt19937_64& g) {
  std::uniform_int_distribution<int> kind(0, 9);
  std::normal_distribution<double> n(0.0, 1.0);
  switch (kind(g)) {
    case 0: return R(-0.0);
    case 1: return std::numeric_limits<R>::denorm_min() * R(1 + g() % 1000);
    case 2: return R(n(g)) * std::numeric_limits<R>::max() / R(8);
    default: return R(n(g));
  }
}
template <class T>
T random_value(std::mt19937_64& g) {
  if constexpr (std::is_floating_point_v<T>) return random_real<T>(g);
  else return T(random_real<typename T::value_type>(g), random_real<typename T::value_type>(g));
}

/// Writes a rows x cols array of Src in the given order; returns the
/// column-major destination values a correct reader must produce.
template <class D, class Src>
std::vector<D> write_case(const fs::path& p, NpyType t, std::size_t rows, std::size_t cols, bool fortran,
                          std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::vector<Src> file(rows * cols);
  std::vector<D> want(rows * cols);
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j) {
      const Src v = random_value<Src>(g);
      file[fortran ? i + j * rows : i * cols + j] = v;
      want[i + j * rows] = static_cast<D>(v);
    }
  write_npy_raw(p.string(), t, {rows, cols}, file.data(), file.size() * sizeof(Src), fortran);
  return want;
}

int threads_now() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

template <class D, class Src>
void check_type(NpyType t, const std::string& tag) {
  // Odd shapes (not multiples of the 64-byte strip or of any piece), a
  // single row / column, and one array over the 8 MiB at which the reader
  // splits the work between threads.
  const std::size_t bn = sizeof(D) == 8 ? 1031 : 731;  // just over 8 MiB of D: several threads
  std::vector<std::pair<std::size_t, std::size_t>> shapes = {{1, 1}, {1, 37}, {37, 1}, {13, 29}, {67, 131}};
  if (threads_now() > 1) shapes.push_back({bn, bn - 4});
  const std::vector<std::size_t> pieces = {1, 1000, 3 * 4096 + 8, kNpyReadPieceBytes};
  std::uint64_t seed = 1;
  for (const auto& [rows, cols] : shapes)
    for (bool fortran : {false, true}) {
      const fs::path p = scratch(tag + (fortran ? "_F_" : "_C_") + std::to_string(rows) + "x" + std::to_string(cols) + ".npy");
      const std::vector<D> want = write_case<D, Src>(p, t, rows, cols, fortran, seed++);
      const NpyHeader h = read_npy_header(p.string());
      ASSERT_EQ(h.fortran_order, fortran);
      for (std::size_t piece : pieces) {
        if (rows * cols > 100000 && piece != kNpyReadPieceBytes) continue;  // keep CI short: the big case once
        std::vector<D> got(rows * cols, D(7));
        read_npy_column_major(p.string(), h, got.data(), piece);
        EXPECT_EQ(0, std::memcmp(got.data(), want.data(), want.size() * sizeof(D)))
            << tag << " " << rows << "x" << cols << (fortran ? " Fortran" : " C") << " order, piece " << piece;
      }
      fs::remove(p);
    }
}

/// Runs the checks with an OpenMP team of 3 (uneven parts of every range)
/// and of 1, whatever the machine has.
template <class F>
void with_threads(F f) {
#ifdef _OPENMP
  const int before = omp_get_max_threads();
  for (int t : {3, 1}) {
    omp_set_num_threads(t);
    f();
  }
  omp_set_num_threads(before);
#else
  f();
#endif
}

TEST(NpyBulkRead, RealColumnMajorIsBitIdenticalInBothOrders) {
  with_threads([] {
    check_type<double, double>(NpyType::f8, "f8");
    check_type<double, float>(NpyType::f4, "f4");
  });
}

TEST(NpyBulkRead, ComplexColumnMajorIsBitIdenticalInBothOrders) {
  with_threads([] {
    check_type<std::complex<double>, std::complex<double>>(NpyType::c16, "c16");
    check_type<std::complex<double>, std::complex<float>>(NpyType::c8, "c8");
  });
}

TEST(NpyBulkRead, RawDataIsTheFileBytes) {
  with_threads([] {
    for (std::size_t n : {std::size_t{5}, (std::size_t{8} << 20) / 4 + 7 /* just over 8 MiB of f4 */}) {
      if (n > 5 && threads_now() == 1) continue;
      std::vector<float> v(n);
      std::mt19937_64 g(n);
      for (auto& x : v) x = random_value<float>(g);
      const fs::path p = scratch("raw_" + std::to_string(n) + ".npy");
      write_npy_raw(p.string(), NpyType::f4, {n}, v.data(), v.size() * sizeof(float));
      const NpyHeader h = read_npy_header(p.string());
      std::vector<float> got(n, 7.0f);
      read_npy_data(p.string(), h, got.data());
      EXPECT_EQ(0, std::memcmp(got.data(), v.data(), v.size() * sizeof(float))) << n;
      fs::remove(p);
    }
  });
}

// write_npy_raw sends the whole 4 KiB blocks of a large array with O_DIRECT
// when the data lies right for it (file offset 4096 on a 4 KiB aligned
// address) and everything through the page cache otherwise (or where the file
// system refuses O_DIRECT): the file is the same bytes either way.
TEST(NpyBulkRead, LargeWritesGiveTheSameFileAlignedOrNot) {
  const std::size_t n = (std::size_t{9} << 20) / 8 + 3;  // 9 MiB + 24 bytes of f8: a partial last block
  const std::string h = npy_header_bytes(NpyType::f8, {n});
  std::vector<unsigned char> raw(n * 8 + 3 * 4096);
  const auto base = reinterpret_cast<std::uintptr_t>(raw.data());
  std::mt19937_64 g(21);
  std::string want;
  for (const std::size_t shift : {h.size() % 4096 /* direct */, std::size_t{8} /* buffered */}) {
    auto* data = reinterpret_cast<double*>((base + 4095) / 4096 * 4096 + shift);
    for (std::size_t k = 0; k < n; ++k) data[k] = random_value<double>(g);
    const fs::path p = scratch("write_" + std::to_string(shift) + ".npy");
    write_npy_raw(p.string(), NpyType::f8, {n}, data, n * 8);
    std::ifstream in(p, std::ios::binary);
    const std::string got((std::istreambuf_iterator<char>(in)), {});
    ASSERT_EQ(got.size(), h.size() + n * 8);
    EXPECT_EQ(got.substr(0, h.size()), h);
    EXPECT_EQ(0, std::memcmp(got.data() + h.size(), data, n * 8)) << "data at page offset " << shift;
    fs::remove(p);
  }
}

TEST(NpyBulkRead, FileThatShrankAfterItsHeaderIsOneErrorNamingData) {
  const fs::path p = scratch("shrunk.npy");
  write_case<double, double>(p, NpyType::f8, 40, 30, false, 9);
  const NpyHeader h = read_npy_header(p.string());
  fs::resize_file(p, fs::file_size(p) - 8);
  std::vector<double> got(h.count);
  try {
    read_npy_column_major(p.string(), h, got.data());
    ADD_FAILURE() << "a short file was read";
  } catch (const FileFormatError& e) {
    EXPECT_NE(std::string(e.what()).find(p.string() + ": data: "), std::string::npos) << e.what();
  }
  try {
    read_npy_data(p.string(), h, got.data());
    ADD_FAILURE() << "a short file was read";
  } catch (const FileFormatError& e) {
    EXPECT_NE(std::string(e.what()).find(p.string() + ": data: "), std::string::npos) << e.what();
  }
  fs::remove(p);
}

TEST(NpyBulkRead, WrongScalarTypeOrRankIsRefused) {
  const fs::path p = scratch("typed.npy");
  write_case<std::complex<double>, std::complex<double>>(p, NpyType::c16, 3, 4, false, 3);
  const NpyHeader h = read_npy_header(p.string());
  std::vector<double> re(h.count * 2);
  EXPECT_THROW(read_npy_column_major(p.string(), h, re.data()), std::invalid_argument);
  NpyHeader flat = h;
  flat.shape = {12};
  std::vector<std::complex<double>> c(h.count);
  EXPECT_THROW(read_npy_column_major(p.string(), flat, c.data()), std::invalid_argument);
  fs::remove(p);
}

}  // namespace
}  // namespace wellposed::numeric
