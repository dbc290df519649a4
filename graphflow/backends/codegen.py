"""Rendering a KernelPlan (compiler/kernel_plan.py) as Python source for numba.njit
(`render_cpu`), and the scalar functions kernels may call.

    >>> from graphflow.backends import codegen
    >>> codegen.FUNCTION_CALL.findall("exp(a0) + asin(a1)")
    ['exp', 'asin']
"""
import hashlib
import re

from graphflow.compiler.kernel_plan import (  # noqa: F401 - the plan is part of the interface
    ASSIGNS, KernelPlan, Statement, build_statements, classify, plan_epilogue, plan_kernel)
from graphflow.errors import UnimplementedError

# -- statements -----------------------------------------------------------------------------------

_FUNCTIONS = ("exp", "expm1", "log", "log1p", "sqrt", "sin", "cos", "tanh", "sigmoid", "erf",
              "floor", "ceil", "rint", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh",
              "asinh", "acosh", "atanh", "lgamma", "erfc", "digamma", "bessel_i0e", "bessel_i1e")
BINARY_FUNCTIONS = ("atan2",)  # the ones taking two arguments
# A call of one of them in a scalar template (whole names: "sin(" is not a call in "asin(").
FUNCTION_CALL = re.compile(r"\b(" + "|".join(_FUNCTIONS) + r")\(")


# -- rendering for numba.njit -------------------------------------------------------------------

def _render_statement(st):
    values = {"ZERO": f"ZERO_{st.consts_dtype}", "ONE": f"ONE_{st.consts_dtype}",
              "INF": f"INF_{st.consts_dtype}"}
    if st.var is not None:
        values["var"] = f"vcur_{st.target}"
    expr = st.template.format(*st.operands, **values)
    # math functions resolve per dtype: exp -> exp_float32
    expr = FUNCTION_CALL.sub(lambda m: f"{m.group(1)}_{st.consts_dtype}(", expr)
    if st.dtype == "bool":
        # A cast to bool is the template "{0}": the value must become x != 0 here (a float
        # operand left as is would flow on as a number, or fail in a later `&`).
        return (f"{st.target} = {expr}" if st.consts_dtype == "bool"
                else f"{st.target} = bool({expr})")
    return f"{st.target} = np.{st.dtype}({expr})"


def _constants(dtypes_used):
    lines = []
    for d in sorted(dtypes_used):
        if d == "bool":
            lines += ["ZERO_bool = False", "ONE_bool = True"]
            continue
        lines += [f"ZERO_{d} = np.{d}(0)", f"ONE_{d} = np.{d}(1)"]
        if d.startswith("float"):
            lines.append(f"INF_{d} = np.{d}(np.inf)")
    return lines


class _Writer:
    def __init__(self):
        self.lines = []

    def __call__(self, depth, text):
        self.lines.append("    " * depth + text)


def _element_body(w, depth, plan, index_of):
    """Loads of full/row/variable inputs, then the statements, at one element."""
    for name, cls, _ in plan.inputs:
        if cls in index_of:
            w(depth, f"{name} = {name}_a[{index_of[cls]}]")
        elif cls.startswith("var:"):
            w(depth, f"{name} = v_{cls[4:]}[i]")
    for st in plan.statements:
        if st.var is not None and "{var}" in st.template:
            w(depth, f"vcur_{st.target} = v_{st.target}[i]")
        w(depth, _render_statement(st))


def _col_loads(w, depth, plan):
    for name, cls, _ in plan.inputs:
        if cls == "col":
            w(depth, f"{name} = {name}_c[o]")


