"""Higher-order functions over the first axis: tf.map_fn, tf.scan, tf.foldl, tf.foldr and
tf.vectorized_map.

Each is a `while_loop` over the elements, reading them from `TensorArray`s unstacked from
`elems` and writing results into `TensorArray`s stacked at the end, as TensorFlow builds them.
So one definition serves every mode: eagerly the loop runs the Python function once per element;
inside `graphflow.function` or a compat.v1 graph it becomes one loop node that the compiler
runs as a plan (or one native loop), with gradients through the loop's own gradient.

    >>> import graphflow as tf
    >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> tf.map_fn(tf.reduce_sum, x).numpy()
    array([3., 7.], dtype=float32)
    >>> tf.scan(lambda acc, row: acc + row, x).numpy()
    array([[1., 2.],
           [4., 6.]], dtype=float32)
    >>> float(tf.foldl(lambda acc, row: acc + tf.reduce_sum(row), x, initializer=0.0))
    10.0
"""
from graphflow import dtypes
from graphflow.errors import InvalidArgumentError, InvalidTypeError, OutOfRangeError
from graphflow.ops.tensor_array import TensorArray
from graphflow.ops.while_loop import while_loop
from graphflow.tensor import SymbolicTensor, Tensor, TensorSpec, Variable
from graphflow.utils import nest


def _tensor(value):
    from graphflow.ops.creation import convert_to_tensor
    if isinstance(value, Variable):
        return value.value()
    return value if isinstance(value, Tensor) else convert_to_tensor(value)


def _elements(elems, what):
    """The flat elems as tensors of rank >= 1, and their common length (an int when known
    while tracing, else a scalar tensor)."""
    flat = [_tensor(e) for e in nest.flatten(elems)]
    if not flat:
        raise InvalidArgumentError(
            f"{what}: elems must be a Tensor or (possibly nested) sequence of Tensors. Got "
            f"{elems!r}, which does not contain any Tensors.")
    first = None
    for e in flat:
        if e.shape.rank == 0:
            raise InvalidArgumentError(
                f"{what}: Elements in elems must be 1+ dimensional Tensors, not scalars")
        dim = e.shape.dims_tuple()[0] if e.shape.rank is not None else None
        if dim is not None:
            if first is not None and dim != first:
                raise InvalidArgumentError(
                    f"{what}: Dimensions {first} and {dim} are not compatible: every tensor in "
                    f"elems must have the same first dimension")
            first = dim
    if first is not None:
        return flat, first
    from graphflow.ops.shape import shape
    return flat, shape(flat[0], out_type=dtypes.int32)[0]


def _unstacked(flat, n):
    return [TensorArray(e.dtype, size=n, infer_shape=True,
                        element_shape=e.shape[1:] if e.shape.rank is not None else None
                        ).unstack(e) for e in flat]


def _signature(spec):
    """(dtype, element shape or None) of one leaf of fn_output_signature."""
    if isinstance(spec, TensorSpec):
        return spec.dtype, spec.shape
    try:
        return dtypes.as_dtype(spec), None
    except (TypeError, ValueError, InvalidArgumentError):
        raise InvalidTypeError(
            f"map_fn: fn_output_signature must be a DType, a TensorSpec or a nested structure "
            f"of them, got {spec!r}") from None


