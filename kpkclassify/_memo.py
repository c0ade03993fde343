"""A bounded memo: a plain dict that is emptied when it reaches its cap.

Lookups stay a single dict operation (the hot paths read ``memo.get`` directly); only
inserts go through :func:`remember`. Emptying is cheaper than LRU bookkeeping, and the
working set refills at once. Safe across threads: a race at worst computes a value twice.
"""

from __future__ import annotations

import threading
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
