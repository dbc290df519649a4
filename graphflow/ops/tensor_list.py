"""Tensor lists: immutable lists of arrays carried by variant tensors (TF's TensorList).

A TensorArray's state is a TensorList, so it can be a loop variable of a while_loop or an
output of a cond like any tensor; the intermediates a cond or while_loop keeps for its gradient
are TensorLists too. Every op returns a new list (lists are never changed in place, so an
older list stays valid); items are shared, not copied.

The cotangent of a list is a list of the items' cotangents, where an item may be a `Zero` (a
zero cotangent of known shape, materialized only when read) or None (a slot that was never
written). Lists therefore differentiate like any tensor: `add` sums two cotangents item by
item, the one place GradientTape needs to know about them (ops/backprop.py).

    >>> import graphflow as tf
    >>> from graphflow.ops import tensor_list
    >>> lst = tensor_list.from_tensor(tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    >>> lst = tensor_list.set_item(lst, 0, tf.constant([5.0, 6.0]))
    >>> tensor_list.stack(lst, tf.float32, (2,)).numpy()
    array([[5., 6.],
           [3., 4.]], dtype=float32)
"""
import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError, OutOfRangeError
from graphflow.ops import rules
from graphflow.ops.registry import OPAQUE, dispatch, register

VARIANT = dtypes.variant


class Zero:
    """A zero item of a cotangent list: its shape and dtype, without the array."""

    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        self.shape, self.dtype = tuple(shape), np.dtype(dtype)

    def array(self):
        return np.zeros(self.shape, self.dtype)

    def __eq__(self, other):
        return isinstance(other, Zero) and (self.shape, self.dtype) == (other.shape, other.dtype)

    __hash__ = None

    def __repr__(self):
        return f"Zero({self.shape}, {self.dtype})"


class TensorList:
    """The value of a variant tensor: `items` (arrays, Zero, or None for unwritten slots), the
    element dtype (a NumPy dtype, or None when items differ, as in saved intermediates) and
    the element shape known so far (a tuple with None for unknown dims, or None)."""

    __slots__ = ("items", "element_dtype", "element_shape")

    def __init__(self, items, element_dtype=None, element_shape=None):
        self.items = tuple(items)
        self.element_dtype = None if element_dtype is None else np.dtype(element_dtype)
        self.element_shape = None if element_shape is None else tuple(element_shape)

    def with_items(self, items, element_shape=None):
        return TensorList(items, self.element_dtype,
                          self.element_shape if element_shape is None else element_shape)

    def __eq__(self, other):
        if not isinstance(other, TensorList) or len(self.items) != len(other.items):
            return False
        for a, b in zip(self.items, other.items):
            if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
                if a.dtype != b.dtype or not np.array_equal(a, b, equal_nan=a.dtype.kind == "f"):
                    return False
            elif not (a is None and b is None) and a != b:
                return False
        return True

    __hash__ = None

    def __repr__(self):
        dtype = "mixed" if self.element_dtype is None else self.element_dtype.name
        return f"TensorList(size={len(self.items)}, dtype={dtype})"


def variant(value):
    """`value` (a TensorList) as the 0-d array a variant tensor holds."""
    out = np.empty((), dtype=VARIANT.np)
    out["variant"] = value
    return out


def value_of(array, op_name):
    """The TensorList a variant array holds."""
    value = (array["variant"][()] if isinstance(array, np.ndarray) and array.dtype == VARIANT.np
             else None)
    if not isinstance(value, TensorList):
        raise InvalidArgumentError(f"{op_name}: expected a variant tensor holding a TensorList, "
                                   f"got {type(array).__name__}")
    return value


def item_array(item, like_shape=None, dtype=None, what="tensor_list"):
    """An item as an array: Zero items are materialized; None (never written) needs a shape."""
    if isinstance(item, np.ndarray):
        return item
    if isinstance(item, Zero):
        return item.array()
    if like_shape is None or dtype is None:
        raise InvalidArgumentError(
            f"{what}: tried to read an element that was never written, and its shape is unknown "
            "(write it first, or give the TensorArray an element_shape)")
    return np.zeros(like_shape, dtype)


def _index(array, op_name):
    index = np.asarray(array)
    if index.ndim != 0 or index.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{op_name}: the index must be an integer scalar, got "
                                   f"{index.dtype} with shape {index.shape}")
    return int(index)


