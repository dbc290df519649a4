"""tf.py_function and tf.numpy_function: a Python function called as an op.

Eagerly the function runs at once; in a graphflow.function, a compat.v1 graph or a
`Dataset.map` it becomes one stateful node that calls the function each time the graph runs, in
program order (so it is never folded, deduplicated or dropped from a function). `py_function`
passes EagerTensors and is differentiable: its gradient runs the function again under a
GradientTape, as TensorFlow's EagerPyFunc gradient does. `numpy_function` passes NumPy arrays
and has no gradient. Outputs have unknown shapes (set them with `set_shape` or
`tf.ensure_shape`), so a compiled plan containing one runs on the reference interpreter.

    >>> import graphflow as tf
    >>> tf.py_function(lambda a: a * 2, [tf.constant([1.0, 2.0])], tf.float32).numpy()
    array([2., 4.], dtype=float32)
    >>> @tf.function
    ... def lengths(words):
    ...     return tf.numpy_function(lambda w: np.array([len(s) for s in w]), [words], tf.int64)
    >>> import numpy as np
    >>> lengths(tf.constant(["a", "abc"])).numpy()
    array([1, 3])
"""
import numpy as np

from graphflow import dtypes
from graphflow.context import context
from graphflow.errors import GraphflowError, InvalidArgumentError, InvalidTypeError, UnknownError
from graphflow.ops.registry import STATEFUL, dispatch, register
from graphflow.tensor import EagerTensor, SymbolicTensor


# graphflow.autodiff (a layer above ops) installs its GradientTape here when imported
GradientTape = None


class _Eager:
    """Runs the user's function eagerly even while the caller's thread builds a graph (a
    Session.run inside `with graph.as_default()`), with the caller's tapes set aside: the op
    itself is what they record."""

    def __enter__(self):
        self.saved = context.graph, context.tapes
        context.graph, context.tapes = None, []

    def __exit__(self, *exc):
        context.graph, context.tapes = self.saved


def _name(func):
    return getattr(func, "__name__", type(func).__name__)


def _call(func, args, what):
    with _Eager():
        try:
            return func(*args)
        except GraphflowError:
            raise
        except Exception as e:  # TF reports the Python error as UnknownError, naming the op
            raise UnknownError(f"{what}: {_name(func)} raised {type(e).__name__}: {e}") from e


def _results(result, Tout, what, func, numpy):
    """The function's return value as arrays of the declared dtypes."""
    if len(Tout) == 1 and not (isinstance(result, (list, tuple)) and len(result) == 1):
        result = [result]
    elif result is None:
        result = []
    elif not isinstance(result, (list, tuple)):
        result = [result]
    if len(result) != len(Tout):
        raise InvalidArgumentError(f"{what}: {_name(func)} returns {len(result)} values, but "
                                   f"expects to see {len(Tout)} values")
    out = []
    for i, (value, dtype) in enumerate(zip(result, Tout)):
        if isinstance(value, EagerTensor):
            if value.dtype is not dtype:
                raise InvalidArgumentError(
                    f"{what}: {i}-th value returned by {_name(func)} is {value.dtype.name}, but "
                    f"expects {dtype.name}")
            value = value.numpy()
        if dtype is dtypes.string:
            from graphflow.ops.creation import convert_to_tensor
            out.append(convert_to_tensor(value, dtype=dtypes.string)._value)
            continue
        array = np.asarray(value)
        if numpy and isinstance(value, np.ndarray) and array.dtype != dtype.np:
            raise InvalidArgumentError(
                f"{what}: {i}-th value returned by {_name(func)} is {array.dtype}, but expects "
                f"{dtype.name}")
        out.append(array.astype(dtype.np, copy=False))
    return tuple(out)


def _infer(specs, func, Tout, numpy, in_graph):
    return [(None, d) for d in Tout]


def _numpy_arg(array, in_graph):
    """What numpy_function passes: arrays, except that in a graph TF passes a scalar input as
    a NumPy scalar (bytes for a string)."""
    array = np.asarray(array)
    return array[()] if in_graph and array.ndim == 0 else array


def _ref(*arrays, func, Tout, numpy, in_graph):
    what = "numpy_function" if numpy else "py_function"
    args = [_numpy_arg(a, in_graph) for a in arrays] if numpy \
        else [EagerTensor(np.asarray(a)) for a in arrays]
    return _results(_call(func, args, what), Tout, what, func, numpy)