def _stacked(tas, n_static):
    out = []
    for ta in tas:
        value = ta.stack()
        if isinstance(value, SymbolicTensor) and n_static is not None and value.shape.rank is not None:
            value.set_shape([n_static] + list(value.shape.dims_tuple()[1:]))
        out.append(value)
    return out


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False,
           infer_shape=True, name=None, fn_output_signature=None):
    """Applies `fn` to each element of `elems` (unstacked along axis 0) and stacks the results.

    `elems` may be a nested structure of tensors with the same first dimension; `fn` gets one
    slice of each in that structure. The result has the structure and dtypes of `elems` unless
    `fn_output_signature` (or the older `dtype`) says otherwise: a DType, a TensorSpec, or a
    nested structure of them.

        >>> import graphflow as tf
        >>> tf.map_fn(lambda t: t[0] * t[1], (tf.constant([1, 2]), tf.constant([3, 4])),
        ...           fn_output_signature=tf.int32).numpy()
        array([3, 8], dtype=int32)
    """
    if not callable(fn):
        raise InvalidTypeError(f"map_fn: fn must be callable, got {fn!r}")
    signature = fn_output_signature if fn_output_signature is not None else dtype
    if _any_ragged(elems, signature):
        return _map_fn_ragged(fn, elems, signature, parallel_iterations, back_prop,
                              swap_memory, infer_shape, name)
    flat, n = _elements(elems, "map_fn")
    n_static = n if isinstance(n, int) else None
    if signature is None:
        out_structure = elems
        out_specs = [(e.dtype, None) for e in flat]
    else:
        out_structure = signature
        out_specs = [_signature(s) for s in nest.flatten(signature)]
    inputs = _unstacked(flat, n)
    outputs = [TensorArray(d, size=n, infer_shape=infer_shape, element_shape=s)
               for d, s in out_specs]

    def body(i, tas):
        element = nest.pack_sequence_as(elems, [ta.read(i) for ta in inputs])
        result = fn(element)
        nest.assert_same_structure(out_structure, result, check_types=False)
        return i + 1, [ta.write(i, r) for ta, r in zip(tas, nest.flatten(result))]

    _, outputs = while_loop(lambda i, tas: i < n, body, (0, outputs),
                            parallel_iterations=parallel_iterations or 10, back_prop=back_prop,
                            swap_memory=swap_memory, name=name or "map")
    return nest.pack_sequence_as(out_structure, _stacked(outputs, n_static))


def _any_ragged(elems, signature):
    from graphflow.ops.ragged import RaggedTensor
    from graphflow.ops.ragged_ops import RaggedTensorSpec
    return any(isinstance(e, RaggedTensor) for e in nest.flatten(elems)) or \
        signature is not None and any(isinstance(s, RaggedTensorSpec)
                                      for s in nest.flatten(signature))


def _map_fn_ragged(fn, elems, signature, parallel_iterations, back_prop, swap_memory,
                   infer_shape, name):
    """map_fn over RaggedTensors (unstacked into their rows) or to RaggedTensorSpec outputs
    (rows of any length, stacked into a RaggedTensor), as TF's map_fn."""
    from graphflow.context import context
    from graphflow.ops import creation as cr, shape as sh
    from graphflow.ops.ragged import RaggedTensor, _row
    from graphflow.ops.ragged_ops import RaggedTensorSpec, stack as ragged_stack
    flat = [e if isinstance(e, RaggedTensor) else _tensor(e) for e in nest.flatten(elems)]
    lengths = [e.nrows() if isinstance(e, RaggedTensor) else e.shape[0] for e in flat]
    n = next((x for x in lengths if isinstance(x, int)), None)
    if n is None:
        from graphflow.ops.static import get_static_value
        known = get_static_value(lengths[0]) if isinstance(lengths[0], Tensor) else None
        n = int(known) if known is not None else None
    if signature is None:  # TF: the elements' own types; a ragged element gives ragged rows
        signature = nest.map_structure(
            lambda e: RaggedTensorSpec(e.shape[1:], e.dtype, e.ragged_rank - 1)
            if isinstance(e, RaggedTensor) else e.dtype, elems)

    def element(i):
        return nest.pack_sequence_as(elems, [_row(e, i) if isinstance(e, RaggedTensor) else e[i]
                                             for e in flat])
    leaves = nest.flatten(signature)
    eager = context.graph is None and n is not None and not any(
        isinstance(t, SymbolicTensor) for e in flat for t in
        ([e.flat_values] + list(e.nested_row_splits) if isinstance(e, RaggedTensor) else [e]))
    if not eager:
        count = lengths[0]
        if any(isinstance(s, RaggedTensorSpec) for s in leaves):
            return _map_fn_ragged_graph(fn, element, signature, leaves, count, name)
        return map_fn(lambda i: fn(element(i)), cr.range(count, dtype=dtypes.int64),
                      parallel_iterations=parallel_iterations, back_prop=back_prop,
                      swap_memory=swap_memory, infer_shape=infer_shape, name=name,
                      fn_output_signature=signature)
    results = [nest.flatten(fn(element(i))) for i in range(n)]
    out = []
    for k, spec in enumerate(leaves):
        rows = [r[k] for r in results]
        if isinstance(spec, RaggedTensorSpec):
            if not rows:
                values = cr.zeros([0] + list(spec.shape[spec.ragged_rank + 1:] if
                                             spec.shape.rank else []), spec.dtype)
                out.append(RaggedTensor.from_row_splits(values, [0]))
                continue
            out.append(ragged_stack([r if isinstance(r, RaggedTensor) else _tensor(r)
                                     for r in rows]))
        else:
            dtype, shape = _signature(spec)
            if not rows:
                out.append(cr.zeros([0] + ([] if shape is None or shape.rank is None
                                           else list(shape)), dtype))
                continue
            out.append(sh.stack([_tensor(r) for r in rows]))
    return nest.pack_sequence_as(signature, out)