def _check_index(op_name, index, size, verb):
    if not 0 <= index < size:
        raise OutOfRangeError(f"{op_name}: Tried to {verb} index {index} but array size is: {size}")


def _full(shape):
    return shape is not None and None not in shape


def _merge(known, shape, op_name):
    """The element shape after seeing an item of `shape`; raises when they are incompatible."""
    if known is None:
        return tuple(shape)
    if len(known) != len(shape) or any(k is not None and k != d for k, d in zip(known, shape)):
        raise InvalidArgumentError(
            f"{op_name}: Incompatible shape for value ({tuple(shape)}), expected "
            f"({rules.fmt(known)[1:-1]})")
    return tuple(shape)


def _variant_spec():
    return [((), VARIANT)]


def _rows(t):
    """The rows of t as arrays (indexing a 1-D array gives NumPy scalars, not arrays)."""
    return [np.asarray(r) for r in t]


def _check_variant(op_name, spec, position=0):
    if spec.dtype is not VARIANT:
        raise InvalidArgumentError(f"{op_name}: input #{position} must be a variant tensor (a "
                                   f"TensorList), got {spec.dtype.name}")


def _element_spec(element_dtype, element_shape, lead=()):
    shape = None if element_shape is None else tuple(lead) + tuple(element_shape)
    return [(shape, dtypes.as_dtype(element_dtype))]


# -- creating lists ------------------------------------------------------------------------------

def _reserve_infer(specs, element_dtype, element_shape):
    rules.check_kind("tensor_list_reserve", specs[0], "iu")
    return _variant_spec()


def _reserve_ref(num_elements, element_dtype, element_shape):
    n = _index(num_elements, "tensor_list_reserve")
    if n < 0:
        raise InvalidArgumentError(f"tensor_list_reserve: size must be >= 0, got {n}")
    return variant(TensorList((None,) * n, dtypes.as_dtype(element_dtype).np, element_shape))


RESERVE = register("tensor_list_reserve", OPAQUE, _reserve_infer, _reserve_ref)


def reserve(num_elements, element_dtype, element_shape=None, name=None):
    """A list of `num_elements` unwritten slots."""
    return dispatch(RESERVE, (num_elements,), {
        "element_dtype": dtypes.as_dtype(element_dtype).name,
        "element_shape": None if element_shape is None else tuple(element_shape)}, name)


def _from_tensor_infer(specs):
    return _variant_spec()


def _from_tensor_ref(t):
    if t.ndim == 0:
        raise InvalidArgumentError("tensor_list_from_tensor: cannot unstack a scalar (shape ())")
    return variant(TensorList(_rows(t), t.dtype, t.shape[1:]))


def _from_tensor_grad(inputs, outputs, dy):
    return (dispatch(STACK_LIKE, (dy, inputs[0])),)


FROM_TENSOR = register("tensor_list_from_tensor", OPAQUE, _from_tensor_infer, _from_tensor_ref,
                       _from_tensor_grad)


def from_tensor(t, name=None):
    """The rows of t (along axis 0) as a list."""
    return dispatch(FROM_TENSOR, (t,), None, name)


# -- items ---------------------------------------------------------------------------------------

def _set_item_infer(specs, resize, infer_shape):
    _check_variant("tensor_list_set_item", specs[0])
    rules.check_kind("tensor_list_set_item", specs[1], "iu", 1)
    return _variant_spec()


def _set_item_ref(lst, index, item, resize, infer_shape):
    op = "tensor_list_set_item"
    value = value_of(lst, op)
    i = _index(index, op)
    items = list(value.items)
    if i < 0 or (i >= len(items) and not resize):
        raise OutOfRangeError(f"TensorArray: Tried to write to index {i} but array is not "
                              f"resizeable and size is: {len(items)}")
    if value.element_dtype is not None and item.dtype != value.element_dtype:
        raise InvalidArgumentError(f"TensorArray dtype is {value.element_dtype} but Op is trying "
                                   f"to write dtype {item.dtype}")
    shape = _merge(value.element_shape, item.shape, "TensorArray") if infer_shape \
        else value.element_shape
    if i >= len(items):
        items.extend([None] * (i + 1 - len(items)))
    items[i] = item
    return variant(value.with_items(items, shape))


