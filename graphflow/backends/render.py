"""The one kernel renderer: a KernelPlan (compiler/kernel_plan.py) as Python source, written in
a dialect. The statements, loads, stores, constants and reduction steps are the same for every
target; a Dialect supplies what differs: the decorator and module header, the loops (njit
`range`/`prange` on the CPU, grid-stride loops and shared-memory trees under cuda.jit) and its
table of scalar functions. codegen.CPU and numba_cuda.CUDA are the two dialects.

    >>> from graphflow.backends import render
    >>> render.FUNCTION_CALL.findall("exp(a0) + asin(a1)")
    ['exp', 'asin']
    >>> st = render.Statement("t0", "exp(({0} * {ONE}))", ["a0"], "float32", "float32")
    >>> render.statement(st)
    't0 = np.float32(exp_float32((a0 * ONE_float32)))'
"""
import re

import numpy as np

from graphflow.compiler.kernel_plan import KernelPlan, Statement  # noqa: F401 - the interface
from graphflow.errors import UnimplementedError

# The scalar functions statement templates may call; every dialect's table defines each of them
# per float dtype as `<name>_<dtype>`.
FUNCTIONS = ("exp", "expm1", "log", "log1p", "sqrt", "sin", "cos", "tanh", "sigmoid", "erf",
             "floor", "ceil", "rint", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh",
             "asinh", "acosh", "atanh", "lgamma", "erfc", "digamma", "bessel_i0e", "bessel_i1e",
             "fmod")
BINARY_FUNCTIONS = ("atan2", "fmod")  # the ones taking two arguments
# A call of one of them in a scalar template (whole names: "sin(" is not a call in "asin(").
FUNCTION_CALL = re.compile(r"\b(" + "|".join(FUNCTIONS) + r")\(")


class Writer:
    """Collects indented source lines: w(depth, text)."""

    def __init__(self):
        self.lines = []

    def __call__(self, depth, text):
        self.lines.append("    " * depth + text)


def statement(st):
    """One statement as a line of kernel code. Constants are the typed globals ZERO_<dtype>, ...
    (see `constants`), and math functions resolve per dtype: exp -> exp_float32."""
    c = st.consts_dtype
    values = {"ZERO": f"ZERO_{c}", "ONE": f"ONE_{c}", "INF": f"INF_{c}"}
    if st.var is not None:
        values["var"] = f"vcur_{st.target}"
    expr = FUNCTION_CALL.sub(lambda m: f"{m.group(1)}_{c}(",
                             st.template.format(*st.operands, **values))
    if st.dtype == "bool":
        # A cast to bool is the template "{0}": the value must become x != 0 here (a float
        # operand left as is would flow on as a number, or fail in a later `&`).
        return f"{st.target} = {expr}" if c == "bool" else f"{st.target} = bool({expr})"
    return f"{st.target} = np.{st.dtype}({expr})"


def constants(dtypes, storage=None, extra=None):
    """Lines defining ZERO_<d>, ONE_<d> and (floats) INF_<d> for every dtype used, plus each
    `extra` name -> {dtype: literal} for floats. storage maps a dtype to the NumPy type its
    constants are stored as (default: itself)."""
    lines = []
    for d in sorted(dtypes):
        if d == "bool":
            lines += ["ZERO_bool = False", "ONE_bool = True"]
            continue
        t = storage(d) if storage else d
        lines += [f"ZERO_{d} = np.{t}(0)", f"ONE_{d} = np.{t}(1)"]
        if d.startswith("float"):
            lines.append(f"INF_{d} = np.{t}(np.inf)")
            lines += [f"{name}_{d} = np.{t}({values[d]})" for name, values in (extra or {}).items()]
    return lines


def functions_used(statements, table, target):
    """[(function, dtype)] the statements call, in order of first use; UnimplementedError names
    a function missing from the dialect's `table`."""
    used = []
    for st in statements:
        for f in FUNCTION_CALL.findall(st.template):
            if f not in table:
                raise UnimplementedError(f"{target} kernels: no scalar function {f!r} "
                                         f"(statement {st.target} = {st.template})")
            if (f, st.consts_dtype) not in used:
                used.append((f, st.consts_dtype))
    return used


def dtypes_used(plan, extra=()):
    """Every dtype a plan's values, constants and arrays have."""
    used = {d for _, _, d in plan.inputs} | {d for _, d in plan.outputs} | set(extra)
    used |= {d for _, d, *_ in plan.variables}
    return used | {d for st in plan.statements for d in (st.dtype, st.consts_dtype)}


