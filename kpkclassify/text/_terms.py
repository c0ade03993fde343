"""From raw tokens to terms: word repairs, slang, stemming and stopwords in one memo lookup.

Every distinct token goes through the whole chain once; after that a token costs one
dictionary lookup. The memo is bounded (it is emptied when it reaches its cap) so a
long-running service does not grow without limit, and it is safe to share between
threads: a lookup or an insert is a single dictionary operation, and a race between two
threads computing the same token only computes it twice.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from .._memo import remember
from ._lexicon import Lexicon, default_lexicon, root_words
from ._normalize import PLACEHOLDERS, TOKEN_RE, normalize
from ._stem import sastrawi_stem

#: The memo of one preprocessing configuration holds at most this many tokens.
MEMO_LIMIT = 500_000

_RUN_RE = re.compile(r"([a-z])\1{2,}")
_DOUBLE_RE = re.compile(r"([a-z])\1")
_REDUP_DIGIT_RE = re.compile(r"^([a-z]{2,})2$")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
_HAS_LETTER = re.compile(r"[a-z]")
_NUMBER_RE = re.compile(r"^\d+$")
NUMBER = "_num_"
# Only words with one of these prefixes or suffixes go to the stemmer; the others are kept as
# written. This is a rule of ours, not an exact shortcut: PySastrawi also strips ku-/kau-, the
# infixes of rules 37-40 (kinerja -> kerja) and -is/-isme (premanisme -> preman), about 20 of
# our corpus' words. The bundled model was trained with this rule (stems.tsv is built with it),
# so changing it changes predictions: it needs a retrain. The stemmer itself is exact, and it
# exits early on words no rule can change.
_AFFIXED = re.compile(r"^(?:di|ke|se|te|be|me|pe)|(?:lah|kah|tah|pun|ku|mu|nya|i|kan|an)$")


@dataclass(frozen=True)
class Settings:
    """Which steps run. Part of the memo key: different settings, different memos."""

    slang: bool = True
    stem: bool = True
    stopwords: bool = True
    repair: bool = True


class TermProcessor:
    """Turns raw tokens into terms for one lexicon and one set of settings."""

    def __init__(self, lexicon: Lexicon, settings: Settings) -> None:
        self.lexicon = lexicon
        self.settings = settings
        self._memo: dict[str, tuple[str, ...]] = {}

    # -- the memo ------------------------------------------------------------------
    def terms(self, token: str) -> tuple[str, ...]:
        """The terms of one raw token (memoised)."""
        found = self._memo.get(token)
        if found is None:
            found = remember(self._memo, token, self._compute(token), MEMO_LIMIT)
        return found

    def process(self, tokens: list[str]) -> list[str]:
        """The terms of a list of raw tokens, in order (the hot path: one lookup per token)."""
        memo = self._memo
        try:
            return [term for token in tokens for term in memo[token]]
        except KeyError:  # a token seen for the first time (or the memo was just emptied)
            terms = self.terms
            return [term for token in tokens for term in terms(token)]

    def clear(self) -> None:
        self._memo.clear()

    # -- one token -----------------------------------------------------------------
    def _compute(self, token: str) -> tuple[str, ...]:
        if token in PLACEHOLDERS or token == NUMBER:
            return (token,)
        if ("-" in token or "_" in token) and TOKEN_RE.fullmatch(token) is None:
            # a piece of a batch block that TOKEN_RE would split (see normalized_pieces)
            return tuple(term for part in TOKEN_RE.findall(token) for term in self.terms(part))
        lex, settings = self.lexicon, self.settings
        if settings.slang and token in lex.slang:
            return self._finish(lex.slang[token])
        if _NUMBER_RE.match(token):
            return (NUMBER,)
        if "-" in token:
            return self._hyphenated(token)
        match = _REDUP_DIGIT_RE.match(token)
        if match:  # antri2 -> antri antri
            return self.terms(match.group(1)) * 2
        if settings.repair:
            token = self.repair(token)
            if settings.slang and token in lex.slang:
                return self._finish(lex.slang[token])
        base = _without_clitic(token)
        if base is not None and len(base) >= 3 and token not in root_words() and token not in lex.slang:
            # duitnya, ktpnya, antriannya: the word under the clitic is slang or protected
            if settings.slang and base in lex.slang:
                return self._finish(lex.slang[base])
            if base in lex.protected or (settings.stem and base in lex.stem_exceptions):
                return self._finish((base,))
        return self._finish((token,))

    def _hyphenated(self, token: str) -> tuple[str, ...]:
        parts = token.split("-")
        if len(parts) == 2 and parts[0] == parts[1]:  # surat-surat, antri-antri
            return self.terms(parts[0]) * 2
        # berbelit-belit, bolak-balik, e-ktp: one term, its meaning is the whole word
        if token in self.lexicon.stem_exceptions:
            return (self.lexicon.stem_exceptions[token],)
        return (token,)

    def repair(self, token: str) -> str:
        """Undo elongation (``lamaaa``) and digits used as letters (``s4ya``) when the
        repaired word is known and the written one is not."""
        vocab = self.lexicon.vocabulary
        if token in vocab:
            return token
        if _RUN_RE.search(token):
            doubled = _RUN_RE.sub(r"\1\1", token)
            single = _RUN_RE.sub(r"\1", token)
            token = doubled if doubled in vocab else single  # saaaat -> saat, lamaaa -> lama
            if token in vocab:
                return token
        if _DOUBLE_RE.search(token):
            single = _DOUBLE_RE.sub(r"\1", token)
            if single in vocab:
                return single
        if _HAS_LETTER.search(token) and any(ch.isdigit() for ch in token):
            letters = token.translate(_LEET)
            if letters.isalpha() and letters in vocab:
                return letters
        return token

    def _finish(self, words: tuple[str, ...]) -> tuple[str, ...]:
        lex, settings = self.lexicon, self.settings
        out = []
        for word in words:
            if settings.stopwords and word in lex.stopwords:
                continue
            out.append(self.stem(word) if settings.stem else word)
        return tuple(w for w in out if w)

    def stem(self, word: str) -> str:
        """The stem of one word: protected words and exceptions first, then the
        precomputed table, then root words as they are, then PySastrawi's rules (through
        the fast reimplementation unless ``KPKCLASSIFY_STEMMER=pysastrawi``) for words
        with an affix of ``_AFFIXED``."""
        lex = self.lexicon
        if word in lex.protected:
            return word
        found = lex.stem_exceptions.get(word)
        if found:
            return found
        base = _without_clitic(word)
        if base is not None:  # aduannya -> aduan: the exceptions hold under a clitic too
            if base in lex.protected:
                return base
            if base in lex.stem_exceptions:
                return lex.stem_exceptions[base]
        found = lex.stems.get(word)
        if found:
            return found
        if word in root_words() or not word.isalpha() or not _AFFIXED.search(word):
            return word
        return sastrawi_stem(word)


_CLITICS = ("nya", "lah", "kah", "pun", "ku", "mu")


def _without_clitic(word: str) -> str | None:
    """The word without a final clitic (``-nya``, ``-lah``, ``-kah``, ``-pun``, ``-ku``, ``-mu``)."""
    for clitic in _CLITICS:
        if word.endswith(clitic) and len(word) - len(clitic) >= 2:
            return word[: -len(clitic)]
    return None


_processors: dict[tuple[str, Settings], TermProcessor] = {}
_processors_lock = threading.Lock()


def get_processor(lexicon: Lexicon | None = None, settings: Settings | None = None) -> TermProcessor:
    """The shared processor (and memo) for a lexicon and settings."""
    lexicon = lexicon or default_lexicon()
    settings = settings or Settings()
    key = (lexicon.key, settings)
    processor = _processors.get(key)
    if processor is None:
        with _processors_lock:
            processor = _processors.get(key)
            if processor is None:
                if len(_processors) >= 32:  # bound the number of distinct configurations kept
                    _processors.clear()
                processor = _processors[key] = TermProcessor(lexicon, settings)
    return processor


def segmenter(lexicon: Lexicon | None = None):
    """A function splitting a lower-case run of letters into known words, for hashtags."""
    vocab = (lexicon or default_lexicon()).vocabulary

    def segment(run: str) -> list[str]:
        if run in vocab or len(run) > 60:
            return [run]
        n = len(run)
        # best[i]: (cost, words) for run[:i]; a known word costs 1, an unknown char 3.
        best: list[tuple[float, list[str]] | None] = [None] * (n + 1)
        best[0] = (0.0, [])
        for end in range(1, n + 1):
            for start in range(max(0, end - 20), end):
                prev = best[start]
                if prev is None:
                    continue
                piece = run[start:end]
                cost = 1.0 if piece in vocab and (len(piece) > 1) else 3.0 * len(piece)
                candidate = (prev[0] + cost, prev[1] + [piece])
                if best[end] is None or candidate[0] < best[end][0]:
                    best[end] = candidate
        words = best[n][1] if best[n] else [run]
        # Merge runs of unknown single characters back together.
        merged: list[str] = []
        for word in words:
            if merged and word not in vocab and merged[-1] not in vocab:
                merged[-1] += word
            else:
                merged.append(word)
        return merged

    return segment


def tokenize_normalized(text: str) -> list[str]:
    """Raw tokens of an already normalised string."""
    return TOKEN_RE.findall(text)


__all__ = ["Settings", "TermProcessor", "get_processor", "segmenter", "tokenize_normalized", "normalize"]
