#!/usr/bin/env bash
# Signals vs BERT-base: times every signal of the task table (bench_signals,
# one thread) and a BERT-base-sized PyTorch model (bert_torch.py, one thread)
# on prompts of the same lengths, both pinned to the same core, and prints the
# medians side by side with the ratio. Results: bench/results/signals-<time>.json.
#
#   bash bench/signals/run.sh [BUILD_DIR]        (default: build)
#   TOKENS=16,200,2000 CPU=0 MIN_TIME=2 BERT_ITERS=0 bash bench/signals/run.sh build
#
# Needs $BUILD/bench/signals/bench_signals (cmake --build build --target bench_signals)
# and Debian's python3-torch, which this script installs when missing (bench
# only; it is not a build dependency). Exit 77 = skipped.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
TOKENS=${TOKENS:-16,200,2000}
CPU=${CPU:-0}
MIN_TIME=${MIN_TIME:-2}
BERT_ITERS=${BERT_ITERS:-0}
PY=/usr/bin/python3   # Debian's torch lives in the system python, not a pyenv one
BIN="$BUILD/bench/signals/bench_signals"

if [ ! -x "$BIN" ]; then
  echo "signals bench: $BIN not built (cmake --build $BUILD --target bench_signals); skipped" >&2
  exit 77
fi

apt_install() {
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo -n"
  echo "signals bench: installing $* (Debian, bench only)" >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "$@" >&2
}
if ! $PY -c "import torch" 2>/dev/null; then
  apt_install python3-torch || true
fi
if ! $PY -c "import torch" 2>/dev/null; then
  echo "signals bench: python3-torch unavailable; skipped" >&2
  exit 77
fi
# Debian's torch calls whatever libblas.so.3 the alternatives system points
# at; the netlib reference BLAS is ~30x slower than OpenBLAS, which would make
# the comparison meaningless.
if [[ "$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null)" != *openblas* ]] &&
   [[ "$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null)" != *blis* ]]; then
  apt_install libopenblas0-pthread || echo "signals bench: WARNING: reference BLAS, BERT numbers are pessimistic" >&2
fi

PIN=()
if command -v taskset >/dev/null 2>&1; then PIN=(taskset -c "$CPU"); fi
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

mkdir -p bench/results
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== semrouter signals (one thread, ${PIN[*]:-unpinned})"
"${PIN[@]}" "$BIN" --tokens "$TOKENS" --min-time "$MIN_TIME" --json "$tmp/signals.json" || exit 1
echo
echo "== BERT-base in PyTorch (random weights, one thread, ${PIN[*]:-unpinned})"
"${PIN[@]}" $PY bench/signals/bert_torch.py --tokens "$TOKENS" --iters "$BERT_ITERS" --json "$tmp/bert.json" || exit 1
echo

out="bench/results/signals-$(date -u +%Y%m%dT%H%M%SZ).json"
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown) \
$PY - "$tmp/signals.json" "$tmp/bert.json" "$out" <<'EOF'
import json, os, platform, sys
sig = json.load(open(sys.argv[1]))
bert = json.load(open(sys.argv[2]))
by_tokens = {r["tokens"]: r for r in bert["results"]}
names = list(sig["results"][0]["signals"].keys())
head = ["tokens", "bytes"] + [f"{n} p50 µs" for n in names] + ["all signals p50 µs", "BERT-base p50 ms", "BERT / signals"]
print("| " + " | ".join(head) + " |")
print("|" + "---|" * len(head))
rows = []
for r in sig["results"]:
    b = by_tokens.get(r["tokens"])
    total = r["total"]["median_us"]
    cells = [str(r["tokens"]), str(r["bytes"])] + [f'{r["signals"][n]["median_us"]:.1f}' for n in names]
    cells.append(f"{total:.1f}")
    if b:
        cells += [f'{b["median_us"] / 1000:.1f}', f'{b["median_us"] / total:,.0f}x']
    else:
        cells += ["-", "-"]
    print("| " + " | ".join(cells) + " |")
    rows.append({"tokens": r["tokens"], "signals": r, "bert": b,
                 "ratio": (b["median_us"] / total) if b else None})
doc = {"bench": "signals_vs_bert", "commit": os.environ.get("COMMIT"), "cpu": sig.get("cpu"),
       "machine": platform.machine(), "torch": bert.get("torch"), "blas": bert.get("blas"), "rows": rows}
with open(sys.argv[3], "w") as f:
    json.dump(doc, f, indent=1)
print(f"\ncpu: {sig.get('cpu')}; torch {bert.get('torch')}, blas {bert.get('blas')}; json: {sys.argv[3]}")
EOF
