"""The plans of one executable, by input shapes: bounded (least recently used evicted) and
re-entrant (a pool of plan instances per shape, so concurrent calls never share an arena).

A plan owns mutable buffers (its arena, recycled output arrays), so one instance runs one call at
a time. A call takes an idle instance of its shapes' plan, or builds another (kernels are shared
through the kernel cache, so a second instance costs its lowering and arena, not a compile), and
returns it when done. While a tiered plan's kernels compile in the background, every caller runs
the reference interpreter (which keeps no state between calls); the first caller after the
compile finishes makes the compiled plan the pool's first instance.

The number of shape sets kept per executable is graphflow.config.set_max_cached_plans (default
MAX_CACHED_PLANS; TF has no equivalent setting, since it keeps one graph per traced signature).

    >>> cache = PlanCache(lambda key: _Doubler(), max_plans=lambda: 2)
    >>> cache.run((3,), [np.ones(3)])
    [array([2., 2., 2.])]
    >>> for n in (4, 5):
    ...     _ = cache.run((n,), [np.ones(n)])
    >>> [key for key, _ in cache.items()]   # (3,) was least recently used: evicted
    [(4,), (5,)]
"""
import collections
import threading

MAX_CACHED_PLANS = 32   # shape sets per executable (functions traced with unknown dims, sessions)


class _Entry:
    """The instances of one shape set's plan: idle ones, how many exist, and the tiered plan
    still compiling (if any)."""

    __slots__ = ("idle", "count", "tiered", "example")

    def __init__(self, plan):
        self.count = 1
        self.tiered = plan if getattr(plan, "compiling", None) is not None else None
        self.idle = [] if self.tiered is not None else [plan]
        self.example = plan


class PlanCache:
    """build(key) -> a ready plan (or a tiered plan with `compiling()` and `finish()`);
    max_plans() -> the current bound."""

    def __init__(self, build, max_plans=None):
        self._build = build
        self._max_plans = max_plans or _configured_max
        self._entries = collections.OrderedDict()
        self._lock = threading.Lock()
        self.last_plan = None

    def run(self, key, arrays):
        plan, entry = self._acquire(key)
        try:
            return plan.run(arrays)
        finally:
            if entry is not None:
                with self._lock:
                    entry.idle.append(plan)

    def _acquire(self, key):
        """(plan, entry to return it to) for one call; entry None: nothing to return (the
        shared reference interpreter of a compiling tiered plan)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                if entry.tiered is not None:
                    if entry.tiered.compiling():
                        return entry.tiered.reference, None
                    tiered, entry.tiered = entry.tiered, None
                    try:
                        plan = tiered.finish()
                    except BaseException:
                        del self._entries[key]
                        raise
                    entry.example = self.last_plan = plan
                    return plan, entry
                if entry.idle:
                    plan = entry.idle.pop()
                    self.last_plan = plan
                    return plan, entry
        plan = self._build(key)  # outside the lock: building may compile
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry(plan)
                entry.idle.clear()
                while len(self._entries) > max(1, int(self._max_plans())):
                    self._entries.popitem(last=False)
            else:
                entry.count += 1
            if getattr(plan, "compiling", None) is None:
                self.last_plan = plan
            elif entry.tiered is plan:
                return plan.reference, None
        return plan, entry

    def items(self):
        """[(key, example plan instance)] from least to most recently used."""
        with self._lock:
            return [(key, e.example) for key, e in self._entries.items()]

    def finish(self):
        """Blocks until every tiered plan's kernels are compiled (errors are raised here)."""
        for key, plan in self.items():
            if getattr(plan, "compiling", None) is not None:
                self._acquire_finished(key)

    def _acquire_finished(self, key):
        entry = self._entries.get(key)
        if entry is None or entry.tiered is None:
            return
        entry.tiered.wait()
        plan, entry = self._acquire(key)
        if entry is not None:
            with self._lock:
                entry.idle.append(plan)

    def memory(self):
        """[(key, instances, bytes per instance)] of every cached plan: its arena plus the
        recycled output arrays it holds."""
        with self._lock:
            entries = [(key, e.count, e.example) for key, e in self._entries.items()]
        return [(key, count, plan_bytes(plan)) for key, count, plan in entries]

    def describe_memory(self):
        lines = []
        for key, count, nbytes in self.memory():
            lines.append(f"  input shapes {[tuple(s) for s in key]}: {count} instance"
                         f"{'s' if count != 1 else ''} x {nbytes} bytes")
        total = sum(count * nbytes for _, count, nbytes in self.memory())
        return [f"== cached plans ({len(lines)} of at most {self._max_plans()}; "
                f"{total} bytes) =="] + lines


def plan_bytes(plan):
    """Bytes a plan instance holds between calls: its arena and pooled output arrays, and those
    of the sub-plans its control-flow steps run (compiler/control_flow.py)."""
    total = int(getattr(plan, "peak_bytes", 0) or 0)
    for pool in getattr(plan, "output_pools", ()):
        total += sum(int(a.nbytes) for a in pool.pool)
    for nested in getattr(plan, "nested", ()):
        sub = getattr(nested, "plan", None)
        if sub is not None:
            total += plan_bytes(sub)
    return total


def _configured_max():
    from graphflow.context import context
    return context.max_cached_plans


class _Doubler:
    """A stand-in plan for the doctest."""

    def run(self, arrays):
        return [a * 2 for a in arrays]
