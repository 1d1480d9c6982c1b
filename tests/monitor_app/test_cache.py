"""The result cache: TTL, eviction, and never serving one user's result to another."""

from __future__ import annotations

import pandas as pd

from monitor_app.cache import ResultCache, size_of
from monitor_app.filters import Filters


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_one_users_result_is_never_served_to_another():
    cache = ResultCache()
    f = Filters(team="x")
    calls = []

    def compute(who):
        calls.append(who)
        return f"rows visible to {who}"

    assert cache.call("user:ana", "teams", compute, f, "ana") == "rows visible to ana"
    assert cache.call("user:bo", "teams", compute, f, "bo") == "rows visible to bo"
    assert cache.call("user:ana", "teams", compute, f, "ana") == "rows visible to ana"
    assert calls == ["ana", "bo"]
    assert (
        cache.get_or_compute(cache.key("user:bo", "teams", f, "bo"), lambda: "recomputed")
        == "rows visible to bo"
    )


def test_shared_results_are_shared_and_expire():
    clock = Clock()
    cache = ResultCache(ttl_s=10, clock=clock)
    n = []
    fn = lambda: n.append(1) or len(n)  # noqa: E731
    assert cache.call("shared", "f", fn, Filters()) == 1
    assert cache.call("shared", "f", fn, Filters()) == 1
    assert cache.call("shared", "f", fn, Filters(window_days=7)) == 2
    clock.t = 11
    assert cache.call("shared", "f", fn, Filters()) == 3


def test_errors_are_not_cached_and_size_is_bounded():
    cache = ResultCache(max_entries=2)

    def boom():
        raise RuntimeError("no")

    for _ in range(2):
        try:
            cache.call("shared", "f", boom)
        except RuntimeError:
            pass
    assert len(cache) == 0
    for i in range(3):
        cache.call("shared", "g", lambda i=i: i, None, i)
    assert len(cache) == 2
    cache.clear("shared")
    assert len(cache) == 0


def test_the_cache_is_bounded_by_bytes_least_recently_used_first():
    frame = pd.DataFrame({"x": range(1000)}, dtype="int64")  # 8,000 bytes of values + 132 of index
    one = size_of(frame)
    assert one == int(frame.memory_usage(deep=True).sum())
    cache = ResultCache(max_bytes=2 * one + 10)
    for name in ("a", "b"):
        cache.call("shared", name, lambda: frame.copy())
    assert (len(cache), cache.bytes) == (2, 2 * one)
    cache.call("shared", "a", lambda: frame.copy())  # a hit: "a" becomes the most recently used
    cache.call("shared", "c", lambda: frame.copy())  # over the bound: "b", the least recently used, goes
    assert sorted(key[1] for key in cache._entries) == ["a", "c"] and cache.bytes == 2 * one
    big = pd.DataFrame({"x": range(10_000)}, dtype="int64")  # larger than the whole bound: not kept
    assert len(cache.call("shared", "big", lambda: big)) == 10_000
    assert sorted(key[1] for key in cache._entries) == ["a", "c"]
    cache.clear()
    assert (len(cache), cache.bytes) == (0, 0)


def test_sizes_of_plain_results_count_their_items():
    assert size_of([b"x" * 1000, b"y" * 1000]) > 2000
    assert size_of({"rows": pd.DataFrame({"x": range(1000)}, dtype="int64")}) > 8000
