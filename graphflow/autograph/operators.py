"""The operators converted code calls: each runs Python's semantics for Python values and stages
graph control flow (graphflow.cond / graphflow.while_loop) for tensors, as TF AutoGraph does.

A converted statement hands its operator the pieces of the original statement as functions:
the branches or the loop body, and `get_state` / `set_state`, which read and assign the
variables the statement changes (`symbol_names`, in that order). With a Python condition the
operator just runs the pieces; with a tensor condition it traces them into the branches or the
body of a graph op, checking that every variable keeps its structure, dtype and shape and
naming the Python variable when one does not.

    >>> x = 3
    >>> def body():
    ...     global x
    ...     x = -x
    >>> if_stmt(x > 0, body, lambda: None, lambda: (), lambda v: None, (), 0)
    >>> x
    -3
"""
import logging

import numpy as np

from graphflow import dtypes
from graphflow.context import context
from graphflow.errors import (GraphflowError, InvalidArgumentError, InvalidTypeError,
                              UnimplementedError)
from graphflow.graph.ir import Graph
from graphflow.ops import api
from graphflow.tensor import (EagerTensor, SymbolicTensor, Tensor, TensorShape, TensorSpec,
                              Variable)
from graphflow.utils import nest

logger = logging.getLogger("graphflow")

LEGAL_LOOP_TYPES = "Tensor, TensorArray, int, float, bool or a list, tuple or dict thereof"
LIMITATIONS = ("See https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/"
               "autograph/g3doc/reference/limitations.md#consistency-of-control-flow-types for "
               "more info.")
PYTHON_MAX_ITERATIONS = 100000000   # a Python loop that runs longer is surely a mistake (TF)
INEFFICIENT_UNROLL_MIN_ITERATIONS = 50000  # ...and one that builds ops this long, a warning


# -- undefined values ----------------------------------------------------------------------------

class Undefined:
    """The value of a variable that has not been assigned yet (a loop or branch may assign it).

    Reading it through `ld` raises as Python would; staged control flow reports it by name.
    """

    __slots__ = ("symbol_name",)

    def __init__(self, symbol_name):
        self.symbol_name = symbol_name

    def read(self):
        raise UnboundLocalError(f"'{self.symbol_name}' is used before assignment")

    def __repr__(self):
        return self.symbol_name

    def __getattribute__(self, name):
        try:
            return object.__getattribute__(self, name)
        except AttributeError:
            return self  # x.a of an undefined x is as undefined as x

    def __getitem__(self, i):
        return self


class UndefinedReturnValue:
    """The return value of a function that has not returned (yet)."""

    __slots__ = ()


def ld(value):
    """Loads a variable: an Undefined one raises UnboundLocalError naming it."""
    if isinstance(value, Undefined):
        return value.read()
    return value


def ldu(load, name):
    """Loads a composite symbol (`self.count`, `d["k"]`): Undefined when it does not exist."""
    try:
        return load()
    except (KeyError, AttributeError, NameError, IndexError):
        return Undefined(name)


def ret(value, did_return):
    """The value a converted function returns: None when it never reached a return."""
    del did_return
    return None if isinstance(value, UndefinedReturnValue) else value


def _is_none_or_undef(value):
    return value is None or isinstance(value, (Undefined, UndefinedReturnValue))


# -- what counts as a tensor --------------------------------------------------------------------

def is_graph_tensor(value):
    """True for values whose truth is only known when a graph runs: symbolic tensors, and
    variables read while a graph is being built."""
    return isinstance(value, SymbolicTensor) or (
        isinstance(value, Variable) and context.graph is not None)


def _as_tensor_value(value):
    return value.value() if isinstance(value, Variable) else value


def _op(name, what):
    fn = getattr(api, name, None)
    if fn is None:
        raise UnimplementedError(
            f"AutoGraph needs graphflow.{name} to stage {what} that depends on a tensor, and "
            "this build of graphflow does not have it yet")
    return fn


def _scratch_graph():
    """A throwaway graph inside the one being built: AutoGraph traces there to learn what a
    loop body or condition produces without adding anything to the real graph."""
    return Graph(is_function=True, outer=context.graph, name="autograph_scratch").as_default()


def _verify_condition(cond, tag):
    """A tensor condition must be a bool scalar (or one bool element, reshaped to a scalar)."""
    cond = _as_tensor_value(cond)
    extra_hint = "to check for None, use `is not None`"
    if cond.dtype is not dtypes.bool:
        raise InvalidArgumentError(
            f"condition of {tag} expected to be `tf.bool` scalar, got {cond}; to use as boolean "
            f"Tensor, use `tf.cast`; {extra_hint}")
    dims = cond.shape.dims_tuple()
    if dims is None:
        return api.reshape(cond, ())
    if dims:
        known = [d for d in dims if d is not None]
        if int(np.prod(known)) > 1:
            raise InvalidArgumentError(
                f"condition of {tag} expected to be `tf.bool` scalar, got {cond}; {extra_hint}")
        return api.reshape(cond, ())
    return cond


