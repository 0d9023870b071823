// Task loading and the per-line JSON engine behind `semrouter classify`
// (the table itself is in all_tasks.cc).
#include "signals/tasks.h"

#include "base/json_string.h"

#include <simdjson.h>

#include <cstdio>

namespace sr::signals {

struct JsonlClassifier::Parser {
  simdjson::dom::parser parser;  // reused: its buffers grow to the longest line once
};

Result<LoadedTask> load_task(std::string_view name, const std::string& model_dir) {
  const TaskEntry* entry = find_task(name);
  if (entry == nullptr) {
    std::string known;
    for (const auto& t : all_tasks()) known += (known.empty() ? "" : ", ") + std::string(t.name);
    return fail(ErrorCode::kConfigInvalid, "unknown task '" + std::string(name) + "' (known: " + known + ")");
  }
  LoadedTask task;
  task.entry = entry;
  if (entry->load_classifier != nullptr) {
    auto c = entry->load_classifier(model_dir);
    if (!c) return tl::unexpected(c.error());
    task.classifier = std::move(*c);
  } else if (entry->load_recognizer != nullptr) {
    auto r = entry->load_recognizer(model_dir);
    if (!r) return tl::unexpected(r.error());
    task.recognizer = std::move(*r);
  } else {
    return fail(ErrorCode::kInternal, "task '" + std::string(name) + "' has no loader");
  }
  return task;
}

void append_json_string(std::string& out, std::string_view s) { sr::append_json_string(out, s); }

namespace {
void append_float(std::string& out, float v) {
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%.6g", static_cast<double>(v));
  out.append(buf, static_cast<size_t>(n));
}
void append_error(std::string& out, std::string_view message) {
  out += "{\"error\": ";
  append_json_string(out, message);
  out += "}";
}
}  // namespace

JsonlClassifier::JsonlClassifier(const LoadedTask& task) : task_(task), parser_(std::make_unique<Parser>()) {}
JsonlClassifier::~JsonlClassifier() = default;

void JsonlClassifier::classify_line(std::string_view line, std::string& out) {
  simdjson::dom::element doc;
  if (auto err = parser_->parser.parse(line.data(), line.size(), true).get(doc); err != simdjson::SUCCESS) {
    append_error(out, std::string("malformed JSON: ") + simdjson::error_message(err));
    return;
  }
  if (!doc.is_object()) {
    append_error(out, "line is not a JSON object");
    return;
  }
  simdjson::dom::element text_el;
  if (doc["text"].get(text_el) != simdjson::SUCCESS) {
    append_error(out, "missing \"text\" field");
    return;
  }
  std::string_view text;
  if (text_el.get(text) != simdjson::SUCCESS) {
    append_error(out, "\"text\" is not a string");
    return;
  }
  if (task_.classifier) {
    const Classification c = task_.classifier->classify(text);
    out += "{\"label\": ";
    append_json_string(out, c.label);
    if (task_.entry->name == "jailbreak") {
      out += ", \"score\": ";
      append_float(out, c.positive);
    } else {
      out += ", \"confidence\": ";
      append_float(out, c.confidence);
    }
    out += "}";
    return;
  }
  const std::vector<Entity> entities = task_.recognizer->recognize(text);
  out += "{\"entities\": [";
  for (size_t i = 0; i < entities.size(); ++i) {
    const Entity& e = entities[i];
    if (i) out += ", ";
    out += "{\"type\": ";
    append_json_string(out, e.type);
    out += ", \"start\": " + std::to_string(e.start) + ", \"end\": " + std::to_string(e.end) + ", \"text\": ";
    append_json_string(out, e.text);
    out += ", \"score\": ";
    append_float(out, e.score);
    out += "}";
  }
  out += "]}";
}

}  // namespace sr::signals
