"""End-to-end CLI tests on small files."""

import json
import subprocess
import sys

import pytest
from conftest import read_csv, write_csv
from typer.testing import CliRunner

from kpkclassify import __version__
from kpkclassify.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_version_and_help():
    assert __version__ in invoke("--version").output
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("classify", "predict", "train", "evaluate", "info", "preprocess"):
        assert command in result.output


def test_classify_keeps_rows_and_adds_columns(model_path, tmp_path):
    src = write_csv(tmp_path / "in.csv", ["id", "text"], [["1", "petugas minta uang 100rb"], ["2", "jalan rusak"]])
    result = invoke("classify", src, "-o", tmp_path / "out.csv", "--model", model_path)
    assert result.exit_code == 0, result.output
    out = read_csv(tmp_path / "out.csv")
    assert out[0][:4] == ["id", "text", "labels", "label"]
    assert [r[:2] for r in out[1:]] == [["1", "petugas minta uang 100rb"], ["2", "jalan rusak"]]
    assert "2 rows classified" in result.output


def test_classify_explain_adds_evidence(model_path, tmp_path):
    src = write_csv(tmp_path / "in.csv", ["text"], [["petugas minta uang 100rb biar cepat"]])
    assert invoke("classify", src, "-o", tmp_path / "out.csv", "-m", model_path, "--explain", "-q").exit_code == 0
    out = read_csv(tmp_path / "out.csv")
    assert out[0][-1] == "evidence" and out[1][-1].startswith("illegal_fee:")


def test_missing_input_is_one_line_and_exit_1(tmp_path, model_path):
    result = invoke("classify", tmp_path / "nope.csv", "-o", tmp_path / "out.csv", "-m", model_path)
    assert result.exit_code == 1
    assert "nope.csv: no such file" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_bad_text_column_is_exit_1(tmp_path, model_path):
    src = write_csv(tmp_path / "in.csv", ["isi"], [["x"]])
    result = invoke("classify", src, "-o", tmp_path / "out.csv", "-m", model_path, "--text-column", "teks")
    assert result.exit_code == 1 and "columns are: isi" in result.output


def test_usage_error_is_exit_2():
    assert invoke("classify").exit_code == 2


def test_predict_json(model_path):
    result = invoke("predict", "--json", "-m", model_path, "ktp belum jadi tiga bulan")
    record = json.loads(result.output)
    assert record["labels"] == ["slow_service"] and set(record["scores"]) == {"illegal_fee", "slow_service", "campaign"}


def test_train_evaluate_info_round_trip(labelled_csv, tmp_path):
    model = tmp_path / "m.skops"
    result = invoke("train", labelled_csv, "-o", model, "--cv", "3", "-q")
    assert result.exit_code == 0, result.output
    result = invoke("evaluate", labelled_csv, "-m", model)
    assert result.exit_code == 0 and "| illegal_fee |" in result.output
    metrics = json.loads(invoke("evaluate", labelled_csv, "-m", model, "--json").output)
    assert metrics["metrics"]["macro"]["f1"] > 0.5
    card = json.loads(invoke("info", "-m", model).output)
    assert card["training_data"]["rows"] == 51 and len(card["training_data"]["sha256"]) == 64


def test_train_refuses_unknown_labels(tmp_path):
    src = write_csv(tmp_path / "bad.csv", ["text", "labels"], [["a", "pungli"]])
    result = invoke("train", src, "-o", tmp_path / "m.skops")
    assert result.exit_code == 1 and "bad.csv:2: unknown label 'pungli'" in result.output
    assert not (tmp_path / "m.skops").exists()


def test_preprocess_adds_tokens_column(tmp_path):
    src = write_csv(tmp_path / "in.csv", ["text"], [["Udh 3 bln ngurus KTP"]])
    assert invoke("preprocess", src, "-o", tmp_path / "out.csv").exit_code == 0
    assert read_csv(tmp_path / "out.csv")[1] == ["Udh 3 bln ngurus KTP", "sudah _num_ bulan urus ktp"]


def test_preprocess_stdin_lines():
    result = runner.invoke(app, ["preprocess", "-"], input="ngurus KTP lamaaa\nbayar 50rb\n")
    assert result.output.splitlines() == ["urus ktp lama", "bayar _money_ _rp1e4_"]


@pytest.mark.slow
def test_installed_console_script_help():
    result = subprocess.run([sys.executable, "-m", "kpkclassify", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "classify" in result.stdout


def test_classify_reads_stdin_and_writes_stdout(model_path):
    result = runner.invoke(app, ["classify", "-", "-o", "-", "-m", str(model_path), "-q"],
                           input="id,text\n1,ktp belum jadi tiga bulan\n2,ayo tolak pungli\n")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("id,text,labels") and len(lines) == 3


@pytest.mark.filterwarnings("default::UserWarning")
def test_encoding_fallback_warns_in_one_line(tmp_path, model_path):
    src = tmp_path / "cp.csv"
    src.write_bytes("text\nbiaya caf\xe9 50rb\n".encode("latin-1"))
    result = invoke("classify", src, "-o", tmp_path / "out.csv", "-m", model_path, "-q")
    assert result.exit_code == 0
    assert "kpkclassify: warning: " in result.output and "Windows-1252" in result.output
