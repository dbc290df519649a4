"""The CUDA dialect of the kernel renderer (backends/render.py): KernelPlans as Python source for
numba.cuda.jit, and the tiled matmul kernel with its fused epilogue. numba_cuda.render_cuda and
numba_cuda.render_matmul use it with the device's launch sizes.

Statements are rendered as on the CPU; the scalar functions (exp -> exp_float32) are device
functions over `math.*` defined in the generated module from the table below. They guard the
inputs where Python's math raises instead of returning inf/nan (the simulator runs them as
Python); on a GPU the guards are a compare and a select, and they give the IEEE answers the CPU
kernels give. float16 values compute in float32.

    >>> from graphflow.backends import cuda_dialect, render
    >>> st = render.Statement("t0", "sigmoid({0})", ["a0"], "float32", "float32")
    >>> plan = render.KernelPlan("k", "flat", [("a0", "full", "float32")], [("t0", "float32")],
    ...                          [], [st], ["t0"])
    >>> source, _ = render.render(plan, cuda_dialect.CudaDialect(reduce_threads=32))
    >>> [line for line in source.splitlines() if line.startswith("def ")]
    ['def exp_float32(x):', 'def sigmoid_float32(x):', 'def k(outer, inner, a0_a, out_0):']
"""
import textwrap

from graphflow.backends import render, special_math
from graphflow.errors import UnimplementedError

MATMUL_DTYPES = ("float32", "float64", "int32", "int64")

# Device functions by name, over a value x of dtype {d}, computed in {c} (float32 for float16
# and float32, else float64).
_MATH = {
    "exp": """
        y = {c}(x)
        if y > EXP_LIMIT_{c}:
            return INF_{c}
        return {c}(math.exp(y))""",
    "expm1": """
        y = {c}(x)
        if y > EXP_LIMIT_{c}:
            return INF_{c}
        return {c}(math.expm1(y))""",
    "log": """
        y = {c}(x)
        if y > ZERO_{c}:
            return {c}(math.log(y))
        if y == ZERO_{c}:
            return -INF_{c}
        return NAN_{c}""",
    "log1p": """
        y = {c}(x)
        if y > -ONE_{c}:
            return {c}(math.log1p(y))
        if y == -ONE_{c}:
            return -INF_{c}
        return NAN_{c}""",
    "sqrt": """
        y = {c}(x)
        if y >= ZERO_{c}:
            return {c}(math.sqrt(y))
        return NAN_{c}""",
    "sin": """
        y = {c}(x)
        if not abs(y) < INF_{c}:  # inf or nan
            return NAN_{c}
        return {c}(math.sin(y))""",
    "cos": """
        y = {c}(x)
        if not abs(y) < INF_{c}:  # inf or nan
            return NAN_{c}
        return {c}(math.cos(y))""",
    "tanh": """
        return {c}(math.tanh({c}(x)))""",
    "erf": """
        return {c}(math.erf({c}(x)))""",
    "sigmoid": """
        y = {c}(x)
        if y >= ZERO_{c}:  # exp of a non-positive number never overflows
            return ONE_{c} / (ONE_{c} + exp_{d}(-y))
        e = exp_{d}(y)
        return e / (ONE_{c} + e)""",
    # Rounding keeps the sign of x (floor(-0.0) is -0.0, ceil(-0.5) is -0.0, as in NumPy).
    "floor": """
        y = {c}(x)
        if not abs(y) < INF_{c}:  # inf or nan
            return y
        return {c}(math.copysign({c}(math.floor(y)), y))""",
    "ceil": """
        y = {c}(x)
        if not abs(y) < INF_{c}:  # inf or nan
            return y
        return {c}(math.copysign({c}(math.ceil(y)), y))""",
    "rint": """
        y = {c}(x)
        if not abs(y) < INF_{c}:  # inf or nan
            return y
        r = {c}(math.floor(y))
        frac = y - r  # exact
        odd = {c}(math.floor(r * HALF_{c})) * TWO_{c} != r
        if frac > HALF_{c} or (frac == HALF_{c} and odd):  # half to even, like np.rint
            r = r + ONE_{c}
        return {c}(math.copysign(r, y))""",
    "tan": """
        y = {c}(x)
        if not abs(y) < INF_{c}:  # inf or nan
            return NAN_{c}
        return {c}(math.tan(y))""",
    "asin": """
        y = {c}(x)
        if abs(y) <= ONE_{c}:
            return {c}(math.asin(y))
        return NAN_{c}""",
    "acos": """
        y = {c}(x)
        if abs(y) <= ONE_{c}:
            return {c}(math.acos(y))
        return NAN_{c}""",
    "atan": """
        return {c}(math.atan({c}(x)))""",
    "atan2": """
        return {c}(math.atan2({c}(x), {c}(x2)))""",
    "sinh": """
        y = {c}(x)
        if y > SINH_LIMIT_{c}:
            return INF_{c}
        if y < -SINH_LIMIT_{c}:
            return -INF_{c}
        return {c}(math.sinh(y))""",
    "cosh": """
        y = {c}(x)
        if abs(y) > SINH_LIMIT_{c}:
            return INF_{c}
        return {c}(math.cosh(y))""",
    "asinh": """
        return {c}(math.asinh({c}(x)))""",
    "acosh": """
        y = {c}(x)
        if y >= ONE_{c}:
            return {c}(math.acosh(y))
        return NAN_{c}""",
    "atanh": """
        y = {c}(x)
        if abs(y) < ONE_{c}:
            return {c}(math.atanh(y))
        if y == ONE_{c}:
            return INF_{c}
        if y == -ONE_{c}:
            return -INF_{c}
        return NAN_{c}""",
    # lgamma is +inf at its poles (0, the negative integers, -inf), where Python's math raises.
    "lgamma": """
        y = {c}(x)
        if y == -INF_{c} or y > LGAMMA_LIMIT_{c}:
            return INF_{c}
        if y <= ZERO_{c} and y % ONE_{c} == ZERO_{c}:
            return INF_{c}
        return {c}(math.lgamma(y))""",
    "erfc": """
        return {c}(math.erfc({c}(x)))""",
    # The special functions of special_math.py, as device functions of the generated module.
    "digamma": """
        return {c}(digamma_device(np.float64(x)))""",
    "bessel_i0e": """
        return {c}(bessel_i0e_device(np.float64(x)))""",
    "bessel_i1e": """
        return {c}(bessel_i1e_device(np.float64(x)))""",
    # C's fmod (truncatemod): NaN for a zero divisor or an infinite dividend, x for an
    # infinite divisor (Python's math.fmod, which the simulator runs, raises for the first).
    "fmod": """
        y = {c}(x)
        z = {c}(x2)
        if z == ZERO_{c} or not abs(y) < INF_{c} or z != z:
            return NAN_{c}
        if not abs(z) < INF_{c}:
            return y
        return {c}(math.fmod(y, z))""",
}
_MATH_NEEDS = {"sigmoid": ("exp",)}
_MATH_PARAMS = {"atan2": "x, x2", "fmod": "x, x2"}
assert set(_MATH) == set(render.FUNCTIONS), "the CUDA table defines every scalar function"


