#pragma once
// Guards act on a decision before anything reaches an upstream: block a
// jailbreak, redact PII from the forwarded body, reroute to a model allowed to
// see PII, or block. Pure functions over the parsed request and its signals.
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/config.h"
#include "decision/rules.h"
#include "parse/chat_request.h"
#include "signals/signal.h"

namespace sr::guards {

//! The guard policy in force for one request: a rule's settings override the
//! global ones field by field (unset = inherit); unset at both = allow.
config::Guards effective(const config::Guards& global, const config::Guards* rule);

enum class Action { kPass, kBlockJailbreak, kBlockPii, kRedact, kReroute };

struct Outcome {
  Action action = Action::kPass;
  float jailbreak_score = -1;            //!< P(jailbreak) when computed
  std::vector<std::string> pii_types;    //!< PII types found that triggered the guard
  std::string body;                      //!< kRedact: the body to forward instead
  std::vector<const config::Model*> candidates;  //!< kReroute only: the models to try instead
  std::string reason;                    //!< for logs and block messages
};

//! Finds PII in every message of `req` (user, system, tool, assistant).
//! Returns the entities of each message, parallel to req.messages.
std::vector<std::vector<signals::Entity>> find_pii(const parse::ChatRequest& req, const signals::EntityRecognizer& rec);

//! Applies the guards. `jailbreak` may be null (signal unavailable: the guard
//! cannot fire); `pii` may be null likewise. `candidates` is the decision's
//! model list (chosen first, then fallbacks).
Outcome apply(const config::Guards& g, const config::Config& cfg, const parse::ChatRequest& req, std::string_view body,
              decision::SignalProvider& signals, const signals::EntityRecognizer* pii,
              const std::vector<const config::Model*>& candidates);

//! Rewrites the message texts of an OpenAI chat body with PII masked.
//! Content strings and text parts are replaced; everything else is kept.
Result<std::string> redact_body(std::string_view body, const signals::EntityRecognizer& rec,
                                const std::vector<std::string>& types, bool fixed_mask, float min_score);

}  // namespace sr::guards
