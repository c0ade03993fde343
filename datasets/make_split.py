#!/usr/bin/env python3
"""Write the fixed train/test split of our corpus.

Usage: python datasets/make_split.py [SOURCE.csv ...]

Reads the given corpus files (by default datasets/train.csv and datasets/test.csv, so
running it again is a no-op), gives each row a stable id from its text, and splits the
round-1 rows 85/15, stratified by label set and register, with a fixed seed. Rows keep their
metadata columns. Deterministic: the same rows always land in the same split. Round-2 rows
(``round`` = 2) were split by writer instead (datasets/round2/second_read.py: the training
writers' rows are all in train.csv, the test writer's in test_round2.csv) and stay in train.csv.
"""

from __future__ import annotations

import csv
import hashlib
import random
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = ["id", "text", "labels", "register", "service", "region", "hard", "hard_kind", "kind", "round"]
TEST_SHARE = 0.15
SEED = 20261126


def row_id(text: str) -> str:
    return "kpk-" + hashlib.sha1(" ".join(text.split()).encode("utf-8")).hexdigest()[:12]


def main(sources: list[str]) -> None:
    paths = [Path(s) for s in sources] or [HERE / "train.csv", HERE / "test.csv"]
    rows = []
    for path in paths:
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                row = {c: (row.get(c) or "").strip() for c in COLUMNS}
                row["id"] = row_id(row["text"])
                row["round"] = row["round"] or "1"
                rows.append(row)
    round2 = [r for r in rows if r["round"] == "2"]
    rows = [r for r in rows if r["round"] != "2"]
    rows.sort(key=lambda r: r["id"])
    strata = defaultdict(list)
    for row in rows:
        strata[(row["labels"], row["register"])].append(row)
    rng = random.Random(SEED)
    train, test = [], []
    for key in sorted(strata):
        group = strata[key]
        rng.shuffle(group)
        n_test = round(len(group) * TEST_SHARE)
        test += group[:n_test]
        train += group[n_test:]
    train += round2
    for name, part in (("train.csv", train), ("test.csv", test)):
        part.sort(key=lambda r: r["id"])
        with open(HERE / name, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(part)
    print(f"train: {len(train)} rows, test: {len(test)} rows")


if __name__ == "__main__":
    main(sys.argv[1:])