def _compute_dtype(dtype):
    return "float32" if dtype in ("float16", "float32") else "float64"


# The extra float constants the device functions use: the largest x whose exp(x) is finite, the
# largest |x| whose sinh(x) and cosh(x) are, and the largest x whose lgamma(x) is (float16 and
# float32 compute in float32, where lgamma of any finite value is finite enough).
_CONSTANTS = {
    "NAN": dict.fromkeys(("float16", "float32", "float64"), "np.nan"),
    "HALF": dict.fromkeys(("float16", "float32", "float64"), "0.5"),
    "TWO": dict.fromkeys(("float16", "float32", "float64"), "2"),
    "EXP_LIMIT": {"float16": "11.089", "float32": "88.72283", "float64": "709.782712893384"},
    "SINH_LIMIT": {"float16": "11.7835", "float32": "89.41598", "float64": "710.4758600739439"},
    "LGAMMA_LIMIT": {"float16": "np.inf", "float32": "np.inf", "float64": "2.556348e305"},
}


def _storage(dtype):
    # NVVM rejects the half-precision literals numba emits for float16 globals, so float16
    # constants are float32 values (all exact in float16; each statement casts back).
    return "float32" if dtype == "float16" else dtype


def _math_source(functions):
    """The device functions called (with the ones they call first)."""
    ordered = []
    for f, d in functions:
        for g in _MATH_NEEDS.get(f, ()) + (f,):
            if (g, d) not in ordered:
                ordered.append((g, d))
    lines = []
    special = sorted({f for f, _ in ordered if f in special_math.FUNCTIONS})
    if special:
        lines += ["", "from graphflow.backends import special_math"]
        lines += [f"{f}_device = cuda.jit(device=True)(special_math.{f})" for f in special]
    for f, d in ordered:
        c = _compute_dtype(d)
        body = textwrap.dedent(_MATH[f]).strip("\n").replace("{c}(", "np.{c}(").format(d=d, c=c)
        lines += ["", "", "@cuda.jit(device=True)", f"def {f}_{d}({_MATH_PARAMS.get(f, 'x')}):"]
        lines += textwrap.indent(body, "    ").splitlines()
    return lines


