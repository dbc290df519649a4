"""The standard workloads for graphflow and NumPy. Each `run_<name>(cfg)` returns table Rows;
peers' versions of the same computations come from peers.py (cfg.peers holds imported modules).

Definitions follow ../shared/bench/peers/*.py and examples/benchmarks/*.py.
"""
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np

from graphflow.bench import peers as peer_cases
from graphflow.bench.harness import Row, alternate, per_call


class Config:
    def __init__(self, quick=False, repeats=None, peers=None):
        self.quick = quick
        self.repeats = repeats or (3 if quick else 7)
        self.peers = peers or {}    # name -> imported module


def _gf():
    import graphflow as tf
    return tf


def wait_kernels(fn):
    """Blocks until every traced signature of a graphflow.function has its compiled kernels
    (tiered compilation runs the reference interpreter until then)."""
    for concrete in list(getattr(fn, "_cache", {}).values()):
        concrete.kernels()


# -- physical limits -----------------------------------------------------------------------------

def copy_case(n):
    x = np.random.default_rng(0).random(n, dtype=np.float32)
    y = np.empty_like(x)
    return lambda: np.copyto(y, x), 2 * x.nbytes / 1e9


def sgemm_case():
    rng = np.random.default_rng(0)
    a = rng.random((128, 784), dtype=np.float32)
    b = rng.random((784, 512), dtype=np.float32)
    c = np.empty((128, 512), np.float32)
    return lambda: np.matmul(a, b, out=c), 2 * 128 * 784 * 512 / 1e9


def run_limits(cfg):
    copy, gb = copy_case(1_000_000 if cfg.quick else 10_000_000)
    gemm, gflop = sgemm_case()
    copy_row = Row("limits", "np.copyto bandwidth", "GB/s", higher_is_better=True)
    gemm_row = Row("limits", "sgemm 128x784x512", "GFLOP/s", higher_is_better=True)
    copy()
    gemm()
    for _ in range(cfg.repeats):
        copy_row.add("limit", gb / per_call(copy, 5 if cfg.quick else 3))
        gemm_row.add("limit", gflop / per_call(gemm, 20))
    return [copy_row, gemm_row]


# -- eager dispatch ------------------------------------------------------------------------------

def run_eager(cfg):
    tf = _gf()
    a_np, b_np = np.ones(4, np.float32), np.ones(4, np.float32)
    a, b = tf.constant(a_np), tf.constant(b_np)
    cases = {"graphflow eager": lambda: a + b, "numpy": lambda: a_np + b_np}
    cases.update(peer_cases.eager_cases(cfg.peers))
    n = 2000 if cfg.quick else 20000
    row = Row("eager", "a + b, 4 float32", "us/op")
    return [alternate(row, cases, cfg.repeats, lambda fn: per_call(fn, n) * 1e6)]


# -- seed linear regression ----------------------------------------------------------------------

def linreg_step(mode):
    """A callable running one pass over the 4 samples; mode: eager, reference or compiled."""
    tf = _gf()
    x = tf.constant([1.0, 3.0, 5.0, 7.0])
    y = tf.constant([2.0, 3.0, 4.0, 5.0])
    w, b, lr = tf.Variable(1.0), tf.Variable(0.5), 0.01

    def train_step(xk, yk):
        with tf.GradientTape() as tape:
            loss = (w * xk + b - yk) ** 2
        gw, gb = tape.gradient(loss, [w, b])
        w.assign_sub(lr * gw)
        b.assign_sub(lr * gb)

    step = {"eager": train_step, "reference": tf.function(train_step, backend="reference"),
            "compiled": tf.function(train_step)}[mode]
    samples = [(x[k], y[k]) for k in range(4)]
    step(*samples[0])
    if mode == "compiled":
        step.get_concrete_function(*samples[0]).kernels()  # wait for tiered compilation

    w.assign(1.0)  # the warm-up stepped once: start the timed epochs from w=1, b=0.5
    b.assign(0.5)

    def epoch():
        for xk, yk in samples:
            step(xk, yk)
    epoch.variables = (w, b)  # so a caller can check where training ended
    return epoch


