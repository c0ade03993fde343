"""Batch classification keeps every row and cell, in order, whatever the file looks like."""

import json
import signal
import subprocess
import sys
import time

import pytest
from conftest import read_csv, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpkclassify import InputError, classify_file

NEW = ["labels", "label", "p_illegal_fee", "p_slow_service", "p_campaign", "uncertainty", "status"]


def test_rows_columns_and_order_are_kept(fitted, tmp_path):
    rows = [["1", "petugas minta uang 100rb", "a"], ["2", "", "b"], ["2", "petugas minta uang 100rb", "a"],
            ["3", "ktp belum jadi tiga bulan", "c"]]
    src = write_csv(tmp_path / "in.csv", ["id", "text", "extra"], rows)
    summary = classify_file(src, tmp_path / "out.csv", model=fitted)
    out = read_csv(tmp_path / "out.csv")
    assert out[0] == ["id", "text", "extra", *NEW]
    assert [r[:3] for r in out[1:]] == rows
    assert out[2][3] == "" and out[2][-1] == "empty_text"
    assert out[1][3] == "illegal_fee" and out[1][-1] == "ok"
    assert summary.rows == 4 and summary.marked == {"empty_text": 1}


def test_semicolon_bom_and_multiline_fields(fitted, tmp_path):
    src = tmp_path / "excel.csv"
    src.write_bytes("\ufeffno;isi\r\n1;\"baris satu\nbaris dua; ktp belum jadi\"\r\n2;antre lama\r\n".encode("utf-8"))
    classify_file(src, tmp_path / "out.csv", model=fitted, text_columns=["isi"])
    out = read_csv(tmp_path / "out.csv", delimiter=";", encoding="utf-8-sig")
    assert out[0][:2] == ["no", "isi"]
    assert out[1][1] == "baris satu\nbaris dua; ktp belum jadi"
    assert len(out) == 3


def test_pipe_delimiter_quotes_our_multi_label_cells(fitted, tmp_path):
    src = tmp_path / "pipe.csv"
    src.write_text("id|text\n1|petugas minta uang 100rb biar ktp cepat jadi, sudah dua bulan\n2|\n", encoding="utf-8")
    classify_file(src, tmp_path / "out.csv", model=fitted)
    out = read_csv(tmp_path / "out.csv", delimiter="|")
    assert out[0] == ["id", "text", *NEW]
    assert all(len(row) == len(out[0]) for row in out)
    assert out[1][2] in ("illegal_fee", "illegal_fee|slow_service", "slow_service", "campaign", "other")
    assert out[2][-1] == "empty_text"


def test_rows_are_repeated_as_written(fitted, tmp_path):
    # needless quotes, a quoted line break and old Mac line ends stay exactly as they were
    src = tmp_path / "quoted.csv"
    src.write_bytes(b'"id","text"\r"1","ktp belum jadi"\r"2","antre\r\nlama"\r3,"ok ""kutip"""\r')
    classify_file(src, tmp_path / "out.csv", model=fitted)
    lines = (tmp_path / "out.csv").read_bytes().decode("utf-8").split("\n")
    assert lines[1].startswith('"1","ktp belum jadi",')
    assert lines[2].startswith('"2","antre\r')
    assert read_csv(tmp_path / "out.csv")[3][:2] == ["3", 'ok "kutip"']


def test_windows_1252_falls_back_with_a_warning(fitted, tmp_path):
    src = tmp_path / "cp.csv"
    src.write_bytes("text\nbiaya \x80 50rb caf\xe9\n".encode("latin-1"))
    with pytest.warns(UserWarning, match="Windows-1252"):
        classify_file(src, tmp_path / "out.csv", model=fitted)
    assert read_csv(tmp_path / "out.csv")[1][0] == "biaya € 50rb café"


