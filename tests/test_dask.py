"""Dask output equals the single-machine output, on a real LocalCluster of 2 worker processes."""

import csv

import pytest
from conftest import read_csv, write_csv

from kpkclassify import classify_file

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

TEXTS = ["petugas minta uang 100rb biar cepat", "ktp belum jadi tiga bulan", "ayo tolak pungli", "",
         "jalan rusak", "antre lama sekali, calo minta 50rb"]


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_same_output_as_single_machine(client, tmp_path, model_path):
    from kpkclassify.dask import classify_dataframe

    files = []
    for f in range(3):
        rows = [[f"{f}-{i}", TEXTS[(i + f) % len(TEXTS)], str(i)] for i in range(25)]
        files.append(write_csv(tmp_path / f"in_{f}.csv", ["id", "text", "n"], rows))
    ddf = dd.read_csv(str(tmp_path / "in_*.csv"), dtype=str, keep_default_na=False, blocksize=None)
    result = classify_dataframe(ddf, text_column="text", model=str(model_path))
    assert result.npartitions == 3  # lazy: nothing computed yet, one partition per file
    frame = result.compute()

    expected = []
    for path in files:
        out = tmp_path / (path.stem + "_single.csv")
        classify_file(path, out, model=model_path)
        expected += read_csv(out)[1:]
    got = frame[["id", "text", "n", "labels", "label", "p_illegal_fee", "p_slow_service", "p_campaign", "uncertainty", "status"]]
    assert [list(r) for r in got.itertuples(index=False)] == expected


def test_classify_files_writes_partitioned_output(tmp_path, model_path):
    from kpkclassify.dask import classify_files

    write_csv(tmp_path / "a.csv", ["text"], [[t] for t in TEXTS])
    write_csv(tmp_path / "b.csv", ["text"], [[t] for t in reversed(TEXTS)])
    n = classify_files(str(tmp_path / "*.csv"), str(tmp_path / "out" / "part-*.csv"), model=str(model_path),
                       workers=2, blocksize=None)
    assert n == 2 * len(TEXTS)
    parts = sorted((tmp_path / "out").glob("part-*.csv"))
    assert len(parts) == 2
    with open(parts[0], newline="", encoding="utf-8") as fh:
        first = list(csv.DictReader(fh))
    assert [r["text"] for r in first] == TEXTS and first[0]["labels"]


def test_cli_engine_dask(tmp_path, model_path):
    from typer.testing import CliRunner

    from kpkclassify.cli import app

    write_csv(tmp_path / "x.csv", ["text"], [[t] for t in TEXTS])
    result = CliRunner().invoke(app, ["classify", str(tmp_path / "*.csv"), "-o", str(tmp_path / "o" / "p-*.csv"),
                                      "--engine", "dask", "--jobs", "2", "--blocksize", "none", "-m", str(model_path)])
    assert result.exit_code == 0, result.output
    assert len(read_csv(next((tmp_path / "o").glob("p-*.csv")))) == len(TEXTS) + 1


def test_dask_engine_refuses_files_it_cannot_split(tmp_path):
    from kpkclassify import InputError
    from kpkclassify.dask import classify_files

    with pytest.raises(InputError, match="reads CSV files only"):
        classify_files(str(tmp_path / "ekspor.xlsx"), str(tmp_path / "out" / "part-*.csv"))
