"""A self-contained HTML evaluation report: tables and inline SVG, no network, no assets."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from kpkclassify.labels import to_indicator
from kpkclassify.metrics import Evaluation

if TYPE_CHECKING:
    from kpkclassify.io.tables import OutputTarget

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#222;max-width:1100px}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}.grid{display:flex;flex-wrap:wrap;gap:1.5rem}
.card{border:1px solid #ddd;border-radius:6px;padding:.8rem}svg text{font-size:10px;fill:#444}
.small{color:#666;font-size:.85rem}
"""


def _pr_curve(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(-scores, kind="stable")
    y = y[order].astype(bool)
    tp = np.cumsum(y)
    precision = tp / np.arange(1, len(y) + 1)
    recall = tp / max(1, y.sum())
    return np.r_[0.0, recall], np.r_[1.0, precision]


def _svg_pr(y: np.ndarray, scores: np.ndarray, label: str, w: int = 260, h: int = 200) -> str:
    recall, precision = _pr_curve(y, scores)
    pad = 30
    xs = pad + recall * (w - pad - 10)
    ys = 10 + (1 - precision) * (h - pad - 10)
    points = " ".join(f"{x:.1f},{yv:.1f}" for x, yv in zip(xs, ys))
    return (
        f'<svg width="{w}" height="{h}" role="img" aria-label="precision-recall curve for {label}">'
        f'<rect x="{pad}" y="10" width="{w - pad - 10}" height="{h - pad - 10}" fill="none" stroke="#bbb"/>'
        f'<polyline points="{points}" fill="none" stroke="#1f6feb" stroke-width="1.5"/>'
        f'<text x="{w / 2}" y="{h - 5}" text-anchor="middle">recall</text>'
        f'<text x="8" y="{h / 2}" transform="rotate(-90 8 {h / 2})" text-anchor="middle">precision</text>'
        f'<text x="{pad}" y="{h - 18}">0</text><text x="{w - 16}" y="{h - 18}">1</text></svg>'
    )


def _svg_histogram(y: np.ndarray, scores: np.ndarray, threshold: float, label: str,
                   w: int = 260, h: int = 200, bins: int = 20) -> str:
    edges = np.linspace(0, 1, bins + 1)
    pos, _ = np.histogram(scores[y == 1], edges)
    neg, _ = np.histogram(scores[y == 0], edges)
    # Square-root heights keep the rare positives visible beside thousands of negatives.
    top = max(1.0, float(np.sqrt(max(pos.max(initial=0), neg.max(initial=0)))))
    bar_w = (w - 40) / bins
    bars = []
    for i in range(bins):
        x = 30 + i * bar_w
        for count, colour, offset in ((neg[i], "#bbb", 0), (pos[i], "#d73a49", bar_w / 2)):
            height = np.sqrt(count) / top * (h - 40)
            bars.append(f'<rect x="{x + offset:.1f}" y="{h - 30 - height:.1f}" width="{bar_w / 2 - 1:.1f}" '
                        f'height="{height:.1f}" fill="{colour}"><title>{count}</title></rect>')
    tx = 30 + threshold * (w - 40)
    return (
        f'<svg width="{w}" height="{h}" role="img" aria-label="score histogram for {label}">'
        + "".join(bars)
        + f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="10" y2="{h - 30}" stroke="#222" stroke-dasharray="3,3"/>'
        f'<text x="30" y="{h - 15}">0</text><text x="{w - 14}" y="{h - 15}">1</text>'
        f'<text x="{w / 2}" y="{h - 3}" text-anchor="middle">score (grey: without label, red: with)</text></svg>'
    )


def top_terms(model, label: str, k: int = 15) -> list[tuple[str, float]]:
    """The word features with the largest positive weights for a label."""
    names = model._feature_names()
    coef = model.estimators_[tuple(model.labels_).index(label)].coef_.ravel()
    word = np.flatnonzero(np.char.startswith(names.astype(str), "w:"))
    best = word[np.argsort(-coef[word])[:k]]
    return [(names[i][2:], float(coef[i])) for i in best]


def html_report(model, texts: Sequence[str], labels: Sequence, evaluation: Evaluation, *,
                title: str = "kpkclassify evaluation", proba: np.ndarray | None = None,
                mask_personal: bool = False) -> str:
    """Render one self-contained HTML page for an evaluation.

    Parameters
    ----------
    model : Classifier
    texts : sequence of str
    labels : sequence of labels
        Of the model's label set (``model.labels_``), which the report's sections follow.
    evaluation : Evaluation
        What :meth:`Classifier.evaluate` returned for ``texts`` and ``labels``.
    title : str
    proba : ndarray, optional
        The model's probabilities for ``texts``, when already computed.
    mask_personal : bool, default=False
        Mask e-mail addresses, @handles, phone numbers, NIK and plates in the texts the
        report shows (:func:`kpkclassify.text.mask_personal`), so it can be shared.

    Returns
    -------
    str
    """
    names = tuple(model.labels_)
    Y = to_indicator(labels, names)
    proba = model.predict_proba(list(texts)) if proba is None else proba
    esc = html.escape
    rows = []
    for label in names:
        m = evaluation.metrics[label]
        rows.append(
            f"<tr><td class=l>{esc(label)}</td><td>{m['precision']:.3f}</td><td>{m['recall']:.3f}</td>"
            f"<td>{m['f1']:.3f}</td><td>{m['support']}</td><td>{evaluation.recall_at_90_precision[label]:.3f}</td>"
            f"<td>{evaluation.calibration_error[label]:.3f}</td></tr>"
        )
    macro = evaluation.metrics["macro"]
    rows.append(f"<tr><th class=l>macro</th><th>{macro['precision']:.3f}</th><th>{macro['recall']:.3f}</th>"
                f"<th>{macro['f1']:.3f}</th><th>{evaluation.n}</th><th></th><th></th></tr>")
    cards = []
    for j, label in enumerate(names):
        m = evaluation.metrics[label]
        confusion = (
            "<table><tr><th></th><th>predicted</th><th>not predicted</th></tr>"
            f"<tr><th class=l>has label</th><td>{m['tp']}</td><td>{m['fn']}</td></tr>"
            f"<tr><th class=l>no label</th><td>{m['fp']}</td><td>{m['tn']}</td></tr></table>"
        )
        terms = "".join(f"<tr><td class=l>{esc(t)}</td><td>{w:.2f}</td></tr>" for t, w in top_terms(model, label))
        cards.append(
            f'<div class="card"><h3>{label}</h3>{confusion}'
            f"{_svg_histogram(Y[:, j], proba[:, j], float(model.thresholds_[j]), label)}"
            f"{_svg_pr(Y[:, j], proba[:, j], label)}"
            f"<p class=small>top weighted terms</p><table>{terms}</table></div>"
        )
    from kpkclassify.text._mask import masker

    shown = masker(mask_personal)  # masked before it is cut: a cut NIK would leak its digits
    errors = "".join(
        f"<tr><td>{e['row']}</td><td class=l>{esc(e['true'])}</td><td class=l>{esc(e['predicted'])}</td>"
        f"<td class=l>{esc(shown(e['text'])[:300])}</td></tr>"
        for e in evaluation.errors
    )
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{esc(title)}</h1><p class=small>{evaluation.n} texts; exact-match accuracy "
        f"{evaluation.exact_match:.3f}</p>"
        "<h2>Metrics</h2><table><tr><th class=l>label</th><th>precision</th><th>recall</th><th>F1</th>"
        f"<th>support</th><th>recall@90%P</th><th>ECE</th></tr>{''.join(rows)}</table>"
        f"<h2>Per label</h2><div class=grid>{''.join(cards)}</div>"
        "<h2>Most confident errors</h2><table><tr><th>row</th><th class=l>true</th><th class=l>predicted</th>"
        f"<th class=l>text</th></tr>{errors}</table></body></html>"
    )


def write_report(path, model, texts, labels, evaluation: Evaluation, *, title: str = "kpkclassify evaluation",
                 inputs: Sequence = (), mask_personal: bool = False) -> None:
    """Write :func:`html_report` to ``path`` atomically; ``inputs`` (the data and model files)
    may not be overwritten."""
    from kpkclassify.io.tables import atomic_output, check_outputs

    check_outputs(inputs, [report_target(path)])  # before rendering, which predicts again
    page = html_report(model, texts, labels, evaluation, title=title, mask_personal=mask_personal)
    with atomic_output(str(path), "utf-8", inputs=inputs, option="--report") as handle:
        handle.write(page)


def report_target(path: object) -> OutputTarget:
    """The report file as an output to check against the inputs (see ``check_outputs``)."""
    from kpkclassify.io.tables import OutputTarget

    return OutputTarget(str(path), "--report")
