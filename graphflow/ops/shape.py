"""Shape and indexing ops: reshape, transpose, expand_dims, squeeze, concat, stack, split, tile,
gather, slicing (`x[...]`), pad, one_hot, shape/size/rank, broadcast_to.

    >>> import graphflow as tf
    >>> tf.reshape(tf.range(6), (2, -1)).shape
    TensorShape([2, 3])
"""
import builtins

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.ops import rules
from graphflow.ops.registry import INDEX, OPAQUE, SHAPE, dispatch, register


def _shape_of(x):
    return x.shape.dims_tuple() if hasattr(x, "shape") and hasattr(x.shape, "dims_tuple") \
        else np.shape(x)


def _rank_of(x):
    s = _shape_of(x)
    return None if s is None else len(s)


def _as_int_tuple(value, what, op_name):
    if hasattr(value, "numpy"):
        value = value.numpy()
    try:
        arr = np.asarray(value)
        if arr.dtype.kind not in "iu" and arr.size:
            raise TypeError
        return tuple(int(v) for v in arr.reshape(-1))
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{op_name}: {what} must be integers, got {value!r}") from None


# -- reshape -----------------------------------------------------------------------------------

def _resolve_reshape(shape, target, op_name="reshape"):
    """The output shape of reshaping `shape` (maybe partially unknown) to `target` (-1 allowed)."""
    if list(target).count(-1) > 1:
        raise InvalidArgumentError(f"{op_name}: at most one -1 is allowed in shape {list(target)}")
    for d in target:
        if d < -1:
            raise InvalidArgumentError(f"{op_name}: invalid dimension {d} in shape {list(target)}")
    total = rules.num_elements(shape)
    known = 1
    for d in target:
        if d != -1:
            known *= d
    if -1 not in target:
        if total is not None and total != known:
            raise InvalidArgumentError(
                f"{op_name}: cannot reshape a tensor with {total} elements (shape {rules.fmt(shape)}) "
                f"to shape {list(target)} ({known} elements)")
        return tuple(target)
    if total is None:
        return tuple(None if d == -1 else d for d in target)
    if known == 0 or total % known:
        raise InvalidArgumentError(
            f"{op_name}: cannot reshape a tensor with {total} elements (shape {rules.fmt(shape)}) "
            f"to shape {list(target)}: {total} is not a multiple of {known}")
    return tuple(total // known if d == -1 else d for d in target)


def _reshape_infer(specs, shape):
    return [(_resolve_reshape(specs[0].shape, shape), specs[0].dtype)]


def _reshape_ref(x, shape):
    return x.reshape(_resolve_reshape(x.shape, shape))


RESHAPE = register("reshape", SHAPE, _reshape_infer, _reshape_ref,
                   lambda inputs, outputs, dy, shape: (reshape_like(dy, inputs[0]),))
RESHAPE_LIKE = register(
    "reshape_like", SHAPE, lambda specs: [(specs[1].shape, specs[0].dtype)],
    lambda x, like: x.reshape(like.shape),
    lambda inputs, outputs, dy: (reshape_like(dy, inputs[0]), None))


def reshape(tensor, shape, name=None):
    """Same elements in a new shape; one dimension may be -1 (inferred).

        >>> tf.reshape(tf.zeros(6), [3, -1]).shape
        TensorShape([3, 2])
    """
    if hasattr(shape, "_ragged_fill"):  # a DynamicRaggedShape: a RaggedTensor of that shape
        return shape._ragged_reshape(tensor)
    from graphflow.ops import dynamic_shape
    target, computed = dynamic_shape.shape_operand(shape, "reshape", allow_minus_one=True)
    if computed is not None:  # known only when the graph runs
        return dynamic_shape.reshape(tensor, computed, name)
    return dispatch(RESHAPE, (tensor,), {"shape": target}, name)


def reshape_like(x, like):
    """x reshaped to like's (runtime) shape; used by gradients when static shapes are unknown."""
    xs, ls = _shape_of(x), _shape_of(like)
    if xs is not None and xs == ls and None not in xs:
        return x
    if ls is not None and None not in ls:
        return reshape(x, ls)
    return dispatch(RESHAPE_LIKE, (x, like))


# -- transpose ---------------------------------------------------------------------------------

def _transpose_infer(specs, perm):
    x = specs[0]
    if x.shape is None:
        return [(None, x.dtype)]
    if sorted(perm) != list(range(len(x.shape))):
        raise InvalidArgumentError(
            f"transpose: perm {list(perm)} is not a permutation of the axes of shape {rules.fmt(x.shape)}")
    return [(tuple(x.shape[p] for p in perm), x.dtype)]


TRANSPOSE = register(
    "transpose", SHAPE, _transpose_infer, lambda x, perm: np.transpose(x, perm),
    lambda inputs, outputs, dy, perm: (transpose(dy, tuple(int(i) for i in np.argsort(perm))),))


def transpose(a, perm=None, name=None):
    """Permutes axes (reverses them when perm is None).

        >>> tf.transpose(tf.zeros((2, 3))).shape
        TensorShape([3, 2])
    """
    rank = _rank_of(a)
    if perm is None:
        if rank is None:
            raise InvalidArgumentError("transpose: perm is required when the rank is unknown")
        perm = tuple(reversed(range(rank)))
    perm = _as_int_tuple(perm, "perm", "transpose")
    if rank is not None:
        if len(perm) != rank:
            raise InvalidArgumentError(
                f"transpose: perm {list(perm)} has {len(perm)} entries but the input has rank {rank} "
                f"(shape {rules.fmt(_shape_of(a))})")
        perm = tuple(p % rank if -rank <= p < rank else p for p in perm)
    return dispatch(TRANSPOSE, (a,), {"perm": perm}, name)


# -- expand_dims / squeeze ---------------------------------------------------------------------

def _expand_infer(specs, axis):
    x = specs[0]
    if x.shape is None:
        return [(None, x.dtype)]
    a = rules.normalize_axis("expand_dims", axis, len(x.shape) + 1, x.shape)
    return [(x.shape[:a] + (1,) + x.shape[a:], x.dtype)]


def _expand_ref(x, axis):
    if axis < 0:  # left negative only when the rank was unknown at graph-building time
        axis += x.ndim + 1
    return x.reshape(x.shape[:axis] + (1,) + x.shape[axis:])


EXPAND_DIMS = register(
    "expand_dims", SHAPE, _expand_infer, _expand_ref,
    lambda inputs, outputs, dy, axis: (reshape_like(dy, inputs[0]),))


def expand_dims(input, axis, name=None):  # noqa: A002
    """Inserts a size-1 axis at `axis`.

        >>> tf.expand_dims(tf.zeros(3), 0).shape
        TensorShape([1, 3])
    """
    rank = _rank_of(input)
    axis = rules.as_axis("expand_dims", axis)
    if rank is not None:
        axis = rules.normalize_axis("expand_dims", axis, rank + 1, _shape_of(input))
    return dispatch(EXPAND_DIMS, (input,), {"axis": axis}, name)


def _squeeze_infer(specs, axis):
    x = specs[0]
    if x.shape is None:
        return [(None, x.dtype)]
    if axis is None:
        if None in x.shape:
            return [(None, x.dtype)]
        return [(tuple(d for d in x.shape if d != 1), x.dtype)]
    for a in axis:
        if x.shape[a] not in (1, None):
            raise InvalidArgumentError(
                f"squeeze: cannot squeeze axis {a} of shape {rules.fmt(x.shape)}: its size is "
                f"{x.shape[a]}, not 1")
    return [(tuple(d for i, d in enumerate(x.shape) if i not in axis), x.dtype)]


def _squeeze_ref(x, axis):
    if axis is not None:
        for a in axis:
            if x.shape[a] != 1:
                _squeeze_infer([_spec(x)], axis)
    return np.squeeze(x, axis=axis)


def _spec(array):
    from graphflow.ops.registry import Spec
    return Spec(array.shape, dtypes.from_numpy(array.dtype))


SQUEEZE = register("squeeze", SHAPE, _squeeze_infer, _squeeze_ref,
                   lambda inputs, outputs, dy, axis: (reshape_like(dy, inputs[0]),))


def squeeze(input, axis=None, name=None):  # noqa: A002
    """Removes size-1 axes (only those in `axis` when given).

        >>> tf.squeeze(tf.zeros((1, 3, 1))).shape
        TensorShape([3])
    """
    if axis is not None:
        axis = rules.normalize_axes("squeeze", axis if isinstance(axis, (list, tuple)) else [axis],
                                    _rank_of(input), _shape_of(input))
    return dispatch(SQUEEZE, (input,), {"axis": axis}, name)


# -- concat / stack / split --------------------------------------------------------------------

def _concat_infer(specs, axis):
    known = [s.shape for s in specs if s.shape is not None]
    if not known:
        return [(None, specs[0].dtype)]
    rank = len(known[0])
    out = list(known[0])
    total = 0
    for i, s in enumerate(specs):
        if s.shape is None:
            total = None
            continue
        if len(s.shape) != rank:
            raise InvalidArgumentError(
                f"concat: all inputs must have the same rank; input #0 has shape "
                f"{rules.fmt(known[0])} but input #{i} has shape {rules.fmt(s.shape)}")
        for d in range(rank):
            if d == axis:
                continue
            if s.shape[d] is not None and out[d] is not None and s.shape[d] != out[d]:
                raise InvalidArgumentError(
                    f"concat: input #{i} has shape {rules.fmt(s.shape)}, which does not match "
                    f"{rules.fmt(tuple(out))} outside axis {axis}")
            if out[d] is None:
                out[d] = s.shape[d]
        if total is not None:
            total = None if s.shape[axis] is None else total + s.shape[axis]
    out[axis] = total
    return [(tuple(out), specs[0].dtype)]


def _concat_grad(inputs, outputs, dy, axis):
    return split_like(dy, inputs, axis)


CONCAT = register("concat", SHAPE, _concat_infer,
                  lambda *xs, axis: np.concatenate(xs, axis=axis), _concat_grad, same_dtype="all")


def concat(values, axis, name=None):
    """Joins tensors along an existing axis.

        >>> tf.concat([tf.zeros((2, 1)), tf.ones((2, 2))], axis=1).shape
        TensorShape([2, 3])
    """
    values = list(values)
    if not values:
        raise InvalidArgumentError("concat: needs at least one tensor")
    shape = next((_shape_of(v) for v in values if _rank_of(v) is not None), None)
    rank = None if shape is None else len(shape)
    if rank == 0:
        raise InvalidArgumentError("concat: cannot concatenate scalars (rank 0); use tf.stack")
    axis = rules.normalize_axis("concat", axis, rank, shape)
    if len(values) == 1:
        from graphflow.ops.elementwise import identity
        return identity(values[0], name)
    return dispatch(CONCAT, tuple(values), {"axis": axis}, name)


def _split_like_infer(specs, axis):
    dy, likes = specs[0], specs[1:]
    out = []
    for s in likes:
        shape = None
        if dy.shape is not None and s.shape is not None:
            shape = dy.shape[:axis] + (s.shape[axis],) + dy.shape[axis + 1:]
        out.append((shape, dy.dtype))
    return out


def _split_like_ref(dy, *likes, axis):
    bounds = np.cumsum([x.shape[axis] for x in likes])[:-1]
    return tuple(np.split(dy, bounds, axis=axis))


def _split_like_grad(inputs, outputs, dys, axis):
    from graphflow.ops.elementwise import zeros_like
    parts = [zeros_like(o) if d is None else d for o, d in zip(outputs, dys)]
    return (concat(parts, axis),) + (None,) * (len(inputs) - 1)


SPLIT_LIKE = register("split_like", SHAPE, _split_like_infer, _split_like_ref, _split_like_grad,
                      num_outputs=None)


def split_like(x, likes, axis):
    """Splits x along axis into pieces sized like the tensors in `likes` (concat's gradient)."""
    return dispatch(SPLIT_LIKE, (x,) + tuple(likes), {"axis": axis})


def _split_infer(specs, sizes, axis):
    x = specs[0]
    if x.shape is None:
        return [(None, x.dtype)] * len(sizes)
    dim = x.shape[axis]
    if dim is not None and sum(sizes) != dim:
        raise InvalidArgumentError(
            f"split: sizes {list(sizes)} add up to {sum(sizes)}, but axis {axis} of shape "
            f"{rules.fmt(x.shape)} has {dim}")
    return [(x.shape[:axis] + (s,) + x.shape[axis + 1:], x.dtype) for s in sizes]


def _split_ref(x, sizes, axis):
    if sum(sizes) != x.shape[axis]:
        _split_infer([_spec(x)], sizes, axis)
    return tuple(np.split(x, np.cumsum(sizes)[:-1], axis=axis))


def _split_grad(inputs, outputs, dys, sizes, axis):
    from graphflow.ops.elementwise import zeros_like
    parts = [zeros_like(o) if d is None else d for o, d in zip(outputs, dys)]
    return (concat(parts, axis),)


SPLIT = register("split", SHAPE, _split_infer, _split_ref, _split_grad, num_outputs=None)


def split(value, num_or_size_splits, axis=0, num=None, name=None):
    """Splits into equal parts (an int) or parts of the given sizes (a list; one may be -1).

        >>> [p.shape.as_list() for p in tf.split(tf.zeros((4, 2)), 2)]
        [[2, 2], [2, 2]]
    """
    shape = _shape_of(value)
    rank = None if shape is None else len(shape)
    axis = rules.normalize_axis("split", axis, rank, shape)
    dim = None if shape is None else shape[axis]
    if isinstance(num_or_size_splits, (int, np.integer)):
        n = int(num_or_size_splits)
        if n <= 0 or dim is None or dim % n:
            raise InvalidArgumentError(
                f"split: cannot split axis {axis} of shape {rules.fmt(shape)} into {n} equal parts")
        sizes = (dim // n,) * n
    else:
        sizes = list(_as_int_tuple(num_or_size_splits, "size_splits", "split"))
        if sizes.count(-1) == 1 and dim is not None:
            sizes[sizes.index(-1)] = dim - (sum(sizes) + 1)
        sizes = tuple(sizes)
    return list(dispatch(SPLIT, (value,), {"sizes": sizes, "axis": axis}, name))


@rules.composite("stack")
def stack(values, axis=0, name=None):
    """Joins tensors of one shape along a new axis.

        >>> tf.stack([tf.zeros(3), tf.ones(3)]).shape
        TensorShape([2, 3])
    """
    values = list(values)
    if not values:
        raise InvalidArgumentError("stack: needs at least one tensor")
    rank = next((_rank_of(v) for v in values if _rank_of(v) is not None), 0)
    axis = rules.normalize_axis("stack", axis, rank + 1)
    shapes = {_shape_of(v) for v in values if _rank_of(v) is not None}
    if len({s for s in shapes if None not in s}) > 1:
        raise InvalidArgumentError(
            f"stack: all tensors must have the same shape, got {sorted(rules.fmt(s) for s in shapes)}")
    expanded = [expand_dims(v, axis) for v in values]
    return concat(expanded, axis, name) if len(expanded) > 1 else expanded[0]


@rules.composite("unstack")
def unstack(value, num=None, axis=0, name=None):
    """Splits along axis into a list of tensors with that axis removed.

        >>> len(tf.unstack(tf.zeros((3, 2))))
        3
    """
    shape = _shape_of(value)
    axis = rules.normalize_axis("unstack", axis, None if shape is None else len(shape), shape)
    n = num if num is not None else (None if shape is None else shape[axis])
    if n is None:
        raise InvalidArgumentError("unstack: the size of the axis is unknown; pass num=")
    if shape is not None and shape[axis] is not None and n != shape[axis]:
        raise InvalidArgumentError(
            f"unstack: Input shape axis {axis} must equal {n}, got shape {rules.fmt(shape)}")
    return [squeeze(p, axis) for p in split(value, n, axis)]


# -- tile --------------------------------------------------------------------------------------

def _tile_infer(specs, multiples):
    x = specs[0]
    if x.shape is None:
        return [(None, x.dtype)]
    if len(multiples) != len(x.shape):
        raise InvalidArgumentError(
            f"tile: multiples {list(multiples)} must have one entry per axis of shape {rules.fmt(x.shape)}")
    return [(tuple(None if d is None else d * m for d, m in zip(x.shape, multiples)), x.dtype)]


def _untile_ref(dy, like, multiples):
    split_shape = []
    for m, d in zip(multiples, like.shape):
        split_shape += [m, d]
    return dy.reshape(split_shape).sum(axis=tuple(range(0, 2 * len(multiples), 2)), dtype=dy.dtype)


TILE = register("tile", SHAPE, _tile_infer, lambda x, multiples: np.tile(x, multiples),
                lambda inputs, outputs, dy, multiples: (_untile(dy, inputs[0], multiples),))
UNTILE = register("untile", SHAPE, lambda specs, multiples: [(specs[1].shape, specs[0].dtype)],
                  _untile_ref,
                  lambda inputs, outputs, dy, multiples: (tile(dy, multiples), None))


def _untile(dy, like, multiples):
    return dispatch(UNTILE, (dy, like), {"multiples": multiples})


def tile(input, multiples, name=None):  # noqa: A002
    """Repeats the tensor `multiples[i]` times along axis i.

        >>> tf.tile(tf.zeros((1, 2)), [3, 1]).shape
        TensorShape([3, 2])
    """
    from graphflow.ops import dynamic_shape
    known, computed = dynamic_shape.shape_operand(multiples, "tile")
    if computed is not None:  # known only when the graph runs
        return dynamic_shape.tile(input, computed, name)
    multiples = known
    rank = _rank_of(input)
    if rank is not None and len(multiples) != rank:
        raise InvalidArgumentError(
            f"tile: multiples {list(multiples)} must have one entry per axis of shape "
            f"{rules.fmt(_shape_of(input))}")
    return dispatch(TILE, (input,), {"multiples": multiples}, name)


def broadcast_to(input, shape, name=None):  # noqa: A002
    """Broadcasts to `shape` with NumPy rules.

        >>> tf.broadcast_to(tf.constant([1.0, 2.0]), (3, 2)).shape
        TensorShape([3, 2])
    """
    from graphflow.ops import dynamic_shape
    from graphflow.ops.creation import zeros
    from graphflow.ops.reduce import broadcast_like
    known, computed = dynamic_shape.shape_operand(shape, "broadcast_to")
    if computed is not None:  # known only when the graph runs: broadcast against zeros of it
        dtype = input.dtype if hasattr(input, "dtype") else dtypes.float32
        return broadcast_like(input, dynamic_shape.fill(computed, zeros((), dtype=dtype)))
    shape = known
    src = _shape_of(input)
    if src is not None and None not in src:
        out = rules.broadcast_shapes("broadcast_to", src, shape)
        if out != shape:
            raise InvalidArgumentError(
                f"broadcast_to: cannot broadcast shape {rules.fmt(src)} to {rules.fmt(shape)}")
    return broadcast_like(input, zeros(shape, dtype=input.dtype if hasattr(input, "dtype") else None))


# -- gather ----------------------------------------------------------------------------------
# gather(params, indices, axis, batch_dims): the first batch_dims axes of params and indices are
# matched up (batch b of the output gathers from batch b of params), then params' `axis` is
# replaced by the remaining index dims. Indices must lie in [0, size): TF's CPU kernels raise
# for negative and too-large indices alike, and so does graphflow.

def _gather_infer(specs, axis, batch_dims):
    params, indices = specs
    rules.check_kind("gather", indices, "iu", 1)
    if params.shape is None or indices.shape is None:
        return [(None, params.dtype)]
    rules.normalize_axis("gather", axis, len(params.shape), params.shape)
    _check_batch_dims("gather", params.shape, indices.shape, axis, batch_dims)
    out = params.shape[:axis] + indices.shape[batch_dims:] + params.shape[axis + 1:]
    return [(out, params.dtype)]


def _check_batch_dims(op_name, params_shape, indices_shape, axis, batch_dims):
    if batch_dims > len(indices_shape) or batch_dims > axis:
        raise InvalidArgumentError(
            f"{op_name}: batch_dims ({batch_dims}) must be <= axis ({axis}) and <= the rank of "
            f"indices {rules.fmt(indices_shape)}")
    for d in range(batch_dims):
        p, i = params_shape[d], indices_shape[d]
        if p is not None and i is not None and p != i:
            raise InvalidArgumentError(
                f"{op_name}: params.shape[{d}] = {p} must equal indices.shape[{d}] = {i} "
                f"(batch_dims={batch_dims}; params {rules.fmt(params_shape)}, indices "
                f"{rules.fmt(indices_shape)})")


def check_indices(op_name, indices, size, where):
    """Raises TF's error when an index is negative or >= size; `where` names the axis."""
    if indices.size and (indices.min() < 0 or indices.max() >= size):
        bad = np.argwhere((indices < 0) | (indices >= size))[0]
        value = indices[tuple(bad)]
        raise InvalidArgumentError(
            f"{op_name}: indices[{','.join(str(int(k)) for k in bad)}] = {value} is not in "
            f"[0, {size}) (index {value} is out of range for {where})")


def _batched(params, indices, batch_dims):
    """params and indices with their batch axes merged into one leading axis."""
    nb = int(np.prod(params.shape[:batch_dims], dtype=np.int64))
    return (params.reshape((nb,) + params.shape[batch_dims:]),
            indices.reshape((nb,) + indices.shape[batch_dims:]))


def _gather_ref(params, indices, axis, batch_dims):
    rules.check_array_kind("gather", indices, "iu", 1)
    if params.ndim <= axis or batch_dims:
        _gather_infer([_spec(params), _spec(indices)], axis, batch_dims)
    check_indices("gather", indices, params.shape[axis],
                  f"axis {axis} of size {params.shape[axis]}; params shape {params.shape}")
    if not batch_dims:
        return np.take(params, indices, axis=axis)
    p, ix = _batched(params, indices, batch_dims)
    a = axis - batch_dims + 1  # the gathered axis of p
    p = np.moveaxis(p, a, 1)  # (nb, n, before..., after...)
    rows = np.arange(p.shape[0]).reshape((-1,) + (1,) * (ix.ndim - 1))
    out = p[rows, ix]  # (nb, index dims..., before..., after...)
    k, before = ix.ndim - 1, a - 1
    out = np.moveaxis(out, tuple(range(1 + k, 1 + k + before)), tuple(range(1, 1 + before)))
    return out.reshape(params.shape[:axis] + indices.shape[batch_dims:] + params.shape[axis + 1:])


def _gather_grad(inputs, outputs, dy, axis, batch_dims):
    params, indices = inputs
    attrs = {"axis": axis, "batch_dims": batch_dims} if batch_dims else {"axis": axis}
    return dispatch(GATHER_GRAD, (dy, indices, params), attrs), None


def _gather_grad_ref(dy, indices, like, axis, batch_dims=0):
    """Adds every slice of dy into a zero tensor shaped like params, at its index (the gradient
    of gather; repeated indices accumulate)."""
    out = np.zeros(like.shape, dtype=dy.dtype)
    if like.shape[axis] == 0 or indices.size == 0:
        return out
    o, ix = _batched(out, indices, batch_dims)
    a = axis - batch_dims + 1
    moved = np.moveaxis(o, a, 1)  # a view of out: (nb, n, before..., after...)
    k, before = ix.ndim - 1, a - 1
    # dy is (nb, before..., index dims..., after...): bring the index dims next to the batch.
    src = dy.reshape((o.shape[0],) + dy.shape[batch_dims:])
    src = np.moveaxis(src, tuple(range(1 + before, 1 + before + k)), tuple(range(1, 1 + k)))
    rows = np.broadcast_to(np.arange(o.shape[0]).reshape((-1,) + (1,) * k), ix.shape)
    np.add.at(moved, (rows.reshape(-1), ix.reshape(-1)), src.reshape((-1,) + moved.shape[2:]))
    return out


GATHER = register("gather", INDEX, _gather_infer, _gather_ref, _gather_grad)
GATHER_GRAD = register(
    "gather_grad", INDEX, lambda specs, axis, batch_dims=0: [(specs[2].shape, specs[0].dtype)],
    _gather_grad_ref,
    lambda inputs, outputs, dy, axis, batch_dims=0: (
        gather(dy, inputs[1], axis=axis, batch_dims=batch_dims), None, None))


def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """Slices of params at integer `indices` along `axis` (default: batch_dims). Indices must
    lie in [0, params.shape[axis]), as on TF's CPU. With batch_dims=b, the first b axes of
    params and indices are batch axes matched up one to one. validate_indices is accepted and
    ignored (deprecated in TF, where indices are always validated on the CPU).

        >>> tf.gather(tf.constant([10.0, 20.0, 30.0]), [2, 0]).numpy()
        array([30., 10.], dtype=float32)
        >>> tf.gather(tf.constant([[1, 2, 3], [4, 5, 6]]), [[2, 0], [1, 1]], axis=1,
        ...           batch_dims=1).numpy()
        array([[3, 1],
               [5, 5]], dtype=int32)
    """
    from graphflow.ops.registry import EagerTensor, autopack, to_array
    if not hasattr(indices, "dtype") or isinstance(indices, (np.ndarray, np.generic)):
        packed = autopack(indices)
        indices = packed if packed is not None else EagerTensor(to_array(indices, None, "gather"))
    shape = _shape_of(params)
    rank = None if shape is None else len(shape)
    batch_dims = int(batch_dims)
    if batch_dims < 0:
        index_rank = _rank_of(indices)
        if index_rank is None:
            raise InvalidArgumentError("gather: a negative batch_dims needs indices of known rank")
        batch_dims += index_rank
        if batch_dims < 0:
            raise InvalidArgumentError(
                f"gather: batch_dims {batch_dims - index_rank} is out of range for indices of "
                f"rank {index_rank}")
    axis = rules.normalize_axis("gather", batch_dims if axis is None else axis, rank, shape)
    return dispatch(GATHER, (params, indices), {"axis": axis, "batch_dims": batch_dims}, name)


# -- strided slicing: x[...] -------------------------------------------------------------------
# The index is normalized to a hashable spec: a tuple of ("i", k) ints, ("s", start, stop, step)
# slices, ("n",) new axes, with any Ellipsis expanded once the rank is known.

def _spec_key(spec):
    out = []
    for item in spec:
        if item[0] == "i":
            out.append(item[1])
        elif item[0] == "s":
            out.append(builtins.slice(item[1], item[2], item[3]))
        else:
            out.append(np.newaxis)
    return tuple(out)


def _slice_infer(specs, spec):
    x = specs[0]
    if x.shape is None:
        return [(None, x.dtype)]
    out, axis = [], 0
    for item in spec:
        if item[0] == "n":
            out.append(1)
            continue
        if axis >= len(x.shape):
            raise InvalidArgumentError(
                f"strided_slice: too many indices for a tensor of shape {rules.fmt(x.shape)}")
        dim = x.shape[axis]
        if item[0] == "i":
            if dim is not None and not -dim <= item[1] < dim:
                raise InvalidArgumentError(
                    f"strided_slice: index {item[1]} is out of range for axis {axis} of size {dim} "
                    f"(shape {rules.fmt(x.shape)})")
        else:
            if item[3] == 0:
                raise InvalidArgumentError("strided_slice: slice step cannot be zero")
            out.append(None if dim is None else len(range(*builtins.slice(*item[1:]).indices(dim))))
        axis += 1
    out.extend(x.shape[axis:])
    return [(tuple(out), x.dtype)]


def _slice_ref(x, spec):
    try:
        return x[_spec_key(spec)]
    except IndexError:
        _slice_infer([_spec(x)], spec)
        raise


def _slice_grad_ref(dy, like, spec):
    out = np.zeros(like.shape, dtype=dy.dtype)
    out[_spec_key(spec)] = dy
    return out


STRIDED_SLICE = register(
    "strided_slice", INDEX, _slice_infer, _slice_ref,
    lambda inputs, outputs, dy, spec: (dispatch(STRIDED_SLICE_GRAD, (dy, inputs[0]), {"spec": spec}),))
STRIDED_SLICE_GRAD = register(
    "strided_slice_grad", INDEX, lambda specs, spec: [(specs[1].shape, specs[0].dtype)],
    _slice_grad_ref,
    lambda inputs, outputs, dy, spec: (dispatch(STRIDED_SLICE, (dy,), {"spec": spec}), None))


class _Bound:
    """A slice bound or index that is a scalar tensor known only when the graph runs."""

    __slots__ = ("tensor",)

    def __init__(self, tensor):
        self.tensor = tensor


def _index_value(k):
    from graphflow.ops import dynamic_shape
    known = dynamic_shape.known_int(k)
    if known is not None:
        return known
    if dynamic_shape.is_symbolic_int(k):
        return _Bound(k)
    raise TypeError


def _normalize_key(key, rank):
    """Splits a __getitem__ key into (basic spec, or None) and an advanced (gather) part."""
    if not isinstance(key, tuple):
        key = (key,)
    items = []
    for k in key:
        if k is None:
            items.append(("n",))
        elif k is Ellipsis:
            items.append(("e",))
        elif isinstance(k, builtins.slice):
            parts = []
            for v in (k.start, k.stop, k.step):
                try:
                    parts.append(None if v is None else _index_value(v))
                except TypeError:
                    raise InvalidArgumentError(
                        f"strided_slice: slice bounds must be integers, got {v!r}") from None
            items.append(("s", *parts))
        else:
            try:
                items.append(("i", _index_value(k)))
            except TypeError:
                items.append(("g", k))
    if sum(1 for it in items if it[0] == "e") > 1:
        raise InvalidArgumentError("strided_slice: an index can only have a single ellipsis ('...')")
    consumed = sum(1 for it in items if it[0] in "isg")
    if rank is not None and consumed > rank:
        raise InvalidArgumentError(
            f"strided_slice: too many indices ({consumed}) for a tensor of rank {rank}")
    out = []
    for it in items:
        if it[0] == "e":
            if rank is None:
                raise InvalidArgumentError("strided_slice: '...' needs a tensor of known rank")
            out.extend([("s", None, None, None)] * (rank - consumed))
        else:
            out.append(it)
    return out


def getitem(x, key):
    """x[key] with ints, slices, Ellipsis, newaxis, negative indices, and integer tensor or array
    indices (a gather) on one axis.

        >>> tf.constant([[1, 2], [3, 4]])[:, -1].numpy()
        array([2, 4], dtype=int32)
    """
    from graphflow.tensor import Variable
    if isinstance(x, Variable):
        x = x.value()
    items = _normalize_key(key, _rank_of(x))
    gathers = [i for i, it in enumerate(items) if it[0] == "g"]
    if any(isinstance(v, _Bound) for it in items for v in it[1:]):
        if gathers:
            raise InvalidArgumentError("indexing with a tensor index and slice bounds computed "
                                       "when the graph runs is not supported; use tf.gather")
        return _dynamic_slice(x, items)
    if not gathers:
        return dispatch(STRIDED_SLICE, (x,), {"spec": tuple(items)})
    if len(gathers) > 1:
        raise InvalidArgumentError("indexing with more than one tensor/array index is not supported; "
                                   "use tf.gather or tf.gather_nd")
    g = gathers[0]
    indices = items[g][1]
    if getattr(indices, "dtype", None) is not None and getattr(indices.dtype, "is_bool", False) or \
            (isinstance(indices, np.ndarray) and indices.dtype == bool):
        raise InvalidArgumentError("boolean mask indexing is not supported; use tf.boolean_mask")
    # Basic indexing before the gathered axis must not drop or add axes, so the axis is known.
    before = items[:g]
    if any(it[0] != "s" for it in before):
        raise InvalidArgumentError(
            "a tensor/array index may only follow full slices (':') in an index expression")
    sliced = dispatch(STRIDED_SLICE, (x,), {"spec": tuple(before)}) if any(
        it != ("s", None, None, None) for it in before) else x
    out = gather(sliced, _wrap_negative(indices, _shape_of(sliced)[g], g), axis=g)
    rest = items[g + 1:]
    if rest:
        idx_rank = _rank_of(out) - (_rank_of(sliced) - 1)
        spec = (("s", None, None, None),) * (g + idx_rank) + tuple(rest)
        out = dispatch(STRIDED_SLICE, (out,), {"spec": spec})
    return out


def _wrap_negative(indices, size, axis):
    """x[index_tensor] counts negative indices from the end, as NumPy does (tf.gather itself
    rejects them, as TF's CPU kernel does)."""
    from graphflow.ops.registry import EagerTensor, to_array
    if not hasattr(indices, "dtype") or isinstance(indices, (np.ndarray, np.generic)):
        indices = EagerTensor(to_array(indices, None, "strided_slice"))
    if type(indices) is EagerTensor:  # (a DeviceTensor stays on its device: the ops below)
        arr = indices._value
        if arr.dtype.kind == "i" and arr.size and arr.min() < 0 and size is not None:
            if arr.min() < -size:
                check_indices("strided_slice", arr, size, f"axis {axis} of size {size}")
            return EagerTensor(np.where(arr < 0, arr + size, arr).astype(arr.dtype))
        return indices
    if size is None or not indices.dtype.is_integer or indices.dtype.is_unsigned:
        return indices
    from graphflow.ops.elementwise import add, less, where
    return where(less(indices, 0), add(indices, size), indices)


def _dynamic_slice(x, items):
    """x[key] where some indices or bounds are scalar tensors computed when the graph runs."""
    from graphflow.ops import dynamic_shape
    bounds, spec = [], []
    for it in items:
        entry = [it[0]]
        for v in it[1:]:
            if isinstance(v, _Bound):
                bounds.append(v.tensor)
                v = ("t", len(bounds))
            entry.append(v)
        spec.append(tuple(entry))
    return dynamic_shape.strided_slice(x, spec, bounds)


def _check_slice_fits(begin, size, shape):
    """TF's slice requires the slice to lie inside the tensor (Python slicing would clip)."""
    for axis, (b, s, d) in enumerate(zip(begin, size, shape or ())):
        if d is not None and not (0 <= b <= d and (s == -1 or 0 <= s <= d - b)):
            raise InvalidArgumentError(
                f"slice: begin {list(begin)} and size {list(size)} do not fit in shape "
                f"{rules.fmt(shape)} (axis {axis} has {d} elements)")


def _check_slice_infer(specs, begin, size):
    _check_slice_fits(begin, size, specs[0].shape)
    return [(specs[0].shape, specs[0].dtype)]


def _check_slice_ref(x, begin, size):
    _check_slice_fits(begin, size, x.shape)
    return x


# The bounds of a slice over dims known only when the graph runs are checked then, by this
# pass-through op, so a slice past the end raises there too instead of clipping.
CHECK_SLICE = register("check_slice_bounds", OPAQUE, _check_slice_infer, _check_slice_ref,
                       lambda inputs, outputs, dy, begin, size: (dy,),
                       doc="Its input unchanged, after checking that slice(begin, size) fits in it.")


def slice(input_, begin, size, name=None):  # noqa: A001 - TF's name
    """The slice starting at `begin` with `size` elements per axis (-1: to the end).

        >>> tf.slice(tf.zeros((4, 4)), [1, 0], [2, -1]).shape
        TensorShape([2, 4])
    """
    from graphflow.ops.static import constant_value
    if constant_value(begin) is None or constant_value(size) is None:
        return _slice_with_tensor_bounds(input_, begin, size, name)
    begin = _as_int_tuple(constant_value(begin), "begin", "slice")
    size = _as_int_tuple(constant_value(size), "size", "slice")
    shape = _shape_of(input_)
    if len(begin) != len(size) or (shape is not None and len(begin) != len(shape)):
        raise InvalidArgumentError(
            f"slice: expected begin and size to have one entry per axis of the rank-"
            f"{'?' if shape is None else len(shape)} input of shape {rules.fmt(shape)}, got begin "
            f"{list(begin)} and size {list(size)}")
    _check_slice_fits(begin, size, shape)
    if any(b < 0 or s < -1 for b, s in zip(begin, size)):
        raise InvalidArgumentError(f"slice: begin {list(begin)} and size {list(size)} must be >= 0 "
                                   f"(size -1: to the end), input shape {rules.fmt(shape)}")
    if shape is None or any(d is None and (b or s != -1) for b, s, d in zip(begin, size, shape)):
        input_ = dispatch(CHECK_SLICE, (input_,), {"begin": begin, "size": size})
    spec = tuple(("s", b, None if s == -1 else b + s, None) for b, s in zip(begin, size))
    return dispatch(STRIDED_SLICE, (input_,), {"spec": spec}, name)


def _slice_with_tensor_bounds(input_, begin, size, name):
    """tf.slice where begin or size is computed when the graph runs (inside a function): one
    dynamic strided slice whose per-axis bounds are begin[i] and begin[i] + size[i] (the axis'
    end for size -1); out-of-range bounds raise when it runs."""
    from graphflow.ops import dynamic_shape
    from graphflow.ops.creation import convert_to_tensor
    from graphflow.ops.elementwise import add, equal, where
    x = convert_to_tensor(input_, name="input")
    b = convert_to_tensor(begin, name="begin")
    n = convert_to_tensor(size, dtype=b.dtype, name="size")
    rank = x.shape.rank
    for what, t in (("begin", b), ("size", n)):
        if not t.dtype.is_integer or t.shape.rank != 1 or (
                rank is not None and t.shape[0] not in (None, rank)):
            raise InvalidArgumentError(
                f"slice: {what} must be an integer vector with one entry per axis of the "
                f"input of shape {x.shape}, got {t.dtype.name} with shape {t.shape}")
    if rank is None:
        raise InvalidArgumentError("slice: with tensor begin or size the input's rank must be "
                                   "known")
    from graphflow.ops.debugging import Assert
    from graphflow.ops.elementwise import greater_equal, identity, less_equal, logical_and, \
        logical_or
    from graphflow.ops.grouping import control_dependencies
    from graphflow.ops.reduce import reduce_all
    dims = shape(x, out_type=b.dtype)
    ends = where(equal(n, -1), dims, add(b, n))
    fits = reduce_all(logical_and(logical_and(greater_equal(b, 0), less_equal(ends, dims)),
                                  logical_or(equal(n, -1), greater_equal(n, 0))))
    # TF rejects a slice that does not fit the input; a strided slice would clip it quietly
    check = Assert(fits, ["slice: begin", b, "and size", n, "must select within the input's "
                          "shape", dims, "(size -1: to the end)"])
    bounds, spec = [], []
    for i in range(rank):
        bounds += [b[i], ends[i]]
        spec.append(("s", ("t", len(bounds) - 1), ("t", len(bounds)), None))
    with control_dependencies([check] if check is not None else []):
        return identity(dynamic_shape.strided_slice(x, spec, bounds), name=name)


def strided_slice(input_, begin, end, strides=None, name=None):
    """input_[begin:end:strides] per axis.

        >>> tf.strided_slice(tf.range(10), [1], [8], [3]).numpy()
        array([1, 4, 7], dtype=int32)
    """
    begin = _as_int_tuple(begin, "begin", "strided_slice")
    end = _as_int_tuple(end, "end", "strided_slice")
    strides = (1,) * len(begin) if strides is None else _as_int_tuple(strides, "strides", "strided_slice")
    spec = tuple(("s", b, e, s) for b, e, s in zip(begin, end, strides))
    return dispatch(STRIDED_SLICE, (input_,), {"spec": spec}, name)


# -- pad ---------------------------------------------------------------------------------------

def _pad_infer(specs, paddings, constant_values):
    x = specs[0]
    if x.shape is None:
        return [(None, x.dtype)]
    if len(paddings) != len(x.shape):
        raise InvalidArgumentError(
            f"pad: paddings {list(paddings)} must have one [before, after] pair per axis of shape "
            f"{rules.fmt(x.shape)}")
    return [(tuple(None if d is None else d + a + b for d, (a, b) in zip(x.shape, paddings)), x.dtype)]


def _pad_grad(inputs, outputs, dy, paddings, constant_values):
    spec = tuple(("s", a, (-b if b else None), None) for a, b in paddings)
    return (dispatch(STRIDED_SLICE, (dy,), {"spec": spec}),)


def _pad_ref(x, paddings, constant_values):
    if len(paddings) != x.ndim:  # np.pad would broadcast one pair over every axis
        _pad_infer([rules.ArraySpec(x)], paddings, constant_values)
    return np.pad(x, paddings, constant_values=constant_values)


PAD = register("pad", SHAPE, _pad_infer, _pad_ref, _pad_grad)


# REFLECT and SYMMETRIC padding are TF's MirrorPad: the border copies elements of the input,
# mirrored about its first and last element (REFLECT) or about its edges (SYMMETRIC), so each
# padding must be smaller than its dimension (REFLECT) or no larger (SYMMETRIC). The gradient,
# TF's MirrorPadGrad, folds the padded borders back onto the elements they were copied from.
MIRROR_MODES = ("REFLECT", "SYMMETRIC")


def _check_mirror_paddings(op_name, shape, paddings, mode):
    if shape is None:
        return
    if len(paddings) != len(shape):
        raise InvalidArgumentError(
            f"{op_name}: paddings {[list(p) for p in paddings]} must have one [before, after] "
            f"pair per axis of the rank-{len(shape)} input of shape {rules.fmt(shape)}")
    for axis, (d, (a, b)) in enumerate(zip(shape, paddings)):
        if d is None:
            continue
        if mode == "REFLECT" and (a >= d or b >= d):
            raise InvalidArgumentError(
                f"{op_name}: paddings must be less than the dimension size: {a}, {b} not less "
                f"than {d} (mode REFLECT, axis {axis} of input shape {rules.fmt(shape)})")
        if mode == "SYMMETRIC" and (a > d or b > d):
            raise InvalidArgumentError(
                f"{op_name}: paddings must be no greater than the dimension size: {a}, {b} "
                f"greater than {d} (mode SYMMETRIC, axis {axis} of input shape {rules.fmt(shape)})")


def _mirror_pad_infer(specs, paddings, mode):
    x = specs[0]
    _check_mirror_paddings("mirror_pad", x.shape, paddings, mode)
    if x.shape is None:
        return [(None, x.dtype)]
    return [(tuple(None if d is None else d + a + b for d, (a, b) in zip(x.shape, paddings)),
             x.dtype)]


def _mirror_pad_ref(x, paddings, mode):
    _check_mirror_paddings("mirror_pad", x.shape, paddings, mode)
    if x.ndim == 0:
        return x.copy()
    return np.pad(x, paddings, mode=mode.lower())


def _mirror_pad_grad_infer(specs, paddings, mode):
    dy = specs[0]
    if dy.shape is None:
        return [(None, dy.dtype)]
    if len(paddings) != len(dy.shape):
        raise InvalidArgumentError(
            f"mirror_pad_grad: paddings {[list(p) for p in paddings]} must have one pair per "
            f"axis of the gradient of shape {rules.fmt(dy.shape)}")
    shape = tuple(None if d is None else d - a - b for d, (a, b) in zip(dy.shape, paddings))
    if any(d is not None and d < 0 for d in shape):
        raise InvalidArgumentError(
            f"mirror_pad_grad: paddings {[list(p) for p in paddings]} are larger than the "
            f"gradient of shape {rules.fmt(dy.shape)}")
    _check_mirror_paddings("mirror_pad_grad", shape, paddings, mode)
    return [(shape, dy.dtype)]


def _mirror_pad_grad_ref(dy, paddings, mode):
    ((shape, _),) = _mirror_pad_grad_infer([rules.ArraySpec(dy)], paddings, mode)
    # One axis at a time: keep the core, add each border reversed onto the elements it mirrors.
    # REFLECT skips the edge element itself (it is not repeated); SYMMETRIC includes it.
    out = dy
    skip = 1 if mode == "REFLECT" else 0
    for axis, ((a, b), n) in enumerate(zip(paddings, shape)):
        moved = np.moveaxis(out, axis, 0)
        core = moved[a:a + n].copy()
        if a:
            core[skip:skip + a] += moved[a - 1::-1]
        if b:
            core[n - skip - b:n - skip] += moved[:a + n - 1:-1]
        out = np.moveaxis(core, 0, axis)
    return np.ascontiguousarray(out) if out is not dy else dy.copy()


MIRROR_PAD = register(
    "mirror_pad", SHAPE, _mirror_pad_infer, _mirror_pad_ref,
    lambda inputs, outputs, dy, paddings, mode: (
        dispatch(MIRROR_PAD_GRAD, (dy,), {"paddings": paddings, "mode": mode}),),
    doc="TF's MirrorPad: pads with mirrored copies of the input (mode REFLECT or SYMMETRIC).")
MIRROR_PAD_GRAD = register(
    "mirror_pad_grad", SHAPE, _mirror_pad_grad_infer, _mirror_pad_grad_ref,
    lambda inputs, outputs, dy, paddings, mode: (
        dispatch(MIRROR_PAD, (dy,), {"paddings": paddings, "mode": mode}),),
    doc="TF's MirrorPadGrad: sums each padded element onto the input element it copies.")


def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """Pads `tensor`: paddings[i] = [before, after] for axis i. Mode CONSTANT fills with
    `constant_values`; REFLECT and SYMMETRIC mirror the input (REFLECT without repeating the
    edge element, SYMMETRIC with it) and ignore `constant_values`, as TF does. The mode is
    case-insensitive.

        >>> tf.pad(tf.ones((2, 2)), [[1, 1], [0, 0]]).shape
        TensorShape([4, 2])
        >>> tf.pad(tf.constant([1, 2, 3]), [[2, 1]], mode="REFLECT").numpy()
        array([3, 2, 1, 2, 3, 2], dtype=int32)
        >>> tf.pad(tf.constant([1, 2, 3]), [[2, 1]], mode="symmetric").numpy()
        array([2, 1, 1, 2, 3, 3], dtype=int32)
    """
    mode = str(mode).upper()
    if mode not in ("CONSTANT",) + MIRROR_MODES:
        raise ValueError('Value of argument `mode` expected to be one of "CONSTANT", "REFLECT", '
                         f'or "SYMMETRIC". Received `mode` = {mode}')
    from graphflow.ops.registry import autopack
    from graphflow.ops.static import constant_value
    packed = autopack(paddings) if isinstance(paddings, (list, tuple)) else paddings
    if hasattr(packed, "dtype") and constant_value(packed) is None:
        return _pad_with_tensor_paddings(tensor, packed, mode, constant_values, name)
    paddings = constant_value(packed) if hasattr(packed, "dtype") else paddings
    flat = _as_int_tuple(paddings, "paddings", "pad")
    rows = np.shape(paddings.numpy() if hasattr(paddings, "numpy") else paddings)
    if len(rows) != 2 or rows[1] != 2:
        raise InvalidArgumentError(
            f"pad: paddings must be a matrix of shape [rank, 2] (one [before, after] pair per "
            f"axis), got paddings of shape {list(rows)}: {paddings!r}")
    pairs = tuple((flat[i], flat[i + 1]) for i in range(0, len(flat), 2))
    if any(p < 0 for p in flat):
        raise InvalidArgumentError(f"pad: paddings must be >= 0, got {paddings}")
    if mode != "CONSTANT":
        return dispatch(MIRROR_PAD, (tensor,), {"paddings": pairs, "mode": mode}, name)
    return dispatch(PAD, (tensor,), {"paddings": pairs, "constant_values": float(constant_values)}, name)


def _pad_with_tensor_paddings(tensor, paddings, mode, constant_values, name):
    """tf.pad whose paddings are computed when the graph runs: along each axis, the input
    between two constant blocks of the run-time sizes (mode CONSTANT; TF's negative-padding
    error becomes a run-time assert)."""
    from graphflow.ops.creation import convert_to_tensor, fill
    from graphflow.ops.debugging import Assert
    from graphflow.ops.elementwise import greater_equal, identity
    from graphflow.ops.grouping import control_dependencies
    from graphflow.ops.reduce import reduce_all
    x = convert_to_tensor(tensor, name="tensor")
    p = convert_to_tensor(paddings, name="paddings")
    rank = x.shape.rank
    if not p.dtype.is_integer or p.shape.rank != 2 or (
            rank is not None and p.shape.dims_tuple() not in ((rank, 2), (None, 2))):
        raise InvalidArgumentError(f"pad: paddings must be an integer matrix of shape [rank, 2], "
                                   f"got {p.dtype.name} with shape {p.shape}")
    if mode != "CONSTANT":
        raise UnimplementedError(f"pad: mode {mode} needs paddings known while tracing (these "
                                 f"are computed when the graph runs)")
    if rank is None:
        raise InvalidArgumentError("pad: with paddings computed when the graph runs the input's "
                                   "rank must be known")
    check = Assert(reduce_all(greater_equal(p, 0)), ["pad: paddings must be >= 0, got", p])
    value = convert_to_tensor(constant_values, dtype=x.dtype)
    with control_dependencies([check] if check is not None else []):
        out = identity(x)
    for axis in range(rank):
        dims = shape(out, out_type=p.dtype)
        blocks = []
        for side in (0, 1):
            size = concat([dims[:axis], p[axis, side:side + 1], dims[axis + 1:]], 0)
            blocks.append(fill(size, value))
        out = concat([blocks[0], out, blocks[1]], axis)
    return identity(out, name=name) if name else out


# -- one_hot -----------------------------------------------------------------------------------

def _check_one_hot_axis(axis, shape):
    if axis != -1 and not 0 <= axis <= len(shape):
        raise InvalidArgumentError(
            f"one_hot: expected axis to be -1 or between [0, {len(shape) + 1}), but received: "
            f"{axis} (indices of shape {rules.fmt(shape)})")


def _one_hot_infer(specs, depth, on_value, off_value, axis, dtype):
    x = specs[0]
    rules.check_kind("one_hot", x, "iu")
    if x.shape is None:
        return [(None, dtypes.as_dtype(dtype))]
    _check_one_hot_axis(axis, x.shape)
    a = len(x.shape) if axis == -1 else axis
    return [(x.shape[:a] + (depth,) + x.shape[a:], dtypes.as_dtype(dtype))]


def _one_hot_ref(indices, depth, on_value, off_value, axis, dtype):
    rules.check_array_kind("one_hot", indices, "iu")
    _check_one_hot_axis(axis, indices.shape)
    np_dtype = dtypes.as_dtype(dtype).np
    # Comparing with 0..depth-1 gives out-of-range indices (negative or >= depth) all-off rows,
    # as TF does; one vectorized compare is also the cheapest way for training-size batches.
    hot = np.equal.outer(indices, np.arange(depth))
    if on_value == 1 and off_value == 0:
        out = hot.astype(np_dtype)
    else:
        out = np.where(hot, np.asarray(on_value, np_dtype), np.asarray(off_value, np_dtype))
    if axis != -1:
        out = np.moveaxis(out, -1, axis)
    return out.astype(np_dtype, copy=False)


ONE_HOT = register("one_hot", INDEX, _one_hot_infer, _one_hot_ref)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """One-hot vectors of length `depth` for integer `indices`.

        >>> tf.one_hot([0, 2], 3).numpy()
        array([[1., 0., 0.],
               [0., 0., 1.]], dtype=float32)
    """
    from graphflow.ops import dynamic_shape
    dtype = dtypes.as_dtype(dtype or "float32")
    on = 1 if on_value is None else on_value
    off = 0 if off_value is None else off_value
    attrs = {"on_value": float(on), "off_value": float(off),
             "axis": -1 if axis is None else rules.as_axis("one_hot", axis), "dtype": dtype.name}
    if hasattr(depth, "dtype") and hasattr(depth, "shape"):  # a tensor, maybe computed in the graph
        known, computed = dynamic_shape.scalar_operand(depth, "one_hot", "depth")
        if computed is not None:  # known only when the graph runs
            return dynamic_shape.one_hot(indices, computed, attrs, name)
    else:
        known = rules.as_axis("one_hot", depth, "depth")
    if known < 0:
        raise InvalidArgumentError(f"one_hot: depth must be non-negative, got: {known}")
    return dispatch(ONE_HOT, (indices,), dict(attrs, depth=known), name)


# Pure data movement (see OpDef.moves): the CUDA target runs these as index-map copies, and
# reshapes as views.
for _op, _moved in ((RESHAPE, (0,)), (RESHAPE_LIKE, (0,)), (EXPAND_DIMS, (0,)), (SQUEEZE, (0,)),
                    (TRANSPOSE, (0,)), (CONCAT, "all"), (SPLIT, (0,)), (SPLIT_LIKE, (0,)),
                    (TILE, (0,)), (PAD, (0,)), (MIRROR_PAD, (0,)), (STRIDED_SLICE, (0,))):
    _op.moves = _moved
for _op in (RESHAPE, RESHAPE_LIKE, EXPAND_DIMS, SQUEEZE):
    _op.view = True


# -- shape / size / rank -----------------------------------------------------------------------

def _meta_infer(kind):
    def infer(specs, out_type):
        x = specs[0]
        shape = ((None if x.shape is None else len(x.shape)),) if kind == "shape" else ()
        return [(shape, dtypes.as_dtype(out_type))]
    return infer


SHAPE_OP = register("shape", SHAPE, _meta_infer("shape"),
                    lambda x, out_type: np.array(x.shape, dtype=dtypes.as_dtype(out_type).np))
SIZE_OP = register("size", SHAPE, _meta_infer("size"),
                   lambda x, out_type: np.array(x.size, dtype=dtypes.as_dtype(out_type).np))
RANK_OP = register("rank", SHAPE, _meta_infer("rank"),
                   lambda x, out_type: np.array(x.ndim, dtype=dtypes.as_dtype(out_type).np))


def shape(input, out_type=dtypes.int32, name=None):  # noqa: A002
    """The shape of a tensor as a 1-D int32 tensor (its runtime shape inside a graph).

        >>> tf.shape(tf.zeros((2, 3))).numpy()
        array([2, 3], dtype=int32)
    """
    from graphflow.ops.elementwise import VALUE_COMPOSITES, cast
    if type(input) in VALUE_COMPOSITES:  # a SparseTensor: its dense_shape, as TF
        return cast(input.dense_shape, out_type, name)
    return dispatch(SHAPE_OP, (input,), {"out_type": dtypes.as_dtype(out_type).name}, name)


def size(input, out_type=dtypes.int32, name=None):  # noqa: A002
    """The number of elements as a scalar tensor.

        >>> tf.size(tf.zeros((2, 3))).numpy()
        6
    """
    return dispatch(SIZE_OP, (input,), {"out_type": dtypes.as_dtype(out_type).name}, name)


def rank(input, name=None):  # noqa: A002
    """The number of axes as a scalar int32 tensor.

        >>> tf.rank(tf.zeros((2, 3))).numpy()
        2
    """
    return dispatch(RANK_OP, (input,), {"out_type": "int32"}, name)


# -- where(condition) with one argument: coordinates of true elements --------------------------

def _where_indices_infer(specs):
    (c,) = specs
    if c.shape is not None and len(c.shape) == 0:
        raise InvalidArgumentError(
            "where_indices: where(condition) needs a condition of rank >= 1, got a scalar")
    return [((None, None if c.shape is None else len(c.shape)), dtypes.int64)]


def _where_indices_ref(c):
    _where_indices_infer([_spec(c)])
    return np.argwhere(c).astype(np.int64)


WHERE_INDICES = register("where_indices", INDEX, _where_indices_infer, _where_indices_ref)


def where_indices(condition):
    """The coordinates of the true (nonzero) elements of condition, one row each, as int64
    (tf.where with one argument; the number of rows depends on the data).

        >>> tf.where([[True, False], [False, True]]).numpy()
        array([[0, 0],
               [1, 1]])
    """
    return dispatch(WHERE_INDICES, (condition,))
