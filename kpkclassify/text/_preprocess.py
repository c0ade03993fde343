"""The public preprocessing functions: normalize, tokenize, stem, preprocess."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TypedDict, Unpack

from .._memo import Sightings, remember_repeated
from ._lexicon import Lexicon, default_lexicon
from ._money import find_amounts
from ._normalize import normalize as _normalize
from ._normalize import normalized_tokens
from ._terms import Settings, get_processor, segmenter, tokenize_normalized


class NormalizeOptions(TypedDict, total=False):
    """The keyword options of :func:`normalize`, as :func:`tokenize` passes them on."""

    placeholders: bool
    hashtags: bool
    money: bool
    emoji: bool
    lexicon: Lexicon | None


#: The hashtag segmenter of one lexicon remembers at most this many runs; past the first
#: SEGMENT_KEEP_FIRST, only runs seen before.
SEGMENT_MEMO_LIMIT = 100_000
SEGMENT_KEEP_FIRST = 5_000


class _MemoisedSegment:
    """A segmenter that remembers its first runs and then those it has seen more than once
    (most hashtags of real text are seen once: they cost a bit, not an entry; see
    :func:`kpkclassify._memo.remember_repeated`)."""

    def __init__(self, segment: Callable[[str], list[str]]) -> None:
        self.segment = segment
        self.memo: dict[str, list[str]] = {}
        self.sightings = Sightings(bits=20)

    def __call__(self, run: str) -> list[str]:
        found = self.memo.get(run)
        if found is None:
            found = remember_repeated(self.memo, self.sightings, run, self.segment(run), SEGMENT_MEMO_LIMIT,
                                      SEGMENT_KEEP_FIRST)
        return found

    def cache_clear(self) -> None:
        self.memo.clear()
        self.sightings.clear()


@functools.cache
def _default_segment() -> Callable[[str], list[str]]:
    return _MemoisedSegment(segmenter(default_lexicon()))


def _segment_for(lexicon: Lexicon | None) -> Callable[[str], list[str]]:
    if lexicon is None or lexicon is default_lexicon():
        return _default_segment()
    return _cached_segment(lexicon)


@functools.lru_cache(maxsize=8)
def _cached_segment(lexicon: Lexicon) -> Callable[[str], list[str]]:
    return _MemoisedSegment(segmenter(lexicon))


def segment(run: str) -> list[str]:
    """Split a lower-case run of letters into known words: ``"layananlelet"`` -> ``["layanan", "lelet"]``."""
    return _segment_for(None)(run)


def normalize(
    text: str,
    *,
    placeholders: bool = True,
    hashtags: bool = True,
    money: bool = True,
    emoji: bool = True,
    lexicon: Lexicon | None = None,
) -> str:
    """Normalise one text: Unicode NFKC, lower case, placeholders, hashtags, money, emoji.

    Parameters
    ----------
    text : str
        Any string. Invalid characters are dropped; it never raises on a ``str``.
    placeholders, hashtags, money, emoji : bool
        Switch the individual steps (see :mod:`kpkclassify.text`).
    lexicon : Lexicon, optional
        The vocabulary that lower-case hashtags are segmented against.

    Returns
    -------
    str

    Examples
    --------
    >>> normalize("Bayar Rp50.000 di @samsat_jkt #StopPungli!!")
    'bayar _money_ _rp1e4_ di _user_ stop pungli !!'
    """
    return _normalize(
        text,
        placeholders=placeholders,
        hashtags=hashtags,
        money=money,
        emoji=emoji,
        segment=_segment_for(lexicon),
    )


def tokenize(text: str, **normalize_options: Unpack[NormalizeOptions]) -> list[str]:
    """Normalise ``text`` and split it into raw tokens (no slang map, no stemming).

    Examples
    --------
    >>> tokenize("KTP sy blm jadi2, udh 3 bulan!!")
    ['ktp', 'sy', 'blm', 'jadi2', 'udh', '3', 'bulan']
    """
    return tokenize_normalized(normalize(text, **normalize_options))


def stem(word: str, *, lexicon: Lexicon | None = None) -> str:
    """The stem of one word, with our exceptions and protected terms applied.

    Examples
    --------
    >>> stem("pelayanan"), stem("pungli"), stem("relawan")
    ('layan', 'pungli', 'relawan')
    """
    return get_processor(lexicon).stem(word.strip().lower())


def preprocess(
    text: str,
    *,
    slang: bool = True,
    stem: bool = True,
    stopwords: bool = True,
    repair: bool = True,
    lexicon: Lexicon | None = None,
    **normalize_options: bool,
) -> list[str]:
    """The full preprocessing the model uses: normalise, tokenise, repair, slang, stem, stopwords.

    Parameters
    ----------
    text : str
        Any string; never raises on a ``str``.
    slang, stem, stopwords, repair : bool
        Switch the word-level steps.
    lexicon : Lexicon, optional
        Word lists with a user's overrides (see :func:`build_lexicon`).
    **normalize_options
        ``placeholders``, ``hashtags``, ``money``, ``emoji`` as in :func:`normalize`.

    Returns
    -------
    list of str
        Non-empty lower-case terms.

    Examples
    --------
    >>> preprocess("Udh 3 bln ngurus KTP gak jadi2, dimintain 200rb")
    ['sudah', '_num_', 'bulan', 'urus', 'ktp', 'tidak', 'jadi', 'jadi', 'minta', '_money_', '_rp1e5_']
    """
    if lexicon is None and slang and stem and stopwords and repair and not normalize_options:
        processor = _default_processor()  # the common case, without building a key per call
    else:
        processor = get_processor(lexicon, Settings(slang=slang, stem=stem, stopwords=stopwords, repair=repair))
    return processor.process(normalized_tokens(text, segment=_segment_for(lexicon), **normalize_options))


@functools.cache
def _default_processor():
    return get_processor(None, Settings())


def preprocess_many(texts: Iterable[str], **options) -> list[str]:
    """:func:`preprocess` many texts, each returned as one space-joined string."""
    return [" ".join(preprocess(t, **options)) for t in texts]


def extract_amounts(text: str) -> list[int]:
    """The amounts of money in a text, in rupiah, in the order they appear.

    Examples
    --------
    >>> extract_amounts("diminta Rp 1,5 jt, terus 50rb lagi, total sejuta lebih")
    [1500000, 50000, 1000000]
    """
    return [amount for _, _, amount in find_amounts(_normalize(text, placeholders=True, hashtags=False, money=False, emoji=False))]


def preprocess_aligned(text: str, *, lexicon: Lexicon | None = None, **options: bool) -> list[tuple[str, tuple[str, ...]]]:
    """Each raw token of ``text`` with the terms it became, in order (for explanations).

    Examples
    --------
    >>> preprocess_aligned("ngurus KTP")
    [('ngurus', ('urus',)), ('ktp', ('ktp',))]
    """
    normalize_options = {k: options.pop(k) for k in ("placeholders", "hashtags", "money", "emoji") if k in options}
    processor = get_processor(lexicon, Settings(**options))
    normalized = normalize(text, lexicon=lexicon, **normalize_options)
    return [(token, processor.terms(token)) for token in tokenize_normalized(normalized)]
