"""Plans per executable are bounded (least recently used evicted; graphflow.config's
set_max_cached_plans) and explain() reports the memory each cached plan holds."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.compiler.plan_cache import MAX_CACHED_PLANS, PlanCache


@pytest.fixture
def max_plans():
    previous = tf.config.get_max_cached_plans()
    yield tf.config.set_max_cached_plans
    tf.config.set_max_cached_plans(previous)


def _relaxed():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        return tf.tanh(x * 2.0) + 1.0
    return f


def test_default_bound_is_documented():
    assert tf.config.get_max_cached_plans() == MAX_CACHED_PLANS == 32


@pytest.mark.parametrize("device", ["/CPU:0", "/GPU:0"])
def test_least_recently_used_plans_are_evicted(max_plans, device):
    max_plans(3)
    with tf.device(device):
        f = _relaxed()
        for n in (2, 3, 4, 2, 5):   # 2 is used again before 5 arrives: 3 is the oldest
            x = np.linspace(-1, 1, n, dtype=np.float32)
            np.testing.assert_allclose(f(tf.constant(x)).numpy(), np.tanh(2 * x) + 1,
                                       rtol=1e-6)
        concrete = f.get_concrete_function(tf.constant(x))
        executable = next(iter(concrete._gpu_executables.values())) if device == "/GPU:0" \
            else concrete._get_executable()
        assert [key for key, _ in executable.plans.items()] == [((4,),), ((2,),), ((5,),)]
        x = np.linspace(-1, 1, 3, dtype=np.float32)  # evicted: rebuilt, still right
        np.testing.assert_allclose(f(tf.constant(x)).numpy(), np.tanh(2 * x) + 1, rtol=1e-6)


def test_explain_reports_memory_per_cached_plan():
    f = _relaxed()
    for n in (1000, 10):
        f(tf.constant(np.ones(n, np.float32)))
    text = f.get_concrete_function(tf.constant(np.ones(10, np.float32))).explain()
    section = text[text.index("== cached plans"):]
    assert "2 of at most 32" in section
    assert "input shapes [(1000,)]: 1 instance x 4000 bytes" in section  # the output array
    assert "input shapes [(10,)]: 1 instance x 40 bytes" in section


def test_session_keeps_at_most_the_bound_of_fetch_sets(max_plans):
    max_plans(2)
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [3])
        outs = [x * float(k) for k in range(4)]
    with tf.compat.v1.Session(graph=graph) as sess:
        for k, out in enumerate(outs):
            np.testing.assert_allclose(sess.run(out, {x: np.ones(3)}), [k] * 3)
        assert len(sess._plans) == 2
        np.testing.assert_allclose(sess.run(outs[0], {x: np.ones(3)}), [0] * 3)


def test_plan_cache_builds_one_instance_per_concurrent_call():
    import threading
    built, release = [], threading.Event()

    class Blocking:
        def run(self, arrays):
            release.wait(5)
            return arrays

    def build(key):
        built.append(key)
        return Blocking()
    cache = PlanCache(build, max_plans=lambda: 4)
    threads = [threading.Thread(target=cache.run, args=((1,), [np.ones(1)])) for _ in range(3)]
    for t in threads:
        t.start()
    while len(built) < 3:
        pass
    release.set()
    for t in threads:
        t.join()
    cache.run((1,), [np.ones(1)])  # an idle instance now: nothing new is built
    assert built == [(1,)] * 3
    assert cache.memory() == [((1,), 3, 0)]


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "8"])
def test_set_max_cached_plans_rejects_bad_values(bad):
    with pytest.raises(tf.errors.InvalidArgumentError, match="set_max_cached_plans"):
        tf.config.set_max_cached_plans(bad)
