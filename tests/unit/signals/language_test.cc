// The language task: built-in model, ISO codes, accuracy on hand-written
// sentences in 30 languages, text preparation (invalid UTF-8, size cap, "</s>"),
// thread safety and the task-table entry.
#include "signals/language.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "signals/tasks.h"

namespace sr::signals {
namespace {

const std::string kSourceDir = SEMROUTER_SOURCE_DIR;

const LanguageClassifier& classifier() {
  static const auto* clf = [] {
    auto r = load_language_classifier(kSourceDir + "/models/language", LanguageOptions{});
    EXPECT_TRUE(r) << r.error().message;
    return r ? r->release() : nullptr;
  }();
  return *clf;
}

TEST(Language, LoadsBuiltInModel) {
  auto r = load_language_classifier("");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)->task(), "language");
  ASSERT_EQ((*r)->labels().size(), 176u);
  EXPECT_EQ((*r)->labels()[0], "en");
  for (const auto& l : (*r)->labels()) {
    EXPECT_EQ(l.find("__label__"), std::string::npos);
    EXPECT_GE(l.size(), 2u);
  }
  auto c = (*r)->classify("Bonjour tout le monde, comment ça va aujourd'hui ?");
  EXPECT_EQ(c.label, "fr");
  EXPECT_GT(c.confidence, 0.9f);
  EXPECT_EQ(c.positive, c.confidence);
}

TEST(Language, MissingModelDirIsAnError) {
  auto r = load_language_classifier("/nonexistent/language");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kModelFile);
  EXPECT_NE(r.error().message.find("lid.176.ftz"), std::string::npos) << r.error().message;
}

TEST(Language, LabelCodes) {
  EXPECT_EQ(language_code_of_label("__label__en"), "en");
  EXPECT_EQ(language_code_of_label("__label__ceb"), "ceb");
  EXPECT_EQ(language_code_of_label("de"), "de");
}

TEST(Language, AccuracyOnThirtyLanguages) {
  std::ifstream in(kSourceDir + "/tests/unit/signals/data/language_sentences.jsonl");
  ASSERT_TRUE(in);
  std::string line;
  int n = 0, correct = 0;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    auto c = classifier().classify(j["text"].get<std::string>());
    EXPECT_GE(c.confidence, 0.0f);
    EXPECT_LE(c.confidence, 1.0f);
    ++n;
    correct += c.label == j["label"].get<std::string>();
  }
  EXPECT_EQ(n, 90);
  // lid.176 itself misreads two of the three (short) Swahili sentences.
  EXPECT_GE(correct, 88) << correct << "/" << n;
}

TEST(Language, TopK) {
  auto guesses = classifier().top_k("Das ist ein schöner Tag in Berlin.", 3);
  ASSERT_EQ(guesses.size(), 3u);
  EXPECT_EQ(guesses[0].code, "de");
  EXPECT_GE(guesses[0].confidence, guesses[1].confidence);
  EXPECT_GE(guesses[1].confidence, guesses[2].confidence);
}

TEST(Language, PrepareDropsInvalidUtf8) {
  std::string out;
  LanguageClassifier::prepare("ok \xff\xfe end", 4096, out);
  EXPECT_EQ(out, "ok  end");
  LanguageClassifier::prepare("a\xc0\xaf" "b", 4096, out);  // overlong '/'
  EXPECT_EQ(out, "ab");
  LanguageClassifier::prepare("a\xed\xa0\x80" "b", 4096, out);  // UTF-16 surrogate
  EXPECT_EQ(out, "ab");
  LanguageClassifier::prepare("euro \xe2\x82", 4096, out);  // cut short at the end
  EXPECT_EQ(out, "euro ");
  LanguageClassifier::prepare("\xf4\x90\x80\x80x", 4096, out);  // > U+10FFFF
  EXPECT_EQ(out, "x");
  LanguageClassifier::prepare("grüße 日本 😀", 4096, out);  // valid text is untouched
  EXPECT_EQ(out, "grüße 日本 😀");
}

TEST(Language, PrepareCapsAtWhitespaceOrCodePoint) {
  std::string out;
  LanguageClassifier::prepare("hello wonderful world", 12, out);
  EXPECT_EQ(out, "hello ");
  LanguageClassifier::prepare("ééééé", 5, out);  // no whitespace: cut at a code point boundary
  EXPECT_EQ(out, "éé");
}

TEST(Language, PrepareBlanksEosTokens) {
  std::string out;
  LanguageClassifier::prepare("bonjour </s> hello</s> </s>", 4096, out);
  EXPECT_EQ(out, "bonjour      hello</s>     ");
}

TEST(Language, NewlinesAreSpaces) {
  auto a = classifier().classify("Ceci est une phrase.\nEt une autre ligne ici.");
  auto b = classifier().classify("Ceci est une phrase. Et une autre ligne ici.");
  EXPECT_EQ(a.label, b.label);
  EXPECT_FLOAT_EQ(a.confidence, b.confidence);
}

TEST(Language, EosDoesNotHideTheRest) {
  auto c = classifier().classify("</s> Dies ist ein ganz normaler deutscher Satz über das Wetter.");
  EXPECT_EQ(c.label, "de");
}

TEST(Language, EmptyAndGarbageNeverFail) {
  auto e = classifier().classify("");
  EXPECT_FALSE(e.label.empty());
  EXPECT_LT(e.confidence, 0.5f);
  std::mt19937 rng(3);
  for (int i = 0; i < 2000; ++i) {
    std::string s(rng() % 300, '\0');
    for (auto& ch : s) ch = char(rng());
    auto c = classifier().classify(s);
    EXPECT_FALSE(c.label.empty());
    EXPECT_GE(c.confidence, 0.0f);
    EXPECT_LE(c.confidence, 1.0f);
  }
}

TEST(Language, HugeTextIsCapped) {
  std::string sentence = "Questa è una frase italiana abbastanza lunga per il test. ";
  std::string big;
  while (big.size() < (4u << 20)) big += sentence;
  auto c = classifier().classify(big);
  EXPECT_EQ(c.label, "it");
  // The cap is shown by equality with the prefix's answer, not by a clock: a
  // timed assertion fails on a loaded machine (it did, under a parallel build).
  std::string prefix;
  LanguageClassifier::prepare(big, 4096, prefix);
  EXPECT_LE(prefix.size(), 4096u);
  EXPECT_FLOAT_EQ(classifier().classify(prefix).confidence, c.confidence);
}

TEST(Language, ThreadSafe) {
  const std::vector<std::string> texts = {"The weather is nice today and we go outside.",
                                          "Il fait beau aujourd'hui et nous sortons.",
                                          "Hoy hace buen tiempo y salimos a pasear.", "今日はいい天気なので散歩に行きます。"};
  std::vector<Classification> want;
  for (const auto& t : texts) want.push_back(classifier().classify(t));
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        const size_t k = size_t(i + t) % texts.size();
        auto c = classifier().classify(texts[k]);
        mismatches[size_t(t)] += c.label != want[k].label || c.confidence != want[k].confidence;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

TEST(Language, InTaskTable) {
  const TaskEntry* t = find_task("language");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->kind, "classifier");
  ASSERT_NE(t->load_classifier, nullptr);
  auto clf = t->load_classifier("");
  ASSERT_TRUE(clf) << clf.error().message;
  EXPECT_EQ((*clf)->classify("Это предложение написано на русском языке.").label, "ru");
}

}  // namespace
}  // namespace sr::signals
