#include "engine/line_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <fstream>

namespace sr::engine {
namespace {

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "/" + std::to_string(getpid()) + name; }

std::vector<std::string> read_all(const std::string& path) {
  auto r = LineReader::open(path);
  EXPECT_TRUE(r.has_value());
  std::vector<std::string> lines;
  std::string line;
  while (r->next(line)) lines.push_back(line);
  EXPECT_FALSE(r->failed());
  return lines;
}

TEST(LineReaderTest, ReadsPlainFileWithCrlfAndNoFinalNewline) {
  const std::string p = temp_path("plain.jsonl");
  std::ofstream(p) << "one\r\ntwo\n\nthree";
  EXPECT_EQ(read_all(p), (std::vector<std::string>{"one", "two", "", "three"}));
  std::remove(p.c_str());
}

TEST(LineReaderTest, ReadsGzipTransparently) {
  const std::string p = temp_path("data.jsonl.gz");
  gzFile gz = gzopen(p.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  std::string long_line(200000, 'x');  // longer than the internal read buffer
  gzputs(gz, "{\"text\": \"a\"}\n");
  gzputs(gz, long_line.c_str());
  gzputs(gz, "\n");
  gzclose(gz);
  const auto lines = read_all(p);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "{\"text\": \"a\"}");
  EXPECT_EQ(lines[1].size(), long_line.size());
  std::remove(p.c_str());
}

TEST(LineReaderTest, MissingFileIsAnError) {
  auto r = LineReader::open("/nonexistent/dir/file.jsonl");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("/nonexistent/dir/file.jsonl"), std::string::npos);
}

}  // namespace
}  // namespace sr::engine
