"""Bounded memos: plain dicts that are emptied when they reach their cap.

Lookups stay a single dict operation (the hot paths read ``memo.get`` directly); only
inserts go through :func:`remember` or :func:`remember_repeated`. Emptying is cheaper than
LRU bookkeeping, and the working set refills at once. Safe across threads: a race at worst
computes a value twice.

Real text brings a long tail of words seen only once (typos, elongations, names, hashtags):
a memo that keeps them spends most of its memory on keys that never come back.
:func:`remember_repeated` stores a value, once the memo holds a first ``keep_first``
entries, only when its key was seen before, which a fixed bit table (:class:`Sightings`,
1 MB) tells: the one-off keys cost one bit each instead of an entry, and a repeated key
costs one extra computation, on its second sighting.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import TypeVar

V = TypeVar("V")
_lock = threading.Lock()


def remember(memo: dict, key: object, value: V, limit: int) -> V:
    """Store ``value`` under ``key``, emptying ``memo`` first when it holds ``limit`` entries."""
    if len(memo) >= limit:
        with _lock:
            if len(memo) >= limit:
                memo.clear()
    memo[key] = value
    return value


class Sightings:
    """The keys probably seen before: one bit per slot of a fixed table, at the key's hash.

    A collision only makes a key count as seen early (so that its value is stored on its
    first sighting); a key seen before is reported as seen (threads racing on one byte may
    lose a bit: that key is then computed once more, as a memo race would).

    Parameters
    ----------
    bits : int, default=23
        The table holds ``2**bits`` slots (``2**(bits - 3)`` bytes: 1 MB by default; about
        8% of new keys collide after 700,000 distinct keys).
    """

    __slots__ = ("_mask", "_table")

    def __init__(self, bits: int = 23) -> None:
        self._table = bytearray(1 << max(bits - 3, 0))
        self._mask = (len(self._table) << 3) - 1

    def seen_before(self, key: Hashable) -> bool:
        """Whether ``key`` was (probably) seen before; it counts as seen from now on."""
        slot = hash(key) & self._mask
        table, bit = self._table, 1 << (slot & 7)
        if table[slot >> 3] & bit:
            return True
        table[slot >> 3] |= bit
        return False

    def clear(self) -> None:
        """Forget every key."""
        self._table = bytearray(len(self._table))


def remember_repeated(memo: dict, sightings: Sightings, key: Hashable, value: V, limit: int,
                      keep_first: int = 0) -> V:
    """Store ``value`` under ``key`` if ``key`` was seen before (see :class:`Sightings`) or
    ``memo`` holds fewer than ``keep_first`` entries, emptying ``memo`` and ``sightings``
    first when ``memo`` holds ``limit`` entries; return ``value`` either way.

    ``keep_first`` keeps a small workload's memo as complete as a plain one (every key from
    its first sighting, so a second pass over the same texts is all lookups); only past it
    does a key need to come back to take an entry."""
    if len(memo) < keep_first or sightings.seen_before(key):
        if len(memo) >= limit:
            with _lock:
                if len(memo) >= limit:
                    memo.clear()
                    sightings.clear()
        memo[key] = value
    return value
