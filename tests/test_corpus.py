"""Our training corpus: shape, labels, split, and no near-duplicates (datasets/README.md)."""

import csv
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from kpkclassify import parse_labels

DATASETS = Path(__file__).resolve().parent.parent / "datasets"
COLUMNS = ["id", "text", "labels", "register", "service", "region", "hard", "hard_kind", "kind", "round"]


def _read(name):
    with open(DATASETS / name, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == COLUMNS
        return list(reader)


@pytest.fixture(scope="module")
def corpus():
    return {"train": _read("train.csv"), "test": _read("test.csv"), "test_round2": _read("test_round2.csv")}


@pytest.fixture(scope="module")
def rows(corpus):
    return corpus["train"] + corpus["test"] + corpus["test_round2"]


def _words(text):
    return re.findall(r"[0-9a-z]+", text.lower())


def test_size_and_balance(rows):
    labels = [parse_labels(r["labels"]) for r in rows]
    counts = Counter(label for ls in labels for label in (ls or ("other",)))
    assert len(rows) >= 6000
    assert counts["illegal_fee"] >= 1000 and counts["slow_service"] >= 1000
    assert counts["campaign"] >= 900 and counts["other"] >= 2000
    assert sum(len(ls) > 1 for ls in labels) >= 500
    assert sum(r["hard"] == "1" for r in rows) >= 1500


def test_every_row_is_well_formed(rows):
    for r in rows:
        assert r["labels"] == "|".join(parse_labels(r["labels"])) or r["labels"] == "other", r["id"]
        assert 5 <= len(r["text"].split()) <= 250, r["id"]
        assert r["hard"] in ("0", "1") and bool(r["hard_kind"]) == (r["hard"] == "1"), r["id"]
        assert r["register"] and r["service"] and r["region"], r["id"]
    assert len({r["id"] for r in rows}) == len(rows)


def test_split_is_disjoint_and_about_85_15(corpus):
    """Round 1 was split 85/15 by make_split.py; round 2's test rows came from their own writer."""
    train_ids = {r["id"] for r in corpus["train"] if r["round"] == "1"}
    test_ids = {r["id"] for r in corpus["test"]}
    assert not train_ids & test_ids
    share = len(test_ids) / (len(train_ids) + len(test_ids))
    assert 0.13 <= share <= 0.17
    round2_test = {r["id"] for r in corpus["test_round2"]}
    assert not round2_test & {r["id"] for r in corpus["train"]} and not round2_test & test_ids
    assert {r["round"] for r in corpus["test"]} == {"1"} and {r["round"] for r in corpus["test_round2"]} == {"2"}


def test_round_2_rows_have_a_register_and_kind(corpus):
    round2 = [r for split in corpus.values() for r in split if r["round"] == "2"]
    assert len(round2) >= 4000
    assert {r["register"] for r in round2} == {"app_review", "x_reply", "youtube_comment", "agency_post",
                                               "news_headline", "forwarded_complaint"}
    assert all(r["kind"] for r in round2)


def test_no_two_rows_share_more_than_half_their_4grams(rows):
    grams = [{" ".join(w[i : i + 4]) for i in range(len(w) - 3)} for w in map(_words, (r["text"] for r in rows))]
    index = defaultdict(list)
    for i, g in enumerate(grams):
        for x in g:
            index[x].append(i)
    offenders = []
    for i, g in enumerate(grams):
        if not g:
            continue
        shared = Counter(j for x in g for j in index[x] if j > i)
        for j, c in shared.items():
            if c / min(len(g), len(grams[j]) or 1) > 0.5:
                offenders.append((rows[i]["id"], rows[j]["id"]))
    assert offenders == []


def test_no_8_word_sequence_in_more_than_3_rows(rows):
    seen = defaultdict(set)
    for i, r in enumerate(rows):
        w = _words(r["text"])
        for k in range(len(w) - 7):
            seen[" ".join(w[k : k + 8])].add(i)
    common = {g: len(ids) for g, ids in seen.items() if len(ids) > 3}
    assert common == {}
