#pragma once
// One upstream connection (plain TCP or TLS) and the per-worker pool that keeps
// idle ones for reuse. Everything here runs on one worker's io_context and is
// never shared across threads, so nothing is locked.
#include <utility>  // Boost 1.74's awaitable.hpp misses it (GCC 12)

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "base/byte_buffer.h"
#include "config/config.h"
#include "parse/http1.h"
#include "upstream/deadline.h"

namespace sr::upstream {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http1 = parse::http1;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;

//! Framing errors of an upstream answer as error codes (category "http1").
error_code make_error_code(http1::Error e);

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

  //! TCP connect (+ TLS handshake with SNI and host-name verification).
  net::awaitable<error_code> connect(const tcp::resolver::results_type& addrs, const config::Endpoint& ep,
                                     bool verify, std::chrono::milliseconds timeout);

  //! Writes raw bytes (a pre-built request head + body, in up to four pieces).
  net::awaitable<error_code> write(std::array<net::const_buffer, 4> bufs, std::chrono::milliseconds timeout);

  //! Reads a response head (interim 1xx heads are skipped) of at most `limit`
  //! bytes and prepares to read its body. head() views this connection's buffer:
  //! valid until the next read. EOF before a complete head is net::error::eof.
  net::awaitable<error_code> read_head(size_t limit, std::chrono::milliseconds timeout);
  //! The head read by read_head().
  const http1::Head& head() const { return head_; }
  //! The next piece of the body, transfer coding removed; empty once the body is
  //! complete (then body_done()). Valid until the next read.
  net::awaitable<error_code> read_piece(std::string_view& piece, std::chrono::milliseconds timeout);
  //! Appends the rest of the body to `out`; more than `limit` bytes is kBodyTooLarge.
  //! `timeout` bounds the whole body, not each read.
  net::awaitable<error_code> read_body(std::string& out, size_t limit, std::chrono::milliseconds timeout);
  //! read_body() without I/O: appends what is buffered and returns true when that
  //! completed the body (or failed: then `ec` is set). A small answer usually
  //! arrives with its head, so the caller skips a coroutine frame and a resume.
  bool take_buffered_body(std::string& out, size_t limit, error_code& ec);
  //! True once the current response's body has been read completely.
  bool body_done() const { return body_ == Body::kDone; }
  //! True if this connection can carry another request after the current body.
  bool reusable() const { return body_ == Body::kDone && keep_alive_ && buffer_.empty(); }
  //! True when nothing arrived while the connection sat idle: no bytes, no EOF
  //! (one non-blocking MSG_PEEK). Bytes here are unsolicited - typically a 408
  //! sent just before the server closes - and would be read as the answer to
  //! the next request.
  bool idle_socket_clean();

  //! Closes the socket now (used to cancel an in-flight request).
  void close();
  //! Cancels pending operations without closing.
  void cancel();

  Clock::time_point idle_since;
  uint32_t uses = 0;

 private:
  // Maps a deadline cancellation to beast::error::timeout, so callers see one error.
  error_code finish(error_code ec);
  // The next piece of the body already in buffer_, transfer coding removed, no
  // I/O: true with `piece` (empty once the body is complete) or with `ec` set on a
  // framing error; false when more bytes must be read first. The one place that
  // knows the three body framings; read_piece and read_body both go through it.
  bool next_buffered_piece(std::string_view& piece, error_code& ec);
  // What a read error means for the body: EOF completes a close-delimited body.
  error_code body_read_result(error_code ec);
  // One read of whatever arrived into buffer_ (the op is started here directly:
  // every nested coroutine costs a frame allocation and a resume per request).
  // Arms `timeout` for this one read, or with `whole_op` keeps running (and armed)
  // the deadline the caller armed for an operation of several reads.
  net::awaitable<error_code> fill(std::chrono::milliseconds timeout, bool whole_op = false);

  enum class Body { kDone, kLength, kChunked, kUntilClose };

  std::string key_;
  tcp::socket tcp_;
  std::unique_ptr<beast::ssl_stream<tcp::socket>> ssl_;
  ByteBuffer buffer_;
  http1::Head head_;
  Deadlines::Entry deadline_;
  Body body_ = Body::kDone;
  uint64_t remaining_ = 0;  // kLength: body bytes still to come
  http1::ChunkedDecoder chunked_;
  bool keep_alive_ = false;
};
using ConnectionPtr = std::unique_ptr<Connection>;

//! Idle keep-alive connections per endpoint, most recently used first out.
class Pool {
 public:
  //! Connections idle for `probe_after` or longer are checked with
  //! Connection::idle_socket_clean() before reuse: servers close (and some say
  //! 408 first) after their own keep-alive timeout, seconds at least, while a
  //! connection reused under load, idle for microseconds, costs no syscall.
  explicit Pool(size_t max_idle_per_key = 256, std::chrono::seconds max_idle = std::chrono::seconds(30),
                std::chrono::milliseconds probe_after = std::chrono::milliseconds(500))
      : max_idle_per_key_(max_idle_per_key), max_idle_(max_idle), probe_after_(probe_after) {}

  //! A pooled connection for `key`, or nullptr. `now` may be coarse (the
  //! worker's sweep clock): idle ages are compared against seconds.
  ConnectionPtr take(const std::string& key, Clock::time_point now);
  //! Returns a healthy connection for reuse, idle from `now`.
  void put(ConnectionPtr c, Clock::time_point now);
  //! Drops connections idle longer than max_idle.
  void expire();
  size_t idle_count() const;

 private:
  size_t max_idle_per_key_;
  std::chrono::seconds max_idle_;
  std::chrono::milliseconds probe_after_;
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
