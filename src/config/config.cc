#include "config/config.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

namespace sr::config {

double Budgets::limit_for(std::string_view key) const {
  if (key.empty()) return -1;
  for (const auto& k : keys)
    if (k.key == key) return k.usd;
  return default_usd;
}

std::string Budgets::store_shown() const { return redact_url_credentials(store); }

const Model* Config::find_model(std::string_view name) const {
  for (const auto& m : models)
    if (m.name == name) return &m;
  return nullptr;
}

bool Config::is_routing_name(std::string_view name) const {
  return std::find(routing.names.begin(), routing.names.end(), name) != routing.names.end();
}

Result<std::string> expand_env(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '$' || i + 1 >= in.size() || in[i + 1] != '{') {
      out.push_back(in[i]);
      continue;
    }
    size_t close = in.find('}', i + 2);
    if (close == std::string_view::npos)
      return fail(ErrorCode::kConfigInvalid, "unterminated '${' in \"" + std::string(in) + "\"");
    std::string_view inner = in.substr(i + 2, close - i - 2);
    std::string_view name = inner, def;
    bool has_default = false;
    if (size_t d = inner.find(":-"); d != std::string_view::npos) {
      name = inner.substr(0, d);
      def = inner.substr(d + 2);
      has_default = true;
    }
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
        }))
      return fail(ErrorCode::kConfigInvalid, "bad variable name in '${" + std::string(inner) + "}'");
    const char* v = std::getenv(std::string(name).c_str());
    if (v && *v) {
      out += v;
    } else if (has_default) {
      out += def;
    } else {
      return fail(ErrorCode::kConfigInvalid,
                  "environment variable " + std::string(name) +
                      " is not set (write ${" + std::string(name) + ":-default} to give a default)");
    }
    i = close;
  }
  return out;
}

namespace {

bool parse_uint(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  out = v;
  return true;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace

namespace {

struct Unit {
  std::string_view suffix;
  uint64_t mul;
};

// "<number><unit>" or a plain number; the first unit whose suffix matches wins,
// so longer suffixes must come before their tails ("ms" before "s").
bool parse_with_units(std::string_view text, std::initializer_list<Unit> units, uint64_t& out) {
  std::string t = trim(text);
  std::string_view sv(t);
  for (const auto& u : units) {
    if (sv.size() > u.suffix.size() && sv.substr(sv.size() - u.suffix.size()) == u.suffix) {
      uint64_t v;
      if (!parse_uint(trim(sv.substr(0, sv.size() - u.suffix.size())), v) || v > UINT64_MAX / u.mul) return false;
      out = v * u.mul;
      return true;
    }
  }
  return parse_uint(t, out);
}

}  // namespace

Result<uint64_t> parse_duration_ms(std::string_view text) {
  uint64_t v;
  if (parse_with_units(text, {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}}, v)) return v;
  return fail(ErrorCode::kConfigInvalid,
              "\"" + trim(text) + "\" is not a duration (write e.g. 500ms, 2s, 1m, or milliseconds)");
}

std::string redact_url_credentials(std::string_view url) {
  const size_t scheme = url.find("://");
  const size_t from = scheme == std::string_view::npos ? 0 : scheme + 3;
  // The last '@', as parse_redis_url reads it: a raw '@' in a password must
  // not leave its tail visible.
  const size_t at = url.rfind('@');
  if (at == std::string_view::npos || at < from) return std::string(url);
  return std::string(url.substr(0, from)) + "***" + std::string(url.substr(at));
}

namespace {
// %XX escapes, as in URLs (a password may contain '@', ':' or '/').
bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size() || !std::isxdigit(static_cast<unsigned char>(in[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(in[i + 2])))
      return false;
    out += static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16));
    i += 2;
  }
  return true;
}
}  // namespace

Result<RedisUrl> parse_redis_url(std::string_view url) {
  const std::string shown = redact_url_credentials(url);  // never echo a password
  const auto bad = [&](const std::string& why) {
    return fail(ErrorCode::kConfigInvalid, "\"" + shown + "\": " + why +
                                               " (write memory, or redis://[[user]:password@]host[:port][/db])");
  };
  if (url.substr(0, 8) != "redis://") return bad("not a store");
  std::string_view rest = url.substr(8);
  RedisUrl r;
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view info = rest.substr(0, at);
    const size_t colon = info.find(':');
    if (colon == std::string_view::npos) return bad("credentials need a password: redis://[user]:password@host");
    if (!percent_decode(info.substr(0, colon), r.user) || !percent_decode(info.substr(colon + 1), r.password))
      return bad("bad %-escape in the credentials");
    if (r.password.empty()) return bad("empty password");
    rest = rest.substr(at + 1);
  }
  if (const size_t slash = rest.find('/'); slash != std::string_view::npos) {
    const std::string_view db = rest.substr(slash + 1);
    uint64_t v = 0;
    if (db.empty() || db.size() > 2 || !parse_uint(std::string(db), v) || v > 15) return bad("the database must be 0..15");
    r.db = static_cast<int>(v);
    rest = rest.substr(0, slash);
  }
  if (const size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    uint64_t v = 0;
    if (!parse_uint(std::string(rest.substr(colon + 1)), v) || v == 0 || v > 65535) return bad("bad port");
    r.port = static_cast<int>(v);
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return bad("no host");
  r.host = std::string(rest);
  return r;
}