def _convertible(value):
    return isinstance(value, (bool, int, float, np.ndarray, np.generic))


def _to_tensor(value):
    if isinstance(value, Variable):
        return value.value()
    if _convertible(value):
        return api.convert_to_tensor(value)
    return value


def _to_tensors(values):
    return nest.map_structure(_to_tensor, values)


def _structure(value):
    """A comparable description of a nested structure (leaves are '.')."""
    if isinstance(value, dict):
        return ("dict", tuple((k, _structure(value[k])) for k in nest._sorted_keys(value)))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_structure(v) for v in value))
    return "."


def _structure_error(a, b):
    return ("The two structures don't have the same nested structure.\n\n"
            f"First structure: {_show(a)}\n\nSecond structure: {_show(b)}")


def _show(value):
    return repr(nest.map_structure(lambda v: "." if isinstance(v, (Tensor, Variable)) else v,
                                   value)) if nest.is_nested(value) else repr(value)


def _unsupported(name, value, where):
    return InvalidTypeError(
        f"'{name}' has a value of type {type(value).__name__} {where}, which a tensor-dependent "
        f"statement cannot carry: it can carry a {LEGAL_LOOP_TYPES}")


def _check_leaf_type(name, value, where):
    from graphflow.ops.subgraph import is_composite
    if not isinstance(value, (Tensor, Variable, bool, int, float, np.ndarray, np.generic)) \
            and not is_composite(value):  # a TensorArray travels as its list, as in TF
        raise _unsupported(name, value, where)


# -- if ----------------------------------------------------------------------------------------

def if_stmt(cond, body, orelse, get_state, set_state, symbol_names, nouts):
    """`if cond: body else: orelse`, staged as graphflow.cond when cond is a tensor.

    The first `nouts` state variables are outputs (used after the statement); the rest are only
    restored, so that each branch starts from the same values.
    """
    if is_graph_tensor(cond):
        _tf_if_stmt(cond, body, orelse, get_state, set_state, symbol_names, nouts)
    elif cond:
        body()
    else:
        orelse()


def _verify_branch_vars(values, symbol_names, branch):
    for name, value in zip(symbol_names, values):
        if isinstance(value, Undefined):
            raise InvalidArgumentError(f"'{name}' must also be initialized in the {branch} branch")
        if isinstance(value, UndefinedReturnValue):
            raise InvalidArgumentError(f"the {branch} branch must also have a return statement.")
        if value is None:
            raise InvalidArgumentError(f"'{name}' is None at the end of the {branch} branch.")
        for leaf in nest.flatten(value):
            if leaf is None:
                raise InvalidArgumentError(f"'{name}' is None at the end of the {branch} branch.")
            _check_leaf_type(name, leaf, f"at the end of the {branch} branch")


def _verify_cond_vars(body_vars, orelse_vars, symbol_names):
    for name, a, b in zip(symbol_names, body_vars, orelse_vars):
        if _structure(a) != _structure(b):
            raise InvalidTypeError(
                f"'{name}' must have the same nested structure in the main and else branches:"
                f"\n\n{_structure_error(a, b)}")
        for x, y in zip(nest.flatten(a), nest.flatten(b)):
            x, y = _to_tensor(x), _to_tensor(y)
            if x.dtype is not y.dtype:
                raise InvalidTypeError(
                    f"'{name}' has dtype {x.dtype.name} in the main branch, but dtype "
                    f"{y.dtype.name} in the else branch")


def _tf_if_stmt(cond, body, orelse, get_state, set_state, symbol_names, nouts):
    cond = _verify_condition(cond, "if statement")
    if not nouts:
        # A branch pair that only has effects still needs an output (as TF does).
        prev_get, prev_set = get_state, set_state
        get_state = lambda: (0,) + tuple(prev_get())  # noqa: E731
        set_state = lambda v: prev_set(tuple(v)[1:])  # noqa: E731
        symbol_names = ("<unused dummy>",) + tuple(symbol_names)
        nouts = 1
    init_vars = tuple(get_state())
    traced = {}

    def branch(fn, which, other):
        def run():
            set_state(init_vars)
            fn()
            new = tuple(get_state())[:nouts]
            _verify_branch_vars(new, symbol_names, which)
            if other in traced:
                ordered = (new, traced[other]) if which == "main" else (traced[other], new)
                _verify_cond_vars(ordered[0], ordered[1], symbol_names)
            traced[which] = new
            return _to_tensors(new)
        return run

    cond_op = _op("cond", "an if statement")
    outputs = cond_op(cond, branch(body, "main", "else"), branch(orelse, "else", "main"))
    outputs = _as_tuple(outputs, nouts, "cond")
    set_state(outputs + init_vars[nouts:])


