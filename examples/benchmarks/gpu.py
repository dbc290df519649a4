"""The CUDA target: a fused elementwise chain's bandwidth beside the device's own copy bandwidth,
and the MNIST headline epoch (Dense(512, relu) + Dense(10, softmax), RMSprop, batch 128) on the
GPU, all measured in the same run.

  bandwidth chain: y = (x*1.5 + 0.25) * 0.5 - x      (GB/s = bytes read + written / time)
  copy:            a device-to-device copy of x       (the bandwidth ceiling of the chain)

Run: python examples/benchmarks/gpu.py [--n 50000000] [--repeats 20] [--epochs 2]

On a machine without a GPU the script says so and exits. Under the Numba CUDA simulator
(NUMBA_ENABLE_CUDASIM=1) it runs tiny sizes as a correctness smoke test and labels every figure
"simulator": those numbers measure Python threads, not a GPU, and are never to be quoted.
"""
import argparse
import json
import os
import statistics
import time

import numpy as np

import graphflow as tf
from graphflow import devices


def timed(fn, sync, repeats):
    """Median seconds of `fn` over `repeats` runs, synchronizing the device around each."""
    times = []
    for _ in range(repeats):
        sync()
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def chain_bandwidth(n, repeats):
    from numba import cuda
    x_np = np.random.default_rng(0).standard_normal(n, dtype=np.float32)

    @tf.function
    def chain(x):
        return (x * 1.5 + 0.25) * 0.5 - x

    with tf.device("/GPU:0"):
        x = tf.constant(x_np)
        y = chain(x)  # trace, build the plan, compile the kernel
    np.testing.assert_allclose(y.numpy(), (x_np * 1.5 + 0.25) * 0.5 - x_np, rtol=1e-6)
    src = x._device_array
    dst = cuda.device_array_like(src)
    gb = 2 * x_np.nbytes / 1e9
    sync = cuda.synchronize
    with tf.device("/GPU:0"):
        t_chain = timed(lambda: chain(x), sync, repeats)
    t_copy = timed(lambda: dst.copy_to_device(src), sync, repeats)
    return {"n": n, "chain_GBps": gb / t_chain, "copy_GBps": gb / t_copy,
            "chain_over_copy": t_copy / t_chain}


def mnist_epoch(epochs, limit):
    from graphflow import keras
    (x_train, y_train), _ = keras.datasets.mnist.load_data()
    x = (x_train[:limit].reshape(-1, 784) / 255.0).astype(np.float32)
    y = y_train[:limit]
    with tf.device("/GPU:0"):
        model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(512, activation="relu"),
                                  keras.layers.Dense(10, activation="softmax")])
        model.compile("rmsprop", "sparse_categorical_crossentropy", ["accuracy"])
        model.fit(x, y, batch_size=128, epochs=1, verbose=0)  # compile and warm up
        times = []
        for _ in range(epochs):
            start = time.perf_counter()
            history = model.fit(x, y, batch_size=128, epochs=1, verbose=0)
            times.append(time.perf_counter() - start)
    return {"samples": len(x), "seconds_per_epoch": min(times),
            "loss": history.history["loss"][-1], "accuracy": history.history["accuracy"][-1]}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=50_000_000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        print("No GPU: numba.cuda found no CUDA device (set NUMBA_ENABLE_CUDASIM=1 for a "
              "correctness-only run under the simulator). Nothing measured.")
        return
    simulator = os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0")
    from graphflow.backends import numba_cuda
    label = "simulator (correctness only)" if simulator else numba_cuda.device_name()
    if simulator:  # every CUDA thread is a Python thread: keep it tiny
        args.n, args.repeats, args.epochs = 4096, 2, 1
    results = {"device": label, "chain": chain_bandwidth(args.n, args.repeats)}
    c = results["chain"]
    print(f"[{label}] bandwidth chain on {c['n']:,} float32: {c['chain_GBps']:.2f} GB/s; "
          f"device copy {c['copy_GBps']:.2f} GB/s; chain/copy = {c['chain_over_copy']:.2f}")
    if simulator:
        print(f"[{label}] MNIST epoch: skipped (a single 784x512 batch takes minutes when every "
              "CUDA thread is a Python thread); tests/test_cuda_target.py trains a small Keras "
              "model on the simulated GPU instead")
    else:
        results["mnist"] = mnist_epoch(args.epochs, 60000)
        m = results["mnist"]
        print(f"[{label}] MNIST epoch ({m['samples']} samples, batch 128): "
              f"{m['seconds_per_epoch']:.3f} s; loss {m['loss']:.4f}, accuracy {m['accuracy']:.4f}")
    results["transfers"] = devices.transfers()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
