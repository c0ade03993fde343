"""Cue pseudo-terms and training-data augmentation."""

import random

import oracle_features as oracle
from hypothesis import given, settings
from hypothesis import strategies as st

from kpkclassify.features.compiled import TermTable
from kpkclassify.features.cues import CUE_NAMES, with_cues
from kpkclassify.model.augment import augment, noisy_copy


def add_cues(terms, raw):
    """The package's batch cue code on one text given as terms."""
    table = TermTable()
    encoded = table.encode_terms([terms])
    cue_id = {name: table.term(name) for name in CUE_NAMES}
    ids, _ = with_cues(encoded.terms, encoded.doc, [raw], table.flags.data, cue_id, table.negated_ids)
    return [table.terms[i] for i in ids.tolist()]


def test_first_person_request_and_money_cues():
    terms = ["saya", "minta", "_money_", "_rp1e5_", "urus", "ktp"]
    cues = add_cues(terms, "saya dimintai 100rb buat urus KTP")[len(terms):]
    assert "_cue_self_request_" in cues and "_cue_money_request_" in cues


def test_negation_scope_and_duration():
    terms = ["tidak", "pungutan", "biaya", "_num_", "bulan"]
    cues = add_cues(terms, "tidak dipungut biaya, 3 bulan")[len(terms):]
    assert {"neg_pungutan", "neg_biaya", "_cue_duration_"} <= set(cues)


def test_style_cues():
    cues = add_cues(["ayo", "tolak", "pungli"], "Ayo tolak pungli! #StopPungli")
    assert {"_cue_imperative_", "_cue_hashtag_", "_cue_exclaim_", "_len_short_"} <= set(cues)


def test_terms_come_first_and_unchanged():
    terms = ["ktp", "belum", "jadi"]
    assert add_cues(terms, "ktp belum jadi")[:3] == terms


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["saya", "kami", "minta", "bayar", "_money_", "_rp1e5_", "tidak", "bukan",
                                          "_num_", "bulan", "hari", "ayo", "tolak", "ktp", "_url_", "jadi"]),
                         max_size=70), max_size=6),
       st.lists(st.sampled_from(["", "#", "?", "!", "a#b?c!"]), min_size=6, max_size=6))
def test_batch_cues_equal_the_oracle_text_by_text(docs, raws):
    """Cues of several texts at once: each text's cues come after its own terms, as the oracle says."""
    table = TermTable()
    encoded = table.encode_terms(docs)
    cue_id = {name: table.term(name) for name in CUE_NAMES}
    ids, doc = with_cues(encoded.terms, encoded.doc, raws[: len(docs)], table.flags.data, cue_id, table.negated_ids)
    got = [[table.terms[i] for i in ids[doc == k].tolist()] for k in range(len(docs))]
    assert got == [oracle.add_cues(terms, raw) for terms, raw in zip(docs, raws)]


def test_augment_keeps_labels_and_is_seeded():
    texts, labels = ["Sudah tiga bulan KTP saya belum jadi.", "Ayo tolak pungli!"], ["slow_service", "campaign"]
    a = augment(texts, labels, copies=2, seed=1)
    b = augment(texts, labels, copies=2, seed=1)
    assert a == b
    assert a[0][:2] == texts and a[1] == labels * 3 and len(a[0]) == 6


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_noisy_copy_never_raises(text):
    assert isinstance(noisy_copy(text, random.Random(0)), str)
