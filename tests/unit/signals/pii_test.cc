// The pii recogniser: structured detection, offsets in code points with
// multibyte text, overlap resolution, hostile input (broken UTF-8, 100 kB),
// model-file validation, the committed model, and redaction.
#include "signals/pii.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <atomic>
#include <random>
#include <string>
#include <thread>

#include <unistd.h>

#include "base/paths.h"
#include "signals/pii_tagger.h"

namespace sr::signals {
namespace {

namespace fs = std::filesystem;

const Entity* find(const std::vector<Entity>& ents, std::string_view type) {
  for (const auto& e : ents) {
    if (e.type == type) return &e;
  }
  return nullptr;
}

// Code points of valid UTF-8.
int32_t cp_count(std::string_view s) {
  int32_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

void expect_well_formed(const std::vector<Entity>& ents, int32_t max_cp) {
  int32_t prev_end = 0;
  for (const auto& e : ents) {
    EXPECT_LE(prev_end, e.start) << e.type << " overlaps or is unsorted";
    EXPECT_LT(e.start, e.end);
    EXPECT_LE(e.end, max_cp);
    EXPECT_GE(e.score, 0.0f);
    EXPECT_LE(e.score, 1.0f);
    prev_end = e.end;
  }
}

class PiiRulesTest : public ::testing::Test {
 protected:
  EntityRecognizerPtr rec_ = make_pii_rules_only();
};

TEST_F(PiiRulesTest, FindsStructuredTypes) {
  std::string text =
      "Mail john.smith@example.com, call (212) 555-0199, card 4111 1111 1111 1111, SSN 536-22-1234, "
      "IBAN GB82 WEST 1234 5698 7654 32, host 192.168.10.7 or 2001:db8::1, site https://www.example.org/x, "
      "born March 5, 1984, I am 40 years old, ZIP code 94105, driver's license F162823540116.";
  auto ents = rec_->recognize(text);
  expect_well_formed(ents, cp_count(text));
  struct Want {
    const char* type;
    const char* text;
  };
  for (Want w : {Want{"EMAIL_ADDRESS", "john.smith@example.com"}, Want{"PHONE_NUMBER", "(212) 555-0199"},
                 Want{"CREDIT_CARD", "4111 1111 1111 1111"}, Want{"US_SSN", "536-22-1234"},
                 Want{"IBAN_CODE", "GB82 WEST 1234 5698 7654 32"}, Want{"DOMAIN_NAME", "https://www.example.org/x"},
                 Want{"DATE_TIME", "March 5, 1984"}, Want{"AGE", "40"}, Want{"ZIP_CODE", "94105"},
                 Want{"US_DRIVER_LICENSE", "F162823540116"}}) {
    bool found = false;
    for (const auto& e : ents) found |= e.type == w.type && e.text == w.text;
    EXPECT_TRUE(found) << "missing " << w.type << " '" << w.text << "'";
  }
  int ips = 0;
  for (const auto& e : ents) ips += e.type == "IP_ADDRESS";
  EXPECT_EQ(ips, 2);
}

TEST_F(PiiRulesTest, RejectsInvalidChecksums) {
  auto ents = rec_->recognize("card 4111 1111 1111 1112 and SSN 666-22-1234 and IBAN GB83WEST12345698765432 "
                              "and IP 999.1.1.1");
  EXPECT_EQ(find(ents, "CREDIT_CARD"), nullptr);
  EXPECT_EQ(find(ents, "US_SSN"), nullptr);
  EXPECT_EQ(find(ents, "IBAN_CODE"), nullptr);
  EXPECT_EQ(find(ents, "IP_ADDRESS"), nullptr);
}

TEST_F(PiiRulesTest, ContextDecidesBareNumbers) {
  // 9 bare digits: SSN only with "ssn"/"social security" near.
  EXPECT_NE(find(rec_->recognize("my social security number is 536221234"), "US_SSN"), nullptr);
  EXPECT_EQ(find(rec_->recognize("order number 536221234 shipped"), "US_SSN"), nullptr);
  // Decimal numbers are not phone numbers, even next to "number".
  EXPECT_EQ(find(rec_->recognize("the number is 300.5849 exactly"), "PHONE_NUMBER"), nullptr);
  EXPECT_NE(find(rec_->recognize("call 212.555.0199"), "PHONE_NUMBER"), nullptr);
  EXPECT_EQ(find(rec_->recognize("pick from 12 15 18 20 and 22"), "PHONE_NUMBER"), nullptr);
  EXPECT_EQ(find(rec_->recognize("[27.75, \"2021-01-01\"]"), "PHONE_NUMBER"), nullptr);
  // A bare year is a date only after a preposition such as "in".
  EXPECT_NE(find(rec_->recognize("founded in 1977"), "DATE_TIME"), nullptr);
  EXPECT_EQ(find(rec_->recognize("I scored 1977 points"), "DATE_TIME"), nullptr);
}

TEST_F(PiiRulesTest, OffsetsAreCodePointsWithMultibyteText) {
  std::string text = "Grüße 😀 von Jörg: anna@example.com — Tel. +49 30 1234567 ✓";
  auto ents = rec_->recognize(text);
  expect_well_formed(ents, cp_count(text));
  const Entity* email = find(ents, "EMAIL_ADDRESS");
  ASSERT_NE(email, nullptr);
  // "Grüße 😀 von Jörg: " is 18 code points (ü, ß, 😀 and ö count once each).
  EXPECT_EQ(email->start, 18);
  EXPECT_EQ(email->end, 18 + 16);
  EXPECT_EQ(email->text, "anna@example.com");
  const Entity* phone = find(ents, "PHONE_NUMBER");
  ASSERT_NE(phone, nullptr);
  EXPECT_EQ(phone->text, "+49 30 1234567");
  EXPECT_EQ(phone->start, 18 + 16 + 8);
}

TEST_F(PiiRulesTest, OverlapsResolvedToOneEntity) {
  // A valid card number also looks like a long phone number; the validated card wins.
  auto ents = rec_->recognize("call 4111-1111-1111-1111 now");
  ASSERT_EQ(ents.size(), 1u);
  EXPECT_EQ(ents[0].type, "CREDIT_CARD");
  // An e-mail contains a domain; only the e-mail is reported.
  ents = rec_->recognize("write to bob@mail.example.com");
  ASSERT_EQ(ents.size(), 1u);
  EXPECT_EQ(ents[0].type, "EMAIL_ADDRESS");
}

TEST_F(PiiRulesTest, BrokenUtf8NeverCrashes) {
  std::vector<std::string> inputs = {
      std::string("\xff\xfe\xfd"), std::string("abc\xc3"), std::string("\xe2\x82"), std::string("\xf0\x9f\x98"),
      std::string("\xc0\xaf overlong"), std::string("\xed\xa0\x80 surrogate"), std::string("\0\0\0", 3),
      std::string("john@exa\xffmple.com 4111 1111 \x80 1111 1111"),
  };
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::string s(1 + rng() % 300, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 256);
    inputs.push_back(s);
  }
  for (const auto& s : inputs) {
    auto ents = rec_->recognize(s);
    // Each invalid byte counts as one code point, so the bound is the byte length.
    expect_well_formed(ents, static_cast<int32_t>(s.size()));
    for (const auto& e : ents) EXPECT_LE(e.text.size(), s.size());
  }
}

TEST_F(PiiRulesTest, HundredKilobytesIsBounded) {
  std::string chunk = "Please contact jane.doe@example.com about invoice 2024-01-15 for 4111 1111 1111 1111. ";
  std::string text;
  while (text.size() < 100 * 1024) text += chunk;
  auto t0 = std::chrono::steady_clock::now();
  auto ents = rec_->recognize(text);
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  expect_well_formed(ents, cp_count(text));
  ASSERT_FALSE(ents.empty());
  // Only the first kMaxScanBytes are scanned.
  EXPECT_LE(ents.back().end, static_cast<int32_t>(pii::kMaxScanBytes));
  EXPECT_LT(ms, 500.0);
}

TEST(PiiOptionsTest, ScanLimitAndMinScore) {
  std::string text = "first a@example.com then b@example.com";
  PiiOptions small;
  small.max_scan_bytes = 20;  // cuts inside the second address
  auto ents = make_pii_rules_only(small)->recognize(text);
  ASSERT_EQ(ents.size(), 1u);
  EXPECT_EQ(ents[0].text, "a@example.com");
  PiiOptions strict;
  strict.min_score = 0.99f;  // an unqualified phone number (0.75) is dropped, the e-mail (1.0) kept
  ents = make_pii_rules_only(strict)->recognize("mail a@example.com or 212-555-0199");
  ASSERT_EQ(ents.size(), 1u);
  EXPECT_EQ(ents[0].type, "EMAIL_ADDRESS");
}

TEST(PiiRedact, ReplacesChosenTypes) {
  auto rec = make_pii_rules_only();
  std::string text = "Zoë’s mail is zoe@example.com and card 4111 1111 1111 1111.";
  auto ents = rec->recognize(text);
  EXPECT_EQ(redact(text, ents, RedactPolicy{}), "Zoë’s mail is <EMAIL_ADDRESS> and card <CREDIT_CARD>.");
  RedactPolicy only_cards;
  only_cards.mode = RedactPolicy::Mode::kFixed;
  only_cards.types = {"CREDIT_CARD"};
  EXPECT_EQ(redact(text, ents, only_cards), "Zoë’s mail is zoe@example.com and card [REDACTED].");
}

TEST(PiiRedact, StaleOrOverlappingEntitiesAreSkipped) {
  std::string text = "héllo world";
  std::vector<Entity> ents = {{"PERSON", 6, 11, "world", 0.9f}, {"PERSON", 0, 2, "hé", 0.9f},
                              {"PERSON", 8, 40, "x", 0.9f}};
  // The second is out of order and the third runs past the end: both are left alone.
  EXPECT_EQ(redact(text, ents, RedactPolicy{}), "héllo <PERSON>");
  EXPECT_EQ(redact("", ents, RedactPolicy{}), "");
}

// ---------------------------------------------------------------- model files

std::string builtin_model_file() { return sr::builtin_model_path("pii") + "/pii_tagger.bin"; }

std::string read_file(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

class PiiModelFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pii_model_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    good_ = read_file(builtin_model_file());
    ASSERT_GT(good_.size(), 1000u) << "committed model missing: " << builtin_model_file();
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result<EntityRecognizerPtr> load_bytes(const std::string& bytes) {
    std::ofstream(dir_ / "pii_tagger.bin", std::ios::binary | std::ios::trunc) << bytes;
    return load_pii_recognizer(dir_.string());
  }

  fs::path dir_;
  std::string good_;
};

TEST_F(PiiModelFileTest, IntactCopyLoads) { EXPECT_TRUE(load_bytes(good_).has_value()); }

TEST_F(PiiModelFileTest, CorruptFilesAreRejectedCleanly) {
  struct Case {
    const char* name;
    std::string bytes;
  };
  std::string bad_magic = good_;
  bad_magic[0] = 'X';
  std::string flipped = good_;
  flipped[good_.size() / 2] ^= 0x40;
  std::string trailing = good_ + "junk";
  for (const Case& c : {Case{"empty", ""}, Case{"bad magic", bad_magic}, Case{"flipped byte", flipped},
                        Case{"trailing bytes", trailing}, Case{"header only", good_.substr(0, 24)},
                        Case{"half", good_.substr(0, good_.size() / 2)},
                        Case{"missing checksum", good_.substr(0, good_.size() - 8)}}) {
    auto r = load_bytes(c.bytes);
    ASSERT_FALSE(r.has_value()) << c.name;
    EXPECT_EQ(r.error().code, ErrorCode::kModelFile) << c.name;
    EXPECT_NE(r.error().message.find("pii"), std::string::npos) << c.name << ": " << r.error().message;
  }
  // Every truncation point in the header region fails cleanly too.
  for (size_t n = 0; n < 64; ++n) EXPECT_FALSE(load_bytes(good_.substr(0, n)).has_value()) << n;
}

TEST_F(PiiModelFileTest, MissingDirectoryIsAnError) {
  auto r = load_pii_recognizer((dir_ / "nope").string());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kModelFile);
}

TEST(PiiBuiltinModel, FindsObviousNamesAndAddresses) {
  auto rec = load_pii_recognizer("");
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  EXPECT_EQ((*rec)->task(), "pii");
  auto ents = (*rec)->recognize("Call John Smith at 212-555-0199");
  const Entity* person = find(ents, "PERSON");
  ASSERT_NE(person, nullptr);
  EXPECT_EQ(person->text, "John Smith");
  EXPECT_EQ(person->start, 5);
  EXPECT_EQ(person->end, 15);
  ASSERT_NE(find(ents, "PHONE_NUMBER"), nullptr);

  ents = (*rec)->recognize("Hi, my name is Maria Garcia and I live at 1600 Pennsylvania Avenue NW, Washington, DC 20500.");
  person = find(ents, "PERSON");
  ASSERT_NE(person, nullptr);
  EXPECT_EQ(person->text, "Maria Garcia");
  const Entity* addr = find(ents, "STREET_ADDRESS");
  ASSERT_NE(addr, nullptr);
  EXPECT_NE(addr->text.find("1600 Pennsylvania Avenue"), std::string::npos) << addr->text;

  // Number lists in coding prompts are not addresses.
  ents = (*rec)->recognize("Write a function that returns a salary between 50000 and 70000 for [5, 24, 19, 47].");
  EXPECT_EQ(find(ents, "STREET_ADDRESS"), nullptr);

  ents = (*rec)->recognize("Write a Python function that sorts a list of integers.");
  EXPECT_TRUE(ents.empty()) << ents.size() << " unexpected, first: " << (ents.empty() ? "" : ents[0].type);
}

TEST(PiiBuiltinModel, BrokenUtf8AndHugeInputThroughTagger) {
  auto rec = load_pii_recognizer("");
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  std::mt19937 rng(11);
  for (int i = 0; i < 300; ++i) {
    std::string s(1 + rng() % 400, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 4 == 0 ? 'A' + rng() % 26 : rng() % 256);
    auto ents = (*rec)->recognize(s);
    expect_well_formed(ents, static_cast<int32_t>(s.size()));
    // redact() must accept whatever recognize() returned, also for broken text.
    std::string red = redact(s, ents, RedactPolicy{});
    if (ents.empty()) {
      EXPECT_EQ(red, s);
    }
  }
  std::string big;
  while (big.size() < 100 * 1024) big += "Mr. John Smith of Acme Corp lives at 12 Main Street, Springfield. \xff\xfe ";
  auto ents = (*rec)->recognize(big);
  ASSERT_FALSE(ents.empty());
  EXPECT_LE(ents.back().end, static_cast<int32_t>(pii::kMaxScanBytes));
  expect_well_formed(ents, static_cast<int32_t>(big.size()));
}

TEST(PiiBuiltinModel, ThreadSafeUnderConcurrentCalls) {
  auto rec = load_pii_recognizer("");
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  std::string text = "Dr. Emily Chen (emily.chen@example.com) lives at 42 Baker Street, London.";
  auto want = (*rec)->recognize(text);
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto got = (*rec)->recognize(text);
        if (got.size() != want.size()) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

// Needs ../shared/data/pii (the held-out evaluation); skipped without it.
TEST(PiiSharedData, EvalRunsOnHeldOutSplit) {
  std::string data = std::string(SEMROUTER_SOURCE_DIR) + "/../shared/data/pii";
  if (!fs::exists(data + "/synth_dataset_v2.json")) GTEST_SKIP() << "no shared data at " << data;
  EvalOptions o;
  o.data_path = data;
  testing::internal::CaptureStdout();
  int rc = eval_pii(o);
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("PERSON"), std::string::npos);
  EXPECT_NE(out.find("micro"), std::string::npos);
}

// Same data + seed = byte-identical model; a fresh model loads and finds names.
TEST(PiiSharedData, TrainingIsDeterministic) {
  std::string data = std::string(SEMROUTER_SOURCE_DIR) + "/../shared/data/pii";
  if (!fs::exists(data + "/synth_dataset_v2.json")) GTEST_SKIP() << "no shared data at " << data;
  fs::path base = fs::temp_directory_path() / ("pii_train_test_" + std::to_string(::getpid()));
  std::string out[2];
  for (int k = 0; k < 2; ++k) {
    TrainOptions o;
    o.data_path = data;
    o.out_dir = (base / std::to_string(k)).string();
    o.epochs = 2;
    o.progress = false;
    ASSERT_EQ(train_pii(o), 0);
    out[k] = read_file(o.out_dir + "/pii_tagger.bin");
  }
  EXPECT_FALSE(out[0].empty());
  EXPECT_EQ(out[0], out[1]);
  auto rec = load_pii_recognizer((base / "0").string());
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  EXPECT_NE(find((*rec)->recognize("My name is Maria Garcia."), "PERSON"), nullptr);
  fs::remove_all(base);
}

}  // namespace
}  // namespace sr::signals
