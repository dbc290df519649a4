"""Shapes, sizes, depths, counts and indices computed when the graph runs.

`tf.zeros(tf.shape(x))`, `tf.reshape(x, [tf.shape(x)[0], -1])`, `tf.range(tf.shape(x)[0])`,
`tf.one_hot(y, depth=tf.shape(p)[1])`, `tf.tile(x, [n, 1])`, `x[:n]`, `x[i]`: when the value is
known while tracing (ops/static.py), the op is built with it as an attr, exactly as if a Python
value had been given, so static graphs stay as they were. Otherwise one of the ops here takes it
as an input: their shape rules read what is known of it (`Spec.value`, filled by the graph
builder and again when lower.py specializes a graph for concrete input shapes, where
`tf.shape(x)` is known), and `static_form` turns a node whose value inputs became constants back
into the static op, so the specialized graph fuses as if it had been traced with static shapes.

    >>> import graphflow as tf
    >>> f = tf.function(lambda x: tf.reshape(x, [tf.shape(x)[1], -1]),
    ...                 input_signature=[tf.TensorSpec([None, 2, 3])])
    >>> f.get_concrete_function().outputs[0].shape
    TensorShape([2, None])
    >>> f(tf.zeros((4, 2, 3))).shape
    TensorShape([2, 12])
"""
import builtins

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops import rules, static
from graphflow.ops.registry import INDEX, OPAQUE, SHAPE, dispatch, register
from graphflow.tensor import EagerTensor, SymbolicTensor, Tensor, TensorShape, Variable


# -- shape operands -----------------------------------------------------------------------------

def _is_tensor(x):
    return isinstance(x, (Tensor, Variable))


def shape_operand(shape, op_name, allow_minus_one=False):
    """A shape argument as (a tuple of ints, None) when it is known while tracing, or
    (None, a 1-D int32 tensor) when it is only known when the graph runs. Lists may mix
    Python ints and scalar tensors (`[tf.shape(x)[0], -1]`)."""
    if isinstance(shape, TensorShape):
        if not shape.is_fully_defined():
            raise InvalidArgumentError(f"{op_name}: shape {shape} is not fully defined")
        return tuple(shape.as_list()), None
    if _is_tensor(shape) or (isinstance(shape, (list, tuple))
                             and any(_is_tensor(d) for d in shape)):
        known = static.partial_value(shape) if _is_tensor(shape) else tuple(
            static.partial_value(d) if _is_tensor(d) else d for d in shape)
        if isinstance(known, tuple) and all(isinstance(d, (int, np.integer)) for d in known):
            return _checked(tuple(int(d) for d in known), op_name, allow_minus_one), None
        if isinstance(known, np.ndarray) and known.dtype.kind in "iu" and known.ndim == 1:
            return _checked(tuple(int(d) for d in known), op_name, allow_minus_one), None
        return None, _shape_tensor(shape, op_name)
    return None if shape is None else _static(shape, op_name, allow_minus_one), None


def _static(shape, op_name, allow_minus_one):
    if hasattr(shape, "numpy"):
        shape = shape.numpy()
    try:
        arr = np.asarray(shape)
        if arr.size and arr.dtype.kind not in "iu":
            raise TypeError
        dims = tuple(int(d) for d in arr.reshape(-1))
    except (TypeError, ValueError):
        raise InvalidArgumentError(
            f"{op_name}: shape must be a list of ints, got {shape!r}") from None
    return _checked(dims, op_name, allow_minus_one)


def _checked(dims, op_name, allow_minus_one):
    low = -1 if allow_minus_one else 0
    if any(d < low for d in dims):
        raise InvalidArgumentError(
            f"{op_name}: shape dimensions must be >= {low}, got {list(dims)}")
    return dims


