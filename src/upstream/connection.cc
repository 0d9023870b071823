#include "upstream/connection.h"
#include "upstream/send_now.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/ssl/error.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <openssl/ssl.h>

namespace sr::upstream {

namespace {
constexpr auto kToken = net::use_awaitable;

class Http1Category : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "http1"; }
  std::string message(int ev) const override {
    return std::string("upstream answer: ") + http1::error_message(static_cast<http1::Error>(ev));
  }
};
}  // namespace

error_code make_error_code(http1::Error e) {
  static const Http1Category category;
  return error_code(static_cast<int>(e), category);
}

std::string endpoint_key(const config::Endpoint& ep) {
  return std::string(ep.tls ? "https://" : "http://") + ep.host + ":" + ep.port;
}

Connection::Connection(net::any_io_executor ex, net::ssl::context* tls_ctx, std::string key, Deadlines& deadlines)
    : key_(std::move(key)), tcp_(ex) {
  if (tls_ctx) ssl_ = std::make_unique<beast::ssl_stream<tcp::socket>>(ex, *tls_ctx);
  deadlines.add(deadline_, socket());
}

error_code Connection::finish(error_code ec) {
  deadline_.disarm();
  if (ec && deadline_.fired()) return beast::error::timeout;
  return ec;
}

net::awaitable<error_code> Connection::connect(const tcp::resolver::results_type& addrs, const config::Endpoint& ep,
                                               bool verify, std::chrono::milliseconds timeout) {
  error_code ec;
  tcp::socket& s = socket();
  deadline_.arm(timeout);
  // The deadline covers all resolved addresses: after it cancels one attempt, the
  // range connect would otherwise go on to the next address with no deadline.
  auto before_deadline = [this](const error_code&, const tcp::endpoint&) { return !deadline_.fired(); };
  co_await net::async_connect(s, addrs, before_deadline, net::redirect_error(kToken, ec));
  ec = finish(ec);
  if (ec) co_return ec;
  s.set_option(tcp::no_delay(true), ec);
  set_nonblocking(s);
  ec = {};
  if (ssl_) {
    // SNI, so virtual-hosted APIs present the right certificate.
    if (!SSL_set_tlsext_host_name(ssl_->native_handle(), ep.host.c_str()))
      co_return error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category());
    if (verify) ssl_->set_verify_callback(net::ssl::host_name_verification(ep.host));
    deadline_.arm(timeout);
    co_await ssl_->async_handshake(net::ssl::stream_base::client, net::redirect_error(kToken, ec));
    ec = finish(ec);
  }
  co_return ec;
}

net::awaitable<error_code> Connection::write(std::array<net::const_buffer, 4> bufs, std::chrono::milliseconds timeout) {
  error_code ec;
  if (!ssl_ && send_now(tcp_, bufs, ec)) co_return ec;
  deadline_.arm(timeout);
  if (ssl_) co_await net::async_write(*ssl_, bufs, net::redirect_error(kToken, ec));
  else co_await net::async_write(tcp_, bufs, net::redirect_error(kToken, ec));
  co_return finish(ec);
}

net::awaitable<error_code> Connection::fill(std::chrono::milliseconds timeout, bool whole_op) {
  constexpr size_t kRead = 16384;
  char* p = buffer_.prepare(kRead);
  error_code ec;
  if (!whole_op) deadline_.arm(timeout);
  else if (deadline_.fired()) co_return beast::error::timeout;  // passed between two reads: nothing was cancelled
  size_t n = ssl_ ? co_await ssl_->async_read_some(net::buffer(p, kRead), net::redirect_error(kToken, ec))
                  : co_await tcp_.async_read_some(net::buffer(p, kRead), net::redirect_error(kToken, ec));
  buffer_.commit(n);
  if (!whole_op) ec = finish(ec);
  else if (ec && deadline_.fired()) ec = beast::error::timeout;
  // A TLS peer that closes without close_notify: the same as a plain EOF here.
  if (ec == net::ssl::error::stream_truncated) ec = net::error::eof;
  co_return ec;
}

