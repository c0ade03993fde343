#!/usr/bin/env python3
"""Preprocessing speed beside PySastrawi's own cached stemmer, measured in one run.

Usage: python bench/preprocess.py EVAL.csv [--warm-texts 100000]

EVAL.csv is a CSV with a ``text`` column of real texts the package has never seen (for
example ../shared/eval/real_v1.csv); it is read only here, never stored. Reports:
- cold: words/s of kpkclassify.preprocess in a fresh process (empty memo), next to
  PySastrawi's StemmerFactory().create_stemmer() stemming the same texts in a fresh process;
- warm: words/s on --warm-texts texts built from datasets/ (second pass, memo full);
- import time of kpkclassify and the time of the first preprocess call;
- this process's PSS after the warm pass (/proc/self/smaps_rollup, Linux) and the size of the
  term memo, which keeps only tokens seen more than once.
Words are whitespace-separated pieces of the raw text.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
csv.field_size_limit(sys.maxsize)


def read_texts(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return [row["text"] for row in csv.DictReader(fh)]


COLD_OURS = """
import json, sys, time
texts = json.load(open(sys.argv[1]))
t0 = time.perf_counter()
from kpkclassify.text import preprocess
for t in texts:
    preprocess(t)
print(time.perf_counter() - t0)
"""

COLD_SASTRAWI = """
import json, sys, time
texts = json.load(open(sys.argv[1]))
t0 = time.perf_counter()
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
stemmer = StemmerFactory().create_stemmer()
for t in texts:
    stemmer.stem(t)
print(time.perf_counter() - t0)
"""

STARTUP = """
import time
t0 = time.perf_counter()
import kpkclassify
t1 = time.perf_counter()
kpkclassify.preprocess("Udh 3 bln ngurus KTP gak jadi2, dimintain 200rb #StopPungli")
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def run(code: str, *args: str) -> list[float]:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return [float(x) for x in out.stdout.split()]


def pss_mb() -> float | None:
    """This process's proportional set size in MB, or None where /proc is missing."""
    try:
        with open("/proc/self/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def warm_corpus(n: int) -> list[str]:
    base = []
    for name in ("train.csv", "test.csv"):
        base += read_texts(ROOT / "datasets" / name)
    rng = random.Random(0)
    return [base[i % len(base)] if i < len(base) else " ".join(rng.sample(base[i % len(base)].split(), k=len(base[i % len(base)].split())))
            for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("eval_csv", type=Path)
    ap.add_argument("--warm-texts", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3, help="cold runs of each side; the best is kept")
    args = ap.parse_args()

    texts = read_texts(args.eval_csv)
    words = sum(len(t.split()) for t in texts)
    distinct = len({w for t in texts for w in t.lower().split()})
    tmp = Path("/tmp/kpk_bench_texts.json")
    tmp.write_text(json.dumps(texts))
    ours = min(run(COLD_OURS, str(tmp))[0] for _ in range(args.repeat))
    theirs = min(run(COLD_SASTRAWI, str(tmp))[0] for _ in range(args.repeat))
    tmp.unlink()

    from kpkclassify.text import preprocess

    corpus = warm_corpus(args.warm_texts)
    warm_words = sum(len(t.split()) for t in corpus)
    for t in corpus:
        preprocess(t)
    t0 = time.perf_counter()
    for t in corpus:
        preprocess(t)
    warm = time.perf_counter() - t0
    startup = [run(STARTUP) for _ in range(args.repeat)]
    import_s = min(s[0] for s in startup)
    first_s = min(s[1] for s in startup)

    rows = [
        ("cold, kpkclassify.preprocess", words / ours, f"{len(texts)} texts, {words} words ({distinct} distinct)"),
        ("cold, PySastrawi CachedStemmer.stem", words / theirs, "same texts, fresh process"),
        ("warm, kpkclassify.preprocess", warm_words / warm, f"{len(corpus)} texts from datasets/, second pass"),
    ]
    print("| measurement | words/s | notes |\n|---|---|---|")
    for name, rate, note in rows:
        print(f"| {name} | {rate:,.0f} | {note} |")
    print(f"\ncold ratio kpkclassify / PySastrawi: {theirs / ours:.2f}x (target >= 1.5x)")
    print(f"warm throughput: {warm_words / warm:,.0f} words/s (target >= 1,500,000)")
    print(f"import kpkclassify: {import_s:.3f} s (target < 0.3 s); first preprocess call: {first_s:.3f} s (target < 1 s)")
    from kpkclassify.text._preprocess import _default_processor

    pss = pss_mb()
    print(f"after the warm pass: PSS {'n/a' if pss is None else f'{pss:,.0f} MB'}, "
          f"term memo {len(_default_processor()._memo):,} tokens (only those seen more than once)")


if __name__ == "__main__":
    main()
