"""Review: the fast model classifies every row, and a second reader (a language model behind an
OpenAI-compatible endpoint) decides the rows where its answer is worth most.

Every input row is written, in order, with the columns ``classify`` writes (the label columns
hold the final decision) and four more: the reader's labels, its reason, who decided
(``model`` or ``reviewer``) and the review status (``ok``, ``failed``, ``not_sent``).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import IO, Any

import numpy as np

from kpkclassify.exceptions import InputError
from kpkclassify.labels import OTHER, decide, top_label
from kpkclassify.workflows.classify import (
    STATUS_EMPTY,
    BatchSummary,
    _chunks,
    _Format,
    _label_cells,
    _prediction_columns,
    _RowWriter,
    model_labels,
    prediction_columns,
)

#: The columns review adds after classify's.
REVIEW_COLUMNS = ("reader_labels", "reader_reason", "decided_by", "review_status")
DECIDED_BY_MODEL, DECIDED_BY_READER = "model", "reviewer"
REVIEW_OK, REVIEW_FAILED, REVIEW_NOT_SENT = "ok", "failed", "not_sent"
#: The selection rule's parameters, chosen on our corpus alone (datasets/test.csv, test_round2.csv,
#: their hard rows, and resamples of them where 85% of the rows are ``other`` as in real streams,
#: with a simulated reader: bench/review_selection.py): see :func:`review_gain`.
PREVALENCE_POWER, PREVALENCE_FLOOR, POSITIVE_SHRINK = 1.0, 0.02, 3.0


def review_gain(proba: np.ndarray, thresholds: np.ndarray, *, power: float = PREVALENCE_POWER,
                floor: float = PREVALENCE_FLOOR, positive_shrink: float = POSITIVE_SHRINK) -> np.ndarray:
    """The expected gain of a reader's answer, per row: how many label decisions it is expected
    to change, each weighted by how much a change of that label moves macro-F1.

    For each label the chance that the model's decision is wrong, hence that a good reader
    changes it, is read off the log-odds margin to the label's threshold,
    ``m = logit p - logit t``, as ``1 / (1 + exp(|m|))`` (one half on the threshold). A label
    given (``m >= 0``) has its margin divided by ``positive_shrink``: in streams where most
    texts have no label, much of what sounds like one is not, and the model's "yes" is less
    sure than its probability says. A label the model gives to few rows of the file weighs
    more (an error on a rare label costs macro-F1 more): its chance is divided by the share of
    rows given that label (at least ``floor``) to the power ``power``. The weighted chances are
    summed over the labels.

    Parameters
    ----------
    proba : ndarray of shape (n_rows, n_labels)
    thresholds : ndarray of shape (n_labels,)
    power, floor : float
        The prevalence weighting (``power=0`` gives every label the same weight).
    positive_shrink : float
        How much less sure a given label counts (1: as its probability says).

    The defaults were chosen on our own corpus (see ``PREVALENCE_POWER``).

    Returns
    -------
    ndarray of shape (n_rows,)
    """
    proba = np.asarray(proba, dtype=float)
    if not len(proba):
        return np.zeros(0)
    eps = 1e-6
    p = np.clip(proba, eps, 1 - eps)
    t = np.clip(np.asarray(thresholds, dtype=float), eps, 1 - eps)
    margin = np.log(p / (1 - p)) - np.log(t / (1 - t))
    margin = np.where(margin >= 0, margin / positive_shrink, margin)
    wrong = 1.0 / (1.0 + np.exp(np.abs(margin)))
    share = np.maximum(decide(proba, thresholds).mean(axis=0), floor)
    return (wrong / share**power).sum(axis=1)


def select_rows(gain: np.ndarray, n: int) -> np.ndarray:
    """The indices of the ``n`` rows of highest ``gain`` (ties in input order); rows whose gain
    is ``-inf`` (no text) are never chosen."""
    gain = np.asarray(gain, dtype=float)
    order = np.argsort(-gain, kind="stable")
    order = order[np.isfinite(gain[order])]
    return np.sort(order[: max(0, n)])


@dataclass
class ReviewSummary:
    """What a review run did.

    Attributes
    ----------
    rows : int
        Rows read and written.
    selected : int
        Rows chosen for the reader (``--share`` or ``--budget``).
    ok, failed, not_sent : int
        Rows per review status (``selected = ok + failed``).
    changed : int
        Reviewed rows whose labels the reader changed.
    texts_sent : int
        Distinct texts among the selected rows (identical texts are asked once).
    from_cache : int
        Distinct texts answered from the cache.
    calls, retries : int
        HTTP requests made and retries among them.
    label_counts : dict of str to int
        Rows per final label (``other`` included).
    prompt_version, reader_model : str
    masked : bool
    seconds : float
    output : str
    exported : int
        Requests written by ``export_batch``.
    mode : {"live", "import", "export"}
        Asked the endpoint, read a Batch output file, or only wrote the requests.
    failures : dict of str to int
        Why rows failed (the first words of each error), for the summary.
    """

    rows: int = 0
    selected: int = 0
    ok: int = 0
    failed: int = 0
    not_sent: int = 0
    changed: int = 0
    texts_sent: int = 0
    from_cache: int = 0
    calls: int = 0
    retries: int = 0
    label_counts: dict[str, int] = field(default_factory=dict)
    prompt_version: str = ""
    reader_model: str = ""
    masked: bool = True
    seconds: float = 0.0
    output: str = ""
    exported: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    mode: str = "live"

    def lines(self) -> list[str]:
        """A short human summary."""
        if self.mode == "export":
            if not self.exported:
                return [f"nothing to send: the {self.from_cache} texts of the {self.selected} rows chosen (of "
                        f"{self.rows}) are all answered in the cache; {self.output} holds no request. Run again "
                        "without --export-batch to write the output"]
            return [f"{self.exported} requests for {self.selected} of {self.rows} rows written -> {self.output} "
                    f"(prompt {self.prompt_version}, {self.from_cache} texts already answered in the cache)"]
        out = [f"{self.rows} rows in {self.seconds:.1f} s -> {self.output}",
               f"  reviewed by {self.reader_model}: {self.selected} rows ({self.ok} ok, {self.failed} failed), "
               f"{self.changed} changed; {self.not_sent} rows not sent",
               f"  {self.texts_sent} distinct texts, {self.from_cache} from the cache, {self.calls} calls "
               f"({self.retries} retries); prompt {self.prompt_version}; personal data "
               + ("masked" if self.masked else "NOT masked")]
        for reason, n in sorted(self.failures.items(), key=lambda kv: -kv[1])[:5]:
            out.append(f"  failed: {n} x {reason}")
        return out


def review_file(
    input: str | os.PathLike,
    output: str | os.PathLike | None,
    *,
    reader_model: str,
    endpoint: str | None = None,
    model: Any = None,
    share: float | None = 0.3,
    budget: int | None = None,
    text_columns: Sequence[str] | None = None,
    fmt: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    guide: str | os.PathLike | None = None,
    api_key: str | None = None,
    allow_remote: bool = False,
    mask: bool = True,
    cache: bool | str | os.PathLike = True,
    concurrency: int = 4,
    timeout: float = 60.0,
    attempts: int = 6,
    retry_budget: int | None = None,
    backoff: float = 1.0,
    max_wait: float = 60.0,
    json_schema: bool = True,
    export_batch: str | os.PathLike | None = None,
    import_batch: str | os.PathLike | None = None,
    distill: str | os.PathLike | None = None,
    explore: float = 0.0,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> ReviewSummary:
    """Classify every row of a file and let a second reader decide the rows worth most.

    Parameters
    ----------
    input : path
        CSV/TSV/JSONL/xlsx, as for :func:`~kpkclassify.workflows.classify.classify_file`.
    output : path or "-", optional
        Every input row, in order, with classify's columns (the labels are the final decision)
        and ``reader_labels``, ``reader_reason``, ``decided_by``, ``review_status``; written
        atomically, with a sidecar ``OUTPUT.review.json`` (prompt version, reader model,
        counts). Not needed with ``export_batch``.
    reader_model : str
        The reader's model name on the endpoint (e.g. ``qwen2.5:7b-instruct``).
    endpoint : str, optional
        The API base (``http://localhost:11434/v1``); needed unless a batch is exported or imported.
    model : Classifier or path, optional
        The fast model; the bundled one by default.
    share : float, default=0.3
        The share of rows with text to send, the rows of highest :func:`review_gain`.
    budget : int, optional
        Send this many rows instead of ``share``.
    text_columns, fmt, delimiter, encoding
        As for ``classify_file``.
    guide : path, optional
        A label guide for the prompt; ours is bundled (needed for a model with labels of its own).
    api_key : str, optional
        Sent as a bearer token.
    allow_remote : bool, default=False
        Allow an endpoint that is not on this machine or a private network.
    mask : bool, default=True
        Mask e-mail addresses, @handles, phone numbers, NIK and plates in what is sent
        (:func:`kpkclassify.text.mask_personal`).
    cache : bool or path, default=True
        The answer cache: True for :func:`kpkclassify.reader.default_cache_path`, a path for
        another file, False for none.
    concurrency : int, default=4
        Requests in flight.
    timeout, attempts, backoff, max_wait, json_schema
        See :class:`kpkclassify.reader.ReaderClient`.
    retry_budget : int, optional
        Retries the whole run may spend; by default as many as there are texts to send (at least 10).
    export_batch : path, optional
        Write the requests of the texts not yet answered in the OpenAI Batch input format
        (JSON Lines) and stop: nothing is sent, no output is written.
    import_batch : path, optional
        Take the answers from a Batch output file instead of an endpoint; texts it does not
        answer are ``failed``.
    distill : path, optional
        Also write the rows the reader decided as a labelled CSV (``text``, ``labels``, and
        ``selection_weight`` with ``explore``) for ``kpkclassify adapt`` or ``train``.
    explore : float, default=0
        That share of the rows sent is drawn at random (``seed``) from the rows the gain did
        not choose, as ``suggest --explore`` does: in the distill file they carry the weight
        ``rest / drawn`` (the chosen rows 1; ``drawn`` counts the drawn rows the reader
        answered, as only those are written), which ``adapt`` reads, so that what it learns
        and measures there is not only the hard rows.
    progress : callable, optional
        Called as ``progress(texts_done, texts_to_send)`` while the reader works.

    Returns
    -------
    ReviewSummary

    Raises
    ------
    InputError
        Bad input, a remote endpoint without ``allow_remote``, an endpoint that refuses the
        run (wrong URL, key or model) or cannot be reached at all
        (:class:`kpkclassify.reader.ReaderError`), a file that is no review cache. Nothing is
        left at ``output``, ``distill`` or the sidecar (the three are committed together);
        answers received so far stay in the cache.

    Notes
    -----
    Unlike ``classify_file``, which streams, review holds every input row in memory (the
    selection ranks the whole file): about the file's size again, plus the model's
    probabilities. Split a file much larger than memory allows and review the parts.
    """
    from kpkclassify.io.tables import TableReader, atomic_output, check_output_name, check_outputs
    from kpkclassify.persist import resolve_model
    from kpkclassify.reader import answer_key, build_prompt, check_endpoint, text_hash

    started = time.perf_counter()
    input = str(input)
    _check_amount(share, budget)
    if not 0.0 <= explore <= 1.0:
        raise ValueError(f"--explore {explore}: give a share of the rows sent, from 0 to 1")
    if export_batch is None and output is None:
        raise ValueError("give an output file (-o), or --export-batch to only write the requests")
    if export_batch is not None and import_batch is not None:
        raise ValueError("--export-batch and --import-batch go in two separate runs")
    if export_batch is not None:
        outputs = [str(export_batch)]
    else:
        outputs = [str(output)] + ([str(distill)] if distill is not None else [])
        outputs += [str(output) + ".review.json"] if str(output) != "-" else []
    check_outputs([input, model, guide, import_batch], outputs)
    if cache is not False and cache is not None:
        from kpkclassify.io.tables import OutputTarget
        from kpkclassify.reader import default_cache_path

        cache_path = str(default_cache_path() if cache is True else cache)
        check_outputs([input, model, guide, import_batch], [OutputTarget(cache_path, "--cache")])
        check_outputs([cache_path], [OutputTarget(path, "--export-batch" if path == str(export_batch) else
                                                  "--distill" if path == str(distill) else "-o")
                                     for path in outputs])
    for path in outputs:
        check_output_name(path)
    if export_batch is None and import_batch is None:
        if not endpoint:
            raise ValueError("give the reader's --endpoint (or --export-batch / --import-batch)")
        endpoint = check_endpoint(endpoint, allow_remote)
    model_obj = resolve_model(model)
    labels = model_labels(model_obj)
    prompt = build_prompt(labels, guide)
    summary = ReviewSummary(prompt_version=prompt.version, reader_model=reader_model, masked=mask,
                            output=str(export_batch if export_batch is not None else output))

    # 1. read and classify every row
    batch = BatchSummary(labels=labels)
    with TableReader(input, fmt=fmt, delimiter=delimiter, encoding=encoding) as reader:
        kind, delim, columns, source_encoding = reader.kind, reader.delimiter or ",", list(reader.columns), reader.encoding
        rows: list[Any] = []
        texts: list[str] = []
        status: list[str] = []
        for chunk in _chunks(reader, list(text_columns) if text_columns else None, 2000, None, batch):
            rows += chunk.cells(delim) if chunk.rows is None else chunk.rows
            texts += chunk.texts
            status += chunk.status
    present = np.flatnonzero([s != STATUS_EMPTY for s in status])
    proba = np.zeros((len(present), len(labels)))
    for start in range(0, len(present), 2000):
        part = present[start:start + 2000]
        proba[start:start + len(part)] = model_obj.predict_proba([texts[i] for i in part])
    thresholds = np.asarray(model_obj.thresholds_)
    summary.rows = len(rows)

    # 2. choose the rows, and the texts to send (each distinct text once)
    # rounded up: a small file still sends a row (round() gave 0 of 1 row at share 0.5)
    n_send = budget if budget is not None else math.ceil(round((share or 0.0) * len(present), 9))
    n_send = min(n_send, len(present))
    n_random = int(round(explore * n_send))
    chosen = select_rows(review_gain(proba, thresholds), n_send - n_random)  # positions in `present`
    drawn: list[int] = []
    n_rest = 0
    if n_random:
        rest = np.setdiff1d(np.arange(len(present)), chosen)
        n_rest = len(rest)
        drawn = np.random.default_rng(seed).choice(rest, size=min(n_random, len(rest)), replace=False).tolist()
        chosen = np.sort(np.concatenate([chosen, np.asarray(drawn, dtype=chosen.dtype)]))
    summary.selected = len(chosen)
    from kpkclassify.text._mask import masker

    shown = masker(mask)
    digest_of: dict[int, str] = {}  # position in `present` -> hash of the text sent
    to_send: dict[str, str] = {}  # hash -> text sent
    for k in chosen.tolist():
        sent = shown(texts[present[k]])
        digest = text_hash(sent)
        digest_of[k] = digest
        to_send.setdefault(digest, sent)
    summary.texts_sent = len(to_send)

    # 3. answers: the cache, then a Batch output file or the endpoint
    answers: dict[str, tuple[tuple[str, ...], str]] = {}
    errors: dict[str, str] = {}
    store = _open_cache(cache)
    try:
        if store is not None:
            for digest in to_send:
                hit = store.get(answer_key(prompt.version, reader_model, digest))
                if hit is not None:
                    answers[digest] = hit
            summary.from_cache = len(answers)
        pending = {d: t for d, t in to_send.items() if d not in answers}

        def remember(digest: str, labels_: tuple[str, ...], reason: str) -> None:
            answers[digest] = (labels_, reason)
            if store is not None:
                store.put(answer_key(prompt.version, reader_model, digest), prompt_version=prompt.version,
                          reader_model=reader_model, text=to_send[digest], labels=labels_, reason=reason)

        if export_batch is not None:
            summary.mode = "export"
            summary.exported = _export_batch(str(export_batch), pending, prompt, reader_model, json_schema, input)
            summary.seconds = time.perf_counter() - started
            return summary
        if import_batch is not None:
            summary.mode = "import"
            _import_batch(str(import_batch), pending, prompt, remember, errors)
        else:
            _ask_reader(pending, prompt, remember, errors, summary, endpoint=str(endpoint), reader_model=reader_model,
                        api_key=api_key, concurrency=concurrency, timeout=timeout, attempts=attempts,
                        retry_budget=retry_budget, backoff=backoff, max_wait=max_wait, json_schema=json_schema,
                        progress=progress)
    finally:
        if store is not None:
            store.close()

    # 4. the final decision and the output rows
    from kpkclassify.labels import to_indicator

    model_hits = decide(proba, thresholds)
    final = model_hits.copy()
    review_status = [REVIEW_NOT_SENT] * len(present)
    reader_cells, reason_cells = [""] * len(present), [""] * len(present)
    for k, digest in digest_of.items():
        if digest in answers:
            got, reason = answers[digest]
            final[k] = to_indicator([got], labels)[0].astype(bool)
            review_status[k] = REVIEW_OK
            reader_cells[k], reason_cells[k] = "|".join(got) or OTHER, reason
        else:
            review_status[k] = REVIEW_FAILED
            error = errors.get(digest, "no answer")
            reason_cells[k] = error
            key = error.split(" (")[0][:60]
            summary.failures[key] = summary.failures.get(key, 0) + 1
    cells = _prediction_columns(proba, thresholds, None, labels)  # classify's cells; the labels replaced below
    cells[0], cells[1] = _label_cells(final, labels), top_label(proba, final, labels)
    counts = Counter({label: int(final[:, j].sum()) for j, label in enumerate(labels)})
    counts[OTHER] = int((~final.any(axis=1)).sum()) if len(final) else 0
    summary.label_counts = dict(counts)
    summary.ok = review_status.count(REVIEW_OK)
    summary.failed = review_status.count(REVIEW_FAILED)
    summary.not_sent = summary.rows - summary.ok - summary.failed
    summary.changed = int(sum(bool((final[k] != model_hits[k]).any()) for k in range(len(present))
                              if review_status[k] == REVIEW_OK))

    names = _names(columns, labels)
    out_encoding = "utf-8-sig" if source_encoding in ("utf-8-sig", "utf-16") else "utf-8"
    out_format = _Format(kind, delim, len(columns), names, False)
    blank = [""] * (len(cells))
    position = {int(i): k for k, i in enumerate(present.tolist())}
    # the drawn rows stand for the rest: each answered one weighs rest / (drawn rows answered)
    drawn_ok = [k for k in drawn if review_status[k] == REVIEW_OK]
    weight = {k: 1.0 for k in digest_of}
    weight.update(dict.fromkeys(drawn_ok, n_rest / max(1, len(drawn_ok))))
    # -o, --distill and the sidecar are committed together: each is written in full before any
    # is renamed into place, and -o (the outermost) last; a failure leaves none of them.
    with contextlib.ExitStack() as outputs_open:
        handle = outputs_open.enter_context(atomic_output(str(output), out_encoding, inputs=[input]))
        distill_handle = None if distill is None else outputs_open.enter_context(
            atomic_output(str(distill), "utf-8", inputs=[input], option="--distill"))
        sidecar_handle = None if str(output) == "-" else outputs_open.enter_context(
            atomic_output(str(output) + ".review.json", "utf-8", inputs=[input]))
        writer = _RowWriter(handle, out_format)
        writer.header(columns)
        for i, row in enumerate(rows):
            k = position.get(i)
            if k is None:
                values = blank + [status[i], "", "", DECIDED_BY_MODEL, REVIEW_NOT_SENT]
            else:
                values = [column[k] for column in cells] + [
                    status[i], reader_cells[k], reason_cells[k],
                    DECIDED_BY_READER if review_status[k] == REVIEW_OK else DECIDED_BY_MODEL, review_status[k]]
            writer.write(row, values)
        if distill_handle is not None:
            _write_distill(distill_handle, [(texts[present[k]], reader_cells[k], weight[k]) for k in sorted(digest_of)
                                            if review_status[k] == REVIEW_OK], weighted=n_random > 0)
        summary.seconds = time.perf_counter() - started
        if sidecar_handle is not None:
            _write_sidecar(sidecar_handle, summary, share, budget, endpoint, input, explore, seed)
    return summary


def _check_amount(share: float | None, budget: int | None) -> None:
    if budget is not None:
        if budget < 0:
            raise ValueError(f"--budget {budget}: give a number of rows, 0 or more")
    elif share is None or not 0.0 <= share <= 1.0:
        raise ValueError(f"--share {share}: give a share of rows between 0 and 1 (e.g. 0.3)")


def _names(columns: Sequence[str], labels: Sequence[str]) -> list[str]:
    """classify's column names and ours, all prefixed ``kpk_`` (again, until none clashes) when
    any would take the name of one of the input's columns: classify's rule."""
    names = [*prediction_columns(labels), *REVIEW_COLUMNS]
    taken = set(columns)
    while taken.intersection(names):
        names = [f"kpk_{n}" for n in names]
    return names


def _open_cache(cache: bool | str | os.PathLike) -> Any:
    from kpkclassify.reader import AnswerCache

    if cache is False or cache is None:
        return None
    return AnswerCache(None if cache is True else cache)


def _ask_reader(pending: dict[str, str], prompt: Any, remember: Callable, errors: dict[str, str],
                summary: ReviewSummary, *, endpoint: str, reader_model: str, api_key: str | None, concurrency: int,
                timeout: float, attempts: int, retry_budget: int | None, backoff: float, max_wait: float,
                json_schema: bool, progress: Callable[[int, int], None] | None) -> None:
    """Ask the reader about every pending text, ``concurrency`` at a time; each answer is
    stored (``remember``) by the thread that received it, as soon as it arrives."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from kpkclassify.reader import ReaderClient, RetryBudget, ReviewFailed

    if not pending:
        if progress is not None:
            progress(0, 0)
        return
    total = retry_budget if retry_budget is not None else max(10, len(pending))
    budget = RetryBudget(total)
    # 8 requests that all fail to connect mean nothing listens there; fewer when fewer can be made
    unreachable_after = max(1, min(8, len(pending) * max(1, attempts), len(pending) + total))
    client = ReaderClient(endpoint, reader_model, prompt, api_key=api_key, timeout=timeout, attempts=attempts,
                          retry_budget=budget, backoff=backoff, max_wait=max_wait, json_schema=json_schema,
                          unreachable_after=unreachable_after)

    def work(digest: str) -> None:
        answer = client.ask(pending[digest])
        remember(digest, answer.labels, answer.reason)

    done = 0
    if progress is not None:
        progress(0, len(pending))
    pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="kpk-reader")
    try:
        futures = {pool.submit(work, digest): digest for digest in pending}
        for future in as_completed(futures):
            try:
                future.result()
            except ReviewFailed as exc:
                errors[futures[future]] = str(exc)
            done += 1
            if progress is not None:
                progress(done, len(pending))
    except BaseException:  # a ReaderError, Ctrl-C: stop the others; the answers so far are in the cache
        client.stopped.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)
        client.close()  # the kept-alive connections of every worker thread
        summary.calls, summary.retries = client.calls, budget.used


