"""``kpkclassify predict``: classify texts given on the command line."""

from __future__ import annotations

import json
from typing import Optional

import typer

from kpkclassify.cli._app import app, handles_errors, load_model


@app.command()
@handles_errors
def predict(
    texts: list[str] = typer.Argument(..., help="One or more texts (quote each)."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model file; the bundled model by default."),
    explain: bool = typer.Option(False, "--explain", help="Show the words behind each label."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON, one object per line."),
) -> None:
    """Print the labels and probabilities of each text."""
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
