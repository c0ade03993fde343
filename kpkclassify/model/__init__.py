"""The classifier: one linear model per label over :mod:`kpkclassify.features`, thresholds, calibration.

Layer: uses :mod:`kpkclassify.features`, :mod:`kpkclassify.labels`, :mod:`kpkclassify.metrics`.
"""

from kpkclassify.model.classifier import Classifier, Prediction

__all__ = ["Classifier", "Prediction"]
