"""The execution context is per thread (as in TF): graph building, tapes, device scopes and
default sessions in one thread do not leak into another; tracing is safe from many threads."""
import threading

import numpy as np

import graphflow as tf


def _run_threads(n, target):
    """Runs target(i) in n threads at once; re-raises the first failure."""
    errors = []
    barrier = threading.Barrier(n)

    def wrapped(i):
        try:
            barrier.wait()
            target(i)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def test_eager_ops_run_eagerly_while_another_thread_builds_a_graph():
    inside = threading.Event()
    release = threading.Event()
    results = {}

    def builder():
        g = tf.Graph()
        with g.as_default():
            tf.constant(1.0) + 1.0
            inside.set()
            release.wait(10)
            results["graph_nodes"] = len(g.get_operations())

    t = threading.Thread(target=builder)
    t.start()
    assert inside.wait(10)
    try:
        assert tf.executing_eagerly()
        y = tf.constant([1.0, 2.0]) * 3.0
        results["eager"] = y.numpy()
    finally:
        release.set()
        t.join()
    np.testing.assert_array_equal(results["eager"], [3.0, 6.0])
    assert results["graph_nodes"] == 3  # the eager multiply did not land in the other graph


def test_tapes_record_only_their_own_thread():
    x = tf.Variable(2.0)

    def work(i):
        c = tf.constant(float(i + 1))
        for _ in range(50):
            with tf.GradientTape() as tape:
                tape.watch(c)
                y = c * c * x
            dc, dx = tape.gradient(y, [c, x])
            assert float(dc) == 2 * (i + 1) * 2.0, (i, float(dc))
            assert float(dx) == (i + 1) ** 2, (i, float(dx))
    _run_threads(8, work)


def test_concurrent_tracing_of_one_function():
    traces = []

    @tf.function
    def f(x):
        traces.append(x.shape)
        return tf.reduce_sum(x * 2.0)

    def work(i):
        n = i % 4 + 1
        for _ in range(20):
            out = f(tf.ones([n]))
            assert float(out) == 2.0 * n, (n, float(out))
    _run_threads(8, work)
    # one trace per distinct shape, whatever the interleaving
    assert f.experimental_get_tracing_count() == 4
    assert sorted(s[0] for s in traces) == [1, 2, 3, 4]


def test_many_functions_traced_concurrently_with_eager_work():
    def work(i):
        scale = float(i + 1)

        @tf.function
        def g(x):
            return tf.nn.relu(x) * scale

        for _ in range(10):
            a = tf.constant([-1.0, 2.0])
            assert g(a).numpy().tolist() == [0.0, 2.0 * scale]
            assert (a + scale).numpy().tolist() == [-1.0 + scale, 2.0 + scale]
    _run_threads(6, work)


def test_device_scopes_are_per_thread():
    seen = {}
    entered = threading.Event()
    release = threading.Event()

    def scoped():
        with tf.device("/CPU:0"):
            seen["inside"] = tf.constant(1.0).device
            entered.set()
            release.wait(10)

    t = threading.Thread(target=scoped)
    t.start()
    assert entered.wait(10)
    try:
        from graphflow import devices
        assert devices.scope_device() is None  # the other thread's scope is not ours
    finally:
        release.set()
        t.join()
    assert seen["inside"].endswith("CPU:0")


def test_default_session_is_per_thread():
    g = tf.Graph()
    with g.as_default():
        a = tf.compat.v1.placeholder(tf.float32, [])
        b = a * 2.0
    sess = tf.compat.v1.Session(graph=g)
    seen = []
    with sess.as_default():
        t = threading.Thread(target=lambda: seen.append(tf.compat.v1.get_default_session()))
        t.start()
        t.join()
        assert tf.compat.v1.get_default_session() is sess
        assert float(b.eval(feed_dict={a: 3.0})) == 6.0
    assert seen[0] is not sess


