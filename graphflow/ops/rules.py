"""Helpers for shape and dtype rules. Shapes are tuples of ints and None, or None for unknown rank.

    >>> from graphflow.ops.rules import broadcast_shapes
    >>> broadcast_shapes("add", (None, 3), (1, 3))
    (None, 3)
"""
from graphflow import dtypes
from graphflow.errors import InvalidArgumentError, InvalidTypeError

KIND_NAMES = {"f": "floating-point", "i": "signed integer", "u": "unsigned integer", "b": "bool",
              "O": "string", "c": "complex"}


def fmt(shape):
    if shape is None:
        return "<unknown>"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def broadcast_shapes(op_name, *shapes):
    """NumPy broadcasting over static shapes; None dims stay unknown unless the other side fixes them."""
    if any(s is None for s in shapes):
        return None
    rank = max((len(s) for s in shapes), default=0)
    out = []
    for axis in range(rank):
        dim = 1
        for s in shapes:
            k = axis - (rank - len(s))
            if k < 0:
                continue
            d = s[k]
            if d == 1:
                continue
            if dim == 1:
                dim = d
            elif d is None:
                continue
            elif dim is None:
                dim = d
            elif d != dim:
                raise InvalidArgumentError(
                    f"{op_name}: incompatible shapes {', '.join(fmt(x) for x in shapes)}: "
                    f"dimension {d} does not broadcast with {dim}")
        out.append(dim)
    return tuple(out)


def check_kind(op_name, spec, kinds, position=0):
    """Raises when spec's dtype is not one of the NumPy kinds in `kinds` ('f', 'iu', 'fiu', 'b')."""
    if spec.dtype.np.kind not in kinds:
        wanted = " or ".join(KIND_NAMES[k] for k in kinds)
        raise InvalidArgumentError(
            f"{op_name}: input #{position} must be a {wanted} tensor, got {spec.dtype.name} "
            f"with shape {fmt(spec.shape)}")


def check_array_kind(op_name, array, kinds, position=0):
    """check_kind for the eager path: rejects an ndarray whose dtype the shape rule would reject,
    so eager execution and graph building accept the same inputs."""
    if array.dtype.kind not in kinds:
        check_kind(op_name, ArraySpec(array), kinds, position)


class ArraySpec:
    """What a shape rule sees of a concrete array (the eager path asking the rule to explain)."""

    __slots__ = ("shape", "dtype")

    def __init__(self, array):
        self.shape = array.shape
        self.dtype = dtypes.from_numpy(array.dtype)


def normalize_axis(op_name, axis, rank, shape=None):
    """An axis in [-rank, rank) as a non-negative int; unknown rank keeps it as given."""
    axis = as_axis(op_name, axis)
    if rank is None:
        return axis
    if not -rank <= axis < rank:
        raise InvalidArgumentError(
            f"{op_name}: axis {axis} is out of range for a tensor of rank {rank}"
            + (f" (shape {fmt(shape)})" if shape is not None else "")
            + f"; expected an axis in [{-rank}, {rank})")
    return axis % rank


def composite(op_name):
    """Decorates a composite op (a function of other ops) so that an error raised by an op inside
    it names the op the user called: "softmax: reduce_max: axis 3 is out of range ...".

        >>> @composite("twice")
        ... def twice(x):
        ...     raise InvalidArgumentError("add: bad input")
        >>> try:
        ...     twice(1)
        ... except InvalidArgumentError as e:
        ...     print(e)
        twice: add: bad input
    """
    import functools
    from graphflow.errors import GraphflowError
    prefix = f"{op_name}:"

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except GraphflowError as e:
                text = str(e)
                if text.startswith(prefix) or text.startswith("Node "):
                    raise
                raise type(e)(f"{prefix} {text}") from None
        return wrapper
    return decorate


def as_axis(op_name, axis, what="axis"):
    """An integer argument (an axis, a depth) as an int; anything else (1.5, "0", None) is TF's
    TypeError."""
    if hasattr(axis, "graph") and hasattr(axis, "dtype"):  # a graph tensor: its constant value
        from graphflow.ops.static import constant_value
        import numpy as np
        known = constant_value(axis)
        if known is not None and np.ndim(known) == 0 and np.asarray(known).dtype.kind in "iu":
            return int(known)
        raise InvalidTypeError(f"{op_name}: {what} must be an integer known while tracing, got "
                               f"{axis!r} (computed when the graph runs)")
    if isinstance(axis, bool) or not hasattr(axis, "__index__"):
        raise InvalidTypeError(
            f"{op_name}: {what} must be an integer, got {axis!r} of type {type(axis).__name__}")
    return int(axis.__index__())


def normalize_axes(op_name, axis, rank, shape=None):
    """None (all axes) or a sorted tuple of distinct non-negative axes."""
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)):
        axes = [normalize_axis(op_name, a, rank, shape) for a in axis]
    else:
        axes = [normalize_axis(op_name, axis, rank, shape)]
    if rank is not None and len(set(axes)) != len(axes):
        raise InvalidArgumentError(f"{op_name}: duplicate axes in {axis}")
    return tuple(sorted(set(axes))) if rank is not None else tuple(axes)


def reduced_shape(shape, axes, keepdims):
    if shape is None:
        return None
    if axes is None:
        axes = range(len(shape))
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def num_elements(shape):
    if shape is None or any(d is None for d in shape):
        return None
    n = 1
    for d in shape:
        n *= d
    return n


def promote_division(dtype):
    """TF's truediv: integers become float32 (8/16-bit) or float64 (32/64-bit)."""
    if dtype.is_floating or dtype.is_complex:
        return dtype
    if dtype.size <= 2:
        return dtypes.float32
    return dtypes.float64
