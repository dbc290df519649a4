"""Seed linear-regression train_step (x=[1,3,5,7], y=[2,3,4,5], w=1, b=0.5, lr=0.01), 1000 epochs
x 4 samples: microseconds per step, eager vs graphflow.function, in one run.

Run: python examples/benchmarks/linreg_step.py [--epochs 1000]
Reference points measured on the 2-core machine (../shared/bench/peers): TensorFlow 2.21 eager
960 us, tf.function 670 us; PyTorch eager 69 us; jax.jit 10.5 us.
"""
import argparse
import json
import time

from graphflow.bench.workloads import linreg_step


def run(mode, epochs):
    # The train step is defined once, in graphflow.bench (python -m graphflow.bench times it too).
    epoch = linreg_step("compiled" if mode == "function" else "eager")
    w, b = epoch.variables
    start = time.perf_counter()
    for _ in range(epochs):
        epoch()
    elapsed = time.perf_counter() - start
    return {"mode": mode, "us_per_step": round(elapsed / (4 * epochs) * 1e6, 1),
            "w": round(float(w.numpy()), 5), "b": round(float(b.numpy()), 5)}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=1000)
    args = parser.parse_args()
    runs = [run("eager", args.epochs), run("function", args.epochs)]
    for r in runs:
        print(f"{r['mode']:>8}: {r['us_per_step']:8.1f} us/step   w={r['w']} b={r['b']}")
    print(json.dumps({"graphflow": runs}))


if __name__ == "__main__":
    main()
