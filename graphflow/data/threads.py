"""Background work for input pipelines: prefetch's producer thread and parallel map's workers.

Both are generators: closing one (the consumer stops iterating, or the iterator is garbage
collected) stops its threads. An exception raised upstream or in a worker is raised in the
consumer, at the element where it happened.

    >>> from graphflow.data.threads import prefetched
    >>> list(prefetched(lambda: iter(range(5)), 2))
    [0, 1, 2, 3, 4]
"""
import collections
import os
import queue
import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

_END = object()
_POLL = 0.1  # seconds a blocked producer waits before checking whether it was cancelled


def default_parallelism(options=None):
    """The worker count AUTOTUNE stands for: the options' private thread pool size, else the
    number of CPU cores."""
    size = None if options is None else options.threading.private_threadpool_size
    return int(size) if size else max(1, os.cpu_count() or 1)


class _Failure:
    __slots__ = ("error",)

    def __init__(self, error):
        self.error = error


def prefetched(make_iterator, buffer_size):
    """Yields what make_iterator() yields, produced ahead by a daemon thread into a buffer of
    `buffer_size` elements."""
    buffer = queue.Queue(maxsize=max(1, int(buffer_size)))
    stop = threading.Event()

    def put(item):
        while not stop.is_set():
            try:
                buffer.put(item, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            iterator = make_iterator()
            try:
                for item in iterator:
                    if not put(item):
                        return
            finally:
                close = getattr(iterator, "close", None)
                if close is not None:
                    close()
            put(_END)
        except BaseException as e:  # noqa: BLE001 - handed to the consumer
            put(_Failure(e))

    thread = threading.Thread(target=produce, name="graphflow-data-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = buffer.get()
            if item is _END:
                return
            if type(item) is _Failure:
                raise item.error
            yield item
    finally:
        stop.set()


def parallel_map(iterator, fn, workers, deterministic=True):
    """Yields fn(x) for x in iterator, computed by `workers` threads with up to 2 * workers
    elements in flight: in input order when deterministic, else as they finish."""
    workers = max(1, int(workers))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="graphflow-data-map")
    pending = collections.deque()
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < 2 * workers:
                try:
                    x = next(iterator)
                except StopIteration:
                    exhausted = True
                    break
                pending.append(pool.submit(fn, x))
            if not pending:
                return
            if deterministic:
                yield pending.popleft().result()
                continue
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            first = next(f for f in pending if f in done)  # the earliest finished one
            pending.remove(first)
            yield first.result()
    finally:
        for f in pending:
            f.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
