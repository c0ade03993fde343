"""``kpkclassify info``: print a model's card."""

from __future__ import annotations

import json
from typing import Optional

import typer

from kpkclassify.cli._app import app, handles_errors, load_model


@app.command()
@handles_errors
def info(
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model file; the bundled model by default."),
) -> None:
    """Print the model card: training data, thresholds, cross-validated scores, versions."""
    from kpkclassify.persist import bundled_model_path, model_card

    classifier = load_model(model)
    card = model_card(classifier)
    card.setdefault("path", str(model or bundled_model_path()))
    typer.echo(json.dumps(card, indent=2, ensure_ascii=False))
