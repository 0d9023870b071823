#pragma once
// A small synchronous HTTP/1.1 client for integration tests: records status,
// headers, body, and when each body piece arrived (to check streaming relay).
// Every socket has a receive timeout, so a broken server fails a test instead of hanging it.
#include <utility>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace sr::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::vector<double> piece_ms;  // arrival time of each body piece since the request was sent
  double total_ms = 0;
  std::string error;  // transport error, "" if none
  std::string header(const std::string& n) const {
    auto it = headers.find(n);
    return it == headers.end() ? std::string() : it->second;
  }
};

inline void set_timeout(tcp::socket& s, int ms) {
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

inline HttpResult http_call(uint16_t port, http::verb method, const std::string& target, const std::string& body = "",
                            std::map<std::string, std::string> headers = {}, int timeout_ms = 10000) {
  HttpResult r;
  net::io_context ioc;
  tcp::socket s(ioc);
  boost::system::error_code ec;
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  if (ec) {
    r.error = "connect: " + ec.message();
    return r;
  }
  set_timeout(s, timeout_ms);
  http::request<http::string_body> req(method, target, 11);
  req.set(http::field::host, "127.0.0.1");
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
  }
  for (auto& [k, v] : headers) req.set(k, v);
  auto t0 = std::chrono::steady_clock::now();
  http::write(s, req, ec);
  if (ec) {
    r.error = "write: " + ec.message();
    return r;
  }
  beast::flat_buffer buf;
  http::response_parser<http::buffer_body> p;
  p.body_limit(1ull << 30);
  http::read_header(s, buf, p, ec);
  if (ec) {
    r.error = "read header: " + ec.message();
    return r;
  }
  r.status = static_cast<int>(p.get().result_int());
  for (const auto& f : p.get()) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = std::string(f.value());
  }
  char piece[65536];
  while (!p.is_done()) {
    p.get().body().data = piece;
    p.get().body().size = sizeof piece;
    http::read_some(s, buf, p, ec);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      r.error = "read body: " + ec.message();
      break;
    }
    size_t n = sizeof piece - p.get().body().size;
    if (n) {
      r.body.append(piece, n);
      r.piece_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
  }
  r.total_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

inline HttpResult post_chat(uint16_t port, const std::string& body, std::map<std::string, std::string> headers = {},
                            int timeout_ms = 10000) {
  return http_call(port, http::verb::post, "/v1/chat/completions", body, std::move(headers), timeout_ms);
}

//! Sends raw bytes and returns whatever comes back until the server closes (or the timeout).
inline std::string raw_exchange(uint16_t port, const std::string& bytes, int timeout_ms = 5000) {
  net::io_context ioc;
  tcp::socket s(ioc);
  boost::system::error_code ec;
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return "CONNECT-ERROR";
  set_timeout(s, timeout_ms);
  net::write(s, net::buffer(bytes), ec);
  std::string out;
  char buf[8192];
  for (;;) {
    size_t n = s.read_some(net::buffer(buf), ec);
    if (ec) break;
    out.append(buf, n);
  }
  return out;
}

}  // namespace sr::testing
