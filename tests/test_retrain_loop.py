"""The analyst's whole loop: train, evaluate, suggest, label, retrain with our corpus, compare."""

import csv
from html.parser import HTMLParser

from conftest import write_csv
from typer.testing import CliRunner

from kpkclassify import Classifier, compare, compare_table, load, suggest, train
from kpkclassify.cli import app

runner = CliRunner()


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.external = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href") and value and "://" in value:
                self.external.append(value)


def test_whole_loop(tmp_path, rows):
    labelled = write_csv(tmp_path / "mine.csv", ["text", "labels"], rows)
    pool = write_csv(tmp_path / "pool.csv", ["id", "isi"], [
        [str(i), t] for i, t in enumerate([
            "petugas minta uang tambahan 75rb", "antrean bpjs mengular sampai siang", "ayo lapor kalau dipungli",
            "harga beras naik", "ktp belum jadi juga", "uang damai ke polisi 100rb", "seragam sekolah wajib beli 800rb",
            "sidang ditunda lagi", "layanan gratis tanpa calo", "jalan berlubang", "surat pindah tiga minggu belum keluar",
        ])])

    # train and evaluate
    assert runner.invoke(app, ["train", str(labelled), "-o", str(tmp_path / "a.skops"), "--cv", "3", "-q"]).exit_code == 0
    report = tmp_path / "report.html"
    result = runner.invoke(app, ["evaluate", str(labelled), "-m", str(tmp_path / "a.skops"), "--report", str(report)])
    assert result.exit_code == 0, result.output
    parser = _Collector()
    parser.feed(report.read_text(encoding="utf-8"))
    assert parser.tags.count("svg") == 6 and "table" in parser.tags and parser.external == []

    # suggest, then "label" the suggestions as an analyst would
    result = runner.invoke(app, ["suggest", str(pool), "-n", "4", "-o", str(tmp_path / "todo.csv"),
                                 "-m", str(tmp_path / "a.skops"), "-t", "isi"])
    assert result.exit_code == 0, result.output
    with open(tmp_path / "todo.csv", newline="", encoding="utf-8") as fh:
        todo = list(csv.DictReader(fh))
    assert 1 <= len(todo) <= 4 and {"labels", "model_guess", "uncertainty", "source_line"} <= set(todo[0])
    for row in todo:
        row["labels"] = row["model_guess"]
    with open(tmp_path / "labelled_more.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["isi", "labels"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(todo)

    # retrain with our bundled corpus added, then compare
    result = runner.invoke(app, ["train", str(labelled), str(tmp_path / "labelled_more.csv"), "--with-bundled",
                                 "-o", str(tmp_path / "b.skops"), "--cv", "3", "-q", "-t", "text"])
    assert result.exit_code == 1 and "no column 'text'" in result.output  # the second file names it 'isi'
    with open(tmp_path / "labelled_more.csv", newline="", encoding="utf-8") as fh:
        extra = [(r["isi"], r["labels"]) for r in csv.DictReader(fh)]
    write_csv(tmp_path / "all_mine.csv", ["text", "labels"], rows + extra)
    result = runner.invoke(app, ["train", str(tmp_path / "all_mine.csv"), "--with-bundled",
                                 "-o", str(tmp_path / "b.skops"), "--cv", "3", "-q"])
    assert result.exit_code == 0, result.output
    card = load(tmp_path / "b.skops").card_
    assert card["options"]["with_bundled"] is True and card["training_data"]["rows"] > len(rows) + 100
    result = runner.invoke(app, ["compare", str(labelled), "-m", str(tmp_path / "a.skops"), "-m", str(tmp_path / "b.skops")])
    assert result.exit_code == 0 and "| macro | f1 |" in result.output


def test_library_equivalents(tmp_path, rows, fitted):
    path = write_csv(tmp_path / "d.csv", ["text", "labels"], rows)
    model = train(path, cv=3, classifier=Classifier(min_df=1), test_size=0.3)
    assert "held_out" in model.card_ and model.card_["training_data"]["test_rows"] > 0
    picks = suggest(fitted, ["uang 50rb", "antre lama", "uang 50rb!"], n=3)
    assert len(picks) == 2  # the near-duplicate is skipped
    table = compare_table(compare(path, [fitted, model]))
    assert "model 2 - model 1" in table


def test_training_twice_gives_identical_models(tmp_path, rows):
    path = write_csv(tmp_path / "d.csv", ["text", "labels"], rows)
    a = train(path, cv=3, classifier=Classifier(min_df=1), seed=3)
    b = train(path, cv=3, classifier=Classifier(min_df=1), seed=3)
    probe = [t for t, _ in rows]
    assert (a.predict_proba(probe) == b.predict_proba(probe)).all()
    assert a.card_["training_data"]["sha256"] == b.card_["training_data"]["sha256"]
