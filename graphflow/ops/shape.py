"""Shape and indexing ops: reshape, transpose, expand_dims, squeeze, concat, stack, split, tile,
gather, slicing (`x[...]`), pad, one_hot, shape/size/rank, broadcast_to.

    >>> import graphflow as tf
    >>> tf.reshape(tf.range(6), (2, -1)).shape
    TensorShape([2, 3])
"""
import builtins

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops import rules
from graphflow.ops.registry import INDEX, SHAPE, dispatch, register


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
    target = _as_int_tuple(shape, "shape", "reshape")
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
    axis = int(axis)
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
    multiples = _as_int_tuple(multiples, "multiples", "tile")
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
    from graphflow.ops.creation import zeros
    from graphflow.ops.reduce import broadcast_like
    shape = _as_int_tuple(shape, "shape", "broadcast_to")
    src = _shape_of(input)
    if src is not None and None not in src:
        out = rules.broadcast_shapes("broadcast_to", src, shape)
        if out != shape:
            raise InvalidArgumentError(
                f"broadcast_to: cannot broadcast shape {rules.fmt(src)} to {rules.fmt(shape)}")
    return broadcast_like(input, zeros(shape, dtype=input.dtype if hasattr(input, "dtype") else None))


# -- gather ------------------------------------------------------------------------------------

def _gather_infer(specs, axis, batch_dims):
    params, indices = specs
    rules.check_kind("gather", indices, "iu", 1)
    if params.shape is None or indices.shape is None:
        return [(None, params.dtype)]
    rules.normalize_axis("gather", axis, len(params.shape), params.shape)
    return [(params.shape[:axis] + indices.shape[batch_dims:] + params.shape[axis + 1:], params.dtype)]


def _gather_ref(params, indices, axis, batch_dims):
    n = params.shape[axis]
    if indices.size and (indices.max() >= n or indices.min() < -n):
        bad = indices[(indices >= n) | (indices < -n)].reshape(-1)[0]
        raise InvalidArgumentError(
            f"gather: index {bad} is out of range for axis {axis} of size {n} "
            f"(params shape {params.shape})")
    if batch_dims:
        raise InvalidArgumentError("gather: batch_dims > 0 is not supported")
    return np.take(params, indices, axis=axis)


def _gather_grad(inputs, outputs, dy, axis, batch_dims):
    params, indices = inputs
    return dispatch(GATHER_GRAD, (dy, indices, params), {"axis": axis}), None


def _gather_grad_ref(dy, indices, like, axis):
    out = np.zeros(like.shape, dtype=dy.dtype)
    moved = np.moveaxis(out, axis, 0)
    idx = indices.reshape(-1) % like.shape[axis] if like.shape[axis] else indices.reshape(-1)
    src = np.moveaxis(dy, tuple(range(axis, axis + indices.ndim)), tuple(range(indices.ndim)))
    np.add.at(moved, idx, src.reshape((idx.size,) + moved.shape[1:]))
    return out


GATHER = register("gather", INDEX, _gather_infer, _gather_ref, _gather_grad)
GATHER_GRAD = register(
    "gather_grad", INDEX, lambda specs, axis: [(specs[2].shape, specs[0].dtype)], _gather_grad_ref,
    lambda inputs, outputs, dy, axis: (gather(dy, inputs[1], axis=axis), None, None))


def gather(params, indices, axis=None, batch_dims=0, name=None):
    """Slices of params at integer `indices` along `axis` (default 0). Negative indices count
    from the end.

        >>> tf.gather(tf.constant([10.0, 20.0, 30.0]), [2, 0]).numpy()
        array([30., 10.], dtype=float32)
    """
    from graphflow.ops.registry import EagerTensor, to_array
    if not hasattr(indices, "dtype"):
        indices = EagerTensor(to_array(indices, None, "gather"))
    shape = _shape_of(params)
    axis = rules.normalize_axis("gather", 0 if axis is None else axis,
                                None if shape is None else len(shape), shape)
    return dispatch(GATHER, (params, indices), {"axis": axis, "batch_dims": int(batch_dims)}, name)


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


def _index_value(k):
    if isinstance(k, (int, np.integer)):
        return int(k)
    if hasattr(k, "numpy") and hasattr(k, "dtype") and k.dtype.is_integer and k.shape.rank == 0:
        return int(k.numpy())
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
    out = gather(sliced, indices, axis=g)
    rest = items[g + 1:]
    if rest:
        idx_rank = _rank_of(out) - (_rank_of(sliced) - 1)
        spec = (("s", None, None, None),) * (g + idx_rank) + tuple(rest)
        out = dispatch(STRIDED_SLICE, (out,), {"spec": spec})
    return out


