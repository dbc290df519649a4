"""The CPU dialect of the kernel renderer (backends/render.py): a KernelPlan as Python source for
numba.njit (`render_cpu`), calling the scalar functions of kernel_math.

    >>> from graphflow.backends import codegen
    >>> st = codegen.Statement("t0", "({0} * {0})", ["a0"], "float32", "float32")
    >>> plan = codegen.KernelPlan("square", "flat", [("a0", "full", "float32")],
    ...                           [("t0", "float32")], [], [st], ["t0"])
    >>> source, fn = codegen.render_cpu(plan, parallel=False)
    >>> fn, "        t0 = np.float32((a0 * a0))" in source.splitlines()
    ('square', True)
"""
import hashlib

from graphflow.backends import render
from graphflow.compiler.kernel_plan import (  # noqa: F401 - the plan is part of the interface
    KernelPlan, Statement, build_statements, classify, plan_epilogue, plan_kernel)

FUNCTION_CALL = render.FUNCTION_CALL


class CpuDialect(render.Dialect):
    """numba.njit loops: serial (or prange) loops over C-contiguous arrays flattened inside the
    kernel, the grid as nested outer/inner loops (no division per element, so LLVM vectorizes
    the inner loop), reductions with one accumulator per output."""

    name = "Numba CPU"
    functions = dict.fromkeys(render.FUNCTIONS)  # all in kernel_math, imported by name

    def __init__(self, parallel):
        self.loop = "prange" if parallel else "range"
        self.parallel = bool(parallel)

    def signature(self, w, plan, fn, params):
        # contract: FMA where it helps (safe for the fastmath functions; no reassociation or nnan)
        w(0, f"@njit(cache=True, error_model='numpy', parallel={self.parallel}, nogil=True, "
             "fastmath={'contract'})")
        # Arrays arrive with their own shapes (C-contiguous) and are flattened here, which costs
        # nothing, instead of by reshape calls in Python on every run.
        w(0, f"def {fn}({', '.join(params[:2] + [a + '_nd' for a in params[2:]])}):")
        for a in params[2:]:
            w(1, f"{a} = {a}_nd.ravel()")
        render.scalar_loads(w, 1, plan.inputs)

    def elementwise(self, w, plan):
        if plan.mode == "flat":
            w(1, f"for i in {self.loop}(outer * inner):")
            depth = 2
        else:
            w(1, f"for o in {self.loop}(outer):")
            render.col_loads(w, 2, plan.inputs)
            w(2, "for j in range(inner):")
            w(3, "i = o * inner + j")
            depth = 3
        render.element_body(w, depth, plan)
        render.stores(w, depth, plan)

    def reduce_inner(self, w, plan, acc):
        w(1, f"for o in {self.loop}(outer):")
        render.col_loads(w, 2, plan.inputs)
        w(2, f"acc = {render.reduction_init(plan, acc)}")
        w(2, "for j in range(inner):")
        render.accumulate(w, 3, plan, acc)
        w(2, f"out_0[o] = {render.mean(plan, 'acc', 'inner')}")

    def reduce_outer(self, w, plan, acc):
        # a row of accumulators, so the outer loop reads memory in order
        w(1, f"acc_row = np.empty(inner, dtype=np.{acc})")
        w(1, "for j in range(inner):")
        w(2, f"acc_row[j] = {render.reduction_init(plan, acc)}")
        w(1, "for o in range(outer):")
        render.col_loads(w, 2, plan.inputs)
        w(2, "for j in range(inner):")
        w(3, "acc = acc_row[j]")
        render.accumulate(w, 3, plan, acc)
        w(3, "acc_row[j] = acc")
        w(1, "for j in range(inner):")
        w(2, f"out_0[j] = {render.mean(plan, 'acc_row[j]', 'outer')}")

    def module(self, fn, dtypes, functions, lines):
        header = [f'"""graphflow kernel {fn}: generated from a fused cluster; do not edit."""',
                  "import numpy as np", "from numba import njit, prange"]
        if functions:
            header.append("from graphflow.backends.kernel_math import "
                          + ", ".join(sorted(f"{f}_{d}" for f, d in functions)))
        return "\n".join(header + [""] + render.constants(dtypes) + ["", ""] + lines) + "\n"


def render_cpu(plan, parallel):
    """(source, function name): the kernel as Python source for numba.njit."""
    return render.render(plan, CpuDialect(parallel))


def source_key(source):
    return hashlib.sha256(source.encode()).hexdigest()[:20]
