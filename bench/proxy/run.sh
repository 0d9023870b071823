#!/usr/bin/env bash
# Gateway vs nginx: the same wrk load (POST a small chat completion, model "auto")
# against `mock-upstream --fixed` directly, through nginx (proxy_pass, upstream
# keepalive) and through semrouter (rule routing on), alternating targets in
# every repetition. Prints a markdown table, writes JSON to bench/results/.
#
# Usage: bash bench/proxy/run.sh [build dir]          (default: build)
# Knobs (env): DURATION=8s CONNS="16 64" REPS=3 WRK_THREADS=2 PROXY_WORKERS=1
#              SR_CONFIG=bench/proxy/semrouter.yaml (semrouter-full.yaml: signals, guard, router)
#              MOCK_THREADS=1 TARGETS="direct nginx semrouter" WARMUP=2s
#              OVERHEAD_DURATION=5s (0 = skip the overhead-header run)
# Exit: 0 done, 77 a required tool is missing, 1 a process failed to start.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
DURATION=${DURATION:-8s}
CONNS=${CONNS:-16 64}
REPS=${REPS:-3}
WRK_THREADS=${WRK_THREADS:-2}
PROXY_WORKERS=${PROXY_WORKERS:-1}
MOCK_THREADS=${MOCK_THREADS:-1}
TARGETS=${TARGETS:-direct nginx semrouter}
WARMUP=${WARMUP:-2s}
OVERHEAD_DURATION=${OVERHEAD_DURATION:-5s}
HERE=$ROOT/bench/proxy

say() { echo "bench/proxy: $*" >&2; }
has_target() { [[ " $TARGETS " == *" $1 "* ]]; }

NGINX=$(command -v nginx || echo /usr/sbin/nginx)
command -v wrk >/dev/null || { say "skip: wrk not installed (apt-get install wrk)"; exit 77; }
[ -x "$BUILD/mock-upstream" ] || { say "skip: $BUILD/mock-upstream not built"; exit 77; }
if has_target nginx && [ ! -x "$NGINX" ]; then say "skip: nginx not installed (apt-get install nginx-light)"; exit 77; fi
if has_target semrouter && [ ! -x "$BUILD/semrouter" ]; then say "skip: $BUILD/semrouter not built"; exit 77; fi

TMP=$(mktemp -d)
chmod 755 "$TMP"  # nginx workers may run as nobody
PIDS=()
. "$ROOT/scripts/stop_pids.sh"
cleanup() {
  stop_pids "${PIDS[@]}"
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free loopback port: nothing answers a connect on it.
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return 0; }
  done
  return 1
}

wait_http() {  # url pid name
  for _ in $(seq 1 100); do  # 10 s
    kill -0 "$2" 2>/dev/null || { say "$3 exited during startup"; return 1; }
    curl -fsS -m 1 -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  say "$3 not answering $1 after 10 s"
  return 1
}

# --- upstream: the fixed-answer mock --------------------------------------------
"$BUILD/mock-upstream" --fixed --name backend --port 0 --threads "$MOCK_THREADS" >"$TMP/mock.log" 2>&1 &
PIDS+=($!)
MOCK_PORT=
for _ in $(seq 1 50); do
  MOCK_PORT=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$TMP/mock.log")
  [ -n "$MOCK_PORT" ] && break
  sleep 0.1
done
[ -n "$MOCK_PORT" ] || { say "mock-upstream did not start:"; cat "$TMP/mock.log" >&2; exit 1; }
declare -A URL
URL[direct]=http://127.0.0.1:$MOCK_PORT

