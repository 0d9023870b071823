#pragma once
// One upstream connection (plain TCP or TLS) and the per-worker pool that keeps
// idle ones for reuse. Everything here runs on one worker's io_context and is
// never shared across threads, so nothing is locked.
#include <utility>  // Boost 1.74's awaitable.hpp misses it (GCC 12)

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "config/config.h"
#include "upstream/deadline.h"

namespace sr::upstream {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;

//! Identity of an endpoint for pooling: scheme, host and port.
std::string endpoint_key(const config::Endpoint& ep);

class Connection {
 public:
  //! `tls_ctx` non-null makes this a TLS connection. Timeouts are enforced
  //! through `deadlines` (the worker's sweep), which must outlive the connection.
  Connection(net::any_io_executor ex, net::ssl::context* tls_ctx, std::string key, Deadlines& deadlines);

  bool tls() const { return ssl_ != nullptr; }
  const std::string& key() const { return key_; }
  tcp::socket& socket() { return ssl_ ? ssl_->next_layer() : tcp_; }
  //! True if the last failed operation failed because its deadline passed.
  bool timed_out() const { return deadline_.fired(); }
  beast::flat_buffer& buffer() { return buffer_; }

  //! TCP connect (+ TLS handshake with SNI and host-name verification).
  net::awaitable<error_code> connect(const tcp::resolver::results_type& addrs, const config::Endpoint& ep,
                                     bool verify, std::chrono::milliseconds timeout);

  //! Writes raw bytes (a pre-built request head + body).
  net::awaitable<error_code> write(std::vector<net::const_buffer> bufs, std::chrono::milliseconds timeout);

  //! Reads the response head.
  net::awaitable<error_code> read_header(http::response_parser<http::empty_body>& p, std::chrono::milliseconds timeout);
  //! Reads what is there of the body into p's buffer_body (need_buffer is success).
  net::awaitable<error_code> read_some(http::response_parser<http::buffer_body>& p, std::chrono::milliseconds timeout);
  //! Reads the whole remaining body.
  net::awaitable<error_code> read_all(http::response_parser<http::string_body>& p, std::chrono::milliseconds timeout);

  //! Closes the socket now (used to cancel an in-flight request).
  void close();
  //! Cancels pending operations without closing.
  void cancel();

  Clock::time_point idle_since;
  uint32_t uses = 0;

 private:
  // Maps a deadline cancellation to beast::error::timeout, so callers see one error.
  error_code finish(error_code ec);
  template <class Op>
  net::awaitable<error_code> run(std::chrono::milliseconds timeout, Op op);

  std::string key_;
  tcp::socket tcp_;
  std::unique_ptr<beast::ssl_stream<tcp::socket>> ssl_;
  beast::flat_buffer buffer_;
  Deadlines::Entry deadline_;
};
using ConnectionPtr = std::unique_ptr<Connection>;

//! Idle keep-alive connections per endpoint, most recently used first out.
class Pool {
 public:
  explicit Pool(size_t max_idle_per_key = 256, std::chrono::seconds max_idle = std::chrono::seconds(30))
      : max_idle_per_key_(max_idle_per_key), max_idle_(max_idle) {}

  //! A pooled connection for `key`, or nullptr.
  ConnectionPtr take(const std::string& key);
  //! Returns a healthy connection for reuse.
  void put(ConnectionPtr c);
  //! Drops connections idle longer than max_idle.
  void expire();
  size_t idle_count() const;

 private:
  size_t max_idle_per_key_;
  std::chrono::seconds max_idle_;
  std::unordered_map<std::string, std::vector<ConnectionPtr>> idle_;
};

//! Caches DNS answers per worker for a short time, so a hot path does not resolve per request.
class Resolver {
 public:
  explicit Resolver(net::any_io_executor ex) : resolver_(ex) {}
  net::awaitable<error_code> resolve(const config::Endpoint& ep, tcp::resolver::results_type& out);

 private:
  struct Entry {
    tcp::resolver::results_type results;
    Clock::time_point expires;
  };
  tcp::resolver resolver_;
  std::unordered_map<std::string, Entry> cache_;
};

//! A TLS client context: certificate verification on (system CAs or ca_file).
std::shared_ptr<net::ssl::context> make_tls_context(bool verify, const std::string& ca_file, std::string* error);

}  // namespace sr::upstream
