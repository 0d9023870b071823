#include "server/runtime.h"

#include <ctime>

#include "parse/chat_request.h"
#include "server/model_store.h"
#include "signals/pii_types.h"
#include "upstream/connection.h"

namespace sr::server {

metrics::Counter& Runtime::requests_counter(std::string_view rule, const config::Model* m) const {
  const auto& rules = config->routing.rules;
  size_t slot = rules.size() + 1;  // passthrough
  if (rule == "default") slot = rules.size();
  else
    for (size_t i = 0; i < rules.size(); ++i)
      if (rules[i].name == rule) { slot = i; break; }
  return *request_counters[slot * models.size() + model_index(m)];
}

namespace {

void label_counters(metrics::Registry& reg, const char* signal, const std::vector<std::string>& labels,
                    std::map<std::string, metrics::Counter*, std::less<>>& out) {
  for (const auto& l : labels) out[l] = &reg.counter(metrics::Family::signals_total, {signal, l});
}


// Which signals the config's rules and guards use (a missing built-in model is
// fatal only for those).
void mark_used(const config::Condition& c, bool used[4]) {
  using K = config::Condition::Kind;
  if (c.kind == K::kDomain) used[0] = true;
  if (c.kind == K::kJailbreak) used[1] = true;
  if (c.kind == K::kPii) used[2] = true;
  if (c.kind == K::kLanguage) used[3] = true;
  for (const auto& ch : c.children) mark_used(ch, used);
}

void mark_guards(const config::Guards& g, bool used[4]) {
  if (g.jailbreak == config::Guards::JailbreakAction::kBlock) used[1] = true;
  if (g.pii != config::Guards::PiiAction::kUnset && g.pii != config::Guards::PiiAction::kAllow) used[2] = true;
}

Result<void> load_signals(const config::Config& c, ModelStore& store, metrics::Registry& reg, SignalRuntime& s,
                          std::vector<std::string>& warnings) {
  bool used[4] = {false, false, false, false};
  for (const auto& r : c.routing.rules) {
    mark_used(r.when, used);
    mark_guards(r.guards, used);
  }
  mark_guards(c.guards, used);
  for (const auto& m : c.models) used[2] = used[2] || !m.pii_allowed;
  const char* names[4] = {"domain", "jailbreak", "pii", "language"};
  const config::SignalModel* specs[4] = {&c.signals.domain, &c.signals.jailbreak, &c.signals.pii, &c.signals.language};
  auto failed = [&](int i, const Error& e) -> Result<void> {
    // A built-in model nobody asked for: run without it (the classify API and
    // debug headers just omit it) rather than refuse to start.
    if (!used[i] && specs[i]->model_dir.empty()) {
      warnings.push_back(std::string("signal ") + names[i] + " unavailable: " + e.message);
      return {};
    }
    return fail(e.code, c.source + ": signals." + names[i] + ": " + e.message + " (set `signals: { " + names[i] +
                            ": off }` to run without it)");
  };
  auto load_classifier = [&](int i, std::shared_ptr<const signals::Classifier>& slot,
                             std::map<std::string, metrics::Counter*, std::less<>>& labels) -> Result<void> {
    if (!specs[i]->enabled) return {};
    auto m = store.classifier(names[i], specs[i]->model_dir);
    if (!m) return failed(i, m.error());
    slot = *m;
    label_counters(reg, names[i], slot->labels(), labels);
    return {};
  };
  using metrics::Family;
  if (auto r = load_classifier(0, s.domain, s.domain_labels); !r) return r;
  if (auto r = load_classifier(1, s.jailbreak, s.jailbreak_labels); !r) return r;
  if (auto r = load_classifier(3, s.language, s.language_labels); !r) return r;
  if (specs[2]->enabled) {
    auto m = store.recognizer("pii", specs[2]->model_dir);
    if (!m) {
      if (auto r = failed(2, m.error()); !r) return r;
    } else {
      s.pii = *m;
      for (std::string_view t : signals::pii::kEntityTypeNames)
        s.pii_types[std::string(t)] = &reg.counter(Family::signals_total, {"pii", t});
    }
  }
  s.domain_seconds = &reg.histogram(Family::signal_duration_seconds, {"domain"});
  s.jailbreak_seconds = &reg.histogram(Family::signal_duration_seconds, {"jailbreak"});
  s.language_seconds = &reg.histogram(Family::signal_duration_seconds, {"language"});
  s.pii_seconds = &reg.histogram(Family::signal_duration_seconds, {"pii"});
  return {};
}

}  // namespace

Result<RuntimePtr> build_runtime(config::Config cfg, metrics::Registry& registry, uint64_t generation, ModelStore* store) {
  auto rt = std::make_shared<Runtime>();
  rt->config = std::make_shared<const config::Config>(std::move(cfg));
  rt->generation = generation;
  const config::Config& c = *rt->config;
  auto rules = decision::RuleSet::compile(c);
  if (!rules) return tl::unexpected(rules.error());
  rt->rules = std::move(*rules);

  using metrics::Family;
  if (store) {
    if (auto r = load_signals(c, *store, registry, rt->signals, rt->warnings); !r) return tl::unexpected(r.error());
  }
  for (const auto& r : c.routing.rules) {
    if (!r.router.active()) {
      rt->router_rules.push_back(nullptr);
      continue;
    }
    if (!store) return fail(ErrorCode::kConfigInvalid, c.source + ": rule \"" + r.name + "\" uses a router, but no models can be loaded here");
    std::string dir;
    for (const auto& spec : c.routers)
      if (spec.name == r.router.router) dir = spec.model_dir;
    auto router = store->router(dir);
    if (!router)
      return fail(router.error().code, c.source + ": router \"" + r.router.router + "\": " + router.error().message);
    auto rr = decision::RouterRule::create(r.router, *router, c);
    if (!rr) return tl::unexpected(rr.error());
    rt->router_rules.push_back(std::move(*rr));
  }
  rt->guard_counters.jailbreak_blocked = &registry.counter(Family::guard_actions_total, {"jailbreak", "block"});
  rt->guard_counters.jailbreak_passed = &registry.counter(Family::guard_actions_total, {"jailbreak", "pass"});
  rt->guard_counters.pii_redacted = &registry.counter(Family::guard_actions_total, {"pii", "redact"});
  rt->guard_counters.pii_rerouted = &registry.counter(Family::guard_actions_total, {"pii", "reroute"});
  rt->guard_counters.pii_blocked = &registry.counter(Family::guard_actions_total, {"pii", "block"});
  for (const auto& m : c.models) {
    ModelRuntime mr;
    mr.model = &m;
    uint32_t cum = 0;
    bool any_tls = false;
    for (const auto& ep : m.endpoints) {
      cum += ep.weight;
      mr.cumulative_weights.push_back(cum);
      // TLS connections are pooled per trust setting: a connection verified
      // against one model's CA must never be reused by a model that trusts less.
      std::string key = upstream::endpoint_key(ep);
      if (ep.tls) key += std::string(m.tls_verify ? "|verify|" : "|noverify|") + m.ca_file;
      mr.endpoint_keys.push_back(std::move(key));
      any_tls = any_tls || ep.tls;
    }
    if (any_tls) {
      std::string err;
      mr.tls = upstream::make_tls_context(m.tls_verify, m.ca_file, &err);
      if (!mr.tls) return fail(ErrorCode::kConfigInvalid, c.source + ": model \"" + m.name + "\": " + err);
    }
    auto attempts = [&](const char* outcome) { return &registry.counter(Family::upstream_attempts_total, {m.name, outcome}); };
    mr.attempts_ok = attempts("ok");
    mr.attempts_connect_error = attempts("connect_error");
    mr.attempts_timeout = attempts("timeout");
    mr.attempts_status_429 = attempts("status_429");
    mr.attempts_status_5xx = attempts("status_5xx");
    mr.attempts_status_4xx = attempts("status_4xx");
    mr.attempts_reset = attempts("reset");
    mr.prompt_tokens = &registry.counter(Family::tokens_total, {m.name, "prompt"});
    mr.completion_tokens = &registry.counter(Family::tokens_total, {m.name, "completion"});
    mr.cost_usd = &registry.float_counter(Family::cost_usd_total, {m.name});
    mr.duration = &registry.histogram(Family::request_duration_seconds, {m.name});
    mr.ttfb = &registry.histogram(Family::upstream_ttfb_seconds, {m.name});
    rt->models.push_back(std::move(mr));
  }
  std::vector<std::string> slots;
  for (const auto& r : c.routing.rules) slots.push_back(r.name);
  slots.push_back("default");
  slots.push_back("passthrough");
  for (const auto& rule : slots)
    for (const auto& m : c.models)
      rt->request_counters.push_back(&registry.counter(Family::requests_total, {m.name, rule}));

  // GET /v1/models: configured models, then the routing names.
  std::string& j = rt->models_json;
  long created = static_cast<long>(std::time(nullptr));
  j = "{\"object\":\"list\",\"data\":[";
  bool first = true;
  auto add = [&](const std::string& id, const char* owner) {
    if (!first) j.push_back(',');
    first = false;
    j += "{\"id\":";
    parse::append_json_string(j, id);
    j += ",\"object\":\"model\",\"created\":" + std::to_string(created) + ",\"owned_by\":\"" + owner + "\"}";
  };
  for (const auto& m : c.models) add(m.name, "semrouter-backend");
  for (const auto& n : c.routing.names) add(n, "semrouter-router");
  j += "]}";
  return RuntimePtr(std::move(rt));
}

}  // namespace sr::server
