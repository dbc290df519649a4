"""The graph IR: Graph, Node, TF-style names ("add", "add_1", tensor "add:0") and name scopes.

A Node is an op application: its OpDef, input tensors, attrs and output tensors (SymbolicTensor),
with shapes and dtypes inferred when the node is added. Nodes are appended in program order,
which is a topological order; networkx answers the analysis questions (reachability, cycles).

    >>> import graphflow as tf
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     a = tf.compat.v1.placeholder(tf.float32, name="a")
    ...     b = a + 1.0
    >>> print(b)
    Tensor("add:0", dtype=float32)
"""
import contextlib
import re

import numpy as np

from graphflow.context import context
from graphflow.errors import InvalidArgumentError, NotFoundError
from graphflow.tensor import SymbolicTensor

_NAME_RE = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\-/]*$")


class Node:
    """One op application in a Graph (TF calls this an Operation).

    Fields mirror a GradientTape record (opdef, inputs, attrs, outputs), so the same backward
    walk serves tapes and compat.v1.gradients.
    """

    __slots__ = ("graph", "name", "opdef", "inputs", "attrs", "outputs", "index", "device",
                 "control_inputs", "__weakref__")

    def __init__(self, graph, name, opdef, inputs, attrs, specs, index):
        self.graph = graph
        self.name = name
        self.opdef = opdef
        self.inputs = tuple(inputs)
        self.attrs = attrs
        self.index = index  # position in program order
        # the device requested by an enclosing graphflow.device scope (None: not pinned)
        self.device = context.device_stack[-1] if context.device_stack else None
        # nodes that must run before this one (tf.control_dependencies); a Session running this
        # node runs them too
        self.control_inputs = _control_inputs(graph) if context.control_stack else ()
        self.outputs = tuple(SymbolicTensor(self, i, shape, dtype) for i, (shape, dtype) in enumerate(specs))

    @property
    def type(self):
        return self.opdef.name

    @property
    def kind(self):
        return self.opdef.kind

    def run(self, session=None, feed_dict=None):
        from graphflow.context import require_default_session
        (session or require_default_session("execute operation using `run()`")).run(self, feed_dict)

    def __repr__(self):
        return f"<Node '{self.name}' type={self.type}>"

    def describe(self):
        """One line of the text dump: `add_1: float32[2] = add(a:0, Const:0)`."""
        outs = ", ".join(_spec_text(t) for t in self.outputs) or "()"
        args = ", ".join(t.name for t in self.inputs)
        attrs = _attrs_text(self.attrs)
        return f"{self.name}: {outs} = {self.type}({args}{', ' if args and attrs else ''}{attrs})"


def _control_inputs(graph):
    """The control inputs the enclosing control_dependencies scopes of `graph` give a new node."""
    found = []
    for scope_graph, nodes in reversed(context.control_stack):
        if scope_graph is not graph:
            continue
        if nodes is None:  # control_dependencies(None) clears the outer scopes
            break
        found.extend(n for n in nodes if n not in found)
    return tuple(found)


def control_closure(tensors, nodes, fed=()):
    """The control inputs that running `tensors` and `nodes` requires, transitively (through
    data inputs and control inputs; fed tensors cut the walk, their producers do not run)."""
    fed_ids = {id(t) for t in fed}
    seen, needed = set(), []
    stack = [t.node for t in tensors if id(t) not in fed_ids] + list(nodes)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for dep in node.control_inputs:
            if id(dep) not in seen:
                needed.append(dep)
            stack.append(dep)
        stack.extend(t.node for t in node.inputs if id(t) not in fed_ids)
    return needed


def _spec_text(t):
    dims = t.shape.dims_tuple()
    shape = "?" if dims is None else ",".join("?" if d is None else str(d) for d in dims)
    return f"{t.dtype.name}[{shape}]"


