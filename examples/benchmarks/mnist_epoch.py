"""Steady-state seconds per epoch of the MNIST headline run (Dense(512, relu) + Dense(10,
softmax), RMSprop, batch 128, 60000 samples) in graphflow, beside the hand-written NumPy loop of
../shared/bench/peers/numpy_mnist.py and the GEMM-bound floor, all measured in this run.

Run: python examples/benchmarks/mnist_epoch.py [--epochs 3] [--breakdown]
Target (issue 5): <= 0.7 s/epoch. Peers on the 2-core machine: TensorFlow 2.21 2.4 s, PyTorch
eager 1.3 s, JAX jit 0.95 s, hand-written NumPy 1.0 s; GEMM floor 0.52 s.
"""
import argparse
import json
import time

import numpy as np

import graphflow as tf
from graphflow import keras


def numpy_epoch(xtr, ytr, rng, params, slots):
    W1, b1, W2, b2 = params
    perm = rng.permutation(len(xtr))
    start = time.perf_counter()
    for i in range(0, len(xtr), 128):
        idx = perm[i:i + 128]
        x, y = xtr[idx], ytr[idx]
        n = len(y)
        h = x @ W1 + b1
        np.maximum(h, 0, out=h)
        z = h @ W2 + b2
        z -= z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        p[np.arange(n), y] -= 1
        p /= n
        gW2 = h.T @ p
        gb2 = p.sum(0)
        dh = p @ W2.T
        dh *= (h > 0)
        gW1 = x.T @ dh
        gb1 = dh.sum(0)
        for w, s, g in zip(params, slots, (gW1, gb1, gW2, gb2)):
            s *= 0.9
            s += 0.1 * g * g
            w -= 1e-3 * g / (np.sqrt(s) + 1e-7)
    return time.perf_counter() - start


def gemm_floor(rng, repeats=20):
    """Seconds per epoch if only the step's GEMMs ran, at NumPy's sgemm rate for the step shape."""
    a = rng.random((128, 784), dtype=np.float32)
    b = rng.random((784, 512), dtype=np.float32)
    c = np.empty((128, 512), np.float32)
    np.matmul(a, b, out=c)
    start = time.perf_counter()
    for _ in range(repeats):
        np.matmul(a, b, out=c)
    rate = 2 * 128 * 784 * 512 / ((time.perf_counter() - start) / repeats)
    flops = 60000 * (2 * (784 * 512 + 512 * 10) + 2 * 784 * 512 + 4 * 512 * 10)
    return flops / rate, rate / 1e9


def train_plan(model):
    """The CPU plan of the full-batch train step (the one run 468 times an epoch)."""
    plans = [c._executable.last_plan for c in model._train_fn._cache.values()]
    plans = [p for p in plans if p is not None and hasattr(p, "step_names")]
    return max(plans, key=lambda p: p.input_shapes[0][0])


