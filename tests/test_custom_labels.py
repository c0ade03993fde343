"""A label set of the user's own (issue 14): declared when training, followed downstream.

The model here learns ``illegal_fee`` and ``nepotism`` (no ``slow_service``, no
``campaign``); columns, summaries, evaluations, reports and cards must follow it, a
misspelt label in the data is still an error with its file and row, and ``other`` is the
empty set, never a label.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from conftest import read_csv, write_csv
from typer.testing import CliRunner

from kpkclassify import Classifier, DataError, classify_file, load, model_card, read_labelled
from kpkclassify.cli import app
from kpkclassify.exceptions import InputError, LabelError
from kpkclassify.labels import decide, top_label

LABELS2 = ("illegal_fee", "nepotism")

# Written for these tests only.
ILLEGAL_FEE = [
    "petugas kecamatan minta uang 75 ribu supaya akta kelahiran cepat selesai",
    "oknum satpol pp memungut uang keamanan dari pedagang kaki lima",
    "untuk urus izin keramaian kami disuruh bayar uang 500 ribu",
    "pegawai puskesmas minta uang tambahan di luar tarif resmi",
    "sopir truk dipaksa bayar uang 20 ribu di jembatan timbang",
    "ada pungutan uang 300 ribu untuk daftar ulang sekolah negeri",
    "oknum petugas parkir minta uang lebih dari karcis resmi",
    "mau ambil jenazah di rumah sakit harus bayar uang pelicin dulu",
    "petugas lapas minta uang supaya keluarga boleh menjenguk",
    "kami bayar uang 2 juta agar surat tanah cepat ditandatangani",
    "oknum dishub memungut uang dari angkot yang lewat terminal",
    "panitia minta uang 150 ribu supaya nilai ujian tidak dipersulit",
]
NEPOTISM = [
    "kepala dinas mengangkat anaknya sendiri jadi pegawai kontrak",
    "lowongan kantor desa hanya diisi keluarga pak kades",
    "proyek jalan diberikan ke perusahaan milik adik bupati",
    "keponakan camat langsung diterima kerja tanpa tes",
    "seleksi perangkat desa dimenangkan menantu kepala desa",
    "jabatan kepala sekolah diberikan ke kerabat pejabat dinas",
    "istri kepala dinas diangkat jadi bendahara kantor",
    "anak anggota dewan lolos jadi pegawai tanpa ikut seleksi",
    "semua tender di kabupaten jatuh ke keluarga bupati",
    "sepupu kepala kantor diangkat jadi kepala bagian tanpa pengalaman",
    "kades memasukkan keluarganya sebagai penerima honor desa",
    "menantu pejabat dinas langsung dapat jabatan di kantor baru",
]
OTHER = [
    "lampu jalan di kampung kami mati sejak minggu lalu",
    "cuaca panas sekali hari ini sampai malas keluar rumah",
    "pasar malam di alun alun ramai dikunjungi warga",
    "tim sepak bola kampung menang tipis tadi sore",
    "harga beras di pasar turun sedikit bulan ini",
    "saluran air di gang sebelah tersumbat sampah",
    "anak anak bermain layangan di lapangan desa",
    "resep sambal terasi buatan ibu memang paling enak",
    "kereta pagi ini berangkat tepat waktu seperti biasa",
    "taman kota baru dibuka dan sangat bersih",
    "warga bergotong royong membersihkan selokan",
    "toko buku di dekat kampus sedang ada diskon",
]
BOTH = [
    ("kepala desa minta uang 5 juta lalu mengangkat keponakannya jadi perangkat desa", "illegal_fee|nepotism"),
]

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def custom_rows() -> list[list[str]]:
    rows = [[t, "illegal_fee"] for t in ILLEGAL_FEE]
    rows += [[t, "nepotism"] for t in NEPOTISM]
    rows += [[t, "other"] for t in OTHER]
    rows += [list(pair) for pair in BOTH]
    return rows


@pytest.fixture(scope="module")
def data_csv(tmp_path_factory):
    return write_csv(tmp_path_factory.mktemp("custom") / "nepotism.csv", ["text", "labels"], custom_rows())


@pytest.fixture(scope="module")
def custom(data_csv):
    from kpkclassify.workflows.train import train

    return train(data_csv, labels=LABELS2, cv=3, classifier=Classifier(min_df=1))


@pytest.fixture(scope="module")
def custom_path(custom, tmp_path_factory):
    path = tmp_path_factory.mktemp("custom_model") / "nepotism.skops"
    custom.save(path)
    return path


def unlabelled_csv(path, extra_columns=()):
    texts = ["pegawai kelurahan minta uang 100 ribu untuk surat domisili",
             "adik kepala dinas diangkat jadi kepala seksi", "", "hujan turun sejak pagi",
             "oknum minta uang lalu anaknya diterima kerja di kantor desa"]
    header = ["id", "text", *extra_columns]
    rows = [[str(i), t, *("x" for _ in extra_columns)] for i, t in enumerate(texts)]
    return write_csv(path, header, rows), texts


# -- training ----------------------------------------------------------------------------
def test_trained_model_has_the_declared_labels(custom):
    assert custom.labels_ == LABELS2
    assert list(custom.classes_) == list(LABELS2)
    assert custom.predict_proba(["uang pelicin"]).shape == (1, 2)
    card = custom.card_
    assert card["labels"]["names"] == list(LABELS2) and card["labels"]["source"] == "given"
    assert set(card["thresholds"]) == set(LABELS2)
    assert set(card["cross_validated"]) >= set(LABELS2) and "campaign" not in card["cross_validated"]
    assert card["training_data"]["label_counts"] == {"illegal_fee": 13, "nepotism": 13, "other": 12, "multi_label": 1}


def test_predict_is_decide_and_classify_uses_top_label(custom):
    texts = [t for t, _ in custom_rows()]
    proba = custom.predict_proba(texts)
    applies = decide(proba, custom.thresholds_)
    assert np.array_equal(custom.predict(texts), applies.astype(np.int8))
    assert [p.label for p in custom.classify(texts)] == top_label(proba, applies, LABELS2)
    assert {label for row in custom.predict_labels(texts) for label in row} <= {*LABELS2, "other"}


def test_save_load_round_trip_keeps_labels(custom, custom_path):
    loaded = load(custom_path)
    assert loaded.labels_ == LABELS2 and list(loaded.classes_) == list(LABELS2)
    texts = [t for t, _ in custom_rows()]
    assert np.array_equal(loaded.predict(texts), custom.predict(texts))
    assert model_card(loaded)["labels"]["names"] == list(LABELS2)


def test_model_card_names_the_labels_of_a_model_without_them_in_its_card(fitted):
    class Carded:
        labels_ = ("illegal_fee", "nepotism")
        card_ = {"thresholds": {"illegal_fee": 0.5, "nepotism": 0.4}}

    assert model_card(Carded())["labels"]["names"] == ["illegal_fee", "nepotism"]
    assert model_card(fitted) == {}  # no card, nothing invented


def test_misspelt_label_in_the_data_is_an_error_naming_file_and_row(tmp_path):
    from kpkclassify.workflows.train import train

    rows = custom_rows()
    rows[14][1] = "nepotisme"  # file line 16 (the header is line 1)
    path = write_csv(tmp_path / "typo.csv", ["text", "labels"], rows)
    with pytest.raises(DataError) as info:
        train(path, labels=LABELS2, cv=3)
    (problem,) = info.value.problems
    assert "typo.csv:16" in problem and "'nepotisme'" in problem and "did you mean 'nepotism'" in problem
    assert "known labels: illegal_fee, nepotism, other" in problem


def test_a_label_outside_the_declared_set_is_an_error(data_csv):
    # our own labels are not known to a model declared with illegal_fee and nepotism
    with pytest.raises(DataError, match="unknown label 'nepotism'.*known labels: illegal_fee, slow_service, campaign"):
        read_labelled(data_csv)
    data = read_labelled(data_csv, labels=LABELS2)
    assert data.label_names == LABELS2 and data.labels[-1] == LABELS2


def test_other_is_never_a_label(data_csv):
    from kpkclassify.workflows.train import train

    with pytest.raises(LabelError, match="'other' cannot be a label"):
        train(data_csv, labels="illegal_fee,other")
    result = invoke("train", data_csv, "-o", data_csv.parent / "m.skops", "--labels", "illegal_fee,other", "-q")
    assert result.exit_code == 1
    assert "'other' cannot be a label" in result.output and len(result.output.strip().splitlines()) == 1
    assert not (data_csv.parent / "m.skops").exists()


def test_too_few_examples_names_the_custom_label(tmp_path):
    from kpkclassify.io.labelled import check_trainable

    rows = custom_rows()[:12] + custom_rows()[12:15] + custom_rows()[24:]
    path = write_csv(tmp_path / "few.csv", ["text", "labels"], rows)
    with pytest.raises(DataError, match=r"nepotism has 4 rows.*\(add rows\)"):
        check_trainable(read_labelled(path, labels=LABELS2))


def test_with_bundled_needs_our_labels(data_csv):
    from kpkclassify.workflows.train import train

    with pytest.raises(ValueError, match="--with-bundled"):
        train(data_csv, labels=LABELS2, with_bundled=True)


# -- label guide files --------------------------------------------------------------------
GUIDE_MD = """# Panduan pelabelan

