"""Shapes, sizes, depths, counts and indices computed when the graph runs: tf.shape / tf.size /
tf.rank and their elements wherever TF takes a shape. Known while tracing they fold to static
attrs (the graph is what a static shape would give); otherwise the dynamic op's plan is
specialized for the concrete shapes (and fused); shapes that depend on data run on the
reference interpreter."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError

X = np.arange(24, dtype=np.float32).reshape(4, 2, 3)

CASES = {
    "reshape": (lambda x: tf.reshape(x, [tf.shape(x)[0], -1]), lambda x: x.reshape(4, -1)),
    "zeros": (lambda x: tf.zeros(tf.shape(x)) + x, lambda x: x),
    "ones": (lambda x: tf.ones([tf.shape(x)[0], 4], tf.int32), lambda x: np.ones((4, 4), np.int32)),
    "fill": (lambda x: tf.fill(tf.shape(x)[:2], 7.0), lambda x: np.full((4, 2), 7.0, np.float32)),
    "fill_tensor_value": (lambda x: tf.fill([2], tf.reduce_sum(x)), lambda x: np.full(2, x.sum())),
    "range": (lambda x: tf.range(tf.shape(x)[0]), lambda x: np.arange(4, dtype=np.int32)),
    "range_size": (lambda x: tf.range(0, tf.size(x), 5), lambda x: np.arange(0, 24, 5).astype(np.int32)),
    "tile": (lambda x: tf.tile(x, [1, tf.shape(x)[0], 1]), lambda x: np.tile(x, (1, 4, 1))),
    "one_hot": (lambda x: tf.one_hot(tf.range(tf.shape(x)[0]), depth=tf.shape(x)[0] + 1),
                lambda x: np.eye(4, 5, dtype=np.float32)),
    "slice": (lambda x: x[:tf.shape(x)[0] - 1], lambda x: x[:3]),
    "slice_step": (lambda x: x[tf.shape(x)[0] - 1::-tf.shape(x)[1]], lambda x: x[3::-2]),
    "index": (lambda x: x[tf.shape(x)[0] - 1], lambda x: x[3]),
    "index_rank": (lambda x: x[:, tf.rank(x) - 2], lambda x: x[:, 1]),
    "broadcast_to": (lambda x: tf.broadcast_to(x[:, :1, :1], tf.shape(x)),
                     lambda x: np.broadcast_to(x[:, :1, :1], x.shape)),
    "mean_by_count": (lambda x: tf.reduce_sum(x) / tf.cast(tf.shape(x)[0], tf.float32),
                      lambda x: np.float32(x.sum() / 4)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_runtime_shapes_every_way_they_run(name):
    fn, expected = CASES[name]
    want = expected(X)
    eager = fn(tf.constant(X))
    np.testing.assert_allclose(eager.numpy(), want)
    static = tf.function(fn)
    np.testing.assert_allclose(static(tf.constant(X)).numpy(), want)
    kinds = [n.type for n in static.get_concrete_function(tf.constant(X)).graph.nodes]
    if name != "fill_tensor_value":  # (a value computed in the graph needs the fill op)
        assert not [k for k in kinds if k.startswith("dynamic_") or k in ("fill", "range")], kinds
    for backend in ("reference", "numba"):
        relaxed = tf.function(fn, input_signature=[tf.TensorSpec([None, 2, 3])], backend=backend)
        out = relaxed(tf.constant(X))
        assert out.dtype == eager.dtype
        np.testing.assert_allclose(out.numpy(), want)
    text = relaxed.explain().split("== plan")[-1]
    assert "reference interpreter" not in text  # specialized and compiled for (4, 2, 3)
    g = tf.Graph()
    with g.as_default():
        p = tf.compat.v1.placeholder(tf.float32, [None, None, 3])
        y = fn(p)
    with tf.compat.v1.Session(graph=g) as sess:
        np.testing.assert_allclose(sess.run(y, {p: X}), want)


def test_static_shapes_of_traces_match_tf():
    spec = [tf.TensorSpec([None, 2, 3])]

    def shape_of(fn):
        return tf.function(fn, input_signature=spec).get_concrete_function().outputs[0].shape.as_list()
    assert shape_of(lambda x: tf.reshape(x, [tf.shape(x)[0], -1])) == [None, None]
    assert shape_of(lambda x: tf.reshape(x, [tf.shape(x)[1], -1])) == [2, None]
    assert shape_of(lambda x: tf.tile(x, [1, tf.shape(x)[0], 1])) == [None, None, 3]
    assert shape_of(lambda x: x[tf.shape(x)[0] - 1]) == [2, 3]
    assert shape_of(lambda x: x[:tf.shape(x)[0] - 1]) == [None, 2, 3]
    assert shape_of(lambda x: tf.range(tf.shape(x)[0])) == [None]
    assert shape_of(lambda x: tf.zeros(tf.shape(x))) == [None, 2, 3]
    assert shape_of(lambda x: tf.random.normal(tf.shape(x))) == [None, 2, 3]
    known = tf.function(lambda x: x[:tf.shape(x)[0] - 1], input_signature=[tf.TensorSpec([5, 2, 3])])
    assert known.get_concrete_function().outputs[0].shape.as_list() == [4, 2, 3]


def test_specialized_plans_fuse_as_static_traces_do():
    def step(x):
        h = tf.reshape(x, [tf.shape(x)[0], -1])
        noise = tf.zeros(tf.shape(h))
        return tf.nn.relu(h * 2.0 + noise) + 1.0
    static = tf.function(step)
    relaxed = tf.function(step, input_signature=[tf.TensorSpec([None, 2, 3])])
    np.testing.assert_allclose(relaxed(tf.constant(X)).numpy(), static(tf.constant(X)).numpy())
    kernels = [len(f._last_concrete._executable.last_plan.kernels) for f in (static, relaxed)]
    assert kernels[0] == kernels[1] >= 1


def test_random_normal_of_a_runtime_shape():
    f = tf.function(lambda z: z + tf.random.normal(tf.shape(z)) * 0.0 + tf.random.uniform(
        tf.shape(z)[1:], maxval=0.0), input_signature=[tf.TensorSpec([None, 3])])
    out = f(tf.ones((5, 3)))
    assert out.shape == (5, 3)
    np.testing.assert_allclose(out.numpy(), np.ones((5, 3)))
    draws = tf.function(lambda z: tf.random.normal(tf.shape(z)), input_signature=[tf.TensorSpec([None])])
    a, b = draws(tf.zeros(1000)).numpy(), draws(tf.zeros(1000)).numpy()
    assert a.shape == (1000,) and not np.array_equal(a, b) and abs(a.mean()) < 0.2


def test_stateless_random_of_a_runtime_shape():
    # keras.random.normal((tf.shape(x)[0], 4), seed=SeedGenerator) in a GAN's train_step
    spec = [tf.TensorSpec([None, 3])]
    seed = [3, 4]
    ops = [tf.random.stateless_normal, tf.random.stateless_uniform,
           tf.random.stateless_truncated_normal,
           lambda s, seed: tf.random.stateless_uniform(s, seed, 0, 9, tf.int32)]
    for op in ops:
        f = tf.function(lambda z: op((tf.shape(z)[0], 4), seed=seed), input_signature=spec)
        assert f.get_concrete_function().outputs[0].shape.as_list() == [None, 4]
        out = f(tf.ones((5, 3)))
        np.testing.assert_array_equal(out.numpy(), op((5, 4), seed=seed).numpy())
        # the same numbers once the shape is known while tracing (folded to an attr)
        g = tf.function(lambda z: op(tf.shape(z), seed=seed))
        np.testing.assert_array_equal(g(tf.ones((2, 3))).numpy(), op((2, 3), seed=seed).numpy())
    bad = tf.function(lambda n: tf.random.stateless_normal([n, 2], seed=seed))
    with pytest.raises(tf.errors.InvalidArgumentError, match="shape dimensions must be >= 0"):
        bad(tf.constant(-1))
    from graphflow import keras
    gen = keras.random.SeedGenerator(1337)
    h = tf.function(lambda z: keras.random.normal((tf.shape(z)[0], 2), seed=gen),
                    input_signature=spec)
    assert h(tf.ones((6, 3))).shape == (6, 2)


def test_shapes_that_depend_on_data_run_on_the_reference_interpreter():
    f = tf.function(lambda x, n: tf.reshape(x, [tf.reduce_sum(n), -1]))
    out = f(tf.constant(X), tf.constant([1, 1, 2]))
    assert out.shape == (4, 6)
    assert "data-dependent shape" in f.explain()


def test_gradients_through_runtime_shapes():
    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float64)])
    def grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.tile(tf.reshape(x, [-1, tf.shape(x)[1]])[:tf.shape(x)[0] - 1], [2, 1])
            loss = tf.reduce_sum(y * y) + tf.reduce_sum(tf.broadcast_to(x[:1], tf.shape(x)))
        return tape.gradient(loss, x)
    x = np.arange(12.0).reshape(4, 3)
    want = np.zeros_like(x)
    want[:3] = 4 * x[:3]
    want[0] += 4
    np.testing.assert_allclose(grad(tf.constant(x)).numpy(), want)


def test_runtime_shape_errors():
    f = tf.function(lambda x, n: tf.reshape(x, [n, 5]))
    with pytest.raises(InvalidArgumentError, match="cannot reshape a tensor with 24 elements"):
        f(tf.constant(X), tf.constant(2))
    g = tf.function(lambda n: tf.zeros([n, 2]))
    with pytest.raises(InvalidArgumentError, match="fill: shape dimensions must be >= 0"):
        g(tf.constant(-1))
    h = tf.function(lambda x, i: x[i])
    with pytest.raises(InvalidArgumentError, match="out of range"):
        h(tf.constant(X), tf.constant(7))
    with pytest.raises(InvalidArgumentError, match="must be an integer"):
        tf.function(lambda x: tf.zeros([tf.reduce_sum(x), 2]))(tf.constant([1.0]))


def test_slice_with_tensor_begin_and_size_in_a_function():
    # the pattern of tf.slice(image, *sample_distorted_bounding_box(...)[:2]) in Dataset.map
    f = tf.function(lambda x, b, s: tf.slice(x, b, s))
    x = tf.reshape(tf.range(12), (3, 4))
    assert f(x, tf.constant([1, 1]), tf.constant([2, 2])).numpy().tolist() == [[5, 6], [9, 10]]
    assert f(x, tf.constant([0, 2]), tf.constant([-1, 2])).numpy().tolist() == \
        [[2, 3], [6, 7], [10, 11]]
    for begin, size in (([2, 1], [3, 2]), ([-1, 0], [1, 1]), ([0, 0], [-2, 1])):
        with pytest.raises(tf.errors.InvalidArgumentError, match="must select within"):
            f(x, tf.constant(begin), tf.constant(size))  # TF raises; a strided slice would clip
    images = tf.data.Dataset.from_tensor_slices(tf.reshape(tf.range(32.0), (2, 4, 4, 1)))
    crops = images.map(lambda im: tf.slice(im, tf.constant([1, 1, 0]), tf.constant([2, 2, -1])))
    assert [c.shape.as_list() for c in crops] == [[2, 2, 1], [2, 2, 1]]
    v = tf.constant(np.arange(12.0).reshape(3, 4))
    with tf.GradientTape() as tape:
        tape.watch(v)
        y = tf.reduce_sum(tf.function(lambda a, b: tf.slice(a, b, [2, 2]))(v, tf.constant([1, 1])))
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(),
                                  [[0, 0, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0]])


def test_lists_of_graph_tensors_are_packed_as_tf_does():
    x = tf.ones((2, 3, 4))
    checks = [
        (lambda a: tf.convert_to_tensor([a[0, 0, 0], a[0, 0, 1] * 2]), [1.0, 2.0]),
        (lambda a: tf.convert_to_tensor([a[0, 0, 0], 5.0]), [1.0, 5.0]),
        (lambda a: tf.convert_to_tensor([[a[0, 0, 0], 1.0], [2.0, 3.0]]), [[1.0, 1.0], [2.0, 3.0]]),
        (lambda a: tf.add(a[0, 0, :2], [a[0, 0, 0], 1.0]), [2.0, 2.0]),
        (lambda a: tf.where([True, False], a[0, 0, :2], [a[0, 0, 0], 0.0]), [1.0, 0.0]),
        (lambda a: tf.gather(a[0, 0], [tf.shape(a)[0], 0]), [1.0, 1.0]),
        (lambda a: tf.concat([a[0, 0], a[0, 0]], axis=tf.constant(0)), [1.0] * 8),
    ]
    for fn, expected in checks:  # values TF 2.21 returns for the same functions
        np.testing.assert_allclose(tf.function(fn)(x).numpy(), expected)
    with pytest.raises(InvalidArgumentError, match="requested int32"):
        tf.function(lambda a: tf.convert_to_tensor([a[0, 0, 0]], dtype=tf.int32))(x)


def test_pad_with_paddings_computed_when_the_graph_runs():
    f = tf.function(lambda a, p: tf.pad(a, p, constant_values=7))
    np.testing.assert_array_equal(f(tf.ones((2, 2)), tf.constant([[1, 0], [0, 2]])).numpy(),
                                  [[7, 7, 7, 7], [1, 1, 7, 7], [1, 1, 7, 7]])
    with pytest.raises(InvalidArgumentError, match="paddings must be >= 0"):
        f(tf.ones((2, 2)), tf.constant([[-1, 0], [0, 2]]))
    g = tf.function(lambda a: tf.pad(a, [[0, 0], [tf.shape(a)[0], 0]]))
    assert g(tf.ones((2, 3))).shape == (2, 5)
    v = tf.constant(np.ones((2, 2)))
    with tf.GradientTape() as tape:
        tape.watch(v)
        y = tf.reduce_sum(f(v, tf.constant([[1, 0], [0, 2]])) * 3.0)
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [[3, 3], [3, 3]])
    with pytest.raises(tf.errors.UnimplementedError, match="REFLECT needs paddings known"):
        tf.function(lambda a, p: tf.pad(a, p, mode="REFLECT"))(tf.ones((3, 3)), tf.constant([[1, 1], [1, 1]]))
