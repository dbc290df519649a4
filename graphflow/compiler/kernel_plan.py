"""From a fused cluster and concrete input shapes to a target-neutral kernel description
(KernelPlan): the loop structure, how each input is indexed, and the statements. The targets
render it (backends/codegen.py for numba.njit, backends/numba_cuda.py for numba.cuda.jit).

Kernels depend on structure and dtypes, never on sizes: sizes are arguments, so one compiled
kernel serves every shape (and every model) with the same structure.

Input classes, relative to the iteration shape split as (outer, inner):
  full   - the input has the iteration shape: x[i]
  scalar - one element, loaded once before the loops: x[0]
  row    - varies only over the inner dims (e.g. a bias): x[j]
  col    - varies only over the outer dims (e.g. a per-row max): x[o]

    >>> from graphflow.compiler.kernel_plan import classify
    >>> classify((128, 512), [(128, 512), (512,), (), (128, 1)])
    (1, ['full', 'row', 'scalar', 'col'])
"""
import numpy as np

from graphflow.compiler import fused
from graphflow.errors import UnimplementedError
from graphflow.ops.state import ASSIGNS


# -- broadcast classes ----------------------------------------------------------------------------


def _prod(dims):
    n = 1
    for d in dims:
        n *= d
    return n


def _class_at(shape, in_shape, k):
    """The class of an input of `in_shape` against `shape` split at axis k, or None."""
    if _prod(in_shape) == 1:
        return "scalar"
    padded = (1,) * (len(shape) - len(in_shape)) + tuple(in_shape)
    if padded == tuple(shape):
        return "full"
    outer, inner = shape[:k], shape[k:]
    if padded[:k] == (1,) * k and padded[k:] == tuple(inner):
        return "row"
    if padded[k:] == (1,) * (len(shape) - k) and padded[:k] == tuple(outer):
        return "col"
    return None


def classify(shape, in_shapes, split=None):
    """(k, classes): a split of `shape` into outer = shape[:k], inner = shape[k:] under which
    every input is full, scalar, row or col; k is fixed when `split` is given. Inputs that fit
    no class under any split come back as 'materialize' (broadcast into a full copy first)."""
    shape = tuple(shape)
    candidates = [split] if split is not None else list(range(len(shape) + 1))
    best = None
    for k in candidates:
        classes = [_class_at(shape, s, k) for s in in_shapes]
        misses = sum(c is None for c in classes)
        if best is None or misses < best[0]:
            best = (misses, k, classes)
        if misses == 0:
            break
    _, k, classes = best
    return k, [c or "materialize" for c in classes]


class Statement:
    """target = cast<dtype>(template(operands)); operands are names of earlier values."""

    __slots__ = ("target", "template", "operands", "dtype", "var", "consts_dtype")

    def __init__(self, target, template, operands, dtype, consts_dtype, var=None):
        self.target, self.template, self.operands = target, template, operands
        self.dtype, self.consts_dtype, self.var = dtype, consts_dtype, var


def _arg_name(name, cls):
    return {"scalar": f"{name}_s", "col": f"{name}_c"}.get(cls, f"{name}_a")


class KernelPlan:
    """Everything needed to render and call one kernel.

    mode: "flat" (one loop over all elements), "grid" (outer x inner loops), "reduce_inner"
    (reduce the inner dims per outer index) or "reduce_outer" (reduce the outer dims).
    inputs: [(name, class, dtype)], in call order; outputs: [(name, dtype)]; variables:
    [(name, dtype)] updated in place (passed as current value and destination).
    """

    def __init__(self, name, mode, inputs, outputs, variables, statements, results,
                 reduction=None, output_into=None):
        self.name, self.mode = name, mode
        self.inputs, self.outputs, self.variables = inputs, outputs, variables
        self.statements, self.results, self.reduction = statements, results, reduction
        self.output_into = output_into or [None] * len(outputs)

    def array_arguments(self):
        """(parameter name, dtype) of every array argument, in call order."""
        args = [(_arg_name(n, c), d) for n, c, d in self.inputs if not c.startswith("var:")]
        args += [(f"v_{n}", d) for n, d, _ in self.variables]
        args += [(f"out_{k}", d) for k, (_, d) in enumerate(self.outputs)
                 if self.output_into[k] is None]
        return args

    def signature(self):
        return (self.mode, tuple(self.inputs), tuple(self.outputs), tuple(self.variables))


def _dtype_name(t):
    return t.dtype.name


def build_statements(body, skip=()):
    """SSA statements for the body's elementwise nodes (and assigns), in program order.

    Returns (statements, names): names maps id(body tensor) -> value name."""
    names = {}
    for i, p in enumerate(body.inputs):
        names[id(p)] = f"a{i}"
    statements = []
    for node in body.nodes:
        if node.type == "placeholder" or id(node) in skip:
            continue
        template = node.opdef.scalar
        if template is None or node.kind == "reduction":
            continue
        target = f"t{len(statements)}"
        var = None
        if node.type in ASSIGNS:
            var = node.attrs["var"]
        operands = [names[id(t)] for t in node.inputs]
        consts = node.inputs[0].dtype.name if node.inputs else node.outputs[0].dtype.name
        statements.append(Statement(target, template, operands, node.outputs[0].dtype.name,
                                    consts, var))
        names[id(node.outputs[0])] = target
    return statements, names


