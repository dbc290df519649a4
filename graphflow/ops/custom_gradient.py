"""tf.custom_gradient and tf.recompute_grad.

A custom-gradient call runs the user's function with recording paused (its inner ops are not
differentiated), then passes its results through one `custom_gradient` op whose inputs are the
call's tensor arguments, the variables the function read, and the results. That op is the
identity on the results; its gradient rule calls the user's `grad_fn`. So the tape, traced
functions and compat.v1 gradients all see it as one ordinary op. The op is STATEFUL only in the
sense that it holds a Python callback: passes must never merge or fold two such calls.

    >>> @tf.custom_gradient
    ... def clip_grad(x):
    ...     def grad(dy):
    ...         return tf.clip_by_value(dy, -1.0, 1.0)
    ...     return tf.identity(x), grad
    >>> x = tf.constant(2.0)
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = clip_grad(x * 10.0)
    >>> float(tape.gradient(y, x))
    10.0
"""
import functools
import inspect

from graphflow.context import context
from graphflow.errors import InvalidArgumentError, InvalidTypeError
from graphflow.ops.registry import STATEFUL, dispatch, register
from graphflow.tensor import Tensor, Variable
from graphflow.utils import nest


def _infer(specs, rule, num_args):
    return [(s.shape, s.dtype) for s in specs[num_args:]]


def _ref(*arrays, rule, num_args):
    return tuple(arrays[num_args:])


def _grad(inputs, outputs, dys, rule, num_args):
    from graphflow.ops import api as ops
    dys = [ops.zeros_like(o) if d is None else d for o, d in zip(outputs, dys)]
    return list(rule(inputs, dys)) + [None] * (len(inputs) - num_args)


CUSTOM_GRADIENT = register("custom_gradient", STATEFUL, _infer, _ref, _grad, num_outputs=None,
                           doc="identity on its last inputs; gradient from a Python grad_fn")


class _VariableProbe:
    """Stands in for the tapes while the user's function runs: records nothing, but notes
    every variable read (those become inputs of the custom_gradient op)."""

    def __init__(self):
        self.variables = {}

    def _record(self, op, inputs, attrs, outputs):
        pass

    def _watch_variable_read(self, var, value):
        if var.trainable:
            self.variables.setdefault(id(var), var)


def _takes_variables(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.name == "variables" or p.kind is p.VAR_KEYWORD for p in params)


def _as_list(grads):
    if grads is None:
        return [None]
    return list(grads) if isinstance(grads, (list, tuple)) else [grads]


def _run_unrecorded(f, tensors, kwargs):
    """f(*tensors, **kwargs) with the tapes paused: (result, grad_fn, variables f read)."""
    probe = _VariableProbe()
    saved, context.tapes = context.tapes, [probe]
    try:
        out = f(*tensors, **kwargs)
    finally:
        context.tapes = saved
    if not (isinstance(out, (tuple, list)) and len(out) == 2 and callable(out[1])):
        raise InvalidArgumentError(
            f"custom_gradient {getattr(f, '__name__', f)!r}: the function must return "
            f"(result, grad_fn), got {type(out).__name__}")
    return out[0], out[1], list(probe.variables.values())


def custom_gradient(f=None):
    """Decorator: `f(*args)` returns `(result, grad_fn)`; `grad_fn(*upstream)` returns the
    gradients for args (one per argument), or, when f read variables,
    `grad_fn(*upstream, variables=[...])` returns `(arg_grads, variable_grads)`.
    """
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def call(*args, **kwargs):
        from graphflow.ops import api as ops
        tensors = [a.value() if isinstance(a, Variable) else
                   a if isinstance(a, Tensor) else ops.convert_to_tensor(a) for a in args]
        # keyword arguments are passed through but get no gradient (as in TF)
        result, grad_fn, variables = _run_unrecorded(f, tensors, kwargs)
        if variables and not _takes_variables(grad_fn):
            raise InvalidTypeError(
                f"custom_gradient {f.__name__!r}: the function reads variables "
                f"({', '.join(v.name for v in variables)}), so grad_fn must accept a keyword "
                "argument 'variables'")
        flat = [ops.convert_to_tensor(r) for r in nest.flatten(result)]
        reads = [ops.read_variable(v) for v in variables]  # seen by the tapes as reads

        def rule(inputs, dys):
            grad_fn_now = grad_fn
            if any(a is not b for a, b in zip(inputs, tensors)):
                # Replayed elsewhere (a traced function's graph run eagerly under a tape): the
                # grad_fn closes over the trace's tensors, so get one for these inputs.
                grad_fn_now = _run_unrecorded(f, list(inputs[:len(tensors)]), kwargs)[1]
            if variables:
                grads = grad_fn_now(*dys, variables=variables)
                if not (isinstance(grads, (tuple, list)) and len(grads) == 2):
                    raise InvalidArgumentError(
                        f"custom_gradient {f.__name__!r}: with variables, grad_fn must return "
                        "(input_gradients, variable_gradients)")
                in_grads, var_grads = _as_list(grads[0]), _as_list(grads[1])
            else:
                in_grads, var_grads = _as_list(grad_fn_now(*dys)), []
            if len(in_grads) != len(tensors):
                raise InvalidArgumentError(
                    f"custom_gradient {f.__name__!r}: grad_fn returned {len(in_grads)} gradients "
                    f"for {len(tensors)} inputs")
            if len(var_grads) != len(variables):
                raise InvalidArgumentError(
                    f"custom_gradient {f.__name__!r}: grad_fn returned {len(var_grads)} variable "
                    f"gradients for {len(variables)} variables")
            return [None if g is None else ops.convert_to_tensor(g, dtype=t.dtype)
                    for g, t in zip(in_grads + var_grads, tensors + reads)]

        outs = dispatch(CUSTOM_GRADIENT, tuple(tensors + reads + flat),
                        {"rule": rule, "num_args": len(tensors) + len(reads)})
        return nest.pack_sequence_as(result, list(outs))
    return call



def grad_pass_through(f):
    """`f` with the gradient of the identity: the upstream gradients pass to f's inputs
    unchanged, as if f were not there (a straight-through estimator; f returns one output per
    input). Variables f reads get no gradient.

        >>> x = tf.constant(2.7)
        >>> with tf.GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = tf.grad_pass_through(tf.round)(x) * 3.0
        >>> float(y), float(tape.gradient(y, x))
        (9.0, 3.0)
    """
    @custom_gradient
    @functools.wraps(f)
    def passed(*args, **kwargs):
        def grad(*upstream, variables=None):
            if variables is not None:
                return list(upstream), [None] * len(variables)
            return list(upstream)
        return f(*args, **kwargs), grad
    return passed
