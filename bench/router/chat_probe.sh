#!/usr/bin/env bash
# How a router orders chat prompts it was not trained on: per-category mean
# score on tests/data/router/chat_probe.jsonl (MT-Bench's 8 categories, no
# outcomes) and the AUC of maths/reasoning/coding above writing/roleplay/
# humanities, beside two one-line baselines (prompt length, digit share).
# Usage: bash bench/router/chat_probe.sh [build dir] [router dir ...]
# (no router dir: the built-in models/router)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
shift || true
DATA=tests/data/router/chat_probe.jsonl
[ -x "$BUILD/semrouter" ] || { echo "chat_probe: $BUILD/semrouter not built" >&2; exit 77; }
ROUTERS=("$@")
[ ${#ROUTERS[@]} -gt 0 ] || ROUTERS=(models/router)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for r in "${ROUTERS[@]}"; do
  "$BUILD/semrouter" score --router "$r" --input "$DATA" >"$TMP/$(echo "$r" | tr / _).scores"
done
python3 - "$DATA" "$TMP" "${ROUTERS[@]}" <<'PY'
import json, sys, collections
data, tmp, routers = sys.argv[1], sys.argv[2], sys.argv[3:]
rows = [json.loads(l) for l in open(data, encoding="utf-8")]
HI, LO = ("math", "reasoning", "coding"), ("writing", "roleplay", "humanities")
def auc(vals):
    hi = [v for r, v in zip(rows, vals) if r["category"] in HI]
    lo = [v for r, v in zip(rows, vals) if r["category"] in LO]
    return sum((a > b) + 0.5 * (a == b) for a in hi for b in lo) / (len(hi) * len(lo))
def report(name, vals):
    by = collections.defaultdict(list)
    for r, v in zip(rows, vals):
        by[r["category"]].append(v)
    means = sorted(((sum(v) / len(v), c) for c, v in by.items()), reverse=True)
    print(f"{name}: AUC {auc(vals):.3f}, scores {min(vals):.3f}..{max(vals):.3f}")
    print("  " + "  ".join(f"{c} {m:.3f}" for m, c in means))
for r in routers:
    scores = [json.loads(l)["score"] for l in open(f"{tmp}/{r.replace('/', '_')}.scores")]
    report(r, scores)
print(f"baseline prompt length: AUC {auc([len(r['text']) for r in rows]):.3f}")
print(f"baseline digit share: AUC {auc([sum(c.isdigit() for c in r['text']) / max(1, len(r['text'])) for r in rows]):.3f}")
PY
