#!/usr/bin/env bash
# e2e: the official `openai` npm client against build/semrouter serving
# config/examples/two-backends.yaml in front of two mock upstreams ("small",
# "large"). Usage: bash tests/e2e/openai_client_test.sh <abs build dir>
# Exit 0 pass, 77 skip (no node / npm registry), anything else fail.
# The same run also checks the client against a mock directly (OpenAI
# compatibility of the stand-in); E2E_DIRECT=1 runs only that (no router needed).
set -uo pipefail
BUILD=${1:-$PWD/build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NODE_DIR=$ROOT/tests/e2e/node
CONFIG=$ROOT/config/examples/two-backends.yaml
DIRECT=${E2E_DIRECT:-0}
unset SEMROUTER_URL

say() { echo "openai_client_test: $*"; }

command -v node >/dev/null 2>&1 || { say "skip: node is not installed"; exit 77; }
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || { say "skip: node >= 20 needed (node --test, fetch), found $(node --version)"; exit 77; }
[ -x "$BUILD/mock-upstream" ] || { say "FAIL: $BUILD/mock-upstream not built"; exit 1; }
if [ "$DIRECT" != 1 ]; then
  [ -x "$BUILD/semrouter" ] || { say "FAIL: $BUILD/semrouter not built"; exit 1; }
  [ -f "$CONFIG" ] || { say "FAIL: $CONFIG missing"; exit 1; }
fi

if [ ! -f "$NODE_DIR/node_modules/openai/package.json" ]; then
  say "installing the openai npm package (npm ci)"
  if ! (cd "$NODE_DIR" && timeout 180 npm ci --no-audit --no-fund --loglevel=error); then
    say "skip: npm ci failed (is the npm registry reachable?)"
    exit 77
  fi
fi

TMP=$(mktemp -d)
PIDS=()
. "$ROOT/scripts/stop_pids.sh"
cleanup() {
  stop_pids "${PIDS[@]}"
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts one mock on port 0 in this shell (so its pid lands in PIDS) and sets
# MOCK_PORT from its "listening on HOST:PORT" line.
start_mock() {  # name
  local name=$1 out="$TMP/mock-$1.log"
  "$BUILD/mock-upstream" --name "$name" --port 0 >"$out" 2>&1 &
  PIDS+=($!)
  MOCK_PORT=
  for _ in $(seq 1 50); do
    MOCK_PORT=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$out")
    [ -n "$MOCK_PORT" ] && return 0
    sleep 0.1
  done
  say "FAIL: mock '$name' did not start:"; cat "$out"
  return 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
    node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

start_mock small || exit 1; P_SMALL=$MOCK_PORT
start_mock large || exit 1; P_LARGE=$MOCK_PORT
export MOCK_SMALL_URL=http://127.0.0.1:$P_SMALL
export MOCK_LARGE_URL=http://127.0.0.1:$P_LARGE

if [ "$DIRECT" != 1 ]; then
  P_ROUTER=$(free_port)
  ROUTER_LOG=$TMP/semrouter.log
  # The contract config plus one spent key, for the budget test.
  RUN_CONFIG=$TMP/config.yaml
  { cat "$CONFIG"; printf 'budgets:\n  keys:\n    - { key: sk-e2e-spent, usd: 0 }\n'; } >"$RUN_CONFIG"
  SEMROUTER_LISTEN=127.0.0.1:$P_ROUTER \
    BACKEND_SMALL_URL=$MOCK_SMALL_URL/v1 \
    BACKEND_LARGE_URL=$MOCK_LARGE_URL/v1 \
    "$BUILD/semrouter" serve --config "$RUN_CONFIG" >"$ROUTER_LOG" 2>&1 &
  ROUTER_PID=$!
  PIDS+=($ROUTER_PID)
  export SEMROUTER_URL=http://127.0.0.1:$P_ROUTER
  ready=0
  for _ in $(seq 1 100); do  # 10 s
    if ! kill -0 "$ROUTER_PID" 2>/dev/null; then
      say "FAIL: semrouter exited before /ready; its log:"; cat "$ROUTER_LOG"
      exit 1
    fi
    if curl -fsS -m 1 -o /dev/null "$SEMROUTER_URL/ready" 2>/dev/null; then ready=1; break; fi
    sleep 0.1
  done
  if [ $ready != 1 ]; then
    say "FAIL: semrouter did not answer GET /ready within 10 s; its log:"; cat "$ROUTER_LOG"
    exit 1
  fi
fi

say "router=${SEMROUTER_URL:-none} small=$MOCK_SMALL_URL large=$MOCK_LARGE_URL"
cd "$NODE_DIR" && timeout 120 node --test --test-reporter=spec openai_e2e.test.mjs
rc=$?
if [ $rc -ne 0 ] && [ -n "${ROUTER_LOG:-}" ]; then
  say "node tests failed (rc=$rc); last lines of the semrouter log:"; tail -n 40 "$ROUTER_LOG"
fi
[ $rc -eq 0 ] || exit 1
exit 0