def plan_kernel(cluster, in_shapes, body_shapes, var_inputs=None):
    """The KernelPlan of an elementwise, update or reduction cluster for concrete shapes.

    body_shapes: {id(body tensor): concrete shape}. var_inputs: {input index: Variable} for
    inputs that are reads of a variable this kernel assigns: they are loaded from the variable's
    own array (the one the kernel writes in place), so no two arguments alias each other and the
    loop vectorizes. Returns (plan, call) where call describes the runtime arguments: sizes and
    which inputs need materializing."""
    body = cluster.body
    if cluster.kind == fused.REDUCTION:
        return _plan_reduction(cluster, in_shapes, body_shapes)
    if cluster.kind == fused.UPDATE:
        sinks = [n for n in body.nodes if n.type in ASSIGNS]
        shape = tuple(sinks[0].attrs["var"].shape.as_list())
    else:
        shape = tuple(body_shapes[id(body.outputs[0])])
    statements, names = build_statements(body)
    k, classes = classify(shape, in_shapes)
    mode = "flat" if all(c in ("full", "scalar", "materialize") for c in classes) else "grid"
    if mode == "flat":
        classes = ["full" if c == "materialize" else c for c in classes]
        materialize = [c == "full" and tuple(s) != shape and _prod(s) != 1
                       for c, s in zip(classes, in_shapes)]
    else:
        materialize = [c == "materialize" for c in classes]
        classes = ["full" if c == "materialize" else c for c in classes]
    variables = []  # (statement target, dtype, whether it reads the current value)
    target_of = {}
    for st in statements:
        if st.var is not None:
            variables.append((st.target, st.var.dtype.name, "{var}" in st.template))
            target_of[id(st.var)] = st.target
    for i, var in (var_inputs or {}).items():
        if id(var) in target_of and classes[i] == "full" and not materialize[i]:
            classes[i] = "var:" + target_of[id(var)]
    inputs = [(f"a{i}", c, p.dtype.name) for i, (c, p) in enumerate(zip(classes, body.inputs))]
    results = [names[id(t)] for t in body.outputs if t.node.type not in ASSIGNS]
    outputs = [(names[id(t)], t.dtype.name) for t in body.outputs if t.node.type not in ASSIGNS]
    plan = KernelPlan(cluster.name, mode, inputs, outputs, variables, statements, results)
    return plan, _call(shape, k, mode, materialize)


def _call(shape, k, mode, materialize):
    """How to call the kernel: the loop sizes (flat kernels use outer = size, inner = 1)."""
    if mode == "flat":
        outer, inner = _prod(shape), 1
    else:
        outer, inner = _prod(shape[:k]), _prod(shape[k:])
    return {"shape": shape, "split": k, "materialize": materialize, "outer": outer, "inner": inner}


def plan_epilogue(cluster, body_shapes):
    """The in-place elementwise kernel applied to a matmul's output (a MATMUL cluster).

    Returns (plan, call, used): `used` lists the cluster inputs the epilogue reads, in kernel
    argument order; the matmul result is passed last, as both input and output."""
    body = cluster.body
    mm = body.nodes[len(body.inputs)]
    names = {}
    used = []
    for i, p in enumerate(body.inputs):
        readers = [n for n in body.nodes if n is not mm and any(t is p for t in n.inputs)]
        if readers:
            names[id(p)] = f"a{len(used)}"
            used.append(i)
    names[id(mm.outputs[0])] = "m"
    statements = []
    for node in body.nodes[len(body.inputs) + 1:]:
        target = f"t{len(statements)}"
        statements.append(Statement(target, node.opdef.scalar, [names[id(t)] for t in node.inputs],
                                    node.outputs[0].dtype.name, node.inputs[0].dtype.name))
        names[id(node.outputs[0])] = target
    shape = tuple(body_shapes[id(mm.outputs[0])])
    in_shapes = [body_shapes[id(body.inputs[i])] for i in used]
    k, classes = classify(shape, in_shapes)
    mode = "grid" if any(c in ("row", "col") for c in classes) else "flat"
    materialize = [c == "materialize" for c in classes]
    classes = ["full" if c == "materialize" else c for c in classes]
    dtype = mm.outputs[0].dtype.name
    inputs = [(f"a{j}", c, body.inputs[i].dtype.name) for j, (i, c) in enumerate(zip(used, classes))]
    inputs.append(("m", "full", dtype))
    out = body.outputs[0]
    plan = KernelPlan(cluster.name, mode, inputs, [(names[id(out)], dtype)], [], statements,
                      [names[id(out)]], output_into=["m_a"])
    return plan, _call(shape, k, mode, materialize), used


