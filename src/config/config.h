#pragma once
// Typed, validated configuration. A Config is built once by load_config_*,
// never mutated afterwards, and shared as std::shared_ptr<const Config>;
// reload builds a new one and swaps the pointer.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

namespace sr::config {

//! Prices in USD per million tokens.
struct Price {
  double input_per_mtok = 0.0;
  double output_per_mtok = 0.0;
};

//! One upstream base URL, split once at load time.
struct Endpoint {
  std::string url;        //!< as written, e.g. "https://api.openai.com/v1"
  bool tls = false;
  std::string host;
  std::string port;       //!< numeric string; default 80/443
  std::string base_path;  //!< e.g. "/v1" (no trailing slash)
  uint32_t weight = 1;
};

struct Timeouts {
  uint32_t connect_ms = 3000;
  uint32_t first_byte_ms = 120000;  //!< request written -> response headers
  uint32_t idle_ms = 60000;         //!< max gap between two streamed chunks
};

struct RetryPolicy {
  uint32_t attempts = 2;        //!< tries per model (1 = no retry)
  uint32_t backoff_ms = 50;     //!< first backoff, doubled each retry, jittered
  uint32_t max_backoff_ms = 1000;
};

enum class AuthMode { kConfig, kPassthrough };

struct Model {
  std::string name;            //!< what clients and rules call it
  std::string upstream_model;  //!< what is sent upstream (default: name)
  std::string provider = "openai";
  AuthMode auth = AuthMode::kConfig;
  std::string api_key;         //!< never logged
  std::vector<Endpoint> endpoints;
  std::map<std::string, std::string> headers;  //!< extra headers sent upstream
  Price price;
  Timeouts timeouts;
  RetryPolicy retry;
  std::vector<std::string> fallbacks;  //!< other models, tried in order
  bool pii_allowed = true;             //!< may this model see PII (PII guard reroute/filter)
  bool tls_verify = true;
  std::string ca_file;
  int line = 0;
};

//! A rule condition: a tree of all/any/not over leaf tests. Leaves carry their
//! parameters in typed fields; unused fields stay empty. New signals add a Kind
//! and fields here without changing the YAML shape of rules.
struct Condition {
  enum class Kind {
    kAll, kAny, kNot,
    kKeywords,      //!< any/all of `words` as substrings
    kRegex,         //!< RE2 `pattern`
    kMessageCount,  //!< min/max number of messages
    kPromptLength,  //!< min/max characters
    kHasImages,     //!< flag
    kHasTools,      //!< flag
    kHeader,        //!< request header `header` present / equals / matches
    kDomain,        //!< domain signal in `values` with confidence >= min
    kJailbreak,     //!< jailbreak probability >= min (or flag false: < min)
    kPii,           //!< any of `values` entity types found (empty = any type)
    kLanguage,      //!< language in `values`
  };
  enum class Scope { kLastUser, kAllMessages, kSystem };

