#pragma once
// A throwaway redis-server for tests (real Redis, not a mock): started on a
// free loopback port with no persistence, killed when the object goes away.
#include <hiredis/hiredis.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

extern char** environ;

namespace sr::testing {

using namespace std::chrono_literals;

inline constexpr const char* kRedis = "/usr/bin/redis-server";

inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// A throwaway redis-server: no persistence, loopback only.
class RedisProcess {
 public:
  explicit RedisProcess(int port) : port_(port) {
    const std::string p = std::to_string(port);
    const char* argv[] = {kRedis, "--port", p.c_str(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                          "--loglevel", "warning", nullptr};
    if (posix_spawn(&pid_, kRedis, nullptr, nullptr, const_cast<char**>(argv), environ) != 0) pid_ = -1;
    for (int i = 0; i < 300 && pid_ > 0; ++i) {  // up to 3 s to accept connections
      timeval tv{0, 100000};
      redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
      const bool up = c != nullptr && c->err == 0;
      if (c != nullptr) redisFree(c);
      if (up) return;
      std::this_thread::sleep_for(10ms);
    }
  }
  ~RedisProcess() { stop(); }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  bool running() const { return pid_ > 0; }
  // What Redis holds under the ledger's prefix (all keys summed), via its own connection.
  double stored_total() const {
    timeval tv{1, 0};
    redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
    double sum = 0;
    if (c != nullptr && c->err == 0) {
      auto* keys = static_cast<redisReply*>(redisCommand(c, "KEYS semrouter:spend:*"));
      for (size_t i = 0; keys != nullptr && i < keys->elements; ++i) {
        auto* v = static_cast<redisReply*>(redisCommand(c, "GET %s", keys->element[i]->str));
        if (v != nullptr && v->type == REDIS_REPLY_STRING) sum += std::stod(v->str);
        if (v != nullptr) freeReplyObject(v);
      }
      if (keys != nullptr) freeReplyObject(keys);
    }
    if (c != nullptr) redisFree(c);
    return sum;
  }

 private:
  int port_;
  pid_t pid_ = -1;
};

}  // namespace sr::testing
