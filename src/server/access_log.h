#pragma once
// Access log: one line per request, written by a background thread so a slow
// terminal or disk never blocks an event loop. Lines are dropped (and counted)
// only if more than 8 MiB are waiting.
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace sr::server {

class AccessLog {
 public:
  //! `target`: "stderr", "stdout", "off" or a file path (appended to).
  explicit AccessLog(const std::string& target);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  bool enabled() const { return out_ != nullptr; }
  //! Queues one line (a newline is added).
  void write(std::string_view line);
  //! Waits until everything queued so far is written.
  void flush();
  uint64_t dropped() const;

 private:
  void run();
  FILE* out_ = nullptr;
  bool owns_ = false;
  std::mutex mu_;  // guards pending_, stop_, dropped_, flushing_
  std::condition_variable cv_;
  std::condition_variable flushed_;
  std::string pending_;
  bool stop_ = false;
  bool writing_ = false;
  uint64_t dropped_ = 0;
  std::thread thread_;
};

}  // namespace sr::server
