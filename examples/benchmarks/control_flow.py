"""Control flow: the two workloads of issue 15, graphflow against JAX and TensorFlow.

  scalar loop: 100,000 iterations of a Newton step for sqrt(a) in a while_loop whose condition
      is the counter (the value converges early; the loop keeps going): per-iteration overhead.
  recurrence: 100 steps of a 128x256 tanh cell, h = tanh(x_t @ W + h @ U + b), written with
      while_loop and TensorArrays, forward and backward (gradients of the mean output with
      respect to W, U and b), against the same model unrolled into one graph in graphflow.

Peers are measured when available, never required: JAX (lax.while_loop / lax.scan under jit)
when importable, TensorFlow (tf.function) when importable or when --tf-python names an
interpreter that has it (measured in a subprocess, same workloads and sizes).

Run: python examples/benchmarks/control_flow.py [--quick] [--tf-python ~/.venv-tf/bin/python]

Targets (issue 15): the scalar loop faster than JAX; the recurrence faster than JAX and within
1.2x of the unrolled graph. graphflow compiles control flow (compiler/control_flow.py): the
scalar loop, whose condition and body are scalar elementwise ops, runs as one generated Numba
function (backends/loop_kernel.py: counter and predicate included, no Python per iteration);
the recurrence's loops (forward, and the gradient's backward loop) run their bodies as
sub-plans of the enclosing plan, called once per iteration. The "where the time goes" section
compares one scalar iteration in the compiled loop with the same loop on the reference
interpreter (what a loop still uses when a shape changes across iterations).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap
import time

import numpy as np

os.environ.setdefault("GRAPHFLOW_TIERED", "0")  # kernels compile before the first timed call

STEPS, BATCH, HIDDEN = 100, 128, 256


def timed(fn, repeats):
    return alternating([fn], repeats)[0]


def alternating(fns, repeats):
    """Median times of the functions, measured in turn (the machine's load changes, so a
    ratio is only fair between functions measured in the same stretch of time)."""
    for fn in fns:
        fn()  # warm up: trace, compile
    samples = [[] for _ in fns]
    for _ in range(repeats):
        for fn, out in zip(fns, samples):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return [statistics.median(s) for s in samples]


# -- graphflow -------------------------------------------------------------------------------------

def graphflow_scalar(iterations, repeats):
    import graphflow as tf

    @tf.function
    def newton(a, n):
        return tf.while_loop(lambda i, x: i < n, lambda i, x: (i + 1, 0.5 * (x + a / x)),
                             (0, a))[1]
    a, n = tf.constant(2.0), tf.constant(iterations)
    assert abs(float(newton(a, n)) - 2 ** 0.5) < 1e-5
    return timed(lambda: newton(a, n), repeats)


def graphflow_breakdown(iterations, compiled_s):
    """One iteration's cost: compiled (`compiled_s` for the whole loop), against the condition's
    and the body's runs on the reference interpreter and the NumPy work they do (the same ufuncs
    called in a plain Python loop); and how the compiled plan runs the loop."""
    import graphflow as tf

    @tf.function
    def newton(a, n):
        return tf.while_loop(lambda i, x: i < n, lambda i, x: (i + 1, 0.5 * (x + a / x)),
                             (0, a))[1]
    a, n = tf.constant(2.0), tf.constant(iterations)
    newton(a, n)
    plan = newton.explain(a, n)
    how = "one native loop kernel" if "native loop kernel" in plan else (
        "body sub-plans" if "sub-plan" in plan else "the reference interpreter")
    node = next(nd for nd in newton.get_concrete_function(a, n).graph.nodes
                if nd.type == "while_loop")
    cond, body = node.attrs["cond"], node.attrs["body"]
    values = [np.array(0, np.int32), np.array(2.0, np.float32), np.array(2.0, np.float32),
              np.array(iterations, np.int32)]
    k = 20000
    start = time.perf_counter()
    for _ in range(k):
        cond.run(values)
    cond_us = (time.perf_counter() - start) / k * 1e6
    start = time.perf_counter()
    for _ in range(k):
        body.run(values)
    body_us = (time.perf_counter() - start) / k * 1e6
    i, x, av, half = np.int32(0), np.float32(2.0), np.float32(2.0), np.float32(0.5)
    one = np.int32(1)
    start = time.perf_counter()
    for _ in range(k):
        np.less(i, iterations)
        i = np.add(i, one)
        x = np.multiply(half, np.add(x, np.true_divide(av, x)))
    numpy_us = (time.perf_counter() - start) / k * 1e6
    nodes = sum(1 for b in (cond, body) for nd in b.graph.nodes if nd.type != "placeholder")
    return {"cond_us": cond_us, "body_us": body_us, "numpy_us": numpy_us, "nodes": nodes,
            "interpreter_overhead_us": cond_us + body_us - numpy_us,
            "compiled_us": compiled_s / iterations * 1e6, "compiled_as": how}


def _rnn_data(dtype=np.float32):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((STEPS, BATCH, HIDDEN)) * 0.1).astype(dtype)
    w, u = [(rng.standard_normal((HIDDEN, HIDDEN)) / HIDDEN ** 0.5).astype(dtype) for _ in range(2)]
    b = np.zeros(HIDDEN, dtype)
    return x, w, u, b


def graphflow_rnn(unrolled):
    """The train step's callable (forward and gradients), for the loop or the unrolled model."""
    import graphflow as tf
    x, w, u, b = [tf.constant(a) for a in _rnn_data()]
    params = [tf.Variable(w), tf.Variable(u), tf.Variable(b)]

    def loop_model(x, W, U, b):
        xs = tf.TensorArray(tf.float32, size=STEPS).unstack(x)
        out = tf.TensorArray(tf.float32, size=STEPS)

        def body(t, h, out):
            h = tf.tanh(tf.matmul(xs.read(t), W) + tf.matmul(h, U) + b)
            return t + 1, h, out.write(t, h)
        _, _, out = tf.while_loop(lambda t, h, o: t < STEPS, body,
                                  (0, tf.zeros([BATCH, HIDDEN]), out))
        return tf.reduce_mean(out.stack())

    def unrolled_model(x, W, U, b):
        h, outs = tf.zeros([BATCH, HIDDEN]), []
        for t in range(STEPS):
            h = tf.tanh(tf.matmul(x[t], W) + tf.matmul(h, U) + b)
            outs.append(h)
        return tf.reduce_mean(tf.stack(outs))
    model = unrolled_model if unrolled else loop_model

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = model(x, *params)
        return [loss] + tape.gradient(loss, params)
    return lambda: [t.numpy() for t in step(x)]


