#pragma once
// HTTP/1.1 message framing for the hot path: request and response heads parsed
// in place (views into the caller's buffer, no allocation), and an in-place
// chunked-body decoder. Replaces Beast's parser on both sides of the gateway:
// Beast allocates a node per header field and runs several composed operations
// per message, which was about a fifth of the router's user-space CPU per request.
//
// Strict where smuggling lives (Content-Length vs Transfer-Encoding, duplicate
// lengths, obs-fold, control characters), lenient where real clients differ
// (bare LF line ends, empty lines before a request line).
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sr::parse::http1 {

constexpr size_t kMaxHeaders = 100;

struct Header {
  std::string_view name;
  std::string_view value;
};

enum class Error {
  kNone,
  kIncomplete,         //!< a complete head is not in the buffer yet
  kHeaderTooLarge,     //!< no complete head within the limit
  kBadStartLine,       //!< malformed request line or status line
  kBadVersion,         //!< not HTTP/1.0 or HTTP/1.1
  kBadHeader,          //!< malformed field line (incl. obs-fold, control characters)
  kTooManyHeaders,     //!< more than kMaxHeaders fields
  kBadContentLength,   //!< not a decimal number, or conflicting values
  kBadTransferEncoding,//!< a coding we cannot frame, or Transfer-Encoding with Content-Length
  kBadChunk,           //!< malformed chunked body
  kBodyTooLarge,       //!< a body over the caller's limit (reported by the reader, not the parser)
};

//! `v` without leading and trailing spaces and tabs (RFC 9110 OWS), as field
//! values are stored in a Head.
std::string_view trim_ows(std::string_view v);

//! A short, person-readable reason for `e`.
const char* error_message(Error e);

//! A parsed request or response head. Views point into the parsed buffer and
//! live as long as those bytes do.
struct Head {
  // Request line.
  std::string_view method;
  std::string_view target;
  // Status line.
  int status = 0;
  std::string_view reason;

  int version_minor = 1;  //!< HTTP/1.<minor>
  Header headers[kMaxHeaders];
  size_t num_headers = 0;

  // Framing facts, derived once from the fields.
  int64_t content_length = -1;  //!< -1: no Content-Length field
  bool chunked = false;         //!< Transfer-Encoding ends in chunked
  bool keep_alive = true;       //!< Connection semantics with the version's default
  bool expect_continue = false; //!< Expect: 100-continue
  size_t size = 0;              //!< bytes of the head, blank line included

  //! The first field named `name` (ASCII case-insensitive), or an empty view.
  std::string_view get(std::string_view name) const;
  bool has(std::string_view name) const;
};

//! True if `buf` contains the end of a head (a blank line after the start line).
//! `from` lets a caller that appends bytes skip what it already scanned.
bool head_complete(std::string_view buf, size_t from = 0);

//! Parses a request head at the start of `buf`. kIncomplete while the head is
//! not all there and `buf` is within `limit` bytes; kHeaderTooLarge beyond.
Error parse_request(std::string_view buf, size_t limit, Head& out);

//! Parses a response head (status line + fields) at the start of `buf`.
Error parse_response(std::string_view buf, size_t limit, Head& out);

//! ASCII case-insensitive equality (field names, tokens). Inline: called per
//! field for every framing fact and lookup.
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x == y) continue;
    if ((x | 0x20) != (y | 0x20) || (x | 0x20) < 'a' || (x | 0x20) > 'z') return false;
  }
  return true;
}

//! Incremental chunked transfer-coding decoder. Feed it whatever bytes arrived;
//! it moves the payload bytes to the front of the same buffer and keeps its
//! place across calls, so partial chunk lines need no carry-over buffer.
class ChunkedDecoder {
 public:
  struct Step {
    size_t consumed = 0;  //!< input bytes used (all of them unless done or an error)
    size_t produced = 0;  //!< payload bytes now at data[0, produced)
    Error error = Error::kNone;
  };
  //! Decodes `data[0, n)` in place. Stops right after the last chunk's trailer
  //! section (bytes after it belong to the next message and are not consumed).
  Step decode(char* data, size_t n);
  bool done() const { return state_ == State::kDone; }
  void reset() { *this = ChunkedDecoder(); }

 private:
  enum class State { kSize, kExt, kSizeLf, kData, kDataCr, kDataLf, kTrailerStart, kTrailerLine, kTrailerLf, kDone };
  State state_ = State::kSize;
  uint64_t remaining_ = 0;
  int digits_ = 0;
};

}  // namespace sr::parse::http1