def test_ragged_rows_are_kept_and_reported(fitted, tmp_path):
    src = tmp_path / "ragged.csv"
    src.write_text("id,text\n1,ktp belum jadi\n2\n3,antre lama,,\n", encoding="utf-8")
    summary = classify_file(src, tmp_path / "out.csv", model=fitted)
    out = read_csv(tmp_path / "out.csv")
    assert [r[0] for r in out[1:]] == ["1", "2", "3"]
    assert all(len(r) == len(out[0]) for r in out)  # padded, and empty extra cells dropped
    assert out[3][:2] == ["3", "antre lama"] and out[3][-1] == "ragged"
    assert summary.ragged_lines == [3, 4]
    # a long row whose extra cell holds something cannot be put under a column: refused
    src.write_text("id,text\n1,ktp belum jadi\n3,antre lama,surplus\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 3: 3 cells but the header has 2 columns"):
        classify_file(src, tmp_path / "out2.csv", model=fitted)


def test_jsonl_in_and_out(fitted, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "text": "ktp belum jadi"}\n{"id": 2, "text": "ayo tolak pungli"}\n', encoding="utf-8")
    classify_file(src, tmp_path / "out.jsonl", model=fitted)
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["id"] for r in records] == [1, 2]
    assert {"labels", "label", "p_campaign", "status"} <= set(records[0])


def test_several_text_columns_are_joined(fitted, tmp_path):
    src = write_csv(tmp_path / "in.csv", ["judul", "isi"], [["Pungli", "petugas minta uang 100rb"]])
    classify_file(src, tmp_path / "out.csv", model=fitted, text_columns=["judul", "isi"])
    assert read_csv(tmp_path / "out.csv")[1][2] == "illegal_fee"


def test_missing_text_column_lists_the_columns(fitted, tmp_path):
    src = write_csv(tmp_path / "in.csv", ["id", "laporan"], [["1", "x"]])
    with pytest.raises(InputError, match="columns are: id, laporan; the likeliest is 'laporan'"):
        classify_file(src, tmp_path / "out.csv", model=fitted, text_columns=["teks"])
    assert not (tmp_path / "out.csv").exists()


def test_output_may_not_overwrite_input(fitted, tmp_path):
    src = write_csv(tmp_path / "in.csv", ["text"], [["x"]])
    with pytest.raises(InputError, match="may not overwrite the input"):
        classify_file(src, src, model=fitted)
    assert read_csv(src) == [["text"], ["x"]]


def test_failure_leaves_no_output(fitted, tmp_path):
    src = tmp_path / "bad.jsonl"
    src.write_text('{"text": "a"}\nnot json\n', encoding="utf-8")
    with pytest.raises(InputError, match="line 2: not valid JSON"):
        classify_file(src, tmp_path / "out.jsonl", model=fitted, chunk_size=1)
    assert list(tmp_path.iterdir()) == [src]


def test_existing_prediction_columns_are_not_shadowed(fitted, tmp_path):
    src = write_csv(tmp_path / "in.csv", ["text", "labels"], [["ktp belum jadi", "slow_service"]])
    classify_file(src, tmp_path / "out.csv", model=fitted)
    header = read_csv(tmp_path / "out.csv")[0]
    assert header[:3] == ["text", "labels", "kpk_labels"]


def test_limit(fitted, tmp_path):
    src = write_csv(tmp_path / "in.csv", ["text"], [[f"teks {i}"] for i in range(10)])
    summary = classify_file(src, tmp_path / "out.csv", model=fitted, limit=3)
    assert summary.rows == 3 and len(read_csv(tmp_path / "out.csv")) == 4


def test_parallel_output_equals_serial(fitted, model_path, tmp_path):
    rows = [[str(i), t] for i, t in enumerate(["ktp belum jadi", "minta uang 50rb", "ayo lawan korupsi", ""] * 30)]
    src = write_csv(tmp_path / "in.csv", ["id", "text"], rows)
    classify_file(src, tmp_path / "serial.csv", model=model_path, chunk_size=7, jobs=1)
    classify_file(src, tmp_path / "parallel.csv", model=model_path, chunk_size=7, jobs=2)
    assert (tmp_path / "serial.csv").read_bytes() == (tmp_path / "parallel.csv").read_bytes()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"),
                                 max_size=20), min_size=2, max_size=2), max_size=15))