# -- peers ------------------------------------------------------------------------------------------

def jax_results(iterations, repeats):
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None

    @jax.jit
    def newton(a, n):
        return jax.lax.while_loop(lambda s: s[0] < n, lambda s: (s[0] + 1, 0.5 * (s[1] + a / s[1])),
                                  (0, a))[1]
    a = jnp.float32(2.0)
    scalar = timed(lambda: newton(a, iterations).block_until_ready(), repeats)
    x, w, u, b = [jnp.asarray(v) for v in _rnn_data()]

    def loss(params, x):
        W, U, b = params
        def cell(h, xt):
            h = jnp.tanh(xt @ W + h @ U + b)
            return h, h
        _, hs = jax.lax.scan(cell, jnp.zeros((BATCH, HIDDEN)), x)
        return jnp.mean(hs)
    grad = jax.jit(jax.value_and_grad(loss))
    rnn = timed(lambda: jax.block_until_ready(grad((w, u, b), x)), repeats)
    return {"scalar_s": scalar, "rnn_s": rnn, "version": jax.__version__}


TF_PROGRAM = """
import json, statistics, time
import numpy as np
import tensorflow as tf
STEPS, BATCH, HIDDEN, ITER, REPEATS = {steps}, {batch}, {hidden}, {iterations}, {repeats}
def timed(fn):
    fn(); s = []
    for _ in range(REPEATS):
        t = time.perf_counter(); fn(); s.append(time.perf_counter() - t)
    return statistics.median(s)
@tf.function
def newton(a, n):
    return tf.while_loop(lambda i, x: i < n, lambda i, x: (i + 1, 0.5 * (x + a / x)), (0, a))[1]
a, n = tf.constant(2.0), tf.constant(ITER)
scalar = timed(lambda: newton(a, n).numpy())
rng = np.random.default_rng(0)
x = tf.constant((rng.standard_normal((STEPS, BATCH, HIDDEN)) * 0.1).astype("float32"))
W = tf.Variable((rng.standard_normal((HIDDEN, HIDDEN)) / HIDDEN ** 0.5).astype("float32"))
U = tf.Variable((rng.standard_normal((HIDDEN, HIDDEN)) / HIDDEN ** 0.5).astype("float32"))
b = tf.Variable(np.zeros(HIDDEN, "float32"))
@tf.function
def step(x):
    with tf.GradientTape() as tape:
        xs = tf.TensorArray(tf.float32, size=STEPS).unstack(x)
        out = tf.TensorArray(tf.float32, size=STEPS)
        def body(t, h, out):
            h = tf.tanh(tf.matmul(xs.read(t), W) + tf.matmul(h, U) + b)
            return t + 1, h, out.write(t, h)
        _, _, out = tf.while_loop(lambda t, h, o: t < STEPS, body, (0, tf.zeros([BATCH, HIDDEN]), out))
        loss = tf.reduce_mean(out.stack())
    return [loss] + tape.gradient(loss, [W, U, b])
rnn = timed(lambda: [t.numpy() for t in step(x)])
print(json.dumps({{"scalar_s": scalar, "rnn_s": rnn, "version": tf.__version__}}))
"""


