"""Memory planning: liveness of planned intermediates and their placement in one arena.

Each planned value lives from the step that writes it to the last step that reads it; values
whose lifetimes do not overlap share bytes. Placement is greedy first-fit in order of definition
(sizes aligned to 64 bytes), and the arena's size is the plan's peak intermediate memory.

    >>> from graphflow.compiler.memory import plan_arena
    >>> offsets, peak = plan_arena([(0, 1, 1000), (1, 2, 1000), (2, 3, 1000)])
    >>> offsets, peak
    ([0, 1024, 0], 2048)
"""
import numpy as np

ALIGN = 64


def _aligned(n):
    return (n + ALIGN - 1) // ALIGN * ALIGN


def plan_arena(lifetimes):
    """Offsets for [(first_step, last_step, nbytes)] such that values whose inclusive step
    intervals overlap never share bytes (a step reads its inputs while writing its output).
    Returns (offsets, arena size)."""
    order = sorted(range(len(lifetimes)), key=lambda i: (lifetimes[i][0], -lifetimes[i][2]))
    placed = []  # (offset, end, first_step, last_step)
    offsets = [0] * len(lifetimes)
    size = 0
    for i in order:
        first, last, nbytes = lifetimes[i]
        need = _aligned(max(nbytes, 1))
        busy = sorted((o, e) for o, e, f, l in placed if f <= last and first <= l)
        offset = 0
        for o, e in busy:
            if offset + need <= o:
                break
            offset = max(offset, e)
        offsets[i] = offset
        placed.append((offset, offset + need, first, last))
        size = max(size, offset + need)
    return offsets, size


class Arena:
    """One byte buffer; `view(offset, shape, dtype)` gives a planned array inside it."""

    def __init__(self, nbytes):
        self.buffer = np.empty(max(nbytes, 1), dtype=np.uint8)
        self.nbytes = nbytes

    def view(self, offset, shape, dtype):
        dtype = np.dtype(dtype)
        count = int(np.prod(shape, dtype=np.int64))
        return self.buffer[offset:offset + count * dtype.itemsize].view(dtype).reshape(shape)
