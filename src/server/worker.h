#pragma once
// Per-worker state: one io_context on one thread, with its own upstream pool,
// DNS cache, JSON parser and scratch buffers, so the request path takes no lock.
#include <utility>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include "base/byte_buffer.h"
#include "parse/chat_request.h"
#include "parse/http1.h"
#include "response/http_response.h"
#include "server/runtime.h"
#include "upstream/connection.h"
#include "upstream/deadline.h"
#include "upstream/usage.h"

namespace sr::server {

namespace net = boost::asio;
namespace http1 = parse::http1;
using tcp = net::ip::tcp;

class Server;
class AccessLog;
struct Watch;

//! How often each worker sweeps deadlines, starts client watchers and refreshes tick_now.
constexpr std::chrono::milliseconds kWorkerSweepPeriod{20};

struct Worker {
  explicit Worker(int id_, Server& server_)
      : id(id_), server(server_), ioc(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO), deadlines(), pool(), resolver(ioc.get_executor()), rng(0x5eed0000u + static_cast<uint32_t>(id_)) {}

  int id;
  Server& server;
  net::io_context ioc;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::thread thread;
  upstream::Deadlines deadlines;  // declared before everything holding an entry
  upstream::Pool pool;
  upstream::Resolver resolver;
  parse::RequestParser json;
  std::minstd_rand rng;
  parse::ChatRequest chat;  // reused: parse is synchronous, copied out before any await
  upstream::UsageParser usage;
  Watch* watches = nullptr;  // requests waiting on an upstream without a client watcher yet (pipeline.cc)
  // The runtime as this worker last saw it; refreshed when the server's generation moves.
  RuntimePtr runtime;
  uint64_t runtime_seen = 0;
  //! steady_clock as of the last sweep (at most kWorkerSweepPeriod old): for
  //! bookkeeping that needs no precision (pool idle ages, watcher start), so the
  //! request path does not read the clock for it.
  std::chrono::steady_clock::time_point tick_now = std::chrono::steady_clock::now();
};

//! One client connection as the pipeline sees it.
struct ClientConn {
  ClientConn(tcp::socket s, upstream::Deadlines& deadlines) : socket(std::move(s)) { deadlines.add(deadline, socket); }
  tcp::socket socket;
  upstream::Deadlines::Entry deadline;  //!< read/write deadline, enforced by the worker's sweep
  ByteBuffer in;        //!< received bytes; a pipelined next request waits here
  http1::Head head;     //!< the current request's head: views into `in`, valid until the handler's first co_await
  std::string body;     //!< the current request's body (storage reused across requests)
  std::string out;      //!< reusable response buffer
  std::string upstream_body;  //!< a whole upstream answer being relayed (storage reused)
  std::string upstream_head;  //!< the request head sent upstream (storage reused)
  std::string model_json;     //!< the upstream model name as a JSON string (storage reused)
  std::string upstream_ctype;  //!< the upstream answer's content type (storage reused)
  response::Headers response_headers;  //!< decision headers of the current answer (storage reused)
  bool http10 = false;  //!< HTTP/1.0 client: no chunked encoding
  bool head_only = false;  //!< a HEAD request: responses carry their head (and length) but no body
};

}  // namespace sr::server
