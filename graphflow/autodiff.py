"""GradientTape: reverse-mode autodiff over recorded ops.

A tape records every op whose inputs it watches (eager tensors or symbolic ones alike). `gradient`
walks the records backwards, calling each op's gradient rule, which is written in graphflow ops:
so gradients of gradients work (nested tapes), and inside a graph the backward pass becomes nodes.
Gradients of broadcast inputs are summed back to the input's shape in one place,
`ops.backprop.accumulate`.

    >>> import graphflow as tf
    >>> x = tf.Variable(3.0)
    >>> with tf.GradientTape() as tape:
    ...     y = x * x
    >>> tape.gradient(y, x).numpy()
    6.0
"""
import functools
import math

import numpy as np

from graphflow.context import context
from graphflow.dtypes import has_gradient, is_differentiable
from graphflow.errors import InvalidArgumentError
from graphflow.ops import backprop, script_ops as _script_ops
from graphflow.ops.custom_gradient import custom_gradient
from graphflow.tensor import Tensor, Variable
from graphflow.utils import nest


class _Record:
    """One recorded op application; the same fields as a graph Node."""

    __slots__ = ("opdef", "inputs", "attrs", "outputs")

    def __init__(self, opdef, inputs, attrs, outputs):
        self.opdef, self.inputs, self.attrs, self.outputs = opdef, inputs, attrs, outputs


class UnconnectedGradients:
    NONE = "none"
    ZERO = "zero"


def _check_unconnected(value):
    """TF's ValueError for an unconnected_gradients that is neither "none" nor "zero" (the
    gradient would otherwise quietly fall back to None)."""
    if value not in (UnconnectedGradients.NONE, UnconnectedGradients.ZERO):
        raise InvalidArgumentError(f"GradientTape.gradient: Unknown value for "
                                   f"unconnected_gradients: {value!r}")


