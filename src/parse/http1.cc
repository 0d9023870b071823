#include "parse/http1.h"

#include <algorithm>
#include <cstring>

namespace sr::parse::http1 {

std::string_view trim_ows(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

namespace {

// Character classes as tables: these run for every byte of every head.
struct CharTables {
  bool tchar[256] = {};  // RFC 9110 tchar
  bool value[256] = {};  // field-value bytes: VCHAR, obs-text, SP, HT
  constexpr CharTables() {
    for (int c = 0; c < 256; ++c) {
      bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      tchar[c] = alnum;
      value[c] = c == '\t' || (c >= 0x20 && c != 0x7f);
    }
    for (char c : {'!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~'})
      tchar[static_cast<unsigned char>(c)] = true;
  }
};
constexpr CharTables kChars;

constexpr bool is_tchar(unsigned char c) { return kChars.tchar[c]; }
// Anything outside field-value bytes (NUL, a lone CR, other controls) is how
// header injection and smuggling attempts look.
constexpr bool is_value_char(unsigned char c) { return kChars.value[c]; }


// One line starting at `pos`: its content without CR LF (or bare LF). False when
// the line end has not arrived yet.
bool next_line(std::string_view buf, size_t& pos, std::string_view& line) {
  const void* nl = std::memchr(buf.data() + pos, '\n', buf.size() - pos);
  if (!nl) return false;
  size_t end = static_cast<size_t>(static_cast<const char*>(nl) - buf.data());
  size_t stop = end;
  if (stop > pos && buf[stop - 1] == '\r') --stop;
  line = buf.substr(pos, stop - pos);
  pos = end + 1;
  return true;
}

bool parse_version(std::string_view v, int& minor) {
  if (v.size() != 8 || v.substr(0, 7) != "HTTP/1.") return false;
  if (v[7] != '0' && v[7] != '1') return false;
  minor = v[7] - '0';
  return true;
}

// Calls f(token) for each comma-separated, OWS-trimmed, non-empty list element.
template <class F>
void for_each_token(std::string_view v, F&& f) {
  while (!v.empty()) {
    size_t c = v.find(',');
    std::string_view t = trim_ows(v.substr(0, c));
    if (!t.empty()) f(t);
    if (c == std::string_view::npos) break;
    v.remove_prefix(c + 1);
  }
}

// Fields after the start line, then the framing facts derived from them.
Error parse_fields(std::string_view buf, size_t pos, size_t limit, bool request, Head& out) {
  out.num_headers = 0;
  for (;;) {
    std::string_view line;
    if (!next_line(buf, pos, line)) return buf.size() >= limit ? Error::kHeaderTooLarge : Error::kIncomplete;
    if (pos > limit) return Error::kHeaderTooLarge;
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') return Error::kBadHeader;  // obs-fold
    size_t colon = 0;
    while (colon < line.size() && is_tchar(static_cast<unsigned char>(line[colon]))) ++colon;
    if (colon == 0 || colon == line.size() || line[colon] != ':') return Error::kBadHeader;
    std::string_view value = line.substr(colon + 1);
    for (char c : value)
      if (!is_value_char(static_cast<unsigned char>(c))) return Error::kBadHeader;
    if (out.num_headers == kMaxHeaders) return Error::kTooManyHeaders;
    out.headers[out.num_headers++] = Header{line.substr(0, colon), trim_ows(value)};
  }
  out.size = pos;

  out.content_length = -1;
  out.chunked = false;
  out.expect_continue = false;
  out.keep_alive = out.version_minor >= 1;
  bool has_te = false, te_last_chunked = false;
  for (size_t i = 0; i < out.num_headers; ++i) {
    const Header& h = out.headers[i];
    if (iequals(h.name, "content-length")) {
      if (h.value.empty() || h.value.size() > 18) return Error::kBadContentLength;
      int64_t n = 0;
      for (char c : h.value) {
        if (c < '0' || c > '9') return Error::kBadContentLength;
        n = n * 10 + (c - '0');
      }
      if (out.content_length >= 0 && out.content_length != n) return Error::kBadContentLength;
      out.content_length = n;
    } else if (iequals(h.name, "transfer-encoding")) {
      has_te = true;
      for_each_token(h.value, [&](std::string_view t) { te_last_chunked = iequals(t, "chunked"); });
    } else if (iequals(h.name, "connection")) {
      for_each_token(h.value, [&](std::string_view t) {
        if (iequals(t, "close")) out.keep_alive = false;
        else if (iequals(t, "keep-alive") && out.version_minor == 0) out.keep_alive = true;
      });
    } else if (request && iequals(h.name, "expect")) {
      out.expect_continue = iequals(h.value, "100-continue");
    }
  }
  if (has_te) {
    if (request) {
      // A request body we cannot delimit, or two delimiters that disagree: the
      // classic request-smuggling shapes. Refuse instead of guessing.
      if (!te_last_chunked || out.content_length >= 0) return Error::kBadTransferEncoding;
      out.chunked = true;
    } else {
      // RFC 9112 6.3: Transfer-Encoding overrides Content-Length; a body not
      // ending in chunked runs to the end of the connection.
      const bool had_length = out.content_length >= 0;
      out.content_length = -1;
      out.chunked = te_last_chunked;
      if (!te_last_chunked || had_length) out.keep_alive = false;
    }
  }
  return Error::kNone;
}

}  // namespace

const char* error_message(Error e) {
  switch (e) {
    case Error::kNone: return "no error";
    case Error::kIncomplete: return "incomplete message head";
    case Error::kHeaderTooLarge: return "message head too large";
    case Error::kBadStartLine: return "malformed start line";
    case Error::kBadVersion: return "unsupported HTTP version (need HTTP/1.0 or HTTP/1.1)";
    case Error::kBadHeader: return "malformed header field";
    case Error::kTooManyHeaders: return "too many header fields";
    case Error::kBadContentLength: return "invalid or conflicting Content-Length";
    case Error::kBadTransferEncoding: return "unsupported Transfer-Encoding (or with Content-Length)";
    case Error::kBadChunk: return "malformed chunked body";
    case Error::kBodyTooLarge: return "message body too large";
  }
  return "unknown error";
}

std::string_view Head::get(std::string_view name) const {
  for (size_t i = 0; i < num_headers; ++i)
    if (iequals(headers[i].name, name)) return headers[i].value;
  return {};
}

bool Head::has(std::string_view name) const {
  for (size_t i = 0; i < num_headers; ++i)
    if (iequals(headers[i].name, name)) return true;
  return false;
}

bool head_complete(std::string_view buf, size_t from) {
  // A head ends at "\n\r\n" or "\n\n"; back up so a terminator split across
  // two appends is still seen.
  size_t i = from >= 2 ? from - 2 : 0;
  while (i < buf.size()) {
    const void* nl = std::memchr(buf.data() + i, '\n', buf.size() - i);
    if (!nl) return false;
    size_t p = static_cast<size_t>(static_cast<const char*>(nl) - buf.data());
    if (p + 1 < buf.size() && buf[p + 1] == '\n') return true;
    if (p + 2 < buf.size() && buf[p + 1] == '\r' && buf[p + 2] == '\n') return true;
    i = p + 1;
  }
  return false;
}

Error parse_request(std::string_view buf, size_t limit, Head& out) {
  size_t pos = 0;
  std::string_view line;
  // RFC 9112 2.2: ignore empty lines before the request line (a few of them).
  for (int skipped = 0;; ++skipped) {
    if (!next_line(buf, pos, line)) return buf.size() >= limit ? Error::kHeaderTooLarge : Error::kIncomplete;
    if (!line.empty()) break;
    if (skipped == 4) return Error::kBadStartLine;
  }
  if (pos > limit) return Error::kHeaderTooLarge;
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return Error::kBadStartLine;
  for (size_t i = 0; i < sp1; ++i)
    if (!is_tchar(static_cast<unsigned char>(line[i]))) return Error::kBadStartLine;
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return Error::kBadStartLine;
  for (size_t i = sp1 + 1; i < sp2; ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if (c <= 0x20 || c == 0x7f) return Error::kBadStartLine;
  }
  out.method = line.substr(0, sp1);
  out.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  out.status = 0;
  out.reason = {};
  std::string_view version = line.substr(sp2 + 1);
  if (version.substr(0, 5) != "HTTP/") return Error::kBadStartLine;
  if (!parse_version(version, out.version_minor)) return Error::kBadVersion;
  return parse_fields(buf, pos, limit, true, out);
}

Error parse_response(std::string_view buf, size_t limit, Head& out) {
  size_t pos = 0;
  std::string_view line;
  if (!next_line(buf, pos, line)) return buf.size() >= limit ? Error::kHeaderTooLarge : Error::kIncomplete;
  if (pos > limit) return Error::kHeaderTooLarge;
  // HTTP/1.x SP 3DIGIT [SP reason]
  if (line.size() < 12 || line[8] != ' ') return Error::kBadStartLine;
  if (!parse_version(line.substr(0, 8), out.version_minor)) return Error::kBadVersion;
  int status = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return Error::kBadStartLine;
    status = status * 10 + (line[i] - '0');
  }
  if (status < 100 || (line.size() > 12 && line[12] != ' ')) return Error::kBadStartLine;
  std::string_view reason = line.size() > 13 ? line.substr(13) : std::string_view();
  for (char c : reason)
    if (!is_value_char(static_cast<unsigned char>(c))) return Error::kBadStartLine;
  out.status = status;
  out.reason = reason;
  out.method = out.target = {};
  return parse_fields(buf, pos, limit, false, out);
}

ChunkedDecoder::Step ChunkedDecoder::decode(char* data, size_t n) {
  Step st;
  size_t i = 0, o = 0;
  auto fail = [&] {
    st.consumed = i;
    st.produced = o;
    st.error = Error::kBadChunk;
    return st;
  };
  auto after_size = [&] {
    digits_ = 0;
    state_ = remaining_ == 0 ? State::kTrailerStart : State::kData;
  };
  while (i < n && state_ != State::kDone) {
    const char c = data[i];
    switch (state_) {
      case State::kSize: {
        int v = -1;
        if (c >= '0' && c <= '9') v = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') v = (c | 0x20) - 'a' + 10;
        if (v >= 0) {
          if (++digits_ > 15) return fail();  // 2^60 bytes: not a real chunk
          remaining_ = remaining_ * 16 + static_cast<uint64_t>(v);
        } else if (digits_ == 0) {
          return fail();
        } else if (c == ';' || c == ' ' || c == '\t') {
          state_ = State::kExt;
        } else if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (c == '\n') {
          after_size();
        } else {
          return fail();
        }
        ++i;
        break;
      }
      case State::kExt:
        if (c == '\r') state_ = State::kSizeLf;
        else if (c == '\n') after_size();
        ++i;
        break;
      case State::kSizeLf:
        if (c != '\n') return fail();
        after_size();
        ++i;
        break;
      case State::kData: {
        size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, n - i));
        if (o != i) std::memmove(data + o, data + i, take);
        o += take;
        i += take;
        remaining_ -= take;
        if (remaining_ == 0) state_ = State::kDataCr;
        break;
      }
      case State::kDataCr:
        if (c == '\r') state_ = State::kDataLf;
        else if (c == '\n') state_ = State::kSize;
        else return fail();
        ++i;
        break;
      case State::kDataLf:
        if (c != '\n') return fail();
        state_ = State::kSize;
        ++i;
        break;
      case State::kTrailerStart:
        if (c == '\r') state_ = State::kTrailerLf;
        else if (c == '\n') state_ = State::kDone;
        else state_ = State::kTrailerLine;
        ++i;
        break;
      case State::kTrailerLine:
        if (c == '\n') state_ = State::kTrailerStart;
        ++i;
        break;
      case State::kTrailerLf:
        if (c != '\n') return fail();
        state_ = State::kDone;
        ++i;
        break;
      case State::kDone:
        break;
    }
  }
  st.consumed = i;
  st.produced = o;
  return st;
}

}  // namespace sr::parse::http1