Result<uint64_t> parse_size_bytes(std::string_view text) {
  uint64_t v;
  if (parse_with_units(text, {{"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}, {"KB", 1000},
                              {"MB", 1000000}, {"GB", 1000000000}, {"B", 1}},
                       v))
    return v;
  return fail(ErrorCode::kConfigInvalid, "\"" + trim(text) + "\" is not a size (write e.g. 16KiB, 8MiB, or bytes)");
}

Result<Endpoint> parse_endpoint_url(std::string_view url) {
  Endpoint ep;
  ep.url = std::string(url);
  std::string_view rest;
  if (url.substr(0, 7) == "http://") {
    rest = url.substr(7);
  } else if (url.substr(0, 8) == "https://") {
    rest = url.substr(8);
    ep.tls = true;
  } else {
    return fail(ErrorCode::kConfigInvalid, "URL \"" + std::string(url) + "\" must start with http:// or https://");
  }
  size_t slash = rest.find('/');
  std::string_view hostport = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.find_first_of("?#") != std::string_view::npos)
    return fail(ErrorCode::kConfigInvalid, "URL \"" + std::string(url) + "\" must not carry a query or fragment");
  ep.base_path = std::string(path);
  if (hostport.empty()) return fail(ErrorCode::kConfigInvalid, "URL \"" + std::string(url) + "\" has no host");
  if (hostport.front() == '[') {  // IPv6 literal
    size_t rb = hostport.find(']');
    if (rb == std::string_view::npos)
      return fail(ErrorCode::kConfigInvalid, "URL \"" + std::string(url) + "\" has an unclosed IPv6 bracket");
    ep.host = std::string(hostport.substr(1, rb - 1));
    std::string_view after = hostport.substr(rb + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return fail(ErrorCode::kConfigInvalid, "URL \"" + std::string(url) + "\" has junk after the host");
      ep.port = std::string(after.substr(1));
    }
  } else {
    size_t colon = hostport.rfind(':');
    if (colon == std::string_view::npos) {
      ep.host = std::string(hostport);
    } else {
      ep.host = std::string(hostport.substr(0, colon));
      ep.port = std::string(hostport.substr(colon + 1));
    }
  }
  if (ep.host.empty()) return fail(ErrorCode::kConfigInvalid, "URL \"" + std::string(url) + "\" has no host");
  if (ep.port.empty()) ep.port = ep.tls ? "443" : "80";
  uint64_t p;
  if (!parse_uint(ep.port, p) || p == 0 || p > 65535)
    return fail(ErrorCode::kConfigInvalid, "URL \"" + std::string(url) + "\" has a bad port");
  return ep;
}

namespace {

// Thrown inside the loader only; load_config_string turns it into a Result.
struct LoadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

const char* const kDomains[] = {"biology", "business", "chemistry", "computer science", "economics",
                                "engineering", "health", "history", "law", "math", "other",
                                "philosophy", "physics", "psychology"};
const char* const kPiiTypes[] = {"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "US_SSN",
                                 "IBAN_CODE", "IP_ADDRESS", "STREET_ADDRESS", "LOCATION", "ORGANIZATION",
                                 "DATE_TIME", "DOMAIN_NAME", "US_DRIVER_LICENSE", "ZIP_CODE", "AGE",
                                 "NRP", "TITLE"};

class Loader {
 public:
  explicit Loader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail_at(const YAML::Node& n, const std::string& path, const std::string& msg) const {
    std::ostringstream os;
    os << source_;
    if (n.IsDefined() && n.Mark().line >= 0) os << ":" << n.Mark().line + 1 << ":" << n.Mark().column + 1;
    os << ": " << (path.empty() ? "(top)" : path) << ": " << msg;
    throw LoadError(os.str());
  }

  static int line_of(const YAML::Node& n) { return n.IsDefined() ? n.Mark().line + 1 : 0; }

  void expect_map(const YAML::Node& n, const std::string& path) const {
    if (!n.IsMap()) fail_at(n, path, std::string("expected a mapping (key: value), got ") + kind(n));
  }
  void expect_seq(const YAML::Node& n, const std::string& path) const {
    if (!n.IsSequence()) fail_at(n, path, std::string("expected a list, got ") + kind(n));
  }

  static const char* kind(const YAML::Node& n) {
    switch (n.Type()) {
      case YAML::NodeType::Null: return "nothing (null)";
      case YAML::NodeType::Scalar: return "a single value";
      case YAML::NodeType::Sequence: return "a list";
      case YAML::NodeType::Map: return "a mapping";
      default: return "an undefined node";
    }
  }

  // Rejects unknown and duplicate keys, suggesting the closest known key.
  void check_keys(const YAML::Node& n, const std::string& path, std::initializer_list<const char*> allowed) const {
    expect_map(n, path);
    std::set<std::string> seen;
    for (const auto& kv : n) {
      if (!kv.first.IsScalar()) fail_at(kv.first, path, "keys must be plain names");
      std::string key = kv.first.Scalar();
      if (!seen.insert(key).second) fail_at(kv.first, path, "duplicate key \"" + key + "\"");
      bool ok = false;
      std::string best;
      size_t best_d = 99;
      for (const char* a : allowed) {
        if (key == a) { ok = true; break; }
        size_t d = edit_distance(key, a);
        if (d < best_d) { best_d = d; best = a; }
      }
      if (!ok) {
        std::string msg = "unknown key \"" + key + "\"";
        if (best_d <= 3) msg += " (did you mean \"" + best + "\"?)";
        else {
          msg += " (known keys:";
          for (const char* a : allowed) msg += std::string(" ") + a;
          msg += ")";
        }
        fail_at(kv.first, path, msg);
      }
    }
  }

  std::string str(const YAML::Node& n, const std::string& path) const {
    if (!n.IsScalar()) fail_at(n, path, std::string("expected a string, got ") + kind(n));
    auto r = expand_env(n.Scalar());
    if (!r) fail_at(n, path, r.error().message);
    return *r;
  }

  std::string nonempty_str(const YAML::Node& n, const std::string& path) const {
    std::string s = str(n, path);
    if (s.empty()) fail_at(n, path, "must not be empty");
    return s;
  }

  int64_t integer(const YAML::Node& n, const std::string& path, int64_t lo, int64_t hi) const {
    std::string s = str(n, path);
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || errno != 0) fail_at(n, path, "expected a whole number, got \"" + s + "\"");
    if (v < lo || v > hi)
      fail_at(n, path, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + s);
    return v;
  }