class GradientTape:
    """Records operations for automatic differentiation.

    persistent: allow several gradient() calls. watch_accessed_variables: watch trainable
    Variables automatically when they are read inside the tape.
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = persistent
        self._watch_accessed = watch_accessed_variables
        self._records = []
        self._watched = {}        # id(tensor) -> tensor, for tensors gradients flow through
        self._variables = {}      # id(variable) -> variable watched explicitly or by access
        self._var_reads = {}      # id(variable) -> {id(tensor): tensor read from it while recording}
        self._used = False
        self._recording = False

    # -- context management ------------------------------------------------------------------
    def __enter__(self):
        self._push()
        return self

    def __exit__(self, *exc):
        self._pop()
        return False

    def _push(self):
        if self._recording:
            raise InvalidArgumentError("GradientTape: this tape is already recording")
        context.tapes.append(self)
        self._recording = True

    def _pop(self):
        if self._recording:
            context.tapes.remove(self)
            self._recording = False

    def stop_recording(self):
        """A context in which ops are not recorded on this tape."""
        tape = self

        class _Paused:
            def __enter__(self):
                tape._pop()

            def __exit__(self, *exc):
                tape._push()
        return _Paused()

    def reset(self):
        self._records.clear()
        self._watched.clear()
        self._var_reads.clear()
        self._variables.clear()

    # -- watching ----------------------------------------------------------------------------
    def watch(self, tensor):
        """Makes the tape track gradients through `tensor` (a tensor, Variable or structure)."""
        for t in nest.flatten(tensor):
            if isinstance(t, Variable):
                self._variables[id(t)] = t
            elif isinstance(t, Tensor):
                if has_gradient(t.dtype):
                    self._watched[id(t)] = t
            else:
                raise InvalidArgumentError(
                    f"GradientTape.watch: expected tensors or Variables, got {type(t).__name__}")

    def watched_variables(self):
        return tuple(self._variables.values())

    def _watch_variable_read(self, var, value):
        """Called when a Variable is read while this tape records."""
        if id(var) not in self._variables:
            if not (self._watch_accessed and var.trainable):
                return
            self._variables[id(var)] = var
        if has_gradient(value.dtype):
            self._watched[id(value)] = value
            self._var_reads.setdefault(id(var), {})[id(value)] = value

    def _record(self, op, inputs, attrs, outputs):
        watched = self._watched
        for x in inputs:
            if id(x) in watched:
                break
        else:
            return
        if op.grad is None:
            return
        self._records.append(_Record(op, inputs, attrs, outputs))
        for o in outputs:
            if is_differentiable(o.dtype):
                watched[id(o)] = o

    # -- gradients ---------------------------------------------------------------------------
    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """d(sum of target) / d(sources), shaped like `sources` (a tensor, Variable, list, dict...).

        Non-scalar targets are summed; sources the target does not depend on give None (or zeros
        with unconnected_gradients="zero"); integer sources give None.
        """
        if self._used and not self._persistent:
            raise InvalidArgumentError(
                "GradientTape.gradient can only be called once on a non-persistent tape; create "
                "the tape with GradientTape(persistent=True) to compute several gradients")
        _check_unconnected(unconnected_gradients)
        targets = _check_structure("target", target)
        flat_sources = _check_structure("sources", sources)
        seeds = None
        if output_gradients is not None:
            seeds = nest.flatten(output_gradients)
            if len(seeds) != len(targets):
                raise InvalidArgumentError(
                    f"GradientTape.gradient: {len(seeds)} output_gradients for {len(targets)} targets")
        was_recording = self._recording
        self._pop()  # the backward pass is not recorded on this tape (outer tapes do record it)
        try:
            grads = self._backward(targets, seeds)
            result = [self._source_gradient(s, grads, unconnected_gradients) for s in flat_sources]
        finally:
            if was_recording:
                self._push()
        self._used = True
        if not self._persistent:
            self._release()
        return nest.pack_sequence_as(sources, result)

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        """The Jacobian of target (any shape) with respect to each source: shape
        target.shape + source.shape. Computed row by row (one backward pass per target
        element); parallel_iterations and experimental_use_pfor are accepted for TF's signature.

            >>> x = tf.constant([1.0, 2.0])
            >>> with tf.GradientTape() as tape:
            ...     tape.watch(x)
            ...     y = x * x
            >>> tape.jacobian(y, x).numpy()
            array([[2., 0.],
                   [0., 4.]], dtype=float32)
        """
        from graphflow.ops import api as ops
        flat_t, n = self._flat_target("jacobian", target, [-1], 0)
        rows = self._seeded_rows(flat_t, sources, n, lambda i: ops.one_hot(i, n, dtype=target.dtype),
                                 unconnected_gradients)
        out = []
        for k, s in enumerate(nest.flatten(sources)):
            parts = [nest.flatten(r)[k] for r in rows]
            if n == 0:
                out.append(ops.zeros(target.shape.as_list() + s.shape.as_list(), s.dtype))
            elif parts[0] is None:
                out.append(None)
            else:
                out.append(ops.reshape(ops.stack(parts), target.shape.as_list() + s.shape.as_list()))
        return nest.pack_sequence_as(sources, out)

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Per-example Jacobians: target [b, y...] and source [b, x...] give [b, y..., x...],
        assuming target row i depends only on source row i (as TF does).

            >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
            >>> with tf.GradientTape() as tape:
            ...     tape.watch(x)
            ...     y = x * x
            >>> tape.batch_jacobian(y, x).numpy()[1]
            array([[6., 0.],
                   [0., 8.]], dtype=float32)
        """
        from graphflow.ops import api as ops
        if target.shape.rank is None or target.shape.rank < 1 or source.shape.rank is None \
                or source.shape.rank < 1:
            raise InvalidArgumentError(
                f"GradientTape.batch_jacobian: target and source need a batch dimension, got "
                f"shapes {target.shape} and {source.shape}")
        b_t, b_s = target.shape[0], source.shape[0]
        if b_t is not None and b_s is not None and b_t != b_s:
            raise InvalidArgumentError(
                f"GradientTape.batch_jacobian: need first dimensions of target shape "
                f"{target.shape} and source shape {source.shape} to match")
        flat_t, n = self._flat_target("batch_jacobian", target, [b_t if b_t is not None else -1,
                                                                  _row_size(target)], 1)
        rows = self._seeded_rows(
            flat_t, source, n,
            lambda j: ops.broadcast_to(ops.one_hot(j, n, dtype=target.dtype), ops.shape(flat_t)),
            unconnected_gradients)
        out_shape = target.shape.as_list() + source.shape.as_list()[1:]
        if n == 0:
            return ops.zeros([d if d is not None else 0 for d in out_shape], source.dtype)
        if rows[0] is None:
            return None
        jac = ops.stack(rows, axis=1)  # [b, n, x...]
        return ops.reshape(jac, [-1 if d is None else d for d in out_shape])

    def _flat_target(self, what, target, shape, axis):
        """target reshaped (on this tape) to `shape`, and its static size along `axis`."""
        from graphflow.ops import api as ops
        if not self._persistent and self._used:
            raise InvalidArgumentError(
                f"GradientTape.{what} can only be called once on a non-persistent tape")
        was_recording = self._recording
        if not was_recording:
            self._push()  # the flattening of the target must be on the tape
        try:
            flat = ops.reshape(target, shape)
        finally:
            if not was_recording:
                self._pop()
        n = flat.shape[axis]
        if n is None:
            raise InvalidArgumentError(
                f"GradientTape.{what}: the target's shape {target.shape} must be known (apart "
                "from the batch dimension) to build the Jacobian row by row")
        return flat, n

    def _seeded_rows(self, flat_t, sources, n, seed_of, unconnected):
        persistent, self._persistent = self._persistent, True
        try:
            rows = [self.gradient(flat_t, sources, output_gradients=seed_of(i),
                                  unconnected_gradients=unconnected) for i in range(n)]
        finally:
            self._persistent = persistent
        self._used = True
        if not persistent:
            self._release()
        return rows

    def _release(self):
        self._records = []
        self._watched = {}
        self._var_reads = {}

    def _backward(self, targets, seeds):
        return backward(self._records, targets, seeds, self._watched)

    def _source_gradient(self, source, grads, unconnected):
        if isinstance(source, Variable):
            g = _sum_present(grads, self._var_reads.get(id(source), {}).values())
        else:
            g = grads.get(id(source))
        return _finish(g, source, unconnected)