def _as_tuple(outputs, n, op_name):
    outputs = tuple(outputs) if isinstance(outputs, (list, tuple)) else (outputs,)
    if len(outputs) != n:
        raise GraphflowError(
            f"AutoGraph: graphflow.{op_name} returned {len(outputs)} values for {n} variables")
    return outputs


def if_exp(cond, if_true, if_false, expr_repr):
    """`if_true() if cond else if_false()`, staged as graphflow.cond for a tensor cond."""
    if is_graph_tensor(cond):
        cond = _verify_condition(cond, f"conditional expression `{expr_repr}`")
        cond_op = _op("cond", "a conditional expression")
        return cond_op(cond, lambda: _to_tensors(if_true()), lambda: _to_tensors(if_false()))
    return if_true() if cond else if_false()


# -- and, or, not ------------------------------------------------------------------------------

def and_(a, b):
    """`a() and b()`, lazily: for a tensor a(), b() runs only where a() is true (graphflow.cond)."""
    a_val = a()
    if is_graph_tensor(a_val):
        cond = _verify_condition(a_val, "`and` expression")
        return _op("cond", "an `and` expression")(cond, lambda: _to_tensor(b()), lambda: cond)
    return a_val and b()


def or_(a, b):
    """`a() or b()`, lazily (see and_)."""
    a_val = a()
    if is_graph_tensor(a_val):
        cond = _verify_condition(a_val, "`or` expression")
        return _op("cond", "an `or` expression")(cond, lambda: cond, lambda: _to_tensor(b()))
    return a_val or b()


def not_(a):
    """`not a`: graphflow.logical_not for a tensor."""
    if is_graph_tensor(a):
        return api.logical_not(_as_tensor_value(a))
    return not a


def assert_stmt(expression, message):
    """`assert expression, message()`: checked when the graph runs for a tensor expression."""
    if is_graph_tensor(expression):
        assert_op = getattr(api, "Assert", None) or getattr(getattr(api, "debugging", None),
                                                           "Assert", None)
        if assert_op is None:
            raise UnimplementedError(
                "AutoGraph needs graphflow.Assert to check an assert statement on a tensor, and "
                "this build of graphflow does not have it yet")
        msg = message()
        return assert_op(_as_tensor_value(expression), [msg] if msg is not None else [])
    if not expression:
        msg = message()
        raise AssertionError(msg) if msg is not None else AssertionError()
    return None


# -- loops: checks -----------------------------------------------------------------------------

def verify_loop_init_vars(init_vars, symbol_names, first_iter_vars=None, extra_message=None):
    """Every loop variable needs a value before a staged loop (TF's messages)."""
    first_iter_vars = first_iter_vars or (None,) * len(symbol_names)
    for name, value, first in zip(symbol_names, init_vars, first_iter_vars):
        if isinstance(value, UndefinedReturnValue):
            if first is not None and not isinstance(first, (Undefined, UndefinedReturnValue)):
                raise InvalidArgumentError(
                    f"the return value from a TensorFlow loop may only be a {LEGAL_LOOP_TYPES}; "
                    f"got {type(first)}")
            raise UnimplementedError(
                "a return statement cannot be placed inside this TensorFlow loop; this may "
                "happen if a return statement depends on a static Python condition such as a "
                "hyperparameter")
        message = None
        if value is None:
            message = f"'{name}' is not allowed to be None before the loop"
        elif isinstance(value, Undefined):
            message = f"'{name}' must be defined before the loop"
            if extra_message:
                message += "\n" + extra_message
        if message is not None:
            raise InvalidArgumentError(message)
        for leaf in nest.flatten(value):
            if leaf is None:
                raise InvalidArgumentError(
                    f"'{name}' is not allowed to be None before the loop")
            _check_leaf_type(name, leaf, "before the loop")


def _is_subshape(left, right):
    """True if `left` is at least as specific as `right`."""
    right_dims, left_dims = right.dims_tuple(), left.dims_tuple()
    if right_dims is None:
        return True
    if left_dims is None or len(left_dims) != len(right_dims):
        return False
    return all(r is None or l == r for l, r in zip(left_dims, right_dims))


