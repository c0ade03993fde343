"""``kpkclassify info``: print a model's card."""

from __future__ import annotations

from typing import Optional

import typer

from kpkclassify.cli._app import app, handles_errors, load_model, print_json


@app.command()
@handles_errors
def info(
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model file; the bundled model by default."),
    as_json: bool = typer.Option(False, "--json", help="Print the card as one JSON document on standard output "
                                 "(info always does; accepted like every other command's --json)."),
) -> None:
    """Print the model card as JSON: training data, thresholds, cross-validated scores, versions,
    and for an adapted model (kpkclassify adapt) its adaptation: method, thresholds before and
    after, cross-validated gain and precision/recall on the source, with intervals.

    \b
    Example:
        kpkclassify info --model my-model.skops
    """
    from kpkclassify.persist import bundled_model_path, model_card

    classifier = load_model(model)
    card = model_card(classifier)
    card.setdefault("path", str(model or bundled_model_path()))
    adaptation = card.get("adaptation")
    if isinstance(adaptation, dict) and "kept_rows" in adaptation:  # per-row scores for re-adapting: counted, not listed
        card["adaptation"] = {**adaptation, "kept_rows": {"rows": len(adaptation["kept_rows"].get("labels", []))}}
    print_json(card)
