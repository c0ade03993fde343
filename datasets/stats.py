#!/usr/bin/env python3
"""Print (or, with --write, refresh in datasets/README.md) the corpus statistics tables.

Usage: python datasets/stats.py [--write]
The tables go between the markers <!-- stats:start --> and <!-- stats:end -->.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABELS = ("illegal_fee", "slow_service", "campaign", "other")


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|")  # a label set like a|b must not split the Markdown cell


def table(title: str, counter: Counter, total: int, limit: int | None = None) -> str:
    rows = counter.most_common(limit)
    lines = [f"**{title}**", "", "| value | rows | share |", "|---|---|---|"]
    lines += [f"| {_cell(k)} | {v} | {100 * v / total:.1f}% |" for k, v in rows]
    if limit and len(counter) > limit:
        rest = sum(counter.values()) - sum(v for _, v in rows)
        lines.append(f"| ({len(counter) - limit} more) | {rest} | {100 * rest / total:.1f}% |")
    return "\n".join(lines) + "\n"


def main() -> None:
    rows = {}
    for split in ("train", "test", "test_round2"):
        with open(HERE / f"{split}.csv", newline="", encoding="utf-8") as fh:
            rows[split] = list(csv.DictReader(fh))
    everything = rows["train"] + rows["test"] + rows["test_round2"]
    round2 = [r for r in everything if r.get("round") == "2"]
    n = len(everything)
    labels = Counter()
    for r in everything:
        labels.update(r["labels"].split("|"))
    combos = Counter(r["labels"] for r in everything)
    bands = Counter()
    for r in everything:
        w = len(r["text"].split())
        bands["5-10" if w <= 10 else "11-30" if w <= 30 else "31-60" if w <= 60 else "61-120" if w <= 120 else "121-250"] += 1
    parts = [
        f"{n} rows: {len(rows['train'])} in train.csv ({len(rows['train']) - sum(r.get('round') == '2' for r in rows['train'])} "
        f"of round 1, {sum(r.get('round') == '2' for r in rows['train'])} of round 2), {len(rows['test'])} in test.csv (round 1), "
        f"{len(rows['test_round2'])} in test_round2.csv (round 2).\n",
        "**Rows per label** (a row with two labels counts under both)\n\n| label | rows | train | test | test_round2 |\n|---|---|---|---|---|\n"
        + "\n".join(
            f"| {l} | {labels[l]} | {sum(l in r['labels'].split('|') for r in rows['train'])} | "
            f"{sum(l in r['labels'].split('|') for r in rows['test'])} | "
            f"{sum(l in r['labels'].split('|') for r in rows['test_round2'])} |" for l in LABELS)
        + f"\n| two or more labels | {sum('|' in r['labels'] for r in everything)} | | |"
        + f"\n| hard cases (hard=1) | {sum(r['hard'] == '1' for r in everything)} | | |\n",
        table("Label combinations", combos, n),
        table("Registers", Counter(r["register"] for r in everything), n),
        table("Round 2: registers", Counter(r["register"] for r in round2), len(round2)),
        table("Round 2: kinds of text (top 40)", Counter(r["kind"] for r in round2), len(round2), 40),
        table("Services (top 30)", Counter(r["service"] for r in everything), n, 30),
        table("Regions (top 40)", Counter(r["region"] for r in everything), n, 40),
        table("Length in words", bands, n),
        table("Hard-case kinds", Counter(r["hard_kind"] for r in everything if r["hard"] == "1"),
              sum(r["hard"] == "1" for r in everything)),
    ]
    checks = HERE / "label_checks.json"
    if checks.exists():
        data = json.loads(checks.read_text())
        parts.append(
            "**Second read** (every row, by a reader who did not see the first label)\n\n"
            f"Exact agreement on the whole label set: {100 * data['exact_agreement']:.1f}% of {data['rows']} rows; "
            "Cohen's kappa per label: "
            + ", ".join(f"{k} {v:.3f}" for k, v in data["kappa"].items())
            + f". {data['disagreements']} disagreements were resolved by a third reader against the label guide.\n"
        )
        for part, figures in data.get("round2", {}).items():
            parts.append(
                f"Round 2, `{part}`: {figures['rows']} rows, exact agreement {100 * figures['exact_agreement']:.1f}%, kappa "
                + ", ".join(f"{k} {v:.3f}" for k, v in figures["kappa"].items())
                + f"; {figures['disagreements_decided_by_third_reader']} decided by a third reader.\n"
            )
    text = "\n".join(parts)
    if "--write" in sys.argv:
        readme = HERE / "README.md"
        content = readme.read_text(encoding="utf-8")
        start, end = content.index("<!-- stats:start -->"), content.index("<!-- stats:end -->")
        readme.write_text(content[: start + len("<!-- stats:start -->")] + "\n" + text + content[end:], encoding="utf-8")
    else:
        print(text)


if __name__ == "__main__":
    main()
