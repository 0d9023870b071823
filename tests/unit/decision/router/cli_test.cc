// `semrouter score` contract: one line out per line in, bad lines become
// {"error": ...} in place, never a crash.
#include <unistd.h>

#include <algorithm>
#include <cmath>
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

struct CmdResult {
  int rc = -1;
  std::string out, err;
};

// A temp path of this process's own: ctest runs the tests of this binary as
// parallel processes, and shared names made them overwrite each other's files.
fs::path tmp(const std::string& name) {
  return fs::temp_directory_path() / (name + "." + std::to_string(getpid()));
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs one subcommand in-process with stdout and stderr captured to files.
CmdResult run_cmd(int (*cmd)(int, char**), const char* name, std::vector<std::string> args) {
  fs::path out = tmp("sr_router_cli_out.txt");
  fs::path err = tmp("sr_router_cli_err.txt");
  std::fflush(stdout);
  std::fflush(stderr);
  int saved_out = dup(1), saved_err = dup(2);
  FILE* fo = std::fopen(out.c_str(), "w");
  FILE* fe = std::fopen(err.c_str(), "w");
  dup2(fileno(fo), 1);
  dup2(fileno(fe), 2);
  std::vector<char*> argv;
  args.insert(args.begin(), name);
  for (auto& a : args) argv.push_back(a.data());
  int rc = cmd(static_cast<int>(argv.size()), argv.data());
  std::fflush(stdout);
  std::fflush(stderr);
  dup2(saved_out, 1);
  dup2(saved_err, 2);
  close(saved_out);
  close(saved_err);
  std::fclose(fo);
  std::fclose(fe);
  return {rc, slurp(out), slurp(err)};
}

std::pair<int, std::string> run_score(std::vector<std::string> args) {
  auto r = run_cmd(sr::apps::cmd_score, "score", std::move(args));
  return {r.rc, r.out};
}
CmdResult score(std::vector<std::string> args) { return run_cmd(sr::apps::cmd_score, "score", std::move(args)); }
CmdResult train(std::vector<std::string> args) {
  return run_cmd(sr::apps::cmd_train_router, "train-router", std::move(args));
}
CmdResult eval(std::vector<std::string> args) {
  return run_cmd(sr::apps::cmd_eval_router, "eval-router", std::move(args));
}

class ScoreCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (tmp("sr_router_cli_model")).string();
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
  fs::path in = tmp("sr_router_cli_in.jsonl");
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
  auto res = score({"--router", dir_, "--input", in.string()});
  const int rc = res.rc;
  const std::string& out = res.out;
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
  // Each error names its line and the problem in plain words, not parser text.
  auto error = [&](size_t i) { return got[i].value("error", std::string()); };
  EXPECT_EQ(error(1).rfind("line 2: not valid JSON: ", 0), 0u) << error(1);
  EXPECT_EQ(error(2), "line 3: the \"text\" field is a number, not a string");
  EXPECT_EQ(error(3), "line 4: no \"text\" string field");
  EXPECT_EQ(error(4), "line 5: empty line");
  EXPECT_EQ(error(5), "line 6: not a JSON object (got an array)");
  EXPECT_EQ(error(6).rfind("line 7: not valid JSON: the text is not valid UTF-8", 0), 0u) << error(6);
  for (size_t i = 1; i <= 6; ++i) EXPECT_EQ(error(i).find("json.exception"), std::string::npos) << error(i);
  EXPECT_EQ(res.err, "score: 6 of 9 lines had errors\n");
  // No summary line when every line is fine.
  {
    std::ofstream f(in);
    f << R"({"text": "a proof"})" << "\n";
  }
  EXPECT_EQ(score({"--router", dir_, "--input", in.string()}).err, "");
  fs::remove(in);
}

