// semrouter serve: run the HTTP gateway until SIGTERM/SIGINT; reload the config
// on SIGHUP and when the file changes (a config that fails validation is
// rejected and the running one stays).
#include <utility>

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "commands.h"
#include "base/paths.h"
#include "config/builtin.h"
#include "config/config.h"
#include "demo/mock_upstream.h"
#include "metrics/registry.h"
#include "server/model_store.h"
#include "server/server.h"

namespace sr::apps {

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

void serve_usage(FILE* out) {
  std::fprintf(out,
               "usage: semrouter serve [--config FILE] [--demo | --demo-if-unreachable] [--listen HOST:PORT] [--workers N]\n\n"
               "Runs the router in the foreground until SIGTERM/SIGINT, then drains in-flight requests and exits 0.\n"
               "SIGHUP or a change of FILE reloads the config; an invalid config is rejected and the old one kept.\n\n"
               "  --config FILE            YAML config (default: the built-in config, see `semrouter validate --print-default`)\n"
               "  --demo                   start built-in stand-in backends (gpt-4o-mini, gpt-4o, qwen2.5-coder, o3-mini)\n"
               "                           and route between them: no API key or model server needed\n"
               "  --demo-if-unreachable    use the config, but switch to --demo when none of its backends answers\n"
               "  --listen HOST:PORT       override server.listen\n"
               "  --workers N              override server.workers (0 = one per core)\n");
}

struct FileStamp {
  time_t mtime = 0;
  long mtime_ns = 0;
  off_t size = -1;
  ino_t ino = 0;
  bool operator==(const FileStamp&) const = default;
};

FileStamp stamp_of(const std::string& path) {
  struct stat st;
  FileStamp s;
  if (::stat(path.c_str(), &st) == 0) {
    s.mtime = st.st_mtim.tv_sec;
    s.mtime_ns = st.st_mtim.tv_nsec;
    s.size = st.st_size;
    s.ino = st.st_ino;
  }
  return s;
}

// Is any endpoint of the config accepting TCP connections? (short, blocking: startup only)
bool any_backend_reachable(const config::Config& cfg) {
  net::io_context ioc;
  for (const auto& m : cfg.models) {
    for (const auto& ep : m.endpoints) {
      boost::system::error_code ec;
      tcp::resolver res(ioc);
      auto addrs = res.resolve(ep.host, ep.port, ec);
      if (ec) continue;
      for (const auto& a : addrs) {
        tcp::socket s(ioc);
        s.open(a.endpoint().protocol(), ec);
        if (ec) continue;
        s.non_blocking(true, ec);
        s.connect(a.endpoint(), ec);
        if (ec == net::error::would_block || ec == net::error::in_progress) {
          // Wait up to 300 ms for the connect to finish.
          pollfd pfd{s.native_handle(), POLLOUT, 0};
          if (::poll(&pfd, 1, 300) == 1) {
            int err = 0;
            socklen_t len = sizeof err;
            ::getsockopt(s.native_handle(), SOL_SOCKET, SO_ERROR, &err, &len);
            if (err == 0) return true;
          }
        } else if (!ec) {
          return true;
        }
      }
    }
  }
  return false;
}

void apply_overrides(config::Config& cfg, const std::string& listen, int workers) {
  if (!listen.empty()) {
    size_t c = listen.rfind(':');
    cfg.server.host = listen.substr(0, c);
    cfg.server.port = static_cast<uint16_t>(std::stoi(listen.substr(c + 1)));
  }
  if (workers >= 0) cfg.server.workers = workers;
}

}  // namespace