# --- nginx ------------------------------------------------------------------------
if has_target nginx; then
  NGINX_PORT=$(free_port)
  mkdir -p "$TMP/nginx/logs"
  cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes $PROXY_WORKERS;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  default_type application/json;
  client_body_temp_path $TMP/nginx/client_body;
  proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi;
  uwsgi_temp_path $TMP/nginx/uwsgi;
  scgi_temp_path $TMP/nginx/scgi;
  upstream mock {
    server 127.0.0.1:$MOCK_PORT;
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    keepalive_requests 1000000;
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
  "$NGINX" -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" -g 'daemon off;' >"$TMP/nginx/stdout.log" 2>&1 &
  NGINX_PID=$!
  PIDS+=($NGINX_PID)
  URL[nginx]=http://127.0.0.1:$NGINX_PORT
  wait_http "${URL[nginx]}/health" $NGINX_PID nginx || { cat "$TMP/nginx/stdout.log" "$TMP/nginx/logs/error.log" >&2; exit 1; }
fi

# --- semrouter --------------------------------------------------------------------
if has_target semrouter; then
  SR_PORT=$(free_port)
  SEMROUTER_LISTEN=127.0.0.1:$SR_PORT SEMROUTER_WORKERS=$PROXY_WORKERS BACKEND_URL=${URL[direct]}/v1 \
    "$BUILD/semrouter" serve --config "${SR_CONFIG:-$HERE/semrouter.yaml}" >"$TMP/semrouter.log" 2>&1 &
  SR_PID=$!
  PIDS+=($SR_PID)
  URL[semrouter]=http://127.0.0.1:$SR_PORT
  wait_http "${URL[semrouter]}/ready" $SR_PID semrouter || { tail -n 30 "$TMP/semrouter.log" >&2; exit 1; }
  # One request through the router must succeed, or the numbers are of errors.
  code=$(curl -s -o "$TMP/probe.json" -w '%{http_code}' -m 5 -H 'content-type: application/json' \
    -d '{"model":"auto","messages":[{"role":"user","content":"hi"}]}' "${URL[semrouter]}/v1/chat/completions")
  [ "$code" = 200 ] || { say "semrouter probe answered $code:"; cat "$TMP/probe.json" >&2; exit 1; }
fi

# --- runs -------------------------------------------------------------------------
ROWS=$TMP/rows.tsv  # target conns rep requests duration_us rps p50 p90 p99 max errors non2xx
: >"$ROWS"
run_wrk() {  # target conns duration script -> prints the WRK_ROW fields
  wrk -t"$WRK_THREADS" -c"$2" -d"$3" --timeout 5s -s "$4" "${URL[$1]}" 2>&1 | sed -n 's/^WRK_ROW //p'
}
read -r -a target_list <<<"$TARGETS"
for t in "${target_list[@]}"; do
  say "warmup $t ($WARMUP)"
  run_wrk "$t" 16 "$WARMUP" "$HERE/chat.lua" >/dev/null
done
for c in $CONNS; do
  for rep in $(seq 1 "$REPS"); do
    # Alternate the order so drift (thermal, neighbours) hits every target alike.
    order=("${target_list[@]}")
    if [ $((rep % 2)) = 0 ]; then
      order=(); for ((i = ${#target_list[@]} - 1; i >= 0; i--)); do order+=("${target_list[$i]}"); done
    fi
    for t in "${order[@]}"; do
      row=$(run_wrk "$t" "$c" "$DURATION" "$HERE/chat.lua")
      [ -n "$row" ] || { say "wrk produced no result for $t c=$c"; continue; }
      say "$t c=$c rep=$rep: $row"
      echo "$t $c $rep $row" >>"$ROWS"
    done
  done
done

OVERHEAD=""
if has_target semrouter && [ "$OVERHEAD_DURATION" != 0 ]; then
  say "overhead header distribution ($OVERHEAD_DURATION, 1 thread, 16 connections)"
  OVERHEAD=$(wrk -t1 -c16 -d"$OVERHEAD_DURATION" --timeout 5s -s "$HERE/overhead.lua" "${URL[semrouter]}" 2>&1 |
    sed -n 's/^OVERHEAD_ROW //p')
fi

# --- report -----------------------------------------------------------------------
mkdir -p "$ROOT/bench/results"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
JSON=$ROOT/bench/results/proxy-$STAMP.json
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
NPROC=$(nproc)

awk -v json="$JSON" -v commit="$COMMIT" -v cpu="$CPU" -v nproc="$NPROC" -v stamp="$STAMP" \
    -v duration="$DURATION" -v reps="$REPS" -v wrk_threads="$WRK_THREADS" -v workers="$PROXY_WORKERS" \
    -v mock_threads="$MOCK_THREADS" -v targets="$TARGETS" -v overhead="$OVERHEAD" '
function median(arr, n,   i, j, tmp) {
  for (i = 2; i <= n; i++) for (j = i; j > 1 && arr[j-1] > arr[j]; j--) { tmp = arr[j]; arr[j] = arr[j-1]; arr[j-1] = tmp }
  return n % 2 ? arr[(n+1)/2] : (arr[n/2] + arr[n/2+1]) / 2
}
{
  k = $1 SUBSEP $2
  if (!(k in n)) { n[k] = 0; if (!($2 in seen_c)) { seen_c[$2] = 1; conns[++nc] = $2 } }
  i = ++n[k]
  rps[k, i] = $6; p50[k, i] = $7; p90[k, i] = $8; p99[k, i] = $9; err[k] += $11 + $12
  sum[k] += $6; sumsq[k] += $6 * $6
  rows[++nr] = sprintf("{\"target\":\"%s\",\"conns\":%d,\"rep\":%d,\"requests\":%d,\"rps\":%.1f,\"p50_us\":%d,\"p90_us\":%d,\"p99_us\":%d,\"max_us\":%d,\"socket_errors\":%d,\"non_2xx\":%d}", $1, $2, $3, $4, $6, $7, $8, $9, $10, $11, $12)
}
END {
  nt = split(targets, tl, " ")
  print "## Gateway vs nginx (" stamp ", commit " commit ")"
  print ""
  print "CPU: " cpu " (" nproc " cores); wrk -t" wrk_threads ", " duration " x " reps " reps per cell (alternating); proxy workers " workers "; mock-upstream --fixed threads " mock_threads "."
  print "Cells: mean req/s ± stddev over reps; p50/p99 latency = median over reps (ms)."
  print ""
  print "| conns | target | req/s | p50 ms | p99 ms | errors | req/s vs nginx | p50 vs nginx | p99 vs nginx |"
  print "|---:|---|---:|---:|---:|---:|---:|---:|---:|"
  summary = ""
  for (ci = 1; ci <= nc; ci++) {
    c = conns[ci]
    for (ti = 1; ti <= nt; ti++) {
      t = tl[ti]; k = t SUBSEP c
      if (!(k in n)) continue
      m = n[k]; mean[k] = sum[k] / m
      var = m > 1 ? (sumsq[k] - m * mean[k] * mean[k]) / (m - 1) : 0
      sd[k] = var > 0 ? sqrt(var) : 0
      delete a; for (i = 1; i <= m; i++) a[i] = p50[k, i]; med50[k] = median(a, m)
      delete a; for (i = 1; i <= m; i++) a[i] = p99[k, i]; med99[k] = median(a, m)
    }
    nk = "nginx" SUBSEP c
    for (ti = 1; ti <= nt; ti++) {
      t = tl[ti]; k = t SUBSEP c
      if (!(k in n)) continue
      r1 = r2 = r3 = "-"
      if ((nk in n) && t != "nginx" && mean[nk] > 0) {
        r1 = sprintf("%.2f", mean[k] / mean[nk]); r2 = sprintf("%.2f", med50[k] / med50[nk]); r3 = sprintf("%.2f", med99[k] / med99[nk])
      }
      printf "| %d | %s | %.0f ± %.0f | %.3f | %.3f | %d | %s | %s | %s |\n", c, t, mean[k], sd[k], med50[k] / 1000, med99[k] / 1000, err[k], r1, r2, r3
      summary = summary (summary == "" ? "" : ",") sprintf("{\"target\":\"%s\",\"conns\":%d,\"reps\":%d,\"rps_mean\":%.1f,\"rps_stddev\":%.1f,\"p50_us_median\":%d,\"p99_us_median\":%d,\"errors\":%d,\"rps_vs_nginx\":%s,\"p50_vs_nginx\":%s,\"p99_vs_nginx\":%s}", t, c, m, mean[k], sd[k], med50[k], med99[k], err[k], r1 == "-" ? "null" : r1, r2 == "-" ? "null" : r2, r3 == "-" ? "null" : r3)
    }
  }
  ov = "null"
  if (overhead != "") {
    split(overhead, o, " ")
    print ""
    printf "semrouter `x-semrouter-overhead-us` over %d responses: p50 %d us, p90 %d us, p99 %d us, max %d us (%d responses without the header).\n", o[1], o[2], o[3], o[4], o[5], o[6]
    ov = sprintf("{\"responses\":%d,\"p50_us\":%d,\"p90_us\":%d,\"p99_us\":%d,\"max_us\":%d,\"missing\":%d}", o[1], o[2], o[3], o[4], o[5], o[6])
  }
  printf "{\"bench\":\"proxy\",\"time\":\"%s\",\"commit\":\"%s\",\"cpu\":\"%s\",\"nproc\":%d,\"duration\":\"%s\",\"wrk_threads\":%d,\"proxy_workers\":%d,\"mock_threads\":%d,\"summary\":[%s],\"overhead_header\":%s,\"rows\":[", stamp, commit, cpu, nproc, duration, wrk_threads, workers, mock_threads, summary, ov > json
  for (i = 1; i <= nr; i++) printf "%s%s", (i > 1 ? "," : ""), rows[i] > json
  print "]}" > json
  print ""
  print "JSON: " json
}' "$ROWS"
