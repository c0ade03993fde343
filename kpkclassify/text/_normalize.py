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

_URL_RE = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|id|net|org|info|ly|me|co)(?:/\S*)?\b",
    re.IGNORECASE,
)
_EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_MENTION_RE = re.compile(r"(?<![\w@])@\w+")
_PHONE_RE = re.compile(r"(?<![\w+])(?:\+62|62|0)\s?8\d{1,3}(?:[\s-]?\d{2,4}){2,3}(?!\w)")
_HASHTAG_RE = re.compile(r"#(\w+)")
_CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_SPACE_RE = re.compile(r"\s+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


def _clean_unicode(text: str) -> str:
    # Lone surrogates (from badly decoded files) cannot be normalised or encoded: drop them.
    text = text.encode("utf-8", "ignore").decode("utf-8")
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text)


def split_hashtag(tag: str, segment: Callable[[str], list[str]] | None = None) -> str:
    """Split a hashtag body into words: by case (``StopPungli``) or, when it is one
    lower-case run, by ``segment`` against a known vocabulary (``layananlelet``)."""
    parts = _CAMEL_RE.sub(" ", tag).replace("_", " ").split()
    words: list[str] = []
    for part in parts:
        low = part.lower()
        words.extend(segment(low) if segment is not None and part.islower() else [low])
    return " ".join(words)


def _replace_emoji(text: str, keep: bool) -> str:
    out = []
    for ch in text:
        group = _EMOJI_TO_GROUP.get(ch)
        if group is not None:
            if keep:
                out.append(f" {EMOJI_TOKENS[group]} ")
        elif unicodedata.category(ch) in ("So", "Sk", "Cs", "Co"):
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def _replace_money(text: str) -> str:
    pieces, last = [], 0
    for start, end, amount in find_amounts(text):
        pieces.append(text[last:start])
        pieces.append(f" {MONEY} {magnitude_token(amount)} ")
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def normalize(
    text: str,
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
    text = _clean_unicode(text)
    if placeholders:
        text = _EMAIL_RE.sub(f" {EMAIL} ", text)
        text = _URL_RE.sub(f" {URL} ", text)
        text = _MENTION_RE.sub(f" {USER} ", text)
        text = _PHONE_RE.sub(f" {PHONE} ", text)
    if hashtags:
        text = _HASHTAG_RE.sub(lambda m: " " + split_hashtag(m.group(1), segment) + " ", text)
    text = text.lower()
    if money:
        text = _replace_money(text)
    text = _replace_emoji(text, keep=emoji)
    return _SPACE_RE.sub(" ", text).strip()