class ForwardAccumulator:
    """Forward-mode autodiff (TF's tf.autodiff.ForwardAccumulator): inside the context,
    computations from `primals` are recorded; `jvp(y)` is the directional derivative of y
    along `tangents` (J @ tangent), computed as the derivative of a vector-Jacobian product
    with respect to its (linear) cotangent: J t = d/du <J^T u, t>. It nests with GradientTape
    (a GradientTape around the accumulator differentiates the jvp: Hessian-vector products).

        >>> x = tf.constant(1.1)
        >>> with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
        ...     y = x * x * x
        >>> round(float(acc.jvp(y)), 4)
        3.63
    """

    def __init__(self, primals, tangents):
        from graphflow.ops import api as ops
        self._primals = nest.flatten(primals)
        flat_tangents = nest.flatten(tangents)
        if len(self._primals) != len(flat_tangents):
            raise InvalidArgumentError(
                f"ForwardAccumulator: primals and tangents must have the same structure, got "
                f"{len(self._primals)} primals and {len(flat_tangents)} tangents")
        self._tangents = []
        for p, t in zip(self._primals, flat_tangents):
            if not isinstance(p, (Tensor, Variable)):
                raise InvalidArgumentError(f"ForwardAccumulator: primals must be tensors or "
                                           f"Variables, got {type(p).__name__}")
            t = ops.convert_to_tensor(t, dtype=p.dtype)
            if not t.shape.is_compatible_with(p.shape):
                raise InvalidArgumentError(
                    f"ForwardAccumulator: a tangent's shape {t.shape} does not match its "
                    f"primal's shape {p.shape}")
            self._tangents.append(t)
        self._tape = GradientTape(persistent=True, watch_accessed_variables=False)

    def __enter__(self):
        self._tape.__enter__()
        for p in self._primals:
            self._tape.watch(p)
        return self

    def __exit__(self, *exc):
        return self._tape.__exit__(*exc)

    def jvp(self, primals, unconnected_gradients=UnconnectedGradients.NONE):
        """The Jacobian-vector product of each tensor in `primals` (a structure), computed
        inside the context, along the tangents."""
        _check_unconnected(unconnected_gradients)
        return nest.map_structure(lambda y: self._jvp(y, unconnected_gradients), primals)

    def _jvp(self, y, unconnected):
        from graphflow.ops import api as ops
        if not isinstance(y, (Tensor, Variable)) or not has_gradient(y.dtype):
            return None
        u = ops.zeros_like(y)  # any value: J^T u is linear in u
        with GradientTape() as outer:
            outer.watch(u)
            grads = self._tape.gradient(y, self._primals, output_gradients=u)
            terms = [ops.reduce_sum(g * t) for g, t in zip(grads, self._tangents)
                     if g is not None]
            if not terms:
                return _finish(None, y, unconnected)
            total = ops.add_n(terms) if len(terms) > 1 else terms[0]
        return _finish(outer.gradient(total, u), y, unconnected)