def _verify_single_loop_var(name, init, entry, exit_, invariant):
    if exit_ is None or isinstance(exit_, Undefined):
        raise InvalidArgumentError(f"'{name}' is None at the end of the iteration.")
    _check_leaf_type(name, exit_, "at the end of the iteration")
    init, entry, exit_ = _to_tensor(init), _to_tensor(entry), _to_tensor(exit_)
    if not isinstance(entry, Tensor) or not isinstance(exit_, Tensor):
        return
    if entry.dtype is not exit_.dtype:
        raise InvalidTypeError(
            f"'{name}' has dtype {entry.dtype.name} before the loop, but dtype "
            f"{exit_.dtype.name} after one iteration")
    if invariant is None:
        if not _is_subshape(exit_.shape, entry.shape):
            raise InvalidArgumentError(
                f"'{name}' has shape {entry.shape} before the loop, but shape {exit_.shape} "
                "after one iteration. Use tf.autograph.experimental.set_loop_options to set "
                "shape invariants.")
    else:
        if isinstance(init, Tensor) and not _is_subshape(init.shape, invariant):
            raise InvalidArgumentError(
                f"'{name}' has shape {init.shape} before the loop, which does not conform with "
                f"the shape invariant {invariant}.")
        if not _is_subshape(exit_.shape, invariant):
            raise InvalidArgumentError(
                f"'{name}' has shape {exit_.shape} after one iteration, which does not conform "
                f"with the shape invariant {invariant}.")


def verify_tf_loop_vars(init_vars, entry_vars, exit_vars, symbol_names, invariants):
    for name, init, entry, exit_, invariant in zip(symbol_names, init_vars, entry_vars,
                                                   exit_vars, invariants):
        if _structure(entry) != _structure(exit_) or _structure(init) != _structure(entry):
            other = exit_ if _structure(entry) != _structure(exit_) else entry
            raise InvalidTypeError(
                f"'{name}' does not have the same nested structure after one iteration.\n\n"
                f"{_structure_error(init, other)}")
        flat_inv = nest.flatten(invariant) if invariant is not None else \
            [None] * len(nest.flatten(entry))
        if len(flat_inv) != len(nest.flatten(entry)):
            raise InvalidTypeError(
                f"'{name}' does not have the same nested structure as its corresponding shape "
                f"invariant.\n\n{_structure_error(entry, invariant)}")
        for i, e, x, inv in zip(nest.flatten(init), nest.flatten(entry), nest.flatten(exit_),
                                flat_inv):
            _verify_single_loop_var(name, i, e, x, None if inv is None else TensorShape(inv))


def _shape_invariants(opts, init_vars):
    """TF's set_loop_options(shape_invariants=[(var, shape), ...]), matched to the loop
    variables by identity; one entry per variable (None where none was given)."""
    given = {id(v): shape for v, shape in opts.get("shape_invariants", ())}
    return tuple(given.get(id(v)) for v in init_vars)


# -- while -------------------------------------------------------------------------------------

def while_stmt(test, body, get_state, set_state, symbol_names, opts):
    """`while test(): body()`, staged as graphflow.while_loop when the test is a tensor."""
    if context.graph is not None:
        with _scratch_graph():  # decide on a first test whose ops are thrown away
            init_test = test()
    else:
        init_test = test()
    if is_graph_tensor(init_test):
        _tf_while_stmt(test, body, get_state, set_state, symbol_names, opts)
        return
    # Python: the first test is consumed, so run one iteration before the loop proper.
    if not init_test:
        return
    body()
    _py_while_stmt(test, body)


class _PythonLoopChecker:
    """Guards Python loops in traced code: an absurd iteration count raises, and a loop that
    keeps adding ops to the graph gets a one-time warning (it is being unrolled)."""

    __slots__ = ("iterations", "graph", "nodes_before", "warned")

    def __init__(self):
        self.iterations = 0
        self.graph = context.graph
        self.nodes_before = None
        self.warned = False

    def after_iteration(self):
        self.iterations += 1
        if self.iterations > PYTHON_MAX_ITERATIONS:
            raise InvalidArgumentError("iteration limit exceeded")
        if self.graph is None or self.warned:
            return
        if self.iterations == INEFFICIENT_UNROLL_MIN_ITERATIONS:
            self.nodes_before = len(self.graph.nodes)
        elif self.nodes_before is not None:
            if len(self.graph.nodes) > self.nodes_before:
                logger.warning(
                    "Large unrolled loop detected. Did you mean to use a TF loop? The Python "
                    "loop has run %d iterations and is still adding ops to the graph.",
                    self.iterations)
                self.warned = True
            self.nodes_before = None


def _py_while_stmt(test, body):
    checker = _PythonLoopChecker()

    def guarded_test():
        result = test()
        if is_graph_tensor(result):
            raise UnimplementedError(
                "The condition of while loop started as non-Tensor, then changed to Tensor. "
                "This may happen either because variables changed type, or when a break or "
                "return statement inside the loop depends on a Tensor condition. In both "
                "cases, changing to a TF loop should remove the error.\n" + LIMITATIONS)
        return result

    while guarded_test():
        body()
        checker.after_iteration()