def _attr_text(value):
    if isinstance(value, np.ndarray):
        if value.size <= 4:
            return np.array2string(value.reshape(-1) if value.ndim else value, separator=",")
        return f"<{value.dtype}{list(value.shape)}>"
    if hasattr(value, "trainable") and hasattr(value, "name"):
        return f"<var {value.name}>"
    return repr(value)


def _attrs_text(attrs):
    return ", ".join(f"{k}={_attr_text(v)}" for k, v in attrs.items())


def _as_control_input(value):
    if isinstance(value, Node):
        return value
    if isinstance(value, SymbolicTensor):
        return value.node
    op = getattr(value, "op", None)  # a Variable's update or another object with an op
    if isinstance(op, Node):
        return op
    graph = context.graph
    if graph is not None and hasattr(value, "trainable"):
        # a Variable (what v.assign_add returns in a function): its latest update or read here
        for node in reversed(graph.nodes):
            if node.attrs.get("var") is value:
                return node
    raise TypeError(f"Control input must be Operation or Tensor: {value!r}")


class Graph:
    """A dataflow graph of Nodes. Use `as_default()` to build ops into it.

        >>> g = tf.Graph()
        >>> with g.as_default():
        ...     c = tf.constant(2.0) * 3.0
        >>> [n.type for n in g.get_operations()]
        ['const', 'const', 'multiply']
    """

    def __init__(self, is_function=False, outer=None, name=None):
        self.nodes = []
        self._by_name = {}
        self._name_counts = {}
        self._scope = []
        self.is_function = is_function
        self.outer = outer              # the graph this one was traced inside, if any
        self.name = name
        self.collections = {}
        self.captures = {}              # id(outer tensor) -> (outer tensor, inner placeholder tensor)
        self._nx_cache = None
        self.finalized = False
        # The interface the compiler works to (set when a graph is prepared for compilation):
        self.inputs = []                # fed placeholder tensors, in call order
        self.outputs = []               # fetched tensors, in result order
        self.targets = []               # nodes that must run for their effects (assigns)

    # -- building ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def as_default(self):
        """Ops created in this context become nodes of this graph."""
        previous = context.graph
        context.graph = self
        try:
            yield self
        finally:
            context.graph = previous

    @contextlib.contextmanager
    def name_scope(self, name):
        if name:
            if not _NAME_RE.match(name.rstrip("/")):
                raise InvalidArgumentError(f"name_scope: {name!r} is not a valid scope name")
            self._scope.append(name.rstrip("/"))
        try:
            yield "/".join(self._scope) + "/"
        finally:
            if name:
                self._scope.pop()

    def unique_name(self, base):
        """TF-style names: base, base_1, base_2, ... prefixed by the current name scope."""
        if not _NAME_RE.match(base):
            raise InvalidArgumentError(f"{base!r} is not a valid node name")
        full = "/".join(self._scope + [base])
        count = self._name_counts.get(full, 0)
        name = full if count == 0 else f"{full}_{count}"
        while name in self._by_name:
            count += 1
            name = f"{full}_{count}"
        self._name_counts[full] = count + 1
        return name

    def peek_name(self, base):
        """The name unique_name(base) would return, without reserving it."""
        full = "/".join(self._scope + [base])
        count = self._name_counts.get(full, 0)
        return full if count == 0 else f"{full}_{count}"

    def add_node(self, opdef, inputs, attrs, specs, name=None):
        """Appends a node whose outputs have the given (shape, dtype) specs; returns the node."""
        if self.finalized:
            raise InvalidArgumentError(f"Graph is finalized; cannot add node for op {opdef.name!r}")
        node = Node(self, self.unique_name(name or opdef.name), opdef, inputs, attrs, specs,
                    len(self.nodes))
        self.nodes.append(node)
        self._by_name[node.name] = node
        self._nx_cache = None
        return node

    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        """Nodes created in this context run only after `control_inputs` (operations or
        tensors) have run; `None` clears the enclosing scopes.

            >>> g = tf.Graph()
            >>> with g.as_default():
            ...     v = tf.compat.v1.Variable(1.0)
            ...     step = v.assign_add(1.0)
            ...     with g.control_dependencies([step]):
            ...         out = tf.identity(v.read_value())
            >>> [n.name for n in out.node.control_inputs]
            ['assign_add']
        """
        nodes = None if control_inputs is None else [_as_control_input(c)
                                                      for c in control_inputs]
        context.control_stack.append((self, nodes))
        try:
            yield
        finally:
            context.control_stack.pop()

    def add_to_collection(self, key, value):
        self.collections.setdefault(key, []).append(value)

    def get_collection(self, key):
        return list(self.collections.get(key, []))

    def finalize(self):
        self.finalized = True

    # -- lookup ---------------------------------------------------------------------------------
    def get_operations(self):
        return list(self.nodes)

    def as_graph_def(self):
        """The graph's nodes as TF's GraphDef fields, for code that walks them (`node[i].name`,
        `.op`, `.input` with `^name` for control inputs, `.device`, `.attr`); graphflow's op
        names, not TF's, and a Python object, not TF's protobuf.

            >>> import graphflow as tf
            >>> g = tf.function(lambda a: a + a).get_concrete_function(tf.constant(1.0)).graph
            >>> [(n.input, n.name) for n in g.as_graph_def().node][-1][0]
            ['a', 'a']
        """
        def ref(t):
            return t.node.name if t.index == 0 else f"{t.node.name}:{t.index}"
        return GraphDef([NodeDef(n.name, n.type, [ref(t) for t in n.inputs] +
                                 [f"^{c.name}" for c in n.control_inputs], n.device or "",
                                 dict(n.attrs)) for n in self.nodes])

    def get_operation_by_name(self, name):
        node = self._by_name.get(name)
        if node is None:
            raise NotFoundError(f"The graph has no node named {name!r}")
        return node

    def get_tensor_by_name(self, name):
        if ":" not in name:
            raise InvalidArgumentError(
                f"{name!r} names a node, not a tensor; tensor names look like '{name}:0'")
        node_name, index = name.rsplit(":", 1)
        if node_name not in self._by_name:  # a variable's name ("scope/w:0"), as in TF1
            for var in self.get_collection("variables") + self.get_collection("local_variables"):
                if var.name == name:
                    return var
        node = self.get_operation_by_name(node_name)
        try:
            return node.outputs[int(index)]
        except (ValueError, IndexError):
            raise NotFoundError(f"Node {node_name!r} has no output {index}") from None

    def as_graph_element(self, obj):
        """A fetch or feed key (tensor, node, or name) as a tensor or node of this graph."""
        if isinstance(obj, str):
            return self.get_tensor_by_name(obj) if ":" in obj else self.get_operation_by_name(obj)
        return obj

    # -- analysis (networkx) ----------------------------------------------------------------------
    def to_networkx(self):
        """A networkx DiGraph over node names, edges labelled by tensor (cached until changed)."""
        if self._nx_cache is None:
            import networkx as nx
            g = nx.DiGraph()
            for node in self.nodes:
                g.add_node(node.name, node=node)
                for t in node.inputs:
                    if t.node.graph is self:
                        g.add_edge(t.node.name, node.name, tensor=t.name)
            self._nx_cache = g
        return self._nx_cache

    def ancestors(self, nodes):
        """The given nodes and every node they depend on, in program order."""
        import networkx as nx
        g = self.to_networkx()
        names = set()
        for n in nodes:
            names.add(n.name)
            names |= nx.ancestors(g, n.name)
        return [n for n in self.nodes if n.name in names]

    def validate(self):
        """Checks the graph is acyclic and every input comes from this graph."""
        import networkx as nx
        for node in self.nodes:
            for t in node.inputs:
                if t.node.graph is not self:
                    raise InvalidArgumentError(
                        f"Node {node.name!r} uses tensor {t.name!r} from another graph")
        if not nx.is_directed_acyclic_graph(self.to_networkx()):
            raise InvalidArgumentError("The graph has a cycle")

    # -- display -------------------------------------------------------------------------------
    def as_text(self, indent=""):
        """One line per node: name, output dtype[shape], op, inputs and attrs; the bodies of
        control-flow nodes (cond branches, loop condition and body) follow, indented."""
        lines = []
        for n in self.nodes:
            lines.append(indent + n.describe())
            for label, body in subgraphs(n):
                lines.append(f"{indent}    {label} ({len(body.graph.nodes)} nodes):")
                lines.append(body.graph.as_text(indent + "      "))
        return "\n".join(lines)

    def __str__(self):
        return self.as_text()

    def __repr__(self):
        kind = "function graph" if self.is_function else "Graph"
        return f"<{kind}{' ' + self.name if self.name else ''} with {len(self.nodes)} nodes>"