def _row_size(target):
    dims = target.shape.as_list()[1:]
    if any(d is None for d in dims):
        raise InvalidArgumentError(
            f"GradientTape.batch_jacobian: the target's shape {target.shape} must be known "
            "apart from the batch dimension")
    return math.prod(dims)


def _sum_present(grads, tensors):
    """The sum of the gradients recorded for `tensors` (e.g. every read of one variable)."""
    from graphflow.ops import api as ops
    total = None
    for t in tensors:
        g = grads.get(id(t))
        if g is not None:
            total = g if total is None else ops.add(total, g)
    return total


def _finish(g, like, unconnected):
    from graphflow.ops import api as ops
    if g is None and unconnected == UnconnectedGradients.ZERO:
        g = ops.zeros(like.shape, like.dtype) if like.shape.is_fully_defined() \
            else ops.zeros_like(like)
    if g is not None and not has_gradient(like.dtype):
        return None
    return g


def backward(records, targets, seeds, watched):
    """The reverse walk shared by GradientTape and compat.v1.gradients (ops/backprop.py)."""
    return backprop.gradients_of(records, targets, seeds, watched)


def graph_gradients(ys, xs, grad_ys=None, stop_gradients=None,
                    unconnected_gradients=UnconnectedGradients.NONE):
    """tf.gradients: the gradient subgraph of sum(ys) with respect to each of xs (a list, as
    TF returns, whatever xs is), built into ys's graph from the same gradient rules the tape
    uses. Paths through `stop_gradients` are held constant."""
    from graphflow.ops.state import READ
    _check_unconnected(unconnected_gradients)
    targets = _check_structure("ys", ys)
    sources = _check_structure("xs", xs)
    graph = targets[0].graph
    seeds = None if grad_ys is None else nest.flatten(grad_ys)
    stopped = {id(t) for t in nest.flatten(stop_gradients or [])}
    reads = {}
    starts = []
    for x in sources:
        if isinstance(x, Variable):
            reads[id(x)] = [n.outputs[0] for n in graph.nodes
                            if n.opdef is READ and n.attrs["var"] is x]
            starts.extend(reads[id(x)])
        else:
            starts.append(x)
    watched = {id(t): t for t in starts if has_gradient(t.dtype) and id(t) not in stopped}
    records = []
    for node in graph.nodes:  # program order: forward reachability from the sources
        if node.opdef.grad is not None and any(id(t) in watched for t in node.inputs):
            records.append(node)
            for o in node.outputs:
                if is_differentiable(o.dtype) and id(o) not in stopped:
                    watched[id(o)] = o
    with graph.as_default():
        grads = backward(records, targets, seeds, watched)
        result = []
        for x in sources:
            g = _sum_present(grads, reads[id(x)]) if isinstance(x, Variable) else grads.get(id(x))
            result.append(_finish(g, x, unconnected_gradients))
    return result


