// The pii recogniser: structured detection, offsets in code points with
// multibyte text, overlap resolution, hostile input (broken UTF-8, 100 kB),
// model-file validation, the committed model, and redaction.
#include "signals/pii.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <atomic>
#include <random>
#include <string>
#include <thread>

#include <unistd.h>

#include "base/paths.h"
#include "signals/pii_patterns.h"
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

// Type and text of every entity, for whole-output comparisons.
std::vector<std::pair<std::string, std::string>> typed(const std::vector<Entity>& ents) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : ents) out.emplace_back(e.type, e.text);
  return out;
}

using Typed = std::vector<std::pair<std::string, std::string>>;

TEST_F(PiiRulesTest, PostalCodesAfterZipWords) {
  // International shapes after a ZIP word, whole code in one span.
  EXPECT_EQ(typed(rec_->recognize("ZIP: 394 13")), (Typed{{"ZIP_CODE", "394 13"}}));
  EXPECT_EQ(typed(rec_->recognize("postal code 7412 SL please")), (Typed{{"ZIP_CODE", "7412 SL"}}));
  EXPECT_EQ(typed(rec_->recognize("zip B3H 4R2")), (Typed{{"ZIP_CODE", "B3H 4R2"}}));
  EXPECT_EQ(typed(rec_->recognize("ZIP: 75534-030")), (Typed{{"ZIP_CODE", "75534-030"}}));
  EXPECT_EQ(typed(rec_->recognize("my zip code is 2371.")), (Typed{{"ZIP_CODE", "2371"}}));
  // After a US state code without a ZIP word.
  EXPECT_EQ(typed(rec_->recognize("Springfield, IL 62704")), (Typed{{"ZIP_CODE", "62704"}}));
  // Shape alone is not enough.
  EXPECT_EQ(find(rec_->recognize("we sold 394 13 times"), "ZIP_CODE"), nullptr);
}