Teks sebelum label pertama diabaikan.

## illegal_fee: pungutan liar
Petugas meminta uang di luar tarif resmi.

### contoh
bayar 50 ribu supaya cepat

## nepotism - jabatan atau proyek untuk kerabat
Keluarga pejabat mendapat pekerjaan, jabatan atau proyek.
"""


def test_markdown_label_guide(tmp_path):
    from kpkclassify.io.labelled import read_label_guide

    path = tmp_path / "guide.md"
    path.write_text(GUIDE_MD, encoding="utf-8")
    guide = read_label_guide(path)
    assert tuple(guide) == LABELS2
    assert guide["illegal_fee"].startswith("pungutan liar Petugas meminta uang")
    assert guide["nepotism"].startswith("jabatan atau proyek untuk kerabat Keluarga")


def test_tsv_label_guide_and_its_errors(tmp_path):
    from kpkclassify.io.labelled import read_label_guide

    good = tmp_path / "guide.tsv"
    good.write_text("# nama\tdeskripsi\nnepotism\tjabatan untuk kerabat\n\nillegal_fee\n", encoding="utf-8")
    assert read_label_guide(good) == {"nepotism": "jabatan untuk kerabat", "illegal_fee": ""}
    bad = tmp_path / "bad.txt"
    bad.write_text("illegal_fee\nother\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.txt:2: 'other' cannot be a label"):
        read_label_guide(bad)
    twice = tmp_path / "twice.md"
    twice.write_text("## nepotism\n## Nepotism Besar\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"twice.md:2: label name 'Nepotism'"):
        read_label_guide(twice)
    with pytest.raises(InputError, match="no such label guide"):
        read_label_guide(tmp_path / "missing.md")


def test_cli_train_with_a_label_guide(data_csv, tmp_path):
    guide = tmp_path / "guide"  # no suffix: --label-guide is a file whatever its name
    guide.write_text("nepotism\tjabatan untuk kerabat\nillegal_fee\tpungli\n", encoding="utf-8")
    out = tmp_path / "guided.skops"
    result = invoke("train", data_csv, "-o", out, "--label-guide", guide, "--cv", "3", "-q")
    assert result.exit_code == 0, result.output
    model = load(out)
    assert model.labels_ == ("nepotism", "illegal_fee")  # the guide's order
    card = model_card(model)
    assert card["labels"]["source"] == "label_guide"
    assert card["labels"]["descriptions"] == {"nepotism": "jabatan untuk kerabat", "illegal_fee": "pungli"}


def test_cli_labels_and_label_guide_are_exclusive(data_csv, tmp_path):
    guide = tmp_path / "guide.txt"
    guide.write_text("nepotism\n", encoding="utf-8")
    result = invoke("train", data_csv, "-o", tmp_path / "m.skops", "--labels", "nepotism", "--label-guide", guide)
    assert result.exit_code == 1
    assert result.output.strip() == "kpkclassify: error: give --labels or --label-guide, not both"


def test_cli_train_with_labels_then_classify(data_csv, tmp_path):
    out = tmp_path / "cli.skops"
    result = invoke("train", data_csv, "-o", out, "--labels", "illegal_fee,nepotism", "--cv", "3", "-q")
    assert result.exit_code == 0, result.output
    assert load(out).labels_ == LABELS2
    src, _ = unlabelled_csv(tmp_path / "in.csv")
    result = invoke("classify", src, "-o", tmp_path / "out.csv", "-m", out, "-q")
    assert result.exit_code == 0, result.output
    header = read_csv(tmp_path / "out.csv")[0]
    assert header == ["id", "text", "labels", "label", "p_illegal_fee", "p_nepotism", "uncertainty", "status"]


def test_cli_train_misspelt_label_names_file_and_row(tmp_path):
    rows = custom_rows()
    rows[3][1] = "nepotisme"
    path = write_csv(tmp_path / "typo.csv", ["text", "labels"], rows)
    result = invoke("train", path, "-o", tmp_path / "m.skops", "--labels", "illegal_fee,nepotism", "-q")
    assert result.exit_code == 1
    assert "typo.csv:5" in result.output and "did you mean 'nepotism'" in result.output


# -- classifying files --------------------------------------------------------------------
def _expected_cells(model, texts):
    return [("|".join(p.labels), p.label, *(f"{p.scores[label]:.4f}" for label in model.labels_))
            for p in model.classify(texts)]


@pytest.mark.parametrize("explain", [False, True], ids=["fast-path", "slow-path"])
def test_classify_file_columns_follow_the_model(custom, tmp_path, explain):
    src, texts = unlabelled_csv(tmp_path / "in.csv")
    out = tmp_path / "out.csv"
    summary = classify_file(src, out, model=custom, explain=explain)
    table = read_csv(out)
    header = table[0]
    assert header[:8] == ["id", "text", "labels", "label", "p_illegal_fee", "p_nepotism", "uncertainty", "status"]
    assert not any(name.startswith("p_") and name[2:] not in LABELS2 for name in header)
    assert "p_campaign" not in header and "p_slow_service" not in header
    present = [t for t in texts if t]
    expected = iter(_expected_cells(custom, present))
    for row, text in zip(table[1:], texts):
        if not text:
            assert row[2:8] == ["", "", "", "", "", "empty_text"]
        else:
            assert tuple(row[2:6]) == next(expected)
            assert 0 <= float(row[6]) <= 1 and row[7] == "ok"
            assert set(row[2].split("|")) <= {*LABELS2, "other"}
    assert summary.labels == LABELS2
    assert set(summary.label_counts) <= {*LABELS2, "other"}
    lines = "\n".join(summary.lines())
    assert "nepotism" in lines and "campaign" not in lines


def test_classify_file_jsonl_and_parallel(custom_path, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps({"text": t}) for t in ILLEGAL_FEE[:3] + NEPOTISM[:3]) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    classify_file(src, out, model=str(custom_path), jobs=2, chunk_size=2)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert set(records[0]) == {"text", "labels", "label", "p_illegal_fee", "p_nepotism", "uncertainty", "status"}
    model = load(custom_path)
    assert [r["labels"] for r in records] == ["|".join(p.labels) for p in model.classify([r["text"] for r in records])]


def test_a_clashing_column_prefixes_all_of_ours(custom, tmp_path):
    src, _ = unlabelled_csv(tmp_path / "in.csv", extra_columns=["p_nepotism"])
    classify_file(src, tmp_path / "out.csv", model=custom)
    header = read_csv(tmp_path / "out.csv")[0]
    assert header == ["id", "text", "p_nepotism", "kpk_labels", "kpk_label", "kpk_p_illegal_fee",
                      "kpk_p_nepotism", "kpk_uncertainty", "kpk_status"]


def test_dask_follows_the_model_labels_and_the_clash_rule(custom):
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    from kpkclassify.dask import classify_dataframe

    texts = ["pegawai minta uang 100 ribu", "", "adik bupati dapat proyek jalan"]
    frame = pd.DataFrame({"text": texts, "label": ["a", "b", "c"]})  # "label" clashes with ours
    result = classify_dataframe(dd.from_pandas(frame, npartitions=1), text_column="text", model=custom).compute()
    assert list(result.columns) == ["text", "label", "kpk_labels", "kpk_label", "kpk_p_illegal_fee",
                                    "kpk_p_nepotism", "kpk_uncertainty", "kpk_status"]
    expected = _expected_cells(custom, [texts[0], texts[2]])
    rows = result[["kpk_labels", "kpk_label", "kpk_p_illegal_fee", "kpk_p_nepotism"]].values.tolist()
    assert [tuple(rows[0]), tuple(rows[2])] == expected
    assert rows[1] == ["", "", "", ""] and result["kpk_status"].tolist() == ["ok", "empty_text", "ok"]


# -- evaluating, comparing, reporting, suggesting -----------------------------------------
def test_evaluate_and_report(custom, data_csv, tmp_path):
    from kpkclassify.workflows.report import html_report, write_report

    data = read_labelled(data_csv, labels=custom.labels_)
    evaluation = custom.evaluate(data.texts, data.labels)
    assert evaluation.label_names == LABELS2
    assert set(evaluation.metrics) == {*LABELS2, "macro"}
    assert evaluation.to_dict()["labels"] == list(LABELS2)
    table = evaluation.table()
    assert "| nepotism |" in table and "campaign" not in table
    page = html_report(custom, data.texts, data.labels, evaluation)
    assert "<h3>nepotism</h3>" in page and "campaign" not in page and "slow_service" not in page
    write_report(tmp_path / "r.html", custom, data.texts, data.labels, evaluation)
    assert "<h3>illegal_fee</h3>" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_compare_models_with_different_label_sets(custom, fitted, data_csv):
    from kpkclassify.workflows.evaluate import compare, compare_table

    evaluations = compare(data_csv, [custom, fitted], names=["custom", "ours"])
    assert evaluations["custom"].label_names == LABELS2
    assert evaluations["ours"].label_names == ("illegal_fee", "slow_service", "campaign")
    table = compare_table(evaluations)
    assert re.search(r"^\| nepotism \| f1 \| \d\.\d{3} \| n/a \| n/a \|$", table, re.M)
    assert "| campaign | f1 | n/a |" in table
    same = compare_table(compare(data_csv, [custom, custom], names=["a", "b"]))
    assert "campaign" not in same and "| nepotism | recall |" in same


def test_compare_still_refuses_a_misspelt_label(custom, tmp_path):
    from kpkclassify.workflows.evaluate import compare

    path = write_csv(tmp_path / "typo.csv", ["text", "labels"], [["adik camat jadi pegawai", "nepotisme"]])
    with pytest.raises(DataError, match=r"typo.csv:2: unknown label 'nepotisme'"):
        compare(path, [custom, custom])


def test_suggest_guesses_use_the_model_labels(custom, tmp_path):
    from kpkclassify.workflows.suggest import suggest

    texts = [t for t, _ in custom_rows()]
    picks = suggest(custom, texts, n=10, max_similarity=1.0)
    assert picks and all(set(p.guess.split("|")) <= {*LABELS2, "other"} for p in picks)
    proba = custom.predict_proba([texts[p.index] for p in picks])
    expected = ["|".join(labels) for labels in custom.predict_labels([texts[p.index] for p in picks])]
    assert [p.guess for p in picks] == expected and proba.shape[1] == 2


def test_evaluation_without_label_names_takes_them_from_its_metrics(custom, data_csv):
    from kpkclassify.metrics import Evaluation, evaluate_predictions

    data = read_labelled(data_csv, labels=LABELS2)
    proba = custom.predict_proba(data.texts)
    evaluation = evaluate_predictions(data.labels, proba, custom.thresholds_, label_names=LABELS2)
    again = Evaluation(evaluation.metrics, evaluation.exact_match, evaluation.recall_at_90_precision,
                       evaluation.calibration_error, n=evaluation.n)
    assert again.label_names == LABELS2 and again.table() == evaluation.table()
    with pytest.raises(ValueError, match="one column per label"):
        evaluate_predictions(data.labels, proba, custom.thresholds_)  # our three labels, two columns


def test_labelled_data_is_checked_against_the_declared_set(data_csv):
    from kpkclassify.workflows.train import train

    data = read_labelled(data_csv, labels=LABELS2)
    with pytest.raises(DataError, match=r"nepotism.csv:\d+: unknown label 'nepotism'"):
        train(data)  # ours by default, which has no nepotism



def test_cli_evaluate_reads_the_models_own_labels(custom_path, data_csv):
    """`kpkclassify evaluate` parses the data with the model's label set, not ours."""
    result = invoke("evaluate", data_csv, "-m", custom_path, "--json")
    assert result.exit_code == 0, result.output
    assert "nepotism" in result.output
