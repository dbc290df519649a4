"""Variable state: creating variables, reading them, and the assign ops.

Reads and assigns are STATEFUL ops holding the Variable in their attrs, so eager code, traced
functions and compat.v1 graphs share one definition: the reference kernel reads or replaces the
variable's array (arrays are never written in place, so earlier reads stay valid snapshots).

    >>> import graphflow as tf
    >>> v = tf.Variable([1.0, 2.0])
    >>> v.assign_sub([0.5, 0.5]).numpy()
    array([0.5, 1.5], dtype=float32)
"""
import numpy as np

from graphflow import dtypes
from graphflow.context import context
from graphflow.errors import InvalidArgumentError
from graphflow.ops.registry import STATEFUL, EagerTensor, dispatch, register, to_array
from graphflow.tensor import SymbolicTensor, TensorShape, Variable, as_shape


def _var_infer(specs, var):
    return [(var.shape.dims_tuple(), var.dtype)]


def _read_ref(var):
    return var._checked_value()._value


def _assign_ref(value, var):
    return var._set_value(np.array(value, dtype=var.dtype.np, copy=True))


def _assign_add_ref(delta, var):
    return var._set_value(var._checked_value()._value + delta)


def _assign_sub_ref(delta, var):
    return var._set_value(var._checked_value()._value - delta)


READ = register("read_variable", STATEFUL, _var_infer, _read_ref)
ASSIGN = register("assign", STATEFUL, _var_infer, _assign_ref)
ASSIGN_ADD = register("assign_add", STATEFUL, _var_infer, _assign_add_ref)
ASSIGN_SUB = register("assign_sub", STATEFUL, _var_infer, _assign_sub_ref)
ASSIGNS = ("assign", "assign_add", "assign_sub")  # the ops that write a variable in place
# Scalar forms for fused update kernels: {var} is the variable's current element.
ASSIGN.scalar, ASSIGN_ADD.scalar, ASSIGN_SUB.scalar = "{0}", "({var} + {0})", "({var} - {0})"

# Does nothing: tf.no_op, and tf.group / compat.v1 train ops, whose node carries what it groups
# as control inputs (ops/grouping.py); a Session running it runs them.
GROUP = register("group", STATEFUL, lambda specs: [], lambda *arrays: (), num_outputs=0)


def read_variable(var):
    """The variable's current value: a snapshot eagerly, a read node in a graph. Either way the
    read is offered to recording GradientTapes (trainable variables are watched on read)."""
    if context.graph is None:
        return var.read_value_for_op()
    read = dispatch(READ, (), {"var": var})
    for tape in context.tapes:
        tape._watch_variable_read(var, read)
    return read


def _update(op, var, value, name):
    if not isinstance(var, Variable):
        raise InvalidArgumentError(f"{op.name}: the first argument must be a Variable, got "
                                   f"{type(var).__name__}")
    if isinstance(value, Variable):
        value = value.value()
    if hasattr(value, "dtype") and isinstance(value.dtype, dtypes.DType):
        if value.dtype is not var.dtype:
            raise InvalidArgumentError(
                f"{op.name}: cannot assign a {value.dtype.name} value to variable {var.name!r} "
                f"of dtype {var.dtype.name}")
    else:
        value = EagerTensor(to_array(value, var.dtype, f"{op.name} to {var.name!r}"))
    shape = value.shape
    if not var.shape.is_compatible_with(shape) and op is ASSIGN:
        raise InvalidArgumentError(
            f"{op.name}: cannot assign a value of shape {shape} to variable {var.name!r} of shape "
            f"{var.shape}")
    if op is not ASSIGN and shape.rank is not None and var.shape.rank is not None:
        from graphflow.ops.rules import broadcast_shapes
        try:
            out = broadcast_shapes(op.name, var.shape.dims_tuple(), shape.dims_tuple())
            fits = out is None or var.shape.is_compatible_with(out)
        except InvalidArgumentError:  # not broadcastable: say so naming the variable, below
            fits = False
        if not fits:
            raise InvalidArgumentError(
                f"{op.name}: a delta of shape {shape} does not fit variable {var.name!r} of shape "
                f"{var.shape}")
    out = dispatch(op, (value,), {"var": var}, name)
    # Eagerly and in traced functions the variable itself is returned (as TF2 does): using it
    # reads the new value, and gradients flow through that read. A compat.v1 graph returns the
    # assign's output, whose fetch runs the assign.
    if isinstance(out, EagerTensor) or getattr(context.graph, "is_function", False):
        return var
    return out


def assign(var, value, name=None):
    """Sets var to value; returns the variable (eagerly and in functions) or, in a compat.v1
    graph, the assign op's output."""
    return _update(ASSIGN, var, value, name)


def assign_add(var, delta, name=None):
    """var += delta."""
    return _update(ASSIGN_ADD, var, delta, name)


def assign_sub(var, delta, name=None):
    """var -= delta."""
    return _update(ASSIGN_SUB, var, delta, name)


def init_variable(var, initial_value, name, dtype, shape):
    """Fills in a new Variable: eagerly from its initial value, or as a compat.v1 graph variable."""
    if name is not None and not isinstance(name, str):
        raise InvalidArgumentError(f"Variable: name must be a string, got {name!r}")
    dtype = None if dtype is None else dtypes.as_dtype(dtype)
    graph = context.graph
    if graph is not None and not getattr(graph, "is_function", False):
        from graphflow.graph.variables import init_graph_variable
        init_graph_variable(var, graph, initial_value, name, dtype, shape)
        return
    # Eagerly, and inside a function trace (where, as TF's init_scope does, creation is lifted out).
    if context.variable_creation is not None:  # a trace may create variables on its first call only
        context.variable_creation.check()
    if callable(initial_value):
        initial_value = initial_value()
    if isinstance(initial_value, Variable):
        initial_value = initial_value._checked_value()
    if isinstance(initial_value, SymbolicTensor):
        raise InvalidArgumentError(
            f"Variable {name or 'Variable'!r}: the initial value is a symbolic tensor of the graph "
            "being traced; create variables outside the graphflow.function (or from eager values)")
    if isinstance(initial_value, EagerTensor):
        value = initial_value._value
        if dtype is not None and value.dtype != dtype.np:
            if not (dtype.is_floating or value.dtype.kind in "iub"):
                raise InvalidArgumentError(
                    f"Variable {name!r}: cannot convert a {initial_value.dtype.name} initial value "
                    f"to {dtype.name}")
            value = value.astype(dtype.np)
    else:
        value = to_array(initial_value, dtype, f"Variable {name or 'Variable'!r}")
    var._name = "/".join(context.eager_scope + [name or "Variable"])
    var._dtype = dtypes.from_numpy(value.dtype)
    var._shape = TensorShape(value.shape) if shape is None else as_shape(shape)
    if not var._shape.is_compatible_with(value.shape):
        raise InvalidArgumentError(
            f"Variable {var._name!r}: initial value shape {value.shape} does not match shape {var._shape}")
    if context.strategy_stack:  # under a distribution strategy: start from rank 0's value
        value = context.strategy_stack[-1][1]._initial_value(var, value)
    var._value = EagerTensor(np.array(value, copy=True))
    if context.variable_creation is not None:
        context.variable_creation.count += 1
    from graphflow.context import devices
    gpu = devices.gpu_for(())
    if gpu is not None:
        var._dev = gpu
        var._value = var._placed(var._value._value)
