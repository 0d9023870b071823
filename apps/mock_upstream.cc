// mock-upstream: one stand-in OpenAI-compatible backend as a process, for
// scripts, e2e tests and benchmarks. Prints "listening on HOST:PORT" once bound
// (so `--port 0` can be parsed) and exits 0 on SIGINT/SIGTERM.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include <pthread.h>

#include "demo/mock_upstream.h"

namespace {

void usage(FILE* out) {
  std::fprintf(out,
               "usage: mock-upstream [options]\n"
               "A stand-in OpenAI-compatible backend (never for real traffic).\n\n"
               "  --host ADDR           address to bind (default 127.0.0.1)\n"
               "  --port N              port, 0 = any free port (default 0)\n"
               "  --name NAME           model name it answers as (default mock)\n"
               "  --threads N           worker threads (default 1)\n"
               "  --latency-ms N        wait before the first byte\n"
               "  --chunks N            content chunks per streamed answer (default 6)\n"
               "  --chunk-chars N       characters per chunk (default: split evenly)\n"
               "  --chunk-delay-ms N    pause between streamed chunks\n"
               "  --fault F             none|500|429|reset|stall|drop_mid_stream|slow_headers\n"
               "  --fail-next N         only the next N requests fault\n"
               "  --fail-probability P  each request faults with probability P (seeded)\n"
               "  --seed N              seed for --fail-probability\n"
               "  --fixed               benchmark mode: one precomputed answer, no JSON parsing\n"
               "  --help                this text\n\n"
               "Per request: put [mock:fault=500], [mock:latency_ms=200] or\n"
               "[mock:chunks=20,chunk_delay_ms=5] in the last user message.\n"
               "Admin: POST/GET /mock/behavior, GET /mock/stats, GET /mock/last_request, POST /mock/reset\n");
}

bool parse_int(const char* s, long lo, long hi, long& out) {
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < lo || v > hi) return false;
  out = v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  sr::demo::MockOptions opts;
  // Flags that map onto MockBehavior go through the same validation as the
  // admin endpoint and directives, collected as one directive string.
  std::string directive;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      usage(stdout);
      return 0;
    }
    if (a == "--fixed") {
      opts.fixed = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "mock-upstream: %s needs a value (or is unknown)\n\n", argv[i]);
      usage(stderr);
      return 2;
    }
    const char* v = argv[++i];
    long n = 0;
    if (a == "--host") {
      opts.host = v;
    } else if (a == "--name") {
      opts.name = v;
    } else if (a == "--port") {
      if (!parse_int(v, 0, 65535, n)) {
        std::fprintf(stderr, "mock-upstream: --port: expected 0..65535, got '%s'\n", v);
        return 2;
      }
      opts.port = static_cast<uint16_t>(n);
    } else if (a == "--threads") {
      if (!parse_int(v, 1, 256, n)) {
        std::fprintf(stderr, "mock-upstream: --threads: expected 1..256, got '%s'\n", v);
        return 2;
      }
      opts.threads = static_cast<int>(n);
    } else if (a.starts_with("--")) {
      // --latency-ms → latency_ms, and so on.
      std::string key(a.substr(2));
      for (auto& c : key) c = c == '-' ? '_' : c;
      directive += (directive.empty() ? "" : ",") + key + "=" + v;
    } else {
      std::fprintf(stderr, "mock-upstream: unexpected argument '%s'\n\n", argv[i - 1]);
      usage(stderr);
      return 2;
    }
  }
  if (!directive.empty()) {
    auto b = sr::demo::apply_directives("[mock:" + directive + "]", opts.behavior);
    if (!b) {
      std::fprintf(stderr, "mock-upstream: %s\n", b.error().message.c_str());
      return 2;
    }
    opts.behavior = *b;
  }

  // Block the signals before any thread starts so only sigwait() below sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  sr::demo::MockUpstream mock(opts);
  auto port = mock.start();
  if (!port) {
    std::fprintf(stderr, "mock-upstream: %s\n", port.error().message.c_str());
    return 1;
  }
  std::printf("listening on %s:%u\n", opts.host.c_str(), static_cast<unsigned>(*port));
  std::fflush(stdout);

  int sig = 0;
  sigwait(&set, &sig);
  mock.stop();
  return 0;
}
