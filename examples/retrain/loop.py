"""The retraining loop through the library (see README.md in this folder)."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import kpkclassify

HERE = Path(__file__).resolve().parent
work = Path(tempfile.mkdtemp(prefix="kpk-loop-"))

# 1. train on our labelled rows plus the bundled corpus
mine = kpkclassify.train(HERE / "labelled.csv", with_bundled=True, progress=print)
mine.save(work / "mine.skops")

# 2. compare with the bundled model on the same rows
print(kpkclassify.compare_table(kpkclassify.compare(HERE / "labelled.csv", [None, mine], names=["bundled", "mine"])))

# 3. what to label next
written = kpkclassify.suggest_file(str(HERE / "unlabelled.csv"), str(work / "to_label.csv"), model=mine, n=8,
                                   text_columns=["isi"])
print(f"{written} rows to label in {work / 'to_label.csv'}")

# 4. a person labels them; here the model's guesses stand in for that person
with open(work / "to_label.csv", newline="", encoding="utf-8") as fh:
    picked = [(row["isi"], row["model_guess"]) for row in csv.DictReader(fh)]
with open(HERE / "labelled.csv", newline="", encoding="utf-8") as fh:
    rows = [(row["text"], row["labels"]) for row in csv.DictReader(fh)]
with open(work / "more.csv", "w", newline="", encoding="utf-8") as fh:
    writer = csv.writer(fh)
    writer.writerow(["text", "labels"])
    writer.writerows(rows + picked)
again = kpkclassify.train(work / "more.csv", with_bundled=True)
print(kpkclassify.compare_table(kpkclassify.compare(HERE / "labelled.csv", [mine, again], names=["mine", "again"])))
