#!/usr/bin/env python3
"""Precompute PySastrawi stems for the words of our corpus: kpkclassify/text/data/stems.tsv.

Usage: python scripts/build_stem_table.py [--out PATH] [--stemmer fast|pysastrawi] [CSV ...]
       (default: datasets/*.csv, written to kpkclassify/text/data/stems.tsv)

Preprocessing looks a word up in this table before it would call PySastrawi, so the
words the bundled model knows cost one dictionary lookup even in a fresh process. Only
words that PySastrawi changes and that are not root words, protected or exceptions are
written. Run it after the corpus changes; the output is deterministic (sorted). Both stemmer
implementations give the same table (``--stemmer pysastrawi --out /tmp/stems.tsv`` checks it).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
csv.field_size_limit(sys.maxsize)


def main(paths: list[str], out: Path, stemmer: str) -> None:
    from kpkclassify.text._lexicon import default_lexicon, root_words
    from kpkclassify.text._preprocess import normalize
    from kpkclassify.text._stem import sastrawi_stem, use_stemmer
    from kpkclassify.text._terms import _AFFIXED, Settings, TermProcessor, tokenize_normalized

    use_stemmer(stemmer)
    files = [Path(p) for p in paths] or sorted((ROOT / "datasets").glob("*.csv"))
    lexicon = default_lexicon()
    # Words exactly as the processor would hand them to the stemmer (after repairs and slang).
    processor = TermProcessor(lexicon, Settings(stem=False, stopwords=False))
    words: set[str] = set()
    for path in files:
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                for token in tokenize_normalized(normalize(row.get("text") or "")):
                    words.update(processor.terms(token))
    roots = root_words()
    table = {}
    for word in sorted(words):
        if (word in roots or word in lexicon.protected or word in lexicon.stem_exceptions
                or not word.isalpha() or not _AFFIXED.search(word)):
            continue
        stem = sastrawi_stem(word)
        if stem != word:
            table[word] = stem
    with open(out, "w", encoding="utf-8") as fh:
        fh.write("# word<TAB>stem: PySastrawi stems of our corpus' words, precomputed by scripts/build_stem_table.py.\n")
        for word, stem in table.items():
            fh.write(f"{word}\t{stem}\n")
    print(f"{len(words)} distinct words, {len(table)} stems written to {out}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", nargs="*")
    ap.add_argument("--out", type=Path, default=ROOT / "kpkclassify" / "text" / "data" / "stems.tsv")
    ap.add_argument("--stemmer", choices=("fast", "pysastrawi"), default="fast")
    args = ap.parse_args()
    main(args.csv, args.out, args.stemmer)