def gradients(ys, xs, grad_ys=None, name="gradients", gate_gradients=False,
              aggregation_method=None, stop_gradients=None,
              unconnected_gradients=UnconnectedGradients.NONE):
    """The symbolic gradients of sum(ys) with respect to each of xs, as a list (TF's
    tf.gradients): only while building a graph (in a graphflow.function or a compat.v1 graph);
    eagerly, TF's RuntimeError points to GradientTape.

        >>> @tf.function
        ... def f(a, b):
        ...     return tf.gradients(a * b, [a, b])
        >>> [float(g) for g in f(tf.constant(3.0), tf.constant(4.0))]
        [4.0, 3.0]
    """
    if context.graph is None:
        raise RuntimeError("tf.gradients is not supported when eager execution is enabled. "
                           "Use tf.GradientTape instead.")
    return graph_gradients(ys, xs, grad_ys, stop_gradients, unconnected_gradients)


def hessians(ys, xs, name="hessians", colocate_gradients_with_ops=False, gate_gradients=False,
             aggregation_method=None):
    """For each x of xs, the matrix of second derivatives of sum(ys), shaped x.shape +
    x.shape (TF's tf.hessians; graphs only, as tf.gradients). x's shape must be known: one
    gradient is built per element.

        >>> @tf.function
        ... def h(a):
        ...     return tf.hessians(tf.reduce_sum(a ** 3), a)[0]
        >>> h(tf.constant([1.0, 2.0])).numpy()
        array([[ 6.,  0.],
               [ 0., 12.]], dtype=float32)
    """
    from graphflow.ops import api as ops
    xs = list(xs) if isinstance(xs, (list, tuple)) else [xs]
    first = gradients(ys, xs)
    out = []
    for x, g in zip(xs, first):
        if g is None:
            out.append(None)
            continue
        if not x.shape.is_fully_defined():
            raise InvalidArgumentError(f"hessians: the shape of {x.name!r} must be known, got "
                                       f"{x.shape}")
        flat = ops.reshape(g, [-1])
        n = int(np.prod(x.shape.as_list(), dtype=np.int64))
        rows = [gradients(flat[i], x, unconnected_gradients=UnconnectedGradients.ZERO)[0]
                for i in range(n)]
        out.append(ops.reshape(ops.stack(rows), x.shape.as_list() * 2))
    return out


def _check_structure(what, value):
    flat = nest.flatten(value)
    if not flat:
        raise InvalidArgumentError(f"GradientTape.gradient: {what} is empty")
    for i, t in enumerate(flat):
        if not isinstance(t, (Tensor, Variable)):
            where = "" if len(flat) == 1 and flat[0] is value else f" element {i}"
            raise InvalidArgumentError(
                f"GradientTape.gradient: {what}{where} must be a tensor or Variable computed "
                f"while the tape was recording, got {type(t).__name__} {t!r:.60}")
    return flat

def recompute_grad(f):
    """Wraps f so that its intermediate results are not kept for the gradient: the backward
    pass runs f again under a tape (trading compute for memory). Same values and gradients.

        >>> g = tf.recompute_grad(lambda x: tf.sin(x) * x)
        >>> x = tf.constant(1.0)
        >>> with tf.GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = g(x)
        >>> round(float(tape.gradient(y, x)), 6)
        1.381773
    """
    @functools.wraps(f)
    def call(*args):
        @custom_gradient
        def inner(*xs):
            result = f(*xs)

            def grad(*dys, variables=None):
                with GradientTape() as tape:
                    tape.watch(list(xs))
                    again = f(*xs)
                sources = list(xs) + list(variables or [])
                grads = tape.gradient(nest.flatten(again), sources, output_gradients=list(dys))
                return (grads[:len(xs)], grads[len(xs):]) if variables else grads[:len(xs)]
            return result, grad
        return inner(*args)
    return call


# py_function's gradient runs the user's function again under a tape (ops/script_ops.py)
_script_ops.GradientTape = GradientTape
