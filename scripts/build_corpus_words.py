#!/usr/bin/env python3
"""List the affixed words of our corpus for segmentation and repairs: kpkclassify/text/data/corpus_words.txt.

Usage: python scripts/build_corpus_words.py [--out PATH] [CSV ...]
       (default: datasets/*.csv, written to kpkclassify/text/data/corpus_words.txt)

Hashtag segmentation (``#pelayananlambat``) and word repairs (``pelayanannn``) need to know
the affixed forms of words, which PySastrawi's root-word dictionary does not list. This
writes the words of our own corpus (texts written for this project, MIT) as the processor
hands them to the stemmer, keeping those that the stemming rules reduce to another word and
that are not root words, protected words or stem exceptions. Only the words are written,
never a stem: stems are computed by the rules at run time, so nothing of the dictionary
(CC BY-NC-SA 3.0) is shipped. The output is sorted. The list changes segmentation and
repairs, so regenerate it when the model is retrained, not in between: the shipped list
is the one the bundled model was trained with (today's corpus would add about 250 words).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
csv.field_size_limit(sys.maxsize)

HEADER = (
    "# Affixed words of our corpus (datasets/*.csv, texts written for this project, MIT): known words\n"
    "# for hashtag segmentation and word repairs, beside the root words. Only words, no stems: every\n"
    "# word is stemmed by the rules at run time. Built by scripts/build_corpus_words.py.\n"
)


def corpus_words(paths: list[Path]) -> list[str]:
    """The affixed corpus words the stemming rules change, sorted."""
    from kpkclassify.text._lexicon import default_lexicon, root_words
    from kpkclassify.text._preprocess import normalize
    from kpkclassify.text._stem import sastrawi_stem
    from kpkclassify.text._terms import _AFFIXED, Settings, TermProcessor, tokenize_normalized

    lexicon = default_lexicon()
    # Words exactly as the processor would hand them to the stemmer (after repairs and slang).
    processor = TermProcessor(lexicon, Settings(stem=False, stopwords=False))
    words: set[str] = set()
    for path in paths:
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                for token in tokenize_normalized(normalize(row.get("text") or "")):
                    words.update(processor.terms(token))
    roots = root_words()
    return sorted(
        word for word in words
        if word.isalpha() and _AFFIXED.search(word) and word not in roots and word not in lexicon.protected
        and word not in lexicon.stem_exceptions and sastrawi_stem(word) != word
    )


def main(paths: list[str], out: Path) -> None:
    files = [Path(p) for p in paths] or sorted((ROOT / "datasets").glob("*.csv"))
    words = corpus_words(files)
    with open(out, "w", encoding="utf-8") as fh:
        fh.write(HEADER)
        fh.writelines(f"{word}\n" for word in words)
    print(f"{len(words)} words written to {out}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", nargs="*")
    ap.add_argument("--out", type=Path, default=ROOT / "kpkclassify" / "text" / "data" / "corpus_words.txt")
    args = ap.parse_args()
    main(args.csv, args.out)
