"""``kpkclassify classify``: classify a CSV/TSV/JSONL/XLSX file."""

from __future__ import annotations

import sys
import time
from typing import Optional

import typer

from kpkclassify.cli._app import JSON_HELP, QUIET_HELP, TEXT_COLUMNS_HELP, app, fail, handles_errors, load_model, one_character, print_json


@app.command()
@handles_errors
def classify(
    input: str = typer.Argument(..., help="CSV/TSV/JSONL file (or .xlsx, written back as CSV) to classify, or - for standard input."),
    output: str = typer.Option(..., "--output", "-o", help="Where to write the result (- for standard output)."),
    text_column: Optional[list[str]] = typer.Option(
        None, "--text-column", "-t", help=TEXT_COLUMNS_HELP),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model file (.skops); the bundled model by default."),
    fmt: Optional[str] = typer.Option(None, "--format", help="csv, tsv, jsonl or xlsx (guessed from the file name)."),
    delimiter: Optional[str] = typer.Option(None, "--delimiter", callback=one_character,
                                            help="Force the CSV delimiter, one character (sniffed by default)."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="Force the input encoding (UTF-8 by default)."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="Worker processes (default: all cores for large files)."),
    chunk_size: int = typer.Option(2000, "--chunk-size", min=1, help="Rows classified together."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the first N rows."),
    explain: bool = typer.Option(False, "--explain", help="Add an evidence column (slower)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP + " The summary: rows, label counts, "
                                 "marked and ragged rows, seconds, output. Needs --output to be a file."),
    engine: str = typer.Option("local", "--engine", help="local (this process and --jobs workers) or dask."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="With --engine dask: a scheduler address "
                                            "(tcp://host:8786); a local cluster is started when absent."),
    blocksize: str = typer.Option("64MB", "--blocksize", help="With --engine dask: bytes per partition, or 'none' "
                                  "for one partition per file (needed when fields contain line breaks)."),
) -> None:
    """Add labels, the top label and per-label probabilities to every row of a file.

    With --engine dask, INPUT may be a glob ('exports/*.csv') and --output must be a
    pattern with '*' ('out/part-*.csv'): one output file per partition, in input order.

    \b
    Example:
        kpkclassify classify complaints.csv -t isi -o classified.csv
    """
    if as_json and output == "-":
        fail("--json prints the summary on standard output; give --output a file name", code=2)
    if engine == "dask":
        from kpkclassify.dask import classify_files

        rows = classify_files(input, output, text_column=text_column or ["text"], model=model, scheduler=scheduler,
                              blocksize=None if blocksize.lower() == "none" else blocksize,
                              delimiter="\t" if delimiter in ("\\t", "tab", "TAB") else delimiter or ",",
                              workers=jobs)
        if as_json:
            print_json({"rows": rows, "output": output, "engine": "dask"})
        elif not quiet:
            typer.echo(f"{rows} rows classified on Dask -> {output}", err=True)
        return
    if engine != "local":
        fail(f"unknown engine {engine!r}; use local or dask", code=2)
    from kpkclassify.io.tables import check_outputs
    from kpkclassify.workflows.classify import classify_file, keep_freed_memory

    check_outputs([input, model], [output])  # the model file too, before spending time loading it
    keep_freed_memory()  # this process is ours: let it reuse the memory each chunk frees
    classifier = load_model(model)
    show_progress = not quiet and sys.stderr.isatty()
    with _progress(show_progress) as progress:
        summary = classify_file(
            input, output, model=classifier, text_columns=text_column, fmt=fmt,
            delimiter=delimiter, encoding=encoding, jobs=jobs, chunk_size=chunk_size, limit=limit,
            explain=explain, progress=progress,
        )
    if as_json:
        from dataclasses import asdict

        print_json(asdict(summary))
    elif not quiet:
        for line in summary.lines():
            typer.echo(line, err=True)


class _progress:
    """A rich progress bar on stderr, or nothing."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __enter__(self):
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(
            TextColumn("{task.fields[rows]:>10,} rows"), TextColumn("{task.fields[rate]:>8,.0f} rows/s"), BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"), TimeRemainingColumn(), console=Console(stderr=True), transient=True,
        )
        self.bar.start()
        self.task = self.bar.add_task("classify", total=None, rows=0, rate=0.0)
        started = time.perf_counter()

        def update(rows: int, done: int, total: int) -> None:
            rate = rows / max(1e-9, time.perf_counter() - started)
            self.bar.update(self.task, completed=done, total=total or None, rows=rows, rate=rate)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.bar.stop()
