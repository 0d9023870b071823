#pragma once
// A tiny blocking HTTP/1.1 client over Beast for tests: one keep-alive
// connection, every call bounded by a timeout, errors returned (never thrown).
#include <utility>

#include <chrono>
#include <map>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace sr::test {

struct HttpResponse {
  boost::system::error_code ec;  //!< set when no complete response arrived
  int status = 0;
  std::map<std::string, std::string> headers;  //!< names lower-cased
  std::string body;                            //!< de-chunked
  std::chrono::milliseconds elapsed{0};

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class HttpTestClient {
 public:
  explicit HttpTestClient(uint16_t port) : stream_(ioc_) {
    boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), port);
    stream_.expires_after(std::chrono::seconds(2));
    stream_.async_connect(ep, [this](boost::system::error_code ec) { connect_ec_ = ec; });
    run();
  }

  bool connected() const { return !connect_ec_; }

  //! Sends one request and reads one response within `timeout`.
  HttpResponse request(boost::beast::http::verb method, const std::string& target, const std::string& body = {},
                       const std::map<std::string, std::string>& headers = {},
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
    namespace http = boost::beast::http;
    HttpResponse out;
    auto start = std::chrono::steady_clock::now();
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/json");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    auto parser = std::make_shared<http::response_parser<http::string_body>>();
    parser->body_limit(64u << 20);
    stream_.expires_after(timeout);
    http::async_write(stream_, req, [&](boost::system::error_code ec, size_t) {
      if (ec) {
        out.ec = ec;
        return;
      }
      http::async_read(stream_, buffer_, *parser, [&](boost::system::error_code ec2, size_t) { out.ec = ec2; });
    });
    run();
    out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    if (!out.ec || parser->is_header_done()) {
      const auto& res = parser->get();
      out.status = res.result_int();
      for (const auto& f : res) {
        std::string k(f.name_string());
        for (auto& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out.headers[k] = std::string(f.value());
      }
      out.body = res.body();
    }
    return out;
  }

  HttpResponse post(const std::string& target, const std::string& body,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
    return request(boost::beast::http::verb::post, target, body, {}, timeout);
  }
  HttpResponse get(const std::string& target) { return request(boost::beast::http::verb::get, target); }

 private:
  void run() {
    ioc_.restart();
    ioc_.run();
  }

  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  boost::system::error_code connect_ec_;
};

}  // namespace sr::test
