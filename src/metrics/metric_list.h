#pragma once
// Every metric semrouter exports, declared once: name, type, help, label names.
// Prometheus # HELP / # TYPE lines come from here; tests scrape /metrics and
// check every family below is present.
#define SR_METRICS(M)                                                                                          \
  M(requests_total, kCounter, "Chat completion requests by chosen model and rule", "model,rule")              \
  M(responses_total, kCounter, "HTTP responses by endpoint and status code", "endpoint,code")                 \
  M(errors_total, kCounter, "Errors by semrouter error code", "code")                                          \
  M(upstream_attempts_total, kCounter, "Upstream attempts by model and outcome", "model,outcome")             \
  M(fallbacks_total, kCounter, "Requests answered by a model other than the first choice", "from,to")        \
  M(tokens_total, kCounter, "Tokens reported by upstreams", "model,kind")                                      \
  M(cost_usd_total, kCounter, "Estimated cost in USD from configured prices", "model")                        \
  M(request_duration_seconds, kHistogram, "Whole request time as the client sees it", "model")                \
  M(upstream_ttfb_seconds, kHistogram, "Upstream time to response headers", "model")                          \
  M(overhead_seconds, kHistogram, "Time spent inside semrouter, upstream time excluded", "")                  \
  M(signal_duration_seconds, kHistogram, "Classifier latency by signal", "signal")                           \
  M(signals_total, kCounter, "Signal results by signal and label", "signal,label")                           \
  M(guard_actions_total, kCounter, "Guard actions by guard and action", "guard,action")                      \
  M(router_decisions_total, kCounter, "Cost-quality router choices by rule and model", "rule,model")        \
  M(router_budget_limited_total, kCounter, "Router choices changed by a price budget, a cost cap or a key's remaining budget", "rule") \
  M(router_cost_saved_usd_total, kCounter, "Estimated USD saved against always using the strongest model", "rule") \
  M(budget_sync_failures_total, kCounter, "Failed syncs of per-key budget spend with the shared store (Redis)", "") \
  M(connections_active, kGauge, "Open client connections", "")                                                \
  M(requests_in_flight, kGauge, "Chat requests being processed", "")                                          \
  M(config_reloads_total, kCounter, "Config reload attempts by result", "result")                             \
  M(config_generation, kGauge, "Generation number of the config in use", "")                                  \
  M(backend_up, kGauge, "1 when the endpoint answered the last readiness probe", "model,endpoint")
