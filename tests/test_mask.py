"""Masking personal data: the function, its properties, and the artefacts that use it."""

from __future__ import annotations

import re
import time

import pytest
from conftest import read_csv, write_csv
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kpkclassify.text import mask_personal

EXAMPLES = [
    ("Hubungi @budi_s atau budi.s+kpk@mail.co.id", "Hubungi @user atau [email]"),
    ("WA 0812-3456-7890 / 0812 3456 7890 / 081234567890", "WA [phone] / [phone] / [phone]"),
    ("telp +62 812 3456 7890 atau 62 812-3456-789", "telp [phone] atau [phone]"),
    ("kantor +62 21 5551 234", "kantor [phone]"),
    ("NIK 3201012345678901 KK 3201 0123 4567 8902", "NIK [nik] KK [nik]"),
    ("nik: 320101.010190.0001", "nik: [nik]"),
    ("rekening 12345678901234567890", "rekening [nik]"),
    ("mobil B 1234 XYZ, motor AB 123 CD, truk L1234AB", "mobil [plate], motor [plate], truk [plate]"),
    ("ig @nama.saya.", "ig @user."),
    # not personal data: left exactly as written
    ("jam 08.30 di RT 05 RW 02, ke 3 rt", "jam 08.30 di RT 05 RW 02, ke 3 rt"),
    ("bayar Rp 50.000 tgl 12-05-2023, kode 0812", "bayar Rp 50.000 tgl 12-05-2023, kode 0812"),
    ("a@b tanpa domain, harga 2.500.000", "a@b tanpa domain, harga 2.500.000"),
    ("#StopPungli kelas A1", "#StopPungli kelas A1"),
]


@pytest.mark.parametrize("text, expected", EXAMPLES)
def test_examples(text, expected):
    assert mask_personal(text) == expected


def test_exported_from_the_package():
    import kpkclassify

    assert kpkclassify.mask_personal is mask_personal
    assert "mask_personal" in dir(kpkclassify)


_PERSONAL = st.sampled_from(["budi@mail.com", "@budi", "0812-3456-7890", "+62 812 3456 7890", "3201012345678901",
                             "B 1234 XYZ", "x.y@z.co.id", "@a.b"])
_NOISE = st.sampled_from(["a", "B", "1", "0", "8", "62", "+", "@", ".", "-", " ", "_", "é", "١", "\n", "[", "]",
                          "com", "id", "XYZ", "AB", "1234", "0812", "3456"])
_TEXTS = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(_NOISE, _PERSONAL), max_size=25).map("".join),
    st.lists(st.one_of(_NOISE, _PERSONAL), max_size=25).map(" ".join),
)


@settings(max_examples=1500, deadline=None)
@given(_TEXTS)
def test_never_raises_and_is_idempotent(text):
    once = mask_personal(text)
    assert isinstance(once, str)
    assert mask_personal(once) == once


@settings(max_examples=1500, deadline=None)
@given(_TEXTS)
def test_no_run_of_16_digits_survives(text):
    assert re.search(r"\d{16}", mask_personal(text)) is None