def run_linreg(cfg):
    cases = {f"graphflow {m}": linreg_step(m) for m in ("eager", "reference", "compiled")}
    cases.update(peer_cases.linreg_cases(cfg.peers))
    epochs = 25 if cfg.quick else 250
    row = Row("linreg", "seed train_step", "us/step")
    return [alternate(row, cases, cfg.repeats, lambda fn: per_call(fn, epochs) / 4 * 1e6)]


# -- elementwise chains --------------------------------------------------------------------------

CHAINS = {
    "bandwidth (x*1.5+0.25)*0.5-x": (
        lambda m, x: (x * 1.5 + 0.25) * 0.5 - x),
    "transcendental max(x*1.5+0.25,0)*0.5+sigmoid(x)": (
        lambda m, x: m.maximum(x * 1.5 + 0.25, 0.0) * 0.5 + m.sigmoid(x)),
}


class _NumpyMath:
    maximum = staticmethod(np.maximum)

    @staticmethod
    def sigmoid(x):
        return 1 / (1 + np.exp(-x))


def run_elementwise(cfg):
    tf = _gf()
    n = 100_000 if cfg.quick else 10_000_000
    x_np = np.random.default_rng(0).standard_normal(n, dtype=np.float32)
    x = tf.constant(x_np)
    gb = 2 * x_np.nbytes / 1e9
    copy, _ = copy_case(n)
    calls = 20 if cfg.quick else 2
    rows = []
    for label, chain in CHAINS.items():
        def gf_fn(x, chain=chain):
            return chain(tf, x)
        ref, compiled = tf.function(gf_fn, backend="reference"), tf.function(gf_fn)
        compiled(x)
        compiled.get_concrete_function(x).kernels()  # wait for tiered compilation
        expect = chain(_NumpyMath, x_np)
        np.testing.assert_allclose(compiled(x).numpy(), expect, rtol=1e-5, atol=1e-6)
        cases = {"graphflow eager": lambda f=gf_fn: f(x),
                 "graphflow reference": lambda f=ref: f(x),
                 "graphflow compiled": lambda f=compiled: f(x),
                 "numpy": lambda c=chain: c(_NumpyMath, x_np),
                 "limit": copy}
        cases.update(peer_cases.elementwise_cases(cfg.peers, label, x_np))
        row = Row("elementwise", f"{label}, {n:,} float32", "GB/s", higher_is_better=True)
        row.notes.append("limit = np.copyto bandwidth; bytes = read x + write y")
        rows.append(alternate(row, cases, cfg.repeats, lambda fn: gb / per_call(fn, calls)))
    return rows


# -- MNIST MLP epoch -----------------------------------------------------------------------------

def mnist_data(n):
    """(x, y, source): real MNIST when $GRAPHFLOW_DATA_DIR/mnist has it, else random data."""
    from graphflow.keras.datasets import mnist
    directory = os.environ.get("GRAPHFLOW_DATA_DIR")
    files = getattr(mnist, "FILES", {})
    if directory and files and all(os.path.isfile(os.path.join(directory, "mnist", f))
                                   for f in files):
        (x, y), _ = mnist.load_data()
        x = x.reshape(-1, 784).astype("float32") / 255
        return x[:n], y[:n].astype("int64"), "real MNIST"
    rng = np.random.default_rng(0)
    return (rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n).astype("int64"),
            "random data of MNIST's shape (GRAPHFLOW_DATA_DIR has no mnist/)")


def mlp_model(run_eagerly=False):
    from graphflow import keras
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(512, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], run_eagerly=run_eagerly)
    return model


