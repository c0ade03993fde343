"""Money amounts in rupiah, in every common written and spoken form.

The amounts are found in lower-cased, NFKC-normalised text (see :func:`normalize`);
:func:`find_amounts` yields ``(start, end, rupiah)`` spans that the normaliser replaces
with a money token plus an order-of-magnitude token. Amounts are written in ASCII: any
other character counts as a separator (neither a letter, a digit nor a space).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

# Spoken and slang amounts (Hokkien-derived street slang and banknote colours).
_SLANG_AMOUNTS = {
    "jigo": 25,
    "gocap": 50,
    "cepek": 100,
    "gopek": 500,
    "seceng": 1_000,
    "goceng": 5_000,
    "ceban": 10_000,
    "noban": 20_000,
    "goban": 50_000,
    "sejuta": 1_000_000,
    "seribu": 1_000,
    "sewu": 1_000,
    "semiliar": 1_000_000_000,
    "semilyar": 1_000_000_000,
}
_NOTE_COLOURS = {"merah": 100_000, "biru": 50_000, "hijau": 20_000, "ungu": 10_000, "coklat": 5_000, "cokelat": 5_000}
_MULTIPLIERS = {
    "k": 1_000, "rb": 1_000, "rbu": 1_000, "ribu": 1_000, "rebu": 1_000, "ewu": 1_000, "ribuan": 1_000,
    "jt": 1_000_000, "jeti": 1_000_000, "juta": 1_000_000, "jutaan": 1_000_000, "yuta": 1_000_000, "yuto": 1_000_000,
    "m": 1_000_000_000, "miliar": 1_000_000_000, "milyar": 1_000_000_000, "mlyr": 1_000_000_000,
    "t": 1_000_000_000_000, "triliun": 1_000_000_000_000, "trilyun": 1_000_000_000_000,
}
_UNITS = {
    "satu": 1, "se": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
    "delapan": 8, "sembilan": 9,
}

_NUMBER = r"\d+(?:[.,]\d+)*"
_MULT = "|".join(sorted((re.escape(m) for m in _MULTIPLIERS), key=len, reverse=True))
_UNIT_WORDS = "satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan"
# A number below a thousand in words needs at most two "<unit> puluh/ratus" groups after
# the first ("dua ratus lima puluh"); an unbounded repetition made every word of a long
# run of them ("dua puluh dua puluh ...") scan to the end of the run: quadratic time.
_MAX_WORD_GROUPS = 4
_WORD_NUMBER = (
    rf"(?:(?:(?:{_UNIT_WORDS})\s+)?setengah"
    rf"|(?:{_UNIT_WORDS}|se)(?:\s*(?:puluh|belas|ratus))?(?:\s+(?:{_UNIT_WORDS}))?"
    rf"(?:\s+(?:{_UNIT_WORDS}|se)\s*(?:puluh|ratus)){{0,{_MAX_WORD_GROUPS}}}"
    rf"(?:\s+(?:{_UNIT_WORDS}))?(?:\s+setengah)?)"
)
_SCALE_WORDS = "ribuan|ribu|rebu|jutaan|juta|miliar|milyar|triliun"

# Every amount starts at the start of a word; checking that once, before the alternatives,
# lets the engine skip most positions cheaply.
_PATTERN = re.compile(
    r"(?<![a-z0-9_])(?:" + "|".join(
        [
            # Rp 50.000 / Rp50.000,- / rp.50rb / Rp 1,5 juta / IDR 200k
            rf"(?P<rp>(?<![a-z])(?:rp|idr)\.?\s*(?P<rpnum>{_NUMBER})(?:\s*(?P<rpmult>{_MULT})(?![a-z]))?(?:,-|,00)?)",
            # 50rb / 1,5 jt / 200k / 2 juta
            rf"(?P<num>(?<![\w.,])(?P<numval>{_NUMBER})\s*(?P<nummult>{_MULT})(?![a-z]))",
            # dua juta / seratus lima puluh ribu / lima ratus rebu
            rf"(?P<words>(?<![a-z])(?P<wordval>{_WORD_NUMBER})\s+(?P<wordscale>{_SCALE_WORDS})(?![a-z]))",
            # selembar merah / dua lembar biru
            rf"(?P<notes>(?<![a-z])(?P<notecount>se|satu|dua|tiga|empat|lima|\d+)\s*lembar\s+(?P<notecolour>{'|'.join(_NOTE_COLOURS)})(?![a-z]))",
            # 50.000 rupiah / 5.000 perak
            rf"(?P<cur>(?<![\w.,])(?P<curval>{_NUMBER})\s*(?:rupiah|perak)(?![a-z]))",
            # gocap, cepek, sejuta, seribu ...
            rf"(?P<slang>(?<![a-z])(?:{'|'.join(_SLANG_AMOUNTS)})(?![a-z]))",
        ]
    )
    + ")",
    re.ASCII,
)


def _parse_number(text: str, has_multiplier: bool) -> float | None:
    """Parse ``50.000``, ``1,5``, ``1.5`` or ``1.500.000,00`` the Indonesian way."""
    if "." in text and "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif "," in text:
        groups = text.split(",")
        if not has_multiplier and all(len(g) == 3 for g in groups[1:]):
            text = text.replace(",", "")  # 50,000 written the English way
        elif len(groups) == 2:
            text = text.replace(",", ".")  # 1,5 jt
        else:
            return None
    elif "." in text:
        groups = text.split(".")
        if all(len(g) == 3 for g in groups[1:]):
            text = text.replace(".", "")  # thousands separators
        elif len(groups) != 2:
            return None
    try:
        return float(text)
    except ValueError:
        return None


def _parse_words(text: str) -> float | None:
    """Parse Indonesian number words below a thousand: ``seratus lima puluh`` -> 150,
    ``dua setengah`` -> 2.5."""
    group = 0.0
    current = 0
    for word in re.findall(r"[a-z]+", text):
        if word.startswith("se") and word[2:] in ("puluh", "ratus", "belas"):
            word, current = word[2:], 1  # sepuluh, seratus, sebelas: "one ten", "one hundred"
        if word == "setengah":
            group += current + 0.5
            current = 0
        elif word in _UNITS:
            current += _UNITS[word]
        elif word == "puluh":
            group += (current or 1) * 10
            current = 0
        elif word == "belas":
            group += (current or 1) + 10
            current = 0
        elif word == "ratus":
            group += (current or 1) * 100
            current = 0
    group += current
    return group or None


# Where an amount can start: after a character that is not a letter, digit or "_", one of
# a digit that a multiplier, "rupiah", "perak" or "lembar" may follow; "rp"/"idr"; a number
# word that another number word, a scale or "lembar" may follow; or a slang amount. Every
# match of _PATTERN (after position 0) starts at one of these, so trying _PATTERN only there
# finds the same amounts as scanning every position, several times faster: the scan looks
# at the few characters after each separator. Each trigger consumes its separator and one
# character or word, never the separator of the next possible start.
# Inside a run of digits, dots and commas only the "notes" alternative can start (the
# others refuse to start after "." or ","), so a "." or "," is a trigger only before
# "<digits> l"; the number look-ahead runs from the start of a run only. Looking ahead
# over the rest of the run from every dot made "1.1.1.1..." quadratic.
_TRIGGER = re.compile(
    r"[^a-z0-9_](?:(?<=[.,])(?=\d+\s*l)\d|(?<![.,])(?=\d[\d.,]*\s*[kretjymlp])\d|rp|idr"
    r"|se(?=\s|puluh|belas|ratus|lembar|tengah|ceng|juta|ribu|wu|mil)"
    rf"|(?:{_UNIT_WORDS})(?=\s|puluh|belas|ratus|lembar)"
    r"|jigo|gocap|cepek|gopek|goceng|ceban|noban|goban)",
    re.ASCII,
)


def ascii_lower(text: str) -> str:
    """``text`` lower-cased with every non-ASCII character replaced by ``?`` (positions kept):
    what the money pattern and the tokenizer see."""
    if not text.isascii():
        text = text.encode("ascii", "replace").decode("ascii")
    return text.lower()


def _matches(text: str) -> Iterator[re.Match[str]]:
    """The same matches as ``_PATTERN.finditer(text)``, for lower-case ASCII ``text``."""
    match_at = _PATTERN.match
    end = 0
    first = match_at(text, 0)
    if first is not None:
        end = first.end()
        yield first
    for trigger in _TRIGGER.finditer(text, end):
        start = trigger.start() + 1
        if start >= end:  # finditer's matches never overlap
            match = match_at(text, start)
            if match is not None:
                end = match.end()
                yield match


def find_amounts(text: str) -> Iterator[tuple[int, int, int]]:
    """Yield ``(start, end, rupiah)`` for each amount in ``text`` (matched lower-cased;
    positions are those of ``text``).

    Spoken amounts that continue each other (``dua juta lima ratus ribu``) are
    merged into one amount.
    """
    return amounts_in_ascii(ascii_lower(text))


def amounts_in_ascii(text: str) -> Iterator[tuple[int, int, int]]:
    """:func:`find_amounts` for text that is already lower-case ASCII."""
    pending: tuple[int, int, int] | None = None
    covered = 0  # the end of the last amount, spoken remainder included
    for match in _matches(text):
        if match.start() < covered:
            continue
        value = _match_value(match)
        if value is None or value <= 0 or not math.isfinite(value):
            continue
        span = (match.start(), match.end(), int(round(value)))
        rest = _spoken_rest(text, match)
        if rest is not None:
            span = (span[0], rest[0], span[2] + rest[1])
        covered = span[1]
        if (
            pending is not None
            and match.group("words")
            and not text[pending[1] : span[0]].strip()
            and pending[2] > span[2]
        ):
            pending = (pending[0], span[1], pending[2] + span[2])
            continue
        if pending is not None:
            yield pending
        pending = span
    if pending is not None:
        yield pending


# "seribu lima ratus", "dua juta tiga ratus": a number below a thousand said right after a
# spoken amount counts in the next smaller unit (1,500; 2,300,000). Only with ratus, puluh
# or belas in it ("seribu lima orang" stays 1,000), and not when a scale word follows
# ("dua juta lima ratus ribu" is one amount already).
_NUMBER_WORD = rf"(?:{_UNIT_WORDS}|puluh|belas|ratus|setengah|se(?:puluh|belas|ratus)?)"
_SPOKEN_REST = re.compile(
    rf"\s+(?P<rest>{_WORD_NUMBER})(?![a-z])"
    rf"(?!\s*(?:{_SCALE_WORDS}|lembar)(?![a-z]))(?!\s+{_NUMBER_WORD}(?![a-z]))",  # the whole phrase
    re.ASCII,
)
_HUNDREDS = re.compile(r"ratus|puluh|belas")
_SLANG_SCALE = {"seribu": 1_000, "sewu": 1_000, "sejuta": 1_000_000, "semiliar": 1_000_000_000,
                "semilyar": 1_000_000_000}


def _spoken_rest(text: str, match: re.Match[str]) -> tuple[int, int] | None:
    """``(end, rupiah)`` of a spoken remainder after a spoken amount, or ``None``."""
    if match.group("words"):
        scale = _MULTIPLIERS[match.group("wordscale")]
    elif match.group("slang"):
        scale = _SLANG_SCALE.get(match.group("slang"), 0)
    else:
        return None
    if scale < 1_000:
        return None
    rest = _SPOKEN_REST.match(text, match.end())
    if rest is None or not _HUNDREDS.search(rest.group("rest")):
        return None
    small = _parse_words(rest.group("rest"))
    if not small or small >= 1_000:
        return None
    return rest.end(), int(round(small * scale / 1_000))


def _match_value(match: re.Match[str]) -> float | None:
    if match.group("rp"):
        mult = match.group("rpmult")
        value = _parse_number(match.group("rpnum"), mult is not None)
        return value * _MULTIPLIERS[mult] if value is not None and mult else value
    if match.group("num"):
        value = _parse_number(match.group("numval"), True)
        return value * _MULTIPLIERS[match.group("nummult")] if value is not None else None
    if match.group("words"):
        base = _parse_words(match.group("wordval"))
        return base * _MULTIPLIERS[match.group("wordscale")] if base else None
    if match.group("cur"):
        return _parse_number(match.group("curval"), False)
    if match.group("notes"):
        count = match.group("notecount")
        n = 1 if count in ("se", "satu") else _UNITS.get(count) or int(count)
        return n * _NOTE_COLOURS[match.group("notecolour")]
    return _SLANG_AMOUNTS[match.group("slang")]


def magnitude_token(rupiah: int) -> str:
    """The order-of-magnitude token for an amount: ``50_000`` -> ``"_rp1e4_"``."""
    exponent = min(12, max(0, int(math.log10(rupiah)))) if rupiah > 0 else 0
    return f"_rp1e{exponent}_"
