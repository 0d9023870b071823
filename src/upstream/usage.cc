#include "upstream/usage.h"

#include <simdjson.h>

#include <algorithm>

namespace sr::upstream {

struct UsageParser::Impl {
  simdjson::dom::parser parser;
};

UsageParser::UsageParser() : impl_(std::make_unique<Impl>()) {}
UsageParser::~UsageParser() = default;

Usage usage_from_json(std::string_view body) {
  UsageParser p;
  return p.parse(body);
}

namespace {

// Reads the integer after `"key"` + optional spaces + ':' in `obj`; -1 if absent.
int64_t int_field(std::string_view obj, std::string_view key) {
  size_t k = obj.find(key);
  if (k == std::string_view::npos) return -1;
  size_t i = k + key.size();
  while (i < obj.size() && (obj[i] == ' ' || obj[i] == '\t' || obj[i] == '\n' || obj[i] == '\r')) ++i;
  if (i >= obj.size() || obj[i] != ':') return -1;
  ++i;
  while (i < obj.size() && (obj[i] == ' ' || obj[i] == '\t' || obj[i] == '\n' || obj[i] == '\r')) ++i;
  int64_t v = 0;
  size_t start = i;
  while (i < obj.size() && obj[i] >= '0' && obj[i] <= '9' && i - start < 18) v = v * 10 + (obj[i++] - '0');
  return i == start ? -1 : v;
}

}  // namespace

Usage UsageParser::parse(std::string_view body) {
  Usage u;
  // Most chunks of a stream carry no usage.
  size_t at = body.rfind("\"usage\"");
  if (at == std::string_view::npos) return u;
  // Fast path: the last "usage" key is outside any string (an unescaped quote
  // before it) and its object is flat: read the two integers directly instead
  // of parsing the whole answer. Anything unusual takes the full parse.
  if (at > 0 && body[at - 1] != '\\') {
    size_t colon = body.find_first_not_of(" \t\r\n", at + 7);
    size_t open = colon != std::string_view::npos && body[colon] == ':' ? body.find_first_not_of(" \t\r\n", colon + 1)
                                                                        : std::string_view::npos;
    size_t close = std::string_view::npos;
    if (open != std::string_view::npos && body[open] == '{') {
      // Match braces; a usage object holds only numbers and nested detail objects.
      int depth = 0;
      for (size_t i = open; i < body.size(); ++i) {
        if (body[i] == '{') ++depth;
        else if (body[i] == '}' && --depth == 0) { close = i; break; }
      }
    }
    if (close != std::string_view::npos) {
      std::string_view obj = body.substr(open, close - open + 1);
      {
        u.prompt_tokens = int_field(obj, "\"prompt_tokens\"");
        u.completion_tokens = int_field(obj, "\"completion_tokens\"");
        if (u.found()) return u;
      }
    }
    // `"usage": null` and other shapes: fall through.
  }
  u = Usage{};
  simdjson::dom::element doc;
  if (impl_->parser.parse(body.data(), body.size()).get(doc)) return u;
  simdjson::dom::object usage;
  if (doc["usage"].get_object().get(usage)) return u;
  int64_t v;
  if (!usage["prompt_tokens"].get_int64().get(v)) u.prompt_tokens = v;
  if (!usage["completion_tokens"].get_int64().get(v)) u.completion_tokens = v;
  return u;
}

void SseUsageScanner::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    size_t nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      // Cap the carried partial line: a usage chunk is small; a huge line is content we skip.
      if (partial_.size() < (1u << 20)) partial_.append(bytes);
      return;
    }
    if (partial_.empty()) {
      line(bytes.substr(0, nl));
    } else {
      partial_.append(bytes.substr(0, nl));
      line(partial_);
      partial_.clear();
    }
    bytes.remove_prefix(nl + 1);
  }
}

void SseUsageScanner::line(std::string_view l) {
  if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  if (l.substr(0, 5) != "data:") return;
  l.remove_prefix(5);
  if (!l.empty() && l.front() == ' ') l.remove_prefix(1);
  ++events_;
  if (l == "[DONE]") {
    done_ = true;
    return;
  }
  // Generated text of this event: the string values of "content",
  // "reasoning_content" and tool-call "arguments" (whitespace allowed around
  // the colon; the first occurrence of each).
  for (std::string_view key : {std::string_view("\"content\""), std::string_view("\"reasoning_content\""),
                               std::string_view("\"arguments\"")}) {
    size_t i = l.find(key);
    if (i == std::string_view::npos) continue;
    i += key.size();
    while (i < l.size() && (l[i] == ' ' || l[i] == '\t')) ++i;
    if (i >= l.size() || l[i] != ':') continue;
    ++i;
    while (i < l.size() && (l[i] == ' ' || l[i] == '\t')) ++i;
    if (i >= l.size() || l[i] != '"') continue;  // null, or not a string
    const size_t start = ++i;
    while (i < l.size() && l[i] != '"') i += l[i] == '\\' ? 2 : 1;
    content_bytes_ += std::min(i, l.size()) - start;
  }
  Usage u = parser_.parse(l);
  if (u.found()) usage_ = u;
}

}  // namespace sr::upstream