def subgraphs(node):
    """[(label, body)] for the bodies a control-flow node holds in its attrs (see
    ops/subgraph.py; each body has a `.graph`), in order; [] for other nodes."""
    out = []
    for attr in getattr(node.opdef, "bodies", ()):
        value = node.attrs[attr]
        for body in value if isinstance(value, tuple) else (value,):
            out.append((getattr(body, "name", attr), body))
    return out


def get_default_graph():
    """The graph ops are being added to, or the global default graph."""
    if context.graph is not None:
        return context.graph
    if context.default_graph is None:
        context.default_graph = Graph()
    return context.default_graph


def reset_default_graph():
    if context.graph is not None and context.graph is not context.default_graph:
        raise InvalidArgumentError("reset_default_graph: cannot reset while another graph is "
                                   "being built (inside a `with graph.as_default()` block)")
    fresh = Graph()
    if context.graph is context.default_graph and context.graph is not None:
        context.graph = fresh
    context.default_graph = fresh


def get_current_name_scope():
    """The full name of the innermost tf.name_scope ("" outside any).

        >>> with tf.name_scope("outer"):
        ...     with tf.name_scope("inner"):
        ...         tf.get_current_name_scope()
        'outer/inner'
    """
    graph = context.graph
    return "/".join(context.eager_scope if graph is None else graph._scope)


