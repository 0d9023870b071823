#include "guards/guards.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "signals/pii.h"

namespace sr::guards {

using G = config::Guards;

config::Guards effective(const config::Guards& global, const config::Guards* rule) {
  config::Guards g = global;
  if (!rule) return g;
  if (rule->jailbreak != G::JailbreakAction::kUnset) {
    g.jailbreak = rule->jailbreak;
    g.jailbreak_response = rule->jailbreak_response;
    g.jailbreak_threshold = rule->jailbreak_threshold;
  }
  if (rule->pii != G::PiiAction::kUnset) {
    g.pii = rule->pii;
    g.pii_types = rule->pii_types;
    g.pii_reroute_to = rule->pii_reroute_to;
    g.pii_mask_fixed = rule->pii_mask_fixed;
    g.pii_min_score = rule->pii_min_score;
  }
  return g;
}

std::vector<std::vector<signals::Entity>> find_pii(const parse::ChatRequest& req, const signals::EntityRecognizer& rec) {
  std::vector<std::vector<signals::Entity>> out;
  out.reserve(req.messages.size());
  for (const auto& m : req.messages) out.push_back(m.text_size ? rec.recognize(req.text(m)) : std::vector<signals::Entity>{});
  return out;
}

namespace {

bool wanted(const G& g, const signals::Entity& e) {
  if (e.score < g.pii_min_score) return false;
  return g.pii_types.empty() || std::find(g.pii_types.begin(), g.pii_types.end(), e.type) != g.pii_types.end();
}

}  // namespace

Outcome apply(const config::Guards& g, const config::Config& cfg, const parse::ChatRequest& req, std::string_view body,
              decision::SignalProvider& signals, const signals::EntityRecognizer* pii,
              const std::vector<const config::Model*>& candidates) {
  Outcome o;  // o.candidates is only filled when the guard reroutes
  if (g.jailbreak == G::JailbreakAction::kBlock) {
    if (const signals::Classification* j = signals.jailbreak()) {
      o.jailbreak_score = j->positive;
      bool is_jb = g.jailbreak_threshold >= 0 ? j->positive >= g.jailbreak_threshold : j->label == "jailbreak";
      if (is_jb) {
        o.action = Action::kBlockJailbreak;
        o.reason = "jailbreak detected (score " + std::to_string(j->positive).substr(0, 5) + ")";
        return o;
      }
    }
  }
  const bool pii_guard = g.pii == G::PiiAction::kRedact || g.pii == G::PiiAction::kReroute || g.pii == G::PiiAction::kBlock;
  // Models that may not see PII are dropped from the candidates whenever PII is
  // present, even with no guard action configured, so a fallback never leaks it.
  const bool any_restricted = std::any_of(candidates.begin(), candidates.end(), [](const config::Model* m) { return !m->pii_allowed; });
  if (!pii || (!pii_guard && !any_restricted)) return o;
  auto per_message = find_pii(req, *pii);
  for (const auto& ents : per_message)
    for (const auto& e : ents)
      if (wanted(g, e) && std::find(o.pii_types.begin(), o.pii_types.end(), e.type) == o.pii_types.end())
        o.pii_types.push_back(e.type);
  if (o.pii_types.empty()) return o;
  std::string types;
  for (const auto& t : o.pii_types) types += (types.empty() ? "" : ",") + t;
  switch (g.pii) {
    case G::PiiAction::kBlock:
      o.action = Action::kBlockPii;
      o.reason = "request contains PII (" + types + ")";
      return o;
    case G::PiiAction::kRedact: {
      auto red = redact_body(body, *pii, g.pii_types, g.pii_mask_fixed, static_cast<float>(g.pii_min_score));
      if (!red) {  // cannot redact safely: refuse rather than leak
        o.action = Action::kBlockPii;
        o.reason = "request contains PII (" + types + ") and could not be redacted: " + red.error().message;
        return o;
      }
      o.action = Action::kRedact;
      o.body = std::move(*red);
      o.reason = "redacted " + types;
      return o;
    }
    case G::PiiAction::kReroute: {
      const config::Model* target = cfg.find_model(g.pii_reroute_to);
      std::vector<const config::Model*> c;
      if (target) c.push_back(target);
      for (const auto* m : candidates)
        if (m->pii_allowed && m != target) c.push_back(m);
      o.action = Action::kReroute;
      o.candidates = std::move(c);
      o.reason = "PII (" + types + ") rerouted to " + g.pii_reroute_to;
      return o;
    }
    default:
      break;
  }
  // allow / unset: only drop models that may not see PII.
  std::vector<const config::Model*> c;
  for (const auto* m : candidates)
    if (m->pii_allowed) c.push_back(m);
  if (c.size() != candidates.size()) {
    o.action = c.empty() ? Action::kBlockPii : Action::kReroute;
    o.reason = c.empty() ? "request contains PII (" + types + ") and no candidate model may see it"
                         : "PII (" + types + "): skipped models with pii_allowed: false";
    o.candidates = std::move(c);
  }
  return o;
}

Result<std::string> redact_body(std::string_view body, const signals::EntityRecognizer& rec,
                                const std::vector<std::string>& types, bool fixed_mask, float min_score) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("messages") || !doc["messages"].is_array())
    return fail(ErrorCode::kBadRequestSchema, "body is not a chat request");
  signals::RedactPolicy pol;
  pol.mode = fixed_mask ? signals::RedactPolicy::Mode::kFixed : signals::RedactPolicy::Mode::kTypeTag;
  pol.types = types;
  pol.min_score = min_score;
  auto mask = [&](nlohmann::json& s) {
    if (!s.is_string()) return;
    const std::string& text = s.get_ref<const std::string&>();
    auto ents = rec.recognize(text);
    if (!ents.empty()) s = signals::redact(text, ents, pol);
  };
  for (auto& m : doc["messages"]) {
    if (!m.is_object() || !m.contains("content")) continue;
    auto& c = m["content"];
    if (c.is_string()) mask(c);
    else if (c.is_array())
      for (auto& part : c)
        if (part.is_object() && part.contains("text")) mask(part["text"]);
  }
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sr::guards
