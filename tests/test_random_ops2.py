"""tf.random (ops2): TF's seeding rules (global and op seeds, traced and re-traced functions),
stateless ops, tf.random.Generator, and the parameterized samplers (categorical, poisson, gamma
with its implicit-reparameterization gradient, checked against TF 2.21's RandomGammaGrad)."""
import threading

import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError
from graphflow.ops import random as gf_random


@pytest.fixture(autouse=True)
def _fresh_seed():
    yield
    tf.random.set_seed(None)


def _u(**kwargs):
    return float(tf.random.uniform([], **kwargs))


def test_global_and_op_seeds_replay_after_set_seed():
    tf.random.set_seed(1)
    a = [_u(), _u(seed=5), _u(), _u(seed=5)]
    tf.random.set_seed(1)
    assert [_u(), _u(seed=5), _u(), _u(seed=5)] == a
    assert len(set(a)) == 4
    tf.random.set_seed(1)
    assert _u(seed=5) == a[1]  # an op seed's stream does not depend on the unseeded calls
    tf.random.set_seed(2)
    assert _u() != a[0]


def test_an_op_seed_alone_is_reproducible_like_tf():
    tf.random.set_seed(None)
    first = [_u(seed=3), _u(seed=3)]
    gf_random.set_seed(None)  # restart the streams, still without a global seed
    assert [_u(seed=3), _u(seed=3)] == first
    assert gf_random._entropy(("op", gf_random.DEFAULT_GRAPH_SEED, 3)) is not None
    assert gf_random._entropy(("global", None)) is None  # no seed at all: fresh numbers


def test_functions_number_their_random_ops_like_a_new_program():
    tf.random.set_seed(1234)

    @tf.function
    def f():
        return tf.random.uniform([]), tf.random.uniform([])

    @tf.function
    def g():
        return tf.random.uniform([]), tf.random.uniform([])

    f1 = [float(t) for t in f()]
    assert [float(t) for t in g()] == f1  # the same ops in another function: the same numbers
    f2 = [float(t) for t in f()]
    assert f2 != f1 and f1[0] != f1[1]  # each call draws new numbers
    tf.random.set_seed(1234)
    assert [float(t) for t in f()] == f1  # set_seed restarts traced functions' streams too


def test_a_retrace_starts_its_own_stream():
    tf.random.set_seed(7)

    @tf.function
    def h(x):
        return tf.random.uniform([]) + x

    first = float(h(tf.constant(0.0)))
    retraced = float(h(tf.constant([0.0, 1.0]))[0])
    assert retraced == first
    assert float(h(tf.constant(0.0))) != first  # the first trace continues its own stream


def test_stateless_ops_are_functions_of_the_seed():
    a = tf.random.stateless_uniform([3], seed=[1, 2])
    np.testing.assert_array_equal(a.numpy(), tf.random.stateless_uniform([3], seed=[1, 2]).numpy())
    assert not np.array_equal(a.numpy(), tf.random.stateless_uniform([3], seed=[2, 1]).numpy())
    longer = tf.random.stateless_normal([5], seed=tf.constant([7, 8], tf.int64)).numpy()
    np.testing.assert_array_equal(tf.random.stateless_normal([3], seed=[7, 8]).numpy(),
                                  longer[:3])
    f = tf.function(lambda s: tf.random.stateless_normal([5], seed=s))
    np.testing.assert_array_equal(f(tf.constant([7, 8])).numpy(), longer)
    ints = tf.random.stateless_uniform([1000], seed=[1, 2], minval=-3, maxval=5, dtype=tf.int64)
    assert ints.dtype is tf.int64 and ints.numpy().min() == -3 and ints.numpy().max() == 4
    scaled = tf.random.stateless_uniform([1000], [1, 2], minval=2.0, maxval=3.0)
    assert 2.0 <= scaled.numpy().min() and scaled.numpy().max() < 3.0
    t = tf.random.stateless_truncated_normal([1000], [3, 4], mean=1.0, stddev=2.0)
    assert np.all(np.abs(t.numpy() - 1.0) <= 4.0)
    c = tf.random.stateless_categorical(tf.math.log([[0.5, 0.5], [1.0, 0.0]]), 50, seed=[1, 2])
    assert c.shape == (2, 50) and c.dtype is tf.int64 and not c.numpy()[1].any()
    assert tf.random.stateless_poisson([4], [1, 2], lam=[1.0, 5.0]).dtype is tf.int32
    assert tf.random.stateless_gamma([4], [1, 2], alpha=[0.5, 2.0], beta=[1.0, 3.0]).shape == (4, 2)


