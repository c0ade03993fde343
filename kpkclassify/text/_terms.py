"""From raw tokens to terms: word repairs, slang, stemming and stopwords in one memo lookup.

Every distinct token goes through the whole chain once; after that a token costs one
dictionary lookup. Two ways in: :meth:`TermProcessor.process` (texts one at a time)
memoises every token, while :meth:`TermProcessor.terms` (the batch path, which keeps its
own table of the tokens it has seen and asks once per token) memoises only tokens it is
asked for a second time: the long tail of one-off words of real text (typos, elongations,
names) then costs a bit in a fixed table instead of an entry (see
:func:`kpkclassify._memo.remember_repeated`). The memo is bounded (it is emptied when it
reaches its cap) so a long-running service does not grow without limit, and it is safe to
share between threads: a lookup or an insert is a single dictionary operation, and a race
between two threads computing the same token only computes it twice.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from .._memo import Sightings, remember, remember_repeated
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
# our corpus' words. The bundled model was trained with this rule, so changing it changes
# predictions: it needs a retrain. The stemmer itself is exact, and it exits early on words no
# rule can change.
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
        self._sightings = Sightings()

    # -- the memo ------------------------------------------------------------------
    def terms(self, token: str) -> tuple[str, ...]:
        """The terms of one raw token (memoised from its second request on: a caller that
        asks once per distinct token, as the batch path does, leaves no one-off entries)."""
        found = self._memo.get(token)
        if found is None:
            found = remember_repeated(self._memo, self._sightings, token, self._compute(token), MEMO_LIMIT)
        return found

    def _memoised_terms(self, token: str) -> tuple[str, ...]:
        found = self._memo.get(token)
        if found is None:
            found = remember(self._memo, token, self._compute(token), MEMO_LIMIT)
        return found

    def process(self, tokens: list[str]) -> list[str]:
        """The terms of a list of raw tokens, in order (the hot path: one lookup per token;
        every token is memoised)."""
        memo = self._memo
        try:
            return [term for token in tokens for term in memo[token]]
        except KeyError:  # a token seen for the first time (or the memo was just emptied)
            terms = self._memoised_terms
            return [term for token in tokens for term in terms(token)]

    def clear(self) -> None:
        self._memo.clear()
        self._sightings.clear()

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
        match = _REDUP_DIGIT_RE.match(token) if "2" in token else None
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
        if _DOUBLE_RE.search(token):  # (a run of three letters holds a double one)
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
        # (a word of letters only holds no digit)
        if not token.isalpha() and _HAS_LETTER.search(token) and any(ch.isdigit() for ch in token):
            letters = token.translate(_LEET)
            if letters.isalpha() and letters in vocab:
                return letters
        return token

    def _finish(self, words: tuple[str, ...]) -> tuple[str, ...]:
        settings = self.settings
        stopwords = self.lexicon.stopwords if settings.stopwords else ()
        if len(words) == 1:  # the common case
            word = words[0]
            if word in stopwords:
                return ()
            word = self.stem(word) if settings.stem else word
            return (word,) if word else ()
        out = []
        for word in words:
            if word in stopwords:
                continue
            word = self.stem(word) if settings.stem else word
            if word:
                out.append(word)
        return tuple(out)

    def stem(self, word: str) -> str:
        """The stem of one word: protected words and exceptions first, then the lexicon's
        precomputed table (empty by default), then root words as they are, then PySastrawi's
        rules (through the fast reimplementation unless ``KPKCLASSIFY_STEMMER=pysastrawi``)
        for words with an affix of ``_AFFIXED``."""
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
    if not word.endswith(_CLITICS):  # most words: one test
        return None
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
    prefixes: set[str] = set()  # every prefix of two letters or more of a known word, built on first use

    def segment(run: str) -> list[str]:
        if run in vocab or len(run) > 60:
            return [run]
        if not prefixes:
            prefixes.update(w[:i] for w in vocab for i in range(2, min(len(w), _PIECE) + 1))
        n = len(run)
        # The cheapest split of run[:end] for each end: the cheapest of run[:start] plus one
        # piece run[start:end] of at most _PIECE letters, where a known word of two letters or
        # more costs 1 and any other piece 3 per letter; ties go to the earliest start.
        # An unknown piece never costs less than the one-letter piece run[end-1:end] (the
        # cheapest split of run[:end-1] was at most 3 per letter more than that of run[:start]),
        # so unknown pieces matter only through ties: the earliest start s whose
        # cost[s] - 3 * s (``slack``) equals that of end - 1. Known pieces are pushed forward
        # from each start while they are the prefix of a known word. Only each end's cost and
        # chosen start are kept, and the words are read back at the end.
        far = 1 << 30
        cost, back, slack = [0] * (n + 1), [0] * (n + 1), [0] * (n + 1)
        known, known_start = [far] * (n + 1), [0] * (n + 1)  # the best known piece ending at each end
        for start in range(n + 1):
            if start:
                end = start
                tie = slack.index(slack[end - 1], end - _PIECE if end > _PIECE else 0, end)
                best = cost[end - 1] + 3
                if known[end] < best or (known[end] == best and known_start[end] < tie):
                    best, tie = known[end], known_start[end]
                cost[end], back[end], slack[end] = best, tie, best - 3 * end
            for end in range(start + 2, min(n, start + _PIECE) + 1):
                piece = run[start:end]
                if piece not in prefixes:
                    break
                if piece in vocab and cost[start] + 1 < known[end]:
                    known[end], known_start[end] = cost[start] + 1, start
        words: list[str] = []
        end = n
        while end:
            words.append(run[back[end]:end])
            end = back[end]
        words.reverse()
        # Merge runs of unknown single characters back together.
        merged: list[str] = []
        for word in words:
            if merged and word not in vocab and merged[-1] not in vocab:
                merged[-1] += word
            else:
                merged.append(word)
        return merged

    return segment


_PIECE = 20  # the longest piece segmentation tries


def tokenize_normalized(text: str) -> list[str]:
    """Raw tokens of an already normalised string."""
    return TOKEN_RE.findall(text)


__all__ = ["Settings", "TermProcessor", "get_processor", "segmenter", "tokenize_normalized", "normalize"]
