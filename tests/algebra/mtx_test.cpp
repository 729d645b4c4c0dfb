// The Matrix Market reader: what it accepts, and the hostile inputs of
// issue 20 (B1, B6, B16 and the libFuzzer artifacts) it must refuse with a
// message naming the file and the line, before allocating.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <wellposed/algebra/mtx.hpp>

namespace wellposed {
namespace {

using namespace std::string_literals;

std::string error_of(const std::string& text, std::uint64_t max_memory = std::uint64_t{1} << 30) {
  try {
    (void)parse_mtx(text, "m.mtx", ResourceLimits{max_memory});
  } catch (const MtxError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(Mtx, ReadsCoordinateArrayAndSymmetricForms) {
  const MtxMatrix g = parse_mtx(
      "%%MatrixMarket matrix coordinate real general\n% comment\n\n2 3 3\n1 1 1.5\n2 3 -2e1\n1 2 +3\n", "g.mtx");
  ASSERT_EQ(g.rows, 2u);
  ASSERT_EQ(g.cols, 3u);
  EXPECT_EQ(g(0, 0), 1.5);
  EXPECT_EQ(g(1, 2), -20.0);
  EXPECT_EQ(g(0, 1), 3.0);
  EXPECT_EQ(g(1, 0), 0.0);
  const MtxMatrix s = parse_mtx("%%MatrixMarket matrix coordinate integer symmetric\r\n2 2 2\r\n2 1 7\r\n2 2 1\r\n", "s.mtx");
  EXPECT_EQ(s(0, 1), 7.0);
  EXPECT_EQ(s(1, 0), 7.0);
  EXPECT_EQ(s(1, 1), 1.0);
  const MtxMatrix k = parse_mtx("%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n2 1 4\n", "k.mtx");
  EXPECT_EQ(k(1, 0), 4.0);
  EXPECT_EQ(k(0, 1), -4.0);
  const MtxMatrix p = parse_mtx("%%MatrixMarket matrix coordinate pattern general\n2 2 1\n1 2\n", "p.mtx");
  EXPECT_EQ(p(0, 1), 1.0);
  // Array values are listed column by column.
  const MtxMatrix a = parse_mtx("%%MatrixMarket MATRIX array REAL General\n2 2\n1\n2\n3\n4\n", "a.mtx");
  EXPECT_EQ(a(1, 0), 2.0);
  EXPECT_EQ(a(0, 1), 3.0);
}

// B1: a symmetric / skew-symmetric file with rows != cols wrote out of bounds.
TEST(Mtx, SymmetricMatricesMustBeSquareAndLowerTriangular) {
  std::string e = error_of("%%MatrixMarket matrix coordinate real symmetric\n3 1 1\n2 1 5\n");
  EXPECT_TRUE(contains(e, "m.mtx: line 2")) << e;
  EXPECT_TRUE(contains(e, "must be square")) << e;
  EXPECT_TRUE(contains(e, "3x1")) << e;
  e = error_of("%%MatrixMarket matrix coordinate real symmetric\n100000 1 1\n100000 1 5\n");
  EXPECT_TRUE(contains(e, "must be square")) << e;
  e = error_of("%%MatrixMarket matrix coordinate integer skew-symmetric\n3 1 1\n2 1 5\x01\0\0\0\0\0\0\0"s);
  EXPECT_TRUE(contains(e, "must be square")) << e;
  e = error_of("%%MatrixMarket matrix coordinate real symmetric\n3 3 1\n1 2 5\n");
  EXPECT_TRUE(contains(e, "above the diagonal")) << e;
  e = error_of("%%MatrixMarket matrix coordinate real skew-symmetric\n3 3 1\n2 2 5\n");
  EXPECT_TRUE(contains(e, "strictly below")) << e;
}

// B6: the size line is checked against the file and the memory limit before
// anything is allocated.
TEST(Mtx, SizeLineIsCheckedBeforeAllocating) {
  std::string e = error_of("%%MatrixMarket matrix coordinate real general\n100000 100000 0\n");
  EXPECT_TRUE(contains(e, "line 2")) << e;
  EXPECT_TRUE(contains(e, "memory limit")) << e;
  EXPECT_TRUE(contains(e, "100000x100000")) << e;
  EXPECT_TRUE(contains(e, "--max-memory")) << e;
  // The same size is read when the limit allows it (the limit is the caller's).
  EXPECT_EQ(error_of("%%MatrixMarket matrix coordinate real general\n300 200 0\n", 1u << 20), "");
  EXPECT_TRUE(contains(error_of("%%MatrixMarket matrix coordinate real general\n300 200 0\n", 1u << 19), "memory limit"));
  // More entries than the file can hold, more than the matrix has cells.
  e = error_of("%%MatrixMarket matrix coordinate real general\n1000 1000 1000000\n1 1 1\n");
  EXPECT_TRUE(contains(e, "cannot fit")) << e;
  e = error_of("%%MatrixMarket matrix coordinate real general\n1 1 2\n1 1 1\n1 1 1\n");
  EXPECT_TRUE(contains(e, "do not fit in a 1x1 matrix")) << e;
  e = error_of("%%MatrixMarket matrix array real general\n1000 1000\n1\n");
  EXPECT_TRUE(contains(e, "cannot fit")) << e;
  // rows * cols beyond 2^64 (libFuzzer oom-*, slow-unit-*).
  e = error_of("%%MatrixMarket matrix coordinate real general\n4294967296 4294967296 0\n");
  EXPECT_TRUE(contains(e, "more than 2^64 bytes")) << e;
  e = error_of("%%MatrixMarket matrix coordinate real general\n1 99999999999999999999999 0\n");
  EXPECT_TRUE(contains(e, "not a decimal integer")) << e;
}

// B16: a lenient reader turns damaged files into wrong matrices.
TEST(Mtx, MalformedFilesAreRefusedWithTheLine) {
  struct Case {
    std::string text, part;
  };
  const std::vector<Case> cases{
      {"%%MatrixMarket matrix coordinate real general\n4 4.5 2\n1 1 1\n2 2 2\n", "cols '4.5' is not a decimal integer"},
      {"%%MatrixMarket matrix coordinate real general\n4 4 1\n1 1 nan\n", "'nan' is not a finite number"},
      {"%%MatrixMarket matrix coordinate real general\n4 4 1\n1 1 1e999\n", "'1e999' is not a finite number"},
      {"%%MatrixMarket matrix coordinate real general\n4 4 1\n1 1 inf\n", "'inf' is not a finite number"},
      {"%%MatrixMarket matrix banana real general\n2 2\n1\n2\n3\n4\n", "format 'banana'"},
      {"%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n", "field 'complex'"},
      {"%%MatrixMarket matrix coordinate real hermitian\n1 1 1\n1 1 1\n", "symmetry 'hermitian'"},
      {"%%MatrixMarket matrix coordinate real general extra\n1 1 1\n1 1 1\n", "the header must be"},
      {"%%MatrixMarketreal matrix coordinate real general\n1 1 1\n1 1 1\n", "the header must be"},
      {"%%MatrixMarket vector coordinate real general\n1 1 1\n1 1 1\n", "object 'vector'"},
      {"%%MatrixMarket matrix coordinate real general\n2 2 1 7\n1 1 1\n", "the size line must be"},
      {"%%MatrixMarket matrix coordinate real general\n0 2 0\n", "rows is 0"},
      {"%%MatrixMarket matrix coordinate real general\n2 2 1\n3 1 1\n", "not within 1..2"},
      {"%%MatrixMarket matrix coordinate real general\n2 2 1\n0 1 1\n", "not within"},
      {"%%MatrixMarket matrix coordinate real general\n2 2 1\n-1 1 1\n", "not within"},
      {"%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1 1\n", "an entry must be 'row col value'"},
      {"%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n1 1 2\n", "appears twice"},
      {"%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 1.5\n", "not a finite integer"},
      {"%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1\n2 2 2\n", "unexpected content after the last entry"},
      {"%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n% a comment, not an entry\n", "the file ends after 1 of its 2 entries"},
      {"%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n", "2 entries cannot fit in the 6 bytes left"},
      {"%%MatrixMarket matrix array pattern general\n1 1\n1\n", "no 'pattern'"},
      {"%%MatrixMarket matrix array real symmetric\n1 1\n1\n", "only with 'general'"},
      {"not a matrix market file\n", "line 1: not a Matrix Market file"},
      {"%%MatrixMarket matrix coordinate real general\n", "ends before the size line"},
  };
  for (const auto& c : cases) {
    const std::string e = error_of(c.text);
    EXPECT_TRUE(contains(e, c.part)) << "input:\n" << c.text << "\nerror: " << e;
    EXPECT_TRUE(contains(e, "m.mtx: line ")) << e;
  }
}

// B8 for matrices: only regular files are read.
TEST(Mtx, ReadsRegularFilesOnly) {
  const auto dir = std::filesystem::temp_directory_path() / ("wellposed_mtx_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "ok.mtx") << "%%MatrixMarket matrix coordinate real general\n1 1 1\n1 1 2\n";
  EXPECT_EQ(read_mtx((dir / "ok.mtx").string())(0, 0), 2.0);
  try {
    (void)read_mtx("/dev/zero");
    FAIL();
  } catch (const MtxError& e) {
    EXPECT_TRUE(contains(e.what(), "/dev/zero: is not a regular file")) << e.what();
  }
  EXPECT_THROW((void)read_mtx(dir.string()), MtxError);
  EXPECT_THROW((void)read_mtx((dir / "missing.mtx").string()), MtxError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace wellposed
