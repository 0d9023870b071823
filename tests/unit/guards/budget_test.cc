#include "guards/budget.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace sr::guards {
namespace {

using namespace std::chrono_literals;
using TimePoint = SpendLedger::TimePoint;

TimePoint at(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

TEST(MemoryLedger, SpendIsPerKeyAndPerWindow) {
  MemoryLedger l;
  const auto day = std::chrono::milliseconds(24h);
  EXPECT_EQ(l.spent("team-a", day, at(1000)), 0.0);
  l.add("team-a", 0.25, day, at(1000));
  l.add("team-a", 0.5, day, at(2000));
  l.add("team-b", 1.0, day, at(2000));
  EXPECT_DOUBLE_EQ(l.spent("team-a", day, at(3000)), 0.75);
  EXPECT_DOUBLE_EQ(l.spent("team-b", day, at(3000)), 1.0);
  EXPECT_EQ(l.spent("team-c", day, at(3000)), 0.0);
  // Windows are aligned to the epoch: the next day starts from zero ...
  const int64_t next_day = 24 * 3600 * 1000;
  EXPECT_EQ(l.spent("team-a", day, at(next_day)), 0.0);
  // ... and spending in it does not bring the old window back.
  l.add("team-a", 0.1, day, at(next_day + 5));
  EXPECT_DOUBLE_EQ(l.spent("team-a", day, at(next_day + 10)), 0.1);
  EXPECT_EQ(l.spent("team-a", day, at(3000)), 0.0);
}

TEST(MemoryLedger, ConcurrentAddsAreAllCounted) {
  MemoryLedger l;
  const auto hour = std::chrono::milliseconds(1h);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) l.add("k", 0.001, hour, at(10));
    });
  for (auto& t : ts) t.join();
  EXPECT_NEAR(l.spent("k", hour, at(20)), 4.0, 1e-9);
}

TEST(BudgetKey, BearerTokenOrWholeValue) {
  EXPECT_EQ(budget_key("Bearer sk-team-a"), "sk-team-a");
  EXPECT_EQ(budget_key("bearer   sk-team-a  "), "sk-team-a");
  EXPECT_EQ(budget_key("BEARER x"), "x");
  EXPECT_EQ(budget_key("sk-raw-key"), "sk-raw-key");
  EXPECT_EQ(budget_key("Bearer "), "Bearer") << "no token: the value itself, trimmed";
  EXPECT_EQ(budget_key(""), "");
  EXPECT_EQ(budget_key("   "), "");
}

}  // namespace
}  // namespace sr::guards
