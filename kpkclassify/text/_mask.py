"""Masking personal data in texts that are copied into files others will read.

Complaints name their writers: e-mail addresses, @handles, phone numbers, NIK (the 16-digit
national identity number) and vehicle plates. :func:`mask_personal` replaces each with a
placeholder so that a labelling sheet or an evaluation report can be shared. Every pattern
is bounded or anchored so that it takes linear time on any input (see
tests/test_pattern_growth.py and bench/patterns.py for the unmasked patterns).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ._normalize import _EMAIL_SUB

EMAIL_MASK, USER_MASK, PHONE_MASK, NIK_MASK, PLATE_MASK = "[email]", "@user", "[phone]", "[nik]", "[plate]"

# The phone, handle and plate patterns refuse to start after a word character, and after
# "]" too, which ends our placeholders: an item right after a masked one ("A1A@0") must
# look the same to a second pass as to the first, so that masking twice changes nothing.

_DIGIT_RE = re.compile(r"\d")
# Any run of 16 or more digits: a NIK, or a card or account number, which is as personal.
_LONG_NUMBER_RE = re.compile(r"(?<!\d)\d{16,}")
# A NIK written in groups: 3201 0123 4567 8901, or province-date-serial 320101.010190.0001.
_GROUPED_NIK_RE = re.compile(r"(?<!\d)(?:\d{4}([ .-])\d{4}\1\d{4}\1\d{4}|\d{6}([ .-])\d{6}\2\d{4})(?!\d)")
# +62 812-3456-7890, 62 812 3456 7890, 0812 3456 7890, 081234567890, +62 21 555 1234; at
# least nine digits, so that a time (08.30) or a short code (0812) is left alone.
_PHONE_RE = re.compile(
    r"(?<![\w+\]])(?=\+?\s?(?:[ .()-]{0,2}\d){9})"  # at least nine digits
    r"(?:(?:\+\s?62|62|0)[ .-]?8\d{1,3}|\+\s?62[ .-]?\(?[1-9]\d{0,3}\)?)(?:[ .-]?\d{2,5}){1,4}(?!\d)"
)
# @handles, with the dots Instagram allows inside them (@nama.saya).
_HANDLE_RE = re.compile(r"(?<![\w@\]])@\w+(?:\.\w+)*")
# Region codes of Indonesian plates (upper case, as on the plate): B 1234 XYZ, AB 123 CD.
# Only real codes, a number not starting with 0 and a 1-3 letter suffix: "RT 05 RW 02"
# and "ke 3 rt" are not plates.
_REGIONS = (
    "A B D E F G H K L M N P R S T W Z AA AB AD AE AG BA BB BD BE BG BH BK BL BM BN BP "
    "DA DB DC DD DE DG DH DK DL DM DN DR DT EA EB ED KB KH KT KU PA PB PG PS PT PY"
).split()
_PLATE_RE = re.compile(
    r"(?<![\w\]])(?:" + "|".join(sorted(_REGIONS, key=len, reverse=True)) + r")[ -]?[1-9]\d{0,3}[ -]?[A-Z]{1,3}(?![\w])"
)


def mask_personal(text: str) -> str:
    """Replace personal data in a text by placeholders.

    E-mail addresses become ``[email]``, @handles ``@user``, Indonesian phone numbers
    (``+62``, ``62`` or ``08...``, with spaces, dots or dashes) ``[phone]``, NIK numbers
    (16 digits, also grouped ``3201 0123 4567 8901``; any longer run of digits too)
    ``[nik]``, and vehicle plates written in capitals (``B 1234 XYZ``, ``AB 123 CD``)
    ``[plate]``. Everything else is left exactly as it was. Masking twice gives the same
    text as masking once, and no run of 16 digits survives.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    str
        The text with each item replaced.

    Examples
    --------
    >>> mask_personal("Hubungi @budi_s atau budi@mail.com, WA 0812-3456-7890, NIK 3201012345678901, mobil B 1234 XYZ")
    'Hubungi @user atau [email], WA [phone], NIK [nik], mobil [plate]'
    """
    if "@" in text:  # an e-mail holds an @ that is not a handle's
        text = _EMAIL_SUB.sub(text, EMAIL_MASK)
    if _DIGIT_RE.search(text):  # every pattern below needs a digit (\d); a search is 10x faster than any(isdigit)
        # Identity numbers before phones: a 16-digit NIK must not become part of a phone number.
        text = _LONG_NUMBER_RE.sub(NIK_MASK, text)
        text = _GROUPED_NIK_RE.sub(NIK_MASK, text)
        text = _PHONE_RE.sub(PHONE_MASK, text)
    if "@" in text:
        text = _HANDLE_RE.sub(USER_MASK, text)
    return _PLATE_RE.sub(PLATE_MASK, text)


def masker(enabled: bool) -> Callable[[str], str]:
    """:func:`mask_personal` when ``enabled``, else the identity: what every writer of texts that
    can be masked (suggest, report, review) applies to each text."""
    return mask_personal if enabled else _unchanged


def _unchanged(text: str) -> str:
    return text
