"""``kpkclassify predict``: classify texts given on the command line."""

from __future__ import annotations

import json
import sys
from typing import Optional

import typer

from kpkclassify.cli._app import app, handles_errors, load_model


@app.command()
@handles_errors
def predict(
    texts: list[str] = typer.Argument(..., help="One or more texts (quote each), or - to read one text per line "
                                      "from standard input."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model file; the bundled model by default."),
    explain: bool = typer.Option(False, "--explain", help="Show the words behind each label."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON Lines on standard output: one object per text "
                                 "(text, labels, label, scores; evidence with --explain)."),
) -> None:
    """Print the labels and probabilities of each text, one line per text.

    \b
    Example:
        kpkclassify predict "petugas minta uang 100rb biar cepat" --json
        cat texts.txt | kpkclassify predict -
    """
    if texts == ["-"]:
        texts = [line.rstrip("\r\n") for line in sys.stdin]
    classifier = load_model(model)
    for text, result in zip(texts, classifier.classify(texts)):
        evidence = classifier.explain(text) if explain else None
        if as_json:
            record = {"text": text, "labels": list(result.labels), "label": result.label,
                      "scores": {k: round(v, 4) for k, v in result.scores.items()}}
            if evidence is not None:
                record["evidence"] = evidence
            typer.echo(json.dumps(record, ensure_ascii=False))
            continue
        scores = "  ".join(f"{k}={v:.3f}" for k, v in result.scores.items())
        typer.echo(f"{'|'.join(result.labels)}\t{scores}")
        for label, words in (evidence or {}).items():
            typer.echo(f"  {label}: " + ", ".join(f"{w} ({weight:+.2f})" for w, weight in words))