def test_any_csv_keeps_rows_and_cells(fitted, tmp_path, rows):
    src = write_csv(tmp_path / "prop.csv", ["text", "other"], rows)
    out_path = tmp_path / "prop_out.csv"
    classify_file(src, out_path, model=fitted, delimiter=",")
    out = read_csv(out_path)
    expected = [r for r in read_csv(src)[1:]]
    assert [r[:2] for r in out[1:]] == expected


def test_killed_process_leaves_no_output_and_untouched_input(model_path, tmp_path):
    src = write_csv(tmp_path / "big.csv", ["text"], [[f"petugas minta uang {i}rb biar cepat"] for i in range(200_000)])
    before = src.read_bytes()
    dest = tmp_path / "out.csv"
    code = (
        "import sys; from kpkclassify import classify_file; "
        f"classify_file({str(src)!r}, {str(dest)!r}, model={str(model_path)!r}, chunk_size=500)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.time() + 60
    while time.time() < deadline and not any(p.name.endswith(".partial") for p in tmp_path.iterdir()):
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not dest.exists()
    assert src.read_bytes() == before


def _workbook(path, rows):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_input_gives_csv_output(fitted, tmp_path):
    import datetime

    src = _workbook(tmp_path / "ekspor.xlsx", [
        ["no", "tanggal", "isi", None],
        [1, datetime.date(2026, 11, 2), "petugas minta uang 100rb biar ktp cepat jadi"],
        [2, datetime.datetime(2026, 11, 3, 9, 30), None],
        [3.0, None, "antre dari pagi belum dipanggil, sudah tiga bulan"],
    ])
    summary = classify_file(src, tmp_path / "out.csv", model=fitted)
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, so Excel shows the text right
    out = read_csv(tmp_path / "out.csv", encoding="utf-8-sig")
    assert out[0] == ["no", "tanggal", "isi", *NEW]
    assert out[1][:2] == ["1", "2026-11-02"] and out[2][:2] == ["2", "2026-11-03 09:30:00"]
    assert out[2][-1] == "empty_text" and out[3][0] == "3" and out[3][-1] == "ok"
    assert summary.rows == 3


def test_xlsx_output_and_broken_workbooks_are_refused(fitted, tmp_path):
    src = write_csv(tmp_path / "in.csv", ["text"], [["ktp belum jadi"]])
    with pytest.raises(InputError, match="writes CSV, not Excel"):
        classify_file(src, tmp_path / "out.xlsx", model=fitted)
    bad = tmp_path / "rusak.xlsx"
    bad.write_bytes(b"not a zip")
    pytest.importorskip("openpyxl")
    with pytest.raises(InputError, match="not a readable .xlsx workbook"):
        classify_file(bad, tmp_path / "out.csv", model=fitted)
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "out.xlsx").exists()


def test_rows_with_stray_or_unclosed_quotes_stay_valid(fitted, tmp_path):
    # a quote inside an unquoted field, and a quoted field the file never closes
    src = tmp_path / "quotes.csv"
    src.write_text('id,text\n1,layar 5" rusak minta 100rb\n2,"belum ditutup\n', encoding="utf-8")
    with pytest.warns(UserWarning, match="line 3: the file ends inside the quoted cell"):
        classify_file(src, tmp_path / "out.csv", model=fitted)
    out = read_csv(tmp_path / "out.csv")
    assert [row[:2] for row in out[1:]] == [["1", 'layar 5" rusak minta 100rb'], ["2", "belum ditutup\n"]]
    assert all(len(row) == len(out[0]) for row in out)
