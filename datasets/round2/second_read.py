#!/usr/bin/env python3
"""The second, independent label read of round-2 rows, and their merge into the corpus.

  prepare   writes reading/<part>.csv (id,text; shuffled, no labels) for the readers
  compare   reads reading/<part>.labels.csv (id,labels) from each reader and writes
            reading/disagreements.csv (id,text,first,second) for the third reader
  merge     applies reading/decisions.csv (id,labels) and writes the final rows:
            training rows appended to datasets/train.csv, test rows to datasets/test_round2.csv,
            and the agreement figures into datasets/label_checks.json
"""
from __future__ import annotations

import csv
import hashlib
import json
import random
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATASETS = HERE.parent
READING = HERE / "reading"
LABELS = ("illegal_fee", "slow_service", "campaign")
COLUMNS = ["id", "text", "labels", "register", "service", "region", "hard", "hard_kind", "kind", "round"]
PARTS = {"train_w1": ["train_w1.csv"], "train_w2": ["train_w2.csv"], "train_w3": ["train_w3.csv"], "test_w4": ["test_w4.csv"]}


def row_id(text: str) -> str:
    return "kpk-" + hashlib.sha1(" ".join(text.split()).encode("utf-8")).hexdigest()[:12]


def read(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write(path: Path, columns: list[str], rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def written_rows(part: str) -> list[dict]:
    rows = []
    for name in PARTS[part]:
        for r in read(HERE / name):
            r = {k: (v or "").strip() for k, v in r.items()}
            r["id"] = row_id(r["text"])
            rows.append(r)
    return rows


def canonical(labels: str) -> str:
    parts = {p.strip().lower() for p in labels.replace(",", "|").split("|") if p.strip()}
    parts.discard("other")
    unknown = parts - set(LABELS)
    if unknown:
        raise SystemExit(f"unknown labels {sorted(unknown)} in {labels!r}")
    return "|".join(l for l in LABELS if l in parts) or "other"


def prepare(parts: list[str]) -> None:
    READING.mkdir(exist_ok=True)
    for part in parts or PARTS:
        rows = written_rows(part)
        random.Random(part).shuffle(rows)
        write(READING / f"{part}.csv", ["id", "text"], rows)
        print(f"{part}: {len(rows)} rows to read")


def second_labels(part: str) -> dict[str, str]:
    return {r["id"]: canonical(r["labels"]) for r in read(READING / f"{part}.labels.csv")}


def kappa(a: list[bool], b: list[bool]) -> float:
    n = len(a)
    po = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return (po - pe) / (1 - pe) if pe < 1 else 1.0


def compare() -> dict:
    out, figures = [], {}
    for part in PARTS:
        rows = written_rows(part)
        second = second_labels(part)
        missing = [r["id"] for r in rows if r["id"] not in second]
        if missing:
            raise SystemExit(f"{part}: {len(missing)} rows without a second label, e.g. {missing[:3]}")
        firsts = [canonical(r["labels"]) for r in rows]
        seconds = [second[r["id"]] for r in rows]
        figures[part] = {
            "rows": len(rows),
            "exact_agreement": round(sum(a == b for a, b in zip(firsts, seconds)) / len(rows), 4),
            "kappa": {l: round(kappa([l in a.split("|") for a in firsts], [l in b.split("|") for b in seconds]), 3)
                      for l in LABELS},
        }
        part_out = [{"id": r["id"], "text": r["text"], "first": a, "second": b}
                    for r, a, b in zip(rows, firsts, seconds) if a != b]
        figures[part]["disagreements_decided_by_third_reader"] = len(part_out)
        out += part_out
    write(READING / "disagreements.csv", ["id", "text", "first", "second"], out)
    print(json.dumps(figures, indent=1))
    print(f"{len(out)} disagreements -> {READING / 'disagreements.csv'}")
    return figures


def merge() -> None:
    figures = compare()
    decisions = {r["id"]: canonical(r["labels"]) for r in read(READING / "decisions.csv")}
    changed = Counter()
    final: dict[str, list[dict]] = {"train": [], "test": []}
    for part in PARTS:
        second = second_labels(part)
        for r in written_rows(part):
            first = canonical(r["labels"])
            label = first if first == second[r["id"]] else decisions[r["id"]]
            changed[part] += label != first
            r["labels"] = label
            r["round"] = "2"
            final["test" if part.startswith("test") else "train"].append(r)
    train = read(DATASETS / "train.csv")
    for r in train:
        r.setdefault("kind", r.get("hard_kind", ""))
        r.setdefault("round", "1")
    known = {r["id"] for r in train} | {r["id"] for r in read(DATASETS / "test.csv")}
    clash = [r["id"] for r in final["train"] + final["test"] if r["id"] in known]
    if clash:
        raise SystemExit(f"{len(clash)} round-2 rows repeat corpus texts, e.g. {clash[:3]}")
    rows = sorted(train + final["train"], key=lambda r: r["id"])
    write(DATASETS / "train.csv", COLUMNS, rows)
    test = read(DATASETS / "test.csv")
    for r in test:
        r.setdefault("kind", r.get("hard_kind", ""))
        r.setdefault("round", "1")
    write(DATASETS / "test.csv", COLUMNS, sorted(test, key=lambda r: r["id"]))
    write(DATASETS / "test_round2.csv", COLUMNS, sorted(final["test"], key=lambda r: r["id"]))
    checks = json.loads((DATASETS / "label_checks.json").read_text())
    checks["round2"] = figures
    for part in PARTS:
        checks["round2"][part]["labels_changed_from_writer"] = changed[part]
    (DATASETS / "label_checks.json").write_text(json.dumps(checks, indent=1) + "\n")
    print(f"train.csv: {len(rows)} rows; test_round2.csv: {len(final['test'])} rows; changed {dict(changed)}")


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(sys.argv[2:])
    else:
        {"compare": compare, "merge": merge}[sys.argv[1]]()
