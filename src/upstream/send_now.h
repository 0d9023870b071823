#pragma once
// Writes without suspending when the kernel takes the bytes at once (almost
// always for a response or a request head on a healthy connection).
//
// Why: an Asio async_write that completes immediately still posts its
// completion to the back of the worker's handler queue, so every write costs a
// trip behind every other ready connection, plus a coroutine frame. Under load
// that queueing is what stretches the latency tail (p98-p99). A plain
// non-blocking sendmsg first, and async_write only for what is left, keeps the
// common case inline. Sockets must be in non-blocking mode (set_nonblocking).
#include <array>
#include <cstddef>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace sr::upstream {

//! Puts `s` in user-level non-blocking mode, so write_some() never waits.
inline void set_nonblocking(boost::asio::ip::tcp::socket& s) {
  boost::system::error_code ignore;
  s.non_blocking(true, ignore);
}

//! Sends what the kernel takes now. Returns true when nothing is left to do:
//! everything was sent, or `ec` holds a real error. Returns false with `bufs`
//! advanced past what was sent when the rest must be written asynchronously.
template <size_t N>
bool send_now(boost::asio::ip::tcp::socket& s, std::array<boost::asio::const_buffer, N>& bufs,
              boost::system::error_code& ec) {
  size_t n = s.write_some(bufs, ec);
  if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
    ec = {};
    n = 0;
  } else if (ec) {
    return true;
  }
  for (auto& b : bufs) {
    size_t take = n < b.size() ? n : b.size();
    b += take;
    n -= take;
  }
  for (const auto& b : bufs)
    if (b.size()) return false;
  return true;
}

}  // namespace sr::upstream
