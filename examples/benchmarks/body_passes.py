"""The optimizer inside loop bodies (issue 15): the same compiled functions with the passes
running inside control-flow bodies (the default) and without (optimizer option
`optimize_bodies` and `hoist_invariants` off: the bodies run as traced), measured in turn in
the same run; the ratio is without / with (above 1: the body passes pay).

  invariant: 200 steps of h = tanh(h @ (W * 2.0) + 0.1) with a 256x256 W: W * 2.0 is
      loop-invariant, hoisted out of the body (computed once instead of 200 times).
  elementwise: 200 steps of a 10-op elementwise update of a 100,000-element vector, folded,
      CSE'd and fused into one cluster inside the body.
  scalar: 20,000 Newton steps on a scalar (per-iteration overhead).
  rnn train: forward and backward of 100 steps of h = tanh(x_t @ W + h @ U) (32x256): the
      bodies of the loop and of its gradient loop simplified, CSE'd and fused.

Bodies still run on the reference interpreter (no native loop lowering yet), which interprets
a fused cluster op by op: fusion inside a body removes no memory traffic there until bodies
are lowered to plans, so the elementwise and scalar figures show what the pass pipeline costs
or saves on the interpreter, not what fused kernels will give.

Run: python examples/benchmarks/body_passes.py [--quick]
"""
import argparse
import os
import statistics
import time

import numpy as np

os.environ.setdefault("GRAPHFLOW_TIERED", "0")  # kernels compile before the first timed call

OFF = {"optimize_bodies": False, "hoist_invariants": False}


def workloads(quick):
    import graphflow as tf
    steps = 20 if quick else 200
    rng = np.random.default_rng(0)
    w = tf.constant((rng.standard_normal((256, 256)) / 64).astype(np.float32))  # contracting
    h = tf.constant(rng.standard_normal((8, 256)).astype(np.float32))
    v = tf.constant(rng.standard_normal(100_000).astype(np.float32))

    def invariant(w, h):
        return tf.while_loop(lambda i, h: i < steps,
                             lambda i, h: (i + 1, tf.tanh(h @ (w * 2.0) + 0.1)), (0, h))[1]

    def elementwise(v):
        def body(i, v):
            a = tf.exp(-tf.abs(v)) * (tf.constant(0.5) + 0.5)
            b = tf.exp(-tf.abs(v)) + v * 0.25
            return i + 1, tf.tanh(a * b + tf.sin(v) * 0.1)
        return tf.while_loop(lambda i, v: i < steps, body, (0, v))[1]

    def scalar(a):
        return tf.while_loop(lambda i, x: i < (2000 if quick else 20_000),
                             lambda i, x: (i + 1, 0.5 * (x + a / x)), (0, a))[1]
    xs = tf.constant((rng.standard_normal((steps // 2, 32, 256)) * 0.1).astype(np.float32))
    u = tf.constant((rng.standard_normal((256, 256)) / 64).astype(np.float32))

    def rnn_train(xs, w, u):
        with tf.GradientTape() as tape:
            tape.watch([w, u])
            ta = tf.TensorArray(tf.float32, size=steps // 2).unstack(xs)
            h = tf.while_loop(lambda t, h: t < steps // 2,
                              lambda t, h: (t + 1, tf.tanh(ta.read(t) @ w + h @ u)),
                              (0, tf.zeros([32, 256])))[1]
            loss = tf.reduce_mean(h * h)
        return tape.gradient(loss, [w, u])[1]
    return {"invariant": (invariant, (w, h)), "elementwise": (elementwise, (v,)),
            "scalar": (scalar, (tf.constant(2.0),)), "rnn train": (rnn_train, (xs, w, u))}


def alternating(fns, repeats):
    """Median times of the functions, measured in turn (a ratio is only fair between functions
    measured in the same stretch of time)."""
    for fn in fns:
        fn()
    samples = [[] for _ in fns]
    for _ in range(repeats):
        for fn, out in zip(fns, samples):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return [statistics.median(s) for s in samples]


def main():
    import graphflow as tf
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short loops, one repeat")
    args = parser.parse_args()
    repeats = 1 if args.quick else 7
    print(f"{'workload':<12} {'bodies optimized':>17} {'as traced':>10} {'traced/optimized':>17}")
    for name, (fn, inputs) in workloads(args.quick).items():
        on = tf.function(fn)
        off = tf.function(fn, optimizer_options=OFF)
        np.testing.assert_allclose(on(*inputs).numpy(), off(*inputs).numpy(), rtol=1e-5,
                                   atol=1e-6)
        t_on, t_off = alternating([lambda: on(*inputs).numpy(), lambda: off(*inputs).numpy()],
                                  repeats)
        print(f"{name:<12} {t_on * 1e3:14.2f} ms {t_off * 1e3:7.2f} ms {t_off / t_on:16.2f}x")


if __name__ == "__main__":
    main()
