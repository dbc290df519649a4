"""Partial updates of Variables: sliced assignment (`v[0, 1].assign(9.0)`) and the scatter
methods (`v.scatter_nd_update(...)`, `v.scatter_update(tf.IndexedSlices(...))`, ...).

Every partial update is a whole-variable assign of a tensor_scatter_nd_* result, so it uses
ops that already exist (with their shape checks, kernels and graph forms) and works the same
eagerly, in traced functions and in compat.v1 graphs.

    >>> v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    >>> _ = v[0, 1].assign(9.0)
    >>> _ = v[:, 0].assign([7.0, 8.0])
    >>> v.numpy()
    array([[7., 9.],
           [8., 4.]], dtype=float32)
"""
import sys as _sys

import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow import tensor as _tensor
from graphflow.tensor import EagerTensor, Tensor, Variable


class IndexedSlices:
    """A sparse slice of a tensor along axis 0: `values[i]` belongs at row `indices[i]`.

        >>> s = tf.IndexedSlices(tf.constant([[1.0, 2.0]]), tf.constant([1]))
        >>> s.indices.numpy()
        array([1], dtype=int32)
    """

    def __init__(self, values, indices, dense_shape=None):
        from graphflow.ops.creation import convert_to_tensor
        self.values = convert_to_tensor(values)
        self.indices = convert_to_tensor(indices)
        self.dense_shape = None if dense_shape is None else convert_to_tensor(dense_shape)

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def shape(self):
        return self.values.shape

    def __repr__(self):
        return (f"IndexedSlices(indices={self.indices!r}, values={self.values!r}"
                + (f", dense_shape={self.dense_shape!r})" if self.dense_shape is not None else ")"))


# -- sliced assignment ---------------------------------------------------------------------------
def _static_index(k, var):
    if isinstance(k, (bool, np.bool_)):
        raise InvalidArgumentError(f"sliced assignment to {var.name!r}: boolean indices are not "
                                   "supported")
    if isinstance(k, EagerTensor):
        if k.shape.rank != 0:
            raise InvalidArgumentError(
                f"sliced assignment to {var.name!r}: only scalar tensor indices are supported "
                f"(got shape {k.shape}); use scatter_nd_update for gathered positions")
        return int(k)
    if isinstance(k, Tensor):
        raise InvalidArgumentError(
            f"sliced assignment to {var.name!r}: the index must be known when the assign is "
            "built (a Python int or an eager tensor), not a tensor computed in the graph")
    return int(k)


def _numpy_key(key, var):
    """The index as NumPy basic indexing (ints, slices, Ellipsis, newaxis); anything else is
    refused like TF's strided-slice assign."""
    items = key if isinstance(key, tuple) else (key,)
    out = []
    for k in items:
        if k is Ellipsis or k is None:
            out.append(k)
        elif isinstance(k, slice):
            out.append(slice(*(None if b is None else _static_index(b, var)
                               for b in (k.start, k.stop, k.step))))
        elif isinstance(k, (list, np.ndarray)) or (isinstance(k, Tensor) and k.shape.rank):
            raise InvalidArgumentError(
                f"sliced assignment to {var.name!r}: index {k!r:.40} is a list/array (a "
                "gather); assign to slices with ints and slices, or use scatter_nd_update")
        else:
            out.append(_static_index(k, var))
    return tuple(out)


def assign_slice(var, key, value, name=None):
    """var[key] = value (value broadcast to the slice's shape); returns what var.assign does."""
    from graphflow.ops import api as ops
    if not var.shape.is_fully_defined():
        raise InvalidArgumentError(
            f"sliced assignment to {var.name!r}: the variable's shape {var.shape} must be fully "
            "known")
    shape = tuple(var.shape.as_list())
    try:
        positions = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)[
            _numpy_key(key, var)]
    except IndexError as e:
        raise InvalidArgumentError(
            f"sliced assignment to {var.name!r} of shape {var.shape}: {e}") from None
    value = ops.convert_to_tensor(value.value() if isinstance(value, Variable) else value,
                                  dtype=var.dtype)
    if value.shape.rank is not None:
        try:
            fits = np.broadcast_shapes(tuple(1 if d is None else d for d in
                                             value.shape.as_list()),
                                       positions.shape) == positions.shape
        except ValueError:
            fits = False
        if not fits:
            raise InvalidArgumentError(
                f"sliced assignment to {var.name!r}: cannot broadcast a value of shape "
                f"{value.shape} into the slice's shape {list(positions.shape)}")
    flat = ops.tensor_scatter_nd_update(
        ops.reshape(var.value(), [-1]), positions.reshape(-1, 1),
        ops.reshape(ops.broadcast_to(value, positions.shape), [-1]))
    return var.assign(ops.reshape(flat, shape), name=name)


