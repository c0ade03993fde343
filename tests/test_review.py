"""``kpkclassify review``: prompt and parsing, selection, the protocol against a local server
(faults included), the cache, masking, batch files, distillation, the command line."""

from __future__ import annotations

import json
import sqlite3
import time

import numpy as np
import pytest
from conftest import labelled_rows, read_csv, write_csv
from typer.testing import CliRunner

from kpkclassify.exceptions import InputError
from kpkclassify.labels import LABELS
from kpkclassify.reader import (
    AnswerError,
    ReaderError,
    build_prompt,
    bundled_guide,
    check_endpoint,
    is_local_endpoint,
    parse_answer,
)
from kpkclassify.reader.testing import Fault, ProtocolServer
from kpkclassify.workflows.review import REVIEW_COLUMNS, review_file, review_gain, select_rows

TRUTH = dict(labelled_rows())


def truthful(text: str) -> dict:
    """A simulated reader that knows the test corpus' labels (``other`` for anything else)."""
    labels = TRUTH.get(text, "other")
    return {"labels": [] if labels == "other" else labels.split("|"), "reason": "as labelled"}


@pytest.fixture()
def corpus(tmp_path):
    rows = [[str(i), text] for i, (text, _) in enumerate(labelled_rows())]
    rows.insert(3, ["empty", ""])
    return write_csv(tmp_path / "in.csv", ["id", "text"], rows)


@pytest.fixture()
def server():
    with ProtocolServer(truthful) as s:
        yield s


def run(src, out, server, fitted, tmp_path, **options):
    options.setdefault("cache", tmp_path / "cache.sqlite3")
    options.setdefault("backoff", 0.001)
    return review_file(src, out, reader_model="sim", endpoint=server.url, model=fitted, **options)


# -- prompt and answers -----------------------------------------------------------------
@pytest.mark.parametrize("content, expected", [
    ('{"labels": ["illegal_fee"], "reason": "asks for money"}', ("illegal_fee",)),
    ('```json\n{"labels": ["slow_service", "illegal_fee"], "reason": "x"}\n```', ("illegal_fee", "slow_service")),
    ('Here is my answer: {"labels": ["Illegal Fee"], "reason": "x"} Hope it helps.', ("illegal_fee",)),
    ('{"labels": ["slow-service", "kampanye"], "reason": "x"}'.replace("kampanye", "campaign"), ("slow_service", "campaign")),
    ('{"labels": ["ilegal_fee"], "reason": "typo"}', ("illegal_fee",)),
    ('{"labels": "illegal_fee|campaign", "reason": "a string"}', ("illegal_fee", "campaign")),
    ('{"labels": ["other"], "reason": "none"}', ()),
    ('{"labels": [], "reason": "none"}', ()),
    ('["campaign"]', ("campaign",)),
])
def test_answers_are_parsed_leniently(content, expected):
    labels, reason = parse_answer(content, LABELS)
    assert labels == expected


@pytest.mark.parametrize("content", ["", "Sure, it is about fees.", '{"reason": "no labels key"}',
                                     '{"labels": ["corruption"], "reason": "not one of ours"}', None, '{"labels": 3}'])
def test_what_is_not_an_answer_is_refused(content):
    with pytest.raises(AnswerError):
        parse_answer(content, LABELS)


def test_the_prompt_names_the_labels_and_carries_the_guide_and_a_version(tmp_path):
    prompt = build_prompt(LABELS)
    assert all(label in prompt.system for label in LABELS) and "uang pelicin" in prompt.system
    assert prompt.schema["properties"]["labels"]["items"]["enum"] == list(LABELS)
    assert build_prompt(LABELS).version == prompt.version and len(prompt.version) == 12
    guide = tmp_path / "guide.md"
    guide.write_text("nepotism: hiring relatives.\n", encoding="utf-8")
    other = build_prompt(("illegal_fee", "nepotism"), guide)
    assert other.version != prompt.version and "hiring relatives" in other.system
    with pytest.raises(InputError, match="--guide"):
        build_prompt(("illegal_fee", "nepotism"))
    assert "campaign" in bundled_guide()


