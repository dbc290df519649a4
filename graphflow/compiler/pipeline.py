"""The pass pipeline: named passes run in order, each switchable globally
(`graphflow.config.optimizer.set_experimental_options({"fuse_elementwise": False})`) or per
function (`graphflow.function(f, optimizer_options={...})`), with an optional debug mode that
validates the graph after every pass.

The bodies of control-flow nodes go through the same passes (compiler/bodies.py; option
`optimize_bodies`), in two stages so that values can leave nested loops: first every body,
innermost first, is cleaned up (folding, simplification, CSE) and loop invariants are hoisted
out of it into the graph around it (`hoist_invariants`), which is cleaned up again; only then
are the graph and its bodies fused. Last, `schedule_collectives` places the all-reduce starts
and waits of the final graph (distributed training).

    >>> from graphflow.compiler.pipeline import PASS_NAMES
    >>> PASS_NAMES[:3]
    ('prune', 'drop_saved', 'constant_fold')
"""
import time

from graphflow.compiler import bodies
from graphflow.compiler.passes import (
    constant_fold, cse, drop_saved, expand_index_ops, fuse_elementwise, fuse_epilogue,
    fuse_reduction, fuse_update, hoist_invariants, prune, schedule_collectives, simplify)
from graphflow.context import context
from graphflow.errors import InvalidArgumentError

# Order matters: cleanups first (pruning again once folding has orphaned nodes), then index ops
# rewritten as elementwise math and reductions (on the cleaned graph, for the fusions to take
# in), then the fusions from most to least specific; last, the collectives are placed on the
# final graph's steps (so that fusion cannot pull a computation back behind a wait).
CLEANUP = (prune, drop_saved, constant_fold, simplify, cse, prune)
LOWERING = (expand_index_ops, fuse_epilogue, fuse_update, fuse_reduction, fuse_elementwise)
FINAL = (schedule_collectives,)
PASSES = CLEANUP + (hoist_invariants,) + LOWERING + FINAL
BODIES_OPTION = "optimize_bodies"  # run the passes inside control-flow bodies too
PASS_NAMES = tuple(dict.fromkeys([p.NAME for p in CLEANUP] + [BODIES_OPTION] +
                                 [p.NAME for p in PASSES[len(CLEANUP):]]))
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
    {"unsupported_dtypes": ("float16",)}: the compiler itself never asks a backend. The reports
    are those of the graph's own passes, and one per stage of its bodies' (all bodies, nested
    ones included, in one report)."""
    options = resolve_options(overrides)
    facts = facts or {}
    reports = []
    graph = _prepare(graph, options, facts, reports)
    graph = _lower(graph, options, facts, reports)
    return _run(graph, FINAL, options, facts, reports)[0], reports


def _prepare(graph, options, facts, reports):
    """The cleanups, then the bodies' (recursively) and the hoisting of loop invariants out
    of them into this graph, which is cleaned up again when something moved."""
    graph, _ = _run(graph, CLEANUP, options, facts, reports)
    if options[BODIES_OPTION]:
        graph = _in_bodies(graph, lambda g: _prepare(g, options, facts, None), reports)
    graph, stats = _run(graph, (hoist_invariants,), options, facts, reports)
    if stats and stats[0]["hoisted"]:  # the moved nodes may repeat ones already here
        graph, _ = _run(graph, (cse, prune), options, facts, reports)
    return graph


def _lower(graph, options, facts, reports):
    """The fusions (and the rewrites that feed them), in this graph and its bodies."""
    graph, _ = _run(graph, LOWERING, options, facts, reports)
    if options[BODIES_OPTION]:
        graph = _in_bodies(graph, lambda g: _lower(g, options, facts, None), reports)
    return graph


def _in_bodies(graph, optimize_graph, reports):
    start = time.perf_counter()
    new, count = bodies.map_bodies(graph, optimize_graph)
    if reports is not None and count:
        reports.append(PassReport(BODIES_OPTION, {"bodies": count}, len(graph.nodes),
                                  len(new.nodes), time.perf_counter() - start))
    return new


def _run(graph, passes, options, facts, reports):
    """Runs the enabled ones of `passes` in order (reports: None inside bodies); returns the
    graph and the statistics of each pass run."""
    all_stats = []
    for p in passes:
        if not options[p.NAME]:
            continue
        start = time.perf_counter()
        before = len(graph.nodes)
        wanted = {k: facts[k] for k in getattr(p, "FACTS", ()) if k in facts}
        graph, stats = p.run(graph, **wanted)
        all_stats.append(stats)
        if reports is not None:
            reports.append(PassReport(p.NAME, stats, before, len(graph.nodes),
                                      time.perf_counter() - start))
        if options[DEBUG_OPTION]:
            verify(graph, p.NAME)
    return graph, all_stats


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
