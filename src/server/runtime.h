#pragma once
// A Runtime is everything a request needs that comes from one config: the
// config itself, compiled rules, TLS contexts and cached metric series. It is
// built off the event loops, never mutated, and swapped atomically on reload;
// a request loads it once and keeps it to the end.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "base/result.h"
#include "config/config.h"
#include "decision/router_rule.h"
#include "decision/rules.h"
#include "metrics/registry.h"
#include "signals/signal.h"

namespace sr::server {

//! Per-model state derived from the config.
struct ModelRuntime {
  const config::Model* model = nullptr;
  std::shared_ptr<boost::asio::ssl::context> tls;  //!< null when no endpoint uses https
  std::vector<uint32_t> cumulative_weights;          //!< for weighted endpoint choice
  std::vector<std::string> endpoint_keys;            //!< pool keys, parallel to endpoints
  // Cached metric series (see metrics/metric_list.h).
  metrics::Counter* attempts_ok = nullptr;
  metrics::Counter* attempts_connect_error = nullptr;
  metrics::Counter* attempts_timeout = nullptr;
  metrics::Counter* attempts_status_429 = nullptr;
  metrics::Counter* attempts_status_5xx = nullptr;
  metrics::Counter* attempts_status_4xx = nullptr;
  metrics::Counter* attempts_reset = nullptr;
  metrics::Counter* prompt_tokens = nullptr;
  metrics::Counter* completion_tokens = nullptr;
  metrics::FloatCounter* cost_usd = nullptr;
  metrics::Histogram* duration = nullptr;
  metrics::Histogram* ttfb = nullptr;
};

//! The loaded classifiers of a config (null = disabled or not loaded) and their metric series.
struct SignalRuntime {
  std::shared_ptr<const signals::Classifier> domain, jailbreak, language;
  std::shared_ptr<const signals::EntityRecognizer> pii;
  metrics::Histogram* domain_seconds = nullptr;
  metrics::Histogram* jailbreak_seconds = nullptr;
  metrics::Histogram* language_seconds = nullptr;
  metrics::Histogram* pii_seconds = nullptr;
  //! signals_total{signal,label}, looked up by label without a lock.
  std::map<std::string, metrics::Counter*, std::less<>> domain_labels, jailbreak_labels, language_labels, pii_types;
};

//! guard_actions_total{guard,action} series.
struct GuardCounters {
  metrics::Counter* jailbreak_blocked = nullptr;
  metrics::Counter* jailbreak_passed = nullptr;
  metrics::Counter* pii_redacted = nullptr;
  metrics::Counter* pii_rerouted = nullptr;
  metrics::Counter* pii_blocked = nullptr;
};

struct Runtime {
  config::ConfigPtr config;
  decision::RuleSet rules;
  std::vector<ModelRuntime> models;  //!< parallel to config->models
  uint64_t generation = 0;
  std::string models_json;           //!< precomputed GET /v1/models body
  //! requests_total{model,rule}: index [rule_slot * models.size() + model_index];
  //! rule slots: 0..rules-1, then "default", then "passthrough".
  std::vector<metrics::Counter*> request_counters;
  SignalRuntime signals;
  GuardCounters guard_counters;
  std::vector<std::string> warnings;  //!< things a person should know (e.g. an unused signal failed to load)
  //! Parallel to config->routing.rules: the bound router of a router rule, else null.
  std::vector<std::unique_ptr<decision::RouterRule>> router_rules;

  const ModelRuntime& of(const config::Model* m) const {
    return models[static_cast<size_t>(m - config->models.data())];
  }
  size_t model_index(const config::Model* m) const { return static_cast<size_t>(m - config->models.data()); }
  metrics::Counter& requests_counter(std::string_view rule, const config::Model* m) const;
};
using RuntimePtr = std::shared_ptr<const Runtime>;

class ModelStore;

//! Builds a Runtime from a validated config (compiles rules, TLS contexts, metric
//! series). With a ModelStore, the enabled signals and the routers are loaded
//! (a model that fails to load fails the build); without one, no signal is
//! available and rules that need one never match, and router rules are rejected.
Result<RuntimePtr> build_runtime(config::Config cfg, metrics::Registry& registry, uint64_t generation,
                                 ModelStore* models = nullptr);

}  // namespace sr::server
