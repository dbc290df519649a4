"""Fused elementwise chains on 10M float32, in GB/s (bytes = read x + write y), beside NumPy and
np.copyto bandwidth measured in the same run (alternating repetitions, medians).

  bandwidth chain:      y = (x*1.5 + 0.25) * 0.5 - x
  transcendental chain: y = maximum(x*1.5 + 0.25, 0)*0.5 + sigmoid(x)

Run: python examples/benchmarks/fusion_chains.py [--n 10000000] [--repeats 15]
Targets (issue 4): bandwidth chain >= 80% of copy bandwidth; transcendental chain >= 10 GB/s.
Peers measured on the 2-core machine (../shared/bench/peers/fusion_chain.py): NumPy 1.3 GB/s,
JAX jit 5.5, torch.compile 5.7, TF tf.function 3.9, TF XLA 7.0, copy 20.5.
"""
import argparse
import json
import statistics
import time

import numpy as np

import graphflow as tf


def seconds(fn, n=3):
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    x_np = np.random.default_rng(0).standard_normal(args.n, dtype=np.float32)
    x = tf.constant(x_np)
    y = np.empty_like(x_np)
    gb = 2 * x_np.nbytes / 1e9

    @tf.function
    def bandwidth(x):
        return (x * 1.5 + 0.25) * 0.5 - x

    @tf.function
    def transcendental(x):
        return tf.maximum(x * 1.5 + 0.25, 0.0) * 0.5 + tf.sigmoid(x)

    # First call plus waiting for the kernels (tiered compilation runs the reference interpreter
    # until they are ready; the timings below are of the compiled kernels).
    start = time.perf_counter()
    bandwidth(x)
    bandwidth.get_concrete_function(x).kernels()
    compile_bw = time.perf_counter() - start
    start = time.perf_counter()
    transcendental(x)
    transcendental.get_concrete_function(x).kernels()
    compile_tr = time.perf_counter() - start
    np.testing.assert_allclose(bandwidth(x).numpy(), (x_np * 1.5 + 0.25) * 0.5 - x_np, rtol=1e-6)
    np.testing.assert_allclose(transcendental(x).numpy(), np.maximum(x_np * 1.5 + 0.25, 0) * 0.5
                               + 1 / (1 + np.exp(-x_np)), rtol=1e-5, atol=1e-6)
    cases = {
        "copy (np.copyto)": lambda: np.copyto(y, x_np),
        "bandwidth chain, numpy": lambda: (x_np * 1.5 + 0.25) * 0.5 - x_np,
        "bandwidth chain, graphflow": lambda: bandwidth(x),
        "transcendental chain, numpy": lambda: np.maximum(x_np * 1.5 + 0.25, 0) * 0.5
        + 1 / (1 + np.exp(-x_np)),
        "transcendental chain, graphflow": lambda: transcendental(x),
    }
    samples = {k: [] for k in cases}
    for _ in range(args.repeats):
        for name, fn in cases.items():
            samples[name].append(gb / seconds(fn))
    result = {k: round(statistics.median(v), 2) for k, v in samples.items()}
    copy = result["copy (np.copyto)"]
    print(f"{'workload':<34} {'GB/s':>7} {'vs copy':>8}")
    for name, v in result.items():
        print(f"{name:<34} {v:7.2f} {v / copy:7.0%}")
    print(f"first call until kernels ready (trace, optimize, compile or load from the disk "
          f"cache): bandwidth {compile_bw:.2f} s, "
          f"transcendental {compile_tr:.2f} s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
