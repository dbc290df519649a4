"""A thread-safe table of objects built once per key (kernels, compiled one-op graphs).

Concurrent requests for one key wait for a single build; requests for other keys build at the
same time (a kernel compiling in a background thread does not hold up another one). With a
limit, the least recently used entry is dropped when a new one would exceed it.

    >>> from graphflow.utils.cache import Cache
    >>> cache = Cache(limit=2)
    >>> cache.get("a", lambda: 1), cache.get("a", lambda: 2)
    (1, 1)
    >>> _ = cache.get("b", lambda: 3), cache.get("c", lambda: 4)
    >>> sorted(cache.keys())   # "a" was least recently used
    ['b', 'c']
"""
import collections
import threading


class _Pending:
    __slots__ = ("done", "owner")

    def __init__(self):
        self.done = threading.Event()
        self.owner = threading.get_ident()


class Cache:
    """get(key, build) -> the object cached under key, built by build() on first use."""

    def __init__(self, limit=None):
        self.limit = limit
        self._items = collections.OrderedDict()
        self._pending = {}
        self._lock = threading.Lock()

    def get(self, key, build):
        while True:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    return self._items[key]
                pending = self._pending.get(key)
                if pending is None:
                    pending = self._pending[key] = _Pending()
                    break
            if pending.owner == threading.get_ident():
                raise RuntimeError(f"cache entry {key!r} is requested while it is being built")
            pending.done.wait()  # then take its result (or, if that build failed, build again)
        try:
            value = build()
        except BaseException:
            with self._lock:
                del self._pending[key]
            pending.done.set()
            raise
        with self._lock:
            self._items[key] = value
            if self.limit is not None and len(self._items) > self.limit:
                self._items.popitem(last=False)
            del self._pending[key]
        pending.done.set()
        return value

    def __getitem__(self, key):
        with self._lock:
            return self._items[key]

    def __contains__(self, key):
        with self._lock:
            return key in self._items

    def __len__(self):
        with self._lock:
            return len(self._items)

    def keys(self):
        with self._lock:
            return list(self._items)

    def clear(self):
        with self._lock:
            self._items.clear()
