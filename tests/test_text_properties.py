"""Property tests: preprocessing never raises, is deterministic and returns clean tokens."""

from hypothesis import given, settings
from hypothesis import strategies as st

from kpkclassify.text import extract_amounts, normalize, preprocess

any_text = st.text(alphabet=st.characters(codec=None), max_size=300)
indonesian_ish = st.lists(
    st.sampled_from(["ktp", "gak", "jadi2", "lamaaa", "Rp", "50.000", "50rb", "#StopPungli", "@user", "😡", "s4ya",
                     "berbelit-belit", "\u0000", "\ud800", "\u202e", "ﷺ", "https://x.id/a", "sejuta", "  ", "\n"]),
    max_size=40,
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(any_text, indonesian_ish))
def test_preprocess_never_raises_and_returns_clean_tokens(text):
    tokens = preprocess(text)
    assert all(isinstance(t, str) and t and t == t.lower() and " " not in t for t in tokens)
    assert preprocess(text) == tokens  # deterministic


@settings(max_examples=200, deadline=None)
@given(any_text)
def test_normalize_is_idempotent_enough(text):
    once = normalize(text)
    assert isinstance(once, str)
    assert once == once.strip()


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=10**12))
def test_amounts_written_with_rp_round_trip(amount):
    written = f"Rp {amount:,}".replace(",", ".")
    assert extract_amounts(written) == [amount]


def test_very_long_and_odd_strings():
    assert preprocess("a" * 1_000_000) == preprocess("a" * 1_000_000)
    assert isinstance(preprocess("\ud800\udfff\u0000\u200f עברית العربية 🏳️‍🌈"), list)


money_like = st.lists(
    st.sampled_from(["rp", "Rp.", "idr", "50", "1,5", "2.500.000", "rb", "ribu", "jt", "juta", "k", "m", "dua", "lima",
                     "puluh", "ratus", "sejuta", "seribu", "gocap", "selembar", "merah", "terpaksa", "bayar", " ", "  "]),
    max_size=12,
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(money_like, st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 -_.,#@é", max_size=80)))
def test_fast_paths_agree_with_the_plain_regexes(text):
    from kpkclassify.text._normalize import TOKEN_RE, fast_tokens

    lowered = text.lower()
    assert fast_tokens(lowered) == TOKEN_RE.findall(lowered)


money_words = st.lists(
    st.sampled_from(["rp", "Rp.", "idr", "50", "1,5", "2.500.000", ".", ",", "-", ",-", "rb", "ribu", "rebu", "jt", "juta",
                     "k", "m", "t", "dua", "lima", "sembilan", "puluh", "belas", "ratus", "se", "setengah", "sejuta",
                     "seribu", "sewu", "gocap", "goceng", "lembar", "selembar", "merah", "biru", "rupiah", "perak",
                     "bayar", "sebagai", "duanya", "x", "_", "é", "\n", " ", "  ", ""]),
    max_size=14,
)


@settings(max_examples=500, deadline=None)
@given(st.one_of(money_words.map(" ".join), money_words.map("".join), st.text(alphabet="abrpdiujtkm0123456789 .,-_é", max_size=60)))
def test_amounts_found_at_triggers_equal_a_full_scan(text):
    from kpkclassify.text._money import _PATTERN, _matches, ascii_lower

    candidate = ascii_lower(text)
    assert [m.span() for m in _matches(candidate)] == [m.span() for m in _PATTERN.finditer(candidate)]


@settings(max_examples=400, deadline=None)
@given(st.one_of(any_text, indonesian_ish, money_like,
                 st.text(alphabet="abcrpkt0123456789 .,-_#@😡—\u2028\u00a0ΩЖé日٣", max_size=80)))
def test_token_fast_path_equals_tokenizing_the_normalised_string(text):
    from kpkclassify.text import tokenize
    from kpkclassify.text._normalize import normalized_tokens
    from kpkclassify.text._preprocess import _segment_for

    assert normalized_tokens(text, segment=_segment_for(None)) == tokenize(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(any_text, indonesian_ish, money_like, st.sampled_from(["\x01", "a\x01b", "|", "x-", "a_b"])),
                max_size=8))
def test_a_batch_block_gives_each_text_its_own_tokens(texts):
    from kpkclassify.text._normalize import TOKEN_RE, normalized_pieces, normalized_tokens
    from kpkclassify.text._preprocess import _segment_for

    segment = _segment_for(None)
    per_text: list[list[str]] = [[]]
    for piece in normalized_pieces(texts, segment=segment):
        if piece == "|":
            per_text.append([])
        else:
            per_text[-1].extend(TOKEN_RE.findall(piece))
    expected = [normalized_tokens(t, segment=segment) for t in texts] or [[]]
    assert per_text == expected


def _reference_segment(run: str, vocab: frozenset[str]) -> list[str]:
    """The hashtag segmenter as first written (a DP over (cost, words) pairs): the oracle
    of the faster one in kpkclassify.text._terms."""
    if run in vocab or len(run) > 60:
        return [run]
    n = len(run)
    best: list = [None] * (n + 1)
    best[0] = (0.0, [])
    for end in range(1, n + 1):
        for start in range(max(0, end - 20), end):
            prev = best[start]
            if prev is None:
                continue
            piece = run[start:end]
            cost = 1.0 if piece in vocab and (len(piece) > 1) else 3.0 * len(piece)
            candidate = (prev[0] + cost, prev[1] + [piece])
            if best[end] is None or candidate[0] < best[end][0]:
                best[end] = candidate
    words = best[n][1] if best[n] else [run]
    merged: list[str] = []
    for word in words:
        if merged and word not in vocab and merged[-1] not in vocab:
            merged[-1] += word
        else:
            merged.append(word)
    return merged


_VOCAB_SAMPLE = ["stop", "pungli", "layanan", "lambat", "pelayanan", "antri", "an", "di", "ke", "a", "kan", "nya",
                 "perpanjangan", "ktp", "samsat", "lama", "banget", "se", "ber", "main", "kami", "pemerintah"]


@settings(max_examples=600, deadline=None)
@given(st.one_of(
    st.lists(st.one_of(st.sampled_from(_VOCAB_SAMPLE), st.text(alphabet="abceiknrstuz", min_size=1, max_size=4)),
             max_size=12).map("".join),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", max_size=70),
))
def test_segmentation_equals_the_reference_dp(run):
    from kpkclassify.text._lexicon import default_lexicon
    from kpkclassify.text._preprocess import _default_segment

    segment = _default_segment().segment  # the segmenter itself, without its memo
    assert segment(run) == _reference_segment(run, default_lexicon().vocabulary)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["lamaaa", "s4ya", "antri2", "berbelit-belit", "pelayanannya", "dimintain", "gak",
                                 "ktpnya", "aduannya", "saaaat", "sellalu", "_user_", "123", "a-b-c", "x_y", "ku",
                                 "mengantri", "kinerja", "pemalakan", "antriannn", "2", "nya", "kok", "lah"]),
                max_size=10))
def test_memoised_terms_equal_fresh_ones(tokens):
    from kpkclassify.text._lexicon import default_lexicon
    from kpkclassify.text._terms import Settings, TermProcessor

    processor = TermProcessor(default_lexicon(), Settings())
    first = processor.process(tokens)  # each token seen once or twice: partly memoised
    again = processor.process(tokens)  # every repeated token memoised by now
    fresh = [term for token in tokens for term in TermProcessor(default_lexicon(), Settings())._compute(token)]
    assert first == again == fresh