def _grad(inputs, outputs, dy, func, Tout, numpy, in_graph):
    if numpy:
        return [None] * len(inputs)
    wanted = [i for i, x in enumerate(inputs) if x.dtype.is_floating]
    if not wanted:
        return [None] * len(inputs)
    from graphflow.ops.elementwise import zeros_like
    dys = [zeros_like(o) if g is None else g for o, g in zip(outputs, dy)]
    grads = dispatch(PY_FUNCTION_GRAD, tuple(inputs) + tuple(dys),
                     {"func": func, "n_inputs": len(inputs), "wanted": tuple(wanted)})
    out = [None] * len(inputs)
    for i, g in zip(wanted, grads):
        out[i] = g
    return out


def _grad_infer(specs, func, n_inputs, wanted):
    return [(specs[i].shape, specs[i].dtype) for i in wanted]


def _grad_ref(*arrays, func, n_inputs, wanted):
    """Runs the function again under a tape and returns the gradients of the wanted inputs."""
    xs = [EagerTensor(np.asarray(a)) for a in arrays[:n_inputs]]
    dys = [EagerTensor(np.asarray(a)) for a in arrays[n_inputs:]]
    with _Eager():
        with GradientTape() as tape:
            for i in wanted:
                tape.watch(xs[i])
            try:
                ys = func(*xs)
            except GraphflowError:
                raise
            except Exception as e:
                raise UnknownError(f"py_function gradient: {_name(func)} raised "
                                   f"{type(e).__name__}: {e}") from e
        ys = list(ys) if isinstance(ys, (list, tuple)) else [ys]
        grads = tape.gradient(ys, [xs[i] for i in wanted], output_gradients=dys[:len(ys)])
    return tuple(np.zeros_like(arrays[i]) if g is None else np.asarray(g.numpy(), arrays[i].dtype)
                 for i, g in zip(wanted, grads))


PY_FUNCTION = register("py_function", STATEFUL, _infer, _ref, _grad, num_outputs=None)
PY_FUNCTION_GRAD = register("py_function_grad", STATEFUL, _grad_infer, _grad_ref,
                            num_outputs=None)


def _dtypes(Tout, what):
    single = not isinstance(Tout, (list, tuple))
    try:
        return [dtypes.as_dtype(d) for d in ([Tout] if single else Tout)], single
    except (TypeError, ValueError, GraphflowError):
        raise InvalidTypeError(f"{what}: Tout must be a DType or a list of DTypes, got "
                               f"{Tout!r}") from None


def _script(func, inp, Tout, name, numpy):
    what = "numpy_function" if numpy else "py_function"
    if not callable(func):
        raise InvalidTypeError(f"{what}: func must be callable, got {func!r}")
    if Tout is None:
        raise InvalidTypeError(f"{what}: Missing required argument: 'Tout'")
    Tout_list, single = _dtypes(Tout, what)
    inputs = tuple(inp) if isinstance(inp, (list, tuple)) else (inp,)
    in_graph = context.graph is not None or any(isinstance(x, SymbolicTensor) for x in inputs)
    outs = dispatch(PY_FUNCTION, inputs, {"func": func, "Tout": tuple(Tout_list), "numpy": numpy,
                                          "in_graph": in_graph}, name)
    outs = list(outs)
    return outs[0] if single else outs


def py_function(func=None, inp=None, Tout=None, name=None):
    """Calls `func(*inp)` (EagerTensors in, tensors or values out) as an op; `Tout` is one
    dtype (one tensor returned) or a list of them (a list returned).

        >>> v = tf.Variable([1.0, 2.0])
        >>> with tf.GradientTape() as tape:
        ...     y = tf.reduce_sum(tf.py_function(lambda a: a * a, [v], tf.float32))
        >>> tape.gradient(y, v).numpy()
        array([2., 4.], dtype=float32)
    """
    return _script(func, inp if inp is not None else [], Tout, name, numpy=False)


def numpy_function(func=None, inp=None, Tout=None, stateful=True, name=None):
    """Calls `func(*arrays)` (NumPy arrays in and out) as an op; not differentiable.

        >>> tf.numpy_function(lambda a: a[::-1].copy(), [tf.constant([1, 2, 3])], tf.int32).numpy()
        array([3, 2, 1], dtype=int32)
    """
    return _script(func, inp if inp is not None else [], Tout, name, numpy=True)
