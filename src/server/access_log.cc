#include "server/access_log.h"

namespace sr::server {

AccessLog::AccessLog(const std::string& target) {
  if (target == "off" || target.empty()) return;
  if (target == "stderr") out_ = stderr;
  else if (target == "stdout") out_ = stdout;
  else {
    out_ = std::fopen(target.c_str(), "a");
    owns_ = out_ != nullptr;
    if (!out_) {
      std::fprintf(stderr, "semrouter: cannot open access log %s; logging to stderr\n", target.c_str());
      out_ = stderr;
    }
  }
  thread_ = std::thread([this] { run(); });
}

AccessLog::~AccessLog() {
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  if (owns_) std::fclose(out_);
}

void AccessLog::write(std::string_view line) {
  if (!out_) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_.size() > (8u << 20)) {
      ++dropped_;
      return;
    }
    pending_.append(line);
    pending_.push_back('\n');
  }
  cv_.notify_one();
}

void AccessLog::flush() {
  if (!out_) return;
  std::unique_lock<std::mutex> lock(mu_);
  flushed_.wait(lock, [&] { return pending_.empty() && !writing_; });
}

uint64_t AccessLog::dropped() const {
  std::lock_guard<std::mutex> lock(const_cast<std::mutex&>(mu_));
  return dropped_;
}

void AccessLog::run() {
  std::string batch;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || !pending_.empty(); });
    if (pending_.empty() && stop_) break;
    batch.swap(pending_);
    writing_ = true;
    lock.unlock();
    std::fwrite(batch.data(), 1, batch.size(), out_);
    std::fflush(out_);
    batch.clear();
    lock.lock();
    writing_ = false;
    flushed_.notify_all();
  }
}

}  // namespace sr::server