def _set_item_grad(inputs, outputs, dy, resize, infer_shape):
    _, index, item = inputs
    d_list = dispatch(ZERO_ITEMS, (dy, index, item))
    d_item = dispatch(GATHER_LIKE, (dy, index, item))
    return d_list, None, d_item


SET_ITEM = register("tensor_list_set_item", OPAQUE, _set_item_infer, _set_item_ref,
                    _set_item_grad)


def set_item(lst, index, item, resize=False, infer_shape=True, name=None):
    """A new list whose item `index` is `item` (growing the list when `resize`)."""
    return dispatch(SET_ITEM, (lst, index, item),
                    {"resize": bool(resize), "infer_shape": bool(infer_shape)}, name)


def _get_item_infer(specs, element_dtype, element_shape):
    _check_variant("tensor_list_get_item", specs[0])
    rules.check_kind("tensor_list_get_item", specs[1], "iu", 1)
    return _element_spec(element_dtype, element_shape)


def _get_item_ref(lst, index, element_dtype, element_shape):
    op = "tensor_list_get_item"
    value = value_of(lst, op)
    i = _index(index, op)
    size = len(value.items)
    if not 0 <= i < size:
        raise OutOfRangeError(f"TensorArray: Tried to read from index {i} but array size is: "
                              f"{size}")
    shape = element_shape if _full(element_shape) else value.element_shape
    return item_array(value.items[i], shape if _full(shape) else None,
                      dtypes.as_dtype(element_dtype).np, "TensorArray.read")


def _get_item_grad(inputs, outputs, dy, element_dtype, element_shape):
    lst, index = inputs
    return set_item(zeros_like(lst), index, dy, infer_shape=False), None


GET_ITEM = register("tensor_list_get_item", OPAQUE, _get_item_infer, _get_item_ref,
                    _get_item_grad)


def get_item(lst, index, element_dtype, element_shape=None, name=None):
    """Item `index` of a list (zeros for a slot never written, when its shape is known)."""
    return dispatch(GET_ITEM, (lst, index), {
        "element_dtype": dtypes.as_dtype(element_dtype).name,
        "element_shape": None if element_shape is None else tuple(element_shape)}, name)


def _length_ref(lst):
    return np.array(len(value_of(lst, "tensor_list_length").items), np.int32)


LENGTH = register("tensor_list_length", OPAQUE, lambda specs: [((), dtypes.int32)], _length_ref)


def length(lst, name=None):
    """The number of slots of a list, as an int32 scalar."""
    return dispatch(LENGTH, (lst,), None, name)


# -- whole lists -----------------------------------------------------------------------------------

def _dense_items(value, element_dtype, element_shape, op):
    """Every item as an array; unwritten slots become zeros shaped like the written ones."""
    shape = element_shape if _full(element_shape) else value.element_shape
    if not _full(shape):
        shape = next((tuple(np.shape(it)) if isinstance(it, np.ndarray) else it.shape
                      for it in value.items if it is not None), None)
    return [item_array(it, shape, np.dtype(element_dtype), op) for it in value.items]


def _stack_infer(specs, element_dtype, element_shape, num_elements):
    _check_variant("tensor_list_stack", specs[0])
    return _element_spec(element_dtype, element_shape, (num_elements,))


def _stack_ref(lst, element_dtype, element_shape, num_elements):
    value = value_of(lst, "tensor_list_stack")
    dtype = dtypes.as_dtype(element_dtype).np
    arrays = _dense_items(value, dtype, element_shape, "TensorArray.stack")
    if not arrays:
        shape = element_shape if _full(element_shape) else value.element_shape
        return np.zeros((0,) + (tuple(shape) if _full(shape) else ()), dtype)
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise InvalidArgumentError(f"TensorArray.stack: the elements have different shapes "
                                   f"{sorted(shapes)}; use concat() for elements of different "
                                   "lengths")
    return np.stack(arrays).astype(dtype, copy=False)


def _stack_grad(inputs, outputs, dy, element_dtype, element_shape, num_elements):
    return (from_tensor(dy),)


STACK = register("tensor_list_stack", OPAQUE, _stack_infer, _stack_ref, _stack_grad)


