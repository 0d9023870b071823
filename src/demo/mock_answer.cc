#include "demo/mock_answer.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace sr::demo {
namespace {

constexpr size_t kEchoCodepoints = 48;
constexpr std::string_view kFiller = "lorem ipsum dolor sit amet consectetur adipiscing elit ";

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

size_t count_codepoints(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return !is_continuation(c); }));
}

// Byte length of the first n code points of s (never cuts a UTF-8 sequence).
size_t prefix_bytes(std::string_view s, size_t n) {
  size_t i = 0;
  while (i < s.size() && n > 0) {
    ++i;
    while (i < s.size() && is_continuation(static_cast<unsigned char>(s[i]))) ++i;
    --n;
  }
  return i;
}

std::string collapse_whitespace(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string quote(std::string_view s) { return nlohmann::json(std::string(s)).dump(); }

// Shared head of every chunk event; `choices` and the tail vary.
std::string chunk_prefix(const MockAnswer& a) {
  std::string s = "data: {\"id\":" + quote(a.id) + ",\"object\":\"chat.completion.chunk\",\"created\":" +
                  std::to_string(a.created) + ",\"model\":" + quote(a.model) +
                  ",\"system_fingerprint\":\"fp_mock\",\"choices\":";
  return s;
}

std::string usage_object(const MockAnswer& a) {
  return "{\"prompt_tokens\":" + std::to_string(a.prompt_tokens) +
         ",\"completion_tokens\":" + std::to_string(a.completion_tokens) +
         ",\"total_tokens\":" + std::to_string(a.prompt_tokens + a.completion_tokens) + "}";
}

// OpenAI puts "usage":null on every chunk when include_usage is on, and the
// usage only on the last, choice-less chunk; clients rely on that shape.
std::string chunk_suffix(bool include_usage) { return include_usage ? ",\"usage\":null}\n\n" : "}\n\n"; }

}  // namespace

std::string MockAnswer::content() const {
  std::string s;
  for (const auto& p : pieces) s += p;
  return s;
}

MockAnswer make_answer(std::string_view name, std::string_view prompt, size_t prompt_chars,
                       const MockBehavior& behavior, uint64_t serial, int64_t created) {
  MockAnswer a;
  a.id = "chatcmpl-mock-" + std::to_string(serial);
  a.model = std::string(name);
  a.created = created;

  std::string echo = collapse_whitespace(strip_directives(prompt));
  if (count_codepoints(echo) > kEchoCodepoints) echo = echo.substr(0, prefix_bytes(echo, kEchoCodepoints)) + "...";
  std::string text = "[" + std::string(name) + "] mock answer to: \"" + echo + "\"";

  size_t chunks = static_cast<size_t>(std::max(1, behavior.chunks));
  size_t fixed = behavior.chunk_chars > 0 ? static_cast<size_t>(behavior.chunk_chars) : 0;
  size_t want = fixed > 0 ? fixed * chunks : chunks;  // at least one code point per chunk
  // Counted incrementally: recounting the whole text per append made large
  // answers (chunk_chars in the 100k range) quadratic.
  size_t have = count_codepoints(text);
  if (have < want) {
    text += ' ';
    ++have;
  }
  const size_t filler_cp = count_codepoints(kFiller);
  while (have < want) {
    text += kFiller;
    have += filler_cp;
  }
  // With chunk_chars the answer is exactly chunks * chunk_chars long; otherwise
  // the text is spread evenly, earlier pieces one code point longer.
  size_t total = fixed > 0 ? want : count_codepoints(text);
  std::string_view rest = text;
  for (size_t i = 0; i < chunks; ++i) {
    size_t n_cp = fixed > 0 ? fixed : total / chunks + (i < total % chunks ? 1 : 0);
    size_t n = prefix_bytes(rest, n_cp);
    a.pieces.emplace_back(rest.substr(0, n));
    rest.remove_prefix(n);
  }

  a.prompt_tokens = static_cast<int>(std::max<size_t>(1, prompt_chars / 4));
  a.completion_tokens = static_cast<int>(std::max<size_t>(1, count_codepoints(a.content()) / 4));
  return a;
}

std::string completion_json(const MockAnswer& a) {
  return "{\"id\":" + quote(a.id) + ",\"object\":\"chat.completion\",\"created\":" + std::to_string(a.created) +
         ",\"model\":" + quote(a.model) +
         ",\"system_fingerprint\":\"fp_mock\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
         "\"content\":" +
         quote(a.content()) + ",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":" +
         usage_object(a) + "}";
}

std::string sse_role_event(const MockAnswer& a, bool include_usage) {
  return chunk_prefix(a) +
         "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},"
         "\"logprobs\":null,\"finish_reason\":null}]" +
         chunk_suffix(include_usage);
}

std::string sse_content_event(const MockAnswer& a, std::string_view piece, bool include_usage) {
  return chunk_prefix(a) + "[{\"index\":0,\"delta\":{\"content\":" + quote(piece) +
         "},\"logprobs\":null,\"finish_reason\":null}]" + chunk_suffix(include_usage);
}

std::string sse_finish_event(const MockAnswer& a, bool include_usage) {
  return chunk_prefix(a) + "[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]" +
         chunk_suffix(include_usage);
}

std::string sse_usage_event(const MockAnswer& a) {
  return chunk_prefix(a) + "[],\"usage\":" + usage_object(a) + "}\n\n";
}

std::string error_json(std::string_view message, std::string_view type, std::string_view code) {
  return "{\"error\":{\"message\":" + quote(message) + ",\"type\":" + quote(type) +
         ",\"param\":null,\"code\":" + (code.empty() ? std::string("null") : quote(code)) + "}}";
}

}  // namespace sr::demo
