#include "signals/language.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include <nlohmann/json.hpp>

#include "base/paths.h"
#include "engine/line_reader.h"

namespace sr::signals {

namespace {

inline bool is_space(unsigned char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f' || c == '\0';
}

// Length of the valid UTF-8 sequence at s[i], or 0 if it is invalid (bad lead,
// bad continuation, overlong, surrogate, > U+10FFFF or cut short).
size_t valid_sequence(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return 1;
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  const auto b1 = static_cast<unsigned char>(s[i + 1]);
  if (b1 < lo || b1 > hi) return 0;
  for (size_t k = 2; k < len; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  return len;
}

}  // namespace

std::string language_code_of_label(std::string_view label) {
  constexpr std::string_view kPrefix = "__label__";
  if (label.starts_with(kPrefix)) label.remove_prefix(kPrefix.size());
  return std::string(label);
}

void LanguageClassifier::prepare(std::string_view utf8, size_t max_bytes, std::string& out) {
  out.clear();
  if (utf8.size() > max_bytes) {
    // Cut at the last whitespace inside the budget so no word is halved (a
    // halved word would still be scored, by its n-grams); a text with no
    // whitespace there is cut at a code point boundary by the check below.
    std::string_view head = utf8.substr(0, max_bytes);
    size_t cut = head.size();
    while (cut > 0 && !is_space(static_cast<unsigned char>(head[cut - 1]))) --cut;
    utf8 = cut > 0 ? head.substr(0, cut) : head;
  }
  out.reserve(utf8.size());
  size_t i = 0;
  while (i < utf8.size()) {
    // Copy runs of ASCII in one go; they are the common case.
    size_t j = i;
    while (j < utf8.size() && static_cast<unsigned char>(utf8[j]) < 0x80) ++j;
    out.append(utf8.data() + i, j - i);
    i = j;
    if (i >= utf8.size()) break;
    size_t len = valid_sequence(utf8, i);
    if (len == 0) {
      ++i;  // drop the bad byte, resynchronise on the next one
      continue;
    }
    out.append(utf8.data() + i, len);
    i += len;
  }
  // fastText ends a line at a literal "</s>" token, which would let a pasted
  // chat template hide the rest of a prompt; blank such tokens instead.
  constexpr std::string_view kEos = "</s>";
  for (size_t at = out.find(kEos); at != std::string::npos; at = out.find(kEos, at + 1)) {
    const bool starts = at == 0 || is_space(static_cast<unsigned char>(out[at - 1]));
    const size_t end = at + kEos.size();
    const bool ends = end == out.size() || is_space(static_cast<unsigned char>(out[end]));
    if (starts && ends) out.replace(at, kEos.size(), kEos.size(), ' ');
  }
}

LanguageClassifier::LanguageClassifier(std::unique_ptr<const FastTextModel> model, LanguageOptions options)
    : model_(std::move(model)), options_(options) {
  codes_.reserve(model_->labels().size());
  for (const auto& l : model_->labels()) codes_.push_back(language_code_of_label(l));
}

Classification LanguageClassifier::classify(std::string_view utf8) const {
  thread_local std::string text;
  thread_local std::vector<FastTextPrediction> preds;
  prepare(utf8, options_.max_bytes, text);
  model_->predict(text, 1, preds);
  if (preds.empty()) return {};
  const float p = std::clamp(preds[0].prob, 0.0f, 1.0f);
  return Classification{codes_[size_t(preds[0].label)], p, p};
}

std::vector<LanguageGuess> LanguageClassifier::top_k(std::string_view utf8, int k) const {
  thread_local std::string text;
  std::vector<FastTextPrediction> preds;
  prepare(utf8, options_.max_bytes, text);
  model_->predict(text, k, preds);
  std::vector<LanguageGuess> out;
  out.reserve(preds.size());
  for (const auto& p : preds) out.push_back({codes_[size_t(p.label)], std::clamp(p.prob, 0.0f, 1.0f)});
  return out;
}

Result<std::unique_ptr<const LanguageClassifier>> load_language_classifier(const std::string& model_dir,
                                                                           const LanguageOptions& options) {
  std::string dir = model_dir.empty() ? builtin_model_path("language") : model_dir;
  if (dir.empty())
    return fail(ErrorCode::kModelFile, "language: no built-in models directory found (set SEMROUTER_MODELS_DIR)");
  auto model = FastTextModel::load_file(dir + "/" + std::string(kLanguageModelFile));
  if (!model) return tl::unexpected(Error{model.error().code, "language model: " + model.error().message});
  if (options.max_bytes == 0) return fail(ErrorCode::kConfigInvalid, "language: max_bytes must be > 0");
  return std::make_unique<const LanguageClassifier>(std::move(*model), options);
}

Result<ClassifierPtr> load_language_classifier(const std::string& model_dir) {
  auto r = load_language_classifier(model_dir, LanguageOptions{});
  if (!r) return tl::unexpected(r.error());
  return ClassifierPtr(std::move(*r));
}

int eval_language(const EvalOptions& options) {
  auto clf = load_language_classifier(options.model_dir, LanguageOptions{});
  if (!clf) {
    std::fprintf(stderr, "eval language: %s\n", clf.error().message.c_str());
    return 1;
  }
  auto reader = engine::LineReader::open(options.data_path);
  if (!reader) {
    std::fprintf(stderr, "eval language: %s\n", reader.error().message.c_str());
    return 1;
  }
  struct Tally {
    int64_t n = 0, correct = 0;
  };
  std::map<std::string, Tally> per_label;
  Tally all;
  std::string line;
  int64_t line_no = 0, skipped = 0;
  while (reader->next(line)) {
    ++line_no;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("text") || !j["text"].is_string() || !j.contains("label") ||
        !j["label"].is_string()) {
      ++skipped;
      continue;
    }
    const std::string want = j["label"].get<std::string>();
    const auto got = (*clf)->classify(j["text"].get<std::string>());
    const bool ok = got.label == want;
    all.n++;
    all.correct += ok;
    auto& t = per_label[want];
    t.n++;
    t.correct += ok;
  }
  if (reader->failed()) {
    std::fprintf(stderr, "eval language: read error in %s\n", options.data_path.c_str());
    return 1;
  }
  nlohmann::json out;
  out["task"] = "language";
  out["examples"] = all.n;
  out["skipped"] = skipped;
  out["accuracy"] = all.n ? double(all.correct) / double(all.n) : 0.0;
  nlohmann::json per = nlohmann::json::object();
  for (const auto& [label, t] : per_label) per[label] = {{"n", t.n}, {"accuracy", double(t.correct) / double(t.n)}};
  out["per_label"] = per;
  std::printf("%s\n", out.dump().c_str());
  return all.n > 0 ? 0 : 1;
}

}  // namespace sr::signals
