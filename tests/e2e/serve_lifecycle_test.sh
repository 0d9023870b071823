#!/usr/bin/env bash
# e2e: the semrouter binary's life cycle, as an operator sees it.
#   - routes with config/examples/two-backends.yaml in front of two mock upstreams
#   - reloads when the file changes, keeps the old config when the new one is invalid
#   - reloads on SIGHUP
#   - `semrouter validate` accepts a good file, rejects a bad one with file:line
#   - SIGTERM drains an in-flight request, then exits 0
#   - `serve --demo` works with no backend at all; a bad config exits 1 with a message
# Usage: bash tests/e2e/serve_lifecycle_test.sh <abs build dir>. Exit 0 pass, else fail.
set -uo pipefail
BUILD=${1:-$PWD/build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SR=$BUILD/semrouter
TMP=$(mktemp -d)
PIDS=()
FAILS=0
say() { echo "serve_lifecycle_test: $*"; }
check() {  # description, then a command that must succeed
  local what=$1; shift
  if "$@"; then say "ok   - $what"; else say "FAIL - $what"; FAILS=$((FAILS + 1)); fi
}
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start_mock() {  # name -> sets MOCK_PORT
  "$BUILD/mock-upstream" --name "$1" --port 0 >"$TMP/mock-$1.log" 2>&1 &
  PIDS+=($!)
  MOCK_PORT=
  for _ in $(seq 1 50); do
    MOCK_PORT=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$TMP/mock-$1.log")
    [ -n "$MOCK_PORT" ] && return 0
    sleep 0.1
  done
  say "mock $1 did not start"; exit 1
}
wait_ready() {  # port
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$1/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}
model_for() {  # port prompt -> prints x-semrouter-model
  curl -s -D - -o /dev/null "http://127.0.0.1:$1/v1/chat/completions" -H 'content-type: application/json' \
    -d "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"$2\"}]}" |
    tr -d '\r' | sed -n 's/^x-semrouter-model: //p'
}
wait_model() {  # port prompt expected: polls up to 5 s (file watching is 1 s granular)
  for _ in $(seq 1 50); do
    [ "$(model_for "$1" "$2")" = "$3" ] && return 0
    sleep 0.1
  done
  return 1
}

start_mock small; SMALL=$MOCK_PORT
start_mock large; LARGE=$MOCK_PORT
PORT=$(free_port)
CFG=$TMP/router.yaml
cp "$ROOT/config/examples/two-backends.yaml" "$CFG"
export SEMROUTER_LISTEN=127.0.0.1:$PORT BACKEND_SMALL_URL=http://127.0.0.1:$SMALL/v1 BACKEND_LARGE_URL=http://127.0.0.1:$LARGE/v1

"$SR" serve --config "$CFG" >"$TMP/router.log" 2>&1 &
RPID=$!
PIDS+=($RPID)
check "router becomes ready" wait_ready "$PORT"
check "plain prompt goes to small" test "$(model_for "$PORT" hello)" = small
check "\"prove\" goes to large" test "$(model_for "$PORT" 'please PROVE it')" = large

# File change -> reload.
sed -i 's/default: small/default: large/' "$CFG"
check "file change reloads the config" wait_model "$PORT" hello large
check "reload is logged" grep -q "config reloaded (file changed)" "$TMP/router.log"

# Invalid config -> rejected, old one kept.
cp "$CFG" "$TMP/good.yaml"
printf 'version: 1\nmodels:\n  - name: small\n    url: http://127.0.0.1:1/v1\n    colour: blue\n' >"$CFG"
sleep 2.5
check "invalid config is rejected with file:line" grep -q "router.yaml:5:5: models\[0\]: unknown key \"colour\"" "$TMP/router.log"
check "old config keeps serving" test "$(model_for "$PORT" hello)" = large

# SIGHUP -> reload.
sed 's/default: large/default: small/' "$TMP/good.yaml" >"$CFG.new"
cp "$CFG.new" "$CFG"
kill -HUP "$RPID"
check "SIGHUP (or the file change) reloads" wait_model "$PORT" hello small

# validate
check "validate accepts the example" "$SR" validate --config "$ROOT/config/examples/two-backends.yaml"
printf 'version: 1\nmodels:\n  - name: a\n    url: ftp://x\n' >"$TMP/bad.yaml"
"$SR" validate --config "$TMP/bad.yaml" >"$TMP/validate.out" 2>&1
rc=$?
check "validate rejects a bad file (exit 1)" test "$rc" = 1
check "validate names file:line" grep -q "bad.yaml:4:10: models\[0\] (a).url: URL \"ftp://x\" must start with http:// or https://" "$TMP/validate.out"

# SIGTERM drains: a slow request in flight still completes, then exit 0.
curl -s -o "$TMP/slow.json" -w '%{http_code}' "http://127.0.0.1:$PORT/v1/chat/completions" -H 'content-type: application/json' \
  -d '{"model":"auto","messages":[{"role":"user","content":"slow one [mock:latency_ms=1500]"}]}' >"$TMP/slow.code" &
CURL=$!
sleep 0.4
kill -TERM "$RPID"
wait "$CURL"
check "in-flight request completes during drain" test "$(cat "$TMP/slow.code")" = 200
wait "$RPID"
rc=$?
check "SIGTERM exits 0" test "$rc" = 0
check "drain is logged" grep -q "drained" "$TMP/router.log"

# Demo mode: no backend, no key.
DPORT=$(free_port)
"$SR" serve --demo --listen 127.0.0.1:$DPORT >"$TMP/demo.log" 2>&1 &
DPID=$!
PIDS+=($DPID)
check "demo mode becomes ready" wait_ready "$DPORT"
check "demo mode says so loudly" grep -q "DEMO MODE" "$TMP/demo.log"
check "demo routes code to the coder model" test "$(model_for "$DPORT" 'fix this python function')" = qwen2.5-coder
kill -INT "$DPID"
wait "$DPID"
check "SIGINT exits 0" test "$?" = 0

# A bad config never starts.
"$SR" serve --config "$TMP/bad.yaml" >"$TMP/badstart.log" 2>&1
check "bad config exits 1" test "$?" = 1
check "bad config explains itself" grep -q "invalid config" "$TMP/badstart.log"

if [ $FAILS -gt 0 ]; then
  say "$FAILS check(s) failed; router log:"
  sed 's/^/  | /' "$TMP/router.log" | tail -40
  exit 1
fi
say "all checks passed"
