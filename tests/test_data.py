"""Reading labelled data: every problem is reported with its file and line."""

import pytest
from conftest import write_csv

from kpkclassify import DataError, read_labelled
from kpkclassify.io.labelled import check_trainable


def test_reads_labels_in_every_accepted_form(tmp_path):
    path = write_csv(tmp_path / "d.csv", ["isi", "label"], [
        ["a b c", "illegal_fee"], ["d e f", "slow_service,campaign"], ["g h i", ""], ["j k l", "other"]])
    data = read_labelled(path)
    assert data.labels == [("illegal_fee",), ("slow_service", "campaign"), (), ()]
    assert data.origins[1].endswith("d.csv:3")
    assert data.counts()["other"] == 2 and data.counts()["multi_label"] == 1


def test_problems_are_listed_with_lines(tmp_path):
    path = write_csv(tmp_path / "d.csv", ["text", "labels"], [
        ["satu", "ilegal_fee"], ["", "other"], ["dua", "campaign"], ["Dua", "other"]])
    with pytest.raises(DataError) as info:
        read_labelled(path)
    problems = info.value.problems
    assert any("d.csv:2" in p and "did you mean 'illegal_fee'" in p for p in problems)
    assert any("d.csv:3" in p and "empty text" in p for p in problems)
    assert any("d.csv:5" in p and "same text as" in p for p in problems)


def test_missing_label_column(tmp_path):
    path = write_csv(tmp_path / "d.csv", ["text", "kelas"], [["a", "b"]])
    with pytest.raises(Exception, match="no label column; columns are: text, kelas"):
        read_labelled(path)


def test_too_few_examples_state_the_minimum(tmp_path):
    path = write_csv(tmp_path / "d.csv", ["text", "labels"], [[f"t {i}", "illegal_fee"] for i in range(3)])
    with pytest.raises(DataError, match="at least 10 rows"):
        check_trainable(read_labelled(path))


def test_labelled_rows_from_an_excel_workbook(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from kpkclassify import read_labelled

    book = openpyxl.Workbook()
    book.active.append(["text", "labels"])
    book.active.append(["ktp belum jadi tiga bulan", "slow_service"])
    book.active.append(["petugas minta 100rb", "illegal_fee"])
    book.save(tmp_path / "label.xlsx")
    data = read_labelled(tmp_path / "label.xlsx")
    assert data.texts == ["ktp belum jadi tiga bulan", "petugas minta 100rb"]
