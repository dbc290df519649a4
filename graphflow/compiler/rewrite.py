"""Copying a graph while rewriting it: the one tool every pass uses to stay a pure function.

A Rewriter walks the source graph in program order; for each node a pass either copies it
(`copy`), replaces it by existing tensors (`alias`), or emits new nodes (`emit`). Inputs, outputs
and targets of the source graph are carried over through the same tensor map.

    >>> import graphflow as tf
    >>> from graphflow.compiler.rewrite import Rewriter
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     x = tf.compat.v1.placeholder(tf.float32, [2], name="x")
    ...     y = tf.identity(x) * 2.0
    >>> g.inputs, g.outputs = [x], [y]
    >>> rw = Rewriter(g)
    >>> for node in g.nodes:
    ...     if node.type == "identity":
    ...         rw.alias(node.outputs[0], rw.tensor(node.inputs[0]))
    ...     else:
    ...         _ = rw.copy(node)
    >>> [n.type for n in rw.finish().nodes]
    ['placeholder', 'const', 'multiply']
"""
from graphflow.graph.ir import Graph


class Rewriter:
    def __init__(self, src):
        self.src = src
        self.dst = Graph(is_function=src.is_function, name=src.name)
        self.dst.collections = src.collections
        self._map = {}       # id(source tensor) -> destination tensor
        self._nodes = {}     # id(source node) -> destination node (copied nodes only)

    def tensor(self, t):
        """The destination tensor standing for source tensor t."""
        return self._map[id(t)]

    def has(self, t):
        return id(t) in self._map

    def copy(self, node, inputs=None, attrs=None, specs=None):
        """Copies `node` (optionally with new inputs, attrs or output (shape, dtype) specs);
        returns the new node."""
        new_inputs = [self.tensor(t) for t in node.inputs] if inputs is None else inputs
        if specs is None:
            specs = [(t.shape.dims_tuple(), t.dtype) for t in node.outputs]
        new = self.dst.add_node(node.opdef, new_inputs, node.attrs if attrs is None else attrs,
                                specs, node.name)
        for old, t in zip(node.outputs, new.outputs):
            self._map[id(old)] = t
        self._nodes[id(node)] = new
        return new

    def emit(self, opdef, inputs, attrs, specs, name):
        """Adds a brand-new node to the destination graph."""
        return self.dst.add_node(opdef, inputs, attrs, specs, name)

    def alias(self, old_tensor, new_tensor):
        """From now on, uses of `old_tensor` read `new_tensor`."""
        self._map[id(old_tensor)] = new_tensor

    def replace_node(self, old_node, new_node):
        """Records that `new_node` stands for `old_node` (so targets carry over to it)."""
        self._nodes[id(old_node)] = new_node

    def node(self, old_node):
        return self._nodes.get(id(old_node))

    def finish(self):
        """The destination graph, with the source's inputs, outputs and targets mapped over."""
        self.dst.inputs = [self.tensor(t) for t in self.src.inputs]
        self.dst.outputs = [self.tensor(t) for t in self.src.outputs]
        targets = []
        for n in self.src.targets:
            new = self._nodes.get(id(n))
            if new is not None and new not in targets:
                targets.append(new)
        self.dst.targets = targets
        return self.dst


def consumers(graph):
    """{id(tensor): [nodes that read it]} plus a count of uses as a graph output."""
    uses = {}
    for node in graph.nodes:
        for t in node.inputs:
            uses.setdefault(id(t), []).append(node)
    return uses


def output_ids(graph):
    return {id(t) for t in graph.outputs}