int cmd_serve(int argc, char** argv) {
  std::string config_path, listen;
  bool demo = false, demo_if_unreachable = false;
  int workers = -1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* name) -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "semrouter serve: %s needs a value\n", name);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      serve_usage(stdout);
      return 0;
    } else if (a == "--config" || a == "-c") {
      config_path = value("--config");
    } else if (a == "--demo") {
      demo = true;
    } else if (a == "--demo-if-unreachable") {
      demo_if_unreachable = true;
    } else if (a == "--listen") {
      listen = value("--listen");
      size_t c = listen.rfind(':');
      if (c == std::string::npos || c + 1 >= listen.size() ||
          listen.find_first_not_of("0123456789", c + 1) != std::string::npos || std::stol(listen.substr(c + 1)) > 65535) {
        std::fprintf(stderr, "semrouter serve: --listen wants HOST:PORT, got \"%s\"\n", listen.c_str());
        return 2;
      }
    } else if (a == "--workers") {
      std::string v = value("--workers");
      if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 3) {
        std::fprintf(stderr, "semrouter serve: --workers wants a number, got \"%s\"\n", v.c_str());
        return 2;
      }
      workers = std::stoi(v);
    } else {
      std::fprintf(stderr, "semrouter serve: unknown option \"%s\"\n\n", a.c_str());
      serve_usage(stderr);
      return 2;
    }
  }

  // Block the signals we handle in every thread; the main thread's signal_set receives them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  Result<config::Config> cfg = config_path.empty() ? config::load_config_string(config::builtin_default_config(), "<builtin>")
                                                   : config::load_config_file(config_path);
  if (!cfg) {
    std::fprintf(stderr, "semrouter: invalid config:\n  %s\n", cfg.error().message.c_str());
    return 1;
  }
  apply_overrides(*cfg, listen, workers);

  std::vector<std::unique_ptr<demo::MockUpstream>> stand_ins;
  if (!demo && demo_if_unreachable && !any_backend_reachable(*cfg)) {
    std::fprintf(stderr,
                 "semrouter: none of the configured backends answers; starting in DEMO mode instead.\n");
    demo = true;
  }
  if (demo) {
    std::map<std::string, uint16_t> ports;
    int n = 0;
    const char* const* names = config::demo_model_names(&n);
    for (int i = 0; i < n; ++i) {
      demo::MockOptions mo;
      mo.name = names[i];
      mo.behavior.latency_ms = 150;
      mo.behavior.chunks = 12;
      mo.behavior.chunk_delay_ms = 40;
      auto m = std::make_unique<demo::MockUpstream>(mo);
      auto port = m->start();
      if (!port) {
        std::fprintf(stderr, "semrouter: cannot start demo backend %s: %s\n", names[i], port.error().message.c_str());
        return 1;
      }
      ports[names[i]] = *port;
      stand_ins.push_back(std::move(m));
    }
    std::string l = cfg->server.host + ":" + std::to_string(cfg->server.port);
    const bool with_signals = !builtin_models_dir().empty();
    auto dcfg = config::load_config_string(config::builtin_demo_config(ports, l, with_signals), "<demo>");
    if (!dcfg) {
      std::fprintf(stderr, "semrouter: demo config invalid (a bug): %s\n", dcfg.error().message.c_str());
      return 1;
    }
    cfg = std::move(dcfg);
    apply_overrides(*cfg, "", workers);
    config_path.clear();
    std::fprintf(stderr,
                 "\n"
                 "  ************************************************************************\n"
                 "  *  DEMO MODE: the backends are built-in STAND-INS, not real models.     *\n"
                 "  *  Answers are canned text naming the model that was chosen, so you    *\n"
                 "  *  can watch routing, streaming and fallbacks. For real models, pass   *\n"
                 "  *  --config FILE (see config/examples/).                               *\n"
                 "  ************************************************************************\n\n");
    for (const auto& m : stand_ins)
      std::fprintf(stderr, "  stand-in %-14s %s\n", m->name().c_str(), m->base_url().c_str());
  }

  metrics::Registry registry;
  server::ModelStore models;
  uint64_t generation = 1;
  auto rt = server::build_runtime(*cfg, registry, generation, &models);
  if (!rt) {
    std::fprintf(stderr, "semrouter: invalid config:\n  %s\n", rt.error().message.c_str());
    return 1;
  }
  for (const auto& w : (*rt)->warnings) std::fprintf(stderr, "semrouter: warning: %s\n", w.c_str());
  server::Server srv(registry, std::make_unique<server::AccessLog>(cfg->server.access_log));
  auto port = srv.start(*rt);
  if (!port) {
    std::fprintf(stderr, "semrouter: %s\n", port.error().message.c_str());
    return 1;
  }
  registry.gauge(metrics::Family::config_generation).set(static_cast<int64_t>(generation));
  std::fprintf(stderr, "semrouter: listening on http://%s:%u  (config: %s, %zu models, %zu rules)\n",
               cfg->server.host.c_str(), static_cast<unsigned>(*port), cfg->source.c_str(), cfg->models.size(),
               cfg->routing.rules.size());
  std::fprintf(stderr, "semrouter: try  curl -s http://%s:%u/v1/chat/completions -H 'content-type: application/json' "
                       "-d '{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}'\n",
               cfg->server.host.c_str(), static_cast<unsigned>(*port));
  std::fflush(stderr);

  net::io_context main_ioc(1);
  net::signal_set signals(main_ioc, SIGINT, SIGTERM, SIGHUP);
  net::steady_timer watch_timer(main_ioc);
  FileStamp last_stamp = config_path.empty() ? FileStamp{} : stamp_of(config_path);
  auto& reload_ok = registry.counter(metrics::Family::config_reloads_total, {"success"});
  auto& reload_bad = registry.counter(metrics::Family::config_reloads_total, {"failure"});

  auto reload = [&](const char* why) {
    if (config_path.empty()) {
      std::fprintf(stderr, "semrouter: %s: nothing to reload (built-in config)\n", why);
      return;
    }
    auto next = config::load_config_file(config_path);
    if (next) apply_overrides(*next, listen, workers);
    Result<server::RuntimePtr> nrt = next ? server::build_runtime(*next, registry, generation + 1, &models)
                                          : Result<server::RuntimePtr>(tl::unexpected(next.error()));
    if (!nrt) {
      reload_bad.inc();
      std::fprintf(stderr, "semrouter: reload (%s) rejected, keeping the running config:\n  %s\n", why,
                   nrt.error().message.c_str());
      return;
    }
    const auto& old = srv.runtime()->config->server;
    if (next->server.host != old.host || next->server.port != old.port || next->server.workers != old.workers)
      std::fprintf(stderr, "semrouter: note: server.listen/workers changes take effect after a restart\n");
    ++generation;
    srv.set_runtime(*nrt);
    reload_ok.inc();
    registry.gauge(metrics::Family::config_generation).set(static_cast<int64_t>(generation));
    std::fprintf(stderr, "semrouter: config reloaded (%s), generation %llu: %zu models, %zu rules\n", why,
                 static_cast<unsigned long long>(generation), next->models.size(), next->routing.rules.size());
  };

  bool stopping = false;
  std::function<void()> arm_signals = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        reload("SIGHUP");
        last_stamp = stamp_of(config_path);
        arm_signals();
        return;
      }
      stopping = true;
      std::fprintf(stderr, "semrouter: %s received, draining (up to %u ms)\n", sig == SIGINT ? "SIGINT" : "SIGTERM",
                   srv.runtime()->config->server.drain_timeout_ms);
      main_ioc.stop();
    });
  };
  arm_signals();

  std::function<void()> arm_watch = [&] {
    if (config_path.empty()) return;
    watch_timer.expires_after(std::chrono::seconds(1));
    watch_timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      FileStamp s = stamp_of(config_path);
      if (!(s == last_stamp) && s.size >= 0) {
        last_stamp = s;
        reload("file changed");
      }
      arm_watch();
    });
  };
  arm_watch();

  main_ioc.run();
  (void)stopping;
  srv.begin_drain();
  bool drained = srv.wait_drained(std::chrono::milliseconds(srv.runtime()->config->server.drain_timeout_ms));
  srv.stop();
  for (auto& m : stand_ins) m->stop();
  std::fprintf(stderr, "%s\n", drained ? "semrouter: drained, bye" : "semrouter: drain timeout, closed remaining requests");
  return 0;
}

}  // namespace sr::apps
