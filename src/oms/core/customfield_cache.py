"""A per-process cache of custom field definitions, cleared whenever this process changes one.

Definitions change rarely and are read on every write of a record that has custom fields; other
processes see a change within CACHE_SECONDS.
"""

from __future__ import annotations

import time

CACHE_SECONDS = 5.0
_cache: dict[str, tuple[float, list]] = {}


def cached(target: str) -> list | None:
    hit = _cache.get(target)
    if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    return None


def store(target: str, definitions: list) -> None:
    _cache[target] = (time.monotonic(), definitions)


def clear() -> None:
    _cache.clear()
