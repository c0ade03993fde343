"""Input correctness under attack: what the user gave comes back unchanged, in place, or the
run stops with one line saying where and what to do."""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile

import pytest
from conftest import read_csv, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kpkclassify import DataError, InputError, _io, classify_file, read_labelled

NEW = ["labels", "label", "p_illegal_fee", "p_slow_service", "p_campaign", "uncertainty", "status"]


def _jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# -- 3. JSON Lines keep the user's own keys -------------------------------------------------
def test_jsonl_never_overwrites_the_users_label_and_status(fitted, tmp_path):
    src = _jsonl(tmp_path / "in.jsonl", [
        {"id": 1, "text": "bayar 200rb biar cepat", "label": "HUMAN: other", "status": "closed"},
        {"id": 2, "text": "ktp belum jadi tiga bulan", "label": "HUMAN: slow", "status": "open"},
    ])
    classify_file(src, tmp_path / "out.jsonl", model=fitted)
    out = _read_jsonl(tmp_path / "out.jsonl")
    assert [(r["label"], r["status"]) for r in out] == [("HUMAN: other", "closed"), ("HUMAN: slow", "open")]
    assert {f"kpk_{n}" for n in NEW} <= set(out[0])  # the CSV rule: all of ours prefixed
    assert out[0]["kpk_status"] == "ok" and "labels" not in out[0]


def test_a_later_jsonl_record_with_our_key_keeps_its_value(fitted, tmp_path):
    src = _jsonl(tmp_path / "in.jsonl", [{"text": "ktp belum jadi"}, {"text": "antre lama", "p_campaign": 7}])
    classify_file(src, tmp_path / "out.jsonl", model=fitted)
    first, second = _read_jsonl(tmp_path / "out.jsonl")
    assert first["status"] == "ok"
    assert second["p_campaign"] == 7 and second["kpk_status"] == "ok" and "status" not in second


def test_prefix_is_repeated_until_nothing_clashes(fitted, tmp_path):
    src = write_csv(tmp_path / "in.csv", ["text", "label", "kpk_label"], [["ktp belum jadi", "a", "b"]])
    classify_file(src, tmp_path / "out.csv", model=fitted)
    header = read_csv(tmp_path / "out.csv")[0]
    assert header == ["text", "label", "kpk_label", *(f"kpk_kpk_{n}" for n in NEW)]
    assert len(set(header)) == len(header)


