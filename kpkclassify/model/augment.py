"""Training-data augmentation that mimics the noise of real posts.

Each noisy copy of a text keeps its labels and changes its surface the way people type:
standard words swapped for their slang forms (from our lexicon, read backwards), vowels
dropped from some words (``sudah`` -> ``sdh``), neighbouring letters swapped, repeated
letters, lower case, punctuation dropped. It is seeded, so training stays deterministic.
"""

from __future__ import annotations

import functools
import random
import re
from collections import defaultdict

_WORD_RE = re.compile(r"[A-Za-z]+|[^A-Za-z]+")
_VOWELS = re.compile(r"(?<=.)[aeiou](?=.)")


@functools.cache
def _slang_forms() -> dict[str, list[str]]:
    from kpkclassify.text import default_lexicon

    forms: dict[str, list[str]] = defaultdict(list)
    for form, standard in default_lexicon().slang.items():
        if len(standard) == 1 and form.isalpha():
            forms[standard[0]].append(form)
    return {k: sorted(v) for k, v in forms.items()}


def noisy_copy(text: str, rng: random.Random) -> str:
    """One noisy variant of ``text``."""
    slang = _slang_forms()
    out = []
    for piece in _WORD_RE.findall(text):
        if not piece.isalpha():
            out.append(" " if rng.random() < 0.3 and not piece.isspace() else piece)
            continue
        word = piece.lower() if rng.random() < 0.7 else piece
        roll = rng.random()
        if roll < 0.25 and word.lower() in slang:
            word = rng.choice(slang[word.lower()])
        elif roll < 0.33 and len(word) > 4:
            word = _VOWELS.sub("", word)
        elif roll < 0.37 and len(word) > 3:
            i = rng.randrange(len(word) - 1)
            word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        elif roll < 0.39 and len(word) > 2:
            word = word + word[-1] * rng.randint(2, 4)
        out.append(word)
    return "".join(out)


def augment(texts: list[str], labels: list, copies: int, seed: int = 0) -> tuple[list[str], list]:
    """The texts and labels followed by ``copies`` noisy copies of each."""
    if copies <= 0:
        return texts, labels
    rng = random.Random(seed)
    more_texts, more_labels = list(texts), list(labels)
    for _ in range(copies):
        for text, label in zip(texts, labels):
            more_texts.append(noisy_copy(text, rng))
            more_labels.append(label)
    return more_texts, more_labels
