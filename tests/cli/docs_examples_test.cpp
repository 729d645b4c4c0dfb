// Every JSON example in docs/*.md parses (issue 18 item 7): a ```json block
// is strict JSON, and every block of docs/spec.md is a spec the loader
// accepts. A doc whose example does not parse is a doc that lies.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <wellposed/algebra/spec.hpp>

namespace {

namespace fs = std::filesystem;

struct Block {
  std::string file;
  int line = 0;
  std::string text;
};

std::vector<Block> json_blocks(const fs::path& md) {
  std::ifstream in(md);
  std::vector<Block> out;
  std::string line;
  int n = 0;
  Block* cur = nullptr;
  while (std::getline(in, line)) {
    ++n;
    if (!cur && line.rfind("```json", 0) == 0) {
      out.push_back({md.filename().string(), n, ""});
      cur = &out.back();
    } else if (cur && line.rfind("```", 0) == 0) {
      cur = nullptr;
    } else if (cur) {
      cur->text += line + "\n";
    }
  }
  return out;
}

TEST(DocsExamples, EveryJsonBlockInDocsParses) {
  std::size_t blocks = 0;
  for (const auto& e : fs::directory_iterator(fs::path(WELLPOSED_SOURCE_DIR) / "docs")) {
    if (e.path().extension() != ".md") continue;
    for (const Block& b : json_blocks(e.path())) {
      ++blocks;
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(b.text);
      } catch (const std::exception& ex) {
        ADD_FAILURE() << b.file << ":" << b.line << ": the ```json example does not parse: " << ex.what();
        continue;
      }
      if (b.file == "spec.md") {
        try {
          const auto specs = wellposed::parse_specs(j, b.file + ":" + std::to_string(b.line));
          EXPECT_FALSE(specs.empty());
        } catch (const std::exception& ex) {
          ADD_FAILURE() << b.file << ":" << b.line << ": the example is not a valid spec: " << ex.what();
        }
      }
    }
  }
  EXPECT_GE(blocks, 3u);  // spec.md's two examples and cli.md's report at least
}

TEST(DocsExamples, ReadmeSpecExampleIsAValidSpec) {
  const auto blocks = json_blocks(fs::path(WELLPOSED_SOURCE_DIR) / "README.md");
  ASSERT_FALSE(blocks.empty());
  for (const Block& b : blocks) {
    const auto j = nlohmann::json::parse(b.text);
    EXPECT_FALSE(wellposed::parse_specs(j, "README.md:" + std::to_string(b.line)).empty());
  }
}

}  // namespace
