"""Collective ops: all-reduce across the processes of a distributed job (graphflow.distribute).

An all-reduce is two ops, so that the exchange can overlap the computation between them:
`collective_all_reduce_start` packs its tensors and starts the (non-blocking) MPI all-reduce,
returning a token; `collective_all_reduce_wait` takes the token (and the same tensors, for their
shapes) and returns the reduced tensors once the exchange has completed. `all_reduce` cuts its
tensors into buckets, one start/wait pair each, the bucket of the tensors computed first (the
last layer's gradients in a backward pass) first; the compiler's `schedule_collectives` pass then
moves each start up to just after its last input is computed and each wait down to just before
its first reader. Both ops are STATEFUL: never folded or deduplicated; every rank runs the same
graph, so the starts of all ranks line up (MPI matches collectives by their order). With a group
of one process the wait returns the start's inputs, which is also what the op-registry harness
checks.

    >>> import graphflow as tf
    >>> from graphflow.ops.collective import all_reduce
    >>> [t.numpy() for t in all_reduce([tf.constant([1.0, 2.0])], "sum", group_size=1)]
    [array([1., 2.], dtype=float32)]
    >>> grads = [tf.zeros([100_000]), tf.zeros([200_000]), tf.zeros([2])]  # first layer first
    >>> [[t.shape[0] for t in b] for b in buckets(grads, bytes_per_pack=0)]
    [[2, 200000], [100000]]
"""
import itertools
import threading

import numpy as np

from graphflow import dtypes
from graphflow.errors import FailedPreconditionError, InvalidArgumentError
from graphflow.ops.registry import STATEFUL, dispatch, register

REDUCTIONS = ("sum", "mean", "max", "min")
# Buckets when CommunicationOptions.bytes_per_pack is 0 (TF: "determined automatically"):
# PyTorch DDP's defaults, a small first bucket so that the exchange starts early in the backward
# pass, then larger ones so that a big model does not pay one message latency per layer.
FIRST_BUCKET_BYTES = 1 << 20
BUCKET_BYTES = 25 << 20


def _check_kinds(dtype_kinds, what="tensor"):
    for kind, name in dtype_kinds:
        if kind not in "iuf":
            raise InvalidArgumentError(f"collective_all_reduce: cannot reduce a {name} {what}")


def _group(group_size):
    from graphflow.distribute.communicator import world
    comm = world()
    if comm.size != group_size:
        raise FailedPreconditionError(
            f"collective_all_reduce: the op was built for {group_size} processes but this job "
            f"has {comm.size}")
    return comm


# Started all-reduces, by token (the start op's output): the handle lives here, not in a tensor.
_started = {}
_tokens = itertools.count(1)
_started_lock = threading.Lock()


def _start_infer(specs, reduction, group_size, bytes_per_pack=0):
    _check_kinds([(s.dtype.np.kind, s.dtype.name) for s in specs])
    return [((), dtypes.int64)]


def _start_ref(*arrays, reduction, group_size, bytes_per_pack=0):
    _check_kinds([(a.dtype.kind, a.dtype) for a in arrays])
    comm = _group(group_size)
    op = "sum" if reduction == "mean" else reduction
    handle = comm.start_all_reduce(list(arrays), op, bytes_per_pack) if group_size > 1 else \
        [np.array(a, copy=True) for a in arrays]
    with _started_lock:
        token = next(_tokens)
        _started[token] = handle
    return np.int64(token)


def _wait_infer(specs, reduction, group_size, timeout=None):
    return [(s.shape, s.dtype) for s in specs[1:]]


def _wait_ref(token, *arrays, reduction, group_size, timeout=None):
    with _started_lock:
        handle = _started.pop(int(token), None)
    if handle is None:
        raise FailedPreconditionError(
            f"collective_all_reduce_wait: no all-reduce was started with token {int(token)} "
            "(or it was already waited for)")
    if group_size == 1:
        return tuple(handle)
    out = _group(group_size).finish_all_reduce(handle, timeout)
    if reduction == "mean":
        out = [o / np.asarray(group_size, o.dtype) if o.dtype.kind in "fc" else o // group_size
               for o in out]
    return tuple(out)