class CudaDialect(render.Dialect):
    """numba.cuda.jit kernels over flattened (1-D, C order) arrays.

    "flat" and "grid" kernels are grid-stride loops over all outer * inner elements (grid also
    computes o = i // inner and j = i % inner for col and row inputs); variables are read and
    written in place through their `v_<target>` arrays. "reduce_inner" gives each outer index to
    one block (of at most `reduce_threads` threads), whose threads stride over the inner
    elements and combine their partial results by a tree in shared memory; "reduce_outer" gives
    each thread its own columns j and loops over the outer indices. Float reductions accumulate
    in float64, as on the CPU."""

    name = "CUDA"
    functions = _MATH

    def __init__(self, reduce_threads):
        self.reduce_threads = reduce_threads

    def signature(self, w, plan, fn, params):
        w(0, "@cuda.jit(cache=True)")
        w(0, f"def {fn}({', '.join(params)}):")
        render.scalar_loads(w, 1, plan.inputs)

    def elementwise(self, w, plan):
        w(1, "for i in range(cuda.grid(1), outer * inner, cuda.gridsize(1)):")
        if plan.mode == "grid":
            _grid_indexes(w, 2, plan.inputs)
        render.element_body(w, 2, plan)
        render.stores(w, 2, plan)

    def reduce_inner(self, w, plan, acc):
        out = plan.outputs[0][1]
        numba_type = "boolean" if acc == "bool" else acc
        w(1, f"partial = cuda.shared.array({self.reduce_threads}, numba.{numba_type})  # the "
             "largest block reduce_config launches")
        w(1, "tid = cuda.threadIdx.x")
        w(1, "threads = cuda.blockDim.x  # a power of two")
        w(1, "for o in range(cuda.blockIdx.x, outer, cuda.gridDim.x):  # the same trips for the "
             "block")
        render.col_loads(w, 2, plan.inputs)
        w(2, f"acc = {render.reduction_init(plan, acc)}")
        w(2, "for j in range(tid, inner, threads):")
        render.accumulate(w, 3, plan, acc)
        w(2, "partial[tid] = acc")
        w(2, "cuda.syncthreads()")
        w(2, "step = threads // 2")
        w(2, "while step > 0:")
        w(3, "if tid < step:")
        w(4, "left = partial[tid]")
        w(4, "right = partial[tid + step]")
        w(4, "partial[tid] = " + render.combine(plan, "left", "right"))
        w(3, "cuda.syncthreads()")
        w(3, "step //= 2")
        w(2, "if tid == 0:")
        w(3, f"out_0[o] = {render.cast(out, render.mean(plan, 'partial[0]', 'inner'))}")
        w(2, "cuda.syncthreads()  # partial[0] is read before the next row overwrites it")

    def reduce_outer(self, w, plan, acc):
        w(1, "for j in range(cuda.grid(1), inner, cuda.gridsize(1)):")
        w(2, f"acc = {render.reduction_init(plan, acc)}")
        w(2, "for o in range(outer):")
        render.col_loads(w, 3, plan.inputs)
        render.accumulate(w, 3, plan, acc)
        w(2, f"out_0[j] = {render.cast(plan.outputs[0][1], render.mean(plan, 'acc', 'outer'))}")

    def module(self, fn, dtypes, functions, lines, prelude=()):
        dtypes = set(dtypes) | {_compute_dtype(d) for _, d in functions}
        header = [f'"""graphflow CUDA kernel {fn}: generated; do not edit."""', "import math", "",
                  "import numpy as np", "from numba import cuda", "import numba", ""]
        return "\n".join(header + render.constants(dtypes, _storage, _CONSTANTS)
                         + _math_source(functions) + ["", ""] + list(prelude) + lines) + "\n"


def _grid_indexes(w, depth, inputs):
    w(depth, "o = i // inner")
    w(depth, "j = i - o * inner")
    render.col_loads(w, depth, inputs)


