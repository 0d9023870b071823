#pragma once
// A growable byte buffer with a read position, for socket input: bytes arrive at
// the end, parsed messages leave from the front. Storage is kept across messages
// (one allocation per connection in the steady state) and never zero-filled.
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace sr {

class ByteBuffer {
 public:
  ByteBuffer() = default;
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;

  const char* data() const { return data_.get() + begin_; }
  char* data() { return data_.get() + begin_; }
  size_t size() const { return end_ - begin_; }
  bool empty() const { return end_ == begin_; }
  std::string_view view() const { return {data(), size()}; }

  //! Drops `n` bytes from the front. Their memory stays untouched until the
  //! next prepare(), so views into them survive until then.
  void consume(size_t n) {
    begin_ += n < size() ? n : size();
    if (begin_ == end_) begin_ = end_ = 0;
  }
  //! Room for at least `n` more bytes at the end; moves unread bytes to the
  //! front or reallocates when needed (which invalidates earlier views).
  char* prepare(size_t n) {
    if (cap_ - end_ >= n) return data_.get() + end_;
    const size_t live = size();
    if (begin_ > 0 && cap_ - live >= n) {
      std::memmove(data_.get(), data_.get() + begin_, live);
    } else {
      size_t cap = cap_ ? cap_ : 4096;
      while (cap - live < n) cap *= 2;
      std::unique_ptr<char[]> bigger(new char[cap]);
      if (live) std::memcpy(bigger.get(), data_.get() + begin_, live);
      data_ = std::move(bigger);
      cap_ = cap;
    }
    begin_ = 0;
    end_ = live;
    return data_.get() + end_;
  }
  //! Marks `n` bytes written after prepare() as received.
  void commit(size_t n) { end_ += n; }
  //! Keeps only the first `n` unread bytes (n <= size()).
  void resize(size_t n) { end_ = begin_ + (n < size() ? n : size()); }
  //! Writable bytes after the end without moving anything.
  size_t spare() const { return cap_ - end_; }
  void append(const char* p, size_t n) {
    std::memcpy(prepare(n), p, n);
    commit(n);
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t cap_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace sr
