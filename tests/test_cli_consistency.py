"""The command line is consistent: version, completion, help and examples on everything, the
same spelling of shared options, --json/--quiet, texts from standard input, UTF-16 files."""

import json
import os
import shlex
import subprocess
import sys

import click
import pytest
import typer.main
from conftest import read_csv, write_csv
from typer.testing import CliRunner

from kpkclassify import __version__
from kpkclassify.cli import app
from kpkclassify.cli._app import LABEL_COLUMN_HELP, TEXT_COLUMN_HELP


def _runner() -> CliRunner:
    """stdout and stderr apart: click >= 8.2 always keeps them apart, older click on request."""
    try:
        return CliRunner(mix_stderr=False)
    except TypeError:
        return CliRunner()


runner = _runner()
ROOT = typer.main.get_command(app)
COMMANDS = dict(ROOT.commands)
TEXT_COMMANDS = ("classify", "preprocess", "suggest", "train", "evaluate", "compare")
LABEL_COMMANDS = ("train", "evaluate", "compare")


def invoke(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def option(command: str, name: str) -> click.Parameter:
    return next(p for p in COMMANDS[command].params if name in p.opts)


# -- version and completion ------------------------------------------------------------------

@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version_flags(flag):
    result = invoke(flag)
    assert result.exit_code == 0
    assert result.output.strip() == f"kpkclassify {__version__}"


def test_shell_completion_is_offered_and_documented():
    names = {opt for p in ROOT.params for opt in p.opts}
    assert {"--install-completion", "--show-completion"} <= names
    help_text = invoke("--help").output
    assert "--install-completion" in help_text and "--show-completion" in help_text
    assert "Shell completion" in " ".join(help_text.split())


def test_show_completion_prints_a_script():
    env = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    result = subprocess.run([sys.executable, "-m", "kpkclassify", "--show-completion", "bash"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "complete" in result.stdout and "COMP_WORDS" in result.stdout


# -- help and examples on everything --------------------------------------------------------

def test_every_option_and_argument_has_help():
    missing = [f"(main) {p.name}" for p in ROOT.params if not (getattr(p, "help", None) or "").strip()]
    for name, command in COMMANDS.items():
        for param in command.params:
            if not (getattr(param, "help", None) or "").strip():
                missing.append(f"{name} {param.name}")
    assert not missing, f"no help: {missing}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_a_working_example(name):
    command = COMMANDS[name]
    assert command.help and "Example:" in command.help, f"{name}: no Example: paragraph"
    examples = [line.strip() for line in command.help.split("Example:", 1)[1].splitlines()
                if line.strip().startswith("kpkclassify ") or "| kpkclassify " in line]
    assert examples, f"{name}: the Example: paragraph has no kpkclassify command line"
    for line in examples:
        args = shlex.split(line.split("| ", 1)[-1])
        assert args[:2] == ["kpkclassify", name], line
        command.make_context(name, args[2:])  # unknown options or a wrong arity raise here
    rendered = invoke(name, "--help")
    assert rendered.exit_code == 0 and "Example:" in rendered.output
    assert examples[0].split("| ", 1)[-1] in " ".join(rendered.output.split())


# -- the same options spelled and explained the same way ------------------------------------

def test_every_command_reading_texts_has_the_same_text_column():
    readers = {name for name, command in COMMANDS.items()
               if any("--text-column" in p.opts for p in command.params)}
    assert set(TEXT_COMMANDS) <= readers
    for name in readers:
        param = option(name, "--text-column")
        assert set(param.opts) == {"--text-column", "-t"}, (name, param.opts)
        assert param.help.startswith(TEXT_COLUMN_HELP), (name, param.help)


def test_every_command_reading_labels_has_the_same_label_column():
    for name in LABEL_COMMANDS:
        param = option(name, "--label-column")
        assert param.opts == ["--label-column"] and param.help == LABEL_COLUMN_HELP, (name, param.opts)


@pytest.mark.parametrize("name", ["classify", "train", "evaluate", "compare", "info", "predict", "suggest"])
def test_json_option_where_it_makes_sense(name):
    assert option(name, "--json").help


@pytest.mark.parametrize("name", ["classify", "train", "suggest"])
def test_quiet_option_on_commands_that_talk_on_stderr(name):
    assert set(option(name, "--quiet").opts) == {"--quiet", "-q"}


# -- predict - -------------------------------------------------------------------------------

def test_predict_reads_texts_from_standard_input(model_path):
    texts = "petugas minta uang 100rb biar cepat\nktp belum jadi tiga bulan\n"
    result = invoke("predict", "-", "-m", model_path, "--json", input=texts)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["text"] for r in records] == texts.splitlines()
    assert records[1]["labels"] == ["slow_service"]
    plain = invoke("predict", "-", "-m", model_path, input=texts)
    assert plain.exit_code == 0 and len(plain.output.splitlines()) == 2


def test_predict_dash_with_crlf_lines(model_path):
    result = invoke("predict", "-", "-m", model_path, "--json", input="ktp belum jadi\r\njalan rusak\r\n")
    assert [json.loads(line)["text"] for line in result.output.splitlines()] == ["ktp belum jadi", "jalan rusak"]


# -- --json and --quiet ---------------------------------------------------------------------

def test_classify_json_summary_and_quiet(model_path, tmp_path):
    src = write_csv(tmp_path / "in.csv", ["id", "text"], [["1", "petugas minta uang 100rb"], ["2", "jalan rusak"]])
    result = runner.invoke(app, ["classify", str(src), "-o", str(tmp_path / "out.csv"), "-m", str(model_path),
                                 "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["rows"] == 2 and summary["output"] == str(tmp_path / "out.csv")
    assert sum(summary["label_counts"].values()) == 2
    assert "rows classified" not in result.stderr  # the JSON replaces the human summary
    quiet = runner.invoke(app, ["classify", str(src), "-o", str(tmp_path / "out2.csv"), "-m", str(model_path), "-q"])
    assert quiet.exit_code == 0 and quiet.stdout == "" and quiet.stderr == ""
    default = runner.invoke(app, ["classify", str(src), "-o", str(tmp_path / "out3.csv"), "-m", str(model_path)])
    assert default.stdout == "" and "2 rows classified" in default.stderr  # unchanged default


def test_classify_json_to_standard_output_is_refused(model_path, tmp_path):
    src = write_csv(tmp_path / "in.csv", ["text"], [["jalan rusak"]])
    result = invoke("classify", src, "-o", "-", "-m", model_path, "--json")
    assert result.exit_code == 2 and "--json" in result.output + result.stderr


def test_train_evaluate_compare_info_json(labelled_csv, tmp_path, model_path):
    model = tmp_path / "m.skops"
    result = runner.invoke(app, ["train", str(labelled_csv), "-o", str(model), "--cv", "3", "--json", "-q"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["output"] == str(model) and "macro" in summary["cross_validated"]
    assert result.stderr == ""
    evaluation = json.loads(invoke("evaluate", labelled_csv, "-m", model, "--json", "-t", "text").output)
    assert evaluation["metrics"]["macro"]["f1"] > 0.5
    compared = invoke("compare", labelled_csv, "-m", model, "-m", model_path, "--json")
    assert compared.exit_code == 0, compared.output
    assert list(json.loads(compared.output)) == [str(model), str(model_path)]
    assert json.loads(invoke("info", "-m", model, "--json").output)["training_data"]["rows"] == 51


def test_suggest_json_and_quiet(model_path, tmp_path):
    src = write_csv(tmp_path / "in.csv", ["isi"], [[t] for t in ("jalan rusak", "ktp belum jadi", "minta uang 50rb")])
    result = runner.invoke(app, ["suggest", str(src), "-o", str(tmp_path / "s.csv"), "-n", "2", "-m", str(model_path),
                                 "-t", "isi", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"rows": 2, "output": str(tmp_path / "s.csv")}
    quiet = runner.invoke(app, ["suggest", str(src), "-o", str(tmp_path / "s2.csv"), "-n", "2", "-m", str(model_path),
                                "-q"])
    assert quiet.exit_code == 0 and quiet.stdout == "" and quiet.stderr == ""


def test_preprocess_joins_repeated_text_columns(tmp_path):
    src = write_csv(tmp_path / "in.csv", ["judul", "isi"], [["pungli", "petugas minta uang"]])
    result = invoke("preprocess", src, "-t", "judul", "-t", "isi", "-o", tmp_path / "out.csv")
    assert result.exit_code == 0, result.output
    out = read_csv(tmp_path / "out.csv")
    assert out[0][-1] == "tokens" and out[1][-1].split()[0] == "pungli" and len(out[1][-1].split()) > 1


# -- Excel's "Unicode Text": UTF-16 with a BOM, tab-separated -------------------------------

def test_classify_reads_utf16_unicode_text(model_path, tmp_path):
    texts = ["petugas minta uang 100rb biar cepat", "ktp belum jadi tiga bulan", "jalan rusak parah, banyak lubang",
             "pelayanan bebas pungli — gratis", ""]
    src = tmp_path / "export.txt"
    lines = ["no\tisi"] + [f"{i}\t{t}" for i, t in enumerate(texts, 1)]
    src.write_bytes("\r\n".join(lines).encode("utf-16") + "\r\n".encode("utf-16-le"))  # BOM + UTF-16LE, CRLF
    assert src.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    out = tmp_path / "out.csv"
    result = invoke("classify", src, "-o", out, "-m", model_path, "--format", "tsv", "-t", "isi", "-q")
    assert result.exit_code == 0, result.output
    rows = read_csv(out, delimiter="\t", encoding="utf-8-sig")  # written as UTF-8 (with a BOM, for Excel)
    assert rows[0][:2] == ["no", "isi"] and "labels" in rows[0]
    assert [r[:2] for r in rows[1:]] == [[str(i), t] for i, t in enumerate(texts, 1)]