def _map_fn_ragged_graph(fn, element, signature, leaves, count, name):
    """map_fn with RaggedTensorSpec outputs in a graph: a while_loop appending each row's
    values to a growing tensor (the rows' lengths in a TensorArray)."""
    from graphflow.ops import creation as cr, shape as sh
    from graphflow.ops.ragged import RaggedTensor
    from graphflow.ops.ragged_ops import RaggedTensorSpec
    from graphflow.tensor import TensorShape
    starts = []
    for spec in leaves:
        if isinstance(spec, RaggedTensorSpec):
            if spec.ragged_rank != 0 or spec.shape.rank is None or \
                    None in spec.shape.dims_tuple()[1:]:
                raise InvalidArgumentError(
                    "map_fn: inside a graph, RaggedTensorSpec results must be dense rows "
                    "(ragged_rank 0) of known inner shape")
            inner = list(spec.shape.dims_tuple()[1:])
            starts.append((cr.zeros([0] + inner, spec.dtype),
                           TensorArray(dtypes.int64, size=count, infer_shape=True,
                                       element_shape=())))
        else:
            dtype, shape = _signature(spec)
            starts.append((TensorArray(dtype, size=count, infer_shape=True,
                                       element_shape=shape), None))

    def body(i, state):
        result = nest.flatten(fn(element(i)))
        new = []
        for (acc, lens), r, spec in zip(state, result, leaves):
            if isinstance(spec, RaggedTensorSpec):
                r = _tensor(r)
                new.append((sh.concat([acc, r], 0),
                            lens.write(i, sh.shape(r, out_type=dtypes.int64)[0])))
            else:
                new.append((acc.write(i, r), None))
        return i + 1, new

    invariants = (TensorShape([]), [
        (TensorShape([None] + list(spec.shape.dims_tuple()[1:])), None)
        if isinstance(spec, RaggedTensorSpec) else (None, None) for spec in leaves])
    _, state = while_loop(lambda i, state: i < count, body,
                          (cr.constant(0, dtypes.int64) if not isinstance(count, Tensor) else
                           count - count, starts), shape_invariants=invariants,
                          name=name or "map")
    out = []
    for (acc, lens), spec in zip(state, leaves):
        if isinstance(spec, RaggedTensorSpec):
            out.append(RaggedTensor.from_row_lengths(acc, lens.stack(), validate=False))
        else:
            out.append(acc.stack())
    return nest.pack_sequence_as(signature, out)