def _shape_tensor(shape, op_name):
    from graphflow.ops import api as ops
    if _is_tensor(shape):
        t = shape.value() if isinstance(shape, Variable) else shape
        if not t.dtype.is_integer:
            raise InvalidArgumentError(f"{op_name}: the shape must be an integer tensor, got "
                                       f"{t.dtype.name}")
        if t.shape.rank not in (None, 1):
            raise InvalidArgumentError(f"{op_name}: the shape must be a 1-D tensor, got shape "
                                       f"{t.shape}")
        return t if t.dtype is dtypes.int32 else ops.cast(t, dtypes.int32)
    parts = []
    for d in shape:
        if _is_tensor(d):
            d = d.value() if isinstance(d, Variable) else d
            if not d.dtype.is_integer or d.shape.rank not in (None, 0):
                raise InvalidArgumentError(f"{op_name}: each dimension must be an integer scalar, "
                                           f"got {d.dtype.name} with shape {d.shape}")
            parts.append(d if d.dtype is dtypes.int32 else ops.cast(d, dtypes.int32))
        else:
            parts.append(ops.constant(np.int32(d)))
    return ops.stack(parts)


def scalar_operand(value, op_name, what):
    """An int argument: (the int, None) when known while tracing, else (None, int32 scalar)."""
    if not _is_tensor(value):
        return int(value), None
    known = static.partial_value(value)
    if isinstance(known, int):
        return known, None
    t = value.value() if isinstance(value, Variable) else value
    if not t.dtype.is_integer or t.shape.rank not in (None, 0):
        raise InvalidArgumentError(f"{op_name}: {what} must be an integer scalar, got "
                                   f"{t.dtype.name} with shape {t.shape}")
    from graphflow.ops import api as ops
    return None, t if t.dtype is dtypes.int32 else ops.cast(t, dtypes.int32)


def _dims_arg(array, op_name, allow_minus_one=False):
    arr = np.asarray(array)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{op_name}: the shape must be a 1-D integer tensor, got "
                                   f"{arr.dtype} with shape {arr.shape}")
    return _checked(tuple(int(d) for d in arr), op_name, allow_minus_one)


def _shape_spec(spec, op_name):
    rules.check_kind(op_name, spec, "iu", 1)
    if spec.shape is not None and len(spec.shape) != 1:
        raise InvalidArgumentError(f"{op_name}: the shape must be a 1-D tensor, got shape "
                                   f"{rules.fmt(spec.shape)}")
    return static.shape_of_spec(spec)


# -- fill -----------------------------------------------------------------------------------------

def _fill_infer(specs):
    dims = _shape_spec(specs[0], "fill")
    if specs[1].shape is not None and len(specs[1].shape) != 0:
        raise InvalidArgumentError(f"fill: value must be a scalar, got shape "
                                   f"{rules.fmt(specs[1].shape)}")
    return [(dims, specs[1].dtype)]


def _fill_ref(dims, value):
    value = np.asarray(value)
    if value.ndim:
        raise InvalidArgumentError(f"fill: value must be a scalar, got shape {value.shape}")
    return np.full(_dims_arg(dims, "fill"), value, dtype=value.dtype)


def _fill_grad(inputs, outputs, dy):
    from graphflow.ops.reduce import reduce_sum
    return None, reduce_sum(dy)


FILL = register("fill", OPAQUE, _fill_infer, _fill_ref, _fill_grad)
FILL.value_inputs = (0,)


def fill(dims, value, name=None):
    """A tensor of shape `dims` (a 1-D int32 tensor) filled with the scalar `value`."""
    return dispatch(FILL, (dims, value), None, name)


# -- reshape --------------------------------------------------------------------------------------

def _reshape_target(shape, target):
    """The output shape for a partially known target (None: unknown, -1: inferred)."""
    from graphflow.ops.shape import _resolve_reshape
    if None not in target:
        return _resolve_reshape(shape, target, "reshape")
    if list(target).count(-1) > 1:
        raise InvalidArgumentError(f"reshape: at most one -1 is allowed in shape {list(target)}")
    return tuple(None if d in (None, -1) else d for d in target)