net::awaitable<error_code> Connection::read_head(size_t limit, std::chrono::milliseconds timeout) {
  http1::Head& head = head_;
  body_ = Body::kDone;
  // One deadline for the whole head (interim answers included), not one per read:
  // an upstream trickling its head out must not restart the countdown per segment.
  const Deadlines::Entry::Scope whole_head(deadline_, timeout);
  for (;;) {
    size_t scanned = 0;
    for (;;) {
      if (!buffer_.empty() && http1::head_complete(buffer_.view(), scanned)) {
        http1::Error e = http1::parse_response(buffer_.view(), limit, head);
        if (e == http1::Error::kNone) break;
        if (e != http1::Error::kIncomplete) co_return make_error_code(e);
      } else if (buffer_.size() >= limit) {
        co_return make_error_code(http1::Error::kHeaderTooLarge);
      }
      scanned = buffer_.size();
      error_code ec = co_await fill(timeout, true);
      if (ec) co_return ec;
    }
    // 100 Continue and other interim answers precede the real one (101 is not ours to handle).
    if (head.status >= 200 || head.status == 101) break;
    buffer_.consume(head.size);
  }
  // The head's bytes stay in memory (consume does not move them) until the next read.
  buffer_.consume(head.size);
  keep_alive_ = head.keep_alive;
  chunked_.reset();
  if (head.status == 204 || head.status == 304 || head.status == 101) {
    body_ = Body::kDone;
    keep_alive_ = keep_alive_ && head.status != 101;
  } else if (head.chunked) {
    body_ = Body::kChunked;
  } else if (head.content_length >= 0) {
    remaining_ = static_cast<uint64_t>(head.content_length);
    body_ = remaining_ ? Body::kLength : Body::kDone;
  } else {
    body_ = Body::kUntilClose;
    keep_alive_ = false;
  }
  co_return error_code{};
}

bool Connection::next_buffered_piece(std::string_view& piece, error_code& ec) {
  piece = {};
  if (body_ == Body::kDone) return true;
  if (buffer_.empty()) return false;
  // Consumed bytes stay in memory until the next read, so `piece` may view them.
  char* p = buffer_.data();
  const size_t have = buffer_.size();
  size_t produced = have;
  if (body_ == Body::kLength) {
    produced = static_cast<size_t>(std::min<uint64_t>(remaining_, have));
    remaining_ -= produced;
    if (remaining_ == 0) body_ = Body::kDone;
    buffer_.consume(produced);
  } else if (body_ == Body::kChunked) {
    http1::ChunkedDecoder::Step st = chunked_.decode(p, have);
    buffer_.consume(st.consumed);
    if (st.error != http1::Error::kNone) {
      keep_alive_ = false;
      ec = make_error_code(st.error);
      return true;
    }
    if (chunked_.done()) body_ = Body::kDone;
    produced = st.produced;
    if (produced == 0 && body_ != Body::kDone) return false;  // only chunk framing so far
  } else {  // kUntilClose
    buffer_.consume(have);
  }
  piece = std::string_view(p, produced);
  return true;
}

error_code Connection::body_read_result(error_code ec) {
  if (ec == net::error::eof && body_ == Body::kUntilClose) {
    body_ = Body::kDone;
    return {};
  }
  return ec;
}

net::awaitable<error_code> Connection::read_piece(std::string_view& piece, std::chrono::milliseconds timeout) {
  error_code ec;
  while (!next_buffered_piece(piece, ec)) {
    ec = body_read_result(co_await fill(timeout));
    if (ec) co_return ec;
  }
  co_return ec;
}