def test_stateless_argument_errors_match_tf():
    with pytest.raises(InvalidArgumentError, match=r"seed must have shape \[2\], not \[3\]"):
        tf.random.stateless_uniform([2], seed=[1, 2, 3])
    with pytest.raises(InvalidArgumentError, match="minval and maxval must both be given"):
        tf.random.stateless_uniform([2], seed=[1, 2], dtype=tf.int32)
    with pytest.raises(InvalidArgumentError, match="seed must be an int32 or int64"):
        tf.random.stateless_normal([2], seed=[1.0, 2.0])


def test_stateless_gradients_reach_the_parameters():
    lo, hi = tf.Variable(1.0), tf.Variable(3.0)
    mean, std = tf.Variable(0.5), tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        u = tf.reduce_sum(tf.random.stateless_uniform([10], [1, 2], minval=lo, maxval=hi))
        n = tf.reduce_sum(tf.random.stateless_normal([10], [1, 2], mean=mean, stddev=std))
    unit = tf.random.stateless_uniform([10], [1, 2]).numpy()
    np.testing.assert_allclose(tape.gradient(u, hi).numpy(), unit.sum(), rtol=1e-6)
    np.testing.assert_allclose(tape.gradient(u, lo).numpy(), 10 - unit.sum(), rtol=1e-6)
    assert float(tape.gradient(n, mean)) == 10.0
    np.testing.assert_allclose(float(tape.gradient(n, std)),
                               tf.random.stateless_normal([10], [1, 2]).numpy().sum(), rtol=1e-5)


def test_generator_sequences_and_functions():
    g = tf.random.Generator.from_seed(42)
    a, b = g.normal([3]).numpy(), g.normal([3]).numpy()
    assert not np.array_equal(a, b)
    h = tf.random.Generator.from_seed(42)
    np.testing.assert_array_equal(h.normal([3]).numpy(), a)
    assert g.state.dtype is tf.int64 and g.state.shape == (3,) and g.algorithm == 1
    ints = g.uniform([100], 0, 10, dtype=tf.int32)
    assert ints.dtype is tf.int32 and 0 <= ints.numpy().min() and ints.numpy().max() < 10
    with pytest.raises(InvalidArgumentError, match="minval and maxval"):
        g.uniform([2], dtype=tf.int32)
    seeds = g.make_seeds(3)
    assert seeds.shape == (2, 3) and seeds.dtype is tf.int64
    children = g.split(2)
    assert len(children) == 2 and not np.array_equal(children[0].normal([2]).numpy(),
                                                      children[1].normal([2]).numpy())

    @tf.function
    def draw():
        return g.normal([2])

    first, second = draw().numpy(), draw().numpy()
    assert not np.array_equal(first, second)  # the state advances inside the compiled plan
    g.reset_from_seed(5)
    replay = g.normal([2]).numpy()
    g.reset_from_seed(5)
    np.testing.assert_array_equal(draw().numpy(), replay)
    g.skip(3)
    assert int(g.state.numpy()[0]) == 4
    assert g.truncated_normal([10]).shape == (10,) and g.uniform_full_int([2]).dtype is tf.int64


def test_generator_draws_from_threads_are_distinct():
    g = tf.random.Generator.from_seed(1)
    out = []

    def work():
        for _ in range(20):
            out.append(float(g.uniform([])))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(out)) == 80 and int(g.state.numpy()[0]) == 80


def test_global_generator():
    gen = tf.random.get_global_generator()
    assert gen is tf.random.get_global_generator()
    tf.random.set_global_generator(tf.random.Generator.from_seed(0))
    first = tf.random.get_global_generator().normal([2]).numpy()
    tf.random.set_global_generator(tf.random.Generator.from_seed(0))
    np.testing.assert_array_equal(tf.random.get_global_generator().normal([2]).numpy(), first)
    with pytest.raises(InvalidArgumentError, match="expected a tf.random.Generator"):
        tf.random.set_global_generator(3)
    assert tf.random.Generator.from_non_deterministic_state().normal([1]).shape == (1,)
    np.testing.assert_array_equal(tf.random.create_rng_state(42, "philox"), [0, 0, 42])


