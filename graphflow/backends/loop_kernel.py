"""Scalar while_loops as one generated numba.njit function: the counter, maximum_iterations,
the condition and the body all run in compiled code, with no Python per iteration.

The compiler describes the loop target-neutrally (compiler/control_flow.LoopKernelPlan: the
statements of the condition and the body, in the ops' scalar templates); this module renders it
with the fused kernels' statement renderer (backends/render.py): every statement rounds to its
op's dtype (`np.float32(...)`), math functions resolve per dtype to kernel_math's names (exp ->
exp_float32, fastmath.py's branch-free versions where they exist), and sources go through the
kernel cache (backends/kernel_cache.py), so a loop compiled once loads from disk in later
processes.

    >>> from graphflow.compiler.control_flow import LoopKernelPlan
    >>> from graphflow.compiler.kernel_plan import Statement
    >>> plan = LoopKernelPlan("while_demo", [("v0", "int32")], [("k0", "int32")],
    ...                       [Statement("t0", "({0} < {1})", ["v0", "k0"], "bool", "int32")],
    ...                       "t0", [Statement("t1", "({0} + {1})", ["v0", "k0"], "int32",
    ...                                        "int32")], ["t1"])
    >>> print(render(plan)[0].split("\\n\\n\\n")[1])
    @njit(cache=True, error_model='numpy', nogil=True, fastmath={'contract'})
    def while_demo(limit, v0, k0):
        n = 0
        while n < limit:
            t0 = bool((v0 < k0))
            if not t0:
                break
            t1 = np.int32((v0 + k0))
            v0 = t1
            n += 1
        return v0, n
    <BLANKLINE>
    >>> [int(v) for v in get_loop_kernel(plan)(2 ** 62, 1, 100)]  # (final v0, iterations)
    [101, 1]
"""
import hashlib
import re
import sys

from graphflow.backends import kernel_cache, render as shared
from graphflow.backends.numba_cpu import UNSUPPORTED_DTYPES, Kernel
from graphflow.compiler import targets
from graphflow.errors import UnimplementedError

def render(plan):
    """(source, function name) of the loop function: f(limit, *variables, *inputs) -> (the
    final variables..., the number of iterations run)."""
    fn = plan.name
    variables = [name for name, _ in plan.variables]
    statements = plan.cond + plan.body
    params = ["limit"] + variables + [name for name, _ in plan.inputs]
    body = [f"def {fn}({', '.join(params)}):", "    n = 0", "    while n < limit:"]
    body += [f"        {shared.statement(st)}" for st in plan.cond]
    body += [f"        if not {plan.pred}:", "            break"]
    body += [f"        {shared.statement(st)}" for st in plan.body]
    body.append(f"        {', '.join(variables)} = {', '.join(plan.results)}")
    body += ["        n += 1", f"    return {', '.join(variables)}, n"]
    functions = sorted({m for st in statements for m in (
        f"{f}_{st.consts_dtype}" for f in shared.FUNCTION_CALL.findall(st.template))})
    header = [f'"""graphflow loop kernel {fn}: generated from a while_loop; do not edit."""',
              "import numpy as np", "from numba import njit"]
    if functions:
        header.append("from graphflow.backends.kernel_math import " + ", ".join(functions))
    used = {st.consts_dtype for st in statements}
    decorator = "@njit(cache=True, error_model='numpy', nogil=True, fastmath={'contract'})"
    source = "\n".join(header + [""] + shared.constants(used) + ["", "", decorator] + body) + "\n"
    return source, fn


def get_loop_kernel(plan):
    """The Kernel (backends/numba_cpu.Kernel) of a LoopKernelPlan: from this process, the disk
    cache, or freshly compiled. Raises UnimplementedError for dtypes Numba cannot compile."""
    used = {d for _, d in plan.variables + plan.inputs}
    used |= {d for st in plan.cond + plan.body for d in (st.dtype, st.consts_dtype)}
    unsupported = sorted(used.intersection(UNSUPPORTED_DTYPES))
    if unsupported:
        raise UnimplementedError(f"Numba CPU loop kernels cannot use {unsupported[0]}")
    source, fn = render(plan)
    key = hashlib.sha256(source.encode()).hexdigest()[:20]

    def build():
        dispatcher, path = kernel_cache.CPU.function(source, fn, key)
        return Kernel(fn, source, path, dispatcher)

    return kernel_cache.CPU.get(key, build)


def arg_types(plan):
    """Numba types of the loop function's arguments: the limit, then the scalars."""
    import numpy as np
    from numba import types
    from numba.np.numpy_support import from_dtype
    return [types.int64] + [from_dtype(np.dtype(d)) for _, d in plan.variables + plan.inputs]


targets.register("cpu_loop", sys.modules[__name__])  # the compiler asks for it by name
