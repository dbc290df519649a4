"""Overlap of the all-reduce with the computation around it: each `collective_all_reduce_start`
moves up to just after the nodes computing its inputs, each `collective_all_reduce_wait` down to
just before the first node reading its results, so that a bucket of gradients is exchanged
while the backward pass computes the next ones (Horovod's and PyTorch DDP's overlap).

A start reads its inputs when it runs, so it never moves above a node that writes state (an
assign, an optimizer update cluster, a control-flow node); starts keep their order among
themselves (MPI matches collectives by order, and every rank schedules the same graph the same
way), and so do waits. A graph whose collectives feed one another is left as it is.

    >>> import graphflow as tf
    >>> from graphflow.compiler.passes import schedule_collectives
    >>> from graphflow.ops.collective import all_reduce
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     x = tf.compat.v1.placeholder(tf.float32, [2], name="x")
    ...     a = tf.exp(x)
    ...     b = tf.sin(a) * 2.0
    ...     (r,) = all_reduce([a], "sum", group_size=1)
    ...     out = b + r
    >>> g.inputs, g.outputs = [x], [out]
    >>> new, stats = schedule_collectives.run(g)
    >>> [n.type for n in new.nodes]  # doctest: +NORMALIZE_WHITESPACE
    ['placeholder', 'exp', 'collective_all_reduce_start', 'sin', 'const', 'multiply',
     'collective_all_reduce_wait', 'add']
    >>> stats
    {'starts_moved': 1, 'waits_moved': 0}
"""
from graphflow.compiler.fused import keeps_its_place
from graphflow.compiler.rewrite import Rewriter

NAME = "schedule_collectives"
DESCRIPTION = ("start each all-reduce right after its inputs are computed, wait for it right "
               "before its result is read")
START, WAIT = "collective_all_reduce_start", "collective_all_reduce_wait"


def _writes_state(node):
    """Whether a start may not move above this node (it may change what the start reads)."""
    if node.type in ("read_variable", START, WAIT):
        return False
    return keeps_its_place(node) and node.kind != "random" or bool(node.opdef.bodies)


def run(graph):
    collectives = [n for n in graph.nodes if n.type in (START, WAIT)]
    if not collectives:
        return graph, {"starts_moved": 0, "waits_moved": 0}
    base = [n for n in graph.nodes if n.type not in (START, WAIT)]
    position = {id(n): i for i, n in enumerate(base)}
    # gap g: before base[g]; where each collective sits now, and the earliest a start may go
    now, floor, seen, barrier = {}, {}, 0, 0
    for n in graph.nodes:
        if n.type in (START, WAIT):
            now[id(n)], floor[id(n)] = seen, barrier
        else:
            seen += 1
            if _writes_state(n):
                barrier = seen
    readers = {}
    for n in base:
        for t in n.inputs:
            readers.setdefault(id(t.node), []).append(position[id(n)])
    gap = {}
    previous = 0
    for n in collectives:
        if n.type == START:
            after = [position[id(t.node)] + 1 for t in n.inputs if id(t.node) in position]
            previous = gap[id(n)] = max([previous, floor[id(n)]] + after)
    following = len(base)
    for n in reversed(collectives):
        if n.type == WAIT:
            following = gap[id(n)] = min([following] + readers.get(id(n), []))
    slots = [([], []) for _ in range(len(base) + 1)]
    for n in collectives:
        slots[gap[id(n)]][n.type == WAIT].append(n)
    order = []
    for g, (starts, waits) in enumerate(slots):
        order += starts + waits
        if g < len(base):
            order.append(base[g])
    done = set()
    for n in order:  # a start fed by a wait (collectives feeding one another): leave the graph
        if any(id(t.node) not in done for t in n.inputs):
            return graph, {"starts_moved": 0, "waits_moved": 0}
        done.add(id(n))
    rw = Rewriter(graph)
    for n in order:
        rw.copy(n)
    stats = {"starts_moved": sum(gap[id(n)] != now[id(n)] for n in collectives if n.type == START),
             "waits_moved": sum(gap[id(n)] != now[id(n)] for n in collectives if n.type == WAIT)}
    return rw.finish(), stats
