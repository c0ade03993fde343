"""The word lists behind preprocessing, and user overrides of them.

The data files in ``kpkclassify/text/data`` are ours (MIT, written for this project); the
root-word dictionary comes from the installed PySastrawi package at run time and is not
shipped with kpkclassify. A :class:`Lexicon` is immutable and hashable by content, so preprocessing
settings that use the same lexicon share one memo.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ._normalize import PLACEHOLDERS

PathLike = str | os.PathLike


def _data_lines(name: str) -> list[str]:
    text = resources.files("kpkclassify.text").joinpath("data", name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _file_lines(path: PathLike) -> list[str]:
    text = Path(path).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _parse_slang(lines: Iterable[str], source: str) -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for number, line in enumerate(lines, start=1):
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 2 or not parts[0].strip() or not parts[1].strip():
            raise ValueError(f"{source}: entry {number} must be 'form<TAB>standard', got {line!r}")
        table[parts[0].strip().lower()] = tuple(parts[1].strip().lower().split())
    return table


def _parse_pairs(lines: Iterable[str], source: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise ValueError(f"{source}: entry {number} must be 'word<TAB>stem', got {line!r}")
        table[parts[0].strip().lower()] = parts[1].strip().lower()
    return table


@functools.cache
def root_words() -> frozenset[str]:
    """PySastrawi's dictionary of Indonesian root words (about 30,000)."""
    # The file StemmerFactory().get_words() reads, read without importing the stemmer's modules.
    try:
        words = resources.files("Sastrawi.Stemmer").joinpath("data", "kata-dasar.txt").read_text(encoding="utf-8")
    except (OSError, ModuleNotFoundError):  # another layout: ask PySastrawi
        from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

        lines = StemmerFactory().get_words()
    else:
        lines = words.split("\n")
    return frozenset(filter(None, map(str.strip, lines)))  # the stripped words, in the file's order


@dataclass(frozen=True, eq=False)
class Lexicon:
    """The word lists preprocessing uses.

    Attributes
    ----------
    slang : mapping of str to tuple of str
        Informal form -> standard words (``"gak"`` -> ``("tidak",)``).
    stopwords : frozenset of str
        Words dropped after the slang map.
    stem_exceptions : mapping of str to str
        Word -> stem, used instead of PySastrawi for these words.
    protected : frozenset of str
        Words kept exactly as written.
    stems : mapping of str to str
        A precomputed stem table (word -> stem) consulted before the stemming rules; empty
        in the default lexicon (the rules are fast enough, and a table of PySastrawi's
        stems would carry its dictionary's licence).
    """

    slang: Mapping[str, tuple[str, ...]]
    stopwords: frozenset[str]
    stem_exceptions: Mapping[str, str]
    protected: frozenset[str]
    stems: Mapping[str, str] = field(default_factory=dict)

    @functools.cached_property
    def key(self) -> str:
        """A digest of the content: equal lexicons share caches."""
        digest = hashlib.sha256()
        for part in (
            sorted(self.slang.items()),
            sorted(self.stopwords),
            sorted(self.stem_exceptions.items()),
            sorted(self.protected),
            sorted(self.stems.items()),
        ):
            digest.update(repr(part).encode())
        return digest.hexdigest()[:16]

    @functools.cached_property
    def vocabulary(self) -> frozenset[str]:
        """Every word this lexicon knows: for hashtag segmentation and word repairs."""
        words = set(root_words()) | set(self.slang) | self.protected | set(self.stem_exceptions)
        words.update(self.stems)
        for standard in self.slang.values():
            words.update(standard)
        words.update(_data_lines("extra_words.txt"))
        words.update(_corpus_words())
        return frozenset(words - PLACEHOLDERS)


@functools.cache
def default_lexicon() -> Lexicon:
    """The lexicon shipped with the package."""
    return Lexicon(
        slang=_parse_slang(_data_lines("slang.tsv"), "slang.tsv"),
        stopwords=frozenset(w.strip().lower() for w in _data_lines("stopwords.txt")),
        stem_exceptions=_parse_pairs(_data_lines("stem_exceptions.tsv"), "stem_exceptions.tsv"),
        protected=frozenset(w.strip().lower() for w in _data_lines("protected.txt")),
    )


@functools.cache
def _corpus_words() -> frozenset[str]:
    """The affixed words of our corpus that segmentation and repairs know (``corpus_words.txt``)."""
    return frozenset(w.strip().lower() for w in _data_lines("corpus_words.txt"))


def _as_mapping(value: Mapping | PathLike, parse) -> dict:
    if isinstance(value, Mapping):
        return dict(value)
    return parse(_file_lines(value), str(value))


def _as_words(value: Iterable[str] | PathLike) -> set[str]:
    if isinstance(value, (str, os.PathLike)):
        return {w.strip().lower() for w in _file_lines(value)}
    return {w.strip().lower() for w in value}


def build_lexicon(
    *,
    slang: Mapping[str, str] | PathLike | None = None,
    stopwords: Iterable[str] | PathLike | None = None,
    keep_words: Iterable[str] | PathLike | None = None,
    stem_exceptions: Mapping[str, str] | PathLike | None = None,
    protected: Iterable[str] | PathLike | None = None,
) -> Lexicon:
    """The default lexicon with a user's additions and overrides.

    Parameters
    ----------
    slang : mapping or path, optional
        Extra or overriding slang entries: ``{"bgst": "bangsat"}``, or a TSV file of
        ``form<TAB>standard`` lines.
    stopwords : iterable or path, optional
        Extra stopwords to drop.
    keep_words : iterable or path, optional
        Words to remove from the stopword list.
    stem_exceptions : mapping or path, optional
        Extra ``word -> stem`` corrections (a mapping or a TSV file).
    protected : iterable or path, optional
        Extra words never to stem or rewrite.
    """
    base = default_lexicon()
    new_slang = dict(base.slang)
    if slang is not None:
        for form, standard in _as_mapping(slang, _parse_slang).items():
            new_slang[form.lower()] = tuple(standard.lower().split()) if isinstance(standard, str) else tuple(standard)
    new_stop = set(base.stopwords)
    if stopwords is not None:
        new_stop |= _as_words(stopwords)
    if keep_words is not None:
        new_stop -= _as_words(keep_words)
    new_exc = dict(base.stem_exceptions)
    if stem_exceptions is not None:
        new_exc.update({k.lower(): v.lower() for k, v in _as_mapping(stem_exceptions, _parse_pairs).items()})
    new_protected = set(base.protected)
    if protected is not None:
        new_protected |= _as_words(protected)
    return Lexicon(
        slang=new_slang,
        stopwords=frozenset(new_stop),
        stem_exceptions=new_exc,
        protected=frozenset(new_protected),
        stems=base.stems,
    )
