#pragma once
// The language signal: ISO 639-1 language identification with fastText's
// lid.176 model (176 languages), read by our own fastText reader
// (signals/fasttext_model.h). Predictions equal `fasttext predict-prob` on the
// same text after the preparation described at LanguageClassifier::prepare.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "signals/fasttext_model.h"
#include "signals/signal.h"

namespace sr::signals {

//! File name of the model inside a language model directory.
inline constexpr std::string_view kLanguageModelFile = "lid.176.ftz";

struct LanguageOptions {
  //! Only the first max_bytes of a text are read (cut back to a whitespace or
  //! character boundary): the language of a prompt is settled long before
  //! that, and it bounds the cost of huge inputs.
  size_t max_bytes = 4096;
};

//! One candidate language.
struct LanguageGuess {
  std::string_view code;  //!< ISO 639-1 where one exists ("en"), else the model's code ("ceb")
  float confidence = 0.0f;
};

//! Language identifier over a fastText supervised model whose labels are
//! "__label__<code>". Thread-safe.
class LanguageClassifier final : public Classifier {
 public:
  LanguageClassifier(std::unique_ptr<const FastTextModel> model, LanguageOptions options);

  std::string_view task() const override { return "language"; }
  //! Language codes in model order (most frequent in training first).
  const std::vector<std::string>& labels() const override { return codes_; }
  //! Most probable language; `confidence` (= `positive`) is fastText's
  //! probability clamped to [0, 1]. Empty text yields the model's guess for an
  //! empty line (low confidence), never an error.
  Classification classify(std::string_view utf8) const override;
  //! The k most probable languages, best first.
  std::vector<LanguageGuess> top_k(std::string_view utf8, int k) const;

  //! What the model actually sees: at most max_bytes of `utf8`, cut at a
  //! whitespace or code point boundary, with invalid UTF-8 sequences dropped.
  //! Newlines stay: like every ASCII whitespace they only separate tokens.
  //! A literal "</s>" token is blanked (fastText would stop reading there).
  static void prepare(std::string_view utf8, size_t max_bytes, std::string& out);

  const FastTextModel& model() const { return *model_; }

 private:
  std::unique_ptr<const FastTextModel> model_;
  LanguageOptions options_;
  std::vector<std::string> codes_;
};

//! Loads `<model_dir>/lid.176.ftz` ("" = the built-in models/language).
Result<ClassifierPtr> load_language_classifier(const std::string& model_dir);
//! Same, with options; returns the concrete type for callers that want top_k().
Result<std::unique_ptr<const LanguageClassifier>> load_language_classifier(const std::string& model_dir,
                                                                           const LanguageOptions& options);

//! `semrouter eval --task language`: JSON Lines with "text" and "label" (an
//! ISO code); prints accuracy overall and per label as one JSON object.
int eval_language(const EvalOptions& options);

//! Language code of a fastText label: strips "__label__"; the codes of lid.176
//! that are two letters already are ISO 639-1, the rest (ISO 639-3 like "ceb",
//! or Wikipedia codes like "als", "bh", "sh") have no 639-1 code and are kept.
std::string language_code_of_label(std::string_view fasttext_label);

}  // namespace sr::signals
