"""tf.data throughput: what parallel map and prefetch buy, and the per-element cost of a traced
map.

  map serial vs parallel: a map whose function spends its time in BLAS (a 256x256 matmul, which
      releases the GIL), with num_parallel_calls=None, 2 and AUTOTUNE;
  prefetch: a producer and a consumer that each sleep 2 ms per element (sleeping releases the
      GIL like I/O does), without and with prefetch(1): overlapped, the epoch takes about half;
  per element: from_tensor_slices -> map(x / 255) over 10,000 MNIST-sized images, and the same
      batched first (one traced call per batch of 32 instead of per image).

Run: python examples/benchmarks/data_pipeline.py   (times in ms; the best of 3 runs)
BLAS runs single-threaded here, so the map's own threads are what uses the cores; the speedup
needs idle cores (on a loaded 2-core machine the three map timings come out about equal).
"""
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads its BLAS

import numpy as np

import graphflow as tf

D = tf.data.Dataset


def best_of(fn, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1e3


def drain(ds):
    for _ in ds:
        pass


def main():
    print(f"cores: {os.cpu_count()}")
    rng = np.random.default_rng(0)
    mats = rng.standard_normal((64, 256, 256)).astype(np.float32)
    base = D.from_tensor_slices(mats)
    for label, calls in (("serial", None), ("2 threads", 2), ("AUTOTUNE", tf.data.AUTOTUNE)):
        ds = base.map(lambda m: tf.reduce_sum(tf.matmul(m, m)), num_parallel_calls=calls)
        drain(ds)  # trace and compile once
        print(f"map, 64 matmuls 256x256, {label:10s}: {best_of(lambda: drain(ds)):7.1f} ms")

    def slow_source():
        for i in range(50):
            time.sleep(0.002)
            yield i
    source = D.from_generator(slow_source, output_signature=tf.TensorSpec([], tf.int64))

    def consume(ds):
        for _ in ds:
            time.sleep(0.002)
    print(f"producer + consumer 2 ms each, no prefetch: {best_of(lambda: consume(source)):7.1f} ms")
    print(f"producer + consumer 2 ms each, prefetch(1): "
          f"{best_of(lambda: consume(source.prefetch(1))):7.1f} ms")

    images = rng.random((10000, 28, 28)).astype(np.float32)
    per_image = D.from_tensor_slices(images).map(lambda x: x / 255.0)
    drain(per_image)
    print(f"map per image (10,000 images):  {best_of(lambda: drain(per_image)):7.1f} ms")
    per_batch = D.from_tensor_slices(images).batch(32).map(lambda x: x / 255.0)
    drain(per_batch)
    print(f"map per batch of 32:            {best_of(lambda: drain(per_batch)):7.1f} ms")


if __name__ == "__main__":
    main()
