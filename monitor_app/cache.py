"""A small in-process result cache for analytics calls, safe across users.

Keys are ``(identity cache key, function name, filters, extra arguments)``. The identity key is
``"shared"`` when queries run with the app's own credentials and ``"user:<id>"`` when they run with a
user's token (see ``monitor_app.identity``), so a result computed with one user's permissions is never
served to another user. Entries expire after ``ttl_s`` seconds; the cache holds at most ``max_entries``
results (oldest evicted first). Concurrent callers of the same key share one computation: the first
computes, the others wait for its result (and compute themselves if it fails or takes over
``INFLIGHT_WAIT_S``), so panels and the server's warm-up asking for the same result run one query.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

# Results are at most this old: system tables update every few minutes and the model refreshes hourly.
DEFAULT_TTL_S = 300.0
# Drill-down results are small (hundreds of rows); a few hundred of them fit easily in memory.
DEFAULT_MAX_ENTRIES = 512
# A caller waits at most this long for another caller computing the same key, then computes itself.
INFLIGHT_WAIT_S = 60.0


def _freeze(value: Any) -> Hashable:
    """A hashable stand-in for call arguments (dicts and lists become sorted tuples)."""
    if isinstance(value, dict):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | set):
        return tuple(_freeze(v) for v in value)
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


class ResultCache:
    """Thread-safe TTL cache of function results keyed per identity."""

    def __init__(
        self,
        ttl_s: float = DEFAULT_TTL_S,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._inflight: dict[Hashable, threading.Event] = {}
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(identity_key: str, name: str, filters: Any = None, *args: Any, **kwargs: Any) -> Hashable:
        """The cache key of one call; ``identity_key`` always comes first."""
        if not identity_key:
            raise ValueError("a cache key needs the identity's cache key")
        return (identity_key, name, _freeze(filters), _freeze(args), _freeze(kwargs))

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Return the cached value of ``key`` or compute, store and return it (errors are not cached)."""
        waited = False
        while True:
            now = self._clock()
            with self._lock:
                hit = self._entries.get(key)
                if hit is not None and now - hit[0] < self.ttl_s:
                    self._entries.move_to_end(key)
                    self.hits += 1
                    return hit[1]
                running = self._inflight.get(key)
                if running is None or waited:
                    self.misses += 1
                    mine = threading.Event()
                    if running is None:
                        self._inflight[key] = mine
                    break
            # Another caller is computing this key: wait for it, then read its result (once).
            running.wait(INFLIGHT_WAIT_S)
            waited = True
        try:
            value = compute()
            with self._lock:
                self._entries[key] = (self._clock(), value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        finally:
            with self._lock:
                if self._inflight.get(key) is mine:
                    del self._inflight[key]
            mine.set()
        return value

    def call(
        self,
        identity_key: str,
        name: str,
        fn: Callable[..., T],
        filters: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> T:
        """``fn(*args, **kwargs)`` through the cache, keyed by identity, name, filters and the arguments.

        ``filters`` is part of the key only; pass it again in ``args`` if ``fn`` needs it.
        """
        key = self.key(identity_key, name, filters, *args, **kwargs)
        return self.get_or_compute(key, lambda: fn(*args, **kwargs))

    def clear(self, identity_key: str | None = None) -> None:
        """Forget everything, or only one identity's results."""
        with self._lock:
            if identity_key is None:
                self._entries.clear()
            else:
                for key in [k for k in self._entries if k[0] == identity_key]:
                    del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)


# The process-wide cache the app uses (tests build their own or clear this one).
RESULTS = ResultCache()
