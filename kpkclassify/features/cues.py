"""Cues beyond n-grams, added to a text's terms as pseudo-terms (``_cue_..._``, ``neg_...``).

Each cue is a feature the linear model weighs like any word: who speaks (first person
next to a request or payment), money next to a request, negation scope, durations, a
campaign's imperative and hashtag style, questions and length. They are computed from
the terms (after stemming) and the raw text, for a whole batch at once: every term id
carries flag bits (:func:`term_flags`), and :func:`with_cues` finds the cues with array
operations and places each text's cues after its terms, in this order:

1. ``_cue_self_request_``: a first-person term, then a request term at most ``WINDOW`` terms later;
2. ``_cue_money_request_``: ``_money_`` within ``WINDOW + 1`` terms of a request term, either side;
3. ``neg_<term>``: for each negation term, each of the next two terms of the text that is not a
   placeholder (``_...``), in the order of the negations;
4. ``_cue_duration_``: once for each ``_num_`` directly followed by a duration word;
5. ``_cue_imperative_``: the text's first term is an imperative;
6. ``_cue_hashtag_``, ``_cue_question_``, ``_cue_exclaim_``: ``#``, ``?``, ``!`` in the raw text;
7. one of ``_len_short_`` (under 8 terms), ``_len_mid_``, ``_len_long_`` (over 60).

``tests/oracle_features.py`` states the same rules one text at a time in plain Python, and the
tests compare the two on the corpus and on generated texts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

FIRST_PERSON = frozenset({"saya", "aku", "kami", "gue", "gua", "ane", "hamba"})
REQUEST = frozenset({"minta", "suruh", "bayar", "kasih", "tarik", "pungutan", "setor", "palak", "peras", "tagih",
                     "bebankan", "wajib", "harus", "tebus", "sogok", "suap", "amplop"})
NEGATION = frozenset({"tidak", "bukan", "tanpa", "jangan", "tak", "nggak", "gratis", "anti", "stop", "tolak", "lawan"})
DURATION = frozenset({"hari", "minggu", "bulan", "tahun", "jam", "pekan"})
IMPERATIVE = frozenset({"ayo", "mari", "yuk", "stop", "tolak", "lawan", "jangan", "lapor", "laporkan", "berantas",
                        "wujud", "jaga", "bangun", "budaya"})
MONEY = "_money_"
NUMBER = "_num_"
WINDOW = 4
SHORT, LONG = 8, 60  # fewer terms than SHORT: _len_short_; more than LONG: _len_long_

#: Every cue pseudo-term but the ``neg_`` ones.
CUE_NAMES = ("_cue_self_request_", "_cue_money_request_", "_cue_duration_", "_cue_imperative_",
             "_cue_hashtag_", "_cue_question_", "_cue_exclaim_", "_len_short_", "_len_mid_", "_len_long_")

# Flag bits of a term.
FIRST, REQUESTING, NEGATING, LASTING, COMMANDING, MONEYED, NUMERIC, PLACEHOLDER = (1 << i for i in range(8))
# The sections of a text's cues, in the order they follow its terms (see the module docstring).
(_S_SELF, _S_MONEY, _S_NEG, _S_DURATION, _S_IMPERATIVE, _S_HASHTAG, _S_QUESTION, _S_EXCLAIM, _S_LENGTH) = range(9)


def negated(term: str) -> str:
    """The negation-scope pseudo-term of ``term``."""
    return "neg_" + term


def term_flags(term: str) -> int:
    """The flag bits of one term (which cue word lists it is in)."""
    return ((term in FIRST_PERSON) * FIRST | (term in REQUEST) * REQUESTING
            | (term in NEGATION) * NEGATING | (term in DURATION) * LASTING
            | (term in IMPERATIVE) * COMMANDING | (term == MONEY) * MONEYED
            | (term == NUMBER) * NUMERIC | (term[:1] == "_") * PLACEHOLDER)


def with_cues(terms: np.ndarray, doc: np.ndarray, texts: list[str], flags: np.ndarray,
              cue_id: Mapping[str, int], negated_ids: Callable[[np.ndarray], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """A batch's term ids with each text's cue ids appended after its terms.

    Parameters
    ----------
    terms, doc : ndarray of int64
        The term ids of the batch in text order, and the text of each (non-decreasing).
    texts : list of str
        The raw texts (for ``#``, ``?`` and ``!``).
    flags : ndarray of int64
        The :func:`term_flags` of every term id.
    cue_id : mapping of str to int
        The term id of each name of :data:`CUE_NAMES`.
    negated_ids : callable
        Term ids -> the ids of their :func:`negated` terms.

    Returns
    -------
    terms, doc : ndarray of int64
        The same form, cues included.
    """
    n = len(texts)
    flags = flags[terms]
    n_terms = np.bincount(doc, minlength=n)
    term_start = np.concatenate([[0], np.cumsum(n_terms)])
    position = np.arange(len(terms)) - term_start[doc]  # each term's index inside its text
    pieces: list[tuple[np.ndarray, int, np.ndarray, np.ndarray]] = []  # (docs, section, positions, ids)

    def near(a: int, b: int, lo: int, hi: int) -> np.ndarray:
        """Texts with a term flagged ``a`` at i and one flagged ``b`` at i + d, lo <= d <= hi."""
        found = np.zeros(n, dtype=bool)
        has_a, has_b = (flags & a) != 0, (flags & b) != 0
        for d in range(lo, hi + 1):
            if abs(d) >= len(terms):
                continue
            if d >= 0:
                pair = has_a[: len(terms) - d] & has_b[d:] & (doc[: len(terms) - d] == doc[d:])
                found[doc[: len(terms) - d][pair]] = True
            else:
                pair = has_a[-d:] & has_b[: len(terms) + d] & (doc[-d:] == doc[: len(terms) + d])
                found[doc[-d:][pair]] = True
        return np.flatnonzero(found)

    def add(docs: np.ndarray, section: int, positions: np.ndarray | None, ids: np.ndarray | int) -> None:
        positions = np.zeros(len(docs), dtype=np.int64) if positions is None else positions
        ids = np.full(len(docs), ids, dtype=np.int64) if isinstance(ids, int) else ids
        pieces.append((docs, section, positions, ids))

    add(near(FIRST, REQUESTING, 0, WINDOW), _S_SELF, None, cue_id["_cue_self_request_"])
    add(near(MONEYED, REQUESTING, -(WINDOW + 1), WINDOW + 1), _S_MONEY, None, cue_id["_cue_money_request_"])
    # negation scope: the next two terms of the same text that are not placeholders
    negation_at = np.flatnonzero(flags & NEGATING)
    for k in (1, 2):
        target = negation_at + k
        target = target[target < len(terms)]
        source = target - k
        keep = (doc[target] == doc[source]) & ((flags[target] & PLACEHOLDER) == 0)
        target, source = target[keep], source[keep]
        add(doc[target], _S_NEG, 2 * position[source] + k, negated_ids(terms[target]))
    number_at = np.flatnonzero(flags[:-1] & NUMERIC) if len(terms) else np.zeros(0, dtype=np.int64)
    number_at = number_at[(doc[number_at] == doc[number_at + 1]) & ((flags[number_at + 1] & LASTING) != 0)]
    add(doc[number_at], _S_DURATION, position[number_at], cue_id["_cue_duration_"])
    first_terms = term_start[:-1][n_terms > 0]
    add(doc[first_terms[(flags[first_terms] & COMMANDING) != 0]], _S_IMPERATIVE, None, cue_id["_cue_imperative_"])
    for mark, section, name in (("#", _S_HASHTAG, "_cue_hashtag_"), ("?", _S_QUESTION, "_cue_question_"),
                                ("!", _S_EXCLAIM, "_cue_exclaim_")):
        add(np.asarray([i for i, t in enumerate(texts) if mark in t], dtype=np.int64), section, None, cue_id[name])
    length = np.where(n_terms < SHORT, cue_id["_len_short_"],
                      np.where(n_terms > LONG, cue_id["_len_long_"], cue_id["_len_mid_"]))
    add(np.arange(n), _S_LENGTH, None, length)

    cue_doc = np.concatenate([p[0] for p in pieces]).astype(np.int64)
    cue_section = np.concatenate([np.full(len(p[0]), p[1], dtype=np.int64) for p in pieces])
    cue_position = np.concatenate([p[2] for p in pieces]).astype(np.int64)
    cue_terms = np.concatenate([p[3] for p in pieces]).astype(np.int64)
    order = np.lexsort((cue_position, cue_section, cue_doc))
    cue_doc, cue_terms = cue_doc[order], cue_terms[order]
    # Merge: each text's terms, then its cues. A term moves down by the cues of the texts
    # before it; a cue lands after its text's terms and every cue before it.
    n_cues = np.bincount(cue_doc, minlength=n)
    cue_start = np.concatenate([[0], np.cumsum(n_cues)])
    merged = np.empty(len(terms) + len(cue_terms), dtype=np.int64)
    merged_doc = np.empty_like(merged)
    term_at = np.arange(len(terms)) + cue_start[doc]
    cue_at = term_start[cue_doc + 1] + np.arange(len(cue_terms))
    merged[term_at], merged_doc[term_at] = terms, doc
    merged[cue_at], merged_doc[cue_at] = cue_terms, cue_doc
    return merged, merged_doc
