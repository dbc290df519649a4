"""Hand-written numba.cuda kernels for the CUDA target: data movement by index maps, fills,
argmax / argmin, one_hot, gather, scatter-add and pooling windows: what the generated kernels
of render.py cannot express (index maps, atomics, reductions carrying an index). numba_cuda.py
wraps each with argument checks and a launch shape; use those wrappers, not these kernels.

Every kernel is a grid-stride loop over flat (1-D, C-order) arrays, one work item per output
element (per input element for scatters), so any grid size covers any array. numba specializes
each kernel per argument dtype on first launch; `cache=True` keeps the compiled code on disk.

This module imports numba.cuda, so only numba_cuda imports it, on first use.

    >>> from graphflow.backends import numba_cuda
    >>> numba_cuda.available() in (True, False)  # the wrappers live in numba_cuda
    True
"""
from numba import cuda

# -- data movement ---------------------------------------------------------------------------------


@cuda.jit(cache=True)
def gather_by_map(n, src, index_map, out, fill):
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
        k = index_map[i]
        if k >= 0:
            out[i] = src[k]
        else:
            out[i] = fill


@cuda.jit(cache=True)
def scatter_by_map(n, src, index_map, out):
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
        k = index_map[i]
        if k >= 0:
            out[k] = src[i]


@cuda.jit(cache=True)
def scatter_add_by_map(n, src, index_map, out):
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
        k = index_map[i]
        if k >= 0:
            cuda.atomic.add(out, k, src[i])


@cuda.jit(cache=True)
def fill(n, out, value):
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
        out[i] = value


# -- argmax / argmin: one axis reduced per output element -----------------------------------------
# The other reductions are generated (compiler/kernel_plan.plan_reduce, rendered by render.py);
# these two carry the index of the best value besides the value, which the renderer's one
# accumulator per output cannot. x is viewed as (outer, n, inner); output element
# e = o * inner + j reads x[o, :, j], which starts at o * n * inner + j and steps by inner.


@cuda.jit(cache=True)
def reduce_argmax(outer, n, inner, x, out):
    for e in range(cuda.grid(1), outer * inner, cuda.gridsize(1)):
        o = e // inner
        at = o * n * inner + (e - o * inner)
        best = x[at]
        index = 0
        for k in range(1, n):
            if best != best:  # the first NaN wins, as in NumPy
                break
            at += inner
            v = x[at]
            if v > best or v != v:  # strictly greater: the first of equal values wins
                best = v
                index = k
        out[e] = index


@cuda.jit(cache=True)
def reduce_argmin(outer, n, inner, x, out):
    for e in range(cuda.grid(1), outer * inner, cuda.gridsize(1)):
        o = e // inner
        at = o * n * inner + (e - o * inner)
        best = x[at]
        index = 0
        for k in range(1, n):
            if best != best:
                break
            at += inner
            v = x[at]
            if v < best or v != v:
                best = v
                index = k
        out[e] = index


# -- indexing --------------------------------------------------------------------------------------


@cuda.jit(cache=True)
def one_hot(n, depth, indices, on_value, off_value, out):
    for e in range(cuda.grid(1), n, cuda.gridsize(1)):
        q = e // depth
        if indices[q] == e - q * depth:
            out[e] = on_value
        else:
            out[e] = off_value


# gather: params viewed as (outer, axis_size, inner), indices flat (count); out element
# e = (o * count + q) * inner + j is params[o, indices[q], j].


@cuda.jit(cache=True)
def gather(n, axis_size, inner, count, params, indices, out):
    for e in range(cuda.grid(1), n, cuda.gridsize(1)):
        rest = e // inner
        j = e - rest * inner
        o = rest // count
        k = indices[rest - o * count]
        if k < 0:
            k += axis_size
        out[e] = params[(o * axis_size + k) * inner + j]


@cuda.jit(cache=True)
def scatter_add(n, axis_size, inner, count, updates, indices, out):
    for e in range(cuda.grid(1), n, cuda.gridsize(1)):
        rest = e // inner
        j = e - rest * inner
        o = rest // count
        k = indices[rest - o * count]
        if k < 0:
            k += axis_size
        cuda.atomic.add(out, (o * axis_size + k) * inner + j, updates[e])


# -- pooling windows -------------------------------------------------------------------------------
# `windows` is an im2col index map of shape (P, KK, C) flattened: for output element e = p * C + c,
# window slot k reads x.flat[windows[(p * KK + k) * C + c]], or is padding when that is < 0.


@cuda.jit(device=True)
def _first_max_slot(e, kk, c, windows, x, lowest):
    """The x index of the window's first maximum (padding holds `lowest` and is never the
    answer), or -1 when the maximum is NaN, as the CPU reference decides."""
    p = e // c
    base = p * kk * c + (e - p * c)
    m = lowest
    for k in range(kk):
        at = windows[base + k * c]
        v = x[at] if at >= 0 else lowest
        if v != v:
            return -1
        if v > m:
            m = v
    for k in range(kk):
        at = windows[base + k * c]
        if at >= 0 and x[at] == m:
            return at
    return -1


@cuda.jit(cache=True)
def max_pool_grad(n, kk, c, windows, x, dy, out, lowest):
    for e in range(cuda.grid(1), n, cuda.gridsize(1)):
        at = _first_max_slot(e, kk, c, windows, x, lowest)
        if at >= 0:
            cuda.atomic.add(out, at, dy[e])


@cuda.jit(cache=True)
def max_pool_grad_grad(n, kk, c, windows, x, grad, out, lowest):
    for e in range(cuda.grid(1), n, cuda.gridsize(1)):
        at = _first_max_slot(e, kk, c, windows, x, lowest)
        out[e] = grad[at] if at >= 0 else grad[0] * 0


@cuda.jit(cache=True)
def avg_pool(n, kk, c, windows, x, out):
    for e in range(cuda.grid(1), n, cuda.gridsize(1)):
        p = e // c
        base = p * kk * c + (e - p * c)
        total = x[0] * 0
        count = 0
        for k in range(kk):
            at = windows[base + k * c]
            if at >= 0:
                total += x[at]
                count += 1
        out[e] = total / count


@cuda.jit(cache=True)
def avg_pool_grad(n, kk, c, windows, dy, out):
    for e in range(cuda.grid(1), n, cuda.gridsize(1)):
        p = e // c
        base = p * kk * c + (e - p * c)
        count = 0
        for k in range(kk):
            if windows[base + k * c] >= 0:
                count += 1
        share = dy[e] / count
        for k in range(kk):
            at = windows[base + k * c]
            if at >= 0:
                cuda.atomic.add(out, at, share)
