"""Indonesian text preprocessing for complaints and social-media posts, usable on its own.

Functions
---------
normalize        Unicode, lower case, placeholders, hashtags, money, emoji.
tokenize         normalize, then split into raw tokens.
stem             one word's stem (PySastrawi with our exceptions and protected terms).
preprocess       everything the model uses: the list of terms of one text.
extract_amounts  the amounts of money in a text, in rupiah.
segment          split a run of letters (a hashtag) into known words.
mask_personal    e-mails, @handles, phones, NIK and plates replaced by placeholders.
build_lexicon    the default word lists with a user's additions.
IndonesianPreprocessor  a scikit-learn transformer over raw texts.
"""

from ._lexicon import Lexicon, build_lexicon, default_lexicon
from ._preprocess import (
    extract_amounts,
    normalize,
    preprocess,
    preprocess_aligned,
    preprocess_many,
    segment,
    stem,
    tokenize,
)


def __getattr__(name: str):
    # The transformer needs scikit-learn, which is slow to import: load it on first use.
    if name == "IndonesianPreprocessor":
        from ._transformer import IndonesianPreprocessor

        return IndonesianPreprocessor
    if name == "mask_personal":  # loaded on first use, like the transformer
        from ._mask import mask_personal

        return mask_personal
    raise AttributeError(f"module 'kpkclassify.text' has no attribute {name!r}")

__all__ = [
    "IndonesianPreprocessor",
    "Lexicon",
    "build_lexicon",
    "default_lexicon",
    "extract_amounts",
    "mask_personal",
    "normalize",
    "preprocess",
    "preprocess_aligned",
    "preprocess_many",
    "segment",
    "stem",
    "tokenize",
]
