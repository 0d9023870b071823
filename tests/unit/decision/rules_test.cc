#include "decision/rules.h"

#include <map>

#include <gtest/gtest.h>

namespace sr::decision {
namespace {

// A signal provider with fixed answers, counting how often each signal is asked for.
class FakeSignals : public SignalProvider {
 public:
  const signals::Classification* domain() override { ++domain_calls; return has_domain ? &dom : nullptr; }
  const signals::Classification* jailbreak() override { return has_jb ? &jb : nullptr; }
  const signals::Classification* language() override { return has_lang ? &lang : nullptr; }
  const std::vector<signals::Entity>* pii() override { return &ents; }
  signals::Classification dom{"math", 0.9f, 0.9f}, jb{"benign", 0.9f, 0.1f}, lang{"en", 0.95f, 0.95f};
  bool has_domain = true, has_jb = true, has_lang = true;
  std::vector<signals::Entity> ents;
  int domain_calls = 0;
};

struct Fixture {
  config::Config cfg;
  RuleSet rules;
};

std::unique_ptr<Fixture> make(const std::string& routing) {
  std::string yaml = "version: 1\nrouting:\n" + routing +
                     "models:\n  - name: small\n    url: http://a/v1\n  - name: large\n    url: http://b/v1\n    fallbacks: [small]\n"
                     "  - name: coder\n    url: http://c/v1\n    fallbacks: [large]\n";
  auto cfg = config::load_config_string(yaml, "t.yaml");
  EXPECT_TRUE(cfg) << cfg.error().message;
  auto f = std::make_unique<Fixture>();
  f->cfg = std::move(*cfg);
  auto rs = RuleSet::compile(f->cfg);
  EXPECT_TRUE(rs) << rs.error().message;
  f->rules = std::move(*rs);
  return f;
}

parse::ChatRequest request(const std::string& body, std::string& storage) {
  parse::RequestParser p;
  parse::ChatRequest r;
  storage = body;
  auto res = p.parse(storage, r);
  EXPECT_TRUE(res) << res.error().message;
  return r;
}

struct Routed {
  std::string rule;
  std::vector<std::string> models;
};

Routed route(const Fixture& f, const std::string& body, SignalProvider* sig = nullptr,
             std::map<std::string, std::string> headers = {}) {
  std::string storage;
  auto req = request(body, storage);
  RouteInput in{req, [&](std::string_view n) -> std::string_view {
                  auto it = headers.find(std::string(n));
                  return it == headers.end() ? std::string_view() : std::string_view(it->second);
                }, sig};
  auto d = f.rules.decide(in);
  Routed r;
  if (!d) {
    r.rule = "ERROR:" + d.error().message;
    return r;
  }
  r.rule = std::string(d->rule);
  for (auto* m : d->candidates) r.models.push_back(m->name);
  return r;
}

std::string user(const std::string& text, const std::string& model = "auto") {
  return R"({"model":")" + model + R"(","messages":[{"role":"user","content":")" + text + R"("}]})";
}

TEST(Rules, KeywordsAnyCaseInsensitiveWithFallbacks) {
  auto f = make("  rules:\n    - name: hard\n      when: { keywords: [prove, step by step] }\n      model: large\n");
  auto r = route(*f, user("Please PROVE that"));
  EXPECT_EQ(r.rule, "hard");
  EXPECT_EQ(r.models, (std::vector<std::string>{"large", "small"}));
  auto d = route(*f, user("hello"));
  EXPECT_EQ(d.rule, "default");
  EXPECT_EQ(d.models, std::vector<std::string>{"small"});
  EXPECT_EQ(route(*f, user("Explain Step By Step")).rule, "hard");
}

TEST(Rules, KeywordsAllAndCaseSensitive) {
  auto f = make("  rules:\n    - name: both\n      when: { keywords: { all: [alpha, Beta], case_sensitive: true } }\n      model: large\n");
  EXPECT_EQ(route(*f, user("alpha and Beta")).rule, "both");
  EXPECT_EQ(route(*f, user("alpha and beta")).rule, "default");
  EXPECT_EQ(route(*f, user("alpha only")).rule, "default");
}

TEST(Rules, ScopeLastUserVsAll) {
  auto f = make("  rules:\n    - name: sys\n      when: { keywords: { any: [pirate], scope: system } }\n      model: coder\n"
                "    - name: any-msg\n      when: { keywords: { any: [secret], scope: all } }\n      model: large\n");
  std::string body = R"({"model":"auto","messages":[{"role":"system","content":"talk like a pirate"},{"role":"user","content":"hi"}]})";
  EXPECT_EQ(route(*f, body).rule, "sys");
  std::string body2 = R"({"model":"auto","messages":[{"role":"user","content":"the secret"},{"role":"assistant","content":"ok"},{"role":"user","content":"go"}]})";
  EXPECT_EQ(route(*f, body2).rule, "any-msg");
}

TEST(Rules, RegexCountsLengthsToolsHeaders) {
  auto f = make(
      "  rules:\n"
      "    - name: code\n      when: { regex: '\\bdef\\s+\\w+\\(' }\n      model: coder\n"
      "    - name: long-chat\n      when: { message_count: { min: 3 } }\n      model: large\n"
      "    - name: long-prompt\n      when: { prompt_length: { min: 20 } }\n      model: large\n"
      "    - name: tier\n      when: { header: { name: x-tier, equals: gold } }\n      model: large\n"
      "    - name: tools\n      when: { has_tools: true }\n      model: coder\n");
  EXPECT_EQ(route(*f, user("def foo(x): pass")).rule, "code");
  EXPECT_EQ(route(*f, user("ünïcödé ünïcödé ü")).rule, "default");  // 17 code points, more bytes
  EXPECT_EQ(route(*f, user("this prompt is definitely long")).rule, "long-prompt");
  EXPECT_EQ(route(*f, user("short"), nullptr, {{"x-tier", "gold"}}).rule, "tier");
  EXPECT_EQ(route(*f, user("short"), nullptr, {{"x-tier", "silver"}}).rule, "default");
  std::string three = R"({"model":"auto","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"}]})";
  EXPECT_EQ(route(*f, three).rule, "long-chat");
  std::string tools = R"({"model":"auto","tools":[{"type":"function"}],"messages":[{"role":"user","content":"a"}]})";
  EXPECT_EQ(route(*f, tools).rule, "tools");
}

TEST(Rules, BooleanCombinators) {
  auto f = make("  rules:\n    - name: r\n      when:\n        all:\n          - any: [ { keywords: [x] }, { keywords: [y] } ]\n"
                "          - not: { keywords: [z] }\n      model: large\n");
  EXPECT_EQ(route(*f, user("x")).rule, "r");
  EXPECT_EQ(route(*f, user("y")).rule, "r");
  EXPECT_EQ(route(*f, user("x z")).rule, "default");
  EXPECT_EQ(route(*f, user("w")).rule, "default");
}

TEST(Rules, FirstMatchWinsAndDefaultModel) {
  auto f = make("  default: coder\n  rules:\n    - name: one\n      when: { keywords: [a] }\n      model: large\n"
                "    - name: two\n      when: { keywords: [a] }\n      model: small\n");
  EXPECT_EQ(route(*f, user("a")).rule, "one");
  auto d = route(*f, user("b"));
  EXPECT_EQ(d.rule, "default");
  EXPECT_EQ(d.models, (std::vector<std::string>{"coder", "large", "small"}));  // transitive fallbacks
}

TEST(Rules, PassThroughAndUnknownModel) {
  auto f = make("  rules: []\n");
  auto p = route(*f, user("x", "large"));
  EXPECT_EQ(p.rule, "passthrough");
  EXPECT_EQ(p.models, (std::vector<std::string>{"large", "small"}));
  auto u = route(*f, user("x", "gpt-9"));
  EXPECT_NE(u.rule.find("ERROR:"), std::string::npos);
  EXPECT_NE(u.rule.find("gpt-9"), std::string::npos);
}

TEST(Rules, SignalsAreConsultedLazily) {
  auto f = make("  rules:\n    - name: kw\n      when: { keywords: [fast] }\n      model: small\n"
                "    - name: math\n      when: { domain: { in: [math, physics], min_confidence: 0.8 } }\n      model: large\n");
  FakeSignals s;
  EXPECT_EQ(route(*f, user("fast please"), &s).rule, "kw");
  EXPECT_EQ(s.domain_calls, 0);  // never asked: an earlier rule matched
  EXPECT_EQ(route(*f, user("integrate x"), &s).rule, "math");
  EXPECT_EQ(s.domain_calls, 1);
  s.dom.confidence = 0.5f;
  EXPECT_EQ(route(*f, user("integrate x"), &s).rule, "default");
  s.has_domain = false;
  EXPECT_EQ(route(*f, user("integrate x"), &s).rule, "default");
  EXPECT_EQ(route(*f, user("integrate x"), nullptr).rule, "default");
}

TEST(Rules, JailbreakPiiLanguageSignals) {
  auto f = make("  rules:\n    - name: jb\n      when: { jailbreak: true }\n      model: small\n"
                "    - name: pii\n      when: { pii: [EMAIL_ADDRESS] }\n      model: coder\n"
                "    - name: de\n      when: { language: [de] }\n      model: large\n");
  FakeSignals s;
  s.jb = {"jailbreak", 0.75f, 0.75f};  // the model's own decision
  EXPECT_EQ(route(*f, user("x"), &s).rule, "jb");
  s.jb = {"benign", 0.6f, 0.4f};
  EXPECT_EQ(route(*f, user("x"), &s).rule, "default");
  s.ents.push_back({"EMAIL_ADDRESS", 0, 5, "a@b.c", 0.99f});
  EXPECT_EQ(route(*f, user("x"), &s).rule, "pii");
  s.ents.clear();
  s.lang.label = "de";
  EXPECT_EQ(route(*f, user("x"), &s).rule, "de");
}

}  // namespace
}  // namespace sr::decision