bool Connection::take_buffered_body(std::string& out, size_t limit, error_code& ec) {
  if (body_ == Body::kLength && remaining_ > limit - std::min(limit, out.size())) {
    keep_alive_ = false;
    ec = make_error_code(http1::Error::kBodyTooLarge);
    return true;
  }
  std::string_view piece;
  while (body_ != Body::kDone && next_buffered_piece(piece, ec)) {
    if (ec) return true;
    if (out.size() + piece.size() > limit) {
      keep_alive_ = false;
      ec = make_error_code(http1::Error::kBodyTooLarge);
      return true;
    }
    out.append(piece.data(), piece.size());
  }
  return body_ == Body::kDone;
}

net::awaitable<error_code> Connection::read_body(std::string& out, size_t limit, std::chrono::milliseconds timeout) {
  error_code ec;
  if (body_ == Body::kLength) out.reserve(out.size() + static_cast<size_t>(std::min<uint64_t>(remaining_, limit)));
  // One deadline for the whole body, like read_head: an upstream trickling a
  // byte now and then must not hold the request (and its client) forever.
  const Deadlines::Entry::Scope whole_body(deadline_, timeout);
  while (!take_buffered_body(out, limit, ec)) {
    ec = body_read_result(co_await fill(timeout, true));
    if (ec) co_return ec;
  }
  co_return ec;
}

bool Connection::idle_socket_clean() {
  char byte;
  const ssize_t n = ::recv(socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void Connection::close() {
  error_code ec;
  socket().shutdown(tcp::socket::shutdown_both, ec);
  socket().close(ec);
}

void Connection::cancel() {
  error_code ec;
  socket().cancel(ec);
}

ConnectionPtr Pool::take(const std::string& key, Clock::time_point now) {
  auto it = idle_.find(key);
  if (it == idle_.end()) return nullptr;
  while (!it->second.empty()) {
    ConnectionPtr c = std::move(it->second.back());
    it->second.pop_back();
    const auto idle = now - c->idle_since;
    if (idle < max_idle_ && c->socket().is_open() && (idle < probe_after_ || c->idle_socket_clean())) return c;
  }
  return nullptr;
}

void Pool::put(ConnectionPtr c, Clock::time_point now) {
  if (!c || !c->socket().is_open() || !c->reusable()) return;
  auto& v = idle_[c->key()];
  if (v.size() >= max_idle_per_key_) return;  // dropping closes it
  c->idle_since = now;
  v.push_back(std::move(c));
}

void Pool::expire() {
  auto now = Clock::now();
  for (auto& [key, v] : idle_) {
    std::erase_if(v, [&](const ConnectionPtr& c) { return now - c->idle_since >= max_idle_; });
  }
}

size_t Pool::idle_count() const {
  size_t n = 0;
  for (const auto& [key, v] : idle_) n += v.size();
  return n;
}

net::awaitable<error_code> Resolver::resolve(const config::Endpoint& ep, tcp::resolver::results_type& out) {
  std::string key = ep.host + ":" + ep.port;
  auto now = Clock::now();
  if (auto it = cache_.find(key); it != cache_.end() && it->second.expires > now) {
    out = it->second.results;
    co_return error_code{};
  }
  error_code ec;
  auto results = co_await resolver_.async_resolve(ep.host, ep.port, net::redirect_error(kToken, ec));
  if (ec) co_return ec;
  cache_[key] = Entry{results, now + std::chrono::seconds(30)};
  out = results;
  co_return ec;
}

std::shared_ptr<net::ssl::context> make_tls_context(bool verify, const std::string& ca_file, std::string* error) {
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
  error_code ec;
  ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                   net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
  if (verify) {
    ctx->set_verify_mode(net::ssl::verify_peer, ec);
    if (!ca_file.empty()) ctx->load_verify_file(ca_file, ec);
    else ctx->set_default_verify_paths(ec);
    if (ec) {
      if (error) *error = "cannot load CA certificates" + (ca_file.empty() ? std::string() : " from " + ca_file) + ": " + ec.message();
      return nullptr;
    }
  } else {
    ctx->set_verify_mode(net::ssl::verify_none, ec);
  }
  return ctx;
}

}  // namespace sr::upstream