def stack(lst, element_dtype, element_shape=None, num_elements=None, name=None):
    """Every item stacked along a new axis 0 (zeros for slots never written)."""
    return dispatch(STACK, (lst,), {
        "element_dtype": dtypes.as_dtype(element_dtype).name,
        "element_shape": None if element_shape is None else tuple(element_shape),
        "num_elements": None if num_elements is None else int(num_elements)}, name)


def _gather_infer(specs, element_dtype, element_shape):
    _check_variant("tensor_list_gather", specs[0])
    rules.check_kind("tensor_list_gather", specs[1], "iu", 1)
    lead = (None,) if specs[1].shape is None else specs[1].shape
    if specs[1].shape is None:
        return [(None, dtypes.as_dtype(element_dtype))]
    return _element_spec(element_dtype, element_shape, lead)


def _gather_ref(lst, indices, element_dtype, element_shape):
    value = value_of(lst, "tensor_list_gather")
    dtype = dtypes.as_dtype(element_dtype).np
    arrays = _dense_items(value, dtype, element_shape, "TensorArray.gather")
    idx = np.asarray(indices)
    for i in idx.reshape(-1):
        _check_index("TensorArray.gather", int(i), len(arrays), "read from")
    if idx.size == 0:
        shape = element_shape if _full(element_shape) else (
            arrays[0].shape if arrays else ())
        return np.zeros(idx.shape + tuple(shape), dtype)
    return np.stack([arrays[int(i)] for i in idx.reshape(-1)]).reshape(
        idx.shape + arrays[int(idx.reshape(-1)[0])].shape)


def _gather_grad(inputs, outputs, dy, element_dtype, element_shape):
    lst, indices = inputs
    return dispatch(SCATTER, (zeros_like(lst), dy, indices), {"resize": False, "add": True}), None


GATHER = register("tensor_list_gather", OPAQUE, _gather_infer, _gather_ref, _gather_grad)


def gather(lst, indices, element_dtype, element_shape=None, name=None):
    """The items at `indices`, stacked."""
    return dispatch(GATHER, (lst, indices), {
        "element_dtype": dtypes.as_dtype(element_dtype).name,
        "element_shape": None if element_shape is None else tuple(element_shape)}, name)


def _scatter_infer(specs, resize, add):
    _check_variant("tensor_list_scatter", specs[0])
    rules.check_kind("tensor_list_scatter", specs[2], "iu", 2)
    return _variant_spec()


def _scatter_ref(lst, values, indices, resize, add):
    op = "TensorArray.scatter"
    value = value_of(lst, op)
    idx = np.asarray(indices).reshape(-1)
    if values.ndim == 0 or values.shape[0] != idx.size:
        raise InvalidArgumentError(f"{op}: {idx.size} indices but the value has shape "
                                   f"{values.shape}; its first dimension must match")
    if value.element_dtype is not None and values.dtype != value.element_dtype:
        raise InvalidArgumentError(f"TensorArray dtype is {value.element_dtype} but Op is trying "
                                   f"to write dtype {values.dtype}")
    items = list(value.items)
    for k, i in enumerate(idx):
        i = int(i)
        if i < 0 or (i >= len(items) and not resize):
            raise OutOfRangeError(f"TensorArray: Tried to write to index {i} but array is not "
                                  f"resizeable and size is: {len(items)}")
        if i >= len(items):
            items.extend([None] * (i + 1 - len(items)))
        old = items[i]
        if add and isinstance(old, np.ndarray):
            items[i] = np.asarray(old + values[k])
        else:
            items[i] = np.asarray(values[k])
    shape = value.element_shape if add else _merge(value.element_shape, values.shape[1:], op)
    return variant(value.with_items(items, shape))


def _scatter_grad(inputs, outputs, dy, resize, add):
    _, values, indices = inputs
    d_list = dy if add else dispatch(ZERO_ITEMS, (dy, indices, values))
    return d_list, dispatch(GATHER_LIKE, (dy, indices, values)), None


SCATTER = register("tensor_list_scatter", OPAQUE, _scatter_infer, _scatter_ref, _scatter_grad)


def scatter(lst, values, indices, resize=False, name=None):
    """A new list with item indices[k] set to values[k]."""
    return dispatch(SCATTER, (lst, values, indices), {"resize": bool(resize), "add": False}, name)


