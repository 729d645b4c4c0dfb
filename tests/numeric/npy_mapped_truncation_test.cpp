// A mapped .npy input (numeric/npy_io.hpp: NpyDataView) that another process
// truncates or rewrites is bad input, never a crash: truncated (or grown)
// between its header check and the mapping, the view throws one
// FileFormatError naming the file and "data"; truncated under a live mapping,
// a read raises SIGBUS, which SigbusExit (the CLI's `multiply` holds one)
// turns into one line on stderr and exit status 2. The truncation is done by
// this test between the calls, so each case is deterministic.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "wellposed/numeric/npy_io.hpp"

namespace wellposed::numeric {
namespace {

namespace fs = std::filesystem;

// 1 MiB of float64 and more, 64-byte aligned data: the size NpyDataView maps.
constexpr std::size_t kRows = 256, kCols = 520;

std::string write_mappable(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("wp_npy_map_" + std::to_string(::getpid()));
  fs::create_directories(d);
  const std::string path = (d / name).string();
  std::vector<double> x(kRows * kCols);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i) * 0.5;
  write_npy_raw(path, NpyType::f8, {kRows, kCols}, x.data(), x.size() * sizeof(double));
  return path;
}

void expect_data_error_naming(const std::string& path, const NpyHeader& h) {
  try {
    NpyDataView v(path, h);
    ADD_FAILURE() << "a view of a file whose size changed was built (mapped: " << v.mapped() << ")";
  } catch (const FileFormatError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind(path + ": data: ", 0), 0u) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;  // one line
  }
}

TEST(NpyMappedInput, AnUnchangedFileIsMappedAndReadsItsValues) {
  const std::string path = write_mappable("same.npy");
  const NpyHeader h = read_npy_header(path);
  const NpyDataView v(path, h);
  ASSERT_TRUE(v.mapped());  // else the cases below would test the read path, not the mapping
  ASSERT_EQ(v.bytes(), kRows * kCols * sizeof(double));
  const auto* x = static_cast<const double*>(v.data());
  EXPECT_EQ(x[0], 0.0);
  EXPECT_EQ(x[kRows * kCols - 1], static_cast<double>(kRows * kCols - 1) * 0.5);
}

TEST(NpyMappedInput, TruncatedBetweenHeaderAndMappingIsOneDataError) {
  const std::string path = write_mappable("shrunk.npy");
  const NpyHeader h = read_npy_header(path);
  fs::resize_file(path, h.data_offset + h.data_bytes / 2);  // "another process"
  expect_data_error_naming(path, h);
  fs::resize_file(path, 0);
  expect_data_error_naming(path, h);
}

TEST(NpyMappedInput, GrownBetweenHeaderAndMappingIsOneDataError) {
  const std::string path = write_mappable("grown.npy");
  const NpyHeader h = read_npy_header(path);
  fs::resize_file(path, h.data_offset + h.data_bytes + 4096);
  expect_data_error_naming(path, h);
}

// Under a live mapping the kernel removes the pages past the new end: the
// next read of them is SIGBUS. With SigbusExit held: exit status 2 and one
// line naming the file, in a child process (a death test), the file's pages
// read after the truncation.
TEST(NpyMappedInputDeathTest, TruncatedUnderTheMappingExitsWithStatus2NamingTheFile) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const std::string path = write_mappable("under.npy");
  const NpyHeader h = read_npy_header(path);
  EXPECT_EXIT(
      {
        const NpyDataView v(path, h);
        if (!v.mapped()) std::_Exit(3);  // not the mapped path: status 3 fails the expectation
        const SigbusExit guard(path, v.mapped());
        fs::resize_file(path, h.data_offset);
        const auto* x = static_cast<const volatile double*>(v.data());
        double sum = 0;
        for (std::size_t i = 0; i < h.count; i += 512) sum += x[i];
        std::_Exit(sum == -1.0 ? 4 : 5);  // reached only if no read faulted
      },
      ::testing::ExitedWithCode(kSigbusExitStatus),
      // (threadsafe style re-runs this test in a new process: its own scratch folder, hence .*)
      "^wellposed: error: .*/under\\.npy: data: the file was truncated while it was read\n$");
}

}  // namespace
}  // namespace wellposed::numeric
