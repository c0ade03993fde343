"""Our stemmer gives PySastrawi's stems: every corpus token, every root word, and tens of
thousands of generated affixed and noisy words, compared one by one with PySastrawi's own
``Stemmer`` over the same dictionary.

A bigger list (hundreds of thousands of generated words) runs as a script:
``python tests/test_fast_stem.py --generated 400000``.
"""

from __future__ import annotations

import csv
import random
import sys
from functools import cache
from pathlib import Path

import pytest

from kpkclassify.text import _stem
from kpkclassify.text._fast_stem import _PREFIX_RULES, FastStemmer
from kpkclassify.text._lexicon import default_lexicon, root_words

ROOT = Path(__file__).resolve().parent.parent
csv.field_size_limit(sys.maxsize)

PREFIXES = ["", "", "di", "ke", "se", "ber", "be", "bel", "ter", "te", "me", "mem", "men", "meng", "menge", "meny",
            "pe", "pem", "pen", "peng", "penge", "peny", "per", "pel", "ku", "kau", "memper", "diper", "keber",
            "seper", "ng", "nge"]
SUFFIXES = ["", "", "i", "kan", "an", "nya", "lah", "kah", "tah", "pun", "ku", "mu", "is", "isme", "isasi",
            "kannya", "annya", "inya", "kanlah", "nyalah", "ilah", "in", "-nya", "-lah", "-kan"]
LETTERS = "abcdefghijklmnopqrstuvwxyz"


@cache
def fast() -> FastStemmer:
    return FastStemmer(root_words())


@cache
def reference():
    """PySastrawi's Stemmer over the root words we use (the same set as its factory's)."""
    from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
    from Sastrawi.Stemmer.Stemmer import Stemmer

    return Stemmer(ArrayDictionary(list(root_words())))