# -- 8. encodings decided on the whole file -------------------------------------------------
def test_one_bad_byte_in_a_utf8_file_is_an_error_not_mojibake(fitted, tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes("id,text\n1,André minta 100rb\n2,rusak ".encode("utf-8") + b"\xff di sini\n")
    offset = src.read_bytes().index(b"\xff")
    with pytest.raises(InputError) as caught:
        classify_file(src, tmp_path / "out.csv", model=fitted)
    message = str(caught.value)
    assert f"line 3: the byte at offset {offset} (0xff) is not valid UTF-8" in message
    assert "--encoding" in message and "\n" not in message
    assert not (tmp_path / "out.csv").exists()


def test_cp1252_is_judged_on_the_whole_file(fitted, tmp_path):
    src = tmp_path / "in.csv"
    body = "".join(f"{i},ktp belum jadi juga\n" for i in range(5000))  # about 100 KB of ASCII
    src.write_bytes(("id,text\n" + body + "9999,biaya café € 50rb\n").encode("cp1252"))
    offset = src.read_bytes().index(b"\xe9")
    # past the sample: the run stops there, and the whole file says what to pass
    with pytest.raises(InputError, match=rf"line 5002: the byte at offset {offset} \(0xe9\) is not valid "
                                         r"UTF-8, nor is any other .* looks like Windows-1252; pass --encoding cp1252$"):
        classify_file(src, tmp_path / "out.csv", model=fitted)
    classify_file(src, tmp_path / "out.csv", model=fitted, encoding="cp1252")
    assert read_csv(tmp_path / "out.csv")[-1][1] == "biaya café € 50rb"
    # in the sample: read as Windows-1252, because no line of the whole file is UTF-8
    src.write_bytes(("id,text\n1,caf\xe9\n" + body).encode("cp1252"))
    with pytest.warns(UserWarning, match="no line of the file is UTF-8, reading it as Windows-1252"):
        classify_file(src, tmp_path / "out2.csv", model=fitted)
    assert read_csv(tmp_path / "out2.csv")[1][1] == "café"
    # ... but one UTF-8 letter far past the sample makes the early byte an error
    src.write_bytes(("id,text\n1,caf\xe9\n" + body).encode("cp1252") + "2,André\n".encode("utf-8"))
    with pytest.raises(InputError, match=r"line 2: the byte at offset 13 \(0xe9\) is not valid UTF-8, while the rest"):
        classify_file(src, tmp_path / "out3.csv", model=fitted)


def test_a_pipe_with_a_bad_byte_in_its_sample_is_an_error():
    from kpkclassify.io.tables import detect_encoding

    with pytest.raises(InputError, match=r"-: line 2: the byte at offset 13 \(0xe9\) is not valid UTF-8 \(a pipe"):
        detect_encoding(b"id,text\n1,caf\xe9\n", "-", None, None)


def test_utf8_with_one_bad_byte_after_the_sample_names_the_byte(fitted, tmp_path):
    src = tmp_path / "in.csv"
    body = "".join(f"{i},André antre lama\n" for i in range(5000)).encode("utf-8")
    src.write_bytes(b"id,text\n" + body + b"x,caf\xe9\n")
    offset = 8 + len(body) + 5
    with pytest.raises(InputError, match=rf"line 5002: the byte at offset {offset} \(0xe9\) is not valid UTF-8"):
        classify_file(src, tmp_path / "out.csv", model=fitted)


def test_utf16_with_bom_is_read(fitted, tmp_path):
    src = tmp_path / "unicode.txt"  # Excel's "Unicode Text": UTF-16 LE with BOM, tab-separated
    src.write_bytes(codecs.BOM_UTF16_LE + "no\tisi\r\n1\tAndré minta uang 100rb\r\n".encode("utf-16-le"))
    classify_file(src, tmp_path / "out.csv", model=fitted)
    out = read_csv(tmp_path / "out.csv", delimiter="\t", encoding="utf-8-sig")
    assert out[0] == ["no", "isi", *NEW] and out[1][:2] == ["1", "André minta uang 100rb"]


# -- 9. every output row has the header's cells, in place ---------------------------------------
def test_blank_lines_and_short_rows_stay_aligned(fitted, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,text,note\n1,ktp belum jadi,a\n\n2,\n3,antre lama\n\n", encoding="utf-8")
    summary = classify_file(src, tmp_path / "out.csv", model=fitted)
    out = read_csv(tmp_path / "out.csv")
    status = out[0].index("status")
    assert all(len(row) == len(out[0]) for row in out)
    assert [row[0] for row in out[1:]] == ["1", "", "2", "3", ""]
    assert [row[status] for row in out[1:]] == ["ok", "empty_text", "empty_text", "ragged", "empty_text"]
    assert out[4][:3] == ["3", "antre lama", ""] and out[4][3] != ""  # predicted, under "labels"
    assert summary.rows == 5 and summary.ragged_lines == [4, 5]


def test_long_row_is_refused_naming_its_line(fitted, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,text\n1,ktp belum jadi\n2,antre lama, sudah tiga bulan\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 3: 3 cells but the header has 2 columns .*quote the cells"):
        classify_file(src, tmp_path / "out.csv", model=fitted)
    assert not (tmp_path / "out.csv").exists()


# -- 10. evaluate and compare refuse rows they cannot score --------------------------------------
def _bad_labelled(tmp_path, rows):
    return write_csv(tmp_path / "held_out.csv", ["text", "labels"],
                     [list(r) for r in rows] + [["", "other"], ["ktp belum jadi lagi", "slow_servis"]])


def test_evaluate_fails_like_train_on_rows_it_would_drop(rows, model_path, tmp_path):
    from kpkclassify.cli import app

    path = _bad_labelled(tmp_path, rows)
    n = len(rows)
    with pytest.raises(DataError) as train_error:
        read_labelled(path)
    result = CliRunner().invoke(app, ["evaluate", str(path), "-m", str(model_path)])
    assert result.exit_code == 1
    for problem in train_error.value.problems:
        assert problem in result.output
    assert f"{path}:{n + 2}: empty text" in result.output
    assert f"{path}:{n + 3}: unknown label 'slow_servis'" in result.output


def test_compare_fails_on_rows_it_would_drop(rows, fitted, tmp_path):
    from kpkclassify import compare

    path = _bad_labelled(tmp_path, rows)
    with pytest.raises(DataError, match=rf"{path}:{len(rows) + 2}: empty text"):
        compare(path, [fitted, fitted])


# -- 12. bounded reading: zip bombs and huge cells ---------------------------------------------
def _workbook(path, rows):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def _bomb(path, cell_chars):
    """A genuine workbook whose sheet is replaced by one holding a single huge inline cell,
    which compresses about a thousand times: the 1 GB cell of a 1 MB file, scaled down."""
    genuine = _workbook(path.with_name("genuine.xlsx"), [["no", "isi"], [1, "x"]])
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>no</t></is></c>'
             '<c r="B1" t="inlineStr"><is><t>isi</t></is></c></row><row r="2"><c r="A2"><v>1</v></c>'
             f'<c r="B2" t="inlineStr"><is><t>{"a" * cell_chars}</t></is></c></row></sheetData></worksheet>')
    with zipfile.ZipFile(genuine) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for member in source.infolist():
            data = sheet.encode() if member.filename.endswith("sheet1.xml") else source.read(member)
            bomb.writestr(member.filename, data)
    return path


def test_xlsx_zip_bomb_is_refused_before_openpyxl_reads_it(fitted, tmp_path, monkeypatch):
    src = _bomb(tmp_path / "bom.xlsx", 400_000)
    assert src.stat().st_size < 10_000
    monkeypatch.setattr(_io, "XLSX_RATIO_MIN_BYTES", 100_000)  # the real limits, scaled down
    with pytest.raises(InputError, match=r"bom\.xlsx: .* expands .* times .* zip bomb"):
        classify_file(src, tmp_path / "out.csv", model=fitted)
    monkeypatch.setattr(_io, "XLSX_RATIO_MIN_BYTES", 10 << 20)
    monkeypatch.setattr(_io, "XLSX_MAX_UNCOMPRESSED", 100_000)
    with pytest.raises(InputError, match=r"expands to [\d,]+ bytes, over the limit of 100,000"):
        classify_file(src, tmp_path / "out.csv", model=fitted)
    assert not (tmp_path / "out.csv").exists()
    # within the zip limits, the cell cap still bounds a cell
    monkeypatch.setattr(_io, "XLSX_MAX_UNCOMPRESSED", 1 << 30)
    monkeypatch.setattr(_io, "MAX_CELL_CHARS", 100_000)
    with pytest.raises(InputError, match=r"line 2, column 2 \('isi'\): a cell of 400,000 characters, over the limit"):
        classify_file(src, tmp_path / "out.csv", model=fitted)


def test_genuine_workbooks_pass_the_size_check(tmp_path):
    src = _workbook(tmp_path / "ok.xlsx", [["no", "isi"], *([i, f"ktp belum jadi {i}"] for i in range(200))])
    _io.check_workbook_size(str(src))
    with zipfile.ZipFile(src) as archive:
        assert sum(m.file_size for m in archive.infolist()) < _io.XLSX_MAX_UNCOMPRESSED


def test_a_cell_over_the_cap_is_an_error_in_every_format(fitted, tmp_path, monkeypatch):
    monkeypatch.setattr(_io, "MAX_CELL_CHARS", 1000)
    big = "minta uang " * 200
    csv_src = write_csv(tmp_path / "in.csv", ["id", "isi"], [["1", "ok"], ["2", big]])
    with pytest.raises(InputError, match=r"line 3, column 2 \('isi'\): a cell of 2,200 characters, over the limit "
                                         r"of 1,000"):
        classify_file(csv_src, tmp_path / "out.csv", model=fitted)
    jsonl_src = _jsonl(tmp_path / "in.jsonl", [{"text": "ok"}, {"text": big}])
    with pytest.raises(InputError, match=r"line 2, key 'text': a cell of 2,200 characters"):
        classify_file(jsonl_src, tmp_path / "out.jsonl", model=fitted)
    xlsx_src = _workbook(tmp_path / "in.xlsx", [["no", "isi"], [1, "ok"], [2, big]])
    with pytest.raises(InputError, match=r"line 3, column 2 \('isi'\): a cell of 2,200 characters"):
        classify_file(xlsx_src, tmp_path / "out.csv", model=fitted)


# -- 16. deeply nested JSON ----------------------------------------------------------------------
def test_deeply_nested_jsonl_is_a_one_line_error(fitted, tmp_path):
    src = tmp_path / "deep.jsonl"
    src.write_text('{"text": "ok"}\n{"text": "x", "a": ' + "[" * 100_000 + "]" * 100_000 + "}\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2: JSON nested too deeply"):
        classify_file(src, tmp_path / "out.jsonl", model=fitted)


# -- unclosed quotes and missing values --------------------------------------------------------
def test_file_ending_inside_a_quote_warns_naming_where_it_opened(fitted, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text('id,text\n1,ktp belum jadi\n2,"antre lama\n3,minta uang\n4,ayo tolak pungli\n', encoding="utf-8")
    with pytest.warns(UserWarning, match="line 3: the file ends inside the quoted cell"):
        summary = classify_file(src, tmp_path / "out.csv", model=fitted)
    assert summary.rows == 2


def test_a_cell_of_many_lines_warns_once(fitted, tmp_path, monkeypatch):
    monkeypatch.setattr(_io, "WARN_LINE_BREAKS_IN_CELL", 3)
    src = tmp_path / "in.csv"
    src.write_text('id,text\n1,ok\n2,"a\nb\nc\nd\ne"\n3,"a\nb\nc\nd\ne"\n4,"a\nb"\n', encoding="utf-8")
    with pytest.warns(UserWarning, match="line 3: a quoted cell opens here and spans 5 lines") as caught:
        classify_file(src, tmp_path / "out.csv", model=fitted)
    assert len([w for w in caught if "quoted cell" in str(w.message)]) == 1
    assert len(read_csv(tmp_path / "out.csv")) == 5


def test_null_and_nan_texts_are_empty(fitted, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": null}\n{"text": NaN}\n{"text": "ktp belum jadi"}\n', encoding="utf-8")
    classify_file(src, tmp_path / "out.jsonl", model=fitted)
    assert [r["status"] for r in _read_jsonl(tmp_path / "out.jsonl")] == ["empty_text", "empty_text", "ok"]


def test_missing_values_are_recognised():
    pd = pytest.importorskip("pandas")
    assert all(_io.is_missing(v) for v in (None, float("nan"), pd.NA, pd.NaT))
    assert not any(_io.is_missing(v) for v in ("", 0, "nan", 0.5))
    assert _io._cell_text(float("nan")) == "" and _io._cell_text(pd.NA) == ""


def test_nan_label_in_jsonl_is_other(tmp_path):
    src = tmp_path / "l.jsonl"
    src.write_text('{"text": "jalan rusak", "labels": NaN}\n{"text": "ktp belum jadi", "labels": "slow_service"}\n',
                   encoding="utf-8")
    assert read_labelled(src).labels == [(), ("slow_service",)]


# -- property: any CSV shape keeps every row and cell in place ------------------------------------
@pytest.fixture(scope="module")
def bundled():
    from kpkclassify import load

    return load()


_CELL = st.text(alphabet=st.sampled_from('ab é,;\t|"\r\n'), max_size=6)


@st.composite
def _csv_files(draw):
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    width = draw(st.integers(1, 4))
    header = [f"c{j}" for j in range(width)]
    header[draw(st.integers(0, width - 1))] = "text"
    rows = draw(st.lists(st.one_of(st.just(None),  # a blank line
                                   st.lists(_CELL, min_size=1, max_size=width + 1)), max_size=8))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    for row in rows:
        if row is None:
            out.write("\n")
        else:
            writer.writerow(row)
    return delimiter, draw(st.booleans()), out.getvalue()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_csv_files())
def test_any_csv_shape_keeps_rows_in_order_and_cells_in_place(bundled, tmp_path, case):
    delimiter, bom, text = case
    src, dest = tmp_path / "prop.csv", tmp_path / "prop_out.csv"
    src.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    expected = read_csv(src, delimiter=delimiter, encoding="utf-8-sig")
    header, rows = expected[0], expected[1:]
    width = len(header)
    dest.unlink(missing_ok=True)
    long_rows = [i for i, row in enumerate(rows) if any(row[width:])]
    if long_rows:  # a cell past the header's columns: refused, naming the first such row
        with pytest.raises(InputError, match="cells but the header has"):
            classify_file(src, dest, model=bundled, delimiter=delimiter)
        assert not dest.exists()
        return
    classify_file(src, dest, model=bundled, delimiter=delimiter)
    out = read_csv(dest, delimiter=delimiter, encoding="utf-8-sig")
    assert out[0] == header + NEW
    assert len(out) == len(expected)
    for given_row, written in zip(rows, out[1:]):
        assert len(written) == width + len(NEW)
        assert written[:width] == (given_row + [""] * width)[:width]
        assert written[-1] in ("ok", "empty_text", "ragged")
