#pragma once
// Streams lines from a file, gzip file (detected by content) or stdin ("-").
// Used by train/eval/classify so large inputs never sit in memory at once.
#include <string>

#include "base/result.h"

namespace sr::engine {

class LineReader {
 public:
  //! Opens `path` ("-" = stdin). Plain and gzip files both work.
  static Result<LineReader> open(const std::string& path);
  LineReader(LineReader&& other) noexcept;
  LineReader& operator=(LineReader&&) = delete;
  LineReader(const LineReader&) = delete;
  ~LineReader();

  //! Reads the next line without its '\n' (and '\r'); false at end of input.
  bool next(std::string& line);
  //! True when reading stopped because of a read/decompression error.
  bool failed() const { return failed_; }

 private:
  explicit LineReader(void* gz) : gz_(gz) {}
  void* gz_ = nullptr;  // gzFile; void* keeps zlib.h out of this header
  bool failed_ = false;
};

}  // namespace sr::engine
