"""Text normalisation: Unicode, placeholders, hashtags, money, emoji.

Everything here works on whole strings; word-level repairs (elongation, digits used as
letters, slang) happen once per distinct token in :mod:`kpkclassify.text._terms`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from ._money import find_amounts, magnitude_token

#: Placeholder tokens. They start and end with ``_`` so they never collide with a word.
URL, EMAIL, USER, PHONE, MONEY = "_url_", "_email_", "_user_", "_phone_", "_money_"
EMOJI_TOKENS = {
    "angry": "_emo_angry_",
    "sad": "_emo_sad_",
    "praise": "_emo_praise_",
    "money": "_emo_money_",
}
PLACEHOLDERS = frozenset(
    [URL, EMAIL, USER, PHONE, MONEY, *EMOJI_TOKENS.values()] + [f"_rp1e{i}_" for i in range(13)]
)

_EMOJI_GROUPS = {
    "angry": "😠😡🤬👿💢😤🖕",
    "sad": "😢😭😞😔😟😩😫😿💔🥺☹😓😥",
    "praise": "👍👏🙏😊😍🥰❤💯🙌👌😁😀😃😄🤗💪✨🌟⭐🫡💙💚💛🧡💜🤍",
    "money": "💰💵💸🤑💴💶💷🪙",
}
_EMOJI_TO_GROUP = {ch: group for group, chars in _EMOJI_GROUPS.items() for ch in chars}

# Every repetition of the domain part needs its dot, so a word without one fails at once
# (a pattern like [\w-]+(?:\.[\w-]+)* backtracks badly on long texts).
_URL_RE = re.compile(
    r"(?:https?://|www\.)\S+|\b(?:[\w-]+\.)+(?:com|id|net|org|info|ly|me|co)\b(?:/\S*)?",
    re.IGNORECASE,
)
_TLD_RE = re.compile(r"\.(?:co|id|net|org|info|ly|me)")
_EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_MENTION_RE = re.compile(r"(?<![\w@])@\w+")
_PHONE_RE = re.compile(r"(?<![\w+])(?:\+62|62|0)\s?8\d{1,3}(?:[\s-]?\d{2,4}){2,3}(?!\w)")
_HASHTAG_RE = re.compile(r"#(\w+)")
_CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_EMOJI_CHARS = frozenset(_EMOJI_TO_GROUP)
# Money needs a digit or one of these words; most texts have neither and skip the big pattern.
_DIGIT_RE = re.compile(r"\d")
_CURRENCY_RE = re.compile(r"(?<![a-z0-9_])(?:rp|idr)")
MONEY_WORDS = frozenset(
    "ribu rebu juta jeti miliar milyar triliun gocap cepek gopek seceng goceng ceban noban goban jigo "
    "lembar selembar seratus sepuluh seribu sejuta semiliar semilyar".split()
)
TOKEN_RE = re.compile(r"_[a-z0-9]+(?:_[a-z0-9]+)*_|[a-z0-9]+(?:-[a-z0-9]+)*")
# ASCII text is tokenised with bytes.translate + split (two C passes, several times faster
# than the regex); only the rare pieces holding "-" or "_" go through TOKEN_RE.
_TOKEN_BYTES = bytes(c if chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789-_" else 32 for c in range(256))
_MULTIPLIER_AFTER_DIGIT = re.compile(
    r"\d\s*(?:k|rb|rbu|rebu|ribu|ewu|jt|jeti|juta|yuta|m|t|miliar|milyar|mlyr|triliun|trilyun|ribuan|jutaan)(?![a-z])"
)
_DROPPED = frozenset({"So", "Sk", "Cf", "Cs", "Co", "Cn", "Mn", "Me"})
_ACCENTED_RE = re.compile("[\u00c0-\u024f\u1e00-\u1eff]")
_COMBINING_RE = re.compile("[\u0300-\u036f]")
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_NON_ASCII_CHAR_RE = re.compile(r"[^\x00-\x7f]")
_NON_ASCII_RUN_RE = re.compile(r"[^\x00-\x7f]+")


def _clean_unicode(text: str) -> str:
    # The tokenizer keeps only ASCII letters and digits, so ASCII text needs nothing here and
    # control characters anywhere are harmless: they simply never become tokens.
    if text.isascii():
        return text
    # Lone surrogates (from badly decoded files) cannot be normalised or encoded: drop them.
    text = text.encode("utf-8", "ignore").decode("utf-8")
    text = unicodedata.normalize("NFKC", text)
    if _ACCENTED_RE.search(text):  # pelayánan -> pelayanan: fold accents instead of splitting words
        text = _COMBINING_RE.sub("", unicodedata.normalize("NFKD", text))
    if _INVISIBLE_RE.search(text):  # zero-width characters inside a word must not split it
        text = _INVISIBLE_RE.sub("", text)
    return text


def split_hashtag(tag: str, segment: Callable[[str], list[str]] | None = None) -> str:
    """Split a hashtag body into words: by case (``StopPungli``) or, when it is one
    lower-case run, by ``segment`` against a known vocabulary (``layananlelet``)."""
    parts = _CAMEL_RE.sub(" ", tag).replace("_", " ").split()
    words: list[str] = []
    for part in parts:
        low = part.lower()
        words.extend(segment(low) if segment is not None and part.islower() else [low])
    return " ".join(words)


def _replace_emoji(text: str) -> str:
    # Other pictographs need no removal: the tokenizer keeps only ASCII letters and digits.
    # A set intersection finds the few emoji present far faster than a regex over astral chars.
    for ch in _EMOJI_CHARS.intersection(_NON_ASCII_CHAR_RE.findall(text)):
        text = text.replace(ch, f" {EMOJI_TOKENS[_EMOJI_TO_GROUP[ch]]} ")
    return text


def _replace_money(text: str) -> str:
    pieces, last = [], 0
    for start, end, amount in find_amounts(text):
        pieces.append(text[last:start])
        pieces.append(f" {MONEY} {magnitude_token(amount)} ")
        last = end
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def _looks_like_url(text: str) -> bool:
    """Whether ``text`` holds what every URL match needs: ``http``, ``www.`` or a dot before
    one of the top-level domains (any case)."""
    lowered = text if text.islower() else text.lower()
    return "http" in lowered or "www." in lowered or _TLD_RE.search(lowered) is not None


def _may_hold_money(text: str, tokens: list[str]) -> bool:
    """Cheap checks that every written amount passes; most texts fail them all."""
    if not MONEY_WORDS.isdisjoint(tokens):
        return True
    if not _DIGIT_RE.search(text):
        return False
    if ("rp" in text or "idr" in text) and _CURRENCY_RE.search(text) is not None:
        return True
    return _MULTIPLIER_AFTER_DIGIT.search(text) is not None


def fast_tokens(text: str) -> list[str]:
    """Raw tokens of lower-cased text: the same result as ``TOKEN_RE.findall(text)``."""
    # Every non-ASCII character becomes "?" and then a space, exactly as TOKEN_RE skips it.
    pieces = text.encode("ascii", "replace").translate(_TOKEN_BYTES).decode("ascii").split()
    if "-" not in text and "_" not in text:
        return pieces
    out: list[str] = []
    for piece in pieces:
        if "-" in piece or "_" in piece:
            out.extend(TOKEN_RE.findall(piece))
        else:
            out.append(piece)
    return out


def _prepare(text: str, placeholders: bool, hashtags: bool, emoji: bool,
             segment: Callable[[str], list[str]] | None) -> str:
    """Unicode, placeholders, hashtags, lower case and emoji: everything but money."""
    text = _clean_unicode(text)
    if placeholders:
        # Each pattern runs only when its tell-tale character is there: most texts skip most.
        if "@" in text:
            text = _EMAIL_RE.sub(f" {EMAIL} ", text)
        if "." in text and _looks_like_url(text):
            text = _URL_RE.sub(f" {URL} ", text)
        if "@" in text:
            text = _MENTION_RE.sub(f" {USER} ", text)
        if "8" in text and ("08" in text or "62" in text):
            text = _PHONE_RE.sub(f" {PHONE} ", text)
    if hashtags and "#" in text:
        text = _HASHTAG_RE.sub(lambda m: " " + split_hashtag(m.group(1), segment) + " ", text)
    text = text.lower()
    if emoji and not text.isascii():
        text = _replace_emoji(text)
    return text


def normalized_tokens(
    text: str,
    *,
    placeholders: bool = True,
    hashtags: bool = True,
    money: bool = True,
    emoji: bool = True,
    segment: Callable[[str], list[str]] | None = None,
) -> list[str]:
    """The raw tokens of ``normalize(text)``, computed with as few passes as possible."""
    if text.isascii() and "@" not in text and "#" not in text:
        # The common case. For ASCII text without e-mails, mentions or hashtags, lower-casing
        # first changes nothing the URL and phone patterns see (they ignore case).
        text = text.lower()
        if placeholders:
            if "." in text and _looks_like_url(text):
                text = _URL_RE.sub(f" {URL} ", text)
            if "8" in text and ("08" in text or "62" in text):
                text = _PHONE_RE.sub(f" {PHONE} ", text)
    else:
        text = _prepare(text, placeholders, hashtags, emoji, segment)
        if not text.isascii():
            text = _NON_ASCII_RUN_RE.sub(_ascii_stand_in, text)
    tokens = fast_tokens(text)
    if money and _may_hold_money(text, tokens):
        return _tokens_with_money(text) or tokens
    return tokens


def _ascii_stand_in(run: re.Match[str]) -> str:
    """What a run of non-ASCII characters becomes once normalised: the money pattern and the
    tokenizer see only whether a character is a word character, a space or neither, so a
    space stays a space and any other non-word character becomes NUL (dropped by the
    tokenizer, like the original). Word characters (other scripts) are kept as they are:
    the text then takes the slower, fully Unicode-aware path."""
    chars = run.group()
    if chars.isspace():
        return " "
    out = []
    for ch in chars:
        if ch.isalnum() or ch == "_":
            return chars
        out.append(" " if ch.isspace() else "\x00")
    return "".join(out)


def _tokens_with_money(text: str) -> list[str] | None:
    """``fast_tokens(_replace_money(text))``, tokenising only the pieces between amounts;
    ``None`` when the text holds no amount."""
    out: list[str] = []
    last = 0
    for start, end, amount in find_amounts(text):
        out += fast_tokens(text[last:start])
        out += (MONEY, magnitude_token(amount))
        last = end
    if not last:
        return None
    out += fast_tokens(text[last:])
    return out


def normalize(    text: str,
    *,
    placeholders: bool = True,
    hashtags: bool = True,
    money: bool = True,
    emoji: bool = True,
    segment: Callable[[str], list[str]] | None = None,
) -> str:
    """Normalise one text to a lower-case string with placeholder tokens.

    Parameters
    ----------
    text : str
        Any string; invalid characters are dropped, never raised on.
    placeholders : bool
        Replace URLs, e-mail addresses, @mentions and phone numbers with
        ``_url_``, ``_email_``, ``_user_`` and ``_phone_``.
    hashtags : bool
        Split hashtags into words (``#StopPungli`` -> ``stop pungli``).
    money : bool
        Replace amounts of money with ``_money_`` and a magnitude token such as ``_rp1e5_``.
    emoji : bool
        Map emoji to ``_emo_angry_``, ``_emo_sad_``, ``_emo_praise_`` or ``_emo_money_``;
        other pictographs are dropped either way.
    segment : callable, optional
        Splits a lower-case hashtag into known words; see :func:`kpkclassify.text.segment`.
    """
    text = _prepare(text, placeholders, hashtags, emoji, segment)
    if money and _may_hold_money(text, fast_tokens(text)):
        text = _replace_money(text)
    if not text.isascii():  # other pictographs and symbols (the tokenizer skips them too)
        text = "".join(" " if unicodedata.category(ch) in _DROPPED else ch for ch in text)
    return " ".join(text.split())
