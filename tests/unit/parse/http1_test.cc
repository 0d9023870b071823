#include "parse/http1.h"

#include <string>

#include <gtest/gtest.h>

namespace sr::parse::http1 {
namespace {

Error req(std::string_view s, Head& h, size_t limit = 8192) { return parse_request(s, limit, h); }
Error resp(std::string_view s, Head& h, size_t limit = 8192) { return parse_response(s, limit, h); }

TEST(Http1Request, ParsesLineFieldsAndFraming) {
  std::string s =
      "POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type:application/json \r\n"
      "content-length: 12\r\nX-Semrouter-Debug:  1\r\n\r\n{\"model\":1}";
  Head h;
  ASSERT_EQ(req(s, h), Error::kNone);
  EXPECT_EQ(h.method, "POST");
  EXPECT_EQ(h.target, "/v1/chat/completions?x=1");
  EXPECT_EQ(h.version_minor, 1);
  EXPECT_EQ(h.num_headers, 4u);
  EXPECT_EQ(h.get("content-type"), "application/json");  // OWS trimmed
  EXPECT_EQ(h.get("x-semrouter-debug"), "1");
  EXPECT_EQ(h.get("missing"), "");
  EXPECT_FALSE(h.has("missing"));
  EXPECT_EQ(h.content_length, 12);
  EXPECT_FALSE(h.chunked);
  EXPECT_TRUE(h.keep_alive);
  EXPECT_EQ(h.size, s.find("{"));
}

TEST(Http1Request, IncompleteUntilTheBlankLine) {
  std::string full = "GET /health HTTP/1.1\r\nHost: a\r\n\r\n";
  Head h;
  for (size_t n = 0; n < full.size(); ++n) {
    EXPECT_EQ(req(full.substr(0, n), h), Error::kIncomplete) << n;
    EXPECT_FALSE(head_complete(full.substr(0, n))) << n;
  }
  EXPECT_TRUE(head_complete(full));
  EXPECT_EQ(req(full, h), Error::kNone);
}

TEST(Http1Request, HeadCompleteSeesATerminatorSplitAcrossAppends) {
  std::string s = "GET / HTTP/1.1\r\nA: b\r\n";
  EXPECT_FALSE(head_complete(s));
  size_t scanned = s.size();
  s += "\r\n";
  EXPECT_TRUE(head_complete(s, scanned));
  EXPECT_TRUE(head_complete("GET / HTTP/1.1\nA: b\n\n", 10));  // bare LF
}

TEST(Http1Request, BareLfAndLeadingEmptyLinesAreAccepted) {
  Head h;
  ASSERT_EQ(req("\r\n\r\nGET / HTTP/1.0\nHost: x\n\n", h), Error::kNone);
  EXPECT_EQ(h.version_minor, 0);
  EXPECT_FALSE(h.keep_alive);  // HTTP/1.0 default
  EXPECT_EQ(h.get("host"), "x");
}

TEST(Http1Request, ConnectionTokens) {
  Head h;
  ASSERT_EQ(req("GET / HTTP/1.1\r\nConnection: Upgrade, close\r\n\r\n", h), Error::kNone);
  EXPECT_FALSE(h.keep_alive);
  ASSERT_EQ(req("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", h), Error::kNone);
  EXPECT_TRUE(h.keep_alive);
  ASSERT_EQ(req("POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n", h), Error::kNone);
  EXPECT_TRUE(h.expect_continue);
}

TEST(Http1Request, MalformedStartLines) {
  Head h;
  for (const char* bad : {"GET\r\n\r\n", "GET /\r\n\r\n", " GET / HTTP/1.1\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n",
                          "G(T / HTTP/1.1\r\n\r\n", "GET /a\x01 HTTP/1.1\r\n\r\n", "GET / FTP/1.1\r\n\r\n",
                          "GET / HTTP/1.1 extra\r\n\r\n"})
    EXPECT_NE(req(bad, h), Error::kNone) << bad;
  EXPECT_EQ(req("GET / HTTP/2.0\r\n\r\n", h), Error::kBadVersion);
  EXPECT_EQ(req("GET / HTTP/1.9\r\n\r\n", h), Error::kBadVersion);
  EXPECT_EQ(req("\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n", h), Error::kBadStartLine);
}

TEST(Http1Request, MalformedFields) {
  Head h;
  EXPECT_EQ(req("GET / HTTP/1.1\r\nNoColon\r\n\r\n", h), Error::kBadHeader);
  EXPECT_EQ(req("GET / HTTP/1.1\r\n: empty-name\r\n\r\n", h), Error::kBadHeader);
  EXPECT_EQ(req("GET / HTTP/1.1\r\nName : space-before-colon\r\n\r\n", h), Error::kBadHeader);
  EXPECT_EQ(req("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", h), Error::kBadHeader);
  EXPECT_EQ(req(std::string("GET / HTTP/1.1\r\nA: b\0c\r\n\r\n", 27), h), Error::kBadHeader);
  EXPECT_EQ(req("GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", h), Error::kBadHeader);
}

TEST(Http1Request, SmugglingShapesAreRefused) {
  Head h;
  EXPECT_EQ(req("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", h), Error::kBadContentLength);
  EXPECT_EQ(req("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", h), Error::kNone);
  EXPECT_EQ(req("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", h), Error::kBadContentLength);
  EXPECT_EQ(req("POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n", h), Error::kBadContentLength);
  EXPECT_EQ(req("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", h), Error::kBadContentLength);
  EXPECT_EQ(req("POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", h), Error::kBadContentLength);
  EXPECT_EQ(req("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", h),
            Error::kBadTransferEncoding);
  EXPECT_EQ(req("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", h), Error::kBadTransferEncoding);
  EXPECT_EQ(req("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", h), Error::kBadTransferEncoding);
  ASSERT_EQ(req("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n", h), Error::kNone);
  EXPECT_TRUE(h.chunked);
}

TEST(Http1Request, LimitsAndFieldCount) {
  Head h;
  std::string big = "GET / HTTP/1.1\r\nA: " + std::string(200, 'x') + "\r\n\r\n";
  EXPECT_EQ(req(big, h, 100), Error::kHeaderTooLarge);
  EXPECT_EQ(req(big.substr(0, 150), h, 100), Error::kHeaderTooLarge);  // incomplete but over the limit
  EXPECT_EQ(req(big.substr(0, 50), h, 100), Error::kIncomplete);
  EXPECT_EQ(req(big, h, 1000), Error::kNone);
  std::string many = "GET / HTTP/1.1\r\n";
  for (size_t i = 0; i <= kMaxHeaders; ++i) many += "h" + std::to_string(i) + ": v\r\n";
  many += "\r\n";
  EXPECT_EQ(req(many, h, 1 << 20), Error::kTooManyHeaders);
}

TEST(Http1Request, PipelinedBytesAreNotPartOfTheHead) {
  std::string s = "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
  Head h;
  ASSERT_EQ(req(s, h), Error::kNone);
  EXPECT_EQ(h.target, "/a");
  ASSERT_EQ(req(std::string_view(s).substr(h.size), h), Error::kNone);
  EXPECT_EQ(h.target, "/b");
}

TEST(Http1Response, StatusLineAndFraming) {
  Head h;
  ASSERT_EQ(resp("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n", h),
            Error::kNone);
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.reason, "OK");
  EXPECT_TRUE(h.chunked);
  EXPECT_TRUE(h.keep_alive);
  ASSERT_EQ(resp("HTTP/1.1 429\r\nContent-Length: 0\r\n\r\n", h), Error::kNone);  // no reason phrase
  EXPECT_EQ(h.status, 429);
  EXPECT_EQ(h.content_length, 0);
  ASSERT_EQ(resp("HTTP/1.0 200 OK\r\n\r\n", h), Error::kNone);
  EXPECT_FALSE(h.keep_alive);
  EXPECT_EQ(h.content_length, -1);
  // Transfer-Encoding wins over Content-Length, and the connection is not reused.
  ASSERT_EQ(resp("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", h), Error::kNone);
  EXPECT_TRUE(h.chunked);
  EXPECT_EQ(h.content_length, -1);
  EXPECT_FALSE(h.keep_alive);
  // A coding we cannot frame: read to the end of the connection.
  ASSERT_EQ(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", h), Error::kNone);
  EXPECT_FALSE(h.chunked);
  EXPECT_FALSE(h.keep_alive);
}

TEST(Http1Response, MalformedStatusLines) {
  Head h;
  for (const char* bad : {"HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1  200 OK\r\n\r\n",
                          "HTTP/1.1 abc\r\n\r\n", "ICY 200 OK\r\n\r\n", "HTTP/1.1 099 X\r\n\r\n", "HTTP/1.1\r\n\r\n"})
    EXPECT_NE(resp(bad, h), Error::kNone) << bad;
  EXPECT_EQ(resp("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", h), Error::kBadContentLength);
  EXPECT_EQ(resp("HTTP/1.1 200 OK\r\nContent-Le", h), Error::kIncomplete);
}

std::string decode_all(ChunkedDecoder& d, std::string in, size_t piece, Error* err = nullptr, size_t* consumed = nullptr) {
  std::string out;
  size_t used = 0;
  for (size_t at = 0; at < in.size() && !d.done();) {
    size_t n = std::min(piece, in.size() - at);
    std::string chunk = in.substr(at, n);
    auto st = d.decode(chunk.data(), chunk.size());
    out.append(chunk.data(), st.produced);
    used += st.consumed;
    at += st.consumed;
    if (st.error != Error::kNone) {
      if (err) *err = st.error;
      break;
    }
    if (st.consumed < n && !d.done()) break;
  }
  if (consumed) *consumed = used;
  return out;
}

TEST(Http1Chunked, DecodesInAnyPieceSize) {
  const std::string body = "5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nNEXT";
  for (size_t piece : {1u, 2u, 3u, 7u, 16u, 1000u}) {
    ChunkedDecoder d;
    size_t consumed = 0;
    Error err = Error::kNone;
    EXPECT_EQ(decode_all(d, body, piece, &err, &consumed), "hello 0123456789") << piece;
    EXPECT_EQ(err, Error::kNone);
    EXPECT_TRUE(d.done()) << piece;
    EXPECT_EQ(consumed, body.size() - 4) << piece;  // "NEXT" is the next message
  }
}

TEST(Http1Chunked, BareLfAndUppercaseHex) {
  ChunkedDecoder d;
  EXPECT_EQ(decode_all(d, "B\nhello world\n0\n\n", 4), "hello world");
  EXPECT_TRUE(d.done());
}

TEST(Http1Chunked, RejectsMalformedFraming) {
  for (const char* bad : {"x\r\n", "\r\n", "5\r\nhelloXX", "5\r\nhello\rX", "5\rX", "0\r\n\rX",
                          "1234567890abcdef0\r\n"}) {
    ChunkedDecoder d;
    Error err = Error::kNone;
    decode_all(d, bad, 3, &err);
    EXPECT_EQ(err, Error::kBadChunk) << bad;
    EXPECT_FALSE(d.done());
  }
}

TEST(Http1Chunked, NotDoneUntilTheLastChunk) {
  ChunkedDecoder d;
  EXPECT_EQ(decode_all(d, "3\r\nabc\r\n", 100), "abc");
  EXPECT_FALSE(d.done());
  d.reset();
  EXPECT_EQ(decode_all(d, "0\r\n\r\n", 100), "");
  EXPECT_TRUE(d.done());
}

}  // namespace
}  // namespace sr::parse::http1

