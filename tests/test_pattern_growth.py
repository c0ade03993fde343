"""The text patterns take linear time: adversarial inputs (long runs of the characters a
pattern repeats) cost about what ordinary text of the same length costs.

Times are only ever compared as ratios between two inputs of the same length measured in
the same process, never against an absolute limit. bench/patterns.py prints the figures.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

SIZE = 32_000
# Linear inputs measured at 0.02-4.4x the plain text (many short matches cost a little more
# per character than words do); the quadratic patterns this guards against measured
# 400-2000x at this size. 10x leaves room for a busy machine and still fails them by far.
MARGIN = 10.0

# A realistic post: words, an amount, a hashtag, a mention, a URL, an e-mail and a phone number,
# so that every pattern does its ordinary work on it.
PLAIN = ("Sudah 3 bulan KTP belum jadi, petugas minta 200rb biar cepat. #StopPungli @dukcapil_kota "
         "lapor ke www.lapor.go.id atau email humas@kota.go.id, hub 0812-3456-7890. dua ratus ribu! ")

#: name -> (repeated unit, suffix that wakes the pattern's guard up)
ADVERSARIAL = {
    "money_dots": ("1.", ""),
    "money_commas": ("1,", ""),
    "money_mixed": ("12.3,", ""),
    "money_rp_dots": ("rp1.", ""),
    "money_words": ("dua puluh ", ""),
    "money_ratus": ("sembilan ratus ", ""),
    "money_spoken_rest": ("seribu lima ratus ", ""),
    "url_dots": ("a.", " x.id"),
    "url_dashes": ("a-", " x.id"),
    "url_dash_dot": ("a-a.", " x.id"),
    "email_dots": ("a.", " @"),
    "email_local_then_at": ("a.", "@"),
    "email_ats": ("a@", ""),
    "email_domain": ("a@a.", ""),
    "mention_ats": ("@", ""),
    "phone_digits": ("08", ""),
    "hashtag": ("#a", ""),
    "camel": ("aB", ""),
    "tokens_dash": ("a-", ""),
    "tokens_underscore": ("_a", ""),
}


def _repeat(unit: str, size: int, suffix: str = "") -> str:
    body = size - len(suffix)
    return (unit * (body // len(unit) + 1))[:body] + suffix


def _best(function, text: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function(text)
        best = min(best, time.perf_counter() - start)
    return best


def _paths():
    from kpkclassify.text import normalize
    from kpkclassify.text._normalize import normalized_pieces
    from kpkclassify.text._preprocess import _segment_for

    segment = _segment_for(None)
    return {
        "per_text": normalize,
        "block": lambda text: normalized_pieces(["sebelum", text, "sesudah"], segment=segment),
    }


@pytest.fixture(scope="module")
def baselines():
    paths = _paths()
    plain = _repeat(PLAIN, SIZE)
    for function in paths.values():
        function(plain)  # warm up: lexicon, segmenter
    return {name: (function, _best(function, plain, 5)) for name, function in paths.items()}


@pytest.mark.parametrize("path", ["per_text", "block"])
@pytest.mark.parametrize("case", sorted(ADVERSARIAL))
def test_adversarial_input_costs_about_as_much_as_plain_text(baselines, path, case):
    function, plain = baselines[path]
    unit, suffix = ADVERSARIAL[case]
    text = _repeat(unit, SIZE, suffix)
    assert len(text) == SIZE
    took = _best(function, text, 1)  # one run first: a quadratic pattern takes seconds here
    if took > MARGIN * plain:  # a slow moment of the machine, or really slow: measure both again
        took = _best(function, text, 3)
        plain = _best(function, _repeat(PLAIN, SIZE), 3)  # in the same moment
    assert took <= MARGIN * plain, f"{case} on the {path} path: {took / plain:.1f}x plain text of {SIZE} chars"


# -- the linear rewrites find exactly what the patterns find ---------------------------------
_PIECES = ["a", "B", "é", "1", "_", ".", ",", "-", "+", "@", " ", "\n", "/", "www.", "http://", ".com", ".id",
           ".co", "coba", "x", "rp", "rb", "lembar", "dua", "puluh", "ratus", "se", "ribu", "seribu", "#", "08"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=20).map("".join))
def test_linear_url_and_email_replacement_equals_the_regex_substitution(text):
    from kpkclassify.text import _normalize as n

    assert n._URL_SUB.sub(text, "<u>") == n._URL_RE.sub("<u>", text)
    assert n._EMAIL_SUB.sub(text, "<e>") == n._EMAIL_RE.sub("<e>", text)


@pytest.mark.parametrize("case", sorted(ADVERSARIAL))
def test_adversarial_inputs_give_the_same_tokens_on_both_paths(case):
    from kpkclassify.text._money import _PATTERN, _matches, ascii_lower
    from kpkclassify.text._normalize import TOKEN_RE, normalized_pieces, normalized_tokens
    from kpkclassify.text._preprocess import _segment_for

    unit, suffix = ADVERSARIAL[case]
    text = _repeat(unit, 400, suffix) + " bayar 1.500 lembar merah, rp 2.000.000,-"
    lowered = ascii_lower(text)
    assert [m.span() for m in _matches(lowered)] == [m.span() for m in _PATTERN.finditer(lowered)]
    segment = _segment_for(None)
    pieces = normalized_pieces(["x", text], segment=segment)
    block = [t for piece in pieces[pieces.index("|") + 1 :] for t in TOKEN_RE.findall(piece)]
    assert block == normalized_tokens(text, segment=segment)


def test_long_spoken_amounts_and_dotted_numbers_keep_their_values():
    from kpkclassify.text import extract_amounts

    assert extract_amounts("dua ratus lima puluh ribu") == [250_000]
    assert extract_amounts("seratus dua puluh tiga ribu") == [123_000]
    assert extract_amounts("bayar 1.500 lembar... 5 lembar merah") == [500_000]
    assert extract_amounts("rp 1.250.000.000,00") == [1_250_000_000]
