"""Preprocessing: one test per rule, with cases we wrote."""

import pytest

from kpkclassify.text import (
    IndonesianPreprocessor,
    build_lexicon,
    extract_amounts,
    normalize,
    preprocess,
    segment,
    stem,
    tokenize,
)


@pytest.mark.parametrize(
    "text, amounts",
    [
        ("Rp 50.000", [50_000]),
        ("Rp50.000,-", [50_000]),
        ("rp.50rb", [50_000]),
        ("50rb", [50_000]),
        ("50 ribu", [50_000]),
        ("1,5 jt", [1_500_000]),
        ("1.5jt", [1_500_000]),
        ("200k", [200_000]),
        ("2 juta", [2_000_000]),
        ("sejuta", [1_000_000]),
        ("seratus ribu", [100_000]),
        ("gocap", [50]),
        ("cepek", [100]),
        ("gopek", [500]),
        ("seceng", [1_000]),
        ("goceng", [5_000]),
        ("ceban", [10_000]),
        ("selembar merah", [100_000]),
        ("dua lembar biru", [100_000]),
        ("Rp 1.500.000,00", [1_500_000]),
        ("dua ratus lima puluh ribu", [250_000]),
        ("dua juta lima ratus ribu", [2_500_000]),
        ("IDR 200k", [200_000]),
        ("bayar 50rb lalu 100rb lagi", [50_000, 100_000]),
        ("jam 10.30 tanggal 12", []),
        ("tahun 2024", []),
    ],
)
def test_extract_amounts(text, amounts):
    assert extract_amounts(text) == amounts


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Lihat https://contoh.go.id/lapor ya", "lihat _url_ ya"),
        ("kirim ke admin@contoh.id", "kirim ke _email_"),
        ("@dukcapil_kota tolong", "_user_ tolong"),
        ("hubungi 0812-3456-7890", "hubungi _phone_"),
        ("#StopPungli", "stop pungli"),
        ("#layananlelet", "layanan lelet"),
        ("bayar Rp 20.000", "bayar _money_ _rp1e4_"),
        ("kesal 😡", "kesal _emo_angry_"),
        ("mantap 👍", "mantap _emo_praise_"),
        ("ＫＴＰ", "ktp"),
    ],
)
def test_normalize(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize(
    "token, expected",
    [
        ("lamaaaa", ["lama"]),
        ("bangettt", ["banget"]),
        ("maaaaf", ["maaf"]),
        ("s4ya", ["saya"]),
        ("antri2", ["antre", "antre"]),
        ("surat-surat", ["surat", "surat"]),
        ("berbelit-belit", ["berbelit"]),
        ("gak", ["tidak"]),
        ("udh", ["sudah"]),
        ("ngurus", ["urus"]),
        ("nunggu", ["tunggu"]),
        ("dimintain", ["minta"]),
        ("dibayarin", ["bayar"]),
        ("suwe", ["lama"]),
        ("lelet", ["lambat"]),
    ],
)
def test_word_repairs_and_slang(token, expected):
    assert preprocess(token) == expected


@pytest.mark.parametrize(
    "word, expected",
    [
        ("bekasi", "bekasi"),
        ("relawan", "relawan"),
        ("pengering", "kering"),
        ("berikan", "beri"),
        ("perampasan", "rampas"),
        ("pelicin", "pelicin"),
        ("perizinan", "izin"),
        ("antrean", "antre"),
        ("pelayanan", "layan"),
        ("pengaduan", "aduan"),
        ("pemerasan", "peras"),
        ("penyuapan", "suap"),
        ("gratifikasi", "gratifikasi"),
        ("pungli", "pungli"),
        ("korupsi", "korupsi"),
        ("wbk", "wbk"),
        ("menunggu", "tunggu"),
        ("dimintai", "minta"),
    ],
)
def test_stem_exceptions_and_protected(word, expected):
    assert stem(word) == expected


@pytest.mark.parametrize("word", ["tidak", "belum", "bukan", "lama", "hari", "bulan", "minggu", "jam", "tahun",
                                  "minta", "bayar", "kasih"])
def test_cue_words_survive(word):
    assert preprocess(word) != []


def test_stopwords_are_dropped():
    assert preprocess("yang dan di ke dari") == []


def test_tokenize_keeps_raw_forms():
    assert tokenize("KTP sy blm jadi2, udh 3 bulan!!") == ["ktp", "sy", "blm", "jadi2", "udh", "3", "bulan"]


def test_segment_uses_vocabulary():
    assert segment("stoppungli") == ["stop", "pungli"]


def test_user_lexicon_overrides():
    lexicon = build_lexicon(slang={"bgst": "bangsat"}, stopwords=["ktp"], protected=["pelayanan"])
    assert preprocess("bgst ktp pelayanan", lexicon=lexicon) == ["bangsat", "pelayanan"]
    # the default lexicon is untouched
    assert preprocess("ktp pelayanan") == ["ktp", "layan"]


def test_transformer_switches_steps():
    text = ["Pelayanannya lamaaa bgt"]
    assert IndonesianPreprocessor().fit_transform(text) == ["layan lama banget"]
    assert IndonesianPreprocessor(stem=False).fit_transform(text) == ["pelayanannya lama banget"]
    assert IndonesianPreprocessor(output="tokens").fit_transform(text) == [["layan", "lama", "banget"]]


def test_transformer_holds_no_stemmer_or_cache():
    pre = IndonesianPreprocessor().fit(["x"])
    assert all(not k.endswith("_") for k in vars(pre))


def test_transformer_rejects_single_string():
    with pytest.raises(TypeError, match="iterable of texts"):
        IndonesianPreprocessor().transform("teks")


# -- the shipped data files: ours, MIT, nothing derived from PySastrawi's dictionary ----------
DATA = __import__("pathlib").Path(__import__("kpkclassify.text", fromlist=["x"]).__file__).parent / "data"


def test_no_stem_table_is_shipped():
    from kpkclassify.text import default_lexicon

    assert not (DATA / "stems.tsv").exists()
    assert dict(default_lexicon().stems) == {}
    # the rules alone give the stems the table used to hold
    assert [stem(w) for w in ("pelayanannya", "dimintai", "antriannya", "kepastian")] == ["layan", "minta", "antre", "pasti"]


def test_every_stem_exception_has_a_reason():
    lines = [line for line in (DATA / "stem_exceptions.tsv").read_text(encoding="utf-8").splitlines() if line.strip()]
    reason = False
    for line in lines:
        if line.startswith("#"):
            reason = True
            continue
        assert reason, f"stem_exceptions.tsv: {line!r} comes before any reason"
        assert len(line.split("\t")) == 2


def test_corpus_words_are_neither_root_words_nor_stems():
    from kpkclassify.text._lexicon import _corpus_words, default_lexicon, root_words

    words = _corpus_words()
    assert len(words) > 4000 and words.isdisjoint(root_words())
    assert all(stem(w) != w for w in sorted(words)[:200])  # each one is an affixed form
    assert words <= default_lexicon().vocabulary


def test_segmentation_knows_affixed_corpus_words():
    assert segment("perpanjanganlama") == ["perpanjangan", "lama"]  # from corpus_words.txt
