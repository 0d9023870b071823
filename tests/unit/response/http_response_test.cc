#include "response/http_response.h"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace sr::response {
namespace {

TEST(HttpResponse, HeadWithLengthAndHeaders) {
  std::string out;
  Headers h;
  h.emplace_back("x-semrouter-model", "small");
  append_head(out, 200, "application/json", 12, true, h);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 12\r\nx-semrouter-model: small\r\n\r\n");
}

TEST(HttpResponse, ChunkedAndClose) {
  std::string out;
  append_head(out, 502, "text/event-stream", -1, false, {});
  EXPECT_NE(out.find("HTTP/1.1 502 Bad Gateway\r\n"), std::string::npos);
  EXPECT_NE(out.find("transfer-encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(out.find("connection: close\r\n"), std::string::npos);
  std::string c;
  append_chunk(c, "hello world, 26 bytes long");
  EXPECT_EQ(c, "1a\r\nhello world, 26 bytes long\r\n");
  std::string empty;
  append_chunk(empty, "");
  EXPECT_TRUE(empty.empty());  // an empty chunk would end the body
}

TEST(HttpResponse, ErrorBodyIsOpenAiShapedJson) {
  std::string b = error_body(ErrorCode::kUnknownModel, "model \"x\" is not configured");
  simdjson::dom::parser p;
  simdjson::dom::element e;
  ASSERT_FALSE(p.parse(b).get(e)) << b;
  EXPECT_EQ(std::string_view(e["error"]["message"]), "model \"x\" is not configured");
  EXPECT_EQ(std::string_view(e["error"]["type"]), "invalid_request_error");
  EXPECT_EQ(std::string_view(e["error"]["code"]), "unknown_model");
  EXPECT_TRUE(e["error"]["param"].is_null());
  EXPECT_NE(error_body(ErrorCode::kInternal, "").find("internal error"), std::string::npos);
}

}  // namespace
}  // namespace sr::response
