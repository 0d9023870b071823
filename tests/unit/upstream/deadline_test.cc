#include "upstream/deadline.h"

#include <thread>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace sr::upstream {
namespace {

using Clock = Deadlines::Clock;

TEST(Deadlines, FiresOnlyAfterTheDurationAndCancelsTheSocket) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket s(ioc);
  Deadlines d;
  Deadlines::Entry e;
  d.add(e, s);
  const auto t0 = Clock::now();
  e.arm(std::chrono::milliseconds(30));
  d.sweep(t0 + std::chrono::milliseconds(10));  // the countdown starts here, at the first sweep
  EXPECT_FALSE(e.fired());
  d.sweep(t0 + std::chrono::milliseconds(39));  // 29 ms into the countdown: not yet
  EXPECT_FALSE(e.fired());
  d.sweep(t0 + std::chrono::milliseconds(40));
  EXPECT_TRUE(e.fired());
  // Disarmed entries never fire; re-arming clears the flag.
  e.arm(std::chrono::milliseconds(1));
  EXPECT_FALSE(e.fired());
  e.disarm();  // finished before any sweep saw it
  d.sweep(Clock::now() + std::chrono::hours(1));
  d.sweep(Clock::now() + std::chrono::hours(2));
  EXPECT_FALSE(e.fired());
}

TEST(Deadlines, EntriesLeaveTheListWhenDestroyed) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket s(ioc);
  Deadlines d;
  {
    Deadlines::Entry a, b;
    d.add(a, s);
    d.add(b, s);
    a.arm(std::chrono::milliseconds(0));
    d.sweep(Clock::now());
  }
  d.sweep(Clock::now() + std::chrono::hours(1));  // must not touch destroyed entries
  SUCCEED();
}

}  // namespace
}  // namespace sr::upstream
