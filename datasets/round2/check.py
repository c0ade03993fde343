#!/usr/bin/env python3
"""Check round-2 corpus files against the corpus rules before they are merged.

Usage: python datasets/round2/check.py FILE.csv [FILE.csv ...]

Checks each given file's rows: columns, a valid label set, 5 to 250 words, register/service/region
filled, hard/hard_kind consistent, kind filled; and, against every row of datasets/train.csv,
datasets/test.csv and every CSV in datasets/round2/: no two rows share more than half of their word
4-grams, no 8-word sequence stands in more than 3 rows. Prints each problem; exit 1 when any.
"""
from __future__ import annotations

import csv
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = ["text", "labels", "register", "service", "region", "hard", "hard_kind", "kind"]
LABELS = {"illegal_fee", "slow_service", "campaign"}


def words(text: str) -> list[str]:
    return re.findall(r"[0-9a-z]+", text.lower())


def read(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def main(paths: list[str]) -> int:
    checked = [Path(p).resolve() for p in paths]
    problems: list[str] = []
    rows: list[tuple[str, dict]] = []
    for name in ("train.csv", "test.csv"):
        rows += [(f"{name}", r) for r in read(HERE.parent / name)]
    for f in sorted(HERE.glob("*.csv")):
        rows += [(f"{f.name}:{i + 2}", r) for i, r in enumerate(read(f))]
    for p in checked:
        if p.parent != HERE:
            rows += [(f"{p.name}:{i + 2}", r) for i, r in enumerate(read(p))]
    mine = {i for i, (where, _) in enumerate(rows) if any(where.startswith(p.name + ":") for p in checked)}
    for p in checked:
        with open(p, newline="", encoding="utf-8") as fh:
            header = csv.DictReader(fh).fieldnames
        if header != COLUMNS:
            problems.append(f"{p.name}: header {header}, expected {COLUMNS}")
    for i in sorted(mine):
        where, r = rows[i]
        labels = (r.get("labels") or "").split("|")
        if r.get("labels") != "other" and (not set(labels) <= LABELS or labels != sorted(set(labels), key=["illegal_fee", "slow_service", "campaign"].index)):
            problems.append(f"{where}: bad labels {r.get('labels')!r} (use other, or |-joined illegal_fee|slow_service|campaign in that order)")
        n = len((r.get("text") or "").split())
        if not 5 <= n <= 250:
            problems.append(f"{where}: {n} words (5 to 250)")
        for c in ("register", "service", "region", "kind"):
            if not (r.get(c) or "").strip():
                problems.append(f"{where}: empty {c}")
        if r.get("hard") not in ("0", "1") or bool((r.get("hard_kind") or "").strip()) != (r.get("hard") == "1"):
            problems.append(f"{where}: hard={r.get('hard')!r} needs hard_kind exactly when 1")
    grams = [{" ".join(w[k:k + 4]) for k in range(len(w) - 3)} for w in (words(r.get("text") or "") for _, r in rows)]
    index: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(grams):
        for x in g:
            index[x].append(i)
    for i in sorted(mine):
        g = grams[i]
        if not g:
            continue
        shared = Counter(j for x in g for j in index[x] if j != i)
        for j, c in shared.items():
            if c / min(len(g), len(grams[j]) or 1) > 0.5 and (j not in mine or j > i):
                problems.append(f"{rows[i][0]}: shares over half its 4-grams with {rows[j][0]}")
    seen: dict[str, set[int]] = defaultdict(set)
    for i, (_, r) in enumerate(rows):
        w = words(r.get("text") or "")
        for k in range(len(w) - 7):
            seen[" ".join(w[k:k + 8])].add(i)
    for gram, ids in seen.items():
        if len(ids) > 3 and ids & mine:
            problems.append(f"8-word sequence {gram!r} in {len(ids)} rows: {', '.join(rows[i][0] for i in sorted(ids)[:5])}")
    for line in problems:
        print(line)
    print(f"{len(mine)} rows checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
