"""Data-parallel training over MPI (graphflow.distribute): the MNIST headline model
(Dense(512, relu) + Dense(10, softmax), RMSprop, global batch 128) trained with Keras fit

  * on 1 rank (mpiexec -n 1, one thread),
  * on 2 ranks (mpiexec -n 2, one thread each, 64 samples per rank and step), with each bucket's
    all-reduce started inside the backward pass (the schedule_collectives pass) and, for
    comparison, with that pass off (each bucket started and waited for in turn after the
    backward pass),
  * in one process with 2 threads (no strategy),

reporting the step time, the all-reduce time per step (starting the buckets' exchanges plus
waiting for them), and the machine's memory-copy time for the same bytes (what an all-reduce inside one machine cannot beat), all measured in this run.
Then it estimates, from the measured one-rank compute time, the step time and scaling
efficiency of 4-64 workers (128 samples each) doing a ring all-reduce of the gradients over
10/25/100 Gb/s networks, with no overlap of communication and backward pass (a bound: the
largest bucket, the first layer's kernel, is computed last and cannot overlap).

Run: GRAPHFLOW_DATA_DIR=/path/to/datasets python examples/benchmarks/distributed.py
[--steps 60] [--repeats 2]
(needs `pip install graphflow[mpi]`; the data folder holds mnist/).
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.abspath(__file__)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))


def worker(steps, distributed, overlap=True):
    """One process of a measurement: prints a JSON line (rank 0)."""
    import graphflow as tf
    from graphflow import keras
    from graphflow.distribute import communicator

    (xtr, ytr), _ = keras.datasets.mnist.load_data()
    n = 128 * steps
    x = xtr[:n].reshape(-1, 784).astype("float32") / 255
    y = ytr[:n]
    strategy = tf.distribute.MultiWorkerMirroredStrategy() if distributed else None
    comm = communicator.world()
    spent = [0.0, 0]
    if not overlap:
        tf.config.optimizer.set_experimental_options({"schedule_collectives": False})
    if comm.size > 1:  # time every all-reduce this rank makes: its starts and its waits
        inner = comm.all_reduce

        def timed(method):
            def call(*args, **kwargs):
                start = time.perf_counter()
                out = method(*args, **kwargs)
                spent[0] += time.perf_counter() - start
                return out
            return call
        comm.start_all_reduce = timed(comm.start_all_reduce)
        comm.finish_all_reduce = timed(comm.finish_all_reduce)
    scope = strategy.scope() if strategy else _null()
    with scope:
        model = keras.Sequential([keras.Input((784,)),
                                  keras.layers.Dense(512, activation="relu"),
                                  keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    model.fit(x[:1280], y[:1280], batch_size=128, epochs=1, verbose=0)  # trace and compile
    spent[:] = [0.0, 0]
    best = float("inf")
    for _ in range(3):
        spent[:] = [0.0, 0]
        start = time.perf_counter()
        model.fit(x, y, batch_size=128, epochs=1, verbose=0, shuffle=False)
        elapsed = time.perf_counter() - start
        if elapsed < best:
            best, reduce_time = elapsed, spent[0]
    grads = [np.asarray(w.numpy()) for w in model.trainable_weights]
    nbytes = sum(g.nbytes for g in grads)
    # the gradient all-reduce alone, and a memory copy of the same bytes
    standalone = None
    if comm.size > 1:
        comm.all_reduce(grads, "sum")
        reps = 30
        comm.barrier()
        start = time.perf_counter()
        for _ in range(reps):
            inner(grads, "sum")
        standalone = (time.perf_counter() - start) / reps
    src = np.ones(nbytes // 4, np.float32)
    dst = np.empty_like(src)
    reps, start = 50, time.perf_counter()
    for _ in range(reps):
        np.copyto(dst, src)
    copy = (time.perf_counter() - start) / reps
    if comm.rank == 0:
        print(json.dumps({"ranks": comm.size, "overlap": overlap, "step": best / steps,
                          "reduce_per_step": reduce_time / steps, "standalone_reduce": standalone,
                          "grad_bytes": nbytes, "copy": copy,
                          "copy_gbs": nbytes / copy / 1e9}), flush=True)


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def run(ranks, threads, steps, overlap=True):
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    for name in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                 "MKL_NUM_THREADS"):
        env[name] = str(threads)
    command = [sys.executable, HERE, "--worker", "--steps", str(steps)]
    if ranks:
        mpiexec = os.path.join(os.path.dirname(sys.executable), "mpiexec")
        command = [mpiexec if os.path.exists(mpiexec) else "mpiexec", "-n", str(ranks)] + \
            command + ["--distributed"] + ([] if overlap else ["--no-overlap"])
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def ring_allreduce_seconds(nbytes, workers, gbits, latency=10e-6):
    """A ring all-reduce: 2 (N - 1) messages of nbytes / N each way, at `gbits` Gb/s."""
    bandwidth = gbits * 1e9 / 8
    return 2 * (workers - 1) * (nbytes / workers / bandwidth + latency)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=60, help="global batches per timed epoch")
    parser.add_argument("--repeats", type=int, default=2,
                        help="runs of each configuration (the best one is reported)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--distributed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-overlap", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.steps, args.distributed, not args.no_overlap)
        return
    # round-robin repeats, the best of each: the machine may be shared, and a busy moment
    # should not count against one configuration only
    results = {}
    for _ in range(args.repeats):
        for key, ranks, threads, overlap in (("one", 1, 1, True), ("two", 2, 1, True),
                                             ("two_serial", 2, 1, False),
                                             ("threads", None, 2, True)):
            r = run(ranks, threads, args.steps, overlap)
            if key not in results or r["step"] < results[key]["step"]:
                results[key] = r
    one, two, threads = results["one"], results["two"], results["threads"]
    serial = results["two_serial"]
    mb = one["grad_bytes"] / 1e6
    print(f"MNIST MLP, global batch 128, {args.steps} steps per epoch; gradients "
          f"{mb:.2f} MB per step\n")
    print(f"{'configuration':38} {'step ms':>8} {'all-reduce ms/step':>19}")
    print(f"{'1 rank, 1 thread (mpiexec -n 1)':38} {one['step'] * 1e3:8.2f} {'-':>19}")
    print(f"{'2 ranks, 1 thread each (mpiexec -n 2)':38} {two['step'] * 1e3:8.2f} "
          f"{two['reduce_per_step'] * 1e3:19.2f}  (incl. waiting for the other rank)")
    print(f"{'  the same, all-reduce not overlapped':38} {serial['step'] * 1e3:8.2f} "
          f"{serial['reduce_per_step'] * 1e3:19.2f}")
    print(f"{'1 process, 2 threads (no strategy)':38} {threads['step'] * 1e3:8.2f} {'-':>19}")
    print(f"\nall-reduce of the {mb:.2f} MB of gradients alone (2 ranks): "
          f"{two['standalone_reduce'] * 1e3:.2f} ms = "
          f"{two['grad_bytes'] / two['standalone_reduce'] / 1e9:.2f} GB/s; a memory copy of the "
          f"same bytes: {two['copy'] * 1e3:.3f} ms = {two['copy_gbs']:.1f} GB/s "
          f"(all-reduce / copy = {two['standalone_reduce'] / two['copy']:.1f}x)")
    compute = one["step"]
    nbytes = one["grad_bytes"]
    print(f"\nScaling estimate (weak scaling: 128 samples per worker and step, compute "
          f"{compute * 1e3:.2f} ms/step measured on one rank; ring all-reduce of {mb:.2f} MB, "
          "10 us per message, no overlap):")
    header = "| workers | " + " | ".join(f"{g} Gb/s: step ms (efficiency)" for g in (10, 25, 100))
    print(header + " |")
    print("|---:|" + "---:|" * 3)
    for workers in (4, 8, 16, 32, 64):
        cells = []
        for gbits in (10, 25, 100):
            t = compute + ring_allreduce_seconds(nbytes, workers, gbits)
            cells.append(f"{t * 1e3:.2f} ({compute / t:.0%})")
        print(f"| {workers} | " + " | ".join(cells) + " |")
    print("\nFor context: Horovod reports ~90% scaling efficiency at 512 GPUs for ResNet-101 "
          "(compute-heavy steps, gradients all-reduced while the backward pass runs).")


if __name__ == "__main__":
    main()
