#pragma once
// The rule engine: config rules compiled once (regexes, lowered keywords) and
// evaluated per request, first match wins. Signals (domain, jailbreak, pii,
// language) are asked for lazily through SignalProvider, so a request whose
// rules never mention a signal never pays for its classifier.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <span>
#include <vector>

#include "base/result.h"
#include "config/config.h"
#include "parse/chat_request.h"
#include "signals/signal.h"

namespace re2 {
class RE2;
}

namespace sr::decision {

//! Lazily computed signals of one request. Implementations cache: each method
//! runs its classifier at most once per request. nullptr = signal unavailable.
class SignalProvider {
 public:
  virtual ~SignalProvider() = default;
  virtual const signals::Classification* domain() = 0;
  virtual const signals::Classification* jailbreak() = 0;
  virtual const signals::Classification* language() = 0;
  virtual const std::vector<signals::Entity>* pii() = 0;
};

//! What a rule sees of a request.
struct RouteInput {
  const parse::ChatRequest& request;
  //! Header value by lower-case name, "" when absent.
  std::function<std::string_view(std::string_view)> header;
  SignalProvider* signals = nullptr;
};

//! The outcome of routing one request.
struct Decision {
  std::string_view rule;                       //!< matching rule, "default" or "passthrough"
  int rule_index = -1;                         //!< index into config rules, -1 for default/passthrough
  std::vector<const config::Model*> candidates; //!< chosen model first, then its fallbacks
};

struct CompiledCondition;

class RuleSet {
 public:
  RuleSet();
  ~RuleSet();
  RuleSet(RuleSet&&) noexcept;
  RuleSet& operator=(RuleSet&&) noexcept;

  //! Compiles `cfg.routing` (the config must outlive the RuleSet).
  static Result<RuleSet> compile(const config::Config& cfg);

  //! Routes a request: pass-through for a configured model name, rules for a
  //! routing name, kUnknownModel otherwise.
  Result<Decision> decide(RouteInput& in) const;

  //! Index of the first matching rule, or -1 (default).
  int match(RouteInput& in) const;

  //! Models to try for `first`: itself, then its fallbacks (transitively, no repeats).
  std::vector<const config::Model*> with_fallbacks(std::span<const config::Model* const> first) const;
  std::vector<const config::Model*> with_fallbacks(const config::Model* first) const { return with_fallbacks({&first, 1}); }

 private:
  struct CompiledRule;
  const config::Config* cfg_ = nullptr;
  std::vector<CompiledRule> rules_;
};

}  // namespace sr::decision