def test_categorical():
    tf.random.set_seed(3)
    draws = tf.random.categorical(tf.math.log([[0.2, 0.8], [1.0, 0.0]]), 4000)
    assert draws.shape == (2, 4000) and draws.dtype is tf.int64
    assert abs(draws.numpy()[0].mean() - 0.8) < 0.03 and not draws.numpy()[1].any()
    assert tf.random.categorical([[1.0, 2.0]], 2, dtype=tf.int32).dtype is tf.int32
    assert tf.random.categorical(tf.zeros([2, 3]), 0).shape == (2, 0)
    with pytest.raises(InvalidArgumentError, match="logits should be a matrix"):
        tf.random.categorical([1.0, 2.0], 2)


def test_poisson_and_gamma_shapes_dtypes_and_edges():
    assert tf.random.poisson([4], [1.0, 5.0]).shape == (4, 2)
    assert tf.random.poisson([2, 3], tf.ones([2, 2]), dtype=tf.int32).dtype is tf.int32
    np.testing.assert_array_equal(tf.random.poisson([3], 0.0).numpy(), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(tf.random.poisson([2], -1.0).numpy(), [0.0, 0.0])  # as TF
    assert tf.random.gamma([2], tf.ones([3, 1]), tf.ones([4])).shape == (2, 3, 4)
    assert tf.random.gamma([5], [0.5, 1.5], [1.0, 2.0], seed=1).dtype is tf.float32
    tiny = tf.random.gamma([1000], 0.01, seed=2).numpy()
    assert tiny.min() >= np.finfo(np.float32).tiny  # clamped above 0, as TF
    with pytest.raises(InvalidArgumentError, match="floating-point"):
        tf.random.gamma([3], 2.0, dtype=tf.int32)


def test_gamma_gradient_is_tfs_implicit_reparameterization():
    alpha = np.array([2.0, 0.5, 10.0, 100.0, 0.01, 2.0, 2.0, 0.3, 1.0, 5.0, 0.1, 30.0])
    sample = np.array([1.2512219, 0.3, 12.0, 90.0, 1e-30, 50.0, 3.0, 2.0, 1e-3, 0.5, 5.0, 40.0])
    tf_values = [0.8499242952626253, 1.0098019459488548, 1.112329443018088, 0.9498259498011444,
                 6.851666733195268e-27, 3.5794157459348748, 1.3217985181779608,
                 3.564110321246913, 0.0073344562448837865, 0.2630334619774199,
                 10.541505299462592, 1.1571274264331395]  # tf.raw_ops.RandomGammaGrad, TF 2.21
    got = gf_random._gamma_sample_grad_ref(alpha, sample)
    np.testing.assert_allclose(got, tf_values, rtol=1e-7)
    a, b = tf.Variable([2.0, 0.7]), tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        mean = tf.reduce_mean(tf.random.gamma([6000], a, b, seed=1), 0)
    # E[x] = alpha / beta, so the mean's gradients are about 1 / beta and -alpha / beta^2.
    np.testing.assert_allclose(tape.gradient(mean, a).numpy(), [1.0, 0.5], rtol=0.05)
    np.testing.assert_allclose(tape.gradient(mean, b).numpy(), [-2.0, -0.175], rtol=0.05)
    s = tf.Variable([1.5])
    with tf.GradientTape() as tape:
        m = tf.reduce_mean(tf.random.stateless_gamma([6000], [1, 2], alpha=s))
    np.testing.assert_allclose(tape.gradient(m, s).numpy(), [1.0], rtol=0.05)


def test_split_and_fold_in_derive_seeds():
    seeds = tf.random.split([1, 2], 3)
    assert seeds.shape == (3, 2) and seeds.dtype is tf.int32
    assert len({tuple(s) for s in seeds.numpy().tolist()}) == 3
    np.testing.assert_array_equal(seeds.numpy(), tf.random.split([1, 2], 3).numpy())
    assert tf.random.split(tf.constant([1, 2], tf.int64)).dtype is tf.int64
    folded = [tuple(tf.random.fold_in([1, 2], d).numpy().tolist()) for d in range(20)]
    assert len(set(folded)) == 20 and folded[5] == tuple(tf.random.fold_in([1, 2], 5).numpy())
    draws = [tf.random.stateless_uniform([], seed=s).numpy() for s in tf.random.split([7, 8], 4)]
    assert len(set(draws)) == 4