def inside_function():
    """Whether ops are being traced into a graphflow.function (or a tf.data function) graph.

        >>> tf.inside_function()
        False
    """
    return context.graph is not None and bool(getattr(context.graph, "is_function", False))


@contextlib.contextmanager
def name_scope(name):
    """Prefixes the names of nodes built inside it; eagerly it only yields the scope string.

        >>> with tf.name_scope("layer"):
        ...     pass
    """
    graph = context.graph
    if graph is None:
        # Eagerly the scope only names variables created inside it (tf.Module's weights).
        saved = list(context.eager_scope)
        if name:
            if name.endswith("/"):  # an absolute scope, as TF
                context.eager_scope[:] = [name.rstrip("/")] if name.rstrip("/") else []
            else:
                context.eager_scope.append(name)
        try:
            yield "/".join(context.eager_scope) + "/" if context.eager_scope else ""
        finally:
            context.eager_scope[:] = saved
        return
    with graph.name_scope(name) as scope:
        yield scope


class NodeDef:
    """One node of Graph.as_graph_def(): name, op, input, device, attr (TF's NodeDef fields)."""

    __slots__ = ("name", "op", "input", "device", "attr")

    def __init__(self, name, op, inputs, device, attrs):
        self.name, self.op, self.input, self.device, self.attr = name, op, inputs, device, attrs

    def __repr__(self):
        return f"NodeDef(name={self.name!r}, op={self.op!r}, input={self.input!r})"


class GraphDef:
    """Graph.as_graph_def(): `node`, the graph's NodeDefs in program order."""

    __slots__ = ("node",)

    def __init__(self, nodes):
        self.node = nodes

    def __repr__(self):
        return f"GraphDef({len(self.node)} nodes)"
