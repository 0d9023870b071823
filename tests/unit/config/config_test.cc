#include "config/config.h"

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "config/builtin.h"

namespace sr::config {
namespace {

Result<Config> load(const std::string& yaml) { return load_config_string(yaml, "test.yaml"); }

const char* kMinimal = R"(version: 1
models:
  - name: small
    url: http://127.0.0.1:9000/v1
)";

TEST(Config, MinimalConfigGetsDefaults) {
  auto c = load(kMinimal);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->models.size(), 1u);
  EXPECT_EQ(c->routing.default_model, "small");
  EXPECT_EQ(c->routing.names, std::vector<std::string>{"auto"});
  EXPECT_EQ(c->models[0].endpoints[0].host, "127.0.0.1");
  EXPECT_EQ(c->models[0].endpoints[0].port, "9000");
  EXPECT_EQ(c->models[0].endpoints[0].base_path, "/v1");
  EXPECT_EQ(c->models[0].upstream_model, "small");
  EXPECT_EQ(c->server.port, 8801);
}

TEST(Config, BudgetsPerKey) {
  auto c = load(std::string(kMinimal) +
                "budgets:\n  period: 1h\n  default_usd: 2.5\n  keys:\n    - { key: sk-a, usd: 10 }\n    - { key: sk-b, usd: 0 }\n");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->budgets.enabled());
  EXPECT_EQ(c->budgets.period_ms, 3600000u);
  EXPECT_DOUBLE_EQ(c->budgets.limit_for("sk-a"), 10.0);
  EXPECT_DOUBLE_EQ(c->budgets.limit_for("sk-b"), 0.0);
  EXPECT_DOUBLE_EQ(c->budgets.limit_for("sk-other"), 2.5);
  EXPECT_DOUBLE_EQ(c->budgets.limit_for(""), -1.0) << "no key, no budget";
  auto none = load(kMinimal);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->budgets.enabled());
  EXPECT_DOUBLE_EQ(none->budgets.limit_for("sk-a"), -1.0);
}

TEST(Config, BudgetStore) {
  auto mem = load(std::string(kMinimal) + "budgets:\n  default_usd: 1\n");
  ASSERT_TRUE(mem) << mem.error().message;
  EXPECT_EQ(mem->budgets.store, "memory");
  auto r = load(std::string(kMinimal) + "budgets:\n  store: redis://cache.internal:6380/2\n  default_usd: 1\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->budgets.redis_host, "cache.internal");
  EXPECT_EQ(r->budgets.redis_port, 6380);
  EXPECT_EQ(r->budgets.redis_db, 2);
  auto d = parse_redis_url("redis://10.0.0.5");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->port, 6379);
  EXPECT_EQ(d->db, 0);
  for (const char* bad : {"redis://", "mysql://x", "redis://h:99999", "redis://h:0", "redis://h/16", "redis://h/x", "redis"}) {
    EXPECT_FALSE(parse_redis_url(bad)) << bad;
  }
  auto pw = parse_redis_url("redis://:hunter2@cache:6379/3");
  ASSERT_TRUE(pw) << pw.error().message;
  EXPECT_EQ(pw->host, "cache");
  EXPECT_EQ(pw->port, 6379);
  EXPECT_EQ(pw->db, 3);
  EXPECT_EQ(pw->user, "");
  EXPECT_EQ(pw->password, "hunter2");
  auto acl = parse_redis_url("redis://ledger:p%40ss%3Aw%2Frd@10.0.0.5");
  ASSERT_TRUE(acl) << acl.error().message;
  EXPECT_EQ(acl->user, "ledger");
  EXPECT_EQ(acl->password, "p@ss:w/rd") << "percent-escapes decoded";
  EXPECT_EQ(acl->host, "10.0.0.5");
  for (const char* bad : {"redis://hunter2@cache", "redis://u:@cache", "redis://:hunter2%zz@cache", "redis://:hunter2@",
                          "redis://:hunter2@cache:0"}) {
    auto e = parse_redis_url(bad);
    ASSERT_FALSE(e) << bad;
    EXPECT_EQ(e.error().message.find("hunter2"), std::string::npos) << "a password is never echoed: " << e.error().message;
    EXPECT_NE(e.error().message.find("***"), std::string::npos) << e.error().message;
  }
  EXPECT_EQ(redact_url_credentials("redis://u:pw@h:1/2"), "redis://***@h:1/2");
  EXPECT_EQ(redact_url_credentials("redis://h:1"), "redis://h:1");
  // A raw '@' inside the password (found by review: its tail was shown).
  EXPECT_EQ(redact_url_credentials("redis://:hunter2@secret@127.0.0.1:abc"), "redis://***@127.0.0.1:abc");
  auto raw_at = parse_redis_url("redis://user:zq@xv@cache:0");
  ASSERT_FALSE(raw_at);
  EXPECT_EQ(raw_at.error().message.find("xv"), std::string::npos) << raw_at.error().message;
  EXPECT_EQ(raw_at.error().message.find("zq"), std::string::npos) << raw_at.error().message;
  auto cfg = load(std::string(kMinimal) + "budgets:\n  store: redis://:hunter2@cache\n  default_usd: 1\n");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->budgets.redis_password, "hunter2");
  EXPECT_EQ(cfg->budgets.store_shown(), "redis://***@cache");
  auto e = load(std::string(kMinimal) + "budgets:\n  store: redis://:6379\n");
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("budgets.store"), std::string::npos) << e.error().message;
  EXPECT_NE(e.error().message.find("no host"), std::string::npos) << e.error().message;
}