TEST(PiiPostalShape, AcceptsPostalCodesOnly) {
  auto end_of = [](std::string_view text) {
    pii::Doc d;
    d.build(text, text.size());
    int e = pii::postal_code_end(d, 0);
    return e < 0 ? std::string("-") : std::string(text.substr(0, d.toks[e - 1].b1));
  };
  EXPECT_EQ(end_of("12345"), "12345");
  EXPECT_EQ(end_of("12345-6789 x"), "12345-6789");
  EXPECT_EQ(end_of("53-320,"), "53-320");
  EXPECT_EQ(end_of("3610-114 in"), "3610-114");
  EXPECT_EQ(end_of("340 12"), "340 12");
  EXPECT_EQ(end_of("7412 SL"), "7412 SL");
  EXPECT_EQ(end_of("B0J 2H0."), "B0J 2H0");
  EXPECT_EQ(end_of("12"), "-");          // too short
  EXPECT_EQ(end_of("1234567"), "-");     // too long
  EXPECT_EQ(end_of("12345.67"), "-");    // a decimal number
  EXPECT_EQ(end_of("2021-01-01"), "-");  // a date, not "2021-01"
  EXPECT_EQ(end_of("12345\n67"), "12345");
  EXPECT_EQ(end_of("B0J2H0"), "-");
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
  auto ents = rec_->recognize(text);
  expect_well_formed(ents, cp_count(text));
  ASSERT_FALSE(ents.empty());
  // Only the first kMaxScanBytes are scanned: that is the bound (timed in bench/signals).
  EXPECT_LE(ents.back().end, static_cast<int32_t>(pii::kMaxScanBytes));
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

// A file of an older format version (different features) is refused even
// with a valid checksum.
TEST_F(PiiModelFileTest, OlderVersionIsRejected) {
  std::string old = good_;
  uint32_t v = 1;
  std::memcpy(old.data() + 8, &v, sizeof(v));
  uint64_t sum = pii::fnv1a(std::string_view(old).substr(0, old.size() - 8));
  std::memcpy(old.data() + old.size() - 8, &sum, sizeof(sum));
  auto r = load_bytes(old);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kModelFile);
  EXPECT_NE(r.error().message.find("version 1"), std::string::npos) << r.error().message;
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

// Addresses as the Presidio data writes them: a whole block (lines, state,
// ZIP) is one span; an address written in pieces keeps its pieces, places
// and postcode apart.
TEST(PiiBuiltinModel, AddressBlocksAndPieces) {
  auto rec = load_pii_recognizer("");
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  auto ents = (*rec)->recognize("Please send it to 4 Elm Street Apt. 2\nSpringfield\n, IL\n 62704 by Friday.");
  EXPECT_EQ(typed(ents), (Typed{{"STREET_ADDRESS", "4 Elm Street Apt. 2\nSpringfield\n, IL\n 62704"},
                                {"DATE_TIME", "Friday"}}));
  ents = (*rec)->recognize("I'll meet you at 77 Harbour Road Suite 12\nBristol, GB 40213 after the concert.");
  EXPECT_EQ(typed(ents), (Typed{{"STREET_ADDRESS", "77 Harbour Road Suite 12\nBristol, GB 40213"}}));
  ents = (*rec)->recognize("The office is at PSC 1234, Box 5678\nAPO AE 09012");
  EXPECT_EQ(typed(ents), (Typed{{"STREET_ADDRESS", "PSC 1234, Box 5678\nAPO AE 09012"}}));
  // Pieces: street line, secondary line, city and country, postcode after the country.
  ents = (*rec)->recognize("Peter Lund\n\n81 Kongensgade 14\n Apt. 301\n Odense\n Denmark 50321");
  const Entity* apt = nullptr;
  for (const auto& e : ents) {
    if (e.type == "STREET_ADDRESS" && e.text == "Apt. 301") apt = &e;
  }
  ASSERT_NE(apt, nullptr) << "address pieces were joined";
  Typed places;
  for (const auto& e : ents) {
    if (e.type == "LOCATION" || e.type == "ZIP_CODE" || e.text == "50321") places.emplace_back(e.type, e.text);
  }
  EXPECT_EQ(places, (Typed{{"LOCATION", "Odense"}, {"LOCATION", "Denmark"}, {"STREET_ADDRESS", "50321"}}));
  // No address in number lists.
  EXPECT_EQ(find((*rec)->recognize("between 50000 and 70000 for [5, 24, 19, 47]"), "STREET_ADDRESS"), nullptr);
}

// ZIP codes: after a ZIP word even where the tagger sees an address, after a
// place on the same line, alone on the line after a state; not a year.
TEST(PiiBuiltinModel, ZipCodesBesidePlaces) {
  auto rec = load_pii_recognizer("");
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  EXPECT_EQ(typed((*rec)->recognize("My zip code is 35649")), (Typed{{"ZIP_CODE", "35649"}}));
  auto ents = (*rec)->recognize("Looking to support Acme in Arendal 4844 in its mission to grow.");
  const Entity* zip = find(ents, "ZIP_CODE");
  ASSERT_NE(zip, nullptr);
  EXPECT_EQ(zip->text, "4844");
  ents = (*rec)->recognize("Billing address: Jane Roe\n    512 Oak Lane 9 Apt. 12\n   Halifax\n    NS\n    B3H 4R2");
  zip = find(ents, "ZIP_CODE");
  ASSERT_NE(zip, nullptr);
  EXPECT_EQ(zip->text, "B3H 4R2");
  EXPECT_EQ(find((*rec)->recognize("We visited Paris 2024 for the games."), "ZIP_CODE"), nullptr);
}

TEST(PiiBuiltinModel, HonorificIsTitleNotName) {
  auto rec = load_pii_recognizer("");
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  EXPECT_EQ(typed((*rec)->recognize("Miss Gabriella Moreau called yesterday.")),
            (Typed{{"TITLE", "Miss"}, {"PERSON", "Gabriella Moreau"}}));
  auto ents = (*rec)->recognize("He just turned 34 years old and the firm was founded in 1990.");
  EXPECT_EQ(typed(ents), (Typed{{"AGE", "34"}, {"DATE_TIME", "1990"}}));
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
