"""Epilogue fusion (TF's _FusedMatMul): a matmul whose only consumer is an elementwise chain
of the same shape and dtype (bias add, activation, ...) becomes one node: BLAS writes the
product into its buffer and one kernel applies the chain in place.

    >>> import graphflow as tf
    >>> from graphflow.compiler.passes import fuse_epilogue
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     x = tf.compat.v1.placeholder(tf.float32, [4, 3], name="x")
    ...     y = tf.nn.relu(tf.matmul(x, tf.ones((3, 2))) + tf.ones(2))
    >>> g.inputs, g.outputs = [x], [y]
    >>> new, stats = fuse_epilogue.run(g)
    >>> [n.attrs["cluster"].name for n in new.nodes if n.type == "fused"]
    ['fused_matmul_add_relu']
"""
from graphflow.compiler import fused
from graphflow.compiler.rewrite import consumers, output_ids

NAME = "fuse_epilogue"
DESCRIPTION = "fuse matmul + bias + activation into one BLAS call and an in-place epilogue"


def _single_user(t, uses, outs):
    users = uses.get(id(t), [])
    if len(users) != 1 or id(t) in outs:
        return None
    return users[0]


def run(graph):
    uses = consumers(graph)
    outs = output_ids(graph)
    clusters = []
    taken = set()  # an elementwise node joins at most one epilogue (add(matmul, matmul))
    for node in graph.nodes:
        if node.kind != "matmul" or not node.outputs[0].dtype.is_floating:
            continue
        chain = [node]
        current = node.outputs[0]
        while True:
            user = _single_user(current, uses, outs)
            if user is None or id(user) in taken or not fused.can_fuse_elementwise(user):
                break
            if not (user.outputs[0].shape == node.outputs[0].shape
                    or user.outputs[0].shape.dims_tuple() == node.outputs[0].shape.dims_tuple()):
                break
            if user.outputs[0].dtype is not node.outputs[0].dtype:
                break  # the epilogue rewrites the product's own buffer: a comparison cannot
            chain.append(user)
            current = user.outputs[0]
            if id(current) in outs:
                break
        if len(chain) > 1:
            # Elementwise producers used only by the chain (e.g. the relu mask of a backward
            # pass) are computed inside the epilogue too.
            chain = fused.grow_producers(
                chain, uses, lambda n: fused.can_fuse_elementwise(n) and id(n) not in taken
                and n.index > node.index)
        if len(chain) > 1 and fused.emitted_in_order(chain, uses, outs) and \
                fused.is_convex(graph, chain, uses):
            clusters.append((fused.MATMUL, chain))
            taken.update(id(n) for n in chain)
    new, count = fused.apply_clusters(graph, clusters)
    return new, {"clusters": count}
