"""Evaluating models on labelled data: one model (:class:`Evaluation`) or several side by side (:func:`compare`)."""

from __future__ import annotations

from collections.abc import Sequence

from kpkclassify.metrics import Evaluation


def compare_table(evaluations: dict[str, Evaluation]) -> str:
    """A Markdown table of several models' metrics on the same data, with the differences
    of each model from the first one.

    The rows are the models' labels (their ``label_names``: the first model's, then any
    other model's own), then ``macro``; a model without a label shows ``n/a`` for it."""
    names = list(evaluations)
    header = "| label | metric | " + " | ".join(names) + "".join(f" | {n} - {names[0]}" for n in names[1:]) + " |"
    lines = [header, "|" + "---|" * (2 + len(names) + len(names) - 1)]
    labels: list[str] = []
    for evaluation in evaluations.values():
        labels += [label for label in evaluation.label_names if label not in labels]

    def value(name: str, label: str, metric: str) -> float | None:
        found = evaluations[name].metrics.get(label)
        return None if found is None else found[metric]

    for label in (*labels, "macro"):
        for metric in ("precision", "recall", "f1"):
            values = [value(n, label, metric) for n in names]
            base = values[0]
            diffs = [None if v is None or base is None else v - base for v in values[1:]]
            lines.append(
                f"| {label} | {metric} | " + " | ".join("n/a" if v is None else f"{v:.3f}" for v in values)
                + "".join(" | n/a" if d is None else f" | {d:+.3f}" for d in diffs) + " |"
            )
    exact = [evaluations[n].exact_match for n in names]
    lines.append("| all | exact match | " + " | ".join(f"{v:.3f}" for v in exact)
                 + "".join(f" | {v - exact[0]:+.3f}" for v in exact[1:]) + " |")
    return "\n".join(lines)


def compare(data, models: Sequence, *, names: Sequence[str] | None = None, text_column: str | None = None,
            label_column: str | None = None) -> dict[str, Evaluation]:
    """Evaluate several models on the same labelled data.

    Parameters
    ----------
    data : path or LabelledData
    models : sequence of Classifier or paths (``None`` for the bundled model)
    names : sequence of str, optional
        Display names; the paths (or ``model 1``, ``model 2``...) by default.

    Returns
    -------
    dict of str to Evaluation
        In the order given; render with :func:`compare_table`.

    Raises
    ------
    DataError
        A row with an unknown label or an empty text, listed with its file and line as
        :func:`kpkclassify.train` lists them: every model must be scored on every row.
        The known labels are the models' (their ``labels_``, all of them together); each
        model is scored on its own labels.
    """
    from kpkclassify.io.labelled import LabelledData, read_labelled
    from kpkclassify.persist import resolve_model
    from kpkclassify.workflows.classify import model_labels

    loaded = [resolve_model(model) for model in models]
    known: list[str] = []
    for model in loaded:
        known += [label for label in model_labels(model) if label not in known]
    labelled = data if isinstance(data, LabelledData) else read_labelled(
        data, text_column=text_column, label_column=label_column, validate=False, labels=known)
    result: dict[str, Evaluation] = {}
    for i, (model, classifier) in enumerate(zip(models, loaded)):
        name = names[i] if names else (str(model) if model is None or isinstance(model, str) else f"model {i + 1}")
        if name in result:
            name = f"{name} ({i + 1})"
        own = set(model_labels(classifier))
        rows = [tuple(label for label in row if label in own) for row in labelled.labels]
        result[name] = classifier.evaluate(labelled.texts, rows)
    return result
