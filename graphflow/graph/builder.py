"""Symbolic dispatch: the half of `ops.registry.dispatch` that appends nodes to a graph.

Inputs are brought into the graph first: eager tensors and Python values become `const` nodes,
Variables become `read_variable` nodes, and symbolic tensors of an enclosing graph (a function
traced inside another) become captured placeholders.

    >>> import graphflow as tf
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     y = tf.constant([1.0, 2.0]) * 2.0
    >>> y.shape
    TensorShape([2])
"""
from graphflow.context import context
from graphflow.errors import GraphflowError, InvalidArgumentError
from graphflow.tensor import EagerTensor, SymbolicTensor, Variable


def _graph_for(inputs):
    if context.graph is not None:
        return context.graph
    for x in inputs:
        if isinstance(x, SymbolicTensor):
            return x.graph
    raise InvalidArgumentError("no graph is being built")


def to_graph(x, graph):
    """x as a SymbolicTensor of `graph`."""
    from graphflow.ops import creation, state
    if isinstance(x, SymbolicTensor):
        if x.graph is graph:
            return x
        return _capture(x, graph)
    if isinstance(x, Variable):
        if x._graph is not None and x._graph is not graph and not _encloses(x._graph, graph):
            raise InvalidArgumentError(
                f"Variable {x.name!r} belongs to another graph than the one being built")
        with graph.as_default():
            return state.read_variable(x)
    if isinstance(x, EagerTensor):
        with graph.as_default():
            return creation.constant(x)
    raise InvalidArgumentError(f"cannot use {type(x).__name__} {x!r:.60} as a graph input")


def _encloses(outer, graph):
    g = graph
    while g is not None:
        if g is outer:
            return True
        g = g.outer
    return False


def _capture(t, graph):
    """A symbolic tensor of an enclosing graph, seen inside a function graph as a placeholder."""
    if not _encloses(t.graph, graph):
        raise InvalidArgumentError(
            f"Tensor {t.name!r} belongs to a different graph than the one being built; "
            "tensors cannot be used across graphs")
    if graph.outer is not None and t.graph is not graph.outer:
        # A control-flow body nested in another captures through every enclosing body (as TF's
        # FuncGraph does), so each body's node only ever reads tensors of its own graph.
        t = _capture(t, graph.outer)
    found = graph.captures.get(id(t))
    if found is not None:
        return found[1]
    from graphflow.ops import creation
    with graph.as_default():
        inner = creation.placeholder_node(t.shape.dims_tuple(), t.dtype, f"capture_{t.node.name}")
    graph.captures[id(t)] = (t, inner)
    return inner


def add_op(op, inputs, attrs, name=None):
    """Appends a node for `op` to the graph being built; returns its output tensor(s)."""
    from graphflow.ops.registry import Spec, record
    graph = _graph_for(inputs)
    tensors = [to_graph(x, graph) for x in inputs]
    if op.value_inputs:  # shapes computed in the graph: the rule reads what is known of them
        from graphflow.ops.static import input_specs
        specs = input_specs(op, tensors)
    else:
        specs = [Spec(t.shape.dims_tuple(), t.dtype) for t in tensors]
    try:
        out_specs = op.infer(specs, **attrs)
    except GraphflowError as e:
        raise type(e)(f"Node {graph.peek_name(name or op.name)!r}: {e}") from None
    except (TypeError, ValueError, IndexError) as e:  # a rule that did not anticipate its input
        raise InvalidArgumentError(
            f"Node {name or op.name!r} ({op.name}): invalid inputs {specs} / attrs {attrs}: {e}") from None
    node = graph.add_node(op, tensors, attrs, out_specs, name)
    outputs = node.outputs
    if context.tapes:
        record(op, tensors, attrs, outputs)
    if op.num_outputs == 1:
        return outputs[0]
    if op.num_outputs == 0:
        return node
    return outputs