def accumulator(plan):
    """The dtype a reduction accumulates in (float64 for floats, as NumPy's pairwise sums are
    nearly as accurate; 64-bit integers for integers; bool for all and any), or None for an
    elementwise plan."""
    if plan.reduction is None:
        return None
    out = plan.outputs[0][1]
    if out.startswith("float"):
        return "float64"
    return "uint64" if out.startswith("uint") else "int64" if out.startswith("int") else out


def scalar_loads(w, depth, inputs):
    for name, cls, _ in inputs:
        if cls == "scalar":
            w(depth, f"{name} = {name}_s[0]")


def col_loads(w, depth, inputs):
    for name, cls, _ in inputs:
        if cls == "col":
            w(depth, f"{name} = {name}_c[o]")


def element_body(w, depth, plan, inputs=None):
    """Loads of the full, row and variable inputs at element i (row index j), then the
    statements. `inputs` defaults to all the plan's (an epilogue leaves out its product)."""
    for name, cls, _ in plan.inputs if inputs is None else inputs:
        if cls == "full":
            w(depth, f"{name} = {name}_a[i]")
        elif cls == "row":
            w(depth, f"{name} = {name}_a[j]")
        elif cls.startswith("var:"):
            w(depth, f"{name} = v_{cls[4:]}[i]")
    for st in plan.statements:
        if st.var is not None and "{var}" in st.template:
            w(depth, f"vcur_{st.target} = v_{st.target}[i]")
        w(depth, statement(st))


def stores(w, depth, plan):
    """The results and the variables' new values at element i."""
    for k, res in enumerate(plan.results):
        w(depth, f"{plan.output_into[k] or f'out_{k}'}[i] = {res}")
    for name, _, _ in plan.variables:
        w(depth, f"v_{name}[i] = {name}")


def cast(dtype, expr):
    """`expr` converted to `dtype` (bool() for bools: np.bool exists only from NumPy 2)."""
    return f"bool({expr})" if dtype == "bool" else f"np.{dtype}({expr})"


def reduction_init(plan, acc):
    """The accumulator's first value: a constant, or the lowest / highest value of `acc`."""
    if acc.startswith("float"):
        lowest, highest = f"-INF_{acc}", f"INF_{acc}"
    elif acc == "bool":
        lowest, highest = "ZERO_bool", "ONE_bool"
    else:  # (the lowest int64 is written as an expression: its literal does not fit int64)
        info = np.iinfo(acc)
        lowest, highest = f"np.{acc}({info.min + 1} - 1)", f"np.{acc}({info.max})"
    return plan.reduction["init"].format(ZERO=f"ZERO_{acc}", ONE=f"ONE_{acc}", INF=f"INF_{acc}",
                                         LOWEST=lowest, HIGHEST=highest)


def combine(plan, left, right):
    return plan.reduction["combine"].format(acc=left, v=right)


def accumulate(w, depth, plan, acc):
    """One element of a reduction at (o, j) folded into `acc`."""
    w(depth, "i = o * inner + j")
    element_body(w, depth, plan)
    w(depth, f"v = {cast(acc, plan.reduction['value'])}")
    w(depth, "acc = " + combine(plan, "acc", "v"))


def mean(plan, value, count):
    return f"{value} / {count}" if plan.reduction["mean"] else value


class Dialect:
    """How one target writes kernels. Subclasses define:

    name             what error messages call the target
    functions        the scalar-function table: name -> whatever `module` needs to define it
    signature(w, plan, fn, params)            the decorator and def line (depth 0), and setup
    elementwise(w, plan)                      a flat or grid kernel's body
    reduce_inner(w, plan, acc), reduce_outer(w, plan, acc)
    module(fn, dtypes, functions, lines)      the whole source around the kernel's lines
    """

    name = "?"
    functions = {}


def render(plan, dialect):
    """(source, function name): the plan's kernel in `dialect`. The kernel takes
    (outer, inner, *arrays), the arrays in plan.array_arguments() order."""
    fn = plan.name
    acc = accumulator(plan)
    functions = functions_used(plan.statements, dialect.functions, dialect.name)
    w = Writer()
    dialect.signature(w, plan, fn, ["outer", "inner"] + [a for a, _ in plan.array_arguments()])
    if plan.mode in ("flat", "grid"):
        dialect.elementwise(w, plan)
    elif plan.mode == "reduce_inner":
        dialect.reduce_inner(w, plan, acc)
    elif plan.mode == "reduce_outer":
        dialect.reduce_outer(w, plan, acc)
    else:
        raise UnimplementedError(f"{fn}: {dialect.name} kernels have no mode {plan.mode!r}")
    return dialect.module(fn, dtypes_used(plan, [acc] if acc else []), functions, w.lines), fn
