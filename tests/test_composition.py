"""Composition features (kpkclassify.features.composition): what each reads, and properties of the batch function."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from kpkclassify.features.composition import FEATURE_NAMES, composition_matrix


def features_of(text: str) -> set[str]:
    row = composition_matrix([text]).toarray()[0]
    return {FEATURE_NAMES[j].removeprefix("comp:") for j in np.flatnonzero(row)}


@pytest.mark.parametrize(("text", "expected"), [
    ("Saya disuruh bayar 200rb sama petugas biar cepat", {"self_subject", "self_demand", "demand_money"}),
    ("Warga diminta setor Rp 50.000 per KK", {"warga_demand", "demand_money"}),
    ("akhirnya lewat calo baru dapat slot antrian", {"route_calo", "calo_gets", "calo_slot"}),
    ("udah 3x gagal login, OTP gak masuk", {"step_fails", "repeated"}),
    ("laporan saya tidak dibalas sampai sekarang", {"unanswered"}),
    ("sudah 3 bulan belum jadi juga", {"waited"}),
    ("Kami mengimbau masyarakat melapor melalui hotline 110", {"agency_voice"}),
    ('"Kami tidak menoleransi pungli," ujar Kapolres', {"quoted", "news_voice"}),
    ("Apakah benar ada pungutan di sekolah itu?", {"question_word", "question_end"}),
    ("Pembuatan KTP gratis, tidak dipungut biaya", {"no_fee"}),
    ("Ayo tolak pungli! #StopPungli #AntiKorupsi", {"campaign_call", "campaign_slogan", "hashtags"}),
    ("@humas_polres tolong diperbaiki aplikasinya", {"agency_account", "reply_start", "app_plea"}),
])
def test_each_feature_reads_its_construction(text: str, expected: set[str]) -> None:
    assert expected <= features_of(text)


@pytest.mark.parametrize(("text", "absent"), [
    ("Saya bayar pajak. Uangnya 200rb buat jajan anak", "demand_money"),  # money in another clause
    ("petugas ramah dan cepat", "demand_money"),
    ("Calo. Antrian panjang sekali", "calo_slot"),  # calo and the queue in different clauses
    ("pelayanan lambat", "question_end"),
    ("", "self_subject"),
])
def test_clauses_and_absences(text: str, absent: str) -> None:
    assert absent not in features_of(text)


def test_batch_equals_one_text_at_a_time_and_shape() -> None:
    texts = ["Saya disuruh bayar 200rb", "", "sudah 2 minggu\nbelum jadi", "@akun ayo lawan korupsi?", "x" * 50]
    batch = composition_matrix(texts)
    assert sp.issparse(batch) and batch.shape == (len(texts), len(FEATURE_NAMES))
    one_by_one = sp.vstack([composition_matrix([t]) for t in texts]).toarray()
    np.testing.assert_array_equal(batch.toarray(), one_by_one)
    assert composition_matrix([]).shape == (0, len(FEATURE_NAMES))


def test_row_boundaries_hold() -> None:
    """A construction split over two texts is in neither."""
    matrix = composition_matrix(["saya", "disuruh bayar 200rb"]).toarray()
    assert matrix[0, FEATURE_NAMES.index("comp:self_demand")] == 0
    assert matrix[1, FEATURE_NAMES.index("comp:self_demand")] == 0


def test_not_a_string_is_an_empty_text() -> None:
    matrix = composition_matrix([None, float("nan"), "saya"])  # type: ignore[list-item]
    assert matrix[:2].nnz == 0 and matrix.shape == (3, len(FEATURE_NAMES))


texts_strategy = st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=80)
                          | st.sampled_from(["saya disuruh bayar 200rb", "lewat calo", "gagal login 3x", "#a #b",
                                             '"kata dia"', "kenapa?", "\x00", "a\u2028b", "\r\n"]),
                          max_size=8)


@settings(max_examples=150, deadline=None)
@given(texts_strategy)
def test_never_raises_and_is_binary(texts: list[str]) -> None:
    matrix = composition_matrix(texts)
    assert matrix.shape == (len(texts), len(FEATURE_NAMES))
    assert set(np.unique(matrix.toarray())) <= {0.0, 1.0}
    np.testing.assert_array_equal(matrix.toarray(), sp.vstack([composition_matrix([t]) for t in texts]).toarray()
                                  if texts else np.zeros((0, len(FEATURE_NAMES))))


words = st.lists(st.sampled_from(["saya", "disuruh", "bayar", "200rb", "calo", "lewat", "slot", "gagal", "login",
                                  "?", ",", ".", "#tolak", "@humas", '"', "tidak", "dibalas", "laporan", "3",
                                  "bulan", "belum", "ayo", "korupsi", "zzz"]), max_size=20)


@settings(max_examples=150, deadline=None)
@given(words, st.lists(st.sampled_from([" ", "  ", "\t", " \t "]), min_size=20, max_size=20),
       st.sampled_from(["", " ", "\t  "]))
def test_extra_whitespace_changes_nothing(tokens: list[str], gaps: list[str], pad: str) -> None:
    plain = " ".join(tokens)
    spaced = pad + "".join(tok + gap for tok, gap in zip(tokens, gaps)) + pad
    np.testing.assert_array_equal(composition_matrix([plain]).toarray(), composition_matrix([spaced]).toarray())


@settings(max_examples=100, deadline=None)
@given(words)
def test_case_changes_nothing(tokens: list[str]) -> None:
    text = " ".join(tokens)
    np.testing.assert_array_equal(composition_matrix([text]).toarray(), composition_matrix([text.upper()]).toarray())
