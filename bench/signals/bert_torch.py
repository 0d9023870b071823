#!/usr/bin/python3
"""BERT-base-sized encoder in PyTorch (random weights) for timing only.

The reference point for bench/signals: how long one forward pass of a
BERT-base sequence classifier takes on one CPU thread, for the same prompt
lengths as bench_signals. Written with torch.nn only (12 layers, hidden 768,
12 heads, intermediate 3072, vocab 30522, 512 positions, pooler + 2-way
classification head), so no `transformers` package is needed. Random weights
do not change the cost of a dense forward pass.

Prompts longer than 512 tokens do not fit BERT; they are run as ceil(n / 512)
windows of at most 512 tokens (the usual chunking), and the time is the sum.

Usage: /usr/bin/python3 bench/signals/bert_torch.py [--tokens 16,200,2000]
           [--iters N] [--warmup N] [--json FILE]
Prints one line per length and, with --json, writes
{"bench": "bert_torch", "results": [{"tokens", "median_us", "p90_us", "iters"}]}.
"""
import argparse
import json
import math
import os
import platform
import statistics
import sys
import time

# One thread everywhere: OpenBLAS and OpenMP read these before torch loads them.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import torch  # noqa: E402
from torch import nn  # noqa: E402

VOCAB, HIDDEN, LAYERS, HEADS, INTERMEDIATE, MAX_POS = 30522, 768, 12, 12, 3072, 512


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(HIDDEN, 3 * HIDDEN)
        self.attn_out = nn.Linear(HIDDEN, HIDDEN)
        self.ln1 = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.ffn_in = nn.Linear(HIDDEN, INTERMEDIATE)
        self.ffn_out = nn.Linear(INTERMEDIATE, HIDDEN)
        self.ln2 = nn.LayerNorm(HIDDEN, eps=1e-12)

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, HEADS, HIDDEN // HEADS).permute(2, 0, 3, 1, 4)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(HIDDEN // HEADS)
        ctx = (scores.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, t, HIDDEN)
        x = self.ln1(x + self.attn_out(ctx))
        return self.ln2(x + self.ffn_out(nn.functional.gelu(self.ffn_in(x))))


class BertClassifier(nn.Module):
    def __init__(self, labels=2):
        super().__init__()
        self.word = nn.Embedding(VOCAB, HIDDEN)
        self.pos = nn.Embedding(MAX_POS, HIDDEN)
        self.token_type = nn.Embedding(2, HIDDEN)
        self.ln = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.layers = nn.ModuleList(Layer() for _ in range(LAYERS))
        self.pooler = nn.Linear(HIDDEN, HIDDEN)
        self.head = nn.Linear(HIDDEN, labels)

    def forward(self, ids):
        t = ids.shape[1]
        pos = torch.arange(t).unsqueeze(0)
        x = self.ln(self.word(ids) + self.pos(pos) + self.token_type(torch.zeros_like(ids)))
        for layer in self.layers:
            x = layer(x)
        return self.head(torch.tanh(self.pooler(x[:, 0]))).softmax(dim=-1)


def time_forward(model, tokens, iters, warmup):
    windows = [min(MAX_POS, tokens - i) for i in range(0, tokens, MAX_POS)]
    inputs = [torch.randint(0, VOCAB, (1, w)) for w in windows]
    with torch.inference_mode():
        for _ in range(warmup):
            for ids in inputs:
                model(ids)
        samples = []
        for _ in range(iters):
            t0 = time.perf_counter()
            for ids in inputs:
                model(ids)
            samples.append((time.perf_counter() - t0) * 1e6)
    samples.sort()
    return {"tokens": tokens, "windows": len(windows), "iters": iters,
            "median_us": statistics.median(samples),
            "p90_us": samples[min(len(samples) - 1, int(0.9 * (len(samples) - 1) + 0.5))]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", default="16,200,2000")
    ap.add_argument("--iters", type=int, default=0, help="0 = by length (50 / 20 / 5)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--json")
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    model = BertClassifier().eval()
    params = sum(p.numel() for p in model.parameters())
    blas = "generic (reference BLAS: install libopenblas0 for a fair comparison)"
    if "BLAS_INFO=generic" not in torch.__config__.show():
        blas = "mkl/openblas (built in)"
    else:
        try:
            blas = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
        except OSError:
            pass
    print(f"bert_torch: torch {torch.__version__}, {params / 1e6:.1f}M parameters, "
          f"threads={torch.get_num_threads()}, blas={blas}", file=sys.stderr)

    results = []
    for tokens in (int(t) for t in args.tokens.split(",") if t):
        iters = args.iters or (50 if tokens <= 64 else 20 if tokens <= 512 else 5)
        r = time_forward(model, tokens, iters, args.warmup)
        results.append(r)
        print(f"{tokens:>6} tokens  median {r['median_us'] / 1000:9.2f} ms  "
              f"p90 {r['p90_us'] / 1000:9.2f} ms  ({r['windows']} window(s), {iters} iters)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"bench": "bert_torch", "torch": torch.__version__, "params": params, "blas": blas,
                       "python": platform.python_version(), "threads": 1, "results": results}, f)
            f.write("\n")


if __name__ == "__main__":
    main()
