#!/usr/bin/env python3
"""Dask scaling: rows/s on a LocalCluster with 1 and 2 workers against the single-process CLI.

Usage: python bench/dask_scale.py [--rows 200000] [--files 4]

Splits a generated CSV (bench/batch.py's generator, texts from our datasets/) into --files
files and classifies them (1) with `kpkclassify classify --jobs 1` per file, (2) on a local
Dask cluster of 1 worker and (3) of 2 workers (processes, one thread each), reporting rows/s
and ratios measured in the same run. The work per partition is independent, so on a real
cluster throughput grows with workers until reading and writing the files dominates.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
csv.field_size_limit(sys.maxsize)

from batch import generate  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--files", type=int, default=4)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kpk-dask-"))
    per_file = args.rows // args.files
    for k in range(args.files):
        generate(work / f"in_{k}.csv", per_file, seed=k)
    exe = str(Path(sys.executable).with_name("kpkclassify"))

    started = time.perf_counter()
    for k in range(args.files):
        subprocess.run([exe, "classify", str(work / f"in_{k}.csv"), "-o", str(work / f"single_{k}.csv"),
                        "--jobs", "1", "-q"], check=True)
    single = args.rows / (time.perf_counter() - started)

    from kpkclassify.dask import classify_files

    rates = {}
    for workers in (1, 2):
        out = work / f"dask{workers}"
        started = time.perf_counter()
        classify_files(str(work / "in_*.csv"), str(out / "part-*.csv"), workers=workers, blocksize=None)
        rates[workers] = args.rows / (time.perf_counter() - started)

    print(f"{args.rows:,} rows in {args.files} files\n")
    print("| run | rows/s | ratio to single process |\n|---|---|---|")
    print(f"| kpkclassify classify --jobs 1, file by file | {single:,.0f} | 1.00 |")
    for workers, rate in rates.items():
        print(f"| Dask LocalCluster, {workers} worker(s) (includes cluster start-up) | {rate:,.0f} | {rate / single:.2f} |")
    print(f"\n2 workers / 1 worker: {rates[2] / rates[1]:.2f}x")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
