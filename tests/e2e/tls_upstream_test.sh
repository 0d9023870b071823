#!/usr/bin/env bash
# e2e: HTTPS upstreams. A throw-away CA-less self-signed certificate, nginx as
# the TLS terminator in front of a mock upstream, and semrouter talking HTTPS:
#   - with `tls.ca_file` pointing at the certificate: verified, JSON and SSE work
#   - with the system CAs only: the certificate is rejected (502, no request sent)
#   - with `tls.verify: false`: accepted
#   - the API key never appears in the access log
# Usage: bash tests/e2e/tls_upstream_test.sh <abs build dir>. Exit 0 pass, 77 skip, else fail.
set -uo pipefail
BUILD=${1:-$PWD/build}
SR=$BUILD/semrouter
say() { echo "tls_upstream_test: $*"; }
command -v openssl >/dev/null || { say "skip: openssl CLI not installed"; exit 77; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { say "skip: nginx not installed"; exit 77; }
TMP=$(mktemp -d)
PIDS=()
FAILS=0
check() { local what=$1; shift; if "$@"; then say "ok   - $what"; else say "FAIL - $what"; FAILS=$((FAILS + 1)); fi; }
. "$(dirname "$0")/../../scripts/stop_pids.sh"
cleanup() {
  stop_pids "${PIDS[@]}"
  wait 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 1 \
  -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1 ||
  { say "FAIL: cannot create a certificate"; exit 1; }

"$BUILD/mock-upstream" --name tls-backend --port 0 >"$TMP/mock.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do MOCK=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$TMP/mock.log"); [ -n "$MOCK" ] && break; sleep 0.1; done
TLS_PORT=$(free_port)
mkdir -p "$TMP/nginx/logs"
cat >"$TMP/nginx/nginx.conf" <<NGX
worker_processes 1;
error_log $TMP/nginx/logs/error.log;
pid $TMP/nginx/nginx.pid;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $TMP/nginx/body; proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fcgi; uwsgi_temp_path $TMP/nginx/uwsgi; scgi_temp_path $TMP/nginx/scgi;
  server {
    listen 127.0.0.1:$TLS_PORT ssl;
    ssl_certificate $TMP/cert.pem;
    ssl_certificate_key $TMP/key.pem;
    location / { proxy_pass http://127.0.0.1:$MOCK; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; }
  }
}
NGX
"$NGINX" -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" -g 'daemon off;' >"$TMP/nginx.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/$TLS_PORT) 2>/dev/null && break; sleep 0.1; done

PORT=$(free_port)
cat >"$TMP/router.yaml" <<YAML
version: 1
server:
  listen: 127.0.0.1:$PORT
routing:
  default: verified
models:
  - name: verified
    url: https://localhost:$TLS_PORT/v1
    api_key: sk-secret-tls-key
    tls: { ca_file: $TMP/cert.pem }
  - name: system-cas
    url: https://localhost:$TLS_PORT/v1
    retry: { attempts: 1 }
  - name: unverified
    url: https://127.0.0.1:$TLS_PORT/v1
    tls: { verify: false }
YAML
"$SR" serve --config "$TMP/router.yaml" >"$TMP/router.log" 2>&1 &
RPID=$!
PIDS+=($RPID)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 0.1; done

req() {  # model stream -> body in $TMP/out, status printed
  curl -s -o "$TMP/out" -w '%{http_code}' "http://127.0.0.1:$PORT/v1/chat/completions" -H 'content-type: application/json' \
    -d "{\"model\":\"$1\",\"stream\":$2,\"messages\":[{\"role\":\"user\",\"content\":\"hello over tls\"}]}"
}
check "verified HTTPS upstream answers" test "$(req verified false)" = 200
check "answer came from the TLS backend" grep -q "tls-backend" "$TMP/out"
check "SSE over HTTPS" test "$(req verified true)" = 200
check "SSE stream complete" grep -q "data: \[DONE\]" "$TMP/out"
check "untrusted certificate is rejected (502)" test "$(req system-cas false)" = 502
check "rejection names the TLS problem" grep -qi "certificate\|handshake\|verify" "$TMP/out"
check "verify: false accepts it" test "$(req unverified false)" = 200
kill -TERM "$RPID"; wait "$RPID" 2>/dev/null
check "API key never logged" bash -c "! grep -q sk-secret-tls-key '$TMP/router.log'"
if [ $FAILS -gt 0 ]; then say "$FAILS check(s) failed"; tail -20 "$TMP/router.log"; cat "$TMP/out"; exit 1; fi
say "all checks passed"
