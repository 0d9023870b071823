#include "decision/rules.h"

#include <algorithm>
#include <cstring>

#include <re2/re2.h>

namespace sr::decision {

using config::Condition;
using K = Condition::Kind;

struct CompiledCondition {
  K kind = K::kAll;
  std::vector<CompiledCondition> children;
  std::vector<std::string> words;      // lowered unless case_sensitive
  std::vector<std::string> values;
  std::unique_ptr<re2::RE2> re;
  Condition::Scope scope = Condition::Scope::kLastUser;
  bool match_all = false, case_sensitive = false, flag = true;
  std::string header, equals;
  int64_t min = -1, max = -1;
  double min_score = 0;
};

struct RuleSet::CompiledRule {
  std::string name;
  CompiledCondition when;
  std::vector<const config::Model*> models;
};

RuleSet::RuleSet() = default;
RuleSet::~RuleSet() = default;
RuleSet::RuleSet(RuleSet&&) noexcept = default;
RuleSet& RuleSet::operator=(RuleSet&&) noexcept = default;

namespace {

void ascii_lower(std::string_view in, std::string& out) {
  out.resize(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    out[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
}

size_t count_code_points(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

Result<CompiledCondition> compile_condition(const Condition& c, const std::string& where) {
  CompiledCondition out;
  out.kind = c.kind;
  out.scope = c.scope;
  out.match_all = c.match_all;
  out.case_sensitive = c.case_sensitive;
  out.flag = c.flag;
  out.header = c.header;
  out.equals = c.equals;
  out.min = c.min;
  out.max = c.max;
  out.min_score = c.min_score;
  out.values = c.values;
  for (const auto& ch : c.children) {
    auto r = compile_condition(ch, where);
    if (!r) return tl::unexpected(r.error());
    out.children.push_back(std::move(*r));
  }
  if (c.kind == K::kKeywords) {
    for (const auto& w : c.values) {
      std::string lw;
      if (c.case_sensitive) lw = w;
      else ascii_lower(w, lw);
      out.words.push_back(std::move(lw));
    }
  }
  if (c.kind == K::kRegex) {
    RE2::Options opts;
    opts.set_log_errors(false);
    opts.set_case_sensitive(c.case_sensitive);
    out.re = std::make_unique<re2::RE2>(c.pattern, opts);
    if (!out.re->ok())
      return fail(ErrorCode::kConfigInvalid, where + ":" + std::to_string(c.line) + ": bad regular expression: " + out.re->error());
  }
  return out;
}

// Per-request evaluation state: lowered texts are computed at most once.
struct EvalState {
  RouteInput& in;
  std::string lower_last, lower_all;
  bool have_last = false, have_all = false;

  std::string_view text(Condition::Scope s) const {
    return s == Condition::Scope::kLastUser ? in.request.last_user_text() : in.request.all_text();
  }
  std::string_view lowered(Condition::Scope s) {
    if (s == Condition::Scope::kLastUser) {
      if (!have_last) { ascii_lower(in.request.last_user_text(), lower_last); have_last = true; }
      return lower_last;
    }
    if (!have_all) { ascii_lower(in.request.all_text(), lower_all); have_all = true; }
    return lower_all;
  }
};

bool eval(const CompiledCondition& c, EvalState& st);

// Text of every system/developer message, one by one.
template <class F>
bool any_system_text(const parse::ChatRequest& req, F&& f) {
  for (const auto& m : req.messages)
    if ((m.role == parse::Role::kSystem || m.role == parse::Role::kDeveloper) && f(req.text(m))) return true;
  return false;
}

bool keywords_in(const CompiledCondition& c, std::string_view hay) {
  if (c.match_all) {
    for (const auto& w : c.words)
      if (hay.find(w) == std::string_view::npos) return false;
    return true;
  }
  for (const auto& w : c.words)
    if (hay.find(w) != std::string_view::npos) return true;
  return false;
}

bool eval_keywords(const CompiledCondition& c, EvalState& st) {
  if (c.scope == Condition::Scope::kSystem) {
    std::string tmp;
    return any_system_text(st.in.request, [&](std::string_view t) {
      if (c.case_sensitive) return keywords_in(c, t);
      ascii_lower(t, tmp);
      return keywords_in(c, tmp);
    });
  }
  return keywords_in(c, c.case_sensitive ? st.text(c.scope) : st.lowered(c.scope));
}

bool eval_regex(const CompiledCondition& c, EvalState& st) {
  auto match = [&](std::string_view t) { return re2::RE2::PartialMatch(t, *c.re); };
  if (c.scope == Condition::Scope::kSystem) return any_system_text(st.in.request, match);
  return match(st.text(c.scope));
}

bool in_range(const CompiledCondition& c, int64_t v) {
  return (c.min < 0 || v >= c.min) && (c.max < 0 || v <= c.max);
}

bool contains(const std::vector<std::string>& vs, std::string_view v) {
  return std::find(vs.begin(), vs.end(), v) != vs.end();
}

bool eval(const CompiledCondition& c, EvalState& st) {
  switch (c.kind) {
    case K::kAll:
      for (const auto& ch : c.children)
        if (!eval(ch, st)) return false;
      return true;
    case K::kAny:
      for (const auto& ch : c.children)
        if (eval(ch, st)) return true;
      return false;
    case K::kNot:
      return !eval(c.children.front(), st);
    case K::kKeywords:
      return eval_keywords(c, st);
    case K::kRegex:
      return eval_regex(c, st);
    case K::kMessageCount:
      return in_range(c, static_cast<int64_t>(st.in.request.messages.size()));
    case K::kPromptLength: {
      if (c.scope == Condition::Scope::kSystem) {
        int64_t n = 0;
        any_system_text(st.in.request, [&](std::string_view t) { n += static_cast<int64_t>(count_code_points(t)); return false; });
        return in_range(c, n);
      }
      return in_range(c, static_cast<int64_t>(count_code_points(st.text(c.scope))));
    }
    case K::kHasImages:
      return st.in.request.has_images == c.flag;
    case K::kHasTools:
      return st.in.request.has_tools == c.flag;
    case K::kHeader: {
      if (!st.in.header) return false;
      std::string_view v = st.in.header(c.header);
      if (c.equals.empty()) return !v.empty();
      return v == c.equals;
    }
    case K::kDomain: {
      const signals::Classification* d = st.in.signals ? st.in.signals->domain() : nullptr;
      return d && d->confidence >= c.min_score && contains(c.values, d->label);
    }
    case K::kJailbreak: {
      const signals::Classification* j = st.in.signals ? st.in.signals->jailbreak() : nullptr;
      if (!j) return false;
      // Without a rule threshold, the model's own calibrated decision (its label) counts.
      bool is_jb = c.min_score >= 0 ? j->positive >= c.min_score : j->label == "jailbreak";
      return is_jb == c.flag;
    }
    case K::kPii: {
      const std::vector<signals::Entity>* ents = st.in.signals ? st.in.signals->pii() : nullptr;
      if (!ents) return false;
      bool found = false;
      for (const auto& e : *ents) {
        if (e.score < c.min_score) continue;
        if (c.values.empty() || contains(c.values, e.type)) { found = true; break; }
      }
      return found == c.flag;
    }
    case K::kLanguage: {
      const signals::Classification* l = st.in.signals ? st.in.signals->language() : nullptr;
      return l && l->confidence >= c.min_score && contains(c.values, l->label);
    }
  }
  return false;
}

}  // namespace

Result<RuleSet> RuleSet::compile(const config::Config& cfg) {
  RuleSet rs;
  rs.cfg_ = &cfg;
  for (const auto& r : cfg.routing.rules) {
    CompiledRule cr;
    cr.name = r.name;
    auto cc = compile_condition(r.when, cfg.source);
    if (!cc) return tl::unexpected(cc.error());
    cr.when = std::move(*cc);
    for (const auto& m : r.models) {
      const config::Model* model = cfg.find_model(m);
      if (!model) return fail(ErrorCode::kConfigInvalid, "rule \"" + r.name + "\" names unknown model \"" + m + "\"");
      cr.models.push_back(model);
    }
    rs.rules_.push_back(std::move(cr));
  }
  return rs;
}

int RuleSet::match(RouteInput& in) const {
  EvalState st{in};
  for (size_t i = 0; i < rules_.size(); ++i)
    if (eval(rules_[i].when, st)) return static_cast<int>(i);
  return -1;
}

std::vector<const config::Model*> RuleSet::with_fallbacks(std::span<const config::Model* const> first) const {
  std::vector<const config::Model*> out;
  out.reserve(4);  // one allocation for the usual chain
  auto add = [&](const config::Model* m) {
    if (m && std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  };
  for (const auto* m : first) add(m);
  // Breadth-first over fallbacks; the list only grows, so this terminates.
  for (size_t i = 0; i < out.size(); ++i)
    for (const auto& fb : out[i]->fallbacks) add(cfg_->find_model(fb));
  return out;
}

Result<Decision> RuleSet::decide(RouteInput& in) const {
  const std::string& requested = in.request.model;
  Decision d;
  if (cfg_->is_routing_name(requested)) {
    int idx = match(in);
    if (idx >= 0) {
      d.rule = rules_[static_cast<size_t>(idx)].name;
      d.rule_index = idx;
      d.candidates = with_fallbacks(rules_[static_cast<size_t>(idx)].models);
    } else {
      d.rule = "default";
      d.candidates = with_fallbacks(cfg_->find_model(cfg_->routing.default_model));
    }
    return d;
  }
  if (const config::Model* m = cfg_->find_model(requested)) {
    d.rule = "passthrough";
    d.candidates = with_fallbacks(m);
    return d;
  }
  return fail(ErrorCode::kUnknownModel, "The model `" + requested + "` does not exist or is not configured in semrouter");
}

}  // namespace sr::decision
