#include "upstream/usage.h"

#include <simdjson.h>

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

Usage UsageParser::parse(std::string_view body) {
  Usage u;
  // Cheap pre-check: most chunks of a stream carry no usage.
  if (body.find("\"usage\"") == std::string_view::npos) return u;
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
  Usage u = parser_.parse(l);
  if (u.found()) usage_ = u;
}

}  // namespace sr::upstream
