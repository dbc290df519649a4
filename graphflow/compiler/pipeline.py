"""The pass pipeline: named passes run in order, each switchable globally
(`graphflow.config.optimizer.set_experimental_options({"fuse_elementwise": False})`) or per
function (`graphflow.function(f, optimizer_options={...})`), with an optional debug mode that
validates the graph after every pass.

    >>> from graphflow.compiler.pipeline import PASS_NAMES
    >>> PASS_NAMES[:3]
    ('prune', 'drop_saved', 'constant_fold')
"""
import time

from graphflow.compiler.passes import (
    constant_fold, cse, drop_saved, expand_index_ops, fuse_elementwise, fuse_epilogue,
    fuse_reduction, fuse_update, prune, schedule_collectives, simplify)
from graphflow.context import context
from graphflow.errors import InvalidArgumentError

# Order matters: cleanups first (pruning again once folding has orphaned nodes), then index ops
# rewritten as elementwise math and reductions (on the cleaned graph, for the fusions to take
# in), then the fusions from most to least specific; last, the collectives are placed on the
# final graph's steps (so that fusion cannot pull a computation back behind a wait).
PASSES = (prune, drop_saved, constant_fold, simplify, cse, prune, expand_index_ops,
          fuse_epilogue, fuse_update, fuse_reduction, fuse_elementwise, schedule_collectives)
PASS_NAMES = tuple(dict.fromkeys(p.NAME for p in PASSES))
DEBUG_OPTION = "verify_after_each_pass"


class PassReport:
    """What one pass did: its statistics, the node counts around it and its time."""

    def __init__(self, name, stats, nodes_before, nodes_after, seconds):
        self.name, self.stats = name, stats
        self.nodes_before, self.nodes_after, self.seconds = nodes_before, nodes_after, seconds

    def __repr__(self):
        stats = ", ".join(f"{k}={v}" for k, v in self.stats.items())
        return (f"{self.name:<17} {self.nodes_before:>4} -> {self.nodes_after:<4} nodes  "
                f"{self.seconds * 1e3:6.1f} ms  {stats}")


def resolve_options(overrides=None):
    """{pass name: enabled} from the defaults, the global config and per-function overrides."""
    options = {name: True for name in PASS_NAMES}
    options[DEBUG_OPTION] = False
    for source in (context.optimizer_options, overrides or {}):
        for name, value in source.items():
            if name not in options:
                raise InvalidArgumentError(
                    f"Unknown optimizer option {name!r}; known: {sorted(options)}")
            options[name] = bool(value)
    return options


def optimize(graph, overrides=None, facts=None):
    """Runs the enabled passes; returns (optimized graph, [PassReport]). `facts` holds what
    passes need to know about the target (a pass lists the names it takes in FACTS), e.g.
    {"unsupported_dtypes": ("float16",)}: the compiler itself never asks a backend."""
    options = resolve_options(overrides)
    facts = facts or {}
    reports = []
    for p in PASSES:
        if not options[p.NAME]:
            continue
        start = time.perf_counter()
        before = len(graph.nodes)
        wanted = {k: facts[k] for k in getattr(p, "FACTS", ()) if k in facts}
        graph, stats = p.run(graph, **wanted)
        reports.append(PassReport(p.NAME, stats, before, len(graph.nodes),
                                  time.perf_counter() - start))
        if options[DEBUG_OPTION]:
            verify(graph, p.NAME)
    return graph, reports


def verify(graph, after):
    """Structural checks: acyclic, inputs from this graph, interface tensors present."""
    try:
        graph.validate()
    except InvalidArgumentError as e:
        raise InvalidArgumentError(f"graph invalid after pass {after!r}: {e}") from None
    names = {n.name for n in graph.nodes}
    if len(names) != len(graph.nodes):
        raise InvalidArgumentError(f"graph invalid after pass {after!r}: duplicate node names")
    for t in list(graph.inputs) + list(graph.outputs):
        if t.node.graph is not graph:
            raise InvalidArgumentError(
                f"graph invalid after pass {after!r}: interface tensor {t.name} is not in the graph")
    for n in graph.targets:
        if n.graph is not graph:
            raise InvalidArgumentError(f"graph invalid after pass {after!r}: target {n.name} lost")
