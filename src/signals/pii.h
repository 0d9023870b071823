#pragma once
// The pii signal: finds PII spans with Presidio's entity names.
//
//   auto rec = sr::signals::load_pii_recognizer("");   // built-in models/pii
//   std::vector<Entity> ents = (*rec)->recognize(text);  // code points, sorted, disjoint
//   std::string safe = sr::signals::redact(text, ents, RedactPolicy{});
//
// Structured types (EMAIL_ADDRESS, CREDIT_CARD, IBAN_CODE, US_SSN, IP_ADDRESS,
// DOMAIN_NAME, PHONE_NUMBER, DATE_TIME, ZIP_CODE, AGE, US_DRIVER_LICENSE) come from
// validated patterns (pii_patterns.h); PERSON, LOCATION, ORGANIZATION,
// STREET_ADDRESS, NRP and TITLE (plus context-dependent numbers) from a
// perceptron sequence tagger (pii_tagger.h). Only the first 64 KiB of a prompt
// are scanned, so the cost is bounded for huge inputs.
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "signals/signal.h"

namespace sr::signals {

//! Knobs of a recogniser instance (defaults suit the gateway).
struct PiiOptions {
  //! Only this many leading bytes of a prompt are scanned (cost bound for
  //! huge inputs; PII after the cut is not reported). Default 64 KiB.
  size_t max_scan_bytes = 64 * 1024;
  //! Entities scoring below this are dropped (0.5 = the recogniser's own cut).
  float min_score = 0.5f;
};

//! Loads the pii recogniser from `model_dir` (a directory holding
//! pii_tagger.bin); "" = the built-in model (`sr::builtin_model_path("pii")`).
//! Fails with kModelFile when the file is missing, truncated or corrupt.
Result<EntityRecognizerPtr> load_pii_recognizer(const std::string& model_dir);
Result<EntityRecognizerPtr> load_pii_recognizer(const std::string& model_dir, const PiiOptions& options);

//! A recogniser with only the rule-based structured detectors (no model file
//! needed): the fallback when no model is available, and the unit-test baseline.
EntityRecognizerPtr make_pii_rules_only(const PiiOptions& options = {});

//! `semrouter train --task pii --data PATH --out DIR [--seed N] [--epochs N]`.
//! PATH is a directory laid out like ../shared/data/pii (synth_dataset_v2.json,
//! generated_large.json, presidio_templates/ for gazetteers) or one JSON file in
//! the Presidio synth format (then presidio_templates/ beside it is used if
//! present). Records whose text hashes into the held-out fifth are never trained on.
//! Further `--data FILE.json` (options.extra_data) are training-only, used whole.
int train_pii(const TrainOptions& options);

//! `semrouter eval --task pii --model DIR --data PATH`: evaluates on the
//! held-out fifth of PATH (same split as train_pii); prints per-type
//! precision/recall/F1 (exact span match) and micro/macro F1.
int eval_pii(const EvalOptions& options);

//! How redact() replaces entities.
struct RedactPolicy {
  enum class Mode { kTypeTag, kFixed };
  Mode mode = Mode::kTypeTag;            //!< kTypeTag: "<PERSON>"; kFixed: `fixed`
  std::string fixed = "[REDACTED]";
  std::vector<std::string> types;        //!< types to redact; empty = all
  float min_score = 0.0f;                //!< entities scoring below stay
};

//! Returns `text` with the chosen entities replaced. `ents` are recognize()
//! output (code-point offsets into `text`, sorted, disjoint); out-of-range or
//! overlapping entries are skipped, so stale input cannot corrupt the text.
std::string redact(std::string_view text, const std::vector<Entity>& ents, const RedactPolicy& policy);

}  // namespace sr::signals
