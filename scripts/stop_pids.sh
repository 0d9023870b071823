# Sourced by test and bench scripts: stop_pids PID... sends TERM, gives the
# processes up to 2 s to exit, then KILLs what is left. TERM first because a
# SIGKILLed nginx master leaves its worker running (and listening).
stop_pids() {
  local p alive _
  for p in "$@"; do kill -TERM "$p" 2>/dev/null; done
  for _ in $(seq 1 20); do
    alive=0
    for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for p in "$@"; do kill -9 "$p" 2>/dev/null; done
  return 0
}
