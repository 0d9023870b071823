#include "engine/line_reader.h"

#include <unistd.h>
#include <zlib.h>

#include <cstring>

namespace sr::engine {

Result<LineReader> LineReader::open(const std::string& path) {
  // gzopen/gzdopen read plain files transparently, so one code path serves both.
  gzFile gz = path == "-" ? gzdopen(dup(STDIN_FILENO), "rb") : gzopen(path.c_str(), "rb");
  if (gz == nullptr) return fail(ErrorCode::kIo, path + ": cannot open: " + std::strerror(errno));
  gzbuffer(gz, 1 << 17);
  return LineReader(gz);
}

LineReader::LineReader(LineReader&& other) noexcept : gz_(other.gz_), failed_(other.failed_) { other.gz_ = nullptr; }

LineReader::~LineReader() {
  if (gz_ != nullptr) gzclose(static_cast<gzFile>(gz_));
}

bool LineReader::next(std::string& line) {
  line.clear();
  if (gz_ == nullptr) return false;
  auto gz = static_cast<gzFile>(gz_);
  char buf[1 << 16];
  bool got = false;
  while (gzgets(gz, buf, sizeof buf) != nullptr) {
    got = true;
    const size_t n = std::strlen(buf);  // a NUL byte inside a line truncates that piece; acceptable for text input
    line.append(buf, n);
    if (n > 0 && buf[n - 1] == '\n') break;
  }
  if (!got) {
    int err = 0;
    gzerror(gz, &err);
    if (err != Z_OK && err != Z_STREAM_END) failed_ = true;
    return false;
  }
  if (!line.empty() && line.back() == '\n') line.pop_back();
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

}  // namespace sr::engine