def _placeholder_value(like, invariant, original):
    """A zero value like `like` (the first iteration's value of a variable undefined before the
    loop), and the shape invariant it needs."""
    if like is None or isinstance(like, (Undefined, UndefinedReturnValue)):
        return original, None
    if isinstance(like, (bool, int, float)):
        return type(like)(0), None
    if isinstance(like, (Tensor, Variable)):
        shape = TensorShape(invariant) if invariant is not None else like.shape
        dims = shape.dims_tuple()
        if dims is None:
            return api.zeros((), like.dtype), TensorShape(None)
        zero_dims = [0 if d is None else d for d in dims]
        dynamic = any(d is None for d in dims) or like.shape.dims_tuple() != dims
        return api.zeros(zero_dims, like.dtype), (shape if dynamic else None)
    if isinstance(like, (list, tuple, dict)):
        flat_inv = nest.flatten(invariant) if invariant is not None else \
            [None] * len(nest.flatten(like))
        pairs = [_placeholder_value(v, i, original) for v, i in zip(nest.flatten(like), flat_inv)]
        return (nest.pack_sequence_as(like, [p[0] for p in pairs]),
                nest.pack_sequence_as(like, [p[1] for p in pairs]))
    raise InvalidTypeError(
        f"Found an unsupported type '{type(like).__name__}' while creating placeholder for "
        f"{like!r}. Supported types include Tensor, int, float, bool, list, tuple or dict.")


def _symbolic_like(value):
    """A placeholder standing for `value` (a Python number or tensor) in a scratch trace."""
    from graphflow.ops.creation import placeholder_node
    if isinstance(value, (Undefined, UndefinedReturnValue)) or value is None:
        return value
    t = _to_tensor(value)
    if not isinstance(t, Tensor):
        return value
    return placeholder_node(t.shape.dims_tuple(), t.dtype, "autograph_init")


def _try_handling_undefineds(body, get_state, set_state, init_vars, nulls, invariants,
                             symbol_names):
    """Variables undefined before a staged loop: trace one iteration in a scratch graph to learn
    their types, and start them at zeros of those types (TF's approach; the loop then must
    run at least once, which is checked when the graph runs)."""
    first_iter_vars = None
    failure = None
    state_modified = False
    try:
        with _scratch_graph():
            set_state(nest.map_structure(_symbolic_like, init_vars))
            state_modified = True
            body()
            first_iter_vars = tuple(get_state())
        pairs = [(_placeholder_value(first, inv, v) if null else (v, None))
                 for v, null, first, inv in zip(init_vars, nulls, first_iter_vars, invariants)]
        init_vars = tuple(p[0] for p in pairs)
        extra_invariants = tuple(p[1] for p in pairs)
    except (UnboundLocalError, TypeError, ValueError, KeyError, GraphflowError) as e:
        failure = (f"Note: AutoGraph tried to define it automatically, but ran into a "
                   f"{type(e).__name__}: {e}")
        extra_invariants = (None,) * len(init_vars)
    finally:
        if state_modified:
            set_state(init_vars)
    verify_loop_init_vars(init_vars, symbol_names, first_iter_vars, extra_message=failure)
    return init_vars, extra_invariants


def _zero_iterations_message(symbol_names, nulls, init_vars):
    names = ["the function return value" if isinstance(v, UndefinedReturnValue) else n
             for n, null, v in zip(symbol_names, nulls, init_vars) if null]
    return f"loop must iterate at least once to initialize {', '.join(names)}"


def _assert_op():
    return getattr(api, "Assert", None) or getattr(getattr(api, "debugging", None), "Assert",
                                                   None)


def _tf_while_stmt(test, body, get_state, set_state, symbol_names, opts):
    init_vars = tuple(get_state())
    invariants = _shape_invariants(opts, init_vars)
    nulls = tuple(_is_none_or_undef(v) for v in init_vars)
    require_one_iteration = False
    if any(nulls):
        if _assert_op() is None:
            # Without a run-time assert the zero-iteration case could not be reported.
            verify_loop_init_vars(init_vars, symbol_names)
        orig_init_vars = init_vars
        init_vars, extra = _try_handling_undefineds(body, get_state, set_state, init_vars,
                                                    nulls, invariants, symbol_names)
        invariants = tuple(i if i is not None else e for i, e in zip(invariants, extra))
        require_one_iteration = True
    else:
        verify_loop_init_vars(init_vars, symbol_names)
    init_vars = tuple(_to_tensors(v) for v in init_vars)

    def aug_test(*loop_vars):
        if require_one_iteration:
            loop_vars = loop_vars[1:]
        set_state(loop_vars)
        return _verify_condition(test(), "while loop")

    def aug_body(*loop_vars):
        if require_one_iteration:
            loop_vars = loop_vars[1:]
        set_state(loop_vars)
        body()
        new_vars = tuple(get_state())
        verify_tf_loop_vars(init_vars, loop_vars, new_vars, symbol_names, invariants)
        new_vars = tuple(_to_tensors(v) for v in new_vars)
        if require_one_iteration:
            new_vars = (api.constant(True),) + new_vars
        return new_vars

    loop_vars, shape_invariants = init_vars, invariants
    if require_one_iteration:
        loop_vars = (api.constant(False),) + loop_vars
        shape_invariants = (None,) + shape_invariants
    kwargs = {}
    if any(i is not None for i in shape_invariants):
        kwargs["shape_invariants"] = tuple(
            nest.map_structure(lambda t: t.shape, v) if i is None else i
            for v, i in zip(loop_vars, shape_invariants))
    if opts.get("maximum_iterations") is not None:
        kwargs["maximum_iterations"] = opts["maximum_iterations"]
    for key in ("parallel_iterations", "swap_memory"):
        if key in opts:
            kwargs[key] = opts[key]
    while_loop = _op("while_loop", "a loop")
    final = _as_tuple(while_loop(aug_test, aug_body, loop_vars, **kwargs), len(loop_vars),
                      "while_loop")
    if require_one_iteration:
        _assert_op()(final[0], [_zero_iterations_message(symbol_names, nulls, orig_init_vars)])
        final = final[1:]
    set_state(final)


