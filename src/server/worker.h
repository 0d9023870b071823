#pragma once
// Per-worker state: one io_context on one thread, with its own upstream pool,
// DNS cache, JSON parser and scratch buffers, so the request path takes no lock.
#include <utility>

#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "parse/chat_request.h"
#include "server/runtime.h"
#include "upstream/connection.h"

namespace sr::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

class Server;
class AccessLog;

struct Worker {
  explicit Worker(int id_, Server& server_)
      : id(id_), server(server_), ioc(1), pool(), resolver(ioc.get_executor()), rng(0x5eed0000u + static_cast<uint32_t>(id_)) {}

  int id;
  Server& server;
  net::io_context ioc;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::thread thread;
  upstream::Pool pool;
  upstream::Resolver resolver;
  parse::RequestParser json;
  std::minstd_rand rng;
  parse::ChatRequest chat;  // reused: parse is synchronous, copied out before any await
};

//! One client connection as the pipeline sees it.
struct ClientConn {
  explicit ClientConn(tcp::socket s) : stream(std::move(s)) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  std::string out;      //!< reusable response buffer
  bool http10 = false;  //!< HTTP/1.0 client: no chunked encoding
};

}  // namespace sr::server