def _custom_id(prompt_version: str, digest: str) -> str:
    return f"kpk-{prompt_version}-{digest[:32]}"


def _export_batch(path: str, pending: dict[str, str], prompt: Any, reader_model: str, json_schema: bool,
                  input: str) -> int:
    """Write one OpenAI Batch input line per pending text."""
    from kpkclassify.io.tables import atomic_output
    from kpkclassify.reader import request_body

    with atomic_output(path, "utf-8", inputs=[input], option="--export-batch") as handle:
        for digest, text in pending.items():
            line = {"custom_id": _custom_id(prompt.version, digest), "method": "POST", "url": "/v1/chat/completions",
                    "body": request_body(prompt, reader_model, text, json_schema=json_schema)}
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    return len(pending)


def _import_batch(path: str, pending: dict[str, str], prompt: Any, remember: Callable, errors: dict[str, str]) -> None:
    """Take the answers of a Batch output file (one JSON object per line: ``custom_id``,
    ``response.status_code``, ``response.body``, ``error``)."""
    from kpkclassify.reader import AnswerError, completion_content, parse_answer

    by_id = {_custom_id(prompt.version, digest): digest for digest in pending}
    try:
        handle = open(path, encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the batch results ({exc.strerror or exc})") from None
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                custom_id = record["custom_id"]
            except (ValueError, KeyError, TypeError):
                raise InputError(f"{path}: line {number}: not a Batch output record (a JSON object with a "
                                 "custom_id)") from None
            if not isinstance(custom_id, str) or not custom_id.startswith("kpk-"):
                raise InputError(f"{path}: line {number}: custom_id {custom_id!r} was not written by review")
            version = custom_id.split("-")[1] if custom_id.count("-") >= 2 else ""
            if version != prompt.version:
                raise InputError(f"{path}: line {number}: answers to prompt {version}, but this run's prompt is "
                                 f"{prompt.version} (another guide, label set or version): export the requests again")
            digest = by_id.get(custom_id)
            if digest is None:
                continue  # a text this run does not send (another share, or already in the cache)
            response = record.get("response") or {}
            status_code = response.get("status_code") if isinstance(response, dict) else None
            if record.get("error") or status_code != 200:
                error = record.get("error") or {}
                message = error.get("message") if isinstance(error, dict) else str(error)
                errors[digest] = f"batch error: {message or f'HTTP {status_code}'}"
                continue
            try:
                got, reason = parse_answer(completion_content(response.get("body")), prompt.labels)
            except AnswerError as exc:
                errors[digest] = f"unparsable answer: {exc}"
                continue
            remember(digest, got, reason)
            errors.pop(digest, None)


def _write_distill(handle: IO[str], rows: list[tuple[str, str, float]], weighted: bool) -> None:
    import csv

    writer = csv.writer(handle, lineterminator="\n")
    if weighted:  # the column adapt reads (suggest --explore writes the same)
        writer.writerow(["text", "labels", "selection_weight"])
        writer.writerows([(text, labels, f"{w:.6g}") for text, labels, w in rows])
    else:
        writer.writerow(["text", "labels"])
        writer.writerows([(text, labels) for text, labels, _ in rows])


def _write_sidecar(handle: IO[str], summary: ReviewSummary, share: float | None, budget: int | None,
                   endpoint: str | None, input: str, explore: float, seed: int) -> None:
    from kpkclassify.reader import shown_url

    document = {
        "input": input,
        "prompt_version": summary.prompt_version,
        "reader_model": summary.reader_model,
        "endpoint": None if endpoint is None else shown_url(endpoint),  # a query string may hold a key
        "selection": {"rule": "review_gain", "share": None if budget is not None else share, "budget": budget,
                      "explore": explore, "seed": seed,
                      "prevalence_power": PREVALENCE_POWER, "prevalence_floor": PREVALENCE_FLOOR,
                      "positive_shrink": POSITIVE_SHRINK},
        "masked": summary.masked,
        "counts": {k: v for k, v in asdict(summary).items()
                   if k in ("rows", "selected", "ok", "failed", "not_sent", "changed", "texts_sent", "from_cache",
                            "calls", "retries")},
        "label_counts": summary.label_counts,
        "failures": summary.failures,
        "seconds": round(summary.seconds, 3),
    }
    handle.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