def tf_results(iterations, repeats, python):
    code = TF_PROGRAM.format(steps=STEPS, batch=BATCH, hidden=HIDDEN, iterations=iterations,
                             repeats=repeats)
    if python is None:
        try:
            import tensorflow  # noqa: F401
        except ImportError:
            return None
        python = sys.executable
    out = subprocess.run([python, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                         env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES=""))
    if out.returncode:
        print(f"(TensorFlow run failed: {out.stderr.strip().splitlines()[-1:]})")
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    parser.add_argument("--tf-python", help="an interpreter with tensorflow, for the TF figures")
    args = parser.parse_args()
    iterations = 2000 if args.quick else 100_000
    repeats = 1 if args.quick else 5
    global STEPS
    if args.quick:
        STEPS = 10

    loop, unrolled = alternating([graphflow_rnn(False), graphflow_rnn(True)], repeats)
    scalar = graphflow_scalar(iterations, repeats)
    results = {"graphflow": {
        "scalar_s": scalar, "rnn_s": loop, "rnn_unrolled_s": unrolled,
        "breakdown": graphflow_breakdown(iterations, scalar)}}
    results["jax"] = jax_results(iterations, repeats)
    results["tensorflow"] = tf_results(iterations, repeats, args.tf_python)

    gf = results["graphflow"]
    print(f"scalar while_loop, {iterations:,} iterations (median of {repeats}):")
    per_iter = gf["scalar_s"] / iterations * 1e9
    print(f"  graphflow compiled     {gf['scalar_s'] * 1e3:10.3f} ms {per_iter:9.1f} ns/iter")
    for peer in ("jax", "tensorflow"):
        r = results[peer]
        if r is None:
            print(f"  {peer:<22} not available")
        else:
            print(f"  {peer + ' ' + r['version']:<22} {r['scalar_s'] * 1e3:10.3f} ms "
                  f"{r['scalar_s'] / iterations * 1e9:9.1f} ns/iter   graphflow/{peer} = "
                  f"{gf['scalar_s'] / r['scalar_s']:.3g}x")
    print(f"recurrence: {STEPS} steps of a {BATCH}x{HIDDEN} tanh cell, forward + backward:")
    print(f"  graphflow while_loop   {gf['rnn_s'] * 1e3:8.1f} ms")
    print(f"  graphflow unrolled     {gf['rnn_unrolled_s'] * 1e3:8.1f} ms   loop/unrolled = "
          f"{gf['rnn_s'] / gf['rnn_unrolled_s']:.2f}x")
    for peer in ("jax", "tensorflow"):
        r = results[peer]
        if r is not None:
            print(f"  {peer + ' ' + r['version']:<22} {r['rnn_s'] * 1e3:8.1f} ms   graphflow/{peer} "
                  f"= {gf['rnn_s'] / r['rnn_s']:.1f}x")
    b = gf["breakdown"]
    print(f"where the time goes in one scalar iteration ({b['nodes']} nodes in the condition and "
          f"body; the compiled plan runs the loop as {b['compiled_as']}):")
    print(f"  compiled {b['compiled_us'] * 1e3:.1f} ns; on the reference interpreter: condition "
          f"{b['cond_us']:.1f} us + body {b['body_us']:.1f} us, of which the same NumPy calls in a "
          f"Python loop take {b['numpy_us']:.1f} us ({b['interpreter_overhead_us']:.1f} us is "
          "interpreter overhead)")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