# -- for ---------------------------------------------------------------------------------------

_FOR_LOOP_HANDLERS = []  # (type, handler): iterables with their own staged loop (datasets)


def register_for_loop(cls, handler):
    """Makes `for x in <instance of cls>` in converted code call
    handler(iter_, extra_test, body, get_state, set_state, symbol_names, opts)."""
    _FOR_LOOP_HANDLERS.append((cls, handler))


def for_stmt(iter_, extra_test, body, get_state, set_state, symbol_names, opts):
    """`for target in iter_: body(target)`, staged as graphflow.while_loop over a tensor's first
    dimension (a range without building it), or a registered iterable's own loop; any other
    iterable runs as a Python loop."""
    if not hasattr(api, "while_loop"):
        # A build without graph loops iterates in Python while tracing, as without AutoGraph.
        _py_for_stmt(iter_, extra_test, body)
        return
    for cls, handler in _FOR_LOOP_HANDLERS:
        if isinstance(iter_, cls):
            handler(iter_, extra_test, body, get_state, set_state, symbol_names, opts)
            return
    if is_graph_tensor(iter_) or (isinstance(iter_, EagerTensor) and context.graph is not None):
        iter_ = _as_tensor_value(iter_)
        if _range_inputs(iter_) is not None:
            _tf_range_for_stmt(iter_, extra_test, body, get_state, set_state, symbol_names, opts)
        else:
            _known_len_tf_for_stmt(iter_, extra_test, body, get_state, set_state, symbol_names,
                                   opts)
        return
    _py_for_stmt(iter_, extra_test, body)


def _py_for_stmt(iter_, extra_test, body):
    checker = _PythonLoopChecker()
    if extra_test is None:
        for target in iter_:
            body(target)
            checker.after_iteration()
        return

    def guarded_extra_test():
        result = extra_test()
        if is_graph_tensor(result):
            raise UnimplementedError(
                "break and return statements which depend on a TF condition are not supported "
                "in Python for loops. Did you intend to make it a TF loop?\n" + LIMITATIONS)
        return result

    if guarded_extra_test():
        for target in iter_:
            body(target)
            checker.after_iteration()
            if not guarded_extra_test():
                break


def _loop_test(main_test, extra_test):
    """main_test and then extra_test() (which only reads loop flags, so evaluating it when
    main_test is false is harmless)."""
    if extra_test is None:
        return main_test
    extra = extra_test()
    if is_graph_tensor(extra):
        return api.logical_and(main_test, _verify_condition(extra, "loop condition"))
    return main_test if extra else api.constant(False)


def _range_inputs(t):
    """(start, limit, delta) of a tensor made by a graph range op, else None."""
    node = getattr(t, "node", None)
    if node is None or node.type != "range" or len(node.inputs) != 3:
        return None
    return node.inputs


def _known_len_tf_for_stmt(iter_, extra_test, body, get_state, set_state, symbol_names, opts):
    if iter_.shape.rank == 0:
        raise InvalidArgumentError(
            f"Cannot iterate over a scalar tensor {iter_}: a for loop iterates over the first "
            "dimension")
    n = len_(iter_)
    index = 0

    def aug_get_state():
        return (index,) + tuple(get_state())

    def aug_set_state(values):
        nonlocal index
        index, *rest = values
        set_state(rest)

    def aug_body():
        nonlocal index
        body(api.gather(iter_, index))
        index = index + 1

    def aug_test():
        return _loop_test(index < n, extra_test)

    if isinstance(n, int) and opts.get("maximum_iterations") is None:
        opts = dict(opts, maximum_iterations=n)  # the trip count's bound, known statically
    _tf_while_stmt(aug_test, aug_body, aug_get_state, aug_set_state,
                   ("<internal iterate>",) + tuple(symbol_names), opts)