TEST(Config, BadBudgetsAreRejected) {
  struct Case {
    const char* yaml;
    const char* expect;
  };
  const Case cases[] = {
      {"budgets:\n  keys:\n    - { key: sk-a }\n", "needs \"key\""},
      {"budgets:\n  keys:\n    - { key: sk-a, usd: -1 }\n", "budgets.keys[0].usd"},
      {"budgets:\n  keys:\n    - { key: sk-a, usd: 1 }\n    - { key: sk-a, usd: 2 }\n", "already has a budget"},
      {"budgets:\n  period: 10ms\n  default_usd: 1\n", "at least 1s"},
      {"budgets:\n  perod: 1h\n", "did you mean \"period\""},
      {"budgets:\n  keys:\n    - { key: sk-a, usd: 1, limit: 3 }\n", "unknown key \"limit\""},
  };
  for (const Case& k : cases) {
    auto c = load(std::string(kMinimal) + k.yaml);
    ASSERT_FALSE(c) << k.yaml;
    EXPECT_NE(c.error().message.find(k.expect), std::string::npos) << c.error().message;
  }
}

TEST(Config, RouterRuleCostCap) {
  const std::string top = "version: 1\nrouters:\n  - name: cq\nmodels:\n  - name: s\n    url: http://a/v1\n"
                          "  - name: l\n    url: http://b/v1\nrouting:\n  rules:\n    - name: r\n      router: ";
  auto c = load(top + "{ name: cq, strong: l, weak: s, threshold: 0.5, max_cost_usd: 0.02, expected_output_tokens: 300 }\n");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_DOUBLE_EQ(c->routing.rules[0].router.max_cost_usd, 0.02);
  EXPECT_EQ(c->routing.rules[0].router.expected_output_tokens, 300);
  auto d = load(top + "{ name: cq, strong: l, weak: s, threshold: 0.5 }\n");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_LT(d->routing.rules[0].router.max_cost_usd, 0) << "no cap unless asked";
  EXPECT_EQ(d->routing.rules[0].router.expected_output_tokens, 512);
  for (const char* bad : {"max_cost_usd: -1", "max_cost_usd: lots", "expected_output_tokens: -5", "expected_output_tokens: 1.5",
                          "max_cost: 1"}) {
    auto e = load(top + "{ name: cq, strong: l, weak: s, threshold: 0.5, " + bad + " }\n");
    EXPECT_FALSE(e) << bad;
  }
}

TEST(Config, UnknownKeyIsRejectedWithLineAndSuggestion) {
  auto c = load("version: 1\nmodels:\n  - name: a\n    url: http://x/v1\n    fallback: [b]\n");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("test.yaml:5:5"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("unknown key \"fallback\""), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("did you mean \"fallbacks\""), std::string::npos) << c.error().message;
}

