"""Features: texts to term ids (:class:`EncodedTexts`) to a sparse matrix (word and sub-word
n-grams, TF-IDF, cue features).

Layer: uses :mod:`kpkclassify.text`; used by :mod:`kpkclassify.model`.
"""

from kpkclassify.features.compiled import EncodedTexts
from kpkclassify.features.text_features import TextFeatures

__all__ = ["EncodedTexts", "TextFeatures"]
