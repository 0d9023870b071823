#!/usr/bin/env bash
# Gateway vs nginx with nginx itself as the upstream (a static chat.completion
# via `return 200`), to separate the proxies' latency tails from the mock's:
# the same wrk load, alternating targets, 3 reps per connection count.
# Usage: bash bench/proxy/static_upstream.sh [build dir]   (~2 min; prints one line per run)
# PIN=1: wrk on CPU 0, everything else on CPU 1 (so the load generator does not
# compete with the proxy for a core; needs taskset).
set -uo pipefail
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DURATION=${DURATION:-6s}; REPS=${REPS:-3}; CONNS=${CONNS:-16 64}
command -v wrk >/dev/null && command -v nginx >/dev/null || { echo "static_upstream: skip: wrk or nginx missing"; exit 77; }
SERVER_CPU=; CLIENT_CPU=
if [ "${PIN:-0}" = 1 ]; then SERVER_CPU="taskset -c 1"; CLIENT_CPU="taskset -c 0"; fi
TMP=$(mktemp -d); PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
UP=$(port); NG=$(port); SR=$(port)
nginx_conf() {  # dir body
  mkdir -p "$TMP/$1/logs"
  printf 'worker_processes 1;\nerror_log %s/%s/logs/error.log;\npid %s/%s/nginx.pid;\nevents { worker_connections 1024; }\nhttp {\n access_log off;\n client_body_temp_path %s/%s/b; proxy_temp_path %s/%s/p; fastcgi_temp_path %s/%s/f; uwsgi_temp_path %s/%s/u; scgi_temp_path %s/%s/s;\n%s\n}\n' \
    "$TMP" "$1" "$TMP" "$1" "$TMP" "$1" "$TMP" "$1" "$TMP" "$1" "$TMP" "$1" "$TMP" "$1" "$2" >"$TMP/$1/nginx.conf"
  $SERVER_CPU nginx -c "$TMP/$1/nginx.conf" -p "$TMP/$1" -g 'daemon off;' >/dev/null 2>&1 &
  PIDS+=($!)
}
ANSWER='{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}'
nginx_conf upstream " server { listen 127.0.0.1:$UP; keepalive_requests 1000000; location / { default_type application/json; return 200 '$ANSWER'; } }"
nginx_conf proxy " upstream be { server 127.0.0.1:$UP; keepalive 64; keepalive_requests 1000000; }
 server { listen 127.0.0.1:$NG; keepalive_requests 1000000; location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"
SEMROUTER_LISTEN=127.0.0.1:$SR SEMROUTER_WORKERS=1 BACKEND_URL=http://127.0.0.1:$UP/v1 \
  $SERVER_CPU "$ROOT/$BUILD/semrouter" serve --config "$HERE/semrouter.yaml" >"$TMP/sr.log" 2>&1 &
PIDS+=($!)
sleep 1.5
for c in $CONNS; do
  for rep in $(seq 1 "$REPS"); do
    for t in nginx:$NG semrouter:$SR; do
      name=${t%%:*}; p=${t##*:}
      row=$($CLIENT_CPU wrk -t2 -c"$c" -d"$DURATION" -s "$HERE/chat.lua" "http://127.0.0.1:$p/v1/chat/completions" 2>&1 | sed -n 's/^WRK_ROW //p')
      # WRK_ROW requests duration_us rps p50_us p90_us p99_us max_us errors non2xx
      echo "$row" | awk -v n="$name" -v c="$c" -v r="$rep" '{printf "c=%s rep=%s %-9s req/s=%.0f p50=%dus p99=%dus errors=%d\n", c, r, n, $3, $4, $6, $8+$9}'
    done
  done
done
