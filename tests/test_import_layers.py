"""Issue 14: graphflow's packages import one way. Every module's imports -- at module level and
inside functions, found by walking its syntax tree -- must go to its own layer or a lower one,
in this order:

    0  errors, dtypes, context, utils, distribute/communicator.py (the MPI transport)
                                                (no graphflow imports but each other)
    1  tensor                                   (the Tensor types)
    2  graph IR (graph/ir.py)
    3  ops (the registry, dispatch, every op; graph/builder.py and graph/variables.py)
    4  autodiff
    5  compiler (passes, plan, the target interface)
    6  backends (the targets, which register themselves with the layers below)
    7  function, session, autograph, devices, config
    8  keras, compat, data, visualize, bench, io, distribute, summary, checkpoint, module, train,
       saved_model
       and the public namespaces (graphflow/__init__, math, linalg, image, bitwise, strings, ragged,
       sparse, debugging, testing)

A lower layer reaches an upper one only through a hook the upper layer installs (e.g. the ops
registry's GPU hook, set by the CUDA target). There is also no import cycle at all (function-level
imports included), between modules of one layer as well.
"""
import ast
import functools
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "graphflow"

LAYERS = [
    ("errors", "dtypes", "context", "utils", "distribute.communicator"),
    ("tensor",),
    ("graph.ir",),
    ("ops", "graph.builder", "graph.variables"),
    ("autodiff",),
    ("compiler",),
    ("backends",),
    ("graph.function", "graph.session", "autograph", "devices", "config"),
    ("", "keras", "compat", "data", "visualize", "bench", "io", "math", "linalg", "image",
     "bitwise", "strings", "ragged", "sparse", "debugging", "testing", "graph", "distribute",
     "summary", "checkpoint", "module", "train", "nest", "lookup", "signal", "saved_model",
     "audio", "sets"),
]


def module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules():
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module):
    """The layer of a module: that of the longest prefix in LAYERS."""
    rest = module[len("graphflow."):] if module.startswith("graphflow.") else ""
    best = None
    for rank, names in enumerate(LAYERS):
        for name in names:
            if name == "" and rest == "" or name and (rest == name or rest.startswith(name + ".")):
                if best is None or len(name) > best[1]:
                    best = (rank, len(name))
    if best is None:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS")
    return best[0]


def _type_checking_only(node, parents):
    for p in parents:
        if isinstance(p, ast.If) and "TYPE_CHECKING" in ast.unparse(p.test):
            return True
    return False


def imports(module, path, known):
    """[(imported graphflow module, line)] of one module, function-level imports included."""
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []

    def resolve(name):
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    def visit(node, parents):
        if isinstance(node, (ast.Import, ast.ImportFrom)) and not _type_checking_only(node,
                                                                                       parents):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[:len(anchor) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                           for a in node.names]
            for t in targets:
                if t == "graphflow" or t.startswith("graphflow."):
                    target = resolve(t)
                    if target and target != module:
                        found.append((target, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child, parents + [node])
    visit(tree, [])
    return found


@functools.lru_cache(maxsize=1)
def import_graph():
    known = modules()
    return {m: imports(m, p, known) for m, p in known.items()}


def violations(graph):
    out = []
    for module, edges in graph.items():
        for target, line in edges:
            if layer(target) > layer(module):
                out.append(f"{module}:{line} imports {target} "
                           f"(layer {layer(module)} -> {layer(target)})")
    return sorted(set(out))


def cycles(graph):
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, result = {}, {}, [], set(), []
    counter = [0]
    edges = {m: sorted({t for t, _ in e}) for m, e in graph.items()}

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    import sys
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10000))
    try:
        for v in sorted(edges):
            if v not in index:
                strong(v)
    finally:
        sys.setrecursionlimit(limit)
    return sorted(result)


def test_every_module_has_a_layer():
    for module in modules():
        layer(module)


def test_imports_go_one_way():
    found = violations(import_graph())
    assert not found, f"{len(found)} imports against the layer order:\n" + "\n".join(found)


# Cycles that remain inside one layer (modules reaching each other through function-level
# imports), to be untangled by their packages' owners. A cycle is allowed only inside one of
# these groups; any other, or one that reaches a module outside its group, fails.
KNOWN_CYCLE_GROUPS = [
    ("graphflow.ops.", "graphflow.graph.builder", "graphflow.graph.variables"),
    ("graphflow.data.",),
    ("graphflow.keras.",),
]


def _in_group(component, group):
    return all(any(m == g or (g.endswith(".") and m.startswith(g)) for g in group)
               for m in component)


def test_no_import_cycles():
    found = [c for c in cycles(import_graph())
             if not any(_in_group(c, g) for g in KNOWN_CYCLE_GROUPS)]
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_no_import_cycles_in_compiler_backends_and_runtime():
    """The layers this issue restructured have no cycle at all, not even inside one layer."""
    found = cycles(import_graph())
    assert not [c for c in found if any(m.startswith(("graphflow.compiler", "graphflow.backends",
                                                      "graphflow.devices", "graphflow.tensor",
                                                      "graphflow.graph.ir", "graphflow.context"))
                                        for m in c)], found


def test_the_checker_sees_function_level_and_relative_imports(tmp_path):
    known = {"graphflow.ops.x": None, "graphflow.ops": None, "graphflow.compiler.lower": None,
             "graphflow.compiler": None, "graphflow.tensor": None}
    src = tmp_path / "x.py"
    src.write_text("def f():\n    from graphflow.compiler import lower\n"
                   "from . import x\nfrom ..tensor import Tensor\n")
    found = imports("graphflow.ops.x", src, known)
    assert ("graphflow.compiler.lower", 2) in found and ("graphflow.tensor", 4) in found
    assert violations({"graphflow.ops.x": found}) == [
        "graphflow.ops.x:2 imports graphflow.compiler.lower (layer 3 -> 5)"]
    assert cycles({"a": [("b", 1)], "b": [("a", 1)], "c": [("a", 1)]}) == [["a", "b"]]
