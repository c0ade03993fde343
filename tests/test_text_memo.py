"""The bounded memos of preprocessing: only repeated keys take an entry, and none grows past its cap."""

from kpkclassify._memo import Sightings, remember, remember_repeated


def test_sightings_report_a_key_seen_before():
    sightings = Sightings(bits=16)
    assert sightings.seen_before("lamaaa") is False
    assert sightings.seen_before("lamaaa") is True
    sightings.clear()
    assert sightings.seen_before("lamaaa") is False


def test_sightings_never_forget_a_key():
    sightings = Sightings(bits=10)  # a small table: collisions are frequent, misses impossible
    keys = [f"w{i}" for i in range(3000)]
    for key in keys:
        sightings.seen_before(key)
    assert all(sightings.seen_before(key) for key in keys)


def test_remember_repeated_stores_on_the_second_sighting_and_stays_bounded():
    memo: dict = {}
    sightings = Sightings()
    assert remember_repeated(memo, sightings, "a", 1, limit=3) == 1 and memo == {}
    assert remember_repeated(memo, sightings, "a", 1, limit=3) == 1 and memo == {"a": 1}
    kept: dict = {}  # below keep_first, a key is stored on its first sighting
    assert remember_repeated(kept, Sightings(), "z", 2, limit=3, keep_first=1) == 2 and kept == {"z": 2}
    for key in ("b", "c", "d"):
        remember_repeated(memo, sightings, key, 0, limit=3)
        remember_repeated(memo, sightings, key, 0, limit=3)
    assert len(memo) <= 3 and memo["d"] == 0


def test_remember_empties_a_full_memo():
    memo = {i: i for i in range(4)}
    remember(memo, "x", 1, limit=4)
    assert memo == {"x": 1}


def test_process_memoises_every_token_and_terms_only_repeated_ones():
    from kpkclassify.text._lexicon import default_lexicon
    from kpkclassify.text._terms import Settings, TermProcessor

    processor = TermProcessor(default_lexicon(), Settings())
    assert processor.process(["antri2", "lamaaa"]) == ["antre", "antre", "lama"]
    assert {"antri2", "lamaaa"} <= set(processor._memo)  # texts one at a time: kept from the first sighting
    processor = TermProcessor(default_lexicon(), Settings())  # the batch path asks terms() once per token
    once = [f"kata{i}x" for i in range(200)]
    assert [t for token in once for t in processor.terms(token)] == once
    assert processor.terms("pelayanannya") == processor.terms("pelayanannya") == ("layan",)
    assert len(processor._memo) <= 5  # pelayanannya, and the odd collision of the bit table
    assert "pelayanannya" in processor._memo


def test_the_segment_memo_keeps_only_runs_seen_twice(monkeypatch):
    import kpkclassify.text._preprocess as preprocess_module
    from kpkclassify.text._lexicon import default_lexicon
    from kpkclassify.text._preprocess import _MemoisedSegment
    from kpkclassify.text._terms import segmenter

    monkeypatch.setattr(preprocess_module, "SEGMENT_KEEP_FIRST", 0)
    segment = _MemoisedSegment(segmenter(default_lexicon()))
    assert segment("stoppungli") == ["stop", "pungli"] and segment.memo == {}
    assert segment("stoppungli") == ["stop", "pungli"] and list(segment.memo) == ["stoppungli"]
