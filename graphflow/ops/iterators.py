"""Python iterables as graph ops: how a staged loop over a tf.data.Dataset (AutoGraph's
`for x in dataset` in a graphflow.function) pulls one element per iteration when the graph
runs, instead of baking the elements seen while tracing into the graph.

`iterator_open` starts a fresh iteration of the iterable held in its attrs each time the graph
runs and returns a handle (an int64 scalar naming the iterator in a process-wide table);
`iterator_next(handle)` returns (handle, has_value, *components), the components being zeros
once the iterator is exhausted (the table entry is then dropped); `iterator_close(handle)` drops
an iterator a loop left early. All three are STATEFUL (never folded, deduplicated or reordered),
and the handle they pass along orders them.

    >>> import graphflow as tf
    >>> specs = ((tf.int64.name, ()),)
    >>> h = iterator_open([1, 2], specs)
    >>> [int(t) for t in iterator_next(h, specs)[1:]]   # has_value, the element
    [1, 1]
"""
import itertools
import threading

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops.registry import STATEFUL, dispatch, register
from graphflow.tensor import EagerTensor, Variable
from graphflow.utils import nest

_iterators = {}                 # handle -> live Python iterator
_lock = threading.Lock()
_handles = itertools.count(1)


def _open_infer(specs, iterable, element_specs):
    return [((), dtypes.int64)]


def _open_ref(iterable, element_specs):
    it = iter(iterable)
    with _lock:
        handle = next(_handles)
        _iterators[handle] = it
    return np.array(handle, dtype=np.int64)


def _next_infer(specs, element_specs):
    return [((), dtypes.int64), ((), dtypes.bool)] + [
        (shape, dtypes.as_dtype(dtype)) for dtype, shape in element_specs]


def _component(value, index, dtype, shape):
    if isinstance(value, Variable):
        value = value.numpy()
    array = value.numpy() if isinstance(value, EagerTensor) else np.asarray(value)
    ok_shape = array.ndim == len(shape) and all(
        d is None or d == n for d, n in zip(shape, array.shape))
    if array.dtype != dtypes.as_dtype(dtype).np or not ok_shape:
        raise InvalidArgumentError(
            f"iterator_next: component {index} of an element has dtype "
            f"{dtypes.from_numpy(array.dtype).name} and shape {array.shape}, but the loop was "
            f"traced for dtype {dtype} and shape {shape}")
    return array


def _next_ref(handle, element_specs):
    handle = int(handle)
    with _lock:
        it = _iterators.get(handle)
    element = None
    if it is not None:
        try:
            element = next(it)
        except StopIteration:
            it = None
    if it is None:
        with _lock:
            _iterators.pop(handle, None)
        zeros = [np.zeros([0 if d is None else d for d in shape], dtypes.as_dtype(dtype).np)
                 for dtype, shape in element_specs]
        return (np.array(handle, np.int64), np.array(False)) + tuple(zeros)
    flat = nest.flatten(element, expand_composites=True)
    if len(flat) != len(element_specs):
        raise InvalidArgumentError(
            f"iterator_next: an element has {len(flat)} components, but the loop was traced for "
            f"{len(element_specs)}")
    arrays = [_component(v, i, dtype, shape)
              for i, (v, (dtype, shape)) in enumerate(zip(flat, element_specs))]
    return (np.array(handle, np.int64), np.array(True)) + tuple(arrays)


def _close_ref(handle):
    with _lock:
        _iterators.pop(int(handle), None)
    return ()


def _get_next_infer(specs, iterator, element_specs):
    return [(shape, dtypes.as_dtype(dtype)) for dtype, shape in element_specs]


def _get_next_ref(iterator, element_specs):
    from graphflow.errors import OutOfRangeError
    try:
        element = iterator._next_element()
    except StopIteration:
        raise OutOfRangeError("End of sequence") from None
    flat = nest.flatten(element, expand_composites=True)
    if len(flat) != len(element_specs):
        raise InvalidArgumentError(
            f"iterator_get_next: an element has {len(flat)} components, but the function was "
            f"traced for {len(element_specs)}")
    return tuple(_component(v, i, dtype, shape)
                 for i, (v, (dtype, shape)) in enumerate(zip(flat, element_specs)))


OPEN = register("iterator_open", STATEFUL, _open_infer, _open_ref)
# next(iterator) on a tf.data iterator passed to a graphflow.function: each run of the graph
# takes the iterator's next element (TF's IteratorGetNext), OutOfRangeError at its end
GET_NEXT = register("iterator_get_next", STATEFUL, _get_next_infer, _get_next_ref,
                    num_outputs=None)
NEXT = register("iterator_next", STATEFUL, _next_infer, _next_ref, num_outputs=None)
CLOSE = register("iterator_close", STATEFUL, lambda specs: [], _close_ref, num_outputs=0)


def iterator_open(iterable, element_specs):
    """A handle to a fresh iterator over `iterable`, made when the op runs. `element_specs` is
    one (dtype name, shape tuple) per flattened component of an element."""
    return dispatch(OPEN, (), {"iterable": iterable, "element_specs": tuple(element_specs)})


def iterator_next(handle, element_specs):
    """(handle, has_value, *components) of the iterator's next element."""
    return dispatch(NEXT, (handle,), {"element_specs": tuple(element_specs)})


def iterator_get_next(iterator, element_specs):
    """The components of `iterator`'s next element (an object with `_next_element()`), taken
    when the op runs."""
    out = dispatch(GET_NEXT, (), {"iterator": iterator, "element_specs": tuple(element_specs)})
    return list(out) if isinstance(out, (list, tuple)) else [out]


def iterator_close(handle):
    """Forgets the iterator (a loop that stopped early)."""
    return dispatch(CLOSE, (handle,), {})