namespace sr::parse::http1 {
namespace {
TEST(Http1Iequals, AsciiLettersOnlyFoldCase) {
  EXPECT_TRUE(iequals("Content-Length", "content-length"));
  EXPECT_TRUE(iequals("X-SEMROUTER-DEBUG", "x-semrouter-debug"));
  EXPECT_FALSE(iequals("a@", "a`"));  // 0x40 vs 0x60 differ only in the case bit, but are not letters
  EXPECT_FALSE(iequals("[", "{"));
  EXPECT_FALSE(iequals("abc", "abcd"));
  EXPECT_TRUE(iequals("", ""));
}
}  // namespace
}  // namespace sr::parse::http1

namespace sr::parse::http1 {
namespace {

// Deterministic mutation fuzzing: whatever the bytes, the parsers never read
// outside the buffer, every view they return lies inside it, and the chunked
// decoder never produces more than it consumed.
TEST(Http1Fuzz, MutatedMessagesStayInBounds) {
  const std::string seeds[] = {
      "POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nhello",
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
      "GET / HTTP/1.0\nConnection: keep-alive\nExpect: 100-continue\n\n"};
  uint64_t x = 0x9e3779b97f4a7c15ull;
  auto rnd = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  const char alphabet[] = "\r\n :;,-0123456789abcdefABCDEF\t\x01\x7f\x80HTTP/1.";
  auto inside = [](std::string_view v, const std::string& buf) {
    return v.empty() || (v.data() >= buf.data() && v.data() + v.size() <= buf.data() + buf.size());
  };
  int parsed = 0, rejected = 0;
  for (int iter = 0; iter < 60000; ++iter) {
    std::string buf = seeds[rnd() % 3];
    for (int k = 1 + static_cast<int>(rnd() % 6); k > 0; --k) {
      size_t pos = buf.empty() ? 0 : rnd() % buf.size();
      switch (rnd() % 4) {
        case 0: if (!buf.empty()) buf[pos] = alphabet[rnd() % (sizeof alphabet - 1)]; break;
        case 1: buf.insert(pos, 1, alphabet[rnd() % (sizeof alphabet - 1)]); break;
        case 2: if (!buf.empty()) buf.erase(pos, 1 + rnd() % 4); break;
        case 3: buf.resize(pos); break;
      }
    }
    Head h;
    for (bool request : {true, false}) {
      Error e = request ? parse_request(buf, 256, h) : parse_response(buf, 256, h);
      if (e != Error::kNone) {
        ++rejected;
        continue;
      }
      ++parsed;
      ASSERT_LE(h.size, buf.size());
      ASSERT_TRUE(inside(h.method, buf) && inside(h.target, buf) && inside(h.reason, buf));
      for (size_t i = 0; i < h.num_headers; ++i)
        ASSERT_TRUE(inside(h.headers[i].name, buf) && inside(h.headers[i].value, buf));
      ASSERT_FALSE(h.chunked && h.content_length >= 0 && request);
    }
    ChunkedDecoder d;
    std::string body = buf;
    auto st = d.decode(body.data(), body.size());
    ASSERT_LE(st.consumed, body.size());
    ASSERT_LE(st.produced, st.consumed);
  }
  // Both outcomes must be common, or the mutations are not exploring anything.
  EXPECT_GT(parsed, 5000);
  EXPECT_GT(rejected, 5000);
}

}  // namespace
}  // namespace sr::parse::http1