def _tf_range_for_stmt(iter_, extra_test, body, get_state, set_state, symbol_names, opts):
    start, limit, delta = _range_inputs(iter_)
    iterate = start
    iterate_name = opts.get("iterate_names")

    def aug_get_state():
        state = tuple(iterate if (name == iterate_name and isinstance(v, Undefined)) else v
                      for name, v in zip(symbol_names, get_state()))
        return (iterate,) + state

    def aug_set_state(values):
        nonlocal iterate
        iterate, *rest = values
        set_state(rest)

    def aug_body():
        nonlocal iterate
        body(iterate)
        iterate = iterate + delta

    def aug_test():
        main = api.logical_or(api.logical_and(delta >= 0, iterate < limit),
                              api.logical_and(delta < 0, iterate > limit))
        return _loop_test(main, extra_test)

    _tf_while_stmt(aug_test, aug_body, aug_get_state, aug_set_state,
                   ("<internal iterate>",) + tuple(symbol_names), opts)


# -- for over a Python iterable in the graph (tf.data.Dataset) -------------------------------------

def _element_specs(iterable):
    """(structure, [(dtype name, shape tuple)]) of the iterable's elements: its element_spec
    (TensorSpecs, as tf.data has), else the first element of a fresh iteration with every
    dimension left unknown (later elements, such as a smaller last batch, may differ)."""
    spec = getattr(iterable, "element_spec", None)
    if spec is not None:
        # a RaggedTensorSpec of ragged_rank 0 holds dense tensors; other composites (ragged,
        # sparse) travel as their components
        spec = nest.map_structure(
            lambda s: TensorSpec(s.shape, s.dtype) if getattr(s, "ragged_rank", None) == 0
            else s, spec)
        leaves = nest.flatten(spec, expand_composites=True)
        return spec, [(s.dtype.name, s.shape.dims_tuple()) for s in leaves]
    try:
        first = next(iter(iterable))
    except StopIteration:
        return None, None
    leaves = [_as_tensor_value(v) if isinstance(v, (Tensor, Variable)) else
              EagerTensor(np.asarray(v)) for v in nest.flatten(first)]
    return first, [(t.dtype.name, None if t.shape.rank is None else (None,) * t.shape.rank)
                   for t in leaves]


def iterable_for_stmt(iterable, extra_test, body, get_state, set_state, symbol_names, opts):
    """`for x in iterable` staged as a graph loop that pulls the iterable's elements when the
    graph runs (graphflow/ops/iterators.py): a tf.data.Dataset iterated inside a
    graphflow.function is read afresh on every call, as in TF. Eagerly, a Python loop."""
    if context.graph is None:
        _py_for_stmt(iterable, extra_test, body)
        return
    from graphflow.ops import iterators
    structure, specs = _element_specs(iterable)
    if specs is None:  # empty: the body never runs (nothing to stage)
        verify_loop_init_vars(tuple(get_state()), symbol_names)
        return
    handle = iterators.iterator_open(iterable, specs)
    first = iterators.iterator_next(handle, specs)
    state = {"handle": first[0], "has": first[1], "element": list(first[2:])}

    def aug_get_state():
        return (state["handle"], state["has"], tuple(state["element"])) + tuple(get_state())

    def aug_set_state(values):
        state["handle"], state["has"], element, *rest = values
        state["element"] = list(element)
        set_state(rest)

    def aug_body():
        body(nest.pack_sequence_as(structure, state["element"], expand_composites=True))
        nxt = iterators.iterator_next(state["handle"], specs)
        state["handle"], state["has"], state["element"] = nxt[0], nxt[1], list(nxt[2:])

    def aug_test():
        return _loop_test(state["has"], extra_test)

    names = ("<internal iterator>", "<internal has_next>", "<internal element>")
    _tf_while_stmt(aug_test, aug_body, aug_get_state, aug_set_state, names + tuple(symbol_names),
                   opts)
    iterators.iterator_close(state["handle"])  # a loop that stopped early leaves it open


# -- builtins ----------------------------------------------------------------------------------

def len_(s):
    """len(): a tensor's first dimension (static when known, else computed when it runs)."""
    if is_graph_tensor(s):
        s = _as_tensor_value(s)
        dims = s.shape.dims_tuple()
        if dims is not None and len(dims) == 0:
            raise InvalidArgumentError(
                f"len requires a non-scalar tensor, got one of shape {s.shape}")
        if dims is not None and dims[0] is not None:
            return dims[0]
        return api.shape(s)[0]
    return len(s)


_UNSPECIFIED = object()


def range_(start_or_stop, stop=_UNSPECIFIED, step=_UNSPECIFIED):
    """range(): graphflow.range when an argument is a tensor (an empty range, not an error,
    for bounds in the wrong order, as Python's)."""
    args = [a for a in (start_or_stop, stop, step) if a is not _UNSPECIFIED]
    if not any(is_graph_tensor(a) for a in args):
        return range(*args)
    args = [_as_tensor_value(a) for a in args]
    if len(args) == 3:
        return api.range(*args)
    if len(args) == 2:
        return api.range(args[0], api.maximum(args[0], args[1]))
    return api.range(api.maximum(args[0], 0))


