#include "server/request_signals.h"

#include <chrono>
#include <cstdio>

namespace sr::server {

namespace {
using Clock = std::chrono::steady_clock;

std::string fmt_prob(float p) {
  char b[16];
  std::snprintf(b, sizeof b, "%.3f", static_cast<double>(p));
  return b;
}
}  // namespace

std::string_view RequestSignals::text() const {
  std::string_view t = req_.last_user_text();
  return t.empty() ? req_.all_text() : t;
}

const signals::Classification* RequestSignals::run(const signals::Classifier* c, metrics::Histogram* h,
                                                   const std::map<std::string, metrics::Counter*, std::less<>>& labels,
                                                   std::optional<signals::Classification>& slot, bool& done) {
  if (done) return slot ? &*slot : nullptr;
  done = true;
  if (!c) return nullptr;
  auto t0 = Clock::now();
  slot = c->classify(text());
  if (!count_) return &*slot;
  h->observe(std::chrono::duration<double>(Clock::now() - t0).count());
  if (auto it = labels.find(slot->label); it != labels.end()) it->second->inc();
  return &*slot;
}

const signals::Classification* RequestSignals::domain() {
  return run(s_.domain.get(), s_.domain_seconds, s_.domain_labels, domain_, domain_done_);
}
const signals::Classification* RequestSignals::jailbreak() {
  return run(s_.jailbreak.get(), s_.jailbreak_seconds, s_.jailbreak_labels, jailbreak_, jailbreak_done_);
}
const signals::Classification* RequestSignals::language() {
  return run(s_.language.get(), s_.language_seconds, s_.language_labels, language_, language_done_);
}

const std::vector<signals::Entity>* RequestSignals::pii() {
  if (pii_) return &*pii_;
  if (!s_.pii) return nullptr;
  auto t0 = Clock::now();
  pii_ = s_.pii->recognize(text());
  if (!count_) return &*pii_;
  s_.pii_seconds->observe(std::chrono::duration<double>(Clock::now() - t0).count());
  for (const auto& e : *pii_)
    if (auto it = s_.pii_types.find(e.type); it != s_.pii_types.end()) it->second->inc();
  return &*pii_;
}

std::vector<std::pair<std::string_view, std::string>> RequestSignals::debug_headers() {
  std::vector<std::pair<std::string_view, std::string>> h;
  if (auto* d = domain()) h.emplace_back("x-semrouter-domain", std::string(d->label) + ";" + fmt_prob(d->confidence));
  if (auto* j = jailbreak()) h.emplace_back("x-semrouter-jailbreak", std::string(j->label) + ";" + fmt_prob(j->positive));
  if (auto* l = language()) h.emplace_back("x-semrouter-language", std::string(l->label) + ";" + fmt_prob(l->confidence));
  if (auto* p = pii()) {
    std::string types;
    for (const auto& e : *p)
      if (types.find(e.type) == std::string::npos) types += (types.empty() ? "" : ",") + e.type;
    h.emplace_back("x-semrouter-pii", types.empty() ? "none" : types);
  }
  return h;
}

}  // namespace sr::server
