#include "guards/guards.h"

#include <gtest/gtest.h>

#include "signals/pii.h"

namespace sr::guards {
namespace {

using G = config::Guards;

class FakeSignals : public decision::SignalProvider {
 public:
  const signals::Classification* domain() override { return nullptr; }
  const signals::Classification* jailbreak() override { return &jb; }
  const signals::Classification* language() override { return nullptr; }
  const std::vector<signals::Entity>* pii() override { return nullptr; }
  signals::Classification jb{"benign", 0.9f, 0.1f};
};

config::Config load(const std::string& extra_model = "") {
  auto c = config::load_config_string("version: 1\nmodels:\n  - name: open\n    url: http://a/v1\n  - name: private\n    url: http://b/v1\n" + extra_model,
                                      "t.yaml");
  EXPECT_TRUE(c) << c.error().message;
  return *c;
}

parse::ChatRequest parse_req(std::string& body) {
  parse::RequestParser p;
  parse::ChatRequest r;
  EXPECT_TRUE(p.parse(body, r));
  return r;
}

TEST(Guards, RuleOverridesGlobalFieldByField) {
  G global;
  global.jailbreak = G::JailbreakAction::kBlock;
  global.pii = G::PiiAction::kRedact;
  G rule;
  rule.pii = G::PiiAction::kAllow;
  G e = effective(global, &rule);
  EXPECT_EQ(e.jailbreak, G::JailbreakAction::kBlock);  // inherited
  EXPECT_EQ(e.pii, G::PiiAction::kAllow);              // overridden
  EXPECT_EQ(effective(global, nullptr).pii, G::PiiAction::kRedact);
}

TEST(Guards, JailbreakThresholdAndModelDecision) {
  auto cfg = load();
  std::string body = R"({"model":"auto","messages":[{"role":"user","content":"hello"}]})";
  auto req = parse_req(body);
  FakeSignals s;
  G g;
  g.jailbreak = G::JailbreakAction::kBlock;
  std::vector<const config::Model*> cands{&cfg.models[0]};
  EXPECT_EQ(apply(g, cfg, req, body, s, nullptr, cands).action, Action::kPass);
  s.jb = {"jailbreak", 0.8f, 0.8f};
  EXPECT_EQ(apply(g, cfg, req, body, s, nullptr, cands).action, Action::kBlockJailbreak);
  g.jailbreak_threshold = 0.9;  // explicit threshold beats the model's label
  EXPECT_EQ(apply(g, cfg, req, body, s, nullptr, cands).action, Action::kPass);
  g.jailbreak = G::JailbreakAction::kAllow;
  g.jailbreak_threshold = -1;
  EXPECT_EQ(apply(g, cfg, req, body, s, nullptr, cands).action, Action::kPass);
}

TEST(Guards, PiiActions) {
  auto cfg = load();
  auto rec = signals::make_pii_rules_only();
  std::string body = R"({"model":"auto","messages":[{"role":"system","content":"be nice"},{"role":"user","content":"mail x.y@example.com now"}],"temperature":0.3})";
  auto req = parse_req(body);
  FakeSignals s;
  std::vector<const config::Model*> cands{&cfg.models[0], &cfg.models[1]};
  G g;
  g.pii = G::PiiAction::kBlock;
  auto b = apply(g, cfg, req, body, s, rec.get(), cands);
  EXPECT_EQ(b.action, Action::kBlockPii);
  EXPECT_EQ(b.pii_types, std::vector<std::string>{"EMAIL_ADDRESS"});
  g.pii = G::PiiAction::kRedact;
  auto r = apply(g, cfg, req, body, s, rec.get(), cands);
  ASSERT_EQ(r.action, Action::kRedact);
  EXPECT_EQ(r.body.find("x.y@example.com"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<EMAIL_ADDRESS>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"temperature\":0.3"), std::string::npos) << r.body;
  g.pii = G::PiiAction::kReroute;
  g.pii_reroute_to = "private";
  auto rr = apply(g, cfg, req, body, s, rec.get(), cands);
  ASSERT_EQ(rr.action, Action::kReroute);
  EXPECT_EQ(rr.candidates.front()->name, "private");
  g.pii_types = {"US_SSN"};  // only SSNs trigger now
  EXPECT_EQ(apply(g, cfg, req, body, s, rec.get(), cands).action, Action::kPass);
}

TEST(Guards, PiiRestrictedModelsDropped) {
  auto cfg = load("    pii_allowed: false\n");  // applies to `private`
  auto rec = signals::make_pii_rules_only();
  std::string body = R"({"model":"auto","messages":[{"role":"user","content":"card 4111 1111 1111 1111"}]})";
  auto req = parse_req(body);
  FakeSignals s;
  G g;  // no guard action at all
  auto o = apply(g, cfg, req, body, s, rec.get(), {&cfg.models[1], &cfg.models[0]});
  ASSERT_EQ(o.action, Action::kReroute);
  ASSERT_EQ(o.candidates.size(), 1u);
  EXPECT_EQ(o.candidates[0]->name, "open");
  auto only = apply(g, cfg, req, body, s, rec.get(), {&cfg.models[1]});
  EXPECT_EQ(only.action, Action::kBlockPii);
}

TEST(Guards, RedactBodyHandlesPartsAndRejectsNonChat) {
  auto rec = signals::make_pii_rules_only();
  auto out = redact_body(R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"ip 192.168.1.20 ok"},{"type":"image_url","image_url":{"url":"u"}}]}]})",
                         *rec, {}, true, 0.0f);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->find("192.168.1.20"), std::string::npos) << *out;
  EXPECT_NE(out->find("[REDACTED]"), std::string::npos) << *out;
  EXPECT_NE(out->find("image_url"), std::string::npos);
  EXPECT_FALSE(redact_body("[1,2]", *rec, {}, false, 0.0f));
  EXPECT_FALSE(redact_body("{bad", *rec, {}, false, 0.0f));
}

}  // namespace
}  // namespace sr::guards
