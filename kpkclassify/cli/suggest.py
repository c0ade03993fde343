"""``kpkclassify suggest``: the rows most worth labelling next."""

from __future__ import annotations

from typing import Optional

import typer

from kpkclassify.cli._app import JSON_HELP, QUIET_HELP, TEXT_COLUMNS_HELP, app, handles_errors, print_json


@app.command()
@handles_errors
def suggest(
    input: str = typer.Argument(..., help="Unlabelled CSV/TSV file."),
    output: str = typer.Option(..., "--output", "-o", help="Where to write the rows to label."),
    n: int = typer.Option(200, "-n", min=1, help="How many rows."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model file; the bundled model by default."),
    text_column: Optional[list[str]] = typer.Option(None, "--text-column", "-t", help=TEXT_COLUMNS_HELP),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="Force the input encoding (UTF-8 by default)."),
    mask_personal: bool = typer.Option(False, "--mask-personal", help="Mask e-mails, @handles, phones, NIK, plates."),
    explore: float = typer.Option(0.0, "--explore", min=0.0, max=1.0, help="Share of the rows drawn at random (with a "
                                  "selection_weight column that kpkclassify adapt reads), e.g. 0.3."),
    seed: int = typer.Option(0, "--seed", help="Seed of the --explore draw."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP + " The summary: rows written and output."),
) -> None:
    """Pick the rows the model is least sure about (and unlike each other); label them and train again.

    \b
    Example:
        kpkclassify suggest unlabelled.csv -t isi -n 200 -o to-label.csv
    """
    from kpkclassify.workflows.suggest import suggest_file

    written = suggest_file(input, output, model=model, n=n, text_columns=text_column, encoding=encoding,
                           mask_personal=mask_personal, explore=explore, seed=seed)
    if as_json:
        print_json({"rows": written, "output": output})
    elif not quiet:
        typer.echo(f"{written} rows to label written to {output}; fill the 'labels' column, then "
                   f"kpkclassify adapt {output} -o MODEL.skops (or kpkclassify train {output} --with-bundled "
                   "-o MODEL.skops)", err=True)
