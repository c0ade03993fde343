"""Cues beyond n-grams, added to a text's terms as pseudo-terms (``_cue_..._``, ``neg_...``).

Each cue is a feature the linear model weighs like any word: who speaks (first person
next to a request or payment), money next to a request, negation scope, durations, a
campaign's imperative and hashtag style, questions and length. They are computed from
the terms (after stemming) and the raw text, in one pass.

``kpkclassify.features.compiled`` computes the same cues for whole batches in NumPy; a change here
must be made there too (``tests/test_compiled.py`` compares the two on generated texts).
"""

from __future__ import annotations

from collections.abc import Sequence

FIRST_PERSON = frozenset({"saya", "aku", "kami", "gue", "gua", "ane", "hamba"})
REQUEST = frozenset({"minta", "suruh", "bayar", "kasih", "tarik", "pungutan", "setor", "palak", "peras", "tagih",
                     "bebankan", "wajib", "harus", "tebus", "sogok", "suap", "amplop"})
NEGATION = frozenset({"tidak", "bukan", "tanpa", "jangan", "tak", "nggak", "gratis", "anti", "stop", "tolak", "lawan"})
DURATION = frozenset({"hari", "minggu", "bulan", "tahun", "jam", "pekan"})
IMPERATIVE = frozenset({"ayo", "mari", "yuk", "stop", "tolak", "lawan", "jangan", "lapor", "laporkan", "berantas",
                        "wujud", "jaga", "bangun", "budaya"})
MONEY = "_money_"
NUMBER = "_num_"
_WINDOW = 4


def add_cues(terms: Sequence[str], raw: str) -> list[str]:
    """``terms`` followed by the cue pseudo-terms of the text."""
    n = len(terms)
    present = set(terms)  # one set, then cheap set checks: most texts skip every scan below
    out = list(terms)
    if not REQUEST.isdisjoint(present):
        request_at = [i for i, t in enumerate(terms) if t in REQUEST]
        if not FIRST_PERSON.isdisjoint(present):
            first_at = [i for i, t in enumerate(terms) if t in FIRST_PERSON]
            if any(0 <= r - f <= _WINDOW for f in first_at for r in request_at):
                out.append("_cue_self_request_")
        if MONEY in present:
            money_at = [i for i, t in enumerate(terms) if t == MONEY]
            if any(abs(r - m) <= _WINDOW + 1 for m in money_at for r in request_at):
                out.append("_cue_money_request_")
    if not NEGATION.isdisjoint(present):
        for i in [i for i, t in enumerate(terms) if t in NEGATION]:
            # negation scope: the next two content terms
            out += [_negated(t) for t in terms[i + 1 : i + 3] if t[0] != "_"]
    if NUMBER in present:
        out += ["_cue_duration_" for i in range(n - 1) if terms[i] == NUMBER and terms[i + 1] in DURATION]
    if n and terms[0] in IMPERATIVE:
        out.append("_cue_imperative_")
    if "#" in raw:
        out.append("_cue_hashtag_")
    if "?" in raw:
        out.append("_cue_question_")
    if "!" in raw:
        out.append("_cue_exclaim_")
    out.append("_len_short_" if n < 8 else "_len_long_" if n > 60 else "_len_mid_")
    return out


_NEGATED: dict[str, str] = {}


def _negated(term: str) -> str:
    found = _NEGATED.get(term)
    if found is None:
        found = "neg_" + term
        if len(_NEGATED) < 200_000:  # bounded: the same few thousand terms recur
            _NEGATED[term] = found
    return found