  Kind kind = Kind::kAll;
  std::vector<Condition> children;   //!< all/any/not
  std::vector<std::string> values;   //!< keywords, domains, pii types, languages
  bool match_all = false;            //!< keywords: every word must occur
  bool case_sensitive = false;
  bool flag = true;                  //!< has_images/has_tools/jailbreak expected value
  Scope scope = Scope::kLastUser;
  std::string pattern;               //!< regex
  std::string header;                //!< header name (lower case)
  std::string equals;                //!< header value to equal ("" = presence only)
  int64_t min = -1, max = -1;        //!< counts/lengths (-1 = unbounded)
  double min_score = 0.0;            //!< signal confidence / probability threshold
  int line = 0;
};

//! Guard policy; set per rule (overrides) or globally.
struct Guards {
  enum class JailbreakAction { kUnset, kAllow, kBlock };
  enum class BlockResponse { kContentFilter, kForbidden };
  enum class PiiAction { kUnset, kAllow, kRedact, kReroute, kBlock };
  JailbreakAction jailbreak = JailbreakAction::kUnset;
  BlockResponse jailbreak_response = BlockResponse::kContentFilter;
  double jailbreak_threshold = -1;     //!< -1 = the model's own threshold
  PiiAction pii = PiiAction::kUnset;
  std::vector<std::string> pii_types;  //!< types that trigger the guard (empty = all)
  std::string pii_reroute_to;          //!< model allowed to see PII (kReroute)
  bool pii_mask_fixed = false;         //!< true: "[REDACTED]", false: "<TYPE>"
  double pii_min_score = 0.5;
};

//! A rule that hands the choice to a cost-quality router.
struct RouterAction {
  std::string router;                  //!< name in `routers`
  std::string strong, weak;            //!< strong/weak mode: configured model names
  double threshold = -1;               //!< strong when score >= threshold
  double strong_share = -1;            //!< or: target share of strong calls (online quantile)
  //! N-model mode: router model name -> configured model; choice maximises q - lambda * price.
  std::vector<std::pair<std::string, std::string>> model_map;
  double lambda = 0;                   //!< USD per million tokens of price weight
  double budget = -1;                  //!< max price (per million output tokens), -1 = none
  //! Max estimated USD for one request (both modes), -1 = none; a client's
  //! remaining per-key budget and x-semrouter-max-cost-usd tighten it.
  double max_cost_usd = -1;
  //! Output tokens assumed for the cost estimate when a request sets no
  //! max_completion_tokens / max_tokens.
  int64_t expected_output_tokens = 512;
  int line = 0;
  bool active() const { return !router.empty(); }
};

struct Rule {
  std::string name;
  Condition when;
  std::vector<std::string> models;  //!< candidates in order; the first is the choice
  RouterAction router;              //!< when set, the router picks instead of `models`
  Guards guards;                    //!< per-rule guard overrides
  int line = 0;
};

//! Which classifier models to load. "" = the built-in model; disabled = not loaded.
struct SignalModel {
  bool enabled = true;
  std::string model_dir;
};
struct Signals {
  SignalModel domain, jailbreak, pii, language;
  double jailbreak_threshold = -1;  //!< -1 = the model's own
};

struct RouterSpec {
  std::string name;
  std::string model_dir;  //!< "" = built-in models/router
  int line = 0;
};

struct Routing {
  std::vector<std::string> names{"auto"};  //!< model names that trigger routing
  std::string default_model;
  std::vector<Rule> rules;
};

struct Server {
  std::string host = "127.0.0.1";
  uint16_t port = 8801;
  int workers = 0;                         //!< 0 = number of cores
  uint64_t max_body_bytes = 8ull << 20;
  uint32_t max_header_bytes = 16 << 10;
  uint32_t max_connections = 10000;
  uint32_t request_timeout_ms = 30000;     //!< a slow client gets this long to send a request
  uint32_t keepalive_timeout_ms = 60000;   //!< idle keep-alive connection lifetime
  uint32_t drain_timeout_ms = 15000;
  uint64_t max_response_bytes = 64ull << 20;  //!< non-streamed upstream body cap
  std::string access_log = "stderr";       //!< "stderr", "stdout", "off" or a file path
};

//! Spending limits per client API key (the bearer token a client sends), in
//! USD of estimated cost (usage x configured prices) per fixed window.
struct KeyBudget {
  std::string key;  //!< never logged
  double usd = 0;
  int line = 0;
};
struct Budgets {
  uint64_t period_ms = 24ull * 3600 * 1000;  //!< windows aligned to the Unix epoch
  double default_usd = -1;                   //!< keys not listed; -1 = no limit
  std::vector<KeyBudget> keys;
  //! Where spend is kept: "memory" (this process) or
  //! "redis://[[user]:password@]host[:port][/db]" (shared by every instance
  //! pointing at the same Redis). May hold a password: print store_shown().
  std::string store = "memory";
  std::string redis_host;  //!< parsed from a redis:// store
  int redis_port = 6379;
  int redis_db = 0;
  std::string redis_user;      //!< AUTH user (Redis 6 ACL), "" = the default user
  std::string redis_password;  //!< AUTH password, "" = no AUTH
  //! `store` with any credentials replaced by "***", for logs and messages.
  std::string store_shown() const;
  bool enabled() const { return default_usd >= 0 || !keys.empty(); }
  //! The limit for `key`, or -1 for none. Requests without a key have none.
  double limit_for(std::string_view key) const;
};

struct Config {
  int version = 1;
  Server server;
  Routing routing;
  std::vector<Model> models;
  Signals signals;
  Guards guards;                   //!< global guards (rules may override)
  std::vector<RouterSpec> routers;
  Budgets budgets;
  std::string source;  //!< file path or "<builtin>"

  //! Model by name, or nullptr.
  const Model* find_model(std::string_view name) const;
  //! True if `name` is a routing name (e.g. "auto").
  bool is_routing_name(std::string_view name) const;
};
using ConfigPtr = std::shared_ptr<const Config>;

//! Parses and validates YAML text. `source` names it in error messages.
//! Errors read "<source>:<line>:<col>: <path>: <what is wrong>".
Result<Config> load_config_string(const std::string& yaml, const std::string& source);
//! Reads and validates a file.
Result<Config> load_config_file(const std::string& path);

//! Expands ${VAR} and ${VAR:-default} in `in`. Fails on an unset ${VAR}
//! without a default or an unterminated ${.
Result<std::string> expand_env(std::string_view in);

struct RedisUrl {
  std::string host;
  int port = 6379;
  int db = 0;
  std::string user, password;  //!< percent-decoded; empty = none
};
//! Parses "redis://[[user]:password@]host[:port][/db]". Error messages never
//! repeat the credentials.
Result<RedisUrl> parse_redis_url(std::string_view url);
//! `url` with the user-info part (before '@') replaced by "***".
std::string redact_url_credentials(std::string_view url);

//! Parses "500ms", "2s", "1m" or a plain number of milliseconds.
Result<uint64_t> parse_duration_ms(std::string_view text);
//! Parses "16KiB", "8MiB", "1MB" or a plain number of bytes.
Result<uint64_t> parse_size_bytes(std::string_view text);
//! Splits an http(s) base URL into an Endpoint.
Result<Endpoint> parse_endpoint_url(std::string_view url);

}  // namespace sr::config