def test_keras_layer_names_stay_unique_across_threads():
    names = []
    lock = threading.Lock()

    def work(i):
        for _ in range(25):
            layer = tf.keras.layers.Dense(2)
            with lock:
                names.append(layer.name)
    _run_threads(8, work)
    assert len(names) == len(set(names)) == 200


# -- re-entrant plans: concurrent calls of one compiled function, Session and Keras model ---------

SHAPE = (300, 200)
CALLS = 200


def _inputs(i, k):
    rng = np.random.default_rng(1000 * i + k)
    return rng.standard_normal(SHAPE).astype(np.float32), rng.standard_normal(SHAPE[1:]) \
        .astype(np.float32)


def _want(x, b):
    """NumPy of _program: a fused elementwise chain, a matmul (arena buffers) and a reduction."""
    h = np.tanh(x * 1.5 + b)
    return (h @ W).astype(np.float32), np.maximum(h, 0.0).sum(axis=1)


W = np.random.default_rng(7).standard_normal((SHAPE[1], 16)).astype(np.float32)


def _program(x, b):
    h = tf.tanh(x * 1.5 + b)
    return tf.matmul(h, tf.constant(W)), tf.reduce_sum(tf.nn.relu(h), axis=1)


def _check_concurrent_calls(call, n_threads=8, calls=CALLS, variants=3):
    """n_threads threads each make `calls` calls with their own inputs, cycling through
    `variants` input sets, and compare every result with NumPy."""
    cases = {(i, k): _inputs(i, k) for i in range(n_threads) for k in range(variants)}
    wants = {key: _want(*v) for key, v in cases.items()}

    def work(i):
        for j in range(calls):
            x, b = cases[i, j % variants]
            got = call(x, b)
            for g, w in zip(got, wants[i, j % variants]):
                np.testing.assert_allclose(g, w, rtol=2e-4, atol=2e-4,
                                           err_msg=f"thread {i}, call {j}")
    _run_threads(n_threads, work)


def test_one_compiled_function_called_from_8_threads():
    f = tf.function(_program)
    f(*_inputs(0, 0))  # traced and compiled before the threads start

    def call(x, b):
        return [t.numpy() for t in f(tf.constant(x), tf.constant(b))]
    _check_concurrent_calls(call)


def test_concurrent_calls_while_tiered_compilation_finishes():
    previous = tf.config.get_tiered_compilation()
    tf.config.set_tiered_compilation(True)
    try:
        # a fresh function (new kernels' compile runs in the background as the threads start)
        f = tf.function(lambda x, b: _program(x * 1.0 + 0.0, b))

        def call(x, b):
            return [t.numpy() for t in f(tf.constant(x), tf.constant(b))]
        _check_concurrent_calls(call, calls=60)
    finally:
        tf.config.set_tiered_compilation(previous)


def test_one_session_run_from_8_threads():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, SHAPE)
        b = tf.compat.v1.placeholder(tf.float32, SHAPE[1:])
        outs = _program(x, b)
    with tf.compat.v1.Session(graph=graph) as sess:
        def call(xv, bv):
            return sess.run(list(outs), {x: xv, b: bv})
        _check_concurrent_calls(call, calls=100)


def test_one_keras_model_predict_from_8_threads():
    inputs = tf.keras.Input((20,))
    outputs = tf.keras.layers.Dense(4, activation="tanh")(tf.keras.layers.Dense(32)(inputs))
    model = tf.keras.Model(inputs, outputs)
    rng = np.random.default_rng(3)
    cases = [rng.standard_normal((64, 20)).astype(np.float32) for _ in range(8)]
    wants = [model(tf.constant(c)).numpy() for c in cases]
    model.predict(cases[0], verbose=0)

    def work(i):
        for j in range(15):
            np.testing.assert_allclose(model.predict(cases[i], verbose=0), wants[i],
                                       rtol=1e-5, atol=1e-5, err_msg=f"thread {i}, call {j}")
    _run_threads(8, work)