TEST_F(ScoreCli, CalibrateAndErrors) {
  fs::path in = tmp("sr_router_cli_in2.jsonl");
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

// Writes outcome rows as RouteLLM-style JSON Lines.
void write_pair_jsonl(const fs::path& p, const OutcomeSet& s) {
  std::ofstream f(p);
  for (const auto& ex : s.rows)
    f << nlohmann::json{{"prompt", ex.text}, {"subject", ex.group}, {"weak", ex.quality[0] > 0.5f},
                        {"strong", ex.quality[1] > 0.5f}}
             .dump()
      << "\n";
}

// strong == weak on every row: APGR is undefined, not 0.000 / nan.
TEST_F(ScoreCli, EvalRouterSaysApgrIsUndefinedWithoutAGap) {
  fs::path data = tmp("sr_router_cli_nogap.jsonl");
  auto same = testing::synthetic_outcomes(60, 9);
  for (auto& ex : same.rows) ex.quality[0] = ex.quality[1] = ex.group == "hard" ? 0.0f : 1.0f;
  write_pair_jsonl(data, same);
  fs::path svg = tmp("sr_router_cli_nogap.svg");
  auto r = eval({"--router", dir_, "--data", data.string(), "--split", "all", "--contaminated", "none", "--svg",
                 svg.string()});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("APGR, CPT and PGR are undefined"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| undefined | undefined | undefined |"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("nan"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("0.000"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(svg));
  fs::remove(svg);
  fs::remove(data);
}

// --svg / --table to an unwritable path used to exit 0 with no file and no word.
TEST_F(ScoreCli, EvalRouterReportsUnwritableOutputs) {
  fs::path data = tmp("sr_router_cli_eval.jsonl");
  write_pair_jsonl(data, testing::synthetic_outcomes(120, 7));
  std::vector<std::string> args = {"--router", dir_, "--data", data.string(), "--split", "all", "--bootstrap", "0",
                                   "--contaminated", "none"};
  auto ok = eval(args);
  ASSERT_EQ(ok.rc, 0) << ok.err;
  fs::path table = tmp("sr_router_cli_eval_table.md");
  auto with_table = args;
  with_table.insert(with_table.end(), {"--table", table.string()});
  EXPECT_EQ(eval(with_table).rc, 0);
  EXPECT_TRUE(fs::exists(table));
  fs::remove(table);
  args.insert(args.end(), {"--svg", "/nonexistent/x.svg", "--table", "/nonexistent/t.md"});
  auto bad = eval(args);
  EXPECT_EQ(bad.rc, 1);
  EXPECT_NE(bad.err.find("cannot write /nonexistent/x.svg: No such file or directory"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("cannot write /nonexistent/t.md: No such file or directory"), std::string::npos) << bad.err;
  fs::remove(data);
}

// A directory as --input used to print nothing and exit 0.
TEST_F(ScoreCli, InputDirectoryIsAnError) {
  fs::path d = tmp("sr_router_cli_dir");
  fs::create_directories(d);
  auto r = score({"--router", dir_, "--input", d.string()});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("is a directory"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(d.string()), std::string::npos) << r.err;
  fs::remove_all(d);
}

// Synthetic N-model data: "big" always right, "small" right on easy prompts
// only, "mid" right on 70 % of hard prompts.
OutcomeSet three_model_outcomes(size_t n) {
  OutcomeSet s = testing::synthetic_outcomes(n, 3);
  s.models = {"big", "mid", "small"};
  s.strong = s.weak = -1;
  size_t i = 0;
  for (auto& ex : s.rows) {
    bool hard = ex.group == "hard";
    ex.quality = {1.0f, hard ? (i++ % 10 < 7 ? 1.0f : 0.0f) : 1.0f, hard ? 0.0f : 1.0f};
  }
  return s;
}

// A router trained on N-model data used to score 0.5 for every prompt, and
// --calibrate then sent everything strong. It is refused unless --pair names
// two of its models.
TEST(ScoreCliMulti, NModelRouterNeedsPair) {
  std::string dir = (tmp("sr_router_cli_multi")).string();
  TrainOptions o;
  o.ivf_lists = 4;
  auto trained = train_router("knn", three_model_outcomes(200), testing::synthetic_embedder(), o);
  ASSERT_TRUE(trained);
  ASSERT_LT((*trained)->strong_index(), 0);
  ASSERT_TRUE(save_router(**trained, dir));
  fs::path in = tmp("sr_router_cli_multi.jsonl");
  {
    std::ofstream f(in);
    f << R"({"text": "what is the proof of a lemma"})" << "\n" << R"({"text": "what is the recipe of a cat"})" << "\n";
  }
  auto refused = score({"--router", dir, "--input", in.string()});
  EXPECT_EQ(refused.rc, 2);
  EXPECT_EQ(refused.out, "");
  EXPECT_NE(refused.err.find("N-model"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--pair STRONG,WEAK"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("big, mid, small"), std::string::npos) << refused.err;
  EXPECT_EQ(score({"--router", dir, "--input", in.string(), "--calibrate", "0.5"}).rc, 2);

  auto paired = score({"--router", dir, "--input", in.string(), "--pair", "big,small", "--quality"});
  ASSERT_EQ(paired.rc, 0) << paired.err;
  std::istringstream lines(paired.out);
  std::string line;
  auto loaded = load_router(dir);
  ASSERT_TRUE(loaded);
  std::vector<double> got;
  for (const char* text : {"what is the proof of a lemma", "what is the recipe of a cat"}) {
    ASSERT_TRUE(std::getline(lines, line));
    auto j = nlohmann::json::parse(line);
    auto q = (*loaded)->expected_quality(text);
    double want = std::clamp(0.5 + 0.5 * (q[0] - q[2]), 0.0, 1.0);
    EXPECT_NEAR(j["score"].get<double>(), want, 1e-5) << line;
    EXPECT_TRUE(j["quality"].contains("mid")) << line;
    got.push_back(j["score"].get<double>());
  }
  EXPECT_GT(got[0], got[1] + 0.2);  // the hard prompt needs "big" more
  // Averaged side, as in train-router --pair.
  EXPECT_EQ(score({"--router", dir, "--input", in.string(), "--pair", "big,mid+small"}).rc, 0);
  // --calibrate works on the pair scores: a threshold strictly inside (0.5 would send everything strong).
  auto cal = score({"--router", dir, "--input", in.string(), "--pair", "big,small", "--calibrate", "0.5"});
  ASSERT_EQ(cal.rc, 0) << cal.err;
  EXPECT_GT(nlohmann::json::parse(cal.out)["threshold"].get<double>(), got[1]);
  // Bad pairs and --target-share with --pair are usage errors naming the models.
  auto bad = score({"--router", dir, "--input", in.string(), "--pair", "big,tiny"});
  EXPECT_EQ(bad.rc, 2);
  EXPECT_NE(bad.err.find("'tiny'"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("big, mid, small"), std::string::npos) << bad.err;
  EXPECT_EQ(score({"--router", dir, "--input", in.string(), "--pair", "big"}).rc, 2);
  EXPECT_EQ(score({"--router", dir, "--input", in.string(), "--pair", "big,big"}).rc, 2);
  EXPECT_EQ(score({"--router", dir, "--input", in.string(), "--pair", "big,small", "--target-share", "0.3"}).rc, 2);
  fs::remove(in);
  fs::remove_all(dir);
}

// A strong/weak router on N-model data without --pair used to say "model weak
// missing from data or prices"; it now says what the data has and what to give.
TEST_F(ScoreCli, EvalRouterOnNModelDataAsksForPair) {
  fs::path data = tmp("sr_router_cli_nmodel.json");
  {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& ex : three_model_outcomes(60).rows)
      arr.push_back({{"question", ex.text}, {"scores", {{"big", ex.quality[0]}, {"mid", ex.quality[1]}, {"small", ex.quality[2]}}}});
    std::ofstream(data) << arr.dump();
  }
  auto r = eval({"--router", dir_, "--data", data.string(), "--split", "all", "--contaminated", "none"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("has 3 models (big, mid, small)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--pair STRONG,WEAK"), std::string::npos) << r.err;
  auto paired = eval({"--router", dir_, "--data", data.string(), "--split", "all", "--contaminated", "none", "--pair",
                      "big,small", "--bootstrap", "0"});
  EXPECT_EQ(paired.rc, 0) << paired.err;
  fs::remove(data);
}

// train-router used to train on 5 rows (0 held out) without a word, and on
// data where strong == weak everywhere, printing "APGR 0.000 | nan% | nan%".
TEST(TrainRouterCli, DegenerateDataIsRefusedOrWarned) {
  fs::path data = tmp("sr_router_cli_degenerate.jsonl");
  const std::vector<std::string> args = {"--data", data.string(), "--out", tmp("sr_router_cli_never").string(),
                                         "--contaminated", "none", "--glove", "/nonexistent", "--quiet"};
  {
    std::ofstream f(data);
    for (int i = 0; i < 80; ++i) f << nlohmann::json{{"prompt", std::string("p").append(std::to_string(i))}, {"weak", i % 3 == 0}, {"strong", i % 3 == 0}}.dump() << "\n";
  }
  auto same = train(args);
  EXPECT_EQ(same.rc, 1);
  EXPECT_NE(same.err.find("no training row where the strong and weak outcomes differ"), std::string::npos) << same.err;
  EXPECT_FALSE(fs::exists(tmp("sr_router_cli_never").string()));
  {
    std::ofstream f(data);
    for (int i = 0; i < 5; ++i) f << nlohmann::json{{"prompt", std::string("p").append(std::to_string(i))}, {"weak", false}, {"strong", true}}.dump() << "\n";
  }
  // Training goes on (here it then stops at the missing GloVe folder).
  auto few = train(args);
  EXPECT_NE(few.err.find("warning: only"), std::string::npos) << few.err;
  EXPECT_NE(few.err.find("cannot open /nonexistent"), std::string::npos) << few.err;
  auto none_held = std::vector<std::string>(args);
  none_held.insert(none_held.end(), {"--holdout", "1"});
  auto empty_split = train(none_held);
  EXPECT_NE(empty_split.err.find("no prompt fell in the 1% held-out split"), std::string::npos) << empty_split.err;
  // A row missing a field names the file and line.
  {
    std::ofstream f(data);
    f << R"({"prompt": "a", "weak": 1, "strong": 0})" << "\n" << R"({"prompt": "b", "strong": 1})" << "\n";
  }
  auto missing = train(args);
  EXPECT_EQ(missing.rc, 1);
  EXPECT_NE(missing.err.find(data.string() + ":2: no \"weak\" field"), std::string::npos) << missing.err;
  fs::remove(data);
}

// A GloVe folder in load_glove()'s layout made of the synthetic words (100-d
// float16), so train-router runs without ../shared.
fs::path fake_glove_dir() {
  fs::path d = tmp("sr_router_cli_glove");
  fs::create_directories(d);
  auto v = testing::synthetic_vectors();
  std::ofstream vocab(d / "glove_wink_100d_top20k.vocab.txt");
  std::ofstream bin(d / "glove_wink_100d_top20k.f16.bin", std::ios::binary);
  for (size_t i = 0; i < v.words.size(); ++i) {
    vocab << v.words[i] << "\n";
    for (size_t k = 0; k < 100; ++k) {
      float x = k < v.dim ? v.vecs[i * v.dim + k] : (k == 8 + i ? 0.5f : 0.0f);
      // float16 of x: values here are small, 10 mantissa bits are plenty.
      uint16_t h = 0;
      if (x != 0) {
        int e;
        float m = std::frexp(std::fabs(x), &e);  // x = m * 2^e, m in [0.5, 1)
        h = static_cast<uint16_t>(((x < 0) << 15) | ((e - 1 + 15) << 10) | (static_cast<int>((m * 2 - 1) * 1024) & 0x3ff));
      }
      bin.write(reinterpret_cast<const char*>(&h), 2);
    }
  }
  return d;
}

std::string card_of(const std::string& out) { return slurp(fs::path(out) / "README.md"); }

// The model card said "after dropping contaminated ones" whatever happened,
// named RouteLLM / GPT-4 / Mixtral whatever the data, and had an empty
// "Held-out metrics" section for N-model data.
TEST(TrainRouterCli, ModelCardSaysWhatWasUsed) {
  fs::path glove = fake_glove_dir();
  fs::path data_dir = tmp("sr_router_cli_card_data");
  fs::remove_all(data_dir);
  fs::create_directories(data_dir);
  std::string out = (tmp("sr_router_cli_card")).string();

  // N-model data of unknown origin with a price table, no contaminated list.
  fs::path multi = data_dir / "mine.json";
  {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& ex : three_model_outcomes(300).rows)
      arr.push_back({{"question", ex.text}, {"scores", {{"big", ex.quality[0]}, {"mid", ex.quality[1]}, {"small", ex.quality[2]}}}});
    std::ofstream(multi) << arr.dump();
    std::ofstream(data_dir / "multi_model_prices.json")
        << R"({"big": {"input_price": 1, "output_price": 1}, "mid": {"input_price": 0.5, "output_price": 0.5},)"
        << R"( "small": {"input_price": 0.1, "output_price": 0.1}})";
  }
  auto r = train({"--kind", "knn", "--data", multi.string(), "--out", out, "--glove", glove.string(), "--quiet"});
  ASSERT_EQ(r.rc, 0) << r.err;
  std::string card = card_of(out);
  EXPECT_NE(card.find("no contaminated_prompts.json beside the file"), std::string::npos) << card;
  EXPECT_EQ(card.find("after dropping"), std::string::npos) << card;
  const std::string unknown_license = std::string("`").append(multi.string()).append("`: license not known to semrouter");
  EXPECT_NE(card.find(unknown_license), std::string::npos) << card;
  EXPECT_EQ(card.find("RouteLLM"), std::string::npos) << card;
  EXPECT_EQ(card.find("Mixtral"), std::string::npos) << card;
  auto metrics = card.substr(card.find("## Held-out metrics"));
  EXPECT_NE(metrics.find("| lambda | mean price | quality |"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("| single model | price | quality |"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("best fixed mix at same price"), std::string::npos) << metrics;

  // Without a price table the card says no metrics were computed and how to get them.
  fs::remove(data_dir / "multi_model_prices.json");
  r = train({"--kind", "knn", "--data", multi.string(), "--out", out, "--glove", glove.string(), "--quiet"});
  ASSERT_EQ(r.rc, 0) << r.err;
  metrics = card_of(out).substr(card_of(out).find("## Held-out metrics"));
  EXPECT_NE(metrics.find("No held-out metrics were computed"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("semrouter eval-router --router " + out), std::string::npos) << metrics;

  // A file named and licensed like the shared RouteLLM data, with a contaminated list beside it.
  fs::path mmlu = data_dir / "mmlu_outcomes.jsonl.gz";  // gzread reads plain text too
  write_pair_jsonl(mmlu, testing::synthetic_outcomes(300, 5));
  std::ofstream(data_dir / "LICENSE.routellm") << "Apache License 2.0\n";
  std::ofstream(data_dir / "contaminated_prompts.json")
      << nlohmann::json{{"mmlu", {testing::synthetic_outcomes(300, 5).rows[0].text}}}.dump();
  r = train({"--kind", "knn", "--data", mmlu.string(), "--out", out, "--glove", glove.string(), "--quiet"});
  ASSERT_EQ(r.rc, 0) << r.err;
  card = card_of(out);
  EXPECT_NE(card.find("contaminated prompts listed in `" + (data_dir / "contaminated_prompts.json").string()),
            std::string::npos) << card;
  EXPECT_NE(card.find("RouteLLM data (lm-sys/RouteLLM, Apache-2.0"), std::string::npos) << card;
  EXPECT_EQ(card.find("LLMRouter"), std::string::npos) << card;
  EXPECT_NE(card.find("| mmlu_outcomes.jsonl.gz |"), std::string::npos) << card;
  // --contaminated none is said as such.
  r = train({"--kind", "knn", "--data", mmlu.string(), "--out", out, "--glove", glove.string(), "--quiet",
             "--contaminated", "none"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(card_of(out).find("contaminated prompts were not dropped (`--contaminated none`)"), std::string::npos);
  // --holdout 0: no metrics, said plainly.
  r = train({"--kind", "knn", "--data", mmlu.string(), "--out", out, "--glove", glove.string(), "--quiet",
             "--holdout", "0"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(card_of(out).find("No prompts were held out"), std::string::npos);
  fs::remove_all(out);
  fs::remove_all(data_dir);
  fs::remove_all(glove);
}

// Every numeric option is parsed whole and range-checked; a bad one is a usage
// error (exit 2) naming the option, the value and the allowed range. Before,
// several aborted on an uncaught std::stoi exception or were read as 0 / 3.
TEST(RouterCliOptions, BadNumericOptionsAreUsageErrors) {
  const std::vector<std::string> base_train = {"--data", "/nonexistent.jsonl", "--out", "/tmp/sr_never_written"};
  struct Case {
    const char* cmd;
    std::vector<std::string> args;
    const char* range;  // must appear in the message
  };
  const std::vector<Case> cases = {
      {"train-router", {"--seed", "abc"}, "0 to 18446744073709551615"},
      {"train-router", {"--seed", "3x"}, "0 to 18446744073709551615"},
      {"train-router", {"--seed", "-1"}, "0 to 18446744073709551615"},
      {"train-router", {"--holdout", "abc"}, "from 0 to 90"},
      {"train-router", {"--holdout", "95"}, "from 0 to 90"},
      {"train-router", {"--linear-bits", "40"}, "from 4 to 20"},
      {"train-router", {"--prior-bits", "2"}, "from 4 to 20"},
      {"train-router", {"--knn-k", "0"}, "from 1 to 10000"},
      {"train-router", {"--knn-k", "-3"}, "from 1 to 10000"},
      {"train-router", {"--mf-dim", "0"}, "from 1 to 1024"},
      {"train-router", {"--knn-tau", "0"}, "above 0"},
      {"train-router", {"--knn-tau", "nan"}, "above 0"},
      {"train-router", {"--knn-tau", "1e-50"}, "too small to store"},  // a double above 0, a float 0
      {"train-router", {"--prior-tau", "1e-46"}, "too small to store"},
      {"train-router", {"--vocab", "1e3"}, "from 1 to 20000"},
      {"train-router", {"--folds", "1"}, "from 2 to 20"},
      {"train-router", {"--split-salt", ""}, "0 to 18446744073709551615"},
      {"eval-router", {"--bins", "abc"}, "from 1 to 1000"},
      {"eval-router", {"--holdout", "12.5"}, "from 0 to 90"},
      {"eval-router", {"--bootstrap", "-1"}, "from 0 to 100000"},
      {"score", {"--calibrate", "abc"}, "from 0 to 1"},
      {"score", {"--calibrate", "1.5"}, "from 0 to 1"},
      {"score", {"--threshold", "abc"}, "from 0 to 1"},
      {"score", {"--target-share", "2"}, "from 0 to 1"},
  };
  for (const auto& c : cases) {
    const std::string cmd = c.cmd;
    std::vector<std::string> args = c.args;
    if (cmd == "train-router") args.insert(args.end(), base_train.begin(), base_train.end());
    else args.insert(args.end(), {cmd == "score" ? "--input" : "--data", "/nonexistent.jsonl"});
    CmdResult r = cmd == "score" ? score(args) : cmd == "eval-router" ? eval(args) : train(args);
    std::string what = std::string(c.cmd) + " " + c.args[0] + " " + c.args[1];
    EXPECT_EQ(r.rc, 2) << what << "\n" << r.err;
    EXPECT_NE(r.err.find(c.args[0]), std::string::npos) << what << "\n" << r.err;
    EXPECT_NE(r.err.find("\"" + c.args[1] + "\""), std::string::npos) << what << "\n" << r.err;
    EXPECT_NE(r.err.find(c.range), std::string::npos) << what << "\n" << r.err;
  }
  // A missing value is a usage error too, not an exit() from inside the parser.
  EXPECT_EQ(train({"--data", "x", "--out", "y", "--seed"}).rc, 2);
  EXPECT_EQ(eval({"--data", "x", "--bins"}).rc, 2);
  EXPECT_EQ(score({"--input", "x", "--calibrate"}).rc, 2);
  // Two ways to set one threshold: refused rather than one silently winning.
  CmdResult both = score({"--input", "x", "--threshold", "0.5", "--target-share", "0.3"});
  EXPECT_EQ(both.rc, 2);
  EXPECT_NE(both.err.find("not both"), std::string::npos) << both.err;
}

}  // namespace
}  // namespace sr::router
