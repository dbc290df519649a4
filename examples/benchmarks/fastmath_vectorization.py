"""Does graphflow.backends.fastmath make exp-heavy Numba loops memory-bound?

On N float32 values (default 10M), measures GB/s (bytes = read x + write y = 8 bytes/element) of
  * np.copyto(y, x): the copy-bandwidth ceiling, measured in the same run;
  * an njit loop y[i] = fastmath.exp_f32(x[i]);
  * the same loop with math.exp (a scalar libm call per element: llvmlite has no SVML);
  * np.exp(x, out=y) (NumPy's own SIMD exp);
  * the motivating fused kernel y = max(x*1.5 + 0.25, 0)*0.5 + sigmoid(x), with fastmath's
    sigmoid_f32 (compiled without and with fastmath={"contract"}, i.e. FMA), with a math.exp
    sigmoid, and as the NumPy expression (several passes over memory).
Each figure is the median of --repeats runs; the variants are run alternately (round-robin) so
that frequency or noisy-neighbour drift affects them equally. It then inspects the generated
assembly of the loops and reports whether each was vectorized (packed float arithmetic on
ymm/zmm registers, and no call per element).

Run: python examples/benchmarks/fastmath_vectorization.py [--n 10000000] [--repeats 9]
"""
import argparse
import json
import math
import re
import statistics
import time

import numba
import numpy as np

from graphflow.backends.fastmath import exp_f32, sigmoid_f32

_A, _B, _H, _ZERO, _ONE = (np.float32(1.5), np.float32(0.25), np.float32(0.5), np.float32(0.0),
                           np.float32(1.0))


@numba.njit
def exp_fastmath(x, y):
    for i in range(x.size):
        y[i] = exp_f32(x[i])


@numba.njit
def exp_libm(x, y):
    for i in range(x.size):
        y[i] = math.exp(x[i])


@numba.njit
def fused_fastmath(x, y):
    for i in range(x.size):
        v = x[i]
        y[i] = max(v * _A + _B, _ZERO) * _H + sigmoid_f32(v)


@numba.njit(fastmath={"contract"})  # lets LLVM use FMA; safe for fastmath's functions
def fused_fastmath_fma(x, y):
    for i in range(x.size):
        v = x[i]
        y[i] = max(v * _A + _B, _ZERO) * _H + sigmoid_f32(v)


@numba.njit
def fused_libm(x, y):
    for i in range(x.size):
        v = x[i]
        y[i] = max(v * _A + _B, _ZERO) * _H + _ONE / (_ONE + np.float32(math.exp(-v)))


def fused_numpy(x, y):
    np.add(np.maximum(x * _A + _B, _ZERO) * _H, _ONE / (_ONE + np.exp(-x)), out=y)


VARIANTS = {
    "np.copyto (bandwidth)": lambda x, y: np.copyto(y, x),
    "njit loop, fastmath.exp_f32": exp_fastmath,
    "njit loop, math.exp": exp_libm,
    "np.exp(x, out=y)": lambda x, y: np.exp(x, out=y),
    "fused, fastmath.sigmoid_f32": fused_fastmath,
    "fused, sigmoid_f32 + FMA": fused_fastmath_fma,
    "fused, math.exp sigmoid": fused_libm,
    "fused, NumPy expression": fused_numpy,
}
NJIT_LOOPS = {"exp_fastmath": exp_fastmath, "exp_libm": exp_libm,
              "fused_fastmath": fused_fastmath, "fused_fastmath_fma": fused_fastmath_fma,
              "fused_libm": fused_libm}
PACKED_FLOAT_OP = re.compile(
    r"^\s*v(?:add|sub|mul|div|max|min|fn?m(?:add|sub)\d*)ps\s[^\n]*%([yz]mm)", re.M)
# Without SVML, LLVM's vector exp/log intrinsics are lowered to one libm call per lane.
LIBM_CALL = re.compile(r"call [^@\n]*@((?:llvm\.)?(?:exp|expm1|log|log1p|tanh|erf)f?(?:\.\w+)?)\(")


def vectorization(dispatcher):
    """(vectorized?, description) from the dispatcher's x86 assembly and LLVM IR: vectorized
    means packed float arithmetic on ymm/zmm registers and no per-element libm call."""
    signature = dispatcher.signatures[0]
    registers = PACKED_FLOAT_OP.findall(dispatcher.inspect_asm(signature))
    libm = sorted(set(LIBM_CALL.findall(dispatcher.inspect_llvm(signature))))
    widest = "zmm" if "zmm" in registers else "ymm" if registers else "-"
    vectorized = len(registers) >= 4 and not libm
    return vectorized, (f"{len(registers)} packed float ops on ymm/zmm (widest {widest}); "
                        f"libm calls: {', '.join(libm) or 'none'}")


def measure(n, repeats):
    rng = np.random.default_rng(0)
    x = rng.uniform(-10, 10, n).astype(np.float32)
    y = np.empty_like(x)
    for fn in VARIANTS.values():  # compile, fault in pages
        fn(x, y)
    times = {name: [] for name in VARIANTS}
    for _ in range(repeats):
        for name, fn in VARIANTS.items():
            start = time.perf_counter()
            fn(x, y)
            times[name].append(time.perf_counter() - start)
    exp_fastmath(x, y)
    max_rel = float(np.max(np.abs(y / np.exp(x.astype(np.float64)) - 1)))
    return {name: statistics.median(t) for name, t in times.items()}, max_rel


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()

    medians, max_rel = measure(args.n, args.repeats)
    nbytes = 8 * args.n
    copy_gbs = nbytes / medians["np.copyto (bandwidth)"] / 1e9
    print(f"{args.n:,} float32, bytes = read x + write y = {nbytes / 1e6:.0f} MB, "
          f"median of {args.repeats} alternating runs")
    print(f"{'variant':<30} {'ms':>8} {'GB/s':>8} {'vs copy':>8}")
    rows = []
    for name, seconds in medians.items():
        gbs = nbytes / seconds / 1e9
        rows.append({"variant": name, "ms": round(seconds * 1e3, 2), "GB_per_s": round(gbs, 2),
                     "fraction_of_copy": round(gbs / copy_gbs, 3)})
        print(f"{name:<30} {seconds * 1e3:8.2f} {gbs:8.2f} {gbs / copy_gbs:8.2f}")
    print(f"exp_f32 max relative error vs float64 exp on these inputs: {max_rel:.2e}")

    print("\nvectorization (from dispatcher.inspect_asm() and inspect_llvm()):")
    report = {}
    for name, dispatcher in NJIT_LOOPS.items():
        vectorized, detail = vectorization(dispatcher)
        report[name] = vectorized
        print(f"  {name:<18} {'VECTORIZED' if vectorized else 'scalar':<11} {detail}")
    print(json.dumps({"fastmath_vectorization": rows, "vectorized": report}))


if __name__ == "__main__":
    main()
