#!/usr/bin/env python3
"""Time of the text patterns against input length: adversarial inputs beside plain words.

Usage: python bench/patterns.py [--sizes 4000 16000 64000] [--only NAME ...]

Each adversarial input is a long run of the characters one pattern repeats (digits and
dots for the money pattern, ``a.`` for URL domains, ``a.`` before an ``@`` for e-mail
addresses, ...). A plain input of the same length is ordinary Indonesian words. For each
size the script prints the seconds that ``preprocess`` (the per-text path) and
``normalized_pieces`` (the batch block path) take, and the ratio to the plain input: with
linear patterns the ratio stays roughly flat as the size grows; a quadratic pattern shows
a ratio that grows with the size (and the time 16x for 4x the length).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

#: name -> the unit repeated to build the adversarial input (and what it attacks).
ADVERSARIAL: dict[str, str] = {
    "money_dots": "1.",            # \d+(?:[.,]\d+)* and the digit trigger's look-ahead
    "money_commas": "1,",
    "money_mixed": "12.3,",
    "money_rp_dots": "rp1.",
    "money_words": "dua puluh ",   # the repeated "unit puluh/ratus" group of spoken amounts
    "money_ratus": "sembilan ratus ",
    "money_spoken_rest": "seribu lima ratus ",
    "money_se": "se ",
    "money_lembar": "1 lembar ",
    "url_dots": "a.",              # (?:[\w-]+\.)+ before a top-level domain
    "url_dashes": "a-",
    "url_dash_dot": "a-a.",
    "url_www": "www.",
    "email_dots": "a.",            # [\w.+-]+ before an @ (an @ is appended)
    "email_ats": "a@",
    "email_domain": "a@a.",
    "mention_ats": "@",
    "phone_digits": "08",          # the phone pattern's digit groups
    "phone_groups": "0812 ",
    "hashtag": "#a",
    "camel": "aB",                 # hashtag split by case (a # is prepended)
    "tokens_dash": "a-",
    "tokens_underscore": "_a",
    "digits": "1",
    "spaces": " ",
}
PLAIN = "pelayanan di kantor kelurahan lambat sekali dan diminta bayar "


def build(name: str, size: int) -> str:
    """The adversarial input ``name`` of exactly ``size`` characters (prefix/suffix included)."""
    unit = ADVERSARIAL[name]
    prefix = "#" if name == "camel" else ""
    # the tell-tale character each pattern's guard looks for, away from the run
    suffix = " @" if name == "email_dots" else " x.id" if name.startswith("url_") else ""
    body = size - len(prefix) - len(suffix)
    return prefix + (unit * (body // len(unit) + 1))[:body] + suffix


def plain(size: int) -> str:
    """Ordinary words, ``size`` characters."""
    return (PLAIN * (size // len(PLAIN) + 1))[:size]


def seconds(function: Callable[[], object], repeat: int = 3) -> float:
    """The best of ``repeat`` runs (the least disturbed by the rest of the machine)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def paths() -> dict[str, Callable[[str], object]]:
    from kpkclassify.text import preprocess
    from kpkclassify.text._normalize import normalized_pieces
    from kpkclassify.text._preprocess import _segment_for

    segment = _segment_for(None)
    return {
        "preprocess": preprocess,
        "pieces": lambda text: normalized_pieces(["x", text, "y"], segment=segment),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[4000, 16000, 64000])
    parser.add_argument("--only", nargs="+", choices=sorted(ADVERSARIAL), help="only these inputs")
    args = parser.parse_args()
    functions = paths()
    for function in functions.values():  # load the lexicon and stemmer once, outside the timings
        function("warm up 200rb")
    names = args.only or list(ADVERSARIAL)
    print(f"{'input':<18} {'path':<10} " + " ".join(f"{size:>16}" for size in args.sizes))
    base = {(path, size): seconds(lambda: f(plain(size))) for path, f in functions.items() for size in args.sizes}
    for path in functions:
        print(f"{'plain':<18} {path:<10} " + " ".join(f"{base[path, s]:>9.4f}s       " for s in args.sizes))
    for name in names:
        for path, function in functions.items():
            cells = []
            for size in args.sizes:
                text = build(name, size)
                took = seconds(lambda: function(text), repeat=1 if size > 16000 else 3)
                cells.append(f"{took:>9.4f}s {took / base[path, size]:>5.1f}x")
            print(f"{name:<18} {path:<10} " + " ".join(cells), flush=True)


if __name__ == "__main__":
    main()