@cache
def corpus_words() -> frozenset[str]:
    """Every distinct token of datasets/*.csv after our tokenisation, and the words the term
    processor hands to the stemmer (after repairs and slang)."""
    from kpkclassify.text._normalize import normalize
    from kpkclassify.text._terms import Settings, TermProcessor, tokenize_normalized

    processor = TermProcessor(default_lexicon(), Settings(stem=False, stopwords=False))
    words: set[str] = set()
    for path in sorted((ROOT / "datasets").glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                for token in tokenize_normalized(normalize(row.get("text") or "")):
                    words.add(token)
                    words.update(processor.terms(token))
    return frozenset(words)


def noisy(word: str, rng: random.Random) -> str:
    """A typo, an elongation, leetspeak or a hyphenated reduplication of a word."""
    i = rng.randrange(len(word))
    kind = rng.randrange(6)
    if kind == 0:
        return word[:i] + rng.choice(LETTERS) + word[i + 1:]
    if kind == 1:
        return word[:i] + word[i + 1:]
    if kind == 2:
        return word[:i] + rng.choice(LETTERS) + word[i:]
    if kind == 3:
        return word[:i] + word[i] * rng.randint(2, 4) + word[i + 1:]
    if kind == 4:
        return word[:i] + rng.choice("0134") + word[i + 1:]
    root = word[rng.randrange(2, len(word)):] if len(word) > 3 else word
    return f"{word}-{root}" + rng.choice(["", "", "nya", "-nya", "kan", "an"])


def generated_words(count: int, seed: int = 0) -> list[str]:
    """Prefix and suffix combinations over root words (two thirds), then typos of them; and
    per- before every root of the shape rule 24 looks for (CAerV), which chance rarely builds."""
    rng = random.Random(seed)
    roots = sorted(root_words())
    out = ["per" + r for r in roots if len(r) > 4 and r[0] in "bcdfghjklmnpqstvwxyz" and r[2:4] == "er"
           and r[4] in "aiueo"]
    for n in range(count):
        word = rng.choice(PREFIXES) + rng.choice(roots) + rng.choice(SUFFIXES)
        out.append(noisy(word, rng) if n % 3 == 2 else word)
    return out


def word_list(generated: int) -> list[str]:
    return sorted(corpus_words() | root_words() | set(generated_words(generated)))


def mismatches(words: list[str]) -> list[tuple[str, str, str]]:
    ref, ours = reference(), fast()
    return [(w, r, f) for w in words if (r := ref.stem(w)) != (f := ours.stem(w))]


def test_root_words_are_the_factorys_dictionary():
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    assert root_words() == {w for w in StemmerFactory().get_words() if w}
    assert len(root_words()) > 29_000


def test_equal_to_pysastrawi_on_corpus_roots_and_generated_words():
    words = word_list(generated=20_000)
    assert len(words) > 60_000
    assert mismatches(words) == []


def test_the_word_list_exercises_every_prefix_rule_and_many_stems():
    words = word_list(generated=20_000)
    d = root_words()
    for rule, _heads in _PREFIX_RULES:
        assert any(rule(w, d) is not None for w in words), rule
    changed = sum(fast().stem(w) != w for w in words)
    assert changed > 10_000  # the affix paths run, not only the dictionary's early exit


@pytest.mark.parametrize("text", [
    "", "a", "kan", "nya", "-", "--lah", "Menyelesaikan", "mempermainkan!", "DIBERITAHUKAN, tuh.",
    "buku-buku", "berbalas-balasan", "meniru-nirukan", "malaikat-malaikat-nya", "bolak-balik", "e-ktp",
    "anak2nya", "s4ya m3nunggu", "ſelamat", "dıkerjakan", "\u212aerjakan", "İstri", "pengaduan", "penggemar",
    "mengecat", "pelajaran", "belajar", "pelajar", "kinerja", "ketahui", "mentaati", "mengkritik",
    "ketidakadilan", "organisasi", "nasionalisme", "kapitalis", "menyukai  tab\tnew\nline",
])
def test_equal_on_texts_with_punctuation_case_hyphens_and_unicode(text):
    assert fast().stem(text) == reference().stem(text)


def test_the_affix_rule_of_preprocessing_keeps_what_the_model_was_trained_on():
    # PySastrawi changes these words, but they have none of _AFFIXED's affixes: preprocessing
    # keeps them as written, as it did when the bundled model was trained.
    from kpkclassify.text._terms import Settings, TermProcessor

    processor = TermProcessor(default_lexicon(), Settings())
    for word, sastrawi in [("kinerja", "kerja"), ("premanisme", "preman"), ("kusuka", "suka")]:
        assert fast().stem(word) == reference().stem(word) == sastrawi
        assert processor.stem(word) == word
    assert processor.stem("dipersulitnya") == reference().stem("dipersulitnya") == "sulit"


def test_switch_between_implementations(monkeypatch):
    words = ["pengaduannya", "dipersulit", "memberikan", "kinerja", "ktp"]
    try:
        _stem.use_stemmer("pysastrawi")
        slow = [_stem.sastrawi_stem(w) for w in words]
        _stem.use_stemmer("fast")
        assert [_stem.sastrawi_stem(w) for w in words] == slow == [reference().stem(w) for w in words]
        with pytest.raises(ValueError, match="KPKCLASSIFY_STEMMER"):
            _stem.use_stemmer("snowball")
        monkeypatch.setattr(_stem, "_stem", None)
        monkeypatch.setenv(_stem.STEMMER_ENV, "pysastrawi")
        assert _stem.sastrawi_stem("pengaduannya") == "adu"
        assert _stem._stem.__self__.__class__.__module__.startswith("Sastrawi")
    finally:
        _stem.use_stemmer("fast")


def main() -> None:
    import argparse
    import time

    ap = argparse.ArgumentParser(description="Compare our stemmer with PySastrawi's on a large word list.")
    ap.add_argument("--generated", type=int, default=400_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    words = sorted(corpus_words() | root_words() | set(generated_words(args.generated, args.seed)))
    ref, ours = reference(), fast()
    started = time.perf_counter()
    expected = [ref.stem(w) for w in words]
    ref_seconds = time.perf_counter() - started
    started = time.perf_counter()
    got = [ours.stem(w) for w in words]
    fast_seconds = time.perf_counter() - started
    bad = [(w, e, g) for w, e, g in zip(words, expected, got) if e != g]
    print(f"{len(words):,} words: {len(bad)} mismatches; PySastrawi {ref_seconds:.1f} s, ours {fast_seconds:.1f} s "
          f"({ref_seconds / fast_seconds:.1f}x faster)")
    for item in bad[:20]:
        print(item)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
