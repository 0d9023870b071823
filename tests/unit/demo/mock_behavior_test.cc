#include "demo/mock_behavior.h"

#include <gtest/gtest.h>

namespace sr::demo {
namespace {

TEST(MockBehavior, FaultNamesRoundTrip) {
  for (int i = 0; i < kFaultCount; ++i) {
    auto f = static_cast<Fault>(i);
    auto parsed = parse_fault(fault_name(f));
    ASSERT_TRUE(parsed.has_value()) << fault_name(f);
    EXPECT_EQ(*parsed, f);
  }
  EXPECT_FALSE(parse_fault("501").has_value());
}

TEST(MockBehavior, DirectivesOverrideFields) {
  auto b = apply_directives("hello [mock:chunks=20, chunk_delay_ms=5] and [mock:fault=500]", MockBehavior{});
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->chunks, 20);
  EXPECT_EQ(b->chunk_delay_ms, 5);
  EXPECT_EQ(b->fault, Fault::k500);
  EXPECT_EQ(b->latency_ms, 0);
}

TEST(MockBehavior, NoDirectiveKeepsBehavior) {
  MockBehavior in;
  in.latency_ms = 7;
  auto b = apply_directives("plain prompt with [brackets]", in);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->latency_ms, 7);
}

TEST(MockBehavior, BadDirectivesNameTheOffender) {
  auto unknown = apply_directives("[mock:latency=5]", MockBehavior{});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("latency"), std::string::npos);
  auto range = apply_directives("[mock:chunks=0]", MockBehavior{});
  ASSERT_FALSE(range);
  EXPECT_NE(range.error().message.find("chunks=0"), std::string::npos);
  EXPECT_FALSE(apply_directives("[mock:fault=boom]", MockBehavior{}));
  EXPECT_FALSE(apply_directives("[mock:chunks=5", MockBehavior{}));
  EXPECT_FALSE(apply_directives("[mock:chunks]", MockBehavior{}));
  EXPECT_FALSE(apply_directives("[mock:fail_probability=1.5]", MockBehavior{}));
}

TEST(MockBehavior, StripDirectives) {
  EXPECT_EQ(strip_directives("a [mock:fault=500]b[mock:x=1] c"), "a b c");
  EXPECT_EQ(strip_directives("no directive"), "no directive");
  EXPECT_EQ(strip_directives("open [mock:never closed"), "open [mock:never closed");
}

TEST(MockBehavior, JsonRoundTrip) {
  MockBehavior b;
  b.latency_ms = 12;
  b.fault = Fault::kDropMidStream;
  b.fail_next = 3;
  b.fail_probability = 0.25;
  b.seed = 99;
  auto back = behavior_from_json(behavior_to_json(b));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->latency_ms, 12);
  EXPECT_EQ(back->fault, Fault::kDropMidStream);
  EXPECT_EQ(back->fail_next, 3);
  EXPECT_DOUBLE_EQ(back->fail_probability, 0.25);
  EXPECT_EQ(back->seed, 99u);
}

TEST(MockBehavior, JsonMissingFieldsAreDefaults) {
  auto b = behavior_from_json(R"({"fault": 500})");
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->fault, Fault::k500);
  EXPECT_EQ(b->chunks, MockBehavior{}.chunks);
}

TEST(MockBehavior, JsonErrors) {
  EXPECT_EQ(behavior_from_json("{nope").error().code, ErrorCode::kBadRequestJson);
  EXPECT_EQ(behavior_from_json("[1]").error().code, ErrorCode::kBadRequestSchema);
  EXPECT_FALSE(behavior_from_json(R"({"latency_ms": -1})"));
  EXPECT_FALSE(behavior_from_json(R"({"latency_ms": [1]})"));
  EXPECT_FALSE(behavior_from_json(R"({"what": 1})"));
}

}  // namespace
}  // namespace sr::demo
