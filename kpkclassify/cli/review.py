"""``kpkclassify review``: the fast model classifies every row, a language model reads the rows
worth most (:func:`kpkclassify.workflows.review.review_file`)."""

from __future__ import annotations

import os
import sys
import time
from typing import Optional

import typer

from kpkclassify.cli._app import JSON_HELP, QUIET_HELP, TEXT_COLUMNS_HELP, app, fail, handles_errors, one_character, print_json


@app.command()
@handles_errors
def review(
    input: Optional[str] = typer.Argument(None, help="CSV/TSV/JSONL file (or .xlsx, written back as CSV) to classify and review."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Where to write every row with the final labels "
                                         "and the review columns (- for standard output)."),
    endpoint: Optional[str] = typer.Option(None, "--endpoint", help="The reader's OpenAI-compatible API base, e.g. "
                                           "http://localhost:11434/v1 (Ollama) or http://localhost:8000/v1 (vLLM)."),
    reader_model: Optional[str] = typer.Option(None, "--reader-model", help="The reader's model name on the endpoint."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model file (.skops); the bundled model by default."),
    share: float = typer.Option(0.3, "--share", min=0.0, max=1.0, help="Share of the rows with text to send: those "
                                "where a reader's answer is worth most."),
    budget: Optional[int] = typer.Option(None, "--budget", min=0, help="Send this many rows instead of --share."),
    text_column: Optional[list[str]] = typer.Option(None, "--text-column", "-t", help=TEXT_COLUMNS_HELP),
    fmt: Optional[str] = typer.Option(None, "--format", help="csv, tsv, jsonl or xlsx (guessed from the file name)."),
    delimiter: Optional[str] = typer.Option(None, "--delimiter", callback=one_character,
                                            help="Force the CSV delimiter, one character (sniffed by default)."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="Force the input encoding (UTF-8 by default)."),
    guide: Optional[str] = typer.Option(None, "--guide", help="A label guide file for the prompt (ours is bundled; "
                                        "needed for a model with labels of its own)."),
    api_key_env: Optional[str] = typer.Option(None, "--api-key-env", help="The environment variable holding the "
                                              "API key (never give the key itself on the command line)."),
    allow_remote: bool = typer.Option(False, "--allow-remote", help="Allow an endpoint that is not on this machine "
                                      "or a private network: the texts leave it."),
    no_mask: bool = typer.Option(False, "--no-mask", help="Send the texts as they are: do not mask e-mail addresses, "
                                 "@handles, phone numbers, NIK and plates."),
    cache: Optional[str] = typer.Option(None, "--cache", help="The answer cache file (default: "
                                        "~/.cache/kpkclassify/review-answers.sqlite3, or under $KPKCLASSIFY_CACHE_DIR)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Neither read nor store answers in the cache."),
    clear_cache: bool = typer.Option(False, "--clear-cache", help="Remove every stored answer first (alone: and stop)."),
    concurrency: int = typer.Option(4, "--concurrency", min=1, help="Requests in flight."),
    timeout: float = typer.Option(60.0, "--timeout", min=0.01, help="Seconds to wait for one answer."),
    attempts: int = typer.Option(6, "--attempts", min=1, help="Tries per text (429, 5xx, timeouts, unparsable answers)."),
    backoff: float = typer.Option(1.0, "--backoff", min=0.0, help="Seconds (at most) before the first retry; "
                                  "each next one waits up to twice as long, with jitter."),
    retry_budget: Optional[int] = typer.Option(None, "--retry-budget", min=0, help="Retries the whole run may spend "
                                               "(default: one per text to send, at least 10)."),
    export_batch: Optional[str] = typer.Option(None, "--export-batch", help="Write the requests as an OpenAI Batch "
                                               "input file (JSON Lines) and stop: nothing is sent."),
    import_batch: Optional[str] = typer.Option(None, "--import-batch", help="Take the answers from an OpenAI Batch "
                                               "output file instead of --endpoint."),
    distill: Optional[str] = typer.Option(None, "--distill", help="Also write the rows the reader decided as a "
                                          "labelled CSV (text, labels) for kpkclassify adapt or train."),
    explore: float = typer.Option(0.0, "--explore", min=0.0, max=1.0, help="Share of the rows sent drawn at random "
                                  "from the rest, weighted in the --distill file (selection_weight) for adapt."),
    seed: int = typer.Option(0, "--seed", help="Seed of the --explore draw."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP + " The summary. Needs --output to be a file."),
) -> None:
    """Classify every row, and let a language model decide the rows the model is least sure of.

    Only the chosen rows' texts are sent, masked, to --endpoint (on this machine or a private
    network unless --allow-remote). Answers are cached, so an interrupted run resumes where
    it stopped.

    \b
    Example: (a local Ollama server)
        kpkclassify review complaints.csv -t isi -o reviewed.csv --endpoint http://localhost:11434/v1 --reader-model qwen2.5:7b-instruct
    """
    from kpkclassify.reader import AnswerCache

    if clear_cache and not no_cache:
        from kpkclassify.exceptions import InputError

        try:
            with AnswerCache(cache) as store:
                n = store.clear()
            message = f"{n} cached answers removed from {store.path}"
        except InputError:
            if not AnswerCache.remove_broken(cache):  # only a file that looks like a broken SQLite cache
                raise
            from kpkclassify.reader import default_cache_path

            message = f"the broken cache {cache or default_cache_path()} was removed"
        if not quiet:
            typer.echo(message, err=True)
        if input is None:
            return
    if input is None:
        fail("give the INPUT file", code=2)
    if not reader_model:
        fail("give the reader's model name with --reader-model (e.g. qwen2.5:7b-instruct)", code=2)
    if output is None and export_batch is None:
        fail("give --output (or --export-batch to only write the requests)", code=2)
    if as_json and output == "-":
        fail("--json prints the summary on standard output; give --output a file name", code=2)
    api_key = None
    if api_key_env:
        api_key = os.environ.get(api_key_env)
        if not api_key:
            fail(f"--api-key-env {api_key_env}: that environment variable is not set", code=2)
    from kpkclassify.workflows.review import review_file

    summary = review_file(
        str(input), output, reader_model=reader_model, endpoint=endpoint, model=model, share=share, budget=budget,
        text_columns=text_column, fmt=fmt, delimiter=delimiter, encoding=encoding, guide=guide, api_key=api_key,
        allow_remote=allow_remote, mask=not no_mask, cache=False if no_cache else (cache or True),
        concurrency=concurrency, timeout=timeout, attempts=attempts, retry_budget=retry_budget,
        backoff=backoff, export_batch=export_batch, import_batch=import_batch, distill=distill, explore=explore,
        seed=seed,
        progress=None if quiet else _Progress(),
    )
    if as_json:
        from dataclasses import asdict

        print_json(asdict(summary))
    elif not quiet:
        for line in summary.lines():
            typer.echo(line, err=True)
    if summary.mode != "export" and summary.ok == 0 < summary.selected:
        why = max(summary.failures.items(), key=lambda kv: kv[1])[0] if summary.failures else "no answer"
        fail(f"no row was reviewed: all {summary.selected} reviews failed ({why}); {output} keeps the "
             "model's labels")


class _Progress:
    """Texts done, rows/s and an ETA on standard error: one line rewritten on a terminal,
    a line every 10 s elsewhere (a log)."""

    def __init__(self) -> None:
        self.started: float | None = None  # the first call: when the reader starts (after classifying)
        self.shown = 0.0
        self.tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if self.started is None:
            self.started = now
        if done < total and now - self.shown < (0.5 if self.tty else 10.0):
            return
        self.shown = now
        rate = done / max(1e-9, now - self.started)
        eta = _duration((total - done) / rate) if rate > 0 else "-"
        line = f"reviewed {done:,}/{total:,} texts, {rate:,.1f} rows/s, ETA {eta}"
        if self.tty:
            sys.stderr.write("\r" + line + ("\n" if done >= total else ""))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"
