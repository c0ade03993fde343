"""Text normalisation: Unicode, placeholders, hashtags, money, emoji.

Everything here works on whole strings; word-level repairs (elongation, digits used as
letters, slang) happen once per distinct token in :mod:`kpkclassify.text._terms`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ._money import amounts_in_ascii, ascii_lower, find_amounts, magnitude_token

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
TOKEN_RE = re.compile(r"_[a-z0-9]+(?:_[a-z0-9]+)*_|[a-z0-9]+(?:-[a-z0-9]+)*")
# ASCII text is tokenised with bytes.translate + split (two C passes, several times faster
# than the regex); only the rare pieces holding "-" or "_" go through TOKEN_RE.
_TOKEN_BYTES = bytes(c if chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789-_" else 32 for c in range(256))
_DROPPED = frozenset({"So", "Sk", "Cf", "Cs", "Co", "Cn", "Mn", "Me"})
_ACCENTED_RE = re.compile("[\u00c0-\u024f\u1e00-\u1eff]")
_COMBINING_RE = re.compile("[\u0300-\u036f]")
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
_INVISIBLE_RE = re.compile("[" + "".join(sorted(_INVISIBLE)) + "]")
_NON_ASCII_CHAR_RE = re.compile(r"[^\x00-\x7f]")


def _clean_unicode(text: str) -> str:
    """NFKC, accents folded, lone surrogates and zero-width characters dropped."""
    return _clean_unicode_chars(text)[0]


def _clean_unicode_chars(text: str) -> tuple[str, frozenset[str]]:
    """:func:`_clean_unicode`, and the distinct non-ASCII characters of the text before it
    (a superset of those after: enough to tell which rare steps can be skipped)."""
    # The tokenizer keeps only ASCII letters and digits, so ASCII text needs nothing here and
    # control characters anywhere are harmless: they simply never become tokens.
    if text.isascii():
        return text, frozenset()
    chars = frozenset(_NON_ASCII_CHAR_RE.findall(text))  # one scan; the checks below look at this set
    if any("\ud800" <= ch <= "\udfff" for ch in chars):
        # Lone surrogates (from badly decoded files) cannot be normalised or encoded: drop them.
        text = text.encode("utf-8", "ignore").decode("utf-8")
    normalized = unicodedata.normalize("NFKC", text)
    if normalized != text:
        text = normalized
        chars = frozenset(_NON_ASCII_CHAR_RE.findall(text))
    if any("\u00c0" <= ch <= "\u024f" or "\u1e00" <= ch <= "\u1eff" for ch in chars):
        # pelayánan -> pelayanan: fold accents instead of splitting words
        text = _COMBINING_RE.sub("", unicodedata.normalize("NFKD", text))
    if not _INVISIBLE.isdisjoint(chars):  # zero-width characters inside a word must not split it
        text = _INVISIBLE_RE.sub("", text)
    return text, chars


def split_hashtag(tag: str, segment: Callable[[str], list[str]] | None = None) -> str:
    """Split a hashtag body into words: by case (``StopPungli``) or, when it is one
    lower-case run, by ``segment`` against a known vocabulary (``layananlelet``)."""
    parts = _CAMEL_RE.sub(" ", tag).replace("_", " ").split()
    words: list[str] = []
    for part in parts:
        low = part.lower()
        words.extend(segment(low) if segment is not None and part.islower() else [low])
    return " ".join(words)


def _replace_emoji(text: str, chars: frozenset[str] | None = None) -> str:
    # Other pictographs need no removal: the tokenizer keeps only ASCII letters and digits.
    # A set intersection finds the few emoji present far faster than a regex over astral chars.
    present = _EMOJI_CHARS.intersection(_NON_ASCII_CHAR_RE.findall(text) if chars is None else chars)
    for ch in present:
        if ch in text:
            text = text.replace(ch, f" {EMOJI_TOKENS[_EMOJI_TO_GROUP[ch]]} ")
    return text


def _replace_money(text: str, amounts: Iterable[tuple[int, int, int]] | None = None) -> str:
    """``text`` with each amount (by default those :func:`find_amounts` finds) replaced by a
    money token and its magnitude token."""
    pieces, last = [], 0
    for start, end, amount in find_amounts(text) if amounts is None else amounts:
        pieces.append(text[last:start])
        pieces.append(f" {MONEY} {magnitude_token(amount)} ")
        last = end
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def _replace_urls(text: str) -> str:
    # Each pattern runs only when its tell-tale characters are there: most texts skip it.
    if "." not in text or not _looks_like_url(text):
        return text
    return _URL_SUB.sub(text, f" {URL} ")


class _Positions:
    """Where the first match of ``pattern`` at or after a point starts (or, with ``ends``,
    ends), remembering the last answer: asking again for a later point before it costs
    nothing, so the searches of one text scan it about once however often they are asked."""

    def __init__(self, pattern: re.Pattern[str] | None, text: str, ends: bool = False) -> None:
        self.pattern, self.text, self.ends = pattern, text, ends
        self.origin, self.start, self.answer = 0, -1, -1  # no match starts in [origin, start)

    def first(self, point: int) -> int:
        if self.pattern is None:
            return len(self.text)
        if not self.origin <= point <= self.start:
            match = self.pattern.search(self.text, point)
            self.origin = point
            if match is None:
                self.start = self.answer = len(self.text)
            else:
                self.start, self.answer = match.start(), match.end() if self.ends else match.start()
        return self.answer


@dataclass(frozen=True)
class _LinearSub:
    """``pattern.sub`` in linear time, for a pattern that is quadratic when searched directly.

    Searching _URL_RE or _EMAIL_RE tries every word boundary of a long run ("a.a.a.a..." or
    "a-a-a-..." beside a ".id" elsewhere, "a.a.a..." beside an "@"), and each try scans to
    the end of the run before failing. Here the pattern is tried only where ``first``
    matches end (the first place in a run where it can start, and only when the run holds
    the "." or "@" it needs), at a match's end when ``start`` (where it can start at all)
    matches there, and where ``prefix`` matches. A failure at a start proves failure at
    every later start in the ``run`` matched there (they see a subset of its candidates),
    so the run is skipped: the same matches as ``pattern.sub``, each character looked at a
    bounded number of times.
    """

    pattern: re.Pattern[str]
    start: re.Pattern[str]
    first: re.Pattern[str]
    run: re.Pattern[str]
    prefix: re.Pattern[str] | None = None

    def sub(self, text: str, replacement: str) -> str:
        pieces: list[str] = []
        last = 0
        firsts, prefixes = _Positions(self.first, text, ends=True), _Positions(self.prefix, text)
        start_from = prefix_from = 0  # where the next start / prefix position may be
        resume = -1  # the end of the last match when a match may start right there
        while True:
            next_start = resume if resume >= 0 else firsts.first(start_from)
            next_prefix = prefixes.first(prefix_from)
            at = min(next_start, next_prefix)
            if at >= len(text):
                break
            match = self.pattern.match(text, at)
            if match is not None:
                pieces += (text[last:at], replacement)
                last = start_from = prefix_from = match.end()
                resume = last if self.start.match(text, last) else -1
                continue
            if at == next_prefix:
                prefix_from = at + 1
            if at == next_start:
                run = self.run.match(text, at)
                start_from, resume = max(at + 1, run.end() if run is not None else at + 1), -1
        if not pieces:
            return text
        pieces.append(text[last:])
        return "".join(pieces)


_URL_SUB = _LinearSub(
    _URL_RE,
    start=re.compile(r"\b[\w-]"),
    first=re.compile(r"(?<![\w-])-*+\b(?=[\w-]*+\.[\w-])"),
    run=re.compile(r"(?:[\w-]++\.)*+[\w-]*+"),  # the labels that one start sees
    prefix=re.compile(r"https?://|www\.", re.IGNORECASE),
)
_EMAIL_SUB = _LinearSub(
    _EMAIL_RE,
    start=re.compile(r"\b[\w.+-]"),
    first=re.compile(r"(?<![\w.+-])[.+-]*+\b(?=[\w.+-]*+@)"),
    run=re.compile(r"[\w.+-]*+"),  # the local part that one start sees
)


def _replace_phones(text: str) -> str:
    return _PHONE_RE.sub(f" {PHONE} ", text) if "8" in text and ("08" in text or "62" in text) else text


def _looks_like_url(text: str) -> bool:
    """Whether ``text`` holds what every URL match needs: ``http``, ``www.`` or a dot before
    one of the top-level domains (any case)."""
    lowered = text if text.islower() else text.lower()
    return "http" in lowered or "www." in lowered or _TLD_RE.search(lowered) is not None


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
    text, chars = _clean_unicode_chars(text)
    split_tags = hashtags and "#" in text
    if not split_tags:
        # Nothing but hashtags depends on case (the placeholder patterns ignore it, and after
        # _clean_unicode lower-casing keeps every length), so lower-case once, first.
        text = text.lower()
    if placeholders:
        if "@" in text:  # an e-mail holds a domain and an @: before URLs and mentions
            text = _EMAIL_SUB.sub(text, f" {EMAIL} ")
        text = _replace_urls(text)
        if "@" in text:
            text = _MENTION_RE.sub(f" {USER} ", text)
        text = _replace_phones(text)
    if split_tags:
        text = _HASHTAG_RE.sub(lambda m: " " + split_hashtag(m.group(1), segment) + " ", text).lower()
    if emoji and chars:
        text = _replace_emoji(text, chars)
    return text


def _prepare_quick(text: str, placeholders: bool, hashtags: bool, emoji: bool,
                   segment: Callable[[str], list[str]] | None) -> str:
    """:func:`_prepare` up to case: the caller lower-cases (with :func:`ascii_lower`).

    The common case takes a shortcut: ASCII text without e-mails, mentions or hashtags needs
    only the URL and phone patterns, and those ignore case."""
    if text.isascii() and "@" not in text and "#" not in text:
        return _replace_phones(_replace_urls(text)) if placeholders else text
    return _prepare(text, placeholders, hashtags, emoji, segment)


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
    text = ascii_lower(_prepare_quick(text, placeholders, hashtags, emoji, segment))
    return (money and amount_tokens(text)) or fast_tokens(text)


#: Separates texts in a batch block; the piece tokenizer turns it into the piece "|".
BLOCK_SEPARATOR = " \x01 "
_PIECE_BYTES = bytes(
    c if chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789-_" else ord("|") if c == 1 else 32 for c in range(256)
)


def normalized_pieces(
    texts: list[str],
    *,
    placeholders: bool = True,
    hashtags: bool = True,
    money: bool = True,
    emoji: bool = True,
    segment: Callable[[str], list[str]] | None = None,
) -> list[str]:
    """The raw tokens of many texts at once, with a ``"|"`` piece after each text but the last.

    The texts are normalised as one block: a string operation costs one call for the whole
    batch instead of one per text, and the money pattern scans the block once. The
    ``BLOCK_SEPARATOR`` between texts stops every pattern, so each text gets exactly the
    tokens :func:`normalized_tokens` gives it, except that a piece holding ``-`` or ``_``
    is left whole (:class:`TermProcessor` splits such a piece as ``TOKEN_RE`` would).
    """
    prepared = [_prepare_quick(t, placeholders, hashtags, emoji, segment) for t in texts]
    block = BLOCK_SEPARATOR.join(prepared)
    if block.count("\x01") != len(texts) - 1:
        # A text holds \x01 itself: make it \x00, which every pattern and the tokenizer treat alike.
        block = BLOCK_SEPARATOR.join(t.replace("\x01", "\x00") for t in prepared)
    block = ascii_lower(block)
    if money:
        block = _replace_money(block, amounts_in_ascii(block))
    return block.encode("ascii").translate(_PIECE_BYTES).decode("ascii").split()


def amount_tokens(text: str) -> list[str] | None:
    """The tokens of lower-case ASCII ``text`` with its amounts replaced by money tokens, or
    ``None`` when it holds no amount."""
    tokens: list[str] = []
    last = 0
    for start, end, amount in amounts_in_ascii(text):  # tokenise the pieces between amounts
        tokens += fast_tokens(text[last:start])
        tokens += (MONEY, magnitude_token(amount))
        last = end
    return tokens + fast_tokens(text[last:]) if last else None


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
    text = _prepare(text, placeholders, hashtags, emoji, segment)
    if money:
        text = _replace_money(text)
    if not text.isascii():  # other pictographs and symbols (the tokenizer skips them too)
        text = "".join(" " if unicodedata.category(ch) in _DROPPED else ch for ch in text)
    return " ".join(text.split())