def _reshape_infer(specs):
    target = _shape_spec(specs[1], "reshape")
    if target is None:
        return [(None, specs[0].dtype)]
    return [(_reshape_target(specs[0].shape, target), specs[0].dtype)]


def _reshape_ref(x, shape):
    from graphflow.ops.shape import _resolve_reshape
    return x.reshape(_resolve_reshape(x.shape, _dims_arg(shape, "reshape", True)))


def _reshape_grad(inputs, outputs, dy):
    from graphflow.ops.shape import reshape_like
    return reshape_like(dy, inputs[0]), None


def _reshape_static(values, attrs):
    from graphflow.ops.shape import RESHAPE
    return RESHAPE, (0,), {"shape": _dims_arg(values[1], "reshape", True)}


DYNAMIC_RESHAPE = register("dynamic_reshape", SHAPE, _reshape_infer, _reshape_ref, _reshape_grad)
DYNAMIC_RESHAPE.value_inputs = (1,)
DYNAMIC_RESHAPE.static_form = _reshape_static
DYNAMIC_RESHAPE.view = True


def reshape(x, shape, name=None):
    return dispatch(DYNAMIC_RESHAPE, (x, shape), None, name)


# -- tile -----------------------------------------------------------------------------------------

def _tile_infer(specs):
    multiples = _shape_spec(specs[1], "tile")
    x = specs[0]
    if x.shape is None or multiples is None:
        return [(None if multiples is None else (None,) * len(multiples), x.dtype)]
    if len(multiples) != len(x.shape):
        raise InvalidArgumentError(f"tile: multiples {list(multiples)} must have one entry per "
                                   f"axis of shape {rules.fmt(x.shape)}")
    return [(tuple(None if d is None or m is None else d * m for d, m in zip(x.shape, multiples)),
             x.dtype)]


def _tile_ref(x, multiples):
    m = _dims_arg(multiples, "tile")
    if len(m) != x.ndim:
        raise InvalidArgumentError(f"tile: multiples {list(m)} must have one entry per axis of "
                                   f"shape {x.shape}")
    return np.tile(x, m)


def _tile_grad(inputs, outputs, dy):
    return dispatch(DYNAMIC_UNTILE, (dy, inputs[0], inputs[1])), None


def _tile_static(values, attrs):
    from graphflow.ops.shape import TILE
    return TILE, (0,), {"multiples": _dims_arg(values[1], "tile")}


def _untile_ref(dy, like, multiples):
    from graphflow.ops.shape import _untile_ref as untile
    return untile(dy, like, _dims_arg(multiples, "tile"))


def _untile_static(values, attrs):
    from graphflow.ops.shape import UNTILE
    return UNTILE, (0, 1), {"multiples": _dims_arg(values[2], "tile")}


DYNAMIC_TILE = register("dynamic_tile", SHAPE, _tile_infer, _tile_ref, _tile_grad)
DYNAMIC_TILE.value_inputs = (1,)
DYNAMIC_TILE.static_form = _tile_static
DYNAMIC_UNTILE = register(
    "dynamic_untile", SHAPE, lambda specs: [(specs[1].shape, specs[0].dtype)], _untile_ref,
    lambda inputs, outputs, dy: (dispatch(DYNAMIC_TILE, (dy, inputs[2])), None, None))
DYNAMIC_UNTILE.value_inputs = (2,)
DYNAMIC_UNTILE.static_form = _untile_static


def tile(x, multiples, name=None):
    return dispatch(DYNAMIC_TILE, (x, multiples), None, name)


# -- range ----------------------------------------------------------------------------------------

def _range_infer(specs, dtype):
    for i, s in enumerate(specs):
        rules.check_kind("range", s, "iuf", i)
        if s.shape is not None and len(s.shape):
            raise InvalidArgumentError(f"range: start, limit and delta must be scalars; input #{i} "
                                       f"has shape {rules.fmt(s.shape)}")
    bounds = [static.scalar_of_spec(s) for s in specs]
    if None in bounds:
        return [((None,), dtypes.as_dtype(dtype))]
    return [((_range_ref(*[np.asarray(b) for b in bounds], dtype=dtype).size,),
             dtypes.as_dtype(dtype))]