def _accumulate(fn, elems, initializer, reverse, what, keep):
    """The loop shared by scan (keep=True: every accumulator, stacked) and the folds (the last
    one). Without an initializer, the first element visited is the initial accumulator."""
    if not callable(fn):
        raise InvalidTypeError(f"{what}: fn must be callable, got {fn!r}")
    flat, n = _elements(elems, what)
    n_static = n if isinstance(n, int) else None
    inputs = _unstacked(flat, n)
    start = n - 1 if reverse else 0
    step = -1 if reverse else 1
    if initializer is None:
        if n_static == 0:
            raise OutOfRangeError(f"{what}: Tried to read from index 0 but array size is: 0 "
                                  f"(elems is empty and no initializer was given)")
        structure = elems
        acc = [ta.read(start) for ta in inputs]
        first = start + step
    else:
        structure = initializer
        acc = [_tensor(a) for a in nest.flatten(initializer)]
        first = start
    outputs = [TensorArray(a.dtype, size=n, infer_shape=True, element_shape=a.shape)
               for a in acc] if keep else []
    if keep and initializer is None:
        outputs = [ta.write(start, a) for ta, a in zip(outputs, acc)]
    count = n - 1 if initializer is None else n

    def body(k, acc, tas):
        i = first + step * k
        element = nest.pack_sequence_as(elems, [ta.read(i) for ta in inputs])
        result = fn(nest.pack_sequence_as(structure, acc), element)
        nest.assert_same_structure(structure, result, check_types=False)
        new = [_tensor(r) for r in nest.flatten(result)]
        return k + 1, new, [ta.write(i, r) for ta, r in zip(tas, new)]

    _, acc, outputs = while_loop(lambda k, acc, tas: k < count, body, (0, acc, outputs),
                                 name=what)
    if keep:
        return nest.pack_sequence_as(structure, _stacked(outputs, n_static))
    return nest.pack_sequence_as(structure, acc)


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False,
         infer_shape=True, reverse=False, name=None):
    """The accumulators `a = fn(a, x)` over the elements of `elems` along axis 0, stacked.

    Without an `initializer` the first element is the first accumulator (and the first result).
    With `reverse=True` the elements are visited from the last; result `i` still belongs to
    element `i`.

        >>> import graphflow as tf
        >>> tf.scan(lambda a, x: a * x, tf.constant([1, 2, 3, 4]), reverse=True).numpy()
        array([24, 24, 12,  4], dtype=int32)
    """
    return _accumulate(fn, elems, initializer, reverse, name or "scan", keep=True)


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False,
          name=None):
    """The last accumulator of `a = fn(a, x)` over `elems` from the first element.

        >>> import graphflow as tf
        >>> int(tf.foldl(lambda a, x: a - x, tf.constant([1, 2, 3])))
        -4
    """
    return _accumulate(fn, elems, initializer, False, name or "foldl", keep=False)


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False,
          name=None):
    """The last accumulator of `a = fn(a, x)` over `elems` from the last element.

        >>> import graphflow as tf
        >>> int(tf.foldr(lambda a, x: a - x, tf.constant([1, 2, 3])))
        0
    """
    return _accumulate(fn, elems, initializer, True, name or "foldr", keep=False)


def vectorized_map(fn, elems, fallback_to_while_loop=True, warn=True):
    """`fn` applied to each element of `elems` along axis 0, results stacked (tf.vectorized_map).

    TensorFlow vectorizes `fn` (pfor) and falls back to a while_loop; graphflow always runs the
    loop, which the compiler fuses per element. The output structure and dtypes are those `fn`
    returns for the first element.

        >>> import graphflow as tf
        >>> tf.vectorized_map(lambda r: tf.cast(r > 1, tf.int32), tf.constant([1., 2.])).numpy()
        array([0, 1], dtype=int32)
    """
    flat, _ = _elements(elems, "vectorized_map")
    probe = fn(nest.pack_sequence_as(elems, [_first(e) for e in flat]))
    signature = nest.map_structure(
        lambda r: TensorSpec(_tensor(r).shape, _tensor(r).dtype), probe)
    return map_fn(fn, elems, fn_output_signature=signature)


def _first(e):
    """A stand-in for one element of `e`, used only to learn what fn returns: the first slice,
    or zeros of an element's shape when `e` is known to be empty."""
    dims = e.shape.dims_tuple()
    if dims is not None and dims[0] == 0:
        from graphflow.ops.creation import zeros
        return zeros(dims[1:], dtype=e.dtype)
    return e[0]
