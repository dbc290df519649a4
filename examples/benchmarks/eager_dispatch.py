"""Eager dispatch cost: microseconds per `a + b` beside raw NumPy, measured in the same run.

Run: python examples/benchmarks/eager_dispatch.py [--repeats 7]
Prints a table and one JSON line. Overhead = graphflow time - NumPy time for the same add.
"""
import argparse
import json
import statistics
import time

import numpy as np

import graphflow as tf


def per_call_us(fn, n):
    fn()
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n * 1e6


def measure(shape, n, repeats):
    rng = np.random.default_rng(0)
    a_np = rng.standard_normal(shape).astype(np.float32)
    b_np = rng.standard_normal(shape).astype(np.float32)
    a, b = tf.constant(a_np), tf.constant(b_np)
    cases = {
        "numpy a + b": lambda: a_np + b_np,
        "graphflow a + b": lambda: a + b,
        "graphflow tf.add(a, b)": lambda: tf.add(a, b),
        "graphflow a * 2.0": lambda: a * 2.0,
    }
    samples = {k: [] for k in cases}
    for _ in range(repeats):  # alternate the cases so machine noise hits them alike
        for name, fn in cases.items():
            samples[name].append(per_call_us(fn, n))
    return {k: statistics.median(v) for k, v in samples.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    results = {}
    for label, shape, n in (("4 float32", (4,), 100_000), ("128x512 float32", (128, 512), 5_000)):
        r = measure(shape, n, args.repeats)
        results[label] = r
        base = r["numpy a + b"]
        print(f"\n{label} (median of {args.repeats} runs)")
        for name, us in r.items():
            extra = "" if name.startswith("numpy") else f"   overhead {us - base:+.2f} us"
            print(f"  {name:<26} {us:8.2f} us{extra}")
    print(json.dumps({k: {n: round(v, 3) for n, v in r.items()} for k, r in results.items()}))


if __name__ == "__main__":
    main()