def _range_ref(start, limit, delta, dtype):
    for i, a in enumerate((start, limit, delta)):
        rules.check_array_kind("range", np.asarray(a), "iuf", i)
        if np.ndim(a):
            _range_infer([rules.ArraySpec(np.asarray(x)) for x in (start, limit, delta)], dtype)
    from graphflow.ops.creation import check_range_bounds
    check_range_bounds(start[()], limit[()], delta[()])
    return np.arange(start[()], limit[()], delta[()]).astype(dtypes.as_dtype(dtype).np)


RANGE = register("range", OPAQUE, _range_infer, _range_ref)
RANGE.value_inputs = (0, 1, 2)


def range_(start, limit, delta, dtype, name=None):  # noqa: A001
    return dispatch(RANGE, (start, limit, delta), {"dtype": dtypes.as_dtype(dtype).name}, name)


# -- one_hot --------------------------------------------------------------------------------------

def _one_hot_infer(specs, on_value, off_value, axis, dtype):
    from graphflow.ops.shape import _one_hot_infer as infer
    rules.check_kind("dynamic_one_hot", specs[1], "iu", 1)
    return infer(specs[:1], static.scalar_of_spec(specs[1]), on_value, off_value, axis, dtype)


def _one_hot_ref(indices, depth, on_value, off_value, axis, dtype):
    from graphflow.ops.shape import _one_hot_ref as ref
    rules.check_array_kind("dynamic_one_hot", np.asarray(depth), "iu", 1)
    d = int(np.asarray(depth))
    if d < 0:
        raise InvalidArgumentError(f"one_hot: depth must be non-negative, got {d}")
    return ref(indices, d, on_value, off_value, axis, dtype)


def _one_hot_static(values, attrs):
    from graphflow.ops.shape import ONE_HOT
    return ONE_HOT, (0,), dict(attrs, depth=int(np.asarray(values[1])))


DYNAMIC_ONE_HOT = register("dynamic_one_hot", INDEX, _one_hot_infer, _one_hot_ref)
DYNAMIC_ONE_HOT.value_inputs = (1,)
DYNAMIC_ONE_HOT.static_form = _one_hot_static


def one_hot(indices, depth, attrs, name=None):
    return dispatch(DYNAMIC_ONE_HOT, (indices, depth), attrs, name)


# -- slicing with tensor bounds --------------------------------------------------------------------
# The spec is strided_slice's (("i", k), ("s", start, stop, step), ("n",)) where a bound may be
# ("t", position): the value of input `position`, a scalar int computed when the graph runs.

def _bound(value, values):
    if isinstance(value, tuple):
        return values[value[1]]
    return value


def _resolve(spec, values):
    """The spec with the known bounds filled in (None where a tensor bound is unknown)."""
    out = []
    for item in spec:
        out.append((item[0],) + tuple(_bound(v, values) for v in item[1:]))
    return tuple(out)


def _has_unknown(spec, values):
    return any(isinstance(v, tuple) and values[v[1]] is None for item in spec for v in item[1:])


def _slice_infer(specs, spec):
    from graphflow.ops.shape import _slice_infer as infer
    values = {i: None if i == 0 else static.scalar_of_spec(s) for i, s in enumerate(specs)}
    for i, s in enumerate(specs[1:], 1):
        rules.check_kind("strided_slice", s, "iu", i)
    if not _has_unknown(spec, values):
        return infer(specs[:1], _resolve(spec, values))
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
        if item[0] == "s":
            bounds = [_bound(v, values) for v in item[1:]]
            unknown = any(isinstance(v, tuple) and values[v[1]] is None for v in item[1:])
            dim = x.shape[axis]
            out.append(None if unknown or dim is None else
                       len(builtins.range(*builtins.slice(*bounds).indices(dim))))
        axis += 1
    out.extend(x.shape[axis:])
    return [(tuple(out), x.dtype)]


