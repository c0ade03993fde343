"""Table-driven preprocessing tests: one test per row of ``tests/data/preprocess_cases.tsv``.

Each row is ``function<TAB>input<TAB>expected<TAB>rule``. ``function`` names a public function
of :mod:`kpkclassify.text`; ``expected`` is written as

* ``preprocess``: the terms joined with spaces (empty for no terms);
* ``normalize``: the output string;
* ``extract_amounts``: the amounts in rupiah joined with spaces (empty for none);
* ``stem``: the stem;
* ``tokenize``: the raw tokens joined with spaces.

In ``input`` the two characters ``\\n`` stand for a newline. A ``rule`` starting with ``bug:``
marks a known library bug: the row states the correct behaviour and is expected to fail
(``xfail(strict=True)``), so fixing the bug makes the test suite say so.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kpkclassify import text as kt

TABLE = Path(__file__).parent / "data" / "preprocess_cases.tsv"
FUNCTIONS = ("preprocess", "normalize", "extract_amounts", "stem", "tokenize")
BUG_PREFIX = "bug:"

#: Every rule family the table must cover: family -> rule names (or name prefixes ending in "_")
#: of which at least one must appear, and a minimum number of rows for the family.
FAMILIES: dict[str, tuple[tuple[str, ...], int]] = {
    "money": (("money_",), 60),
    "hashtag": (("hashtag_",), 30),
    "elongation": (("elongation", "real_double_letters", "double_letter_repair"), 25),
    "leet": (("leet",), 15),
    "reduplication": (("reduplication",), 15),
    "slang": (("slang_", "colloquial_verb"), 60),
    "stemming": (("stem_", "protected"), 40),
    "cue_words": (("stopword_dropped", "negation_kept", "time_word_kept", "request_verb_kept"), 25),
    "placeholder": (("url", "email", "mention", "phone", "placeholder_passthrough"), 25),
    "emoji": (("emoji",), 15),
    "unicode": (("unicode_",), 10),
    "number": (("number",), 1),
    "mixed_sentence": (("mixed_sentence",), 20),
}
#: Rules that must each appear on their own (not just somewhere in their family).
REQUIRED_RULES = (
    "money_rp", "money_num", "money_words", "money_slang", "money_notes", "money_mixed", "money_negative",
    "hashtag_camel", "hashtag_segment", "elongation", "real_double_letters", "leet", "reduplication",
    "slang_abbrev", "slang_colloquial", "slang_javanese", "slang_sundanese", "slang_betawi", "slang_regional",
    "colloquial_verb", "stem_exception", "protected", "stopword_dropped", "negation_kept", "time_word_kept",
    "request_verb_kept", "url", "email", "mention", "phone", "placeholder_passthrough", "emoji",
    "unicode_nfkc", "unicode_zero_width", "number", "mixed_sentence",
)


def _read_table() -> list[tuple[int, str, str, str, str]]:
    """(line number, function, input, expected, rule) for every data row."""
    rows = []
    with TABLE.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        assert header == ["function", "input", "expected", "rule"], header
        for row in reader:
            if not row:
                continue
            assert len(row) == 4, f"line {reader.line_num}: expected 4 fields, got {row!r}"
            function, text, expected, rule = row
            rows.append((reader.line_num, function, text.replace("\\n", "\n"), expected, rule))
    return rows


ROWS = _read_table()


def _base_rule(rule: str) -> str:
    return rule[len(BUG_PREFIX):] if rule.startswith(BUG_PREFIX) else rule


def _matches(rule: str, names: tuple[str, ...]) -> bool:
    base = _base_rule(rule)
    return any(base.startswith(n) if n.endswith("_") else base == n or base.startswith(n + "_") for n in names)


def _params():
    for line, function, text, expected, rule in ROWS:
        marks = ()
        if rule.startswith(BUG_PREFIX):
            marks = (pytest.mark.xfail(strict=True, reason=f"known library bug ({rule})"),)
        yield pytest.param(function, text, expected, id=f"{rule.replace(':', '-')}-{line}", marks=marks)


def _run(function: str, text: str):
    if function == "preprocess":
        return kt.preprocess(text)
    if function == "normalize":
        return kt.normalize(text)
    if function == "extract_amounts":
        return kt.extract_amounts(text)
    if function == "stem":
        return kt.stem(text)
    if function == "tokenize":
        return kt.tokenize(text)
    raise AssertionError(f"unknown function {function!r}")


def _expected(function: str, expected: str):
    if function in ("preprocess", "tokenize"):
        return expected.split()
    if function == "extract_amounts":
        return [int(x) for x in expected.split()]
    return expected


@pytest.mark.parametrize("function, text, expected", list(_params()))
def test_case(function, text, expected):
    assert _run(function, text) == _expected(function, expected)


def test_table_is_complete():
    assert len(ROWS) >= 300
    assert {function for _, function, _, _, _ in ROWS} <= set(FUNCTIONS)
    rules = [rule for *_, rule in ROWS]
    bases = {_base_rule(r) for r in rules}
    missing = [r for r in REQUIRED_RULES if r not in bases]
    assert not missing, f"rules with no row: {missing}"
    for family, (names, minimum) in FAMILIES.items():
        count = sum(_matches(r, names) for r in rules)
        assert count >= minimum, f"family {family!r} has {count} rows, needs {minimum}"
    keys = [(function, text) for _, function, text, _, _ in ROWS]
    duplicates = {k for k in keys if keys.count(k) > 1}
    assert not duplicates, f"duplicate rows: {sorted(duplicates)}"
