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
