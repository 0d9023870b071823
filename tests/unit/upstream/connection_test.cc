#include "upstream/connection.h"

#include <sys/socket.h>

#include <atomic>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

namespace sr::upstream {
namespace {

// connect() must time out after `timeout` even when the name resolved to several
// addresses that all hang: the deadline cancels the attempt in flight, and Asio's
// range connect would then try the next address with no deadline left at all.
TEST(Connection, ConnectTimeoutCoversEveryResolvedAddress) {
  net::io_context ioc;
  // A black hole: a listener whose accept queue is full drops further SYNs, so
  // connecting to it hangs (SYN retries) instead of failing.
  tcp::acceptor hole(ioc);
  hole.open(tcp::v4());
  hole.bind(tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  hole.listen(0);
  const tcp::endpoint hole_ep = hole.local_endpoint();
  std::vector<tcp::socket> fillers;
  for (int i = 0; i < 4; ++i) {
    fillers.emplace_back(ioc);
    error_code ec;
    fillers.back().open(tcp::v4(), ec);
    fillers.back().non_blocking(true, ec);
    // Asio's synchronous connect would wait; a raw non-blocking one just starts.
    ::connect(fillers.back().native_handle(), hole_ep.data(), static_cast<socklen_t>(hole_ep.size()));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));

  Deadlines deadlines;
  std::atomic<bool> done{false};
  net::co_spawn(ioc, [&]() -> net::awaitable<void> {  // the worker's sweep
    net::steady_timer t(ioc);
    while (!done) {
      t.expires_after(std::chrono::milliseconds(20));
      error_code ec;
      co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
      deadlines.sweep(Clock::now());
    }
  }, net::detached);

  Connection c(ioc.get_executor(), nullptr, "http://blackhole", deadlines);
  const tcp::endpoint eps[] = {hole_ep, hole_ep, hole_ep};
  auto addrs = tcp::resolver::results_type::create(std::begin(eps), std::end(eps), "blackhole", "80");
  config::Endpoint ep;
  ep.host = "blackhole";
  ep.port = std::to_string(hole_ep.port());
  error_code result;
  const auto t0 = Clock::now();
  Clock::duration took{};
  net::co_spawn(ioc, [&]() -> net::awaitable<void> {
    result = co_await c.connect(addrs, ep, false, std::chrono::milliseconds(200));
    took = Clock::now() - t0;
    done = true;
  }, net::detached);
  while (!done && Clock::now() - t0 < std::chrono::seconds(4)) ioc.run_one_for(std::chrono::milliseconds(50));
  c.close();
  ASSERT_TRUE(done) << "connect still pending after 4 s with a 200 ms timeout";
  EXPECT_EQ(result, beast::error::timeout) << result.message();
  EXPECT_LT(took, std::chrono::seconds(1));
  ioc.run_for(std::chrono::milliseconds(50));  // lets the sweep loop end
}

}  // namespace
}  // namespace sr::upstream
