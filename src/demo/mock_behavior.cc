#include "demo/mock_behavior.h"

#include <charconv>
#include <cstdlib>

#include <nlohmann/json.hpp>

namespace sr::demo {
namespace {

constexpr std::string_view kFaultNames[kFaultCount] = {
    "none", "500", "429", "reset", "stall", "drop_mid_stream", "slow_headers", "slow_body", "400"};

constexpr std::string_view kDirectiveOpen = "[mock:";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<int64_t> parse_int(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_double(std::string_view s) {
  // std::from_chars for double is in GCC 12's libstdc++, but strtod is locale-free
  // enough here and accepts the same inputs a person types.
  std::string tmp(s);
  char* end = nullptr;
  double v = std::strtod(tmp.c_str(), &end);
  if (tmp.empty() || end != tmp.c_str() + tmp.size()) return std::nullopt;
  return v;
}

// Sets one field by name from text; shared by directives (text values) and JSON
// (converted to text first), so both accept exactly the same keys and ranges.
Result<void> set_field(MockBehavior& b, std::string_view key, std::string_view value) {
  auto bad = [&](std::string_view why) {
    return fail(ErrorCode::kBadRequestSchema,
                "mock behavior: " + std::string(key) + "=" + std::string(value) + ": " + std::string(why));
  };
  auto int_field = [&](int& out, int64_t lo, int64_t hi) -> Result<void> {
    auto v = parse_int(value);
    if (!v) return bad("expected an integer");
    if (*v < lo || *v > hi) return bad("out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    out = static_cast<int>(*v);
    return {};
  };
  constexpr int64_t kMaxMs = 3'600'000;
  if (key == "latency_ms") return int_field(b.latency_ms, 0, kMaxMs);
  if (key == "chunks") return int_field(b.chunks, 1, 100'000);
  if (key == "chunk_chars") return int_field(b.chunk_chars, 0, 1'000'000);
  if (key == "chunk_delay_ms") return int_field(b.chunk_delay_ms, 0, kMaxMs);
  if (key == "fail_next") return int_field(b.fail_next, 0, 1'000'000'000);
  if (key == "retry_after_s") return int_field(b.retry_after_s, 0, 86'400);
  if (key == "drop_after_chunks") return int_field(b.drop_after_chunks, 0, 100'000);
  if (key == "header_delay_ms") return int_field(b.header_delay_ms, 0, kMaxMs);
  if (key == "seed") {
    auto v = parse_int(value);
    if (!v || *v < 0) return bad("expected a non-negative integer");
    b.seed = static_cast<uint64_t>(*v);
    return {};
  }
  if (key == "fail_probability") {
    auto v = parse_double(value);
    if (!v || *v < 0.0 || *v > 1.0) return bad("expected a number in [0, 1]");
    b.fail_probability = *v;
    return {};
  }
  if (key == "fault") {
    auto f = parse_fault(value);
    if (!f) return bad("unknown fault (none, 500, 429, reset, stall, drop_mid_stream, slow_headers, slow_body, 400)");
    b.fault = *f;
    return {};
  }
  return fail(ErrorCode::kBadRequestSchema, "mock behavior: unknown key '" + std::string(key) + "'");
}

}  // namespace

std::string_view fault_name(Fault fault) {
  auto i = static_cast<size_t>(fault);
  return i < kFaultCount ? kFaultNames[i] : "unknown";
}

std::optional<Fault> parse_fault(std::string_view name) {
  for (int i = 0; i < kFaultCount; ++i) {
    if (kFaultNames[i] == name) return static_cast<Fault>(i);
  }
  if (name.empty()) return Fault::kNone;
  return std::nullopt;
}

Result<MockBehavior> behavior_from_json(std::string_view json) {
  auto doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return fail(ErrorCode::kBadRequestJson, "mock behavior: body is not valid JSON");
  if (!doc.is_object()) return fail(ErrorCode::kBadRequestSchema, "mock behavior: body must be a JSON object");
  MockBehavior b;
  for (const auto& [key, value] : doc.items()) {
    std::string text;
    if (value.is_string()) {
      text = value.get<std::string>();
    } else if (value.is_number_integer() || value.is_number_unsigned() || value.is_number_float()) {
      text = value.dump();
    } else if (value.is_null() && key == "fault") {
      text = "none";
    } else {
      return fail(ErrorCode::kBadRequestSchema, "mock behavior: " + key + ": expected a number or a string");
    }
    if (auto r = set_field(b, key, text); !r) return tl::unexpected(r.error());
  }
  return b;
}

std::string behavior_to_json(const MockBehavior& b) {
  nlohmann::json j = {
      {"latency_ms", b.latency_ms},
      {"chunks", b.chunks},
      {"chunk_chars", b.chunk_chars},
      {"chunk_delay_ms", b.chunk_delay_ms},
      {"fault", std::string(fault_name(b.fault))},
      {"fail_next", b.fail_next},
      {"fail_probability", b.fail_probability},
      {"seed", b.seed},
      {"retry_after_s", b.retry_after_s},
      {"drop_after_chunks", b.drop_after_chunks},
      {"header_delay_ms", b.header_delay_ms},
  };
  return j.dump();
}

Result<MockBehavior> apply_directives(std::string_view text, MockBehavior behavior) {
  size_t pos = 0;
  while ((pos = text.find(kDirectiveOpen, pos)) != std::string_view::npos) {
    size_t start = pos + kDirectiveOpen.size();
    size_t end = text.find(']', start);
    if (end == std::string_view::npos) {
      return fail(ErrorCode::kBadRequestSchema, "mock directive: missing ']' after '[mock:'");
    }
    std::string_view body = text.substr(start, end - start);
    while (!body.empty()) {
      size_t comma = body.find(',');
      std::string_view item = trim(body.substr(0, comma));
      body = comma == std::string_view::npos ? std::string_view() : body.substr(comma + 1);
      if (item.empty()) continue;
      size_t eq = item.find('=');
      if (eq == std::string_view::npos) {
        return fail(ErrorCode::kBadRequestSchema, "mock directive: expected key=value, got '" + std::string(item) + "'");
      }
      if (auto r = set_field(behavior, trim(item.substr(0, eq)), trim(item.substr(eq + 1))); !r) {
        return tl::unexpected(r.error());
      }
    }
    pos = end + 1;
  }
  return behavior;
}

std::string strip_directives(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (true) {
    size_t open = text.find(kDirectiveOpen, pos);
    size_t close = open == std::string_view::npos ? open : text.find(']', open);
    if (close == std::string_view::npos) {
      out.append(text.substr(pos));
      break;
    }
    out.append(text.substr(pos, open - pos));
    pos = close + 1;
  }
  return out;
}

}  // namespace sr::demo
