"""graphflow.utils.cache.Cache: one build per key under concurrent requests, other keys not held
up, failures not cached, the bound kept (least recently used dropped)."""
import threading

import pytest

from graphflow.utils.cache import Cache


def test_concurrent_requests_for_one_key_build_once():
    cache, builds, release = Cache(), [], threading.Event()

    def build():
        builds.append(1)
        release.wait(5)
        return object()

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("k", build)))
               for _ in range(8)]
    for t in threads:
        t.start()
    release.set()
    for t in threads:
        t.join(10)
    assert len(builds) == 1 and len(results) == 8 and len({id(r) for r in results}) == 1


def test_a_slow_build_does_not_hold_up_other_keys():
    cache, started, release = Cache(), threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(10)
        return "slow"

    t = threading.Thread(target=cache.get, args=("slow", slow))
    t.start()
    assert started.wait(5)
    assert cache.get("fast", lambda: "fast") == "fast"  # would block on a cache-wide lock
    assert "slow" not in cache
    release.set()
    t.join(10)
    assert cache["slow"] == "slow"


def test_a_failed_build_is_not_cached_and_waiters_retry():
    cache = Cache()
    with pytest.raises(ValueError):
        cache.get("k", lambda: (_ for _ in ()).throw(ValueError("bad")))
    assert "k" not in cache and cache.get("k", lambda: 2) == 2


def test_a_build_requesting_its_own_key_is_an_error_not_a_deadlock():
    cache = Cache()
    with pytest.raises(RuntimeError, match="being built"):
        cache.get("k", lambda: cache.get("k", lambda: 1))
    assert cache.get("k", lambda: 3) == 3


def test_limit_drops_the_least_recently_used():
    cache = Cache(limit=2)
    cache.get("a", lambda: 1)
    cache.get("b", lambda: 2)
    cache.get("a", lambda: 0)  # a is now the most recent
    cache.get("c", lambda: 3)
    assert sorted(cache.keys()) == ["a", "c"] and len(cache) == 2
