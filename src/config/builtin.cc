#include "config/builtin.h"

#include <iterator>

namespace sr::config {

const std::string& builtin_default_config() {
  static const std::string kYaml = R"(# semrouter built-in default config (semrouter serve with no --config).
version: 1
server:
  listen: ${SEMROUTER_LISTEN:-127.0.0.1:8801}
routing:
  names: [auto]
  default: small
  rules:
    - name: reasoning
      when: { keywords: ["prove", "step by step", "derive", "think carefully"] }
      model: large
    - name: code
      when:
        regex: '(?i)\b(python|javascript|typescript|rust|golang|c\+\+|java|sql|stack ?trace|segfault|compile|refactor|function)\b'
      model: large
    - name: long-context
      when: { prompt_length: { min: 8000, scope: all } }
      model: large
models:
  - name: small
    url: ${SEMROUTER_SMALL_URL:-http://127.0.0.1:8000/v1}
    upstream_model: ${SEMROUTER_SMALL_MODEL:-small}
    api_key: ${SEMROUTER_SMALL_API_KEY:-}
    price: { input_per_mtok: 0.15, output_per_mtok: 0.60 }
  - name: large
    url: ${SEMROUTER_LARGE_URL:-https://api.openai.com/v1}
    upstream_model: ${SEMROUTER_LARGE_MODEL:-gpt-4o}
    api_key: ${OPENAI_API_KEY:-}
    price: { input_per_mtok: 2.50, output_per_mtok: 10.00 }
    fallbacks: [small]
)";
  return kYaml;
}

namespace {
constexpr const char* kDemoModels[] = {"gpt-4o-mini", "gpt-4o", "qwen2.5-coder", "o3-mini"};
}

const char* const* demo_model_names(int* count) {
  *count = static_cast<int>(std::size(kDemoModels));
  return kDemoModels;
}

std::string builtin_demo_config(const std::map<std::string, uint16_t>& ports, const std::string& listen,
                                bool with_signals) {
  auto url = [&](const char* name) {
    auto it = ports.find(name);
    return "http://127.0.0.1:" + std::to_string(it == ports.end() ? 1 : it->second) + "/v1";
  };
  std::string y;
  y += "# semrouter demo config: every backend is a built-in stand-in, not a real model.\n";
  y += "version: 1\n";
  y += "server:\n  listen: \"" + listen + "\"\n";
  if (with_signals) {
    y += R"(guards:
  jailbreak: { action: block }
  pii: { action: redact, types: [EMAIL_ADDRESS, US_SSN, CREDIT_CARD, PHONE_NUMBER] }
)";
  } else {
    y += "signals: { domain: off, jailbreak: off, pii: off, language: off }\n";
  }
  y += R"(routing:
  names: [auto]
  default: gpt-4o-mini
  rules:
)";
  if (with_signals) {
    y += R"(    - name: math
      when: { domain: { in: [math, physics], min_confidence: 0.5 } }
      model: o3-mini
)";
  }
  y += R"(    - name: reasoning
      when: { keywords: ["prove", "step by step", "derive", "think carefully"] }
      models: [o3-mini, gpt-4o]
    - name: code
      when:
        regex: '(?i)\b(python|javascript|rust|c\+\+|sql|function|compile|bug|refactor)\b'
      model: qwen2.5-coder
    - name: long-or-tools
      when: { any: [ { prompt_length: { min: 4000, scope: all } }, { has_tools: true } ] }
      model: gpt-4o
models:
)";
  y += "  - name: gpt-4o-mini\n    url: " + url("gpt-4o-mini") +
       "\n    price: { input_per_mtok: 0.15, output_per_mtok: 0.60 }\n    fallbacks: [gpt-4o]\n";
  y += "  - name: gpt-4o\n    url: " + url("gpt-4o") +
       "\n    price: { input_per_mtok: 2.50, output_per_mtok: 10.00 }\n    fallbacks: [gpt-4o-mini]\n";
  y += "  - name: qwen2.5-coder\n    url: " + url("qwen2.5-coder") +
       "\n    price: { input_per_mtok: 0.20, output_per_mtok: 0.60 }\n    fallbacks: [gpt-4o]\n";
  y += "  - name: o3-mini\n    url: " + url("o3-mini") +
       "\n    price: { input_per_mtok: 1.10, output_per_mtok: 4.40 }\n    fallbacks: [gpt-4o]\n";
  return y;
}

}  // namespace sr::config