def _concat_infer(specs, element_dtype, element_shape):
    _check_variant("tensor_list_concat", specs[0])
    rest = None if element_shape is None or not element_shape else tuple(element_shape[1:])
    return [(None if rest is None else (None,) + rest, dtypes.as_dtype(element_dtype))]


def _concat_ref(lst, element_dtype, element_shape):
    value = value_of(lst, "tensor_list_concat")
    dtype = dtypes.as_dtype(element_dtype).np
    arrays = [item_array(it, None, dtype, "TensorArray.concat") for it in value.items]
    if not arrays:
        rest = tuple(element_shape[1:]) if _full(element_shape) else ()
        return np.zeros((0,) + rest, dtype)
    if any(a.ndim == 0 for a in arrays):
        raise InvalidArgumentError("TensorArray.concat: the elements must have rank >= 1")
    return np.concatenate(arrays).astype(dtype, copy=False)


def _concat_grad(inputs, outputs, dy, element_dtype, element_shape):
    return (dispatch(SPLIT_LIKE, (dy, inputs[0])),)


CONCAT = register("tensor_list_concat", OPAQUE, _concat_infer, _concat_ref, _concat_grad)


def concat(lst, element_dtype, element_shape=None, name=None):
    """Every item concatenated along axis 0 (items may differ in their first dimension)."""
    return dispatch(CONCAT, (lst,), {
        "element_dtype": dtypes.as_dtype(element_dtype).name,
        "element_shape": None if element_shape is None else tuple(element_shape)}, name)


# -- gradient helpers ----------------------------------------------------------------------------

def _zeros_like_ref(lst):
    value = value_of(lst, "tensor_list_zeros_like")
    return variant(value.with_items(
        [None if it is None else Zero(np.shape(it) if isinstance(it, np.ndarray) else it.shape,
                                      it.dtype) for it in value.items]))


ZEROS_LIKE = register("tensor_list_zeros_like", OPAQUE, lambda specs: _variant_spec(),
                      _zeros_like_ref)


def zeros_like(lst):
    """The zero cotangent of a list: a Zero item for every written one."""
    return dispatch(ZEROS_LIKE, (lst,))


def _add_items(a, b):
    if a is None or isinstance(a, Zero):
        return b if b is not None else a
    if b is None or isinstance(b, Zero):
        return a
    return np.asarray(a + b)


def _add_ref(a, b):
    x, y = value_of(a, "tensor_list_add"), value_of(b, "tensor_list_add")
    n = max(len(x.items), len(y.items))
    xs = x.items + (None,) * (n - len(x.items))
    ys = y.items + (None,) * (n - len(y.items))
    return variant(x.with_items([_add_items(p, q) for p, q in zip(xs, ys)]))


ADD = register("tensor_list_add", OPAQUE, lambda specs: _variant_spec(), _add_ref,
               lambda inputs, outputs, dy: (dy, dy))


def _zero_of(item):
    return None if item is None else Zero(
        np.shape(item) if isinstance(item, np.ndarray) else item.shape, item.dtype)


def _add_at_ref(acc, like, index, item):
    """add(acc, set_item(zeros_like(like), index, item)) without building the one-item list:
    a loop's gradient adds one read's cotangent per iteration, which would otherwise cost a
    pass over every item each time (quadratic in the number of steps)."""
    op = "tensor_list_add"
    a, x = value_of(acc, op), value_of(like, op)
    i = _index(index, op)
    if not 0 <= i < len(x.items):  # set_item's checks, on the list it would have written
        raise OutOfRangeError(f"TensorArray: Tried to write to index {i} but array is not "
                              f"resizeable and size is: {len(x.items)}")
    if x.element_dtype is not None and item.dtype != x.element_dtype:
        raise InvalidArgumentError(f"TensorArray dtype is {x.element_dtype} but Op is trying "
                                   f"to write dtype {item.dtype}")
    items = list(a.items)
    items.extend(_zero_of(it) for it in x.items[len(items):])
    if any(it is None for it in items[:len(x.items)]):  # unwritten + zero is zero, as in add
        items[:len(x.items)] = [_zero_of(z) if it is None else it
                                for it, z in zip(items, x.items)]
    items[i] = _add_items(items[i], item)
    return variant(a.with_items(items))


def _add_at_grad(inputs, outputs, dy):
    _, _, index, item = inputs
    return dy, None, None, get_item(dy, index, item.dtype, item.shape.dims_tuple())