def render_cpu(plan, parallel):
    """(source, function name): the kernel as Python source for numba.njit."""
    fn = plan.name
    loop = "prange" if parallel else "range"
    # Arrays arrive with their own shapes (C-contiguous) and are flattened inside the kernel,
    # which costs nothing there, instead of by reshape calls in Python on every run.
    flat = [name for name, _ in plan.array_arguments()]
    w = _Writer()
    w(0, f"def {fn}({', '.join(['outer', 'inner'] + [a + '_nd' for a in flat])}):")
    for a in flat:
        w(1, f"{a} = {a}_nd.ravel()")
    for name, cls, _ in plan.inputs:
        if cls == "scalar":
            w(1, f"{name} = {name}_s[0]")
    dtypes_used = {d for _, _, d in plan.inputs} | {d for _, d in plan.outputs}
    dtypes_used |= {st.consts_dtype for st in plan.statements} | {st.dtype for st in plan.statements}
    if plan.mode in ("flat", "grid"):
        if plan.mode == "flat":
            w(1, f"for i in {loop}(outer * inner):")
            depth, index_of = 2, {"full": "i"}
        else:
            w(1, f"for o in {loop}(outer):")
            _col_loads(w, 2, plan)
            w(2, "for j in range(inner):")
            w(3, "i = o * inner + j")
            depth, index_of = 3, {"full": "i", "row": "j"}
        _element_body(w, depth, plan, index_of)
        for k, res in enumerate(plan.results):
            w(depth, f"{plan.output_into[k] or f'out_{k}'}[i] = {res}")
        for name, _, _ in plan.variables:
            w(depth, f"v_{name}[i] = {name}")
    else:
        red = plan.reduction
        out_dtype = plan.outputs[0][1]
        acc = "float64" if out_dtype.startswith("float") else out_dtype
        dtypes_used.add(acc)
        init = red["init"].format(ZERO=f"ZERO_{acc}", INF=f"INF_{acc}")
        combine = red["combine"]
        if plan.mode == "reduce_inner":
            w(1, f"for o in {loop}(outer):")
            _col_loads(w, 2, plan)
            w(2, f"acc = {init}")
            w(2, "for j in range(inner):")
            w(3, "i = o * inner + j")
            _element_body(w, 3, plan, {"full": "i", "row": "j"})
            w(3, f"v = np.{acc}({red['value']})")
            w(3, "acc = " + combine.format(acc="acc", v="v"))
            w(2, f"out_0[o] = {'acc / inner' if red['mean'] else 'acc'}")
        elif plan.mode == "reduce_outer":
            w(1, f"acc_row = np.empty(inner, dtype=np.{acc})")
            w(1, "for j in range(inner):")
            w(2, f"acc_row[j] = {init}")
            w(1, "for o in range(outer):")
            _col_loads(w, 2, plan)
            w(2, "for j in range(inner):")
            w(3, "i = o * inner + j")
            _element_body(w, 3, plan, {"full": "i", "row": "j"})
            w(3, f"v = np.{acc}({red['value']})")
            w(3, "acc = acc_row[j]")
            w(3, "acc_row[j] = " + combine.format(acc="acc", v="v"))
            w(1, "for j in range(inner):")
            w(2, f"out_0[j] = {'acc_row[j] / outer' if red['mean'] else 'acc_row[j]'}")
        else:
            raise UnimplementedError(f"kernel mode {plan.mode!r}")
    functions = sorted({f"{f}_{st.consts_dtype}" for st in plan.statements
                        for f in FUNCTION_CALL.findall(st.template)})
    header = [f'"""graphflow kernel {fn}: generated from a fused cluster; do not edit."""',
              "import numpy as np", "from numba import njit, prange"]
    if functions:
        header.append("from graphflow.backends.kernel_math import " + ", ".join(functions))
    # contract: FMA where it helps (safe for the fastmath functions; no reassociation or nnan)
    decorator = (f"@njit(cache=True, error_model='numpy', parallel={bool(parallel)}, nogil=True, "
                 "fastmath={'contract'})")
    source = "\n".join(header + [""] + _constants(dtypes_used) + ["", "", decorator]
                       + w.lines) + "\n"
    return source, fn


def source_key(source):
    return hashlib.sha256(source.encode()).hexdigest()[:20]