@settings(max_examples=800, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Nd", "Lu")).filter(lambda ch: ch != "@"), max_size=80))
def test_text_without_such_items_is_unchanged(text):
    # No digit, no capital letter and no @: nothing that could be personal data.
    assert mask_personal(text) == text


@pytest.mark.parametrize("unit, suffix", [("1", ""), ("1.", ""), ("0812 ", ""), ("+62 8", ""), ("@", ""), ("a.", " @"),
                                          ("a.", "@"), ("a@a.", ""), ("B 1", ""), ("AB 1234 ", ""), ("1234 ", "")])
def test_linear_time_on_long_runs(unit, suffix):
    size = 32_000
    plain = ("Hubungi budi@mail.com atau 0812-3456-7890, NIK 3201012345678901, mobil B 1234 XYZ. @budi "
             "petugas minta 200rb biar cepat ")
    adversarial = (unit * (size // len(unit) + 1))[: size - len(suffix)] + suffix
    plain = (plain * (size // len(plain) + 1))[:size]

    def best(text: str, repeat: int) -> float:
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            mask_personal(text)
            times.append(time.perf_counter() - start)
        return min(times)

    base = best(plain, 5)
    took = best(adversarial, 1)
    if took > 10 * base:  # a busy moment, or really slow: measure both again, together
        took, base = best(adversarial, 3), best(plain, 3)
    # linear runs measure 0.1-3x the plain text; a quadratic pattern hundreds of times
    assert took <= 10 * base, f"{unit!r}: {took / base:.1f}x plain text of the same length"


# -- wiring -------------------------------------------------------------------------
PRIVATE = "petugas minta uang 100rb biar ktp cepat jadi, hubungi budi@mail.com atau 0812-3456-7890"
SECRETS = ("budi@mail.com", "0812-3456-7890")


def test_suggest_masks_the_texts_it_returns_only_when_asked(fitted):
    from kpkclassify import suggest

    texts = [PRIVATE, "jalan rusak di depan rumah", "ktp belum jadi tiga bulan"]
    plain = suggest(fitted, texts, n=3)
    masked = suggest(fitted, texts, n=3, mask_personal=True)
    assert [(s.index, s.guess, s.uncertainty) for s in plain] == [(s.index, s.guess, s.uncertainty) for s in masked]
    private = next(s for s in masked if s.index == 0)
    assert not any(secret in private.text for secret in SECRETS)
    assert "[email]" in private.text and "[phone]" in private.text
    assert next(s for s in plain if s.index == 0).text == PRIVATE


def test_suggest_file_masks_the_text_column_only(fitted, tmp_path):
    from kpkclassify import suggest_file

    src = write_csv(tmp_path / "in.csv", ["id", "text", "contact"],
                    [["1", PRIVATE, "budi@mail.com"], ["2", "antre dari pagi belum dipanggil", ""]])
    suggest_file(str(src), str(tmp_path / "plain.csv"), model=fitted, n=2)
    suggest_file(str(src), str(tmp_path / "masked.csv"), model=fitted, n=2, mask_personal=True)
    plain, masked = read_csv(tmp_path / "plain.csv"), read_csv(tmp_path / "masked.csv")
    row = next(r for r in masked if r[0] == "1")
    assert not any(secret in row[1] for secret in SECRETS)
    assert row[2] == "budi@mail.com"  # other columns are copied as they are
    assert [r[0] for r in plain] == [r[0] for r in masked]
    assert [r[3:] for r in plain] == [r[3:] for r in masked]  # same guesses and uncertainties
    assert any(PRIVATE == r[1] for r in plain)


def _evaluation_with_the_private_text_as_an_error(fitted):
    predicted = fitted.predict_labels([PRIVATE])[0]
    wrong = "campaign" if "campaign" not in predicted else "other"
    texts, labels = [PRIVATE, "jalan rusak parah"], [wrong, "other"]
    return texts, labels, fitted.evaluate(texts, labels, n_errors=5)


def test_html_report_masks_the_texts_it_shows(fitted):
    from kpkclassify import html_report

    texts, labels, evaluation = _evaluation_with_the_private_text_as_an_error(fitted)
    assert any(e["text"] == PRIVATE for e in evaluation.errors)
    shown = html_report(fitted, texts, labels, evaluation)
    masked = html_report(fitted, texts, labels, evaluation, mask_personal=True)
    assert all(secret in shown for secret in SECRETS)
    assert not any(secret in masked for secret in SECRETS)
    assert "[email]" in masked


def test_cli_flags(fitted, model_path, tmp_path):
    from kpkclassify.cli import app

    runner = CliRunner()
    src = write_csv(tmp_path / "in.csv", ["text"], [[PRIVATE], ["jalan rusak di depan rumah"]])
    result = runner.invoke(app, ["suggest", str(src), "-o", str(tmp_path / "s.csv"), "-n", "2",
                                 "--model", str(model_path), "--mask-personal"])
    assert result.exit_code == 0, result.output
    written = (tmp_path / "s.csv").read_text(encoding="utf-8")
    assert "[email]" in written and not any(secret in written for secret in SECRETS)

    texts, labels, _ = _evaluation_with_the_private_text_as_an_error(fitted)
    data = write_csv(tmp_path / "labelled.csv", ["text", "labels"], [list(p) for p in zip(texts, labels)])
    for flag, present in (([], True), (["--mask-personal"], False)):
        report = tmp_path / f"report{len(flag)}.html"
        result = runner.invoke(app, ["evaluate", str(data), "--model", str(model_path), "--report", str(report),
                                     *flag])
        assert result.exit_code == 0, result.output
        page = report.read_text(encoding="utf-8")
        assert all((secret in page) == present for secret in SECRETS)
