// `semrouter score` contract: one line out per line in, bad lines become
// {"error": ...} in place, never a crash.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "decision/router/router.h"
#include "decision/router/routers.h"
#include "synthetic.h"

namespace sr::router {
namespace {

namespace fs = std::filesystem;

// Runs cmd_score with stdout captured to a file.
std::pair<int, std::string> run_score(std::vector<std::string> args) {
  fs::path out = fs::temp_directory_path() / "sr_router_cli_out.txt";
  std::fflush(stdout);
  int saved = dup(1);
  FILE* f = std::fopen(out.c_str(), "w");
  dup2(fileno(f), 1);
  std::vector<char*> argv;
  args.insert(args.begin(), "score");
  for (auto& a : args) argv.push_back(a.data());
  int rc = sr::apps::cmd_score(static_cast<int>(argv.size()), argv.data());
  std::fflush(stdout);
  dup2(saved, 1);
  close(saved);
  std::fclose(f);
  std::ifstream in(out);
  std::stringstream ss;
  ss << in.rdbuf();
  return {rc, ss.str()};
}

class ScoreCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / "sr_router_cli_model").string();
    TrainOptions o;
    o.ivf_lists = 4;
    auto r = train_router("knn", testing::synthetic_outcomes(200, 1), testing::synthetic_embedder(), o);
    ASSERT_TRUE(r);
    ASSERT_TRUE(save_router(**r, dir_));
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_F(ScoreCli, OneLinePerInputLineInOrder) {
  fs::path in = fs::temp_directory_path() / "sr_router_cli_in.jsonl";
  {
    std::ofstream f(in, std::ios::binary);
    f << R"({"text": "what is the proof of a theorem"})" << "\n"
      << "not json at all\n"
      << R"({"text": 42})" << "\n"
      << R"({"prompt": "no text field"})" << "\n"
      << "\n"
      << R"(["array"])" << "\n"
      << "{\"text\": \"bad utf8 \xff\xfe\"}\n"
      << R"({"text": "recipe for a cat"})" << "\r\n"
      << R"({"text": ""})";  // no trailing newline
  }
  auto [rc, out] = run_score({"--router", dir_, "--input", in.string()});
  EXPECT_EQ(rc, 0);
  std::istringstream lines(out);
  std::vector<nlohmann::json> got;
  std::string line;
  while (std::getline(lines, line)) got.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(got.size(), 9u) << out;
  std::vector<bool> ok = {true, false, false, false, false, false, false, true, true};
  for (size_t i = 0; i < ok.size(); ++i) {
    EXPECT_EQ(got[i].contains("score"), ok[i]) << i << ": " << got[i].dump();
    EXPECT_EQ(got[i].contains("error"), !ok[i]) << i;
    if (ok[i]) {
      double s = got[i]["score"].get<double>();
      EXPECT_GE(s, 0.0);
      EXPECT_LE(s, 1.0);
    }
  }
  EXPECT_GT(got[0]["score"].get<double>(), got[7]["score"].get<double>());
  fs::remove(in);
}

TEST_F(ScoreCli, CalibrateAndErrors) {
  fs::path in = fs::temp_directory_path() / "sr_router_cli_in2.jsonl";
  {
    std::ofstream f(in);
    for (int i = 0; i < 20; ++i) f << R"({"text": ")" << (i % 2 ? "hard proof" : "easy cat") << " " << i << "\"}\n";
  }
  auto [rc, out] = run_score({"--router", dir_, "--input", in.string(), "--calibrate", "0.5"});
  EXPECT_EQ(rc, 0);
  auto j = nlohmann::json::parse(out);
  EXPECT_TRUE(j.contains("threshold"));
  auto [rc2, out2] = run_score({"--router", dir_, "--input", in.string(), "--threshold", "0.5"});
  EXPECT_EQ(rc2, 0);
  EXPECT_TRUE(nlohmann::json::parse(out2.substr(0, out2.find('\n'))).contains("strong"));
  EXPECT_EQ(run_score({"--router", "/nonexistent", "--input", in.string()}).first, 1);
  EXPECT_EQ(run_score({"--router", dir_, "--input", "/nonexistent.jsonl"}).first, 1);
  EXPECT_EQ(run_score({"--router", dir_}).first, 2);
  EXPECT_EQ(run_score({"--help"}).first, 0);
  fs::remove(in);
}

}  // namespace
}  // namespace sr::router
