#!/usr/bin/env python3
"""Time to first prediction: ``kpkclassify predict TEXT`` in a fresh process, end to end.

Usage: python bench/startup.py [--runs 7] [--text "..."] [--against DIR]

Each run starts new Python processes, in turn (so that a busy machine slows them alike):

- ``python -c pass``: the interpreter alone, the baseline every figure is divided by;
- ``import sklearn.linear_model``: scikit-learn, which any process holding our model imports
  (the floor of a first prediction: nothing in this package can make it cheaper);
- ``import kpkclassify``: the package's own import (lazy: it loads nothing else);
- ``python -m kpkclassify predict TEXT``: start-up, loading the bundled model and one prediction.

With ``--against DIR`` the predict command also runs from another checkout of the code (its
``kpkclassify`` folder put first on ``PYTHONPATH``, e.g. ``git archive HEAD | tar -x -C DIR``),
alternating with this one, for a before/after comparison in the same conditions.
Prints the median and lowest wall-clock seconds of each, the median's ratio to the baseline, and the
median CPU seconds (user + system: steadier than wall-clock time on a busy machine).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def seconds(args: list[str], pythonpath: str | None = None) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one run of ``args``."""
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, cwd=pythonpath or ROOT, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--text", default="Disuruh bayar 200rb biar cepat")
    parser.add_argument("--against", type=Path, help="another checkout to time the predict command from")
    args = parser.parse_args()
    python = sys.executable
    commands: dict[str, tuple[list[str], str | None]] = {
        "python -c pass (baseline)": ([python, "-c", "pass"], None),
        "import sklearn.linear_model (floor)": ([python, "-c", "import sklearn.linear_model"], None),
        "import kpkclassify": ([python, "-c", "import kpkclassify"], None),
        "kpkclassify predict TEXT": ([python, "-m", "kpkclassify", "predict", args.text], None),
    }
    if args.against is not None:
        against = str(args.against.resolve())
        commands[f"kpkclassify predict TEXT, from {against}"] = ([python, "-m", "kpkclassify", "predict", args.text],
                                                                 against)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for name, (command, path) in commands.items():  # warm the file cache and the .pyc files
        seconds(command, path)
    for _ in range(args.runs):
        for name, (command, path) in commands.items():
            times[name].append(seconds(command, path))
    width = max(map(len, commands))
    baseline = statistics.median(wall for wall, _ in times["python -c pass (baseline)"])
    print(f"{'command':<{width}}  median s    min s  x baseline   CPU s   ({args.runs} runs, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f})")
    for name, values in times.items():
        walls = [wall for wall, _ in values]
        median = statistics.median(walls)
        cpu = statistics.median(c for _, c in values)
        print(f"{name:<{width}}  {median:8.2f} {min(walls):8.2f} {median / baseline:10.1f} {cpu:7.2f}")


if __name__ == "__main__":
    main()
