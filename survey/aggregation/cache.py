"""A per-process cache of results bodies, keyed by the database's data version.

The version is read from the database before counting, so a submission that lands during a
count makes the next request miss the cache, and no worker ever serves figures older than
the latest submission.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app

CACHE_SIZE = 64
Value = TypeVar("Value")
_lock = threading.Lock()


def cached(key: Hashable, compute: Callable[[], Value]) -> Value:
    """compute(), or the copy of it cached under `key`; callers may change what they get.

    `RESULTS_CACHE_SIZE = 0` in the configuration turns the cache off.
    """
    size = current_app.config.get("RESULTS_CACHE_SIZE", CACHE_SIZE)
    if not size:
        return compute()
    cache: OrderedDict = current_app.extensions.setdefault("survey_results_cache", OrderedDict())
    with _lock:
        value = cache.get(key)
        if value is not None:
            cache.move_to_end(key)
            return copy.deepcopy(value)
    value = compute()
    with _lock:
        cache[key] = value
        while len(cache) > size:
            cache.popitem(last=False)
    return copy.deepcopy(value)
