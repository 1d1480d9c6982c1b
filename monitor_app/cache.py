"""A small in-process result cache for analytics calls, safe across users.

Keys are ``(identity cache key, function name, filters, extra arguments)``. The identity key is
``"shared"`` when queries run with the app's own credentials and ``"user:<id>"`` when they run with a
user's token (see ``monitor_app.identity``), so a result computed with one user's permissions is never
served to another user. Entries expire after ``ttl_s`` seconds; the cache holds at most ``max_entries``
results and ``max_bytes`` of them (estimated: a frame's deep memory), the least recently used evicted
first; one result larger than ``max_bytes`` is returned but not kept. Concurrent callers of the same key share one computation: the first
computes, the others wait for its result (and compute themselves if it fails or takes over
``INFLIGHT_WAIT_S``), so panels and the server's warm-up asking for the same result run one query.
"""

from __future__ import annotations

import sys
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
# What the results may take in memory together: a session's pages hold a few MB of frames; hundreds of
# sessions of different filters must not grow the process without limit (the server's ``cache_max_mb``).
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
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
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, Any, int]] = OrderedDict()
        self._bytes = 0
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
            size = size_of(value)
            with self._lock:
                self._drop(key)
                if size <= self.max_bytes:
                    self._entries[key] = (self._clock(), value, size)
                    self._bytes += size
                while self._entries and (
                    len(self._entries) > self.max_entries or self._bytes > self.max_bytes
                ):
                    self._drop(next(iter(self._entries)))
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

    def _drop(self, key: Hashable) -> None:
        """Forget one entry (under the lock)."""
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry[2]

    def clear(self, identity_key: str | None = None) -> None:
        """Forget everything, or only one identity's results."""
        with self._lock:
            if identity_key is None:
                self._entries.clear()
                self._bytes = 0
            else:
                for key in [k for k in self._entries if k[0] == identity_key]:
                    self._drop(key)

    @property
    def bytes(self) -> int:
        """Estimated memory of the results held."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)


def size_of(value: Any, _depth: int = 0) -> int:
    """Estimated bytes of a cached result: pandas objects by their deep memory, containers by their items."""
    memory_usage = getattr(value, "memory_usage", None)
    if callable(memory_usage):
        try:
            used = memory_usage(deep=True)
            return int(used.sum() if hasattr(used, "sum") else used)
        except TypeError:
            pass
    size = sys.getsizeof(value)
    if _depth < 3:
        if isinstance(value, dict):
            size += sum(size_of(k, _depth + 1) + size_of(v, _depth + 1) for k, v in value.items())
        elif isinstance(value, list | tuple | set | frozenset):
            size += sum(size_of(v, _depth + 1) for v in value)
        elif hasattr(value, "__dict__") and not isinstance(value, type):
            size += size_of(vars(value), _depth + 1)
    return size


# The process-wide cache the app uses (tests build their own or clear this one).
RESULTS = ResultCache()
