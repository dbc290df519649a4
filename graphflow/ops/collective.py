"""Collective ops: all-reduce across the processes of a distributed job (graphflow.distribute).

`collective_all_reduce` reduces several tensors at once (one bucketed MPI exchange for all of
them) and returns one tensor per input. It is STATEFUL: the compiler never folds, deduplicates or
reorders it, and every rank runs the same graph, so the collectives of all ranks line up. With a
group of one process it returns its inputs, which is also what the op-registry harness checks.

    >>> import graphflow as tf
    >>> from graphflow.ops.collective import all_reduce
    >>> [t.numpy() for t in all_reduce([tf.constant([1.0, 2.0])], "sum", group_size=1)]
    [array([1., 2.], dtype=float32)]
"""
import numpy as np

from graphflow.errors import FailedPreconditionError, InvalidArgumentError
from graphflow.ops.registry import STATEFUL, dispatch, register

REDUCTIONS = ("sum", "mean", "max", "min")


def _infer(specs, reduction, group_size, bytes_per_pack=0, timeout=None):
    for s in specs:
        if s.dtype.np.kind not in "iuf":
            raise InvalidArgumentError(
                f"collective_all_reduce: cannot reduce a {s.dtype.name} tensor")
    return [(s.shape, s.dtype) for s in specs]


def _ref(*arrays, reduction, group_size, bytes_per_pack=0, timeout=None):
    for a in arrays:
        if a.dtype.kind not in "iuf":
            raise InvalidArgumentError(f"collective_all_reduce: cannot reduce a {a.dtype} tensor")
    from graphflow.distribute.communicator import world
    comm = world()
    if comm.size != group_size:
        raise FailedPreconditionError(
            f"collective_all_reduce: the op was built for {group_size} processes but this job "
            f"has {comm.size}")
    if group_size == 1:
        return tuple(np.array(a, copy=True) for a in arrays)
    op = "sum" if reduction == "mean" else reduction
    out = comm.all_reduce(list(arrays), op, bytes_per_pack, timeout)
    if reduction == "mean":
        out = [o / np.asarray(group_size, o.dtype) if o.dtype.kind in "fc" else o // group_size
               for o in out]
    return tuple(out)


def _grad(inputs, outputs, dy, reduction, group_size, bytes_per_pack=0, timeout=None):
    # d(sum over ranks)/dx_r is the sum over ranks of the upstream gradient (TF's rule for
    # CollectiveReduce); max/min route it to where the value came from, which one rank cannot
    # tell, so they have no gradient (as in TF).
    if reduction not in ("sum", "mean"):
        return [None] * len(inputs)
    from graphflow.ops.elementwise import zeros_like
    dys = [d if d is not None else zeros_like(x) for d, x in zip(dy, inputs)]
    return list(all_reduce(dys, reduction, group_size, bytes_per_pack, timeout))


ALL_REDUCE = register("collective_all_reduce", STATEFUL, _infer, _ref, _grad, num_outputs=None)


def all_reduce(tensors, reduction="sum", group_size=None, bytes_per_pack=0, timeout=None):
    """The elementwise `reduction` ("sum", "mean", "max", "min") of each tensor over the
    `group_size` processes of the job (all of them by default), as a list of tensors."""
    if reduction not in REDUCTIONS:
        raise InvalidArgumentError(
            f"collective_all_reduce: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if group_size is None:
        from graphflow.distribute.communicator import world
        group_size = world().size
    tensors = list(tensors)
    if not tensors:
        return []
    attrs = {"reduction": reduction, "group_size": int(group_size),
             "bytes_per_pack": int(bytes_per_pack or 0),
             "timeout": None if timeout is None else float(timeout)}
    out = dispatch(ALL_REDUCE, tensors, attrs)
    return list(out) if isinstance(out, (tuple, list)) else [out]