TEST(Config, WrongTypesAreRejected) {
  auto c = load("version: 1\nserver:\n  workers: many\nmodels:\n  - name: a\n    url: http://x/v1\n");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("test.yaml:3"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("whole number"), std::string::npos);
  auto d = load("version: 1\nmodels: {name: a}\n");
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("expected a list"), std::string::npos) << d.error().message;
}

TEST(Config, MissingVersionAndModelsAreReported) {
  EXPECT_NE(load("models: []\n").error().message.find("version"), std::string::npos);
  EXPECT_NE(load("version: 1\n").error().message.find("models"), std::string::npos);
  EXPECT_NE(load("version: 2\nmodels: []\n").error().message.find("unsupported version"), std::string::npos);
  EXPECT_NE(load("").error().message.find("empty"), std::string::npos);
}

TEST(Config, YamlSyntaxErrorHasLine) {
  auto c = load("version: 1\nmodels:\n  - name: [unclosed\n");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("YAML syntax error"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("test.yaml:"), std::string::npos);
}

TEST(Config, DanglingModelNamesAreRejected) {
  auto c = load("version: 1\nrouting:\n  rules:\n    - name: r\n      model: ghost\nmodels:\n  - name: a\n    url: http://x/v1\n");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("unknown model \"ghost\""), std::string::npos) << c.error().message;
  auto f = load("version: 1\nmodels:\n  - name: a\n    url: http://x/v1\n    fallbacks: [a]\n");
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message.find("itself"), std::string::npos);
  auto dup = load("version: 1\nmodels:\n  - name: a\n    url: http://x/v1\n  - name: a\n    url: http://y/v1\n");
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().message.find("duplicate model name"), std::string::npos);
  auto clash = load("version: 1\nmodels:\n  - name: auto\n    url: http://x/v1\n");
  ASSERT_FALSE(clash);
  EXPECT_NE(clash.error().message.find("routing name"), std::string::npos);
}

TEST(Config, BadRegexIsRejectedWithLine) {
  auto c = load("version: 1\nrouting:\n  rules:\n    - name: r\n      when: { regex: '(unclosed' }\n      model: a\nmodels:\n  - name: a\n    url: http://x/v1\n");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("bad regular expression"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("test.yaml:5"), std::string::npos) << c.error().message;
}

TEST(Config, UnknownSignalValuesAreRejected) {
  auto c = load("version: 1\nrouting:\n  rules:\n    - name: r\n      when: { domain: [cooking] }\n      model: a\nmodels:\n  - name: a\n    url: http://x/v1\n");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("unknown domain \"cooking\""), std::string::npos) << c.error().message;
  auto p = load("version: 1\nrouting:\n  rules:\n    - name: r\n      when: { pii: [SSN] }\n      model: a\nmodels:\n  - name: a\n    url: http://x/v1\n");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("unknown PII type"), std::string::npos);
}

TEST(Config, ConditionTreeParses) {
  auto c = load(R"(version: 1
routing:
  rules:
    - name: r
      when:
        any:
          - all: [ { keywords: [a, b] }, { not: { has_tools: true } } ]
          - regex: { pattern: "x+", case_sensitive: true, scope: all }
          - message_count: { min: 2, max: 5 }
          - header: { name: X-Tier, equals: gold }
        prompt_length: { max: 100 }
      models: [a, b]
models:
  - name: a
    url: http://x/v1
  - name: b
    url: https://y.example.com/v1
)");
  ASSERT_TRUE(c) << c.error().message;
  const Condition& w = c->routing.rules[0].when;
  EXPECT_EQ(w.kind, Condition::Kind::kAll);  // two keys in one mapping mean all
  ASSERT_EQ(w.children.size(), 2u);
  EXPECT_EQ(w.children[0].kind, Condition::Kind::kAny);
  EXPECT_EQ(w.children[0].children.size(), 4u);
  EXPECT_EQ(w.children[0].children[3].header, "x-tier");
  EXPECT_TRUE(c->models[1].endpoints[0].tls);
  EXPECT_EQ(c->models[1].endpoints[0].port, "443");
}

