#pragma once
// The signals of one request, computed lazily (a classifier runs only when a
// rule, guard or debug header asks) and at most once each, timed into
// semrouter_signal_duration_seconds and counted in semrouter_signals_total.
// Lives only for the synchronous part of the pipeline (it views the request).
#include <optional>
#include <string>
#include <vector>

#include "decision/rules.h"
#include "parse/chat_request.h"
#include "server/runtime.h"

namespace sr::server {

class RequestSignals : public decision::SignalProvider {
 public:
  //! `count` false: a dry run, which moves no signal metric.
  RequestSignals(const SignalRuntime& s, const parse::ChatRequest& req, bool count = true)
      : s_(s), req_(req), count_(count) {}

  const signals::Classification* domain() override;
  const signals::Classification* jailbreak() override;
  const signals::Classification* language() override;
  const std::vector<signals::Entity>* pii() override;

  //! "x-semrouter-*" debug headers with every available signal (computes them all).
  std::vector<std::pair<std::string_view, std::string>> debug_headers();

 private:
  std::string_view text() const;
  const signals::Classification* run(const signals::Classifier* c, metrics::Histogram* h,
                                     const std::map<std::string, metrics::Counter*, std::less<>>& labels,
                                     std::optional<signals::Classification>& slot, bool& done);
  const SignalRuntime& s_;
  bool count_ = true;
  const parse::ChatRequest& req_;
  std::optional<signals::Classification> domain_, jailbreak_, language_;
  std::optional<std::vector<signals::Entity>> pii_;
  bool domain_done_ = false, jailbreak_done_ = false, language_done_ = false;
};

}  // namespace sr::server