def numpy_mlp_epoch(x, y):
    """The hand-written NumPy loop of ../shared/bench/peers/numpy_mnist.py (the overhead floor)."""
    rng = np.random.default_rng(0)
    lim1, lim2 = np.sqrt(6 / (784 + 512)), np.sqrt(6 / (512 + 10))
    params = [rng.uniform(-lim1, lim1, (784, 512)).astype(np.float32), np.zeros(512, np.float32),
              rng.uniform(-lim2, lim2, (512, 10)).astype(np.float32), np.zeros(10, np.float32)]
    slots = [np.zeros_like(p) for p in params]

    def epoch():
        W1, b1, W2, b2 = params
        perm = rng.permutation(len(x))
        for i in range(0, len(x), 128):
            idx = perm[i:i + 128]
            xb, yb = x[idx], y[idx]
            h = xb @ W1 + b1
            np.maximum(h, 0, out=h)
            z = h @ W2 + b2
            z -= z.max(1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(1, keepdims=True)
            p[np.arange(len(yb)), yb] -= 1
            p /= len(yb)
            gW2, gb2 = h.T @ p, p.sum(0)
            dh = p @ W2.T
            dh *= (h > 0)
            gW1, gb1 = xb.T @ dh, dh.sum(0)
            for w, s, g in zip(params, slots, (gW1, gb1, gW2, gb2)):
                s *= 0.9
                s += 0.1 * g * g
                w -= 1e-3 * g / (np.sqrt(s) + 1e-7)
    return epoch


def mlp_flops(n):
    return n * (2 * (784 * 512 + 512 * 10) + 2 * 784 * 512 + 4 * 512 * 10)


def run_mnist(cfg):
    n = 2048 if cfg.quick else 60000
    x, y, source = mnist_data(n)
    model = mlp_model()
    warm = min(n, 1024 + 64)  # full batches plus a partial one: both traces exist before timing
    model.fit(x[:warm], y[:warm], batch_size=128, epochs=1, verbose=0)
    wait_kernels(model._step_function("train"))
    cases = {"graphflow compiled":
             lambda: model.fit(x, y, batch_size=128, epochs=1, verbose=0)}
    if cfg.quick:
        eager = mlp_model(run_eagerly=True)
        eager.fit(x[:256], y[:256], batch_size=128, epochs=1, verbose=0)
        cases["graphflow eager"] = lambda: eager.fit(x, y, batch_size=128, epochs=1, verbose=0)
    cases["numpy"] = numpy_mlp_epoch(x, y)
    gemm, gflop = sgemm_case()
    gemm()
    cases["limit"] = lambda: gemm  # measured below as the GEMM-bound floor
    cases.update(peer_cases.mnist_cases(cfg.peers, x, y))
    row = Row("mnist", f"MLP epoch, {n} samples", "s/epoch")
    row.notes.append(f"data: {source}; limit = GEMM-bound floor at NumPy's 128x784x512 sgemm rate")
    if not cfg.quick:
        row.notes.append("graphflow eager skipped at full size (slow); see --quick")

    def measure(fn):
        if fn is cases["limit"]:
            return mlp_flops(n) / (gflop * 1e9 / per_call(gemm, 50))
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    return [alternate(row, cases, max(2, cfg.repeats // 2) if not cfg.quick else cfg.repeats,
                      measure)]


# -- small CNN train step ------------------------------------------------------------------------

def cnn_model(run_eagerly=False):
    from graphflow import keras
    model = keras.Sequential([
        keras.Input((28, 28, 1)), keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(), keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  run_eagerly=run_eagerly)
    return model


def run_cnn(cfg):
    batch = 8 if cfg.quick else 64
    rng = np.random.default_rng(0)
    x = rng.random((batch, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, batch).astype("int64")
    compiled, eager = cnn_model(), cnn_model(run_eagerly=True)
    compiled.train_on_batch(x, y)
    wait_kernels(compiled._step_function("train"))
    eager.train_on_batch(x, y)
    cases = {"graphflow eager": lambda: eager.train_on_batch(x, y),
             "graphflow compiled": lambda: compiled.train_on_batch(x, y)}
    cases.update(peer_cases.cnn_cases(cfg.peers, x, y))
    steps = 5 if cfg.quick else 10
    row = Row("cnn", f"Conv32-pool-dense step, batch {batch}", "ms/step")
    return [alternate(row, cases, cfg.repeats, lambda fn: per_call(fn, steps) * 1e3)]


# -- compile latency (subprocesses) --------------------------------------------------------------

COMPILE_BODIES = {
    "linreg": """
        w, b = tf.Variable(1.0), tf.Variable(0.5)

        @tf.function
        def step(x, y):
            with tf.GradientTape() as tape:
                loss = (w * x + b - y) ** 2
            gw, gb = tape.gradient(loss, [w, b])
            w.assign_sub(0.01 * gw)
            b.assign_sub(0.01 * gb)

        args = (tf.constant(1.0), tf.constant(2.0))
    """,
    "mlp": """
        rng = np.random.default_rng(0)
        params = [tf.Variable(rng.standard_normal(s).astype(np.float32) * 0.05)
                  for s in ((784, 512), (512,), (512, 10), (10,))]
        slots = [tf.Variable(np.zeros(p.shape.as_list(), np.float32)) for p in params]

        @tf.function
        def step(x, y):
            w1, b1, w2, b2 = params
            with tf.GradientTape() as tape:
                h = tf.nn.relu(tf.matmul(x, w1) + b1)
                logits = tf.matmul(h, w2) + b2
                loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))
            grads = tape.gradient(loss, params)
            for p, s, g in zip(params, slots, grads):  # RMSprop
                s.assign(0.9 * s + 0.1 * g * g)
                p.assign_sub(0.001 * g / (tf.sqrt(s) + 1e-7))
            return loss

        args = (tf.constant(rng.random((128, 784), dtype=np.float32)),
                tf.constant(rng.integers(0, 10, 128).astype(np.int32)))
    """,
}

COMPILE_PROGRAM = """
import json, time
import numpy as np
import graphflow as tf
{body}
t0 = time.perf_counter()
step(*args)
first = time.perf_counter() - t0
step.get_concrete_function(*args).kernels()  # waits for the background compile
ready = time.perf_counter() - t0
print(json.dumps({{"first_call_s": first, "ready_s": ready}}))
"""


def compile_once(name, cache_dir):
    code = COMPILE_PROGRAM.format(body=textwrap.dedent(COMPILE_BODIES[name]))
    env = dict(os.environ, GRAPHFLOW_CACHE_DIR=cache_dir)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"compile latency subprocess for {name!r} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_compile(cfg):
    rows = []
    for name in (("linreg",) if cfg.quick else ("linreg", "mlp")):
        first = {"cold": Row("compile", f"{name} cold first call", "s"),
                 "warm": Row("compile", f"{name} warm first call", "s")}
        ready = {"cold": Row("compile", f"{name} cold kernels ready", "s"),
                 "warm": Row("compile", f"{name} warm kernels ready", "s")}
        for _ in range(1 if cfg.quick else 2):
            with tempfile.TemporaryDirectory() as cache:
                for kind in ("cold", "warm"):  # warm: same cache dir, new process
                    r = compile_once(name, cache)
                    first[kind].add("graphflow compiled", r["first_call_s"])
                    ready[kind].add("graphflow compiled", r["ready_s"])
        rows += [first["cold"], ready["cold"], first["warm"], ready["warm"]]
    rows[0].notes.append("fresh GRAPHFLOW_CACHE_DIR (cold) then a new process on the same "
                         "dir (warm); first call runs on the interpreter while kernels compile")
    return rows


RUNNERS = {"limits": run_limits, "eager": run_eager, "linreg": run_linreg,
           "elementwise": run_elementwise, "mnist": run_mnist, "cnn": run_cnn,
           "compile": run_compile}