def breakdown(model, xtr, ytr, top=12):
    """Where an epoch goes: each plan step timed inside the training loop and again alone
    (warm, repeated), and the time spent outside the plan (batching, Python, callbacks). The
    sum of the steps alone plus the outside time is what this plan cannot go below here."""
    plan = train_plan(model)
    steps, in_loop = list(plan.steps), [0.0] * len(plan.steps)

    def timed(k, step):
        def run(env):
            start = time.perf_counter()
            step(env)
            in_loop[k] += time.perf_counter() - start
        return run
    plan.steps = [timed(k, s) for k, s in enumerate(steps)]
    runs = [0.0, 0]
    plan_run = plan.run

    def counted(arrays):
        start = time.perf_counter()
        out = plan_run(arrays)
        runs[0] += time.perf_counter() - start
        runs[1] += 1
        return out
    plan.run = counted
    start = time.perf_counter()
    model.fit(xtr, ytr, batch_size=128, epochs=1, verbose=0)
    epoch = time.perf_counter() - start
    plan.steps, plan.run = steps, plan_run
    n = runs[1]
    # each step alone: replay one run's slots, then repeat each step on them
    env = list(plan.template)
    for s, a in zip(plan.input_slots, (xtr[:128], ytr[:128])):
        env[s] = a
    for step in steps:
        step(env)
    alone = []
    for step in steps:
        reps, best = 20, float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            for _ in range(reps):
                step(env)
            best = min(best, (time.perf_counter() - t0) / reps)
        alone.append(best)
    names = plan.step_names()
    outside = (epoch - runs[0]) / n
    print(f"\nbreakdown of one epoch ({n} full-batch steps, {len(steps)} plan steps), us/step:")
    print(f"  {'in loop':>8} {'alone':>8}  step")
    for k in sorted(range(len(steps)), key=lambda k: -in_loop[k])[:top]:
        print(f"  {in_loop[k] / n * 1e6:8.1f} {alone[k] * 1e6:8.1f}  {names[k]}")
    print(f"  {sum(in_loop) / n * 1e6:8.1f} {sum(alone) * 1e6:8.1f}  all {len(steps)} steps")
    print(f"  {outside * 1e6:8.1f} {'':>8}  outside the plan (batches, Python, callbacks)")
    floor = (sum(alone) + outside) * 60000 / 128
    print(f"steps alone + outside: {floor:.3f} s/epoch (this epoch: {epoch:.3f} s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--breakdown", action="store_true",
                        help="also time each plan step in the loop and alone")
    args = parser.parse_args()
    (xtr, ytr), (xte, yte) = keras.datasets.mnist.load_data()
    xtr = xtr.reshape(-1, 784).astype("float32") / 255
    xte = xte.reshape(-1, 784).astype("float32") / 255
    rng = np.random.default_rng(0)

    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(512, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(xtr[:1024], ytr[:1024], batch_size=128, epochs=1, verbose=0)  # trace
    for concrete in model._train_fn._cache.values():  # wait for tiered compilation
        concrete.kernels()
    lim1, lim2 = np.sqrt(6 / (784 + 512)), np.sqrt(6 / (512 + 10))
    params = [rng.uniform(-lim1, lim1, (784, 512)).astype(np.float32), np.zeros(512, np.float32),
              rng.uniform(-lim2, lim2, (512, 10)).astype(np.float32), np.zeros(10, np.float32)]
    slots = [np.zeros_like(p) for p in params]

    graphflow_s, numpy_s = [], []
    for _ in range(args.epochs):  # alternate so machine noise hits both alike
        start = time.perf_counter()
        model.fit(xtr, ytr, batch_size=128, epochs=1, verbose=0)
        graphflow_s.append(time.perf_counter() - start)
        numpy_s.append(numpy_epoch(xtr, ytr, rng, params, slots))
    floor, gflops = gemm_floor(rng)
    _, acc = model.evaluate(xte, yte, verbose=0)
    g, n = float(np.median(graphflow_s[1:] or graphflow_s)), float(np.median(numpy_s[1:] or numpy_s))
    print(f"graphflow fit        {g:6.3f} s/epoch   (epochs: {[round(t, 3) for t in graphflow_s]})")
    print(f"hand-written NumPy   {n:6.3f} s/epoch   (epochs: {[round(t, 3) for t in numpy_s]})")
    print(f"GEMM-bound floor     {floor:6.3f} s/epoch   (sgemm {gflops:.0f} GFLOP/s at 128x784x512)")
    print(f"ratio graphflow / NumPy loop: {g / n:.2f};  graphflow / floor: {g / floor:.2f}")
    print(f"test accuracy after {args.epochs + 1} short epochs: {acc:.4f}")
    print(json.dumps({"graphflow_s": graphflow_s, "numpy_s": numpy_s, "floor_s": floor,
                      "sgemm_gflops": gflops, "tiered": tf.config.get_tiered_compilation()}))
    if args.breakdown:
        breakdown(model, xtr, ytr)


if __name__ == "__main__":
    main()
