#pragma once
// Configs compiled into the binary: the default one (`semrouter serve` with no
// --config, what `make run` uses) and the demo one (stand-in backends).
#include <cstdint>
#include <map>
#include <string>

namespace sr::config {

//! YAML of the built-in default config: a local OpenAI-compatible server
//! (vLLM/llama.cpp/Ollama) as `small`, OpenAI as `large`; URLs and keys come
//! from environment variables with defaults.
const std::string& builtin_default_config();

//! YAML of the demo config; `ports` maps each demo model name to the port
//! its stand-in backend listens on (127.0.0.1).
//! With `with_signals`, the demo also routes by the built-in classifiers and
//! guards against jailbreaks and PII (needs the models/ folder).
std::string builtin_demo_config(const std::map<std::string, uint16_t>& ports, const std::string& listen,
                                bool with_signals = false);

//! Names of the demo models, in the order their stand-ins are started.
const char* const* demo_model_names(int* count);

}  // namespace sr::config
