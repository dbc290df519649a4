"""A cond or while_loop built where a gradient may be taken keeps, as extra outputs, the values
its gradient needs (attr `save`: every iteration's, for a loop). When nothing reads them (no
gradient was built, or it was pruned), this pass turns `save` off, so the node runs without
keeping them.

    >>> import graphflow as tf
    >>> from graphflow.compiler.passes import drop_saved
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     x = tf.compat.v1.placeholder(tf.float32, [], name="x")
    ...     y = tf.cond(x > 0.0, lambda: x * x, lambda: x)
    >>> g.inputs, g.outputs = [x], [y]
    >>> new, stats = drop_saved.run(g)
    >>> stats, [n.attrs["save"] for n in new.nodes if n.type == "cond"]
    ({'dropped': 1}, [False])
"""
from graphflow.compiler.rewrite import Rewriter, consumers, output_ids

NAME = "drop_saved"
DESCRIPTION = "stop control flow from keeping intermediates for a gradient nobody computes"


def run(graph):
    uses = consumers(graph)
    outs = output_ids(graph)
    rw = Rewriter(graph)
    dropped = 0
    for node in graph.nodes:
        k = node.opdef.saved_outputs
        if k and node.attrs.get("save") and not any(
                uses.get(id(o)) or id(o) in outs for o in node.outputs[-k:]):
            specs = [(o.shape.dims_tuple(), o.dtype) for o in node.outputs[:-k]]
            rw.copy(node, attrs=dict(node.attrs, save=False), specs=specs)
            dropped += 1
        else:
            rw.copy(node)
    return rw.finish(), {"dropped": dropped}