  double number(const YAML::Node& n, const std::string& path, double lo, double hi) const {
    std::string s = str(n, path);
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || v != v) fail_at(n, path, "expected a number, got \"" + s + "\"");
    if (v < lo || v > hi) {
      std::ostringstream os;
      os << "must be between " << lo << " and " << hi << ", got " << s;
      fail_at(n, path, os.str());
    }
    return v;
  }

  bool boolean(const YAML::Node& n, const std::string& path) const {
    std::string s = str(n, path);
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
    fail_at(n, path, "expected true or false, got \"" + s + "\"");
  }

  uint64_t duration(const YAML::Node& n, const std::string& path, uint64_t max_ms = 24ull * 3600 * 1000) const {
    auto r = parse_duration_ms(str(n, path));
    if (!r) fail_at(n, path, r.error().message);
    if (*r > max_ms) fail_at(n, path, "duration too long (max " + std::to_string(max_ms) + "ms)");
    return *r;
  }

  uint64_t size(const YAML::Node& n, const std::string& path) const {
    auto r = parse_size_bytes(str(n, path));
    if (!r) fail_at(n, path, r.error().message);
    return *r;
  }

  // A scalar or a list of scalars.
  std::vector<std::string> str_list(const YAML::Node& n, const std::string& path, bool allow_empty = false) const {
    std::vector<std::string> out;
    if (n.IsScalar()) {
      out.push_back(nonempty_str(n, path));
    } else if (n.IsSequence()) {
      for (size_t i = 0; i < n.size(); ++i) out.push_back(nonempty_str(n[i], path + "[" + std::to_string(i) + "]"));
    } else {
      fail_at(n, path, std::string("expected a value or a list of values, got ") + kind(n));
    }
    if (out.empty() && !allow_empty) fail_at(n, path, "must not be an empty list");
    return out;
  }

  Config load(const YAML::Node& root) {
    Config cfg;
    cfg.source = source_;
    if (!root.IsDefined() || root.IsNull()) fail_at(root, "", "the file is empty; expected at least `version: 1` and `models:`");
    check_keys(root, "", {"version", "server", "routing", "models", "signals", "guards", "routers", "budgets"});
    if (!root["version"]) fail_at(root, "", "missing required key \"version\" (write `version: 1`)");
    cfg.version = static_cast<int>(integer(root["version"], "version", 1, 1000));
    if (cfg.version != 1) fail_at(root["version"], "version", "unsupported version " + std::to_string(cfg.version) + "; this semrouter reads version 1");
    if (root["server"]) load_server(root["server"], cfg.server);
    if (!root["models"]) fail_at(root, "", "missing required key \"models\" (a list of backend models)");
    load_models(root["models"], cfg.models);
    if (root["signals"]) load_signals(root["signals"], cfg.signals);
    if (root["guards"]) cfg.guards = load_guards(root["guards"], "guards");
    if (root["routers"]) load_routers(root["routers"], cfg.routers);
    if (root["budgets"]) load_budgets(root["budgets"], cfg.budgets);
    if (root["routing"]) load_routing(root["routing"], cfg);
    if (cfg.routing.default_model.empty()) cfg.routing.default_model = cfg.models.front().name;
    cross_check(root, cfg);
    return cfg;
  }

 private:
  void load_server(const YAML::Node& n, Server& s) {
    const std::string p = "server";
    check_keys(n, p, {"listen", "workers", "max_body_bytes", "max_header_bytes", "max_connections",
                      "request_timeout", "keepalive_timeout", "drain_timeout", "max_response_bytes", "access_log"});
    if (n["listen"]) {
      std::string l = nonempty_str(n["listen"], p + ".listen");
      size_t colon = l.rfind(':');
      if (colon == std::string::npos) fail_at(n["listen"], p + ".listen", "expected host:port, got \"" + l + "\"");
      std::string host = l.substr(0, colon), port = l.substr(colon + 1);
      if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
      uint64_t pv;
      if (!parse_uint(port, pv) || pv > 65535) fail_at(n["listen"], p + ".listen", "bad port \"" + port + "\"");
      s.host = host.empty() ? "0.0.0.0" : host;
      s.port = static_cast<uint16_t>(pv);
    }
    if (n["workers"]) s.workers = static_cast<int>(integer(n["workers"], p + ".workers", 0, 256));
    if (n["max_body_bytes"]) s.max_body_bytes = size(n["max_body_bytes"], p + ".max_body_bytes");
    if (n["max_header_bytes"]) {
      uint64_t v = size(n["max_header_bytes"], p + ".max_header_bytes");
      if (v < 1024 || v > (1u << 20)) fail_at(n["max_header_bytes"], p + ".max_header_bytes", "must be between 1KiB and 1MiB");
      s.max_header_bytes = static_cast<uint32_t>(v);
    }
    if (n["max_connections"]) s.max_connections = static_cast<uint32_t>(integer(n["max_connections"], p + ".max_connections", 1, 1000000));
    if (n["request_timeout"]) s.request_timeout_ms = static_cast<uint32_t>(duration(n["request_timeout"], p + ".request_timeout"));
    if (n["keepalive_timeout"]) s.keepalive_timeout_ms = static_cast<uint32_t>(duration(n["keepalive_timeout"], p + ".keepalive_timeout"));
    if (n["drain_timeout"]) s.drain_timeout_ms = static_cast<uint32_t>(duration(n["drain_timeout"], p + ".drain_timeout"));
    if (n["max_response_bytes"]) s.max_response_bytes = size(n["max_response_bytes"], p + ".max_response_bytes");
    if (n["access_log"]) s.access_log = nonempty_str(n["access_log"], p + ".access_log");
    if (s.max_body_bytes == 0) fail_at(n["max_body_bytes"], p + ".max_body_bytes", "must be greater than 0");
  }

  void load_models(const YAML::Node& n, std::vector<Model>& models) {
    expect_seq(n, "models");
    if (n.size() == 0) fail_at(n, "models", "must list at least one model");
    for (size_t i = 0; i < n.size(); ++i) models.push_back(load_model(n[i], "models[" + std::to_string(i) + "]"));
  }

  Model load_model(const YAML::Node& n, const std::string& p) {
    check_keys(n, p, {"name", "provider", "upstream_model", "url", "endpoints", "api_key", "auth", "headers",
                      "price", "timeouts", "retry", "fallbacks", "tls", "pii_allowed"});
    Model m;
    m.line = line_of(n);
    if (!n["name"]) fail_at(n, p, "missing required key \"name\"");
    m.name = nonempty_str(n["name"], p + ".name");
    const std::string mp = p + " (" + m.name + ")";
    m.upstream_model = n["upstream_model"] ? nonempty_str(n["upstream_model"], mp + ".upstream_model") : m.name;
    if (n["provider"]) {
      m.provider = nonempty_str(n["provider"], mp + ".provider");
      static const std::set<std::string> kProviders{"openai", "vllm", "ollama", "llamacpp", "openai-compatible"};
      if (!kProviders.count(m.provider))
        fail_at(n["provider"], mp + ".provider",
                "unknown provider \"" + m.provider + "\" (known: openai, vllm, ollama, llamacpp, openai-compatible)");
    }
    if (n["url"] && n["endpoints"]) fail_at(n, mp, "give either \"url\" or \"endpoints\", not both");
    if (n["url"]) {
      m.endpoints.push_back(endpoint(n["url"], mp + ".url"));
    } else if (n["endpoints"]) {
      const YAML::Node& eps = n["endpoints"];
      expect_seq(eps, mp + ".endpoints");
      for (size_t j = 0; j < eps.size(); ++j) {
        std::string ep_path = mp + ".endpoints[" + std::to_string(j) + "]";
        if (eps[j].IsScalar()) {
          m.endpoints.push_back(endpoint(eps[j], ep_path));
        } else {
          check_keys(eps[j], ep_path, {"url", "weight"});
          if (!eps[j]["url"]) fail_at(eps[j], ep_path, "missing required key \"url\"");
          Endpoint ep = endpoint(eps[j]["url"], ep_path + ".url");
          if (eps[j]["weight"]) ep.weight = static_cast<uint32_t>(integer(eps[j]["weight"], ep_path + ".weight", 0, 1000000));
          m.endpoints.push_back(std::move(ep));
        }
      }
    }
    if (m.endpoints.empty()) fail_at(n, mp, "needs \"url\" or a non-empty \"endpoints\" list");
    bool any_weight = std::any_of(m.endpoints.begin(), m.endpoints.end(), [](const Endpoint& e) { return e.weight > 0; });
    if (!any_weight) fail_at(n, mp + ".endpoints", "at least one endpoint needs a weight above 0");
    if (n["api_key"]) m.api_key = str(n["api_key"], mp + ".api_key");
    if (n["auth"]) {
      std::string a = nonempty_str(n["auth"], mp + ".auth");
      if (a == "config") m.auth = AuthMode::kConfig;
      else if (a == "passthrough") m.auth = AuthMode::kPassthrough;
      else fail_at(n["auth"], mp + ".auth", "expected \"config\" (use api_key) or \"passthrough\" (use the client's Authorization header), got \"" + a + "\"");
    }
    if (n["headers"]) {
      expect_map(n["headers"], mp + ".headers");
      for (const auto& kv : n["headers"]) {
        std::string k = str(kv.first, mp + ".headers");
        std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
        if (k == "host" || k == "content-length" || k == "transfer-encoding" || k == "connection")
          fail_at(kv.first, mp + ".headers", "header \"" + k + "\" is set by semrouter and cannot be overridden");
        m.headers[k] = str(kv.second, mp + ".headers." + k);
      }
    }
    if (n["price"]) {
      check_keys(n["price"], mp + ".price", {"input_per_mtok", "output_per_mtok"});
      if (n["price"]["input_per_mtok"]) m.price.input_per_mtok = number(n["price"]["input_per_mtok"], mp + ".price.input_per_mtok", 0, 1e6);
      if (n["price"]["output_per_mtok"]) m.price.output_per_mtok = number(n["price"]["output_per_mtok"], mp + ".price.output_per_mtok", 0, 1e6);
    }
    if (n["timeouts"]) {
      const YAML::Node& t = n["timeouts"];
      check_keys(t, mp + ".timeouts", {"connect", "first_byte", "idle"});
      if (t["connect"]) m.timeouts.connect_ms = static_cast<uint32_t>(duration(t["connect"], mp + ".timeouts.connect"));
      if (t["first_byte"]) m.timeouts.first_byte_ms = static_cast<uint32_t>(duration(t["first_byte"], mp + ".timeouts.first_byte"));
      if (t["idle"]) m.timeouts.idle_ms = static_cast<uint32_t>(duration(t["idle"], mp + ".timeouts.idle"));
      if (m.timeouts.connect_ms == 0 || m.timeouts.first_byte_ms == 0 || m.timeouts.idle_ms == 0)
        fail_at(t, mp + ".timeouts", "timeouts must be greater than 0");
    }
    if (n["retry"]) {
      const YAML::Node& r = n["retry"];
      check_keys(r, mp + ".retry", {"attempts", "backoff", "max_backoff"});
      if (r["attempts"]) m.retry.attempts = static_cast<uint32_t>(integer(r["attempts"], mp + ".retry.attempts", 1, 10));
      if (r["backoff"]) m.retry.backoff_ms = static_cast<uint32_t>(duration(r["backoff"], mp + ".retry.backoff", 60000));
      if (r["max_backoff"]) m.retry.max_backoff_ms = static_cast<uint32_t>(duration(r["max_backoff"], mp + ".retry.max_backoff", 600000));
    }
    if (n["fallbacks"]) m.fallbacks = str_list(n["fallbacks"], mp + ".fallbacks", true);
    if (n["pii_allowed"]) m.pii_allowed = boolean(n["pii_allowed"], mp + ".pii_allowed");
    if (n["tls"]) {
      check_keys(n["tls"], mp + ".tls", {"verify", "ca_file"});
      if (n["tls"]["verify"]) m.tls_verify = boolean(n["tls"]["verify"], mp + ".tls.verify");
      if (n["tls"]["ca_file"]) m.ca_file = nonempty_str(n["tls"]["ca_file"], mp + ".tls.ca_file");
    }
    return m;
  }

  Endpoint endpoint(const YAML::Node& n, const std::string& p) {
    auto r = parse_endpoint_url(nonempty_str(n, p));
    if (!r) fail_at(n, p, r.error().message);
    return *r;
  }

  void load_signals(const YAML::Node& n, Signals& s) {
    check_keys(n, "signals", {"domain", "jailbreak", "pii", "language"});
    auto one = [&](const char* key, SignalModel& sm) {
      if (!n[key]) return;
      const std::string p = std::string("signals.") + key;
      const YAML::Node& v = n[key];
      if (v.IsScalar()) {  // `domain: off` or `domain: path/to/model`
        std::string t = str(v, p);
        if (t == "off" || t == "false") sm.enabled = false;
        else sm.model_dir = t;
        return;
      }
      check_keys(v, p, {"enabled", "model", "threshold"});
      if (v["enabled"]) sm.enabled = boolean(v["enabled"], p + ".enabled");
      if (v["model"]) sm.model_dir = nonempty_str(v["model"], p + ".model");
      if (v["threshold"]) {
        if (std::string(key) != "jailbreak") fail_at(v["threshold"], p + ".threshold", "only the jailbreak signal has a threshold");
        s.jailbreak_threshold = number(v["threshold"], p + ".threshold", 0, 1);
      }
    };
    one("domain", s.domain);
    one("jailbreak", s.jailbreak);
    one("pii", s.pii);
    one("language", s.language);
  }

  Guards load_guards(const YAML::Node& n, const std::string& p) {
    check_keys(n, p, {"jailbreak", "pii"});
    Guards g;
    if (const YAML::Node& j = n["jailbreak"]) {
      const std::string jp = p + ".jailbreak";
      check_keys(j, jp, {"action", "respond", "threshold"});
      if (!j["action"]) fail_at(j, jp, "missing required key \"action\" (block or allow)");
      std::string a = nonempty_str(j["action"], jp + ".action");
      if (a == "block") g.jailbreak = Guards::JailbreakAction::kBlock;
      else if (a == "allow") g.jailbreak = Guards::JailbreakAction::kAllow;
      else fail_at(j["action"], jp + ".action", "expected block or allow, got \"" + a + "\"");
      if (j["respond"]) {
        std::string r = nonempty_str(j["respond"], jp + ".respond");
        if (r == "content_filter") g.jailbreak_response = Guards::BlockResponse::kContentFilter;
        else if (r == "403") g.jailbreak_response = Guards::BlockResponse::kForbidden;
        else fail_at(j["respond"], jp + ".respond", "expected content_filter (a 200 chat answer with finish_reason content_filter) or 403, got \"" + r + "\"");
      }
      if (j["threshold"]) g.jailbreak_threshold = number(j["threshold"], jp + ".threshold", 0, 1);
    }
    if (const YAML::Node& q = n["pii"]) {
      const std::string qp = p + ".pii";
      check_keys(q, qp, {"action", "types", "reroute_to", "mask", "min_score"});
      if (!q["action"]) fail_at(q, qp, "missing required key \"action\" (allow, redact, reroute or block)");
      std::string a = nonempty_str(q["action"], qp + ".action");
      if (a == "allow") g.pii = Guards::PiiAction::kAllow;
      else if (a == "redact") g.pii = Guards::PiiAction::kRedact;
      else if (a == "reroute") g.pii = Guards::PiiAction::kReroute;
      else if (a == "block") g.pii = Guards::PiiAction::kBlock;
      else fail_at(q["action"], qp + ".action", "expected allow, redact, reroute or block, got \"" + a + "\"");
      if (q["types"]) g.pii_types = checked_values(q["types"], qp + ".types", kPiiTypes, std::size(kPiiTypes), "PII type");
      if (q["reroute_to"]) g.pii_reroute_to = nonempty_str(q["reroute_to"], qp + ".reroute_to");
      if (g.pii == Guards::PiiAction::kReroute && g.pii_reroute_to.empty())
        fail_at(q, qp, "action reroute needs \"reroute_to\" (a model with pii_allowed: true)");
      if (q["mask"]) {
        std::string m = nonempty_str(q["mask"], qp + ".mask");
        if (m == "fixed") g.pii_mask_fixed = true;
        else if (m != "type") fail_at(q["mask"], qp + ".mask", "expected type (<PERSON>) or fixed ([REDACTED]), got \"" + m + "\"");
      }
      if (q["min_score"]) g.pii_min_score = number(q["min_score"], qp + ".min_score", 0, 1);
    }
    return g;
  }

  void load_budgets(const YAML::Node& n, Budgets& b) {
    const std::string p = "budgets";
    check_keys(n, p, {"period", "default_usd", "keys", "store"});
    if (n["store"]) {
      b.store = nonempty_str(n["store"], p + ".store");
      if (b.store != "memory") {
        auto r = parse_redis_url(b.store);
        if (!r) fail_at(n["store"], p + ".store", r.error().message);
        b.redis_host = r->host;
        b.redis_port = r->port;
        b.redis_db = r->db;
        b.redis_user = r->user;
        b.redis_password = r->password;
      }
    }
    if (n["period"]) b.period_ms = duration(n["period"], p + ".period", 366ull * 24 * 3600 * 1000);
    if (b.period_ms < 1000) fail_at(n["period"], p + ".period", "must be at least 1s");
    if (n["default_usd"]) b.default_usd = number(n["default_usd"], p + ".default_usd", 0, 1e9);
    if (n["keys"]) {
      expect_seq(n["keys"], p + ".keys");
      for (size_t i = 0; i < n["keys"].size(); ++i) {
        const YAML::Node& k = n["keys"][i];
        const std::string kp = p + ".keys[" + std::to_string(i) + "]";
        check_keys(k, kp, {"key", "usd"});
        if (!k["key"] || !k["usd"]) fail_at(k, kp, "needs \"key\" (the client's API key, e.g. ${TEAM_KEY}) and \"usd\"");
        KeyBudget kb;
        kb.line = line_of(k);
        kb.key = nonempty_str(k["key"], kp + ".key");
        kb.usd = number(k["usd"], kp + ".usd", 0, 1e9);
        for (const auto& o : b.keys)
          if (o.key == kb.key) fail_at(k["key"], kp + ".key", "this key already has a budget (line " + std::to_string(o.line) + ")");
        b.keys.push_back(std::move(kb));
      }
    }
  }

  void load_routers(const YAML::Node& n, std::vector<RouterSpec>& out) {
    expect_seq(n, "routers");
    for (size_t i = 0; i < n.size(); ++i) {
      const std::string p = "routers[" + std::to_string(i) + "]";
      check_keys(n[i], p, {"name", "model"});
      RouterSpec r;
      r.line = line_of(n[i]);
      if (!n[i]["name"]) fail_at(n[i], p, "missing required key \"name\"");
      r.name = nonempty_str(n[i]["name"], p + ".name");
      if (n[i]["model"]) r.model_dir = nonempty_str(n[i]["model"], p + ".model");
      for (const auto& o : out)
        if (o.name == r.name) fail_at(n[i]["name"], p + ".name", "duplicate router name \"" + r.name + "\"");
      out.push_back(std::move(r));
    }
  }

  RouterAction load_router_action(const YAML::Node& n, const std::string& p, std::vector<std::string>& models) {
    check_keys(n, p, {"name", "strong", "weak", "threshold", "strong_share", "models", "lambda", "budget",
                      "max_cost_usd", "expected_output_tokens"});
    RouterAction a;
    a.line = line_of(n);
    if (n["max_cost_usd"]) a.max_cost_usd = number(n["max_cost_usd"], p + ".max_cost_usd", 0, 1e6);
    if (n["expected_output_tokens"])
      a.expected_output_tokens = integer(n["expected_output_tokens"], p + ".expected_output_tokens", 0, 10000000);
    if (!n["name"]) fail_at(n, p, "missing required key \"name\" (a router from `routers`)");
    a.router = nonempty_str(n["name"], p + ".name");
    if (n["models"]) {
      if (n["strong"] || n["weak"]) fail_at(n, p, "give either strong/weak or models, not both");
      expect_map(n["models"], p + ".models");
      for (const auto& kv : n["models"]) {
        std::string rm = str(kv.first, p + ".models");
        std::string cm = nonempty_str(kv.second, p + ".models." + rm);
        a.model_map.emplace_back(rm, cm);
        models.push_back(cm);
      }
      if (a.model_map.size() < 2) fail_at(n["models"], p + ".models", "needs at least two models");
      if (n["lambda"]) a.lambda = number(n["lambda"], p + ".lambda", 0, 1e6);
      if (n["budget"]) a.budget = number(n["budget"], p + ".budget", 0, 1e9);
    } else {
      if (!n["strong"] || !n["weak"]) fail_at(n, p, "needs \"strong\" and \"weak\" model names (or \"models\" for N-model routing)");
      a.strong = nonempty_str(n["strong"], p + ".strong");
      a.weak = nonempty_str(n["weak"], p + ".weak");
      models.push_back(a.strong);
      models.push_back(a.weak);
      if (n["threshold"] && n["strong_share"]) fail_at(n, p, "give either threshold or strong_share, not both");
      if (n["threshold"]) a.threshold = number(n["threshold"], p + ".threshold", 0, 1);
      else if (n["strong_share"]) a.strong_share = number(n["strong_share"], p + ".strong_share", 0, 1);
      else fail_at(n, p, "needs \"threshold\" (0..1) or \"strong_share\" (target share of strong calls)");
    }
    return a;
  }

  void load_routing(const YAML::Node& n, Config& cfg) {
    const std::string p = "routing";
    check_keys(n, p, {"names", "default", "rules"});
    if (n["names"]) cfg.routing.names = str_list(n["names"], p + ".names");
    if (n["default"]) cfg.routing.default_model = nonempty_str(n["default"], p + ".default");
    if (n["rules"]) {
      expect_seq(n["rules"], p + ".rules");
      for (size_t i = 0; i < n["rules"].size(); ++i)
        cfg.routing.rules.push_back(load_rule(n["rules"][i], p + ".rules[" + std::to_string(i) + "]"));
    }
  }

  Rule load_rule(const YAML::Node& n, const std::string& p) {
    check_keys(n, p, {"name", "when", "model", "models", "router", "guards"});
    Rule r;
    r.line = line_of(n);
    if (!n["name"]) fail_at(n, p, "missing required key \"name\"");
    r.name = nonempty_str(n["name"], p + ".name");
    const std::string rp = p + " (" + r.name + ")";
    int targets = (n["model"] ? 1 : 0) + (n["models"] ? 1 : 0) + (n["router"] ? 1 : 0);
    if (targets > 1) fail_at(n, rp, "give one of \"model\", \"models\" or \"router\"");
    if (n["model"]) r.models.push_back(nonempty_str(n["model"], rp + ".model"));
    else if (n["models"]) r.models = str_list(n["models"], rp + ".models");
    else if (n["router"]) r.router = load_router_action(n["router"], rp + ".router", r.models);
    else fail_at(n, rp, "needs \"model\" (one model), \"models\" (candidates in order) or \"router\"");
    if (n["guards"]) r.guards = load_guards(n["guards"], rp + ".guards");
    if (n["when"]) r.when = load_condition(n["when"], rp + ".when");
    else { r.when.kind = Condition::Kind::kAll; r.when.line = r.line; }  // no condition: always matches
    return r;
  }

  Condition::Scope scope(const YAML::Node& n, const std::string& p) {
    std::string s = nonempty_str(n, p);
    if (s == "last_user") return Condition::Scope::kLastUser;
    if (s == "all") return Condition::Scope::kAllMessages;
    if (s == "system") return Condition::Scope::kSystem;
    fail_at(n, p, "expected last_user, all or system, got \"" + s + "\"");
  }

  void min_max(const YAML::Node& n, const std::string& p, Condition& c) {
    if (n["min"]) c.min = integer(n["min"], p + ".min", 0, INT64_MAX);
    if (n["max"]) c.max = integer(n["max"], p + ".max", 0, INT64_MAX);
    if (c.min < 0 && c.max < 0) fail_at(n, p, "needs \"min\" and/or \"max\"");
    if (c.min >= 0 && c.max >= 0 && c.min > c.max) fail_at(n, p, "min is greater than max");
  }

  std::vector<std::string> checked_values(const YAML::Node& n, const std::string& p, const char* const* known,
                                          size_t count, const char* what) {
    std::vector<std::string> v = str_list(n, p);
    for (const auto& s : v) {
      bool ok = false;
      for (size_t i = 0; i < count; ++i) ok = ok || s == known[i];
      if (!ok) {
        std::string msg = "unknown " + std::string(what) + " \"" + s + "\" (known:";
        for (size_t i = 0; i < count; ++i) msg += std::string(i ? ", " : " ") + known[i];
        fail_at(n, p, msg + ")");
      }
    }
    return v;
  }

  // A condition mapping; several keys in one mapping mean all of them.
  Condition load_condition(const YAML::Node& n, const std::string& p) {
    static constexpr std::initializer_list<const char*> kKinds = {
        "all", "any", "not", "keywords", "regex", "message_count", "prompt_length", "has_images",
        "has_tools", "header", "domain", "jailbreak", "pii", "language"};
    check_keys(n, p, kKinds);
    if (n.size() == 0) fail_at(n, p, "empty condition");
    if (n.size() > 1) {
      Condition all;
      all.kind = Condition::Kind::kAll;
      all.line = line_of(n);
      for (const auto& kv : n) {
        all.children.push_back(load_leaf(kv.first.Scalar(), kv.second, p + "." + kv.first.Scalar()));
      }
      return all;
    }
    auto kv = *n.begin();
    return load_leaf(kv.first.Scalar(), kv.second, p + "." + kv.first.Scalar());
  }

  Condition load_leaf(const std::string& key, const YAML::Node& v, const std::string& p) {
    using K = Condition::Kind;
    Condition c;
    c.line = line_of(v);
    if (key == "all" || key == "any") {
      c.kind = key == "all" ? K::kAll : K::kAny;
      expect_seq(v, p);
      if (v.size() == 0) fail_at(v, p, "needs at least one condition");
      for (size_t i = 0; i < v.size(); ++i) c.children.push_back(load_condition(v[i], p + "[" + std::to_string(i) + "]"));
    } else if (key == "not") {
      c.kind = K::kNot;
      c.children.push_back(load_condition(v, p));
    } else if (key == "keywords") {
      c.kind = K::kKeywords;
      if (v.IsMap()) {
        check_keys(v, p, {"any", "all", "case_sensitive", "scope"});
        if (v["any"] && v["all"]) fail_at(v, p, "give either \"any\" or \"all\", not both");
        if (!v["any"] && !v["all"]) fail_at(v, p, "needs \"any\" or \"all\" (a list of words)");
        c.match_all = static_cast<bool>(v["all"]);
        c.values = str_list(c.match_all ? v["all"] : v["any"], p + (c.match_all ? ".all" : ".any"));
        if (v["case_sensitive"]) c.case_sensitive = boolean(v["case_sensitive"], p + ".case_sensitive");
        if (v["scope"]) c.scope = scope(v["scope"], p + ".scope");
      } else {
        c.values = str_list(v, p);
      }
    } else if (key == "regex") {
      c.kind = K::kRegex;
      if (v.IsMap()) {
        check_keys(v, p, {"pattern", "case_sensitive", "scope"});
        if (!v["pattern"]) fail_at(v, p, "missing required key \"pattern\"");
        c.pattern = nonempty_str(v["pattern"], p + ".pattern");
        if (v["case_sensitive"]) c.case_sensitive = boolean(v["case_sensitive"], p + ".case_sensitive");
        if (v["scope"]) c.scope = scope(v["scope"], p + ".scope");
      } else {
        c.pattern = nonempty_str(v, p);
      }
      RE2::Options opts;
      opts.set_log_errors(false);
      opts.set_case_sensitive(c.case_sensitive);
      RE2 re(c.pattern, opts);
      if (!re.ok()) fail_at(v, p, "bad regular expression: " + re.error());
    } else if (key == "message_count") {
      c.kind = K::kMessageCount;
      check_keys(v, p, {"min", "max"});
      min_max(v, p, c);
    } else if (key == "prompt_length") {
      c.kind = K::kPromptLength;
      check_keys(v, p, {"min", "max", "scope"});
      min_max(v, p, c);
      if (v["scope"]) c.scope = scope(v["scope"], p + ".scope");
    } else if (key == "has_images" || key == "has_tools") {
      c.kind = key == "has_images" ? K::kHasImages : K::kHasTools;
      c.flag = boolean(v, p);
    } else if (key == "header") {
      c.kind = K::kHeader;
      check_keys(v, p, {"name", "equals"});
      if (!v["name"]) fail_at(v, p, "missing required key \"name\"");
      c.header = nonempty_str(v["name"], p + ".name");
      std::transform(c.header.begin(), c.header.end(), c.header.begin(), [](unsigned char ch) { return std::tolower(ch); });
      if (v["equals"]) c.equals = str(v["equals"], p + ".equals");
    } else if (key == "domain") {
      c.kind = K::kDomain;
      if (v.IsMap()) {
        check_keys(v, p, {"in", "min_confidence"});
        if (!v["in"]) fail_at(v, p, "missing required key \"in\" (a list of domains)");
        c.values = checked_values(v["in"], p + ".in", kDomains, std::size(kDomains), "domain");
        if (v["min_confidence"]) c.min_score = number(v["min_confidence"], p + ".min_confidence", 0, 1);
      } else {
        c.values = checked_values(v, p, kDomains, std::size(kDomains), "domain");
      }
    } else if (key == "jailbreak") {
      c.kind = K::kJailbreak;
      c.min_score = -1;  // -1 = use the model's own threshold
      if (v.IsMap()) {
        check_keys(v, p, {"min_score"});
        if (v["min_score"]) c.min_score = number(v["min_score"], p + ".min_score", 0, 1);
      } else {
        c.flag = boolean(v, p);
      }
    } else if (key == "pii") {
      c.kind = K::kPii;
      if (v.IsMap()) {
        check_keys(v, p, {"types", "min_score"});
        if (v["types"]) c.values = checked_values(v["types"], p + ".types", kPiiTypes, std::size(kPiiTypes), "PII type");
        if (v["min_score"]) c.min_score = number(v["min_score"], p + ".min_score", 0, 1);
      } else if (v.IsSequence()) {
        c.values = checked_values(v, p, kPiiTypes, std::size(kPiiTypes), "PII type");
      } else {
        c.flag = boolean(v, p);
      }
    } else if (key == "language") {
      c.kind = K::kLanguage;
      if (v.IsMap()) {
        check_keys(v, p, {"in", "min_confidence"});
        if (!v["in"]) fail_at(v, p, "missing required key \"in\" (a list of ISO 639-1 codes)");
        c.values = str_list(v["in"], p + ".in");
        if (v["min_confidence"]) c.min_score = number(v["min_confidence"], p + ".min_confidence", 0, 1);
      } else {
        c.values = str_list(v, p);
      }
    }
    return c;
  }

  void cross_check(const YAML::Node& root, const Config& cfg) {
    std::set<std::string> names;
    const YAML::Node& models = root["models"];
    for (size_t i = 0; i < cfg.models.size(); ++i) {
      const Model& m = cfg.models[i];
      std::string p = "models[" + std::to_string(i) + "] (" + m.name + ")";
      if (!names.insert(m.name).second) fail_at(models[i]["name"], p + ".name", "duplicate model name \"" + m.name + "\"");
      if (cfg.is_routing_name(m.name))
        fail_at(models[i]["name"], p + ".name", "\"" + m.name + "\" is also a routing name; rename one of them");
      for (const auto& fb : m.fallbacks) {
        if (fb == m.name) fail_at(models[i]["fallbacks"], p + ".fallbacks", "a model cannot fall back to itself");
        if (!cfg.find_model(fb)) fail_at(models[i]["fallbacks"], p + ".fallbacks", "unknown model \"" + fb + "\"" + known_models(cfg));
      }
    }
    if (!cfg.guards.pii_reroute_to.empty() && !cfg.find_model(cfg.guards.pii_reroute_to))
      fail_at(root["guards"], "guards.pii.reroute_to", "unknown model \"" + cfg.guards.pii_reroute_to + "\"" + known_models(cfg));
    const YAML::Node routing = root["routing"];
    if (!cfg.find_model(cfg.routing.default_model))
      fail_at(routing ? routing["default"] : root, "routing.default", "unknown model \"" + cfg.routing.default_model + "\"" + known_models(cfg));
    std::set<std::string> rule_names;
    for (size_t i = 0; i < cfg.routing.rules.size(); ++i) {
      const Rule& r = cfg.routing.rules[i];
      std::string p = "routing.rules[" + std::to_string(i) + "] (" + r.name + ")";
      const YAML::Node rn = routing["rules"][i];
      if (!rule_names.insert(r.name).second) fail_at(rn["name"], p + ".name", "duplicate rule name \"" + r.name + "\"");
      const char* where = rn["model"] ? "model" : rn["models"] ? "models" : "router";
      for (const auto& mname : r.models)
        if (!cfg.find_model(mname)) fail_at(rn[where], p, "unknown model \"" + mname + "\"" + known_models(cfg));
      if (r.router.active()) {
        bool known = false;
        for (const auto& rs : cfg.routers) known = known || rs.name == r.router.router;
        if (!known) fail_at(rn["router"], p + ".router", "unknown router \"" + r.router.router + "\" (declare it under `routers:`)");
      }
      if (!r.guards.pii_reroute_to.empty() && !cfg.find_model(r.guards.pii_reroute_to))
        fail_at(rn["guards"], p + ".guards.pii.reroute_to", "unknown model \"" + r.guards.pii_reroute_to + "\"" + known_models(cfg));
    }
  }

  static std::string known_models(const Config& cfg) {
    std::string s = " (configured models:";
    for (const auto& m : cfg.models) s += " " + m.name;
    return s + ")";
  }

  std::string source_;
};

}  // namespace

Result<Config> load_config_string(const std::string& yaml, const std::string& source) {
  try {
    YAML::Node root = YAML::Load(yaml);
    Loader loader(source);
    return loader.load(root);
  } catch (const LoadError& e) {
    return fail(ErrorCode::kConfigInvalid, e.what());
  } catch (const YAML::Exception& e) {
    std::ostringstream os;
    os << source;
    if (e.mark.line >= 0) os << ":" << e.mark.line + 1 << ":" << e.mark.column + 1;
    os << ": YAML syntax error: " << e.msg;
    return fail(ErrorCode::kConfigInvalid, os.str());
  } catch (const std::exception& e) {
    return fail(ErrorCode::kConfigInvalid, source + ": " + e.what());
  }
}

Result<Config> load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kConfigInvalid, path + ": cannot open config file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return fail(ErrorCode::kConfigInvalid, path + ": read error");
  std::string text = ss.str();
  if (text.size() > (16u << 20)) return fail(ErrorCode::kConfigInvalid, path + ": config file larger than 16 MiB");
  return load_config_string(text, path);
}

}  // namespace sr::config
