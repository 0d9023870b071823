#pragma once
// Test fixture: the real server (in-process, port 0) in front of two real mock
// upstreams ("small-up", "large-up"), with helpers to start, reload and poll metrics.
#include <thread>

#include <gtest/gtest.h>

#include "config/config.h"
#include "demo/mock_upstream.h"
#include "http_client.h"
#include "metrics/registry.h"
#include "server/model_store.h"
#include "server/server.h"

namespace sr::testing {

using demo::Fault;
using demo::MockBehavior;

inline std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
  return s;
}

class Gateway : public ::testing::Test {
  // Set by fixtures that need the built-in models (signals, routers).
 protected:
  server::ModelStore* models_ = nullptr;

 protected:
  void SetUp() override {
    small_ = start_mock("small-up");
    large_ = start_mock("large-up");
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  std::unique_ptr<demo::MockUpstream> start_mock(const std::string& name) {
    demo::MockOptions o;
    o.name = name;
    auto m = std::make_unique<demo::MockUpstream>(o);
    auto p = m->start();
    EXPECT_TRUE(p) << p.error().message;
    return m;
  }

  std::string expand(const std::string& yaml) {
    std::string y = replace_all(yaml, "$SMALL", small_->base_url());
    y = replace_all(y, "$LARGE", large_->base_url());
    return y;
  }

  // Default config: "prove" -> large (upstream name large-up-model), else small; large falls back to small.
  std::string default_yaml(const std::string& server_extra = "", const std::string& large_extra = "") {
    return "version: 1\nserver:\n  listen: 127.0.0.1:0\n  workers: 2\n  access_log: \"off\"\n" + server_extra +
           "routing:\n  default: small\n  rules:\n    - name: hard\n      when: { keywords: [prove, step by step] }\n      model: large\n"
           "models:\n  - name: small\n    url: $SMALL\n    retry: { attempts: 2, backoff: 10ms }\n"
           "    price: { input_per_mtok: 100, output_per_mtok: 200 }\n"
           "  - name: large\n    url: $LARGE\n    upstream_model: large-up-model\n    fallbacks: [small]\n"
           "    retry: { attempts: 2, backoff: 10ms }\n" + large_extra;
  }

  void start(const std::string& yaml) {
    auto cfg = config::load_config_string(expand(yaml), "test.yaml");
    ASSERT_TRUE(cfg) << cfg.error().message;
    auto rt = server::build_runtime(std::move(*cfg), registry_, 1, models_);
    ASSERT_TRUE(rt) << rt.error().message;
    server_ = std::make_unique<server::Server>(registry_, std::make_unique<server::AccessLog>("off"));
    auto p = server_->start(*rt);
    ASSERT_TRUE(p) << p.error().message;
    port_ = *p;
  }

  void reload(const std::string& yaml, uint64_t gen) {
    auto cfg = config::load_config_string(expand(yaml), "test.yaml");
    ASSERT_TRUE(cfg) << cfg.error().message;
    auto rt = server::build_runtime(std::move(*cfg), registry_, gen, models_);
    ASSERT_TRUE(rt);
    server_->set_runtime(*rt);
  }

  // Metrics are updated right after the response is written; poll briefly.
  bool metric_appears(const std::string& needle) {
    for (int i = 0; i < 100; ++i) {
      if (registry_.render().find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  //! The value of the metric line starting with `series` (NaN if absent).
  double metric_value(const std::string& series) {
    const std::string text = registry_.render();
    size_t at = 0;
    while ((at = text.find(series, at)) != std::string::npos) {
      if (at == 0 || text[at - 1] == '\n') {
        const size_t sp = at + series.size();
        if (sp < text.size() && text[sp] == ' ') return std::stod(text.substr(sp + 1, text.find('\n', sp) - sp - 1));
      }
      at += series.size();
    }
    return std::nan("");
  }

  static std::string chat(const std::string& text, const std::string& model = "auto", bool stream = false,
                          const std::string& extra = "") {
    return R"({"model":")" + model + R"(","messages":[{"role":"user","content":")" + text + R"("}])" +
           (stream ? R"(,"stream":true,"stream_options":{"include_usage":true})" : "") + extra + "}";
  }

  metrics::Registry registry_;
  std::unique_ptr<demo::MockUpstream> small_, large_;
  std::unique_ptr<server::Server> server_;
  uint16_t port_ = 0;
};

}  // namespace sr::testing