def _bounds_of(arrays):
    values = {}
    for i, a in enumerate(arrays, 1):
        a = np.asarray(a)
        if a.ndim != 0 or a.dtype.kind not in "iu":
            raise InvalidArgumentError(f"strided_slice: index #{i} must be an integer scalar, got "
                                       f"{a.dtype} with shape {a.shape}")
        values[i] = int(a)
    return values


def _slice_ref(x, *bounds, spec):
    from graphflow.ops.shape import _slice_ref as ref
    return ref(x, _resolve(spec, _bounds_of(bounds)))


def _slice_grad(inputs, outputs, dy, spec):
    return (dispatch(DYNAMIC_SLICE_GRAD, (dy, inputs[0]) + tuple(inputs[1:]), {"spec": spec}),) + \
        (None,) * (len(inputs) - 1)


def _slice_grad_infer(specs, spec):
    return [(specs[1].shape, specs[0].dtype)]


def _slice_grad_ref(dy, like, *bounds, spec):
    from graphflow.ops.shape import _slice_grad_ref as ref
    return ref(dy, like, _resolve(spec, _bounds_of(bounds)))


def _slice_static(values, attrs):
    from graphflow.ops.shape import STRIDED_SLICE
    return STRIDED_SLICE, (0,), {"spec": _resolve(attrs["spec"], {
        i: int(np.asarray(v)) for i, v in values.items()})}


def _slice_grad_static(values, attrs):
    from graphflow.ops.shape import STRIDED_SLICE_GRAD
    # the bounds are inputs 2.. of the gradient, but the spec numbers them from 1
    return STRIDED_SLICE_GRAD, (0, 1), {"spec": _resolve(attrs["spec"], {
        i - 1: int(np.asarray(v)) for i, v in values.items()})}


DYNAMIC_SLICE = register("dynamic_slice", INDEX, _slice_infer, _slice_ref, _slice_grad)
DYNAMIC_SLICE_GRAD = register(
    "dynamic_slice_grad", INDEX, _slice_grad_infer, _slice_grad_ref,
    lambda inputs, outputs, dy, spec: (dispatch(DYNAMIC_SLICE, (dy,) + tuple(inputs[2:]),
                                                {"spec": spec}),) + (None,) * (len(inputs) - 1))
DYNAMIC_SLICE.static_form = _slice_static
DYNAMIC_SLICE_GRAD.static_form = _slice_grad_static


def _variadic_value_inputs(op, first):
    """value_inputs for an op whose inputs from `first` on are all bounds."""
    class _From(tuple):
        def __contains__(self, i):
            return i >= first
    op.value_inputs = _From((first,))


_variadic_value_inputs(DYNAMIC_SLICE, 1)
_variadic_value_inputs(DYNAMIC_SLICE_GRAD, 2)


def strided_slice(x, items, bounds):
    """x sliced by `items` (strided_slice spec entries whose tensor bounds are ("t", k), k from
    1, standing for bounds[k - 1])."""
    return dispatch(DYNAMIC_SLICE, (x,) + tuple(bounds), {"spec": tuple(items)})


def is_symbolic_int(k):
    """Whether an index is a scalar integer tensor whose value is not known while tracing."""
    return isinstance(k, SymbolicTensor) and k.dtype.is_integer and k.shape.rank in (0, None) \
        and not isinstance(static.partial_value(k), int)


def known_int(k):
    """An index known while tracing (a Python int or a tensor whose value is known), or None."""
    if isinstance(k, (int, np.integer)) and not isinstance(k, bool):
        return int(k)
    if isinstance(k, EagerTensor) and k.dtype.is_integer and k.shape.rank == 0:
        return int(k.numpy())
    if isinstance(k, SymbolicTensor) and k.dtype.is_integer and k.shape.rank == 0:
        v = static.partial_value(k)
        return v if isinstance(v, int) else None
    return None