def _slice_assign(self, value, use_locking=None, name=None, read_value=True):
    var, key = self._slice_of
    return assign_slice(var, key, value, name)


def sliced_read(var, key):
    """var[key]: the sliced value, which also offers .assign(value) writing back into var (as
    TF's variable slices do). The tensor keeps its identity, so tapes still see the read."""
    from graphflow.ops import api as ops
    value = var.value()
    t = ops.getitem(value, key)
    if t is value:  # an index that selects everything may return its input: never retag that
        t = ops.identity(value)
    base = type(t)
    t.__class__ = type(base.__name__, (base,), {
        "__slots__": (), "__module__": base.__module__, "__doc__": base.__doc__,
        "_slice_of": (var, key), "assign": _slice_assign})
    return t


# -- scatter methods -------------------------------------------------------------------------------
def _scatter_nd(kind, var, indices, updates, name):
    from graphflow.ops import api as ops
    fn = {"update": ops.tensor_scatter_nd_update, "add": ops.tensor_scatter_nd_add,
          "sub": ops.tensor_scatter_nd_sub, "max": ops.tensor_scatter_nd_max,
          "min": ops.tensor_scatter_nd_min}[kind]
    updates = ops.convert_to_tensor(updates, dtype=var.dtype)
    return var.assign(fn(var.value(), indices, updates), name=name)


def scatter_nd(kind, var, indices, updates, name=None):
    """var.scatter_nd_<kind>(indices, updates): tensor_scatter_nd_<kind> into the variable."""
    return _scatter_nd(kind, var, indices, updates, name)


def scatter_rows(kind, var, sparse_delta, name=None):
    """var.scatter_<kind>(tf.IndexedSlices(values, indices)): rows of var along axis 0."""
    from graphflow.ops import api as ops
    if not isinstance(sparse_delta, IndexedSlices):
        raise InvalidArgumentError(
            f"scatter_{kind} on {var.name!r}: sparse_delta must be a tf.IndexedSlices, got "
            f"{type(sparse_delta).__name__}")
    indices = ops.expand_dims(sparse_delta.indices, -1)
    return _scatter_nd(kind, var, indices, sparse_delta.values, name)


def scatter_function(kind):
    """compat.v1's tf.scatter_<kind>(ref, indices, updates) on rows of a variable."""
    def fn(ref, indices, updates, use_locking=False, name=None):
        if not isinstance(ref, Variable):
            raise InvalidArgumentError(
                f"scatter_{kind}: ref must be a Variable, got {type(ref).__name__}")
        return scatter_rows(kind, ref, IndexedSlices(updates, indices), name)
    fn.__name__ = f"scatter_{kind}"
    fn.__doc__ = f"ref[indices] {'=' if kind == 'update' else kind} updates (rows along axis 0)."
    return fn


def scatter_nd_function(kind):
    """compat.v1's tf.scatter_nd_<kind>(ref, indices, updates)."""
    def fn(ref, indices, updates, use_locking=False, name=None):
        if not isinstance(ref, Variable):
            raise InvalidArgumentError(
                f"scatter_nd_{kind}: ref must be a Variable, got {type(ref).__name__}")
        return scatter_nd(kind, ref, indices, updates, name)
    fn.__name__ = f"scatter_nd_{kind}"
    fn.__doc__ = f"tensor_scatter_nd_{kind} written into the Variable ref."
    return fn


# Variable's methods (tensor.py, a layer below) reach these functions through this module.
from graphflow.graph.variables import set_collections  # noqa: E402,F401 - Variable(collections=)
_tensor._variable_ops = _sys.modules[__name__]
