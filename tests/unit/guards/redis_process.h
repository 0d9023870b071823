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
#include <vector>
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
  //! `extra`: more redis-server options, e.g. {"--requirepass", "pw"}.
  explicit RedisProcess(int port, std::vector<std::string> extra = {}) : port_(port) {
    const std::string p = std::to_string(port);
    std::vector<const char*> argv = {kRedis, "--port", p.c_str(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                     "--loglevel", "warning"};
    for (size_t i = 0; i < extra.size(); ++i) {
      argv.push_back(extra[i].c_str());
      if (extra[i] == "--requirepass" && i + 1 < extra.size()) password_ = extra[i + 1];
    }
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, kRedis, nullptr, nullptr, const_cast<char**>(argv.data()), environ) != 0) pid_ = -1;
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
  // Runs one command on a connection of its own; the reply as text (integers
  // as decimal), "" for none.
  std::string command(const char* cmd) const {
    redisContext* c = connect();
    std::string out;
    if (c != nullptr && c->err == 0) {
      auto* r = static_cast<redisReply*>(redisCommand(c, cmd));
      if (r != nullptr && r->type == REDIS_REPLY_INTEGER) out = std::to_string(r->integer);
      else if (r != nullptr && r->str != nullptr) out = std::string(r->str, r->len);
      if (r != nullptr) freeReplyObject(r);
    }
    if (c != nullptr) redisFree(c);
    return out;
  }
  // Freezes / resumes the server (a hung Redis: connections stay open, nothing answers).
  void pause() const { ::kill(pid_, SIGSTOP); }
  void resume() const { ::kill(pid_, SIGCONT); }
  // The spend Redis holds under the ledger's prefix: every instance's field of
  // every key, summed.
  double stored_total() const {
    redisContext* c = connect();
    double sum = 0;
    if (c != nullptr && c->err == 0) {
      auto* keys = static_cast<redisReply*>(redisCommand(c, "KEYS semrouter:spend:*"));
      for (size_t i = 0; keys != nullptr && i < keys->elements; ++i) {
        auto* v = static_cast<redisReply*>(redisCommand(c, "HVALS %s", keys->element[i]->str));
        for (size_t j = 0; v != nullptr && j < v->elements; ++j) sum += std::stod(v->element[j]->str);
        if (v != nullptr) freeReplyObject(v);
      }
      if (keys != nullptr) freeReplyObject(keys);
    }
    if (c != nullptr) redisFree(c);
    return sum;
  }

 private:
  // A connection of its own, authenticated when the server has a password.
  redisContext* connect() const {
    timeval tv{1, 0};
    redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
    if (c != nullptr && c->err == 0 && !password_.empty()) {
      auto* r = static_cast<redisReply*>(redisCommand(c, "AUTH %s", password_.c_str()));
      if (r != nullptr) freeReplyObject(r);
    }
    return c;
  }
  int port_;
  pid_t pid_ = -1;
  std::string password_;
};

}  // namespace sr::testing
