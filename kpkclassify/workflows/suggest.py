"""Active learning: which unlabelled texts to label next."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass
class Suggestion:
    """One text worth labelling.

    Attributes
    ----------
    index : int
        Its position in the input.
    uncertainty : float
        1 at a decision threshold, 0 far from every threshold.
    guess : str
        The model's current labels (``|``-joined), to correct rather than type.
    text : str
        The text, with personal data masked when :func:`suggest` was asked to.
    weight : float
        The inverse of the probability with which the row was picked: 1 for the rows picked
        for their uncertainty, ``rest / picked`` for the random rows of ``explore`` (see
        :func:`suggest`). :func:`kpkclassify.adapt` counts each row this many times.
    """

    index: int
    uncertainty: float
    guess: str
    text: str = ""
    weight: float = 1.0


def uncertainty(proba: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """How close each text is to a decision threshold of any label (1 = on it).

    The distance to each threshold is measured on the log-odds scale, so 0.51 against a
    threshold of 0.5 counts as closer than 0.9 against 0.5.
    """
    eps = 1e-6
    p = np.clip(proba, eps, 1 - eps)
    t = np.clip(thresholds, eps, 1 - eps)
    distance = np.abs(np.log(p / (1 - p)) - np.log(t / (1 - t)))
    return np.exp(-distance.min(axis=1))


def suggest(
    model,
    texts: Sequence[str],
    n: int = 200,
    *,
    max_similarity: float = 0.6,
    pool: int | None = None,
    mask_personal: bool = False,
    explore: float = 0.0,
    seed: int = 0,
) -> list[Suggestion]:
    """Pick up to ``n`` texts the model is least sure about, skipping near-duplicates.

    Parameters
    ----------
    model : Classifier
        A fitted classifier.
    texts : sequence of str
        The unlabelled texts.
    n : int, default=200
        How many to pick.
    max_similarity : float, default=0.6
        A candidate whose cosine similarity (on the model's own features) to an already
        picked text exceeds this is skipped: diverse picks teach the model more.
    pool : int, optional
        How many of the most uncertain texts to consider (default ``20 * n``).
    mask_personal : bool, default=False
        Mask e-mail addresses, @handles, phone numbers, NIK and plates in each
        suggestion's ``text`` (see :func:`kpkclassify.text.mask_personal`); the model
        still reads the texts as they are.
    explore : float, default=0
        The share of the ``n`` picks drawn at random (seeded by ``seed``) from the texts not
        picked for their uncertainty. Each random pick's ``weight`` is the number of those
        texts over the number drawn, so that weighted counts over the picks estimate counts
        over all the texts (a stratified sample: the uncertain picks stand for themselves):
        thresholds chosen on them are not biased by uncertainty sampling.
    seed : int, default=0

    Returns
    -------
    list of Suggestion
        Most uncertain first, then the random picks.
    """
    if not 0 <= explore <= 1:
        raise ValueError(f"explore must be a share from 0 to 1, got {explore}")
    from kpkclassify.labels import decide, from_indicator
    from kpkclassify.model.classifier import _as_texts

    texts = _as_texts(texts)  # None and NaN cells are empty texts
    if not texts or n <= 0:
        return []
    n_random = int(round(explore * n))
    n, n_total = n - n_random, n
    nonempty = np.asarray([bool(t and t.strip()) for t in texts])
    proba = model.predict_proba(texts)
    scores = np.where(nonempty, uncertainty(proba, model.thresholds_), -1.0)
    order = np.argsort(-scores, kind="stable")[: pool or 20 * max(n, 1)]
    order = order[scores[order] >= 0]
    features = model.features_.transform([texts[i] for i in order])
    norms = np.sqrt(features.multiply(features).sum(axis=1)).A.ravel()
    norms[norms == 0] = 1.0
    import scipy.sparse as sp

    unit = sp.diags(1.0 / norms) @ features  # rows of unit length: a dot product is a cosine
    unit = unit.tocsr()
    picked: list[int] = []
    chosen = None
    for k, index in enumerate(order if n > 0 else []):
        row = unit.getrow(k)
        if chosen is not None and (chosen @ row.T).max() > max_similarity:
            continue
        picked.append(int(index))
        chosen = row if chosen is None else sp.vstack([chosen, row]).tocsr()
        if len(picked) >= n:
            break
    weights = [1.0] * len(picked)
    if n_random and len(picked) < n_total:
        rest = np.setdiff1d(np.flatnonzero(nonempty), picked)
        drawn = np.random.default_rng(seed).permutation(rest)[: n_total - len(picked)]  # also fills a shortfall of uncertain picks
        picked += [int(i) for i in drawn]
        weights += [len(rest) / len(drawn)] * len(drawn)
    guesses = from_indicator(decide(proba[picked], model.thresholds_).astype(np.int8), model.labels_)
    from kpkclassify.text._mask import masker

    shown = masker(mask_personal)
    return [Suggestion(i, float(scores[i]), "|".join(g), shown(texts[i]), w)
            for i, g, w in zip(picked, guesses, weights)]


def _masked_rows(rows: list[list[str]], columns: Sequence[int], picked: Sequence[int]) -> list[list[str]]:
    """``rows`` with the text cells (``columns``) of the ``picked`` rows masked (copies;
    the other rows are not written out, so they are left alone)."""
    from kpkclassify.text import mask_personal

    rows = list(rows)
    for index in picked:
        rows[index] = [mask_personal(cell) if k in columns else cell for k, cell in enumerate(rows[index])]
    return rows


def suggest_file(
    input: str,
    output: str,
    *,
    model=None,
    n: int = 200,
    text_columns: Sequence[str] | None = None,
    encoding: str | None = None,
    mask_personal: bool = False,
    explore: float = 0.0,
    seed: int = 0,
) -> int:
    """Write the ``n`` rows of an unlabelled file most worth labelling, ready for a spreadsheet.

    The output keeps the input's columns and adds ``labels`` (empty: fill it in with the
    model's labels, e.g. ``illegal_fee|slow_service``, or ``other``), ``model_guess``, ``uncertainty`` and
    ``source_line``; it can be fed back to :func:`kpkclassify.train` once labelled.
    With ``mask_personal``, e-mail addresses, @handles, phone numbers, NIK and plates in
    the text columns are replaced by placeholders (:func:`kpkclassify.text.mask_personal`)
    in the file written, so that it can go to labellers; the model reads the texts as they
    are. With ``explore`` (a share, see :func:`suggest`), that share of the rows is drawn at
    random and a ``selection_weight`` column holds each row's inverse selection probability,
    which :func:`kpkclassify.adapt` reads. Returns the number of rows written.
    """
    import csv

    from kpkclassify.io.tables import InputError, TableReader, atomic_output, check_output_name, refuse_overwrite, resolve_text_columns
    from kpkclassify.persist import resolve_model

    refuse_overwrite(input, output, model)  # the model file is an input too
    check_output_name(output)
    model = resolve_model(model)
    with TableReader(input, encoding=encoding) as reader:
        if reader.kind == "jsonl":
            raise InputError(f"{input}: suggest reads CSV/TSV files")
        indices = resolve_text_columns(reader.columns, list(text_columns) if text_columns else None, input)
        lines, rows, texts = [], [], []
        for line, cells in reader.rows():
            lines.append(line)
            rows.append(cells)
            texts.append(" ".join(cells[i] for i in indices if i < len(cells)))
        columns = list(reader.columns)
    picks = suggest(model, texts, n, explore=explore, seed=seed)
    if mask_personal:  # only what is written out: the predictions used the texts as they are
        rows = _masked_rows(rows, indices, [pick.index for pick in picks])
    extra = ["labels", "model_guess", "uncertainty", "source_line"] + (["selection_weight"] if explore else [])
    if "labels" in columns:
        extra[0] = "new_labels"
    with atomic_output(output, "utf-8", inputs=[input]) as handle:
        writer = csv.writer(handle)
        writer.writerow(columns + extra)
        for pick in picks:
            cells = rows[pick.index] + [""] * max(0, len(columns) - len(rows[pick.index]))
            writer.writerow(cells[: len(columns)] + ["", pick.guess, f"{pick.uncertainty:.4f}", lines[pick.index]]
                            + ([f"{pick.weight:.4f}"] if explore else []))
    return len(picks)