def test_the_bundled_guide_quotes_no_evaluation_text():
    """The guide's examples come from our own corpus (datasets/), never from an evaluation file."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    ours = "\n".join((root / "datasets" / name).read_text(encoding="utf-8") for name in ("train.csv", "test.csv"))
    examples = [line.split('"')[1] for line in bundled_guide().splitlines() if line.startswith('- "')]
    assert len(examples) >= 5
    for example in examples:
        assert example in ours


# -- where texts may go -----------------------------------------------------------------
@pytest.mark.parametrize("url", ["http://127.0.0.1:11434/v1", "http://localhost:8000/v1", "http://10.1.2.3/v1",
                                 "http://192.168.1.20:8080/v1", "http://172.16.0.5/v1", "http://[::1]:8000/v1"])
def test_loopback_and_private_addresses_are_local(url):
    assert is_local_endpoint(url)
    assert check_endpoint(url + "/") == url


@pytest.mark.parametrize("url", ["http://93.184.216.34/v1", "https://8.8.8.8/v1"])
def test_a_remote_endpoint_needs_allow_remote(url):
    assert not is_local_endpoint(url)
    with pytest.raises(ReaderError, match="--allow-remote"):
        check_endpoint(url)
    assert check_endpoint(url, allow_remote=True) == url


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/v1", "localhost:8000", "http://user:secret@127.0.0.1/v1"])
def test_an_endpoint_that_is_no_http_url_is_refused(url):
    with pytest.raises(ReaderError):
        check_endpoint(url)


def test_a_remote_endpoint_is_refused_before_anything_is_read(tmp_path, fitted, corpus):
    with pytest.raises(InputError, match="--allow-remote"):
        review_file(corpus, tmp_path / "out.csv", reader_model="m", endpoint="http://93.184.216.34/v1", model=fitted)
    assert not (tmp_path / "out.csv").exists()


# -- selection ---------------------------------------------------------------------------
def test_gain_is_highest_on_a_threshold_and_weighs_rare_labels_more():
    t = np.array([0.5, 0.5, 0.5])
    proba = np.array([[0.5, 0.01, 0.01], [0.99, 0.01, 0.01], [0.01, 0.01, 0.01], [0.01, 0.01, 0.4]] + [[0.9, 0.01, 0.01]] * 20)
    gain = review_gain(proba, t)
    assert gain[0] > gain[1] and gain[0] > gain[2]
    # p_campaign = 0.4 is as unsure as 0.6 on illegal_fee would be, but campaign is rarer in the file
    flipped = proba.copy()
    flipped[3] = [0.6, 0.01, 0.01]
    assert gain[3] > review_gain(flipped, t)[3]
    assert review_gain(np.zeros((0, 3)), t).shape == (0,)


def test_a_label_given_counts_as_less_sure_than_one_withheld_at_the_same_margin():
    t = np.array([0.5, 0.5, 0.5])
    proba = np.array([[0.8, 0.01, 0.01], [0.2, 0.01, 0.01], [0.8, 0.01, 0.01], [0.2, 0.01, 0.01]])
    gain = review_gain(proba, t)
    assert gain[0] > gain[1]
    even = review_gain(proba, t, positive_shrink=1.0)
    assert even[0] == pytest.approx(even[1])


def test_select_rows_takes_the_highest_gains_in_input_order_and_never_an_empty_row():
    gain = np.array([0.1, 0.9, -np.inf, 0.5, 0.9])
    assert select_rows(gain, 2).tolist() == [1, 4]
    assert select_rows(gain, 10).tolist() == [0, 1, 3, 4]
    assert select_rows(gain, 0).tolist() == []


# -- the whole path against a local server ------------------------------------------------
def test_every_row_comes_out_in_order_with_classify_columns_and_the_review_columns(tmp_path, fitted, corpus, server):
    from kpkclassify.workflows.classify import classify_file

    summary = run(corpus, tmp_path / "out.csv", server, fitted, tmp_path, share=0.5)
    classify_file(corpus, tmp_path / "plain.csv", model=fitted)
    out, plain, src = read_csv(tmp_path / "out.csv"), read_csv(tmp_path / "plain.csv"), read_csv(corpus)
    assert out[0] == plain[0] + list(REVIEW_COLUMNS)
    assert [row[:2] for row in out] == src  # nothing lost or reordered
    n_present = len(src) - 2
    assert summary.rows == len(src) - 1 and summary.selected == round(0.5 * n_present) == summary.ok
    head = out[0]
    col = {name: head.index(name) for name in head}
    for row, model_row in zip(out[1:], plain[1:]):
        status = row[col["review_status"]]
        assert row[col["p_illegal_fee"]:col["status"] + 1] == model_row[col["p_illegal_fee"]:col["status"] + 1]
        if status == "ok":
            assert row[col["decided_by"]] == "reviewer"
            assert row[col["labels"]] == row[col["reader_labels"]] == (TRUTH[row[1]])
            assert row[col["reader_reason"]] == "as labelled"
        else:
            assert status == "not_sent" and row[col["decided_by"]] == "model"
            assert row[:col["status"] + 1] == model_row  # the model's decision, as classify writes it
    empty = next(row for row in out if row[0] == "empty")
    assert empty[col["status"]] == "empty_text" and empty[col["review_status"]] == "not_sent"
    sidecar = json.loads((tmp_path / "out.csv.review.json").read_text(encoding="utf-8"))
    assert sidecar["prompt_version"] == build_prompt(LABELS).version and sidecar["reader_model"] == "sim"
    assert sidecar["counts"]["ok"] == summary.ok and sidecar["counts"]["not_sent"] == summary.not_sent
    assert server.bodies[-1]["response_format"]["type"] == "json_schema"
    assert server.bodies[-1]["messages"][0]["role"] == "system"


def test_budget_sends_that_many_rows_and_identical_texts_are_asked_once(tmp_path, fitted, server):
    src = write_csv(tmp_path / "in.csv", ["text"], [["ktp belum jadi tiga bulan"]] * 5 + [["harga cabai naik"]])
    summary = run(src, tmp_path / "out.csv", server, fitted, tmp_path, budget=5)
    assert summary.selected == 5 and summary.texts_sent == 1 + (summary.selected - 5 > 0) and server.calls == 1
    assert sum(row[-1] == "ok" for row in read_csv(tmp_path / "out.csv")[1:]) == 5


def test_a_share_outside_zero_to_one_is_refused(tmp_path, fitted, corpus, server):
    with pytest.raises(ValueError, match="--share"):
        run(corpus, tmp_path / "out.csv", server, fitted, tmp_path, share=1.5)


def test_transient_failures_are_retried_until_every_row_is_reviewed(tmp_path, fitted, corpus):
    kinds = ["500", "429", "garbage", "slow", "drop"]
    seen: set[str] = set()

    def faults(number, text, body):
        if text not in seen:  # every text's first call fails, each kind in turn
            seen.add(text)
            return Fault(kinds[len(seen) % len(kinds)], seconds=0.5, retry_after=0.05)
        return None

    with ProtocolServer(truthful, faults=faults) as server:
        summary = run(corpus, tmp_path / "out.csv", server, fitted, tmp_path, share=1.0, timeout=0.2, concurrency=4)
    assert summary.ok == summary.selected == len(labelled_rows()) and summary.failed == 0
    assert server.calls >= 2 * summary.selected  # every first call failed, yet no row did
    assert all(row[-1] == "ok" for row in read_csv(tmp_path / "out.csv")[1:] if row[0] != "empty")


def test_retry_after_is_honoured(tmp_path, fitted):
    calls: list[float] = []

    def faults(number, text, body):
        calls.append(time.perf_counter())
        return Fault("429", retry_after=0.3) if number == 1 else None

    src = write_csv(tmp_path / "in.csv", ["text"], [["ktp belum jadi tiga bulan"]])
    with ProtocolServer(truthful, faults=faults) as server:
        summary = run(src, tmp_path / "out.csv", server, fitted, tmp_path, share=1.0)
    assert summary.ok == 1 and len(calls) == 2 and calls[1] - calls[0] >= 0.29


def test_a_server_refusing_the_json_schema_is_asked_without_it(tmp_path, fitted, corpus):
    with ProtocolServer(truthful, schema=False) as server:
        summary = run(corpus, tmp_path / "out.csv", server, fitted, tmp_path, share=1.0, concurrency=1)
    assert summary.ok == summary.selected and summary.failed == 0
    assert "response_format" not in server.bodies[-1]
    assert server.calls == summary.selected + 1  # one refusal, then never asked again


def test_rows_whose_review_failed_keep_the_model_labels_and_the_budget_bounds_the_calls(tmp_path, fitted, corpus):
    from kpkclassify.workflows.classify import classify_file

    with ProtocolServer(truthful, faults=lambda n, text, body: Fault("500")) as server:
        summary = run(corpus, tmp_path / "out.csv", server, fitted, tmp_path, share=1.0, attempts=50, retry_budget=7)
    n = summary.selected
    assert summary.failed == n and summary.ok == 0 and server.calls == n + 7 and summary.retries == 7
    assert summary.failures and "HTTP 500" in next(iter(summary.failures))
    classify_file(corpus, tmp_path / "plain.csv", model=fitted)
    out, plain = read_csv(tmp_path / "out.csv"), read_csv(tmp_path / "plain.csv")
    for row, model_row in zip(out[1:], plain[1:]):
        assert row[:len(model_row)] == model_row
        if row[0] != "empty":
            assert row[-2:] == ["model", "failed"] and "HTTP 500" in row[-3]
    assert json.loads((tmp_path / "out.csv.review.json").read_text())["counts"]["failed"] == n


def test_an_endpoint_that_refuses_the_key_stops_the_run_and_writes_nothing(tmp_path, fitted, corpus):
    class Refusing(ProtocolServer):
        def _handle(self, handler):
            handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
            from kpkclassify.reader.testing import _send

            _send(handler, 401, {"error": {"message": "invalid api key"}})

    with Refusing(truthful) as server:
        with pytest.raises(ReaderError, match="401.*api-key-env"):
            run(corpus, tmp_path / "out.csv", server, fitted, tmp_path, share=1.0)
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "out.csv.review.json").exists()


def test_a_request_the_server_refuses_fails_that_row_alone_without_retries(tmp_path, fitted, corpus):
    def faults(number, text, body):
        return Fault("400") if "harga cabai" in text else None

    with ProtocolServer(truthful, faults=faults) as server:
        summary = run(corpus, tmp_path / "out.csv", server, fitted, tmp_path, share=1.0)
    assert summary.failed == 1 and summary.ok == summary.selected - 1 and summary.retries == 0
    assert server.calls == summary.selected
    assert list(summary.failures) == ["HTTP 400 Bad Request: context length exceeded"]


def test_the_cache_answers_a_second_run_and_stores_only_masked_text(tmp_path, fitted, server):
    text = "sudah dua bulan ktp belum jadi, hubungi 0812-3456-7890 atau @budi_s"
    src = write_csv(tmp_path / "in.csv", ["text"], [[text], ["harga cabai naik lagi minggu ini"]])
    first = run(src, tmp_path / "a.csv", server, fitted, tmp_path, share=1.0)
    assert first.calls == 2 and first.from_cache == 0
    second = run(src, tmp_path / "b.csv", server, fitted, tmp_path, share=1.0)
    assert second.calls == 0 and second.from_cache == 2 and server.calls == 2
    assert read_csv(tmp_path / "a.csv") == read_csv(tmp_path / "b.csv")
    other_model = review_file(src, tmp_path / "c.csv", reader_model="another", endpoint=server.url, model=fitted,
                              share=1.0, cache=tmp_path / "cache.sqlite3")
    assert other_model.calls == 2  # the reader model is part of the key
    run(src, tmp_path / "d.csv", server, fitted, tmp_path, share=1.0, cache=False)
    assert server.calls == 6
    stored = sqlite3.connect(tmp_path / "cache.sqlite3").execute("SELECT text FROM answers").fetchall()
    assert stored and all("0812" not in t and "@budi_s" not in t for (t,) in stored)


def test_personal_data_is_masked_before_sending_unless_turned_off(tmp_path, fitted, server):
    text = ("saya @budi_s (budi.s@mail.co.id, WA 0812-3456-7890, NIK 3201012345678901) "
            "ditilang mobil B 1234 XYZ lalu diminta uang damai 200rb")
    src = write_csv(tmp_path / "in.csv", ["text"], [[text]])
    run(src, tmp_path / "a.csv", server, fitted, tmp_path, share=1.0)
    sent = server.bodies[-1]["messages"][1]["content"]
    for secret in ("@budi_s", "budi.s@mail", "0812", "3201012345678901", "B 1234 XYZ"):
        assert secret not in sent
    assert sent.count("[") >= 4 and "uang damai" in sent
    assert read_csv(tmp_path / "a.csv")[1][0] == text  # the output keeps the row as it was
    run(src, tmp_path / "b.csv", server, fitted, tmp_path, share=1.0, mask=False)
    assert server.bodies[-1]["messages"][1]["content"] == text


def test_the_api_key_goes_in_the_authorization_header(tmp_path, fitted, corpus, server):
    run(corpus, tmp_path / "out.csv", server, fitted, tmp_path, budget=1, api_key="sk-local")
    assert server.authorization == "Bearer sk-local"


def test_jsonl_records_keep_their_keys_and_get_the_review_keys(tmp_path, fitted, server):
    src = tmp_path / "in.jsonl"
    records = [{"text": t, "n": i} for i, (t, _) in enumerate(labelled_rows()[:6])]
    src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    run(src, tmp_path / "out.jsonl", server, fitted, tmp_path, share=1.0)
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["n"] for r in out] == list(range(6))
    assert all(r["review_status"] == "ok" and r["decided_by"] == "reviewer" and "uncertainty" in r for r in out)


# -- batch files and distillation ------------------------------------------------------------
def test_export_then_import_a_batch_gives_the_output_of_a_live_run(tmp_path, fitted, corpus, server):
    requests = tmp_path / "requests.jsonl"
    exported = review_file(corpus, None, reader_model="sim", model=fitted, share=0.5, export_batch=requests,
                           cache=False)
    lines = [json.loads(line) for line in requests.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == exported.exported == exported.texts_sent
    assert all(line["method"] == "POST" and line["url"] == "/v1/chat/completions" and line["body"]["model"] == "sim"
               for line in lines)
    assert len({line["custom_id"] for line in lines}) == len(lines)
    results = tmp_path / "results.jsonl"
    with open(results, "w", encoding="utf-8") as handle:
        for k, line in enumerate(reversed(lines)):  # a batch's results come in any order
            content = json.dumps(truthful(line["body"]["messages"][1]["content"]))
            handle.write(json.dumps({"id": f"batch_req_{k}", "custom_id": line["custom_id"], "error": None,
                                     "response": {"status_code": 200, "request_id": str(k), "body": {
                                         "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}}})
                         + "\n")
    imported = review_file(corpus, tmp_path / "imported.csv", reader_model="sim", model=fitted, share=0.5,
                           import_batch=results, cache=False)
    live = run(corpus, tmp_path / "live.csv", server, fitted, tmp_path, share=0.5, cache=False)
    assert imported.ok == live.ok == exported.selected
    assert read_csv(tmp_path / "imported.csv") == read_csv(tmp_path / "live.csv")


def test_a_batch_answering_another_prompt_is_refused(tmp_path, fitted, corpus):
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps({"custom_id": "kpk-000000000000-abc", "response": {"status_code": 200}}) + "\n")
    with pytest.raises(InputError, match="line 1: answers to prompt 000000000000"):
        review_file(corpus, tmp_path / "out.csv", reader_model="sim", model=fitted, import_batch=results, cache=False)
    results.write_text("not json\n")
    with pytest.raises(InputError, match="line 1: not a Batch output record"):
        review_file(corpus, tmp_path / "out.csv", reader_model="sim", model=fitted, import_batch=results, cache=False)
    assert not (tmp_path / "out.csv").exists()


def test_distill_writes_the_reader_decided_rows_in_the_labelled_format(tmp_path, fitted, corpus, server):
    from kpkclassify.io.labelled import read_labelled

    summary = run(corpus, tmp_path / "out.csv", server, fitted, tmp_path, share=0.5, distill=tmp_path / "distill.csv")
    table = read_csv(tmp_path / "distill.csv")
    assert table[0] == ["text", "labels"] and len(table) - 1 == summary.ok
    assert all(TRUTH[text] == labels for text, labels in table[1:])
    assert len(read_labelled(tmp_path / "distill.csv").texts) == summary.ok


def test_explore_draws_part_of_the_rows_at_random_and_weights_them_in_the_distill_file(tmp_path, fitted, corpus, server):
    from kpkclassify.io.labelled import read_labelled

    summary = run(corpus, tmp_path / "out.csv", server, fitted, tmp_path, budget=20, explore=0.25,
                  distill=tmp_path / "distill.csv")
    table = read_csv(tmp_path / "distill.csv")
    assert table[0] == ["text", "labels", "selection_weight"] and len(table) - 1 == summary.ok == 20
    weights = sorted(float(row[2]) for row in table[1:])
    rest = len(labelled_rows()) - 15  # rows with text the gain did not choose
    assert weights == [1.0] * 15 + [pytest.approx(rest / 5, rel=1e-5)] * 5
    assert len(read_labelled(tmp_path / "distill.csv").texts) == 20
    with pytest.raises(ValueError, match="--explore"):
        run(corpus, tmp_path / "out.csv", server, fitted, tmp_path, explore=2.0)


# -- classify's uncertainty column ----------------------------------------------------------
def test_classify_writes_the_uncertainty_suggest_uses(tmp_path, fitted, corpus):
    from kpkclassify.workflows.classify import classify_file
    from kpkclassify.workflows.suggest import uncertainty

    classify_file(corpus, tmp_path / "plain.csv", model=fitted)
    table = read_csv(tmp_path / "plain.csv")
    col = table[0].index("uncertainty")
    rows = [row for row in table[1:] if row[1]]
    expected = uncertainty(fitted.predict_proba([row[1] for row in rows]), fitted.thresholds_)
    assert [float(row[col]) for row in rows] == pytest.approx(expected.tolist(), abs=1e-4)
    assert next(row for row in table[1:] if not row[1])[col] == ""


# -- the command line ---------------------------------------------------------------------
def test_cli_review(tmp_path, model_path, corpus, server, monkeypatch):
    from kpkclassify.cli import app

    monkeypatch.setenv("KPKCLASSIFY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("READER_KEY", "sk-test")
    runner = CliRunner()
    args = ["review", str(corpus), "-o", str(tmp_path / "out.csv"), "--endpoint", server.url, "--reader-model", "sim",
            "-m", str(model_path), "--share", "0.4", "--api-key-env", "READER_KEY"]
    result = runner.invoke(app, args + ["--json", "-q"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["ok"] == document["selected"] > 0 and document["calls"] == document["selected"]
    assert server.authorization == "Bearer sk-test"
    assert (tmp_path / "cache" / "review-answers.sqlite3").exists()
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "from the cache" in again.output and "reviewed" in again.output
    uncached = runner.invoke(app, args + ["--no-cache"])
    assert uncached.exit_code == 0 and "rows/s, ETA" in uncached.output  # progress on stderr
    assert server.calls == 2 * document["selected"]
    cleared = runner.invoke(app, ["review", "--clear-cache"])
    assert cleared.exit_code == 0 and f"{document['selected']} cached answers removed" in cleared.output
    missing = runner.invoke(app, args[:-2] + ["--api-key-env", "NO_SUCH_VARIABLE_SET"])
    assert missing.exit_code == 2 and "NO_SUCH_VARIABLE_SET" in missing.output
    remote = runner.invoke(app, ["review", str(corpus), "-o", str(tmp_path / "r.csv"), "--reader-model", "m",
                                 "--endpoint", "http://93.184.216.34/v1"])
    assert remote.exit_code == 1 and "--allow-remote" in remote.output and not (tmp_path / "r.csv").exists()


def test_tsv_in_tsv_out(tmp_path, fitted, server):
    src = write_csv(tmp_path / "in.tsv", ["no", "isi"], [[str(i), t] for i, (t, _) in enumerate(labelled_rows()[:8])],
                    delimiter="\t")
    summary = run(src, tmp_path / "out.tsv", server, fitted, tmp_path, share=0.5)
    table = read_csv(tmp_path / "out.tsv", delimiter="\t")
    assert table[0][:3] == ["no", "isi", "labels"] and table[0][-4:] == list(REVIEW_COLUMNS)
    assert len(table) == 9 and summary.ok == 4


# -- issue 16 review: regression tests -------------------------------------------------------
def _free_port() -> int:
    import socket

    with socket.socket() as probe:  # bound, then closed: nothing listens there afterwards
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_endpoint_where_nothing_listens_stops_the_run_with_one_line_and_writes_nothing(tmp_path, fitted, corpus):
    endpoint = f"http://127.0.0.1:{_free_port()}/v1?api-key=secret-in-query"
    started = time.perf_counter()
    with pytest.raises(ReaderError, match=r"cannot reach http://127\.0\.0\.1:\d+/v1/chat/completions: .*"
                                          r"is the server running\?") as caught:
        review_file(corpus, tmp_path / "out.csv", reader_model="sim", endpoint=endpoint, model=fitted, share=1.0,
                    cache=tmp_path / "cache.sqlite3", backoff=0.001, attempts=50)
    assert "\n" not in str(caught.value) and "secret" not in str(caught.value)
    assert time.perf_counter() - started < 20  # not every text's retries
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "out.csv.review.json").exists()
    one = write_csv(tmp_path / "one.csv", ["text"], [["ktp belum jadi tiga bulan"]])
    with pytest.raises(ReaderError, match="is the server running"):  # all 3 requests one text may make
        review_file(one, tmp_path / "out.csv", reader_model="sim", endpoint=endpoint, model=fitted, share=1.0,
                    cache=False, backoff=0.001, attempts=3)
    assert not (tmp_path / "out.csv").exists()


def test_cli_exits_non_zero_on_a_dead_endpoint_and_when_every_review_failed(tmp_path, model_path, corpus):
    from kpkclassify.cli import app

    runner = CliRunner()
    base = ["review", str(corpus), "--reader-model", "sim", "-m", str(model_path), "--share", "1", "--no-cache",
            "--backoff", "0.001", "-q"]
    dead = runner.invoke(app, base + ["-o", str(tmp_path / "dead.csv"), "--endpoint",
                                      f"http://127.0.0.1:{_free_port()}/v1"])
    assert dead.exit_code == 1 and "is the server running?" in dead.output and "Traceback" not in dead.output
    assert not (tmp_path / "dead.csv").exists()
    with ProtocolServer(truthful, faults=lambda n, text, body: Fault("500")) as server:
        failing = runner.invoke(app, base + ["-o", str(tmp_path / "out.csv"), "--endpoint", server.url,
                                             "--attempts", "2"])
    assert failing.exit_code == 1 and "no row was reviewed" in failing.output and "HTTP 500" in failing.output
    assert len(failing.output.strip().splitlines()) == 1
    assert all(row[-1] == "failed" for row in read_csv(tmp_path / "out.csv")[1:] if row[0] != "empty")


def test_a_corrupt_cache_a_folder_as_cache_and_a_full_disk_are_one_line_errors(tmp_path, fitted, corpus, server):
    from kpkclassify.reader import AnswerCache

    corrupt = tmp_path / "corrupt.sqlite3"
    corrupt.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    for bad in (corrupt, tmp_path):
        with pytest.raises(InputError, match="not a review cache .*--clear-cache or another --cache") as caught:
            run(corpus, tmp_path / "out.csv", server, fitted, tmp_path, cache=bad)
        assert str(bad) in str(caught.value) and "\n" not in str(caught.value)
    assert not (tmp_path / "out.csv").exists()
    with AnswerCache(tmp_path / "small.sqlite3") as store:
        store._db.execute("PRAGMA max_page_count = 8")  # what a full disk looks like to SQLite
        with pytest.raises(InputError, match="small.sqlite3: cannot store an answer .*full"):
            for i in range(100):
                store.put(f"k{i}", prompt_version="v", reader_model="m", text="x" * 4000, labels=(), reason="r")


def test_the_cache_may_be_neither_the_input_nor_an_output(tmp_path, fitted, corpus, server):
    with pytest.raises(InputError, match="may not overwrite"):
        run(corpus, tmp_path / "out.csv", server, fitted, tmp_path, cache=corpus)
    with pytest.raises(InputError, match="may not overwrite"):
        run(corpus, tmp_path / "out.csv", server, fitted, tmp_path, cache=tmp_path / "out.csv")
    with pytest.raises(InputError, match="may not overwrite"):
        run(corpus, tmp_path / "out.csv", server, fitted, tmp_path, distill=tmp_path / "cache.sqlite3")
    assert server.calls == 0


def test_clear_cache_removes_a_broken_cache_file_but_no_other_file(tmp_path):
    from kpkclassify.cli import app

    runner = CliRunner()
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    cleared = runner.invoke(app, ["review", "--clear-cache", "--cache", str(broken)])
    assert cleared.exit_code == 0 and "broken cache" in cleared.output and not broken.exists()
    notes = tmp_path / "notes.txt"
    notes.write_text("not a cache at all\n", encoding="utf-8")
    refused = runner.invoke(app, ["review", "--clear-cache", "--cache", str(notes)])
    assert refused.exit_code == 1 and "not a review cache" in refused.output and notes.exists()


@pytest.mark.parametrize("which", ["distill", "sidecar"])
def test_output_distill_and_sidecar_are_committed_together_or_not_at_all(tmp_path, fitted, corpus, server, which):
    out = tmp_path / "out.csv"
    if which == "sidecar":
        (tmp_path / "out.csv.review.json").mkdir()  # the sidecar cannot be written
        distill = tmp_path / "distill.csv"
    else:
        distill = tmp_path / "missing" / "distill.csv"  # in a folder that does not exist
    with pytest.raises(InputError):
        run(corpus, out, server, fitted, tmp_path, share=0.5, distill=distill)
    assert not out.exists() and not distill.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_export_batch_with_every_text_cached_says_so_and_sends_nothing(tmp_path, fitted, corpus, server):
    run(corpus, tmp_path / "out.csv", server, fitted, tmp_path, share=0.5)
    calls = server.calls
    summary = review_file(corpus, None, reader_model="sim", model=fitted, share=0.5, cache=tmp_path / "cache.sqlite3",
                          export_batch=tmp_path / "requests.jsonl")
    assert summary.mode == "export" and summary.exported == 0 and summary.from_cache == summary.texts_sent > 0
    assert (tmp_path / "requests.jsonl").read_text() == "" and server.calls == calls
    (line,) = summary.lines()
    assert line.startswith("nothing to send") and "without --export-batch" in line and "reviewed by" not in line


@pytest.mark.parametrize("n_rows, share, expected", [(1, 0.3, 1), (1, 0.5, 1), (2, 0.5, 1), (3, 0.5, 2),
                                                     (10, 0.3, 3), (10, 0.0, 0), (7, 1.0, 7)])
def test_share_rounds_up_so_a_small_file_still_sends_a_row(tmp_path, fitted, server, n_rows, share, expected):
    texts = [t for t, _ in labelled_rows()][:n_rows]
    src = write_csv(tmp_path / "in.csv", ["text"], [[t] for t in texts])
    assert run(src, tmp_path / "out.csv", server, fitted, tmp_path, share=share).selected == expected


def test_explore_weights_divide_by_the_drawn_rows_that_were_answered(tmp_path, fitted, corpus, server):
    options = dict(budget=20, explore=0.25, distill=tmp_path / "d.csv", cache=False)
    run(corpus, tmp_path / "out.csv", server, fitted, tmp_path, **options)
    drawn = [row[0] for row in read_csv(tmp_path / "d.csv")[1:] if float(row[2]) != 1.0]
    assert len(drawn) == 5
    failing = set(drawn[:2])
    with ProtocolServer(truthful, faults=lambda n, text, body: Fault("400") if text in failing else None) as refusing:
        summary = run(corpus, tmp_path / "out2.csv", refusing, fitted, tmp_path, **options)
    assert summary.ok == 18 and summary.failed == 2
    rest = len(labelled_rows()) - 15
    weights = sorted(float(row[2]) for row in read_csv(tmp_path / "d.csv")[1:])
    assert weights == [1.0] * 15 + [pytest.approx(rest / 3, rel=1e-5)] * 3


def test_the_client_closes_every_kept_alive_connection(tmp_path, fitted, corpus, server):
    import gc
    import threading
    import warnings

    from kpkclassify.reader import ReaderClient

    client = ReaderClient(server.url, "sim", build_prompt(LABELS))
    threads = [threading.Thread(target=client.ask, args=(text,)) for text, _ in labelled_rows()[:4]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    connections = list(client._connections)
    assert connections and all(c.sock is not None for c in connections)  # kept alive by the worker threads
    client.close()
    assert all(c.sock is None for c in connections) and not client._connections
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        run(corpus, tmp_path / "out.csv", server, fitted, tmp_path, share=1.0, concurrency=4, cache=False)
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning) and "socket" in str(w.message)]


def test_a_refusal_mentioning_a_schema_about_one_text_keeps_the_json_schema_for_the_others(tmp_path, fitted, corpus):
    from kpkclassify.reader.testing import _send

    class OneRefusal(ProtocolServer):
        def _handle(self, handler):
            if self.calls == 0:  # the first request: refused, naming a schema but not the response format
                self.calls += 1
                handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
                return _send(handler, 400, {"error": {"message": "the input does not match the tool schema"}})
            return super()._handle(handler)

    with OneRefusal(truthful) as server:
        summary = run(corpus, tmp_path / "out.csv", server, fitted, tmp_path, share=1.0, concurrency=1)
    assert summary.failed == 1 and summary.ok == summary.selected - 1
    assert all("response_format" in body for body in server.bodies)  # the schema was kept for the others
    assert "does not match the tool" in next(iter(summary.failures))


def test_a_dropped_kept_alive_connection_counts_as_an_attempt_and_a_retry(tmp_path, fitted):
    texts = [t for t, _ in labelled_rows()][:3]
    src = write_csv(tmp_path / "in.csv", ["text"], [[t] for t in texts])
    with ProtocolServer(truthful, faults=lambda n, text, body: Fault("drop") if n == 2 else None) as server:
        summary = run(src, tmp_path / "out.csv", server, fitted, tmp_path, share=1.0, concurrency=1)
        assert summary.ok == 3 and summary.calls == server.calls == 4 and summary.retries == 1
    with ProtocolServer(truthful, faults=lambda n, text, body: Fault("drop") if n == 2 else None) as server:
        summary = run(src, tmp_path / "out2.csv", server, fitted, tmp_path, share=1.0, concurrency=1,
                      retry_budget=0, cache=False)
    assert summary.ok == 2 and summary.failed == 1 and "retry budget spent" in read_csv(tmp_path / "out2.csv")[1:][
        [row[-1] for row in read_csv(tmp_path / "out2.csv")[1:]].index("failed")][-3]


def test_the_endpoint_query_string_is_sent_but_never_written(tmp_path, fitted, corpus, server):
    summary = review_file(corpus, tmp_path / "out.csv", reader_model="sim", endpoint=server.url + "?api-key=s3cret",
                          model=fitted, share=0.3, cache=False)
    assert summary.ok > 0 and server.paths[-1] == "/v1/chat/completions?api-key=s3cret"
    sidecar = (tmp_path / "out.csv.review.json").read_text()
    assert "s3cret" not in sidecar and json.loads(sidecar)["endpoint"] == server.url


def test_the_default_retry_budget_is_one_per_text_at_least_ten_as_the_readme_says(tmp_path, fitted, corpus):
    from pathlib import Path

    readme = " ".join((Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8").split())
    assert "one retry per text to send, at least 10" in readme
    texts = [t for t, _ in labelled_rows()][:3]
    src = write_csv(tmp_path / "few.csv", ["text"], [[t] for t in texts])
    with ProtocolServer(truthful, faults=lambda n, text, body: Fault("500")) as server:
        few = run(src, tmp_path / "out.csv", server, fitted, tmp_path, share=1.0, attempts=100)
    assert few.retries == 10 and server.calls == 3 + 10
    with ProtocolServer(truthful, faults=lambda n, text, body: Fault("500")) as server:
        many = run(corpus, tmp_path / "out2.csv", server, fitted, tmp_path, share=1.0, attempts=100)
    assert many.retries == many.texts_sent > 10
