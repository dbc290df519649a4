"""The reference interpreter: runs a graph node by node with each op's NumPy reference kernel.

It is the semantic ground truth every other backend is tested against, and the executor interface
(`compile(graph, fetches, feeds, targets) -> Executable`) compiled backends plug into.

    >>> import graphflow as tf
    >>> from graphflow.backends import reference
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     a = tf.compat.v1.placeholder(tf.float32, [2])
    ...     b = a * 2.0
    >>> reference.compile(g, [b], [a]).run([np.ones(2, np.float32)])[0]
    array([2., 2.], dtype=float32)
"""
import sys

import numpy as np

from graphflow.compiler import targets
from graphflow.errors import GraphflowError, InvalidArgumentError

NAME = "reference"


class Executable:
    """A pruned, ordered list of nodes; `run(feed_arrays)` returns the fetched arrays."""

    def __init__(self, graph, fetches, feeds, targets=()):
        self.graph = graph
        self.fetches = list(fetches)
        self.feeds = list(feeds)
        fed = {id(t) for t in self.feeds}
        roots = [t.node for t in self.fetches] + list(targets)
        self.nodes = [n for n in _needed(graph, roots, fed)]
        self._fed = fed
        self._check_placeholders()
        # What run() does, decided once (a loop body runs many times): the nodes to run, with
        # the ids of their inputs and outputs; fed nodes are skipped.
        run = [n for n in self.nodes if not (n.outputs and all(id(t) in fed for t in n.outputs))]
        self._consts = {id(n.outputs[0]): n.attrs["value"] for n in run if n.type == "const"}
        self._steps = [(node, [id(t) for t in node.inputs], [id(t) for t in node.outputs],
                        node.opdef.num_outputs == 1) for node in run if node.type != "const"]
        self._feed_ids = [id(t) for t in self.feeds]
        self._fetch_ids = [id(t) for t in self.fetches]

    def _check_placeholders(self):
        for node in self.nodes:
            if node.type == "placeholder" and not all(id(t) in self._fed for t in node.outputs):
                t = node.outputs[0]
                raise InvalidArgumentError(
                    f"You must feed a value for placeholder tensor {node.name!r} with dtype "
                    f"{t.dtype.name} and shape {t.shape}")

    def run(self, feed_arrays):
        env = dict(self._consts)
        env.update(zip(self._feed_ids, feed_arrays))
        for node, ins, outs, single in self._steps:
            result = _run_node(node, [env[i] for i in ins])
            if single:
                env[outs[0]] = result
            else:
                for i, r in zip(outs, result):
                    env[i] = r
        return [env[i] for i in self._fetch_ids]


def _run_node(node, args):
    attrs = node.attrs
    try:
        result = node.opdef.ref(*args, **attrs) if attrs else node.opdef.ref(*args)
    except GraphflowError as e:
        raise type(e)(f"Node {node.name!r} ({node.type}): {e}") from None
    except Exception as e:  # noqa: BLE001 - report any kernel failure with the node's name
        shapes = ", ".join(f"{np.asarray(a).dtype}{list(np.shape(a))}" for a in args)
        raise InvalidArgumentError(
            f"Node {node.name!r} ({node.type}) failed on inputs {shapes}: {e}") from None
    if node.opdef.num_outputs == 1 and type(result) is not np.ndarray:
        result = np.asarray(result)
    return result


def _needed(graph, roots, fed):
    """Nodes needed to compute `roots`, stopping at fed tensors, in program order (networkx
    reachability over the graph with the edges into fed nodes removed)."""
    import networkx as nx
    for node in roots:
        if node.graph is not graph:
            raise InvalidArgumentError(f"Node {node.name!r} belongs to another graph")
    g = graph.to_networkx()
    fed_nodes = [n.name for n in graph.nodes if n.outputs and all(id(t) in fed for t in n.outputs)]
    if fed_nodes:
        g = g.copy()
        g.remove_edges_from([(u, v) for v in fed_nodes for u in list(g.predecessors(v))])
    names = set()
    for node in roots:
        names.add(node.name)
        names |= nx.ancestors(g, node.name)
    return [n for n in graph.nodes if n.name in names]


def compile(graph, fetches, feeds, targets=()):  # noqa: A001 - the backend interface's verb
    """An Executable computing `fetches` from `feeds`, also running the `targets` nodes."""
    return Executable(graph, fetches, feeds, targets)


targets.register("reference", sys.modules[__name__])  # the compiler asks for it by name