def render_matmul(transpose_a, transpose_b, dtype, epilogue, tile):
    """(source, function name) of a tiled matmul kernel, with an optional fused epilogue.

    The kernel computes out[b] = op(A[b]) @ op(B[b]) for each batch b: a tile x tile block of
    threads owns a tile x tile block of the output (grid-stride over batch x row tiles x column
    tiles) and walks the K dimension a tile at a time, staging a tile of each operand in shared
    memory. Transposed operands are handled in the loads, which always read consecutive
    addresses with consecutive threads (coalesced); the tiles are padded by one column so the
    transposed stores hit distinct shared-memory banks. The epilogue (a KernelPlan from
    kernel_plan.plan_epilogue, whose last input is the product `m`) runs on each output element
    in registers before the single store.

        >>> from graphflow.backends import cuda_dialect
        >>> cuda_dialect.render_matmul(False, True, "float32", None, 4)[1]
        'matmul_nt_float32'
    """
    if dtype not in MATMUL_DTYPES:
        raise UnimplementedError(f"CUDA matmul: dtype {dtype} (supported: {MATMUL_DTYPES})")
    fn = f"matmul_{'t' if transpose_a else 'n'}{'t' if transpose_b else 'n'}_{dtype}"
    dialect = CudaDialect(None)
    ep_args, dtypes, functions = [], {dtype}, []
    if epilogue is not None:
        fn += "_" + epilogue.name
        ep_args = [name for name, _ in epilogue.array_arguments()[:-1]]  # the product is last
        dtypes = render.dtypes_used(epilogue, [dtype])
        functions = render.functions_used(epilogue.statements, _MATH, "CUDA")
    w = render.Writer()
    w(0, "@cuda.jit(cache=True)")
    params = ["batch", "rows", "cols", "depth", "a_step", "b_step", "inner", "mat_a", "mat_b",
              "mat_out"] + ep_args
    w(0, f"def {fn}({', '.join(params)}):")
    w(1, f"tile_a = cuda.shared.array((TILE, TILE_PAD), numba.{dtype})  # [row, k] of op(A)")
    w(1, f"tile_b = cuda.shared.array((TILE, TILE_PAD), numba.{dtype})  # [k, col] of op(B)")
    w(1, "tx = cuda.threadIdx.x")
    w(1, "ty = cuda.threadIdx.y")
    w(1, "tiles_m = (rows + TILE - 1) // TILE")
    w(1, "tiles_n = (cols + TILE - 1) // TILE")
    w(1, "per_batch = tiles_m * tiles_n")
    if epilogue is not None:
        render.scalar_loads(w, 1, epilogue.inputs[:-1])
    w(1, "for t in range(cuda.blockIdx.x, batch * per_batch, cuda.gridDim.x):  # block-uniform")
    w(2, "bi = t // per_batch")
    w(2, "r0 = (t - bi * per_batch) // tiles_n * TILE")
    w(2, "c0 = (t - bi * per_batch) % tiles_n * TILE")
    w(2, "row = r0 + ty")
    w(2, "col = c0 + tx")
    w(2, "a_base = bi * a_step")
    w(2, "b_base = bi * b_step")
    w(2, f"acc = ZERO_{dtype}")
    w(2, "for k0 in range(0, depth, TILE):")
    # (stored layout: the threads along x read consecutive addresses)
    loads = {  # operand, transposed -> (condition, shared index, global address)
        ("a", True): ("r0 + tx < rows and k0 + ty < depth", "tx, ty",
                      "a_base + (k0 + ty) * rows + r0 + tx"),           # (depth, rows)
        ("a", False): ("row < rows and k0 + tx < depth", "ty, tx",
                       "a_base + row * depth + k0 + tx"),               # (rows, depth)
        ("b", True): ("c0 + ty < cols and k0 + tx < depth", "tx, ty",
                      "b_base + (c0 + ty) * depth + k0 + tx"),          # (cols, depth)
        ("b", False): ("k0 + ty < depth and col < cols", "ty, tx",
                       "b_base + (k0 + ty) * cols + col"),              # (depth, cols)
    }
    for operand, transposed in (("a", transpose_a), ("b", transpose_b)):
        condition, at, address = loads[operand, bool(transposed)]
        w(3, f"if {condition}:")
        w(4, f"tile_{operand}[{at}] = mat_{operand}[{address}]")
        w(3, "else:")
        w(4, f"tile_{operand}[{at}] = ZERO_{dtype}")
    w(3, "cuda.syncthreads()")
    w(3, "for kk in range(TILE):")
    w(4, "acc += tile_a[ty, kk] * tile_b[kk, tx]")
    w(3, "cuda.syncthreads()  # the tiles are overwritten next")
    w(2, "if row < rows and col < cols:")
    w(3, "i = bi * rows * cols + row * cols + col")
    if epilogue is None:
        w(3, f"mat_out[i] = np.{dtype}(acc)")
    else:
        w(3, f"m = np.{dtype}(acc)")
        if epilogue.mode == "grid":
            _grid_indexes(w, 3, epilogue.inputs[:-1])
        render.element_body(w, 3, epilogue, epilogue.inputs[:-1])
        w(3, f"mat_out[i] = {epilogue.results[0]}")
    prelude = [f"TILE = {tile}", f"TILE_PAD = {tile + 1}  # a padding column: no bank conflicts "
               "on stores", ""]
    return dialect.module(fn, dtypes, functions, w.lines, prelude), fn