# The reductions generated kernels compute besides the ops' own scalar forms (float sum, mean,
# max and min: those the fusion pass fuses, on every target): (dtype kinds, initial accumulator,
# combine), used by the CUDA plan for lone reductions, so that no hand-written kernel is needed
# for them. all and any are the bitwise and / or of bools; unbroadcast is a sum. argmax and
# argmin are not here: they carry an index besides the value, which one accumulator cannot (their
# CUDA kernels are hand-written, backends/cuda_kernels.py).
_MAX = "({acc} if ({acc} >= {v} or {acc} != {acc}) else {v})"  # NaN propagates, as in NumPy
_MIN = "({acc} if ({acc} <= {v} or {acc} != {acc}) else {v})"
REDUCTION_FORMS = {
    "reduce_sum": ("iu", "{ZERO}", "{acc} + {v}"),
    "unbroadcast": ("fiu", "{ZERO}", "{acc} + {v}"),
    "reduce_prod": ("fiu", "{ONE}", "{acc} * {v}"),
    "reduce_max": ("iu", "{LOWEST}", _MAX),
    "reduce_min": ("iu", "{HIGHEST}", _MIN),
    "reduce_all": ("b", "{ONE}", "({acc} & {v})"),
    "reduce_any": ("b", "{ZERO}", "({acc} | {v})"),
}


def reduction_form(op, kind):
    """(initial accumulator, combine) of a generated reduction computing `op` (an OpDef) over
    inputs of this dtype kind, or None when no generated kernel can.

        >>> from graphflow.ops.registry import REGISTRY
        >>> reduction_form(REGISTRY["reduce_all"], "b")
        ('{ONE}', '({acc} & {v})')
        >>> reduction_form(REGISTRY["argmax"], "f") is None
        True
    """
    if op.scalar is not None and op.kind == fused.REDUCTION and kind in op.scalar_kinds:
        return op.scalar
    kinds, init, combine = REDUCTION_FORMS.get(op.name, ("", None, None))
    return (init, combine) if kind in kinds else None


def plan_reduce(op_name, dtype, out_dtype, mode="reduce_inner"):
    """The KernelPlan reducing the inner (mode "reduce_inner") or outer ("reduce_outer") part
    of one array of `dtype` with the op `op_name` (one with a reduction_form) into `out_dtype`.

        >>> plan_reduce("reduce_prod", "int32", "int32").reduction["init"]
        '{ONE}'
    """
    from graphflow.ops.registry import REGISTRY
    form = reduction_form(REGISTRY[op_name], np.dtype(dtype).kind)
    if form is None:
        raise UnimplementedError(f"no generated kernel for {op_name} of {dtype}")
    reduction = {"op": op_name, "value": "a0", "init": form[0], "combine": form[1],
                 "mean": op_name == "reduce_mean"}
    return KernelPlan(fused.kernel_name([op_name]), mode, [("a0", "full", dtype)],
                      [("acc", out_dtype)], [], [], ["acc"], reduction)


def _plan_reduction(cluster, in_shapes, body_shapes):
    body = cluster.body
    red = [n for n in body.nodes if n.kind == "reduction"]
    if len(red) != 1 or body.outputs[0] is not red[0].outputs[0]:
        raise UnimplementedError(f"{cluster.name}: unsupported reduction cluster")
    red = red[0]
    src = red.inputs[0]
    form = reduction_form(red.opdef, src.dtype.np.kind)
    if form is None or "axis" not in red.attrs:
        raise UnimplementedError(f"{cluster.name}: no generated kernel for {red.type} of "
                                 f"{src.dtype.name}")
    shape = tuple(body_shapes[id(src)])
    rank = len(shape)
    axes = tuple(range(rank)) if red.attrs["axis"] is None else tuple(red.attrs["axis"])
    if axes == tuple(range(rank - len(axes), rank)):
        mode, k = "reduce_inner", rank - len(axes)
    elif axes == tuple(range(len(axes))):
        mode, k = "reduce_outer", len(axes)
    else:
        raise UnimplementedError(f"{cluster.name}: reduction over axes {axes} of {shape}")
    statements, names = build_statements(body, skip={id(red)})
    _, classes = classify(shape, in_shapes, split=k)
    materialize = [c == "materialize" for c in classes]
    classes = ["full" if c == "materialize" else c for c in classes]
    inputs = [(f"a{i}", c, p.dtype.name) for i, (c, p) in enumerate(zip(classes, body.inputs))]
    out = body.outputs[0]
    reduction = {"op": red.type, "value": names[id(src)], "init": form[0], "combine": form[1],
                 "mean": red.type == "reduce_mean"}
    plan = KernelPlan(cluster.name, mode, inputs, [("acc", out.dtype.name)], [], statements,
                      ["acc"], reduction)
    return plan, _call(shape, k, mode, materialize)