def _start_grad(inputs, outputs, dy, **attrs):
    return [None] * len(inputs)  # the token carries no value; the wait's rule covers the data


def _wait_grad(inputs, outputs, dy, reduction, group_size, timeout=None):
    # d(sum over ranks)/dx_r is the sum over ranks of the upstream gradient (TF's rule for
    # CollectiveReduce); max/min route it to where the value came from, which one rank cannot
    # tell, so they have no gradient (as in TF).
    if reduction not in ("sum", "mean"):
        return [None] * len(inputs)
    from graphflow.ops.elementwise import zeros_like
    dys = [d if d is not None else zeros_like(x) for d, x in zip(dy, inputs[1:])]
    return [None] + list(all_reduce(dys, reduction, group_size, 0, timeout))


START = register("collective_all_reduce_start", STATEFUL, _start_infer, _start_ref, _start_grad)
WAIT = register("collective_all_reduce_wait", STATEFUL, _wait_infer, _wait_ref, _wait_grad,
                num_outputs=None)


def _nbytes(t):
    dims = t.shape.dims_tuple() if hasattr(t.shape, "dims_tuple") else tuple(t.shape)
    if dims is None or any(d is None for d in dims):
        return None
    return int(np.prod(dims, dtype=np.int64)) * t.dtype.np.itemsize


def buckets(tensors, bytes_per_pack=0):
    """The tensors in all-reduce buckets: in the order they are computed (program order for
    tensors of a graph being built; for eager ones, the reverse of the list, as a backward pass
    produces the last layer's gradients first), each bucket holding whole tensors up to
    `bytes_per_pack` bytes (0: FIRST_BUCKET_BYTES for the first, BUCKET_BYTES after). A tensor
    of unknown size, or larger than the cap, has a bucket of its own."""
    tensors = list(tensors)
    if all(hasattr(t, "node") and getattr(t.node, "index", None) is not None for t in tensors):
        order = sorted(range(len(tensors)),
                       key=lambda i: (tensors[i].node.index, tensors[i].index, i))
    else:
        order = list(reversed(range(len(tensors))))
    out, current, size = [], [], 0
    for i in order:
        cap = bytes_per_pack or (BUCKET_BYTES if out else FIRST_BUCKET_BYTES)
        n = _nbytes(tensors[i])
        if current and (n is None or size + n > cap):
            out.append(current)
            current, size = [], 0
        current.append(tensors[i])
        size += n or 0
        if n is None:
            out.append(current)
            current, size = [], 0
    if current:
        out.append(current)
    return out


def all_reduce(tensors, reduction="sum", group_size=None, bytes_per_pack=0, timeout=None):
    """The elementwise `reduction` ("sum", "mean", "max", "min") of each tensor over the
    `group_size` processes of the job (all of them by default), as a list of tensors: one
    start/wait pair per bucket (see `buckets`)."""
    if reduction not in REDUCTIONS:
        raise InvalidArgumentError(
            f"collective_all_reduce: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if group_size is None:
        from graphflow.distribute.communicator import world
        group_size = world().size
    tensors = list(tensors)
    if not tensors:
        return []
    start_attrs = {"reduction": reduction, "group_size": int(group_size),
                   "bytes_per_pack": int(bytes_per_pack or 0)}
    wait_attrs = {"reduction": reduction, "group_size": int(group_size),
                  "timeout": None if timeout is None else float(timeout)}
    reduced = {}
    for bucket in buckets(tensors, bytes_per_pack):
        token = dispatch(START, bucket, start_attrs)
        out = dispatch(WAIT, [token] + bucket, wait_attrs)
        for t, r in zip(bucket, out if isinstance(out, (tuple, list)) else [out]):
            reduced[id(t)] = r
    return [reduced[id(t)] for t in tensors]