def abs_(x):
    return api.abs(_as_tensor_value(x)) if is_graph_tensor(x) else abs(x)


def float_(x=0):
    return api.cast(_as_tensor_value(x), dtypes.float32) if is_graph_tensor(x) else float(x)


def int_(x=0, base=_UNSPECIFIED):
    if is_graph_tensor(x):
        if base not in (10, _UNSPECIFIED):
            raise UnimplementedError(f"base {base} not supported for int")
        return api.cast(_as_tensor_value(x), dtypes.int32)
    return int(x) if base is _UNSPECIFIED else int(x, base)


def _reduce_builtin(name, reduce_op, python_fn, args, kwargs):
    if not any(is_graph_tensor(a) for a in args):
        return python_fn(*args, **kwargs)
    if kwargs:
        raise InvalidArgumentError(
            f"These keyword arguments are currently not supported: {tuple(sorted(kwargs))}")
    args = [_as_tensor_value(a) for a in args]
    if len(args) == 1:
        rank = args[0].shape.rank
        if rank == 0:
            return args[0]
        if rank == 1:
            return reduce_op(args[0], axis=0)
        raise InvalidArgumentError(
            f"{name}(arg) currently support only tensor with rank 1, but got a tensor with "
            f"rank {rank}")
    for a in args:
        if isinstance(a, Tensor) and a.shape.rank != 0:
            raise InvalidArgumentError(
                f"{name}(arg1, arg2, *args) currently support only scalar tensor, but got a "
                f"tensor with shape {a.shape.rank}")
    return reduce_op(api.stack(args), axis=0)


def min_(*args, **kwargs):
    return _reduce_builtin("min", api.reduce_min, min, args, kwargs)


def max_(*args, **kwargs):
    return _reduce_builtin("max", api.reduce_max, max, args, kwargs)


def print_(*objects, **kwargs):
    """print(): graphflow.print (printing when the graph runs) when given graph tensors.
    Only used with Feature.BUILTIN_FUNCTIONS, as in TF."""
    unknown = set(kwargs) - {"sep", "end", "file", "flush"}
    if unknown:
        raise InvalidArgumentError(f"invalid keyword arguments: {tuple(sorted(unknown))}")
    if not any(is_graph_tensor(o) for o in objects):
        return print(*objects, **kwargs)
    tf_print = _op("print", "a print of tensors")
    options = {k: kwargs[k] for k in ("sep", "end") if k in kwargs}
    if kwargs.get("file") is not None:
        options["output_stream"] = kwargs["file"]
    return tf_print(*[_as_tensor_value(o) for o in objects], **options)


class _Enumerated:
    """enumerate() of a staged iterable (a dataset), itself staged: (int64 index, element)."""

    def __init__(self, iterable, start):
        self.iterable, self.start = iterable, start

    def __iter__(self):
        return ((np.int64(i), e) for i, e in enumerate(self.iterable, self.start))

    @property
    def element_spec(self):
        inner = getattr(self.iterable, "element_spec", None)
        return None if inner is None else (TensorSpec([], dtypes.int64), inner)


class _Zipped:
    """zip() of staged iterables, itself staged: tuples of their elements."""

    def __init__(self, iterables):
        self.iterables = iterables

    def __iter__(self):
        return zip(*self.iterables)

    @property
    def element_spec(self):
        specs = tuple(getattr(it, "element_spec", None) for it in self.iterables)
        return None if any(s is None for s in specs) else specs


def _is_staged_iterable(value):
    return isinstance(value, (_Enumerated, _Zipped)) or any(
        isinstance(value, cls) for cls, _ in _FOR_LOOP_HANDLERS)


def enumerate_(iterable, start=0):
    """enumerate(): over a dataset inside a function, a staged iterable (as TF's
    dataset.enumerate()); otherwise Python's."""
    if context.graph is not None and _is_staged_iterable(iterable):
        return _Enumerated(iterable, start)
    return enumerate(iterable, start)


def zip_(*iterables, strict=False):
    """zip(): of datasets inside a function, a staged iterable (as TF's Dataset.zip)."""
    if context.graph is not None and iterables and all(_is_staged_iterable(i) for i in iterables):
        return _Zipped(iterables)
    return zip(*iterables, strict=strict)


register_for_loop(_Enumerated, iterable_for_stmt)
register_for_loop(_Zipped, iterable_for_stmt)

BUILTIN_OVERLOADS = {len: len_, range: range_, abs: abs_, float: float_, int: int_, min: min_,
                     max: max_, print: print_, enumerate: enumerate_, zip: zip_}