ADD_AT = register("tensor_list_add_at", OPAQUE, lambda specs: _variant_spec(), _add_at_ref,
                  _add_at_grad)


def add(a, b):
    """Two cotangent lists summed item by item. When `b` is one item written into zeros (the
    cotangent of a read), the sum is that item added into `a` (`tensor_list_add_at`)."""
    node = getattr(b, "node", None)
    if node is not None and node.type == "tensor_list_set_item" and \
            not node.attrs["resize"] and not node.attrs["infer_shape"] and \
            node.inputs[0].node.type == "tensor_list_zeros_like":
        _, index, item = node.inputs
        return dispatch(ADD_AT, (a, node.inputs[0].node.inputs[0], index, item))
    return dispatch(ADD, (a, b))


def _like_items(indices, like):
    """(index, the shape and dtype of its item) pairs for a scalar or vector of indices."""
    idx = np.asarray(indices)
    if idx.ndim == 0:
        return [(int(idx), like.shape, like.dtype)]
    return [(int(i), like.shape[1:], like.dtype) for i in idx.reshape(-1)]


def _gather_like_ref(lst, indices, like):
    value = value_of(lst, "tensor_list_gather_like")
    out = np.zeros(like.shape, like.dtype)
    flat = out.reshape((1,) + like.shape) if np.ndim(indices) == 0 else out
    for k, (i, shape, dtype) in enumerate(_like_items(indices, like)):
        item = value.items[i] if 0 <= i < len(value.items) else None
        if isinstance(item, np.ndarray):
            flat[k] += item
    return out


def _gather_like_grad(inputs, outputs, dy):
    lst, indices, _ = inputs
    if indices.shape.rank == 0:
        return set_item(zeros_like(lst), indices, dy, resize=True, infer_shape=False), None, None
    return dispatch(SCATTER, (zeros_like(lst), dy, indices), {"resize": True, "add": True}), \
        None, None


# The item cotangents at `indices`, shaped like `like` (zeros where there is none): the
# gradient of writing `like` there.
GATHER_LIKE = register(
    "tensor_list_gather_like", OPAQUE, lambda specs: [(specs[2].shape, specs[2].dtype)],
    _gather_like_ref, _gather_like_grad)


def _zero_items_ref(lst, indices, like):
    value = value_of(lst, "tensor_list_zero_items")
    items = list(value.items)
    for i, shape, dtype in _like_items(indices, like):
        if 0 <= i < len(items):
            items[i] = Zero(shape, dtype)
    return variant(value.with_items(items))


# A cotangent list with the items at `indices` zeroed: what flows past a write to them.
ZERO_ITEMS = register("tensor_list_zero_items", OPAQUE, lambda specs: _variant_spec(),
                      _zero_items_ref,
                      lambda inputs, outputs, dy: (dispatch(ZERO_ITEMS, (dy,) + tuple(inputs[1:])),
                                                   None, None))


def _stack_like_ref(lst, like):
    value = value_of(lst, "tensor_list_stack_like")
    out = np.zeros(like.shape, like.dtype)
    for i, item in enumerate(value.items[:like.shape[0] if like.ndim else 0]):
        if isinstance(item, np.ndarray):
            out[i] = item
    return out


# A cotangent list stacked into the shape of the tensor it came from (zeros where it has no
# item): the gradient of tensor_list_from_tensor.
STACK_LIKE = register("tensor_list_stack_like", OPAQUE,
                      lambda specs: [(specs[1].shape, specs[1].dtype)], _stack_like_ref,
                      lambda inputs, outputs, dy: (from_tensor(dy), None))


def _split_like_ref(dy, lst):
    value = value_of(lst, "tensor_list_split_like")
    pieces, start = [], 0
    for item in value.items:
        n = np.shape(item)[0] if isinstance(item, np.ndarray) else 0
        pieces.append(dy[start:start + n])
        start += n
    return variant(value.with_items(pieces))


# dy split into pieces as long as the items of `lst`: the gradient of tensor_list_concat.
SPLIT_LIKE = register("tensor_list_split_like", OPAQUE, lambda specs: _variant_spec(),
                      _split_like_ref,
                      lambda inputs, outputs, dy: (
                          dispatch(CONCAT, (dy,), {"element_dtype": inputs[0].dtype.name,
                                                   "element_shape": None}), None))