def slice(input_, begin, size, name=None):  # noqa: A001 - TF's name
    """The slice starting at `begin` with `size` elements per axis (-1: to the end).

        >>> tf.slice(tf.zeros((4, 4)), [1, 0], [2, -1]).shape
        TensorShape([2, 4])
    """
    begin = _as_int_tuple(begin, "begin", "slice")
    size = _as_int_tuple(size, "size", "slice")
    shape = _shape_of(input_)
    for axis, (b, s, d) in enumerate(zip(begin, size, shape or ())):
        # Python slicing would silently clip; TF requires the slice to lie inside the tensor.
        if d is not None and not (0 <= b <= d and (s == -1 or 0 <= s <= d - b)):
            raise InvalidArgumentError(
                f"slice: begin {list(begin)} and size {list(size)} do not fit in shape "
                f"{rules.fmt(shape)} (axis {axis} has {d} elements)")
    spec = tuple(("s", b, None if s == -1 else b + s, None) for b, s in zip(begin, size))
    return dispatch(STRIDED_SLICE, (input_,), {"spec": spec}, name)


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


def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """Pads with `constant_values`: paddings[i] = [before, after] for axis i.

        >>> tf.pad(tf.ones((2, 2)), [[1, 1], [0, 0]]).shape
        TensorShape([4, 2])
    """
    if str(mode).upper() != "CONSTANT":
        raise InvalidArgumentError(f"pad: mode {mode!r} is not supported (only 'CONSTANT')")
    flat = _as_int_tuple(paddings, "paddings", "pad")
    rows = np.shape(paddings.numpy() if hasattr(paddings, "numpy") else paddings)
    if len(rows) != 2 or rows[1] != 2:
        raise InvalidArgumentError(
            f"pad: paddings must be a matrix of shape [rank, 2] (one [before, after] pair per "
            f"axis), got paddings of shape {list(rows)}: {paddings!r}")
    pairs = tuple((flat[i], flat[i + 1]) for i in range(0, len(flat), 2))
    if any(p < 0 for p in flat):
        raise InvalidArgumentError(f"pad: paddings must be >= 0, got {paddings}")
    return dispatch(PAD, (tensor,), {"paddings": pairs, "constant_values": float(constant_values)}, name)


# -- one_hot -----------------------------------------------------------------------------------

def _one_hot_infer(specs, depth, on_value, off_value, axis, dtype):
    x = specs[0]
    rules.check_kind("one_hot", x, "iu")
    if x.shape is None:
        return [(None, dtypes.as_dtype(dtype))]
    a = len(x.shape) if axis == -1 else axis
    return [(x.shape[:a] + (depth,) + x.shape[a:], dtypes.as_dtype(dtype))]


def _one_hot_ref(indices, depth, on_value, off_value, axis, dtype):
    rules.check_array_kind("one_hot", indices, "iu")
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
    dtype = dtypes.as_dtype(dtype or "float32")
    depth = rules.as_axis("one_hot", depth, "depth") if not hasattr(depth, "numpy") else int(depth)
    if depth < 0:
        raise InvalidArgumentError(f"one_hot: depth must be non-negative, got: {depth}")
    on = 1 if on_value is None else on_value
    off = 0 if off_value is None else off_value
    return dispatch(ONE_HOT, (indices,), {
        "depth": int(depth), "on_value": float(on), "off_value": float(off),
        "axis": -1 if axis is None else int(axis), "dtype": dtype.name}, name)


# Pure data movement (see OpDef.moves): the CUDA target runs these as index-map copies, and
# reshapes as views.
for _op, _moved in ((RESHAPE, (0,)), (RESHAPE_LIKE, (0,)), (EXPAND_DIMS, (0,)), (SQUEEZE, (0,)),
                    (TRANSPOSE, (0,)), (CONCAT, "all"), (SPLIT, (0,)), (SPLIT_LIKE, (0,)),
                    (TILE, (0,)), (PAD, (0,)), (STRIDED_SLICE, (0,))):
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

WHERE_INDICES = register(
    "where_indices", INDEX,
    lambda specs: [((None, None if specs[0].shape is None else len(specs[0].shape)), dtypes.int64)],
    lambda c: np.argwhere(c).astype(np.int64))


def where_indices(condition):
    return dispatch(WHERE_INDICES, (condition,))