TEST(Config, EnvExpansion) {
  ::setenv("SR_TEST_URL", "http://10.0.0.1:1234/v1", 1);
  ::unsetenv("SR_TEST_UNSET");
  auto c = load("version: 1\nserver:\n  listen: ${SR_TEST_UNSET:-127.0.0.1:9999}\nmodels:\n  - name: a\n    url: ${SR_TEST_URL}\n");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->server.port, 9999);
  EXPECT_EQ(c->models[0].endpoints[0].port, "1234");
  auto bad = load("version: 1\nmodels:\n  - name: a\n    url: ${SR_TEST_UNSET}\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("SR_TEST_UNSET is not set"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(expand_env("${UNTERMINATED"));
  EXPECT_EQ(*expand_env("a${SR_TEST_UNSET:-}b"), "ab");
  EXPECT_EQ(*expand_env("no vars $ here"), "no vars $ here");
}

TEST(Config, DurationsSizesUrls) {
  EXPECT_EQ(*parse_duration_ms("500ms"), 500u);
  EXPECT_EQ(*parse_duration_ms("2s"), 2000u);
  EXPECT_EQ(*parse_duration_ms("1m"), 60000u);
  EXPECT_EQ(*parse_duration_ms("250"), 250u);
  EXPECT_FALSE(parse_duration_ms("soon"));
  EXPECT_FALSE(parse_duration_ms("-5s"));
  EXPECT_EQ(*parse_size_bytes("16KiB"), 16384u);
  EXPECT_EQ(*parse_size_bytes("2MB"), 2000000u);
  EXPECT_FALSE(parse_size_bytes("lots"));
  EXPECT_FALSE(parse_endpoint_url("ftp://x"));
  EXPECT_FALSE(parse_endpoint_url("http://:80/v1"));
  EXPECT_FALSE(parse_endpoint_url("http://x:99999/v1"));
  EXPECT_FALSE(parse_endpoint_url("http://x/v1?q=1"));
  auto v6 = parse_endpoint_url("http://[::1]:8000/v1/");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->base_path, "/v1");
}

TEST(Config, BuiltinConfigsAreValid) {
  auto d = load_config_string(builtin_default_config(), "<builtin>");
  ASSERT_TRUE(d) << d.error().message;
  auto demo = load_config_string(builtin_demo_config({{"gpt-4o-mini", 1}, {"gpt-4o", 2}, {"qwen2.5-coder", 3}, {"o3-mini", 4}},
                                                     "127.0.0.1:0"),
                                 "<demo>");
  ASSERT_TRUE(demo) << demo.error().message;
  EXPECT_GE(demo->models.size(), 4u);
  auto demo_signals = load_config_string(
      builtin_demo_config({{"gpt-4o-mini", 1}, {"gpt-4o", 2}, {"qwen2.5-coder", 3}, {"o3-mini", 4}}, "127.0.0.1:0", true), "<demo>");
  ASSERT_TRUE(demo_signals) << demo_signals.error().message;
  EXPECT_EQ(demo_signals->routing.rules.front().name, "math");
}

TEST(Config, ShippedExamplesAreValid) {
  ::setenv("BACKEND_SMALL_URL", "http://127.0.0.1:1/v1", 1);
  ::setenv("BACKEND_LARGE_URL", "http://127.0.0.1:2/v1", 1);
  for (const char* f : {"two-backends.yaml", "minimal.yaml", "openai-plus-vllm.yaml", "several-backends.yaml", "signals-and-guards.yaml"}) {
    std::string path = std::string(SEMROUTER_SOURCE_DIR) + "/config/examples/" + f;
    if (!std::ifstream(path)) {
      ADD_FAILURE() << "missing example " << path;
      continue;
    }
    auto c = load_config_file(path);
    EXPECT_TRUE(c) << f << ": " << c.error().message;
  }
  auto two = load_config_file(std::string(SEMROUTER_SOURCE_DIR) + "/config/examples/two-backends.yaml");
  ASSERT_TRUE(two);
  EXPECT_EQ(two->routing.default_model, "small");
  EXPECT_EQ(two->find_model("large")->fallbacks, std::vector<std::string>{"small"});
}

TEST(Config, MissingFileIsAClearError) {
  auto c = load_config_file("/nonexistent/semrouter.yaml");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("cannot open"), std::string::npos);
}

}  // namespace
}  // namespace sr::config
