#include "parse/chat_request.h"

#include "base/json_string.h"

#include <simdjson.h>

namespace sr::parse {

namespace sj = simdjson;
namespace dom = simdjson::dom;

void ChatRequest::clear() {
  model.clear();
  model_token_begin = model_token_end = 0;
  stream = include_usage = has_tools = has_images = false;
  max_output_tokens = -1;
  choices = 1;
  messages.clear();
  last_user = -1;
  arena.clear();
}

void pad_for_parse(std::string& body) {
  if (body.capacity() < body.size() + sj::SIMDJSON_PADDING) body.reserve(body.size() + sj::SIMDJSON_PADDING);
}

namespace {

Result<void> json_error(sj::error_code ec) {
  if (ec == sj::UTF8_ERROR) return fail(ErrorCode::kBadUtf8, "request body is not valid UTF-8");
  return fail(ErrorCode::kBadRequestJson, std::string("request body is not valid JSON: ") + sj::error_message(ec));
}

Result<void> schema_error(std::string msg) { return fail(ErrorCode::kBadRequestSchema, std::move(msg)); }

bool role_from(std::string_view s, Role& r) {
  if (s == "user") r = Role::kUser;
  else if (s == "system") r = Role::kSystem;
  else if (s == "assistant") r = Role::kAssistant;
  else if (s == "tool") r = Role::kTool;
  else if (s == "developer") r = Role::kDeveloper;
  else if (s == "function") r = Role::kFunction;
  else return false;
  return true;
}

// Content is a string, null, or an array of parts ({type:"text",text}, {type:"image_url",...}, ...).
Result<void> parse_content(dom::element v, ChatRequest& out, Message& m, size_t idx) {
  // Built only on error: this runs for every message of every request.
  auto where = [idx] { return "messages[" + std::to_string(idx) + "].content"; };
  switch (v.type()) {
    case dom::element_type::STRING:
      out.arena.append(std::string_view(v));
      return {};
    case dom::element_type::NULL_VALUE:
      return {};
    case dom::element_type::ARRAY:
      break;
    default:
      return schema_error(where() + " must be a string, an array of parts, or null");
  }
  bool first_text = true;
  for (dom::element part : dom::array(v)) {
    dom::object po;
    if (part.get_object().get(po)) return schema_error(where() + " parts must be objects");
    std::string_view type, text;
    if (dom::element t; !po["type"].get(t)) {
      if (t.get_string().get(type)) return schema_error(where() + "[].type must be a string");
      if (type == "image_url" || type == "input_image" || type == "image") {
        m.has_image = true;
        out.has_images = true;
      }
    }
    if (dom::element t; !po["text"].get(t)) {
      if (t.get_string().get(text)) return schema_error(where() + "[].text must be a string");
      if (!first_text) out.arena.push_back('\n');
      out.arena.append(text);
      first_text = false;
    }
  }
  return {};
}

// Finds the byte range of the value of the top-level key "model" in a JSON
// object already validated by simdjson. Returns false when the key is not
// spelled plainly (e.g. with \u escapes); the caller then re-serialises.
bool find_model_token(std::string_view b, size_t& begin, size_t& end) {
  int depth = 0;
  size_t i = 0, n = b.size();
  auto skip_string = [&](size_t start) {  // start at the opening quote; returns index after closing quote
    size_t j = start + 1;
    while (j < n) {
      if (b[j] == '\\') j += 2;
      else if (b[j] == '"') return j + 1;
      else ++j;
    }
    return n;
  };
  bool expect_key = false;
  while (i < n) {
    char c = b[i];
    if (c == '"') {
      size_t after = skip_string(i);
      if (depth == 1 && expect_key) {
        std::string_view key = b.substr(i + 1, after - i - 2);
        size_t k = after;
        while (k < n && (b[k] == ' ' || b[k] == '\t' || b[k] == '\n' || b[k] == '\r')) ++k;
        if (k < n && b[k] == ':') {
          ++k;
          while (k < n && (b[k] == ' ' || b[k] == '\t' || b[k] == '\n' || b[k] == '\r')) ++k;
          if (key == "model" && k < n && b[k] == '"') {
            begin = k;
            end = skip_string(k);
            return true;
          }
          expect_key = false;
          i = k;
          continue;
        }
      }
      i = after;
      continue;
    }
    if (c == '{') {
      ++depth;
      expect_key = depth == 1;
    } else if (c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == ',' && depth == 1) {
      expect_key = true;
    }
    ++i;
  }
  return false;
}

}  // namespace

struct RequestParser::Impl {
  dom::parser parser;
};

RequestParser::RequestParser() : impl_(std::make_unique<Impl>()) {}
RequestParser::~RequestParser() = default;

Result<void> RequestParser::parse(std::string& body, ChatRequest& out) {
  out.clear();
  pad_for_parse(body);
  dom::element doc;
  if (auto ec = impl_->parser.parse(body.data(), body.size(), false).get(doc)) return json_error(ec);
  dom::object root;
  if (doc.get_object().get(root)) return schema_error("request body must be a JSON object");
  int model_keys = 0;
  bool have_messages = false;
  bool max_completion_seen = false;
  for (dom::key_value_pair kv : root) {
    std::string_view key = kv.key;
    dom::element v = kv.value;
    if (key == "model") {
      ++model_keys;
      std::string_view s;
      if (v.get_string().get(s)) return schema_error("\"model\" must be a string");
      out.model.assign(s);
    } else if (key == "stream") {
      if (v.is_null()) continue;
      bool b;
      if (v.get_bool().get(b)) return schema_error("\"stream\" must be true or false");
      out.stream = b;
    } else if (key == "stream_options") {
      if (v.is_null()) continue;
      dom::object so;
      if (v.get_object().get(so)) return schema_error("\"stream_options\" must be an object");
      if (dom::element iu; !so["include_usage"].get(iu)) {
        bool b;
        if (iu.get_bool().get(b)) return schema_error("\"stream_options.include_usage\" must be true or false");
        out.include_usage = b;
      }
    } else if (key == "max_completion_tokens" || key == "max_tokens") {
      // Read for cost estimates only; validating them is the upstream's job
      // (a proxy stricter than its upstreams would break working clients).
      // The newer max_completion_tokens wins whatever the key order.
      int64_t t;
      if (v.get_int64().get(t) || t < 0) continue;
      if (key == "max_completion_tokens" || !max_completion_seen) out.max_output_tokens = t;
      if (key == "max_completion_tokens") max_completion_seen = true;
    } else if (key == "n") {
      int64_t c;
      // OpenAI allows up to 128; vLLM more. Bounded only to keep estimates finite.
      if (!v.get_int64().get(c) && c >= 1 && c <= 1000000) out.choices = static_cast<uint32_t>(c);
    } else if (key == "tools" || key == "functions") {
      if (v.is_null()) continue;
      dom::array a;
      if (v.get_array().get(a)) return schema_error("\"" + std::string(key) + "\" must be an array");
      if (a.size() > 0) out.has_tools = true;
    } else if (key == "messages") {
      dom::array msgs;
      if (v.get_array().get(msgs)) return schema_error("\"messages\" must be an array");
      size_t idx = 0;
      for (dom::element mv : msgs) {
        dom::object mo;
        if (mv.get_object().get(mo)) return schema_error("messages[" + std::to_string(idx) + "] must be an object");
        Message m;
        dom::element rv;
        if (mo["role"].get(rv)) return schema_error("messages[" + std::to_string(idx) + "] has no \"role\"");
        std::string_view r;
        if (rv.get_string().get(r)) return schema_error("messages[" + std::to_string(idx) + "].role must be a string");
        if (!role_from(r, m.role))
          return schema_error("messages[" + std::to_string(idx) + "].role \"" + std::string(r) +
                              "\" is not one of system, user, assistant, tool, developer");
        if (!out.arena.empty()) out.arena.push_back('\n');
        m.text_offset = static_cast<uint32_t>(out.arena.size());
        if (dom::element cv; !mo["content"].get(cv))
          if (auto res = parse_content(cv, out, m, idx); !res) return res;
        m.text_size = static_cast<uint32_t>(out.arena.size() - m.text_offset);
        if (m.role == Role::kUser) out.last_user = static_cast<int>(out.messages.size());
        out.messages.push_back(m);
        ++idx;
      }
      if (idx == 0) return schema_error("\"messages\" must not be empty");
      have_messages = true;
    }
    // Other fields (temperature, max_tokens, ...) pass through untouched.
  }
  if (model_keys > 1) return schema_error("duplicate \"model\" key");
  if (model_keys == 0) return schema_error("missing required field \"model\"");
  if (out.model.empty()) return schema_error("\"model\" must not be empty");
  if (!have_messages) return schema_error("missing required field \"messages\"");
  if (!find_model_token(body, out.model_token_begin, out.model_token_end)) {
    // The key was spelled with escapes: rewrite the body once into a plain form.
    std::string minified = sj::minify(doc);
    std::string plain;
    plain.reserve(minified.size() + 16);
    plain = "{\"model\":";
    append_json_string(plain, out.model);
    for (dom::key_value_pair kv : root) {
      if (kv.key == "model") continue;
      plain.push_back(',');
      append_json_string(plain, kv.key);
      plain.push_back(':');
      plain += sj::minify(kv.value);
    }
    plain.push_back('}');
    body = std::move(plain);
    if (!find_model_token(body, out.model_token_begin, out.model_token_end))
      return fail(ErrorCode::kInternal, "could not locate the model field after normalising the request");
  }
  return {};
}

void append_json_string(std::string& out, std::string_view s) { sr::append_json_string(out, s); }

std::string rewrite_model(std::string_view body, const ChatRequest& req, std::string_view new_model) {
  std::string out;
  out.reserve(body.size() + new_model.size() + 8);
  out.append(body.substr(0, req.model_token_begin));
  append_json_string(out, new_model);
  out.append(body.substr(req.model_token_end));
  return out;
}

}  // namespace sr::parse
