"""Eager tensors: creation, dtype defaults, Python protocol, printing, operators, indexing, Variable."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError


def _eq(t, expected, dtype=None):
    value = t.numpy() if hasattr(t, "numpy") else np.asarray(t)
    np.testing.assert_array_equal(value, expected)
    if dtype is not None:
        assert t.dtype is dtype, (t.dtype, dtype)


# ---------------------------------------------------------------------------------------------
# dtype defaults


@pytest.mark.parametrize("value,dtype", [
    (1.0, tf.float32), ([1.0, 2.5], tf.float32), (1, tf.int32), ([[1, 2]], tf.int32),
    (True, tf.bool), ([True, False], tf.bool), (2 ** 40, tf.int64),
    (np.float64(1.0), tf.float64), (np.array([1.0, 2.0]), tf.float64),
    (np.array([1.0], np.float32), tf.float32), (np.array([1], np.int64), tf.int64),
    (np.int16(3), tf.int16), (np.array([1, 2], np.uint8), tf.uint8), ([1, 2.5], tf.float32),
])
def test_constant_dtype_defaults(value, dtype):
    t = tf.constant(value)
    assert t.dtype is dtype
    np.testing.assert_array_equal(t.numpy(), np.asarray(value))


@pytest.mark.parametrize("name,dtype", [
    ("float32", tf.float32), ("float64", tf.float64), ("double", tf.float64), ("half", tf.float16),
    ("int32", tf.int32), ("int64", tf.int64), ("bool", tf.bool), ("uint8", tf.uint8),
])
def test_strings_as_dtypes(name, dtype):
    assert tf.as_dtype(name) is dtype
    assert tf.constant([1, 0], dtype=name).dtype is dtype
    assert tf.zeros((2,), name).dtype is dtype
    assert tf.cast(tf.constant([1.0, 0.0]), name).dtype is dtype
    assert dtype == name and dtype == dtype.np


def test_dtype_objects():
    assert tf.float32.is_floating and not tf.float32.is_integer
    assert tf.int32.is_integer and tf.uint8.is_unsigned and tf.bool.is_bool
    assert tf.as_dtype(np.float64) is tf.float64 and tf.as_dtype(float) is tf.float32
    assert tf.as_dtype(int) is tf.int32 and tf.as_dtype(bool) is tf.bool
    assert tf.float32.as_numpy_dtype is np.float32 and tf.float32.size == 4
    assert repr(tf.float32) == "tf.float32" and str(tf.int64) == "<dtype: 'int64'>"
    assert tf.float32 != tf.float64 and tf.float32 != "not a dtype"
    with pytest.raises(InvalidArgumentError, match="Unknown dtype name 'float128'"):
        tf.as_dtype("float128")
    assert tf.as_dtype(np.complex64) is tf.complex64
    with pytest.raises(InvalidArgumentError, match="Unsupported dtype"):
        tf.as_dtype(np.dtype("datetime64[s]"))


def test_constant_with_dtype_and_shape():
    _eq(tf.constant(1, tf.float64), 1.0, tf.float64)
    _eq(tf.constant(2.0, tf.int32), 2, tf.int32)  # a whole float converts
    _eq(tf.constant(0.0, shape=(2, 2)), np.zeros((2, 2)), tf.float32)
    _eq(tf.constant([1, 2, 3, 4], shape=[2, 2]), [[1, 2], [3, 4]], tf.int32)
    _eq(tf.constant(tf.constant([1.0, 2.0]), tf.float64), [1.0, 2.0], tf.float64)
    with pytest.raises(InvalidArgumentError, match="constant.*1.5.*int32"):
        tf.constant(1.5, tf.int32)
    with pytest.raises(InvalidArgumentError, match=r"constant.*\(3,\).*\(2, 2\)"):
        tf.constant([1, 2, 3], shape=(2, 2))
    assert tf.constant("text").dtype is tf.string  # strings are tf.string tensors (test_strings.py)
    with pytest.raises(InvalidArgumentError, match="Cannot convert.*tensor"):
        tf.constant({"a": 1})
    with pytest.raises(InvalidArgumentError, match="constant"):
        tf.constant([[1, 2], [3]])


def test_convert_to_tensor():
    t = tf.constant([1.0])
    assert tf.convert_to_tensor(t) is t
    _eq(tf.convert_to_tensor([1, 2]), [1, 2], tf.int32)
    _eq(tf.convert_to_tensor([1, 2], dtype=tf.float32), [1.0, 2.0], tf.float32)
    _eq(tf.convert_to_tensor([1, 2], dtype_hint=tf.float32), [1.0, 2.0], tf.float32)
    _eq(tf.convert_to_tensor([1.5], dtype_hint=tf.int32), [1.5], tf.float32)  # a hint, not an order
    v = tf.Variable([3.0])
    converted = tf.convert_to_tensor(v)
    assert isinstance(converted, tf.Tensor)
    _eq(converted, [3.0], tf.float32)
    with pytest.raises(InvalidArgumentError, match="float32.*float64"):
        tf.convert_to_tensor(t, dtype=tf.float64)


# ---------------------------------------------------------------------------------------------
# Creation ops


def test_zeros_ones_fill():
    _eq(tf.zeros((2, 3)), np.zeros((2, 3)), tf.float32)
    _eq(tf.zeros([0, 2], tf.int64), np.zeros((0, 2)), tf.int64)
    _eq(tf.zeros(3), np.zeros(3), tf.float32)
    _eq(tf.zeros(()), 0.0, tf.float32)
    _eq(tf.ones((2,), tf.int32), [1, 1], tf.int32)
    _eq(tf.ones(tf.constant([2, 1])), [[1.0], [1.0]], tf.float32)
    _eq(tf.ones(tf.TensorShape([1, 2])), [[1.0, 1.0]], tf.float32)
    _eq(tf.fill([2], 7), [7, 7], tf.int32)
    _eq(tf.fill([2, 1], 0.5), [[0.5], [0.5]], tf.float32)
    _eq(tf.fill((2,), 3, tf.float64), [3.0, 3.0], tf.float64)
    with pytest.raises(InvalidArgumentError, match="zeros|fill"):
        tf.zeros((2, -1))


def test_zeros_like_ones_like():
    x = tf.constant([[1, 2], [3, 4]])
    _eq(tf.zeros_like(x), np.zeros((2, 2)), tf.int32)
    _eq(tf.ones_like(x), np.ones((2, 2)), tf.int32)
    _eq(tf.ones_like(x, dtype=tf.float32), np.ones((2, 2)), tf.float32)
    _eq(tf.zeros_like([1.0, 2.0]), [0.0, 0.0], tf.float32)
    _eq(tf.zeros_like(tf.Variable([1.0, 2.0], dtype=tf.float64)), [0.0, 0.0], tf.float64)


def test_range():
    _eq(tf.range(3), [0, 1, 2], tf.int32)
    _eq(tf.range(1, 7, 2), [1, 3, 5], tf.int32)
    _eq(tf.range(5, 0, -2), [5, 3, 1], tf.int32)
    _eq(tf.range(0.0, 1.0, 0.25), [0.0, 0.25, 0.5, 0.75], tf.float32)
    _eq(tf.range(3, dtype=tf.float64), [0.0, 1.0, 2.0], tf.float64)
    _eq(tf.range(tf.constant(2), tf.constant(4)), [2, 3], tf.int32)
    _eq(tf.range(0), np.zeros(0), tf.int32)
    with pytest.raises(InvalidArgumentError, match="range.*delta"):
        tf.range(0, 3, 0)


def test_linspace():
    _eq(tf.linspace(0.0, 1.0, 5), [0.0, 0.25, 0.5, 0.75, 1.0], tf.float32)
    _eq(tf.linspace(tf.constant(1.0, tf.float64), 2.0, 3), [1.0, 1.5, 2.0], tf.float64)
    _eq(tf.linspace(0.0, 1.0, 1), [0.0], tf.float32)
    _eq(tf.linspace(0.0, 1.0, 0), np.zeros(0), tf.float32)
    with pytest.raises(InvalidArgumentError, match="linspace"):
        tf.linspace(0.0, 1.0, -1)


def test_eye():
    _eq(tf.eye(2), [[1.0, 0.0], [0.0, 1.0]], tf.float32)
    _eq(tf.eye(2, 3, dtype=tf.int32), [[1, 0, 0], [0, 1, 0]], tf.int32)
    batched = tf.eye(2, batch_shape=[3])
    assert batched.shape == (3, 2, 2)
    _eq(batched[1], np.eye(2))


# ---------------------------------------------------------------------------------------------
# Random


@pytest.fixture
def seeded():
    """Leaves the global random state as it found it."""
    from graphflow.context import context
    saved = (context.global_seed, context.seed_counter, dict(context.generators))
    yield
    context.global_seed, context.seed_counter = saved[0], saved[1]
    context.generators.clear()
    context.generators.update(saved[2])


def test_random_uniform(seeded):
    x = tf.random.uniform([200, 5], minval=-3.0, maxval=-1.0)
    assert x.shape == (200, 5) and x.dtype is tf.float32
    v = x.numpy()
    assert v.min() >= -3.0 and v.max() < -1.0 and v.std() > 0.3
    d = tf.random.uniform([1000], dtype=tf.float64)
    assert d.dtype is tf.float64 and 0.0 <= d.numpy().min() and d.numpy().max() < 1.0
    assert abs(d.numpy().mean() - 0.5) < 0.05
    i = tf.random.uniform([500], minval=2, maxval=5, dtype=tf.int32)
    assert i.dtype is tf.int32 and set(np.unique(i.numpy())) == {2, 3, 4}
    with pytest.raises(InvalidArgumentError, match="maxval"):
        tf.random.uniform([2], dtype=tf.int32)


def test_random_normal(seeded):
    x = tf.random.normal([4000], mean=2.0, stddev=0.5, dtype=tf.float64)
    assert x.dtype is tf.float64 and x.shape == (4000,)
    assert abs(x.numpy().mean() - 2.0) < 0.05 and abs(x.numpy().std() - 0.5) < 0.05
    _eq(tf.random.normal([3], mean=1.0, stddev=0.0), [1.0, 1.0, 1.0], tf.float32)
    with pytest.raises(InvalidArgumentError, match="random.normal.*int32"):
        tf.random.normal([2], dtype=tf.int32)


def test_random_seed_reproducibility(seeded):
    tf.random.set_seed(1234)
    a1, a2 = tf.random.uniform([4]).numpy(), tf.random.normal([4]).numpy()
    s1 = tf.random.uniform([4], seed=7).numpy()
    tf.random.set_seed(1234)
    b1, b2 = tf.random.uniform([4]).numpy(), tf.random.normal([4]).numpy()
    s2 = tf.random.uniform([4], seed=7).numpy()
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    np.testing.assert_array_equal(s1, s2)
    assert not np.array_equal(a1, tf.random.uniform([4]).numpy())  # the stream moves on
    tf.random.set_seed(99)
    assert not np.array_equal(a1, tf.random.uniform([4]).numpy())  # another seed, other numbers
    tf.random.set_seed(1234)
    t1 = tf.random.uniform([4], seed=7).numpy()
    t2 = tf.random.uniform([4], seed=8).numpy()
    np.testing.assert_array_equal(t1, s1)  # an op seed has its own stream
    assert not np.array_equal(t1, t2)


def test_random_seed_reproducible_across_processes():
    """set_seed makes a program draw the same numbers on every run (not just within one process:
    Python's str hashing, salted per process, must not leak into the streams)."""
    import os
    import subprocess
    import sys
    code = ("import graphflow as tf; tf.random.set_seed(42); "
            "print(tf.random.uniform([3]).numpy().tolist(), tf.random.normal([2], seed=5).numpy().tolist())")
    outputs = []
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1], outputs


# ---------------------------------------------------------------------------------------------
# Shape, dtype and the Python protocol


def test_shape_and_attributes():
    t = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert isinstance(t.shape, tf.TensorShape)
    assert t.shape == (2, 3) and t.shape == [2, 3] and t.shape != (3, 2)
    assert t.shape.as_list() == [2, 3] and t.shape.rank == 2 and t.shape[0] == 2
    assert t.shape[1:] == (3,) and t.get_shape() == t.shape
    assert t.shape.num_elements() == 6 and t.shape.is_fully_defined()
    assert repr(t.shape) == "TensorShape([2, 3])" and str(t.shape) == "(2, 3)"
    assert tf.constant(1.0).shape == () and tf.constant(1.0).shape.as_list() == []
    assert str(tf.constant([1]).shape) == "(1,)"
    assert t.dtype is tf.float32 and t.ndim == 2 and tf.constant(3).ndim == 0
    assert t.device.endswith("device:CPU:0")
    assert isinstance(t, tf.Tensor)


def test_tensor_shape_partial():
    s = tf.TensorShape([None, 3])
    assert s.as_list() == [None, 3] and not s.is_fully_defined() and s.num_elements() is None
    assert s.is_compatible_with((5, 3)) and not s.is_compatible_with((5, 4))
    assert s.merge_with((5, None)) == (5, 3)
    assert tf.TensorShape(None).rank is None
    with pytest.raises(InvalidArgumentError):
        tf.TensorShape(None).as_list()
    with pytest.raises(InvalidArgumentError, match="merge|compatible"):
        s.merge_with((1, 2))


def test_numpy_and_array_protocol():
    t = tf.constant([1.0, 2.0])
    v = t.numpy()
    assert isinstance(v, np.ndarray) and v.dtype == np.float32
    with pytest.raises(ValueError):
        v[0] = 5.0  # tensors are immutable: numpy() is read-only
    _eq(t, [1.0, 2.0])
    a = np.asarray(t)
    assert a.dtype == np.float32 and a.tolist() == [1.0, 2.0]
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert np.array(t, copy=True) is not v
    assert tf.constant(3.5).numpy() == 3.5 and np.ndim(tf.constant(3.5).numpy()) == 0
    np.testing.assert_array_equal(np.add(t, 1), [2.0, 3.0])


def test_len_and_iteration():
    t = tf.constant([[1, 2], [3, 4], [5, 6]])
    assert len(t) == 3
    rows = list(t)
    assert len(rows) == 3 and all(isinstance(r, tf.Tensor) for r in rows)
    _eq(rows[2], [5, 6], tf.int32)
    assert [int(x) for x in tf.constant([7, 8])] == [7, 8]
    assert list(tf.zeros((0, 2))) == []
    with pytest.raises((InvalidArgumentError, TypeError)):
        len(tf.constant(1.0))
    with pytest.raises((InvalidArgumentError, TypeError)):
        iter(tf.constant(1.0)).__next__()


def test_scalar_conversions():
    assert bool(tf.constant(True)) is True and bool(tf.constant(0.0)) is False
    assert bool(tf.constant([5])) is True
    f = float(tf.constant(2.5))
    assert f == 2.5 and type(f) is float
    i = int(tf.constant(7))
    assert i == 7 and type(i) is int
    assert int(tf.constant(-2.7)) == -2
    assert [10, 20, 30][tf.constant(1)] == 20
    assert range(10)[tf.constant(3, tf.int64)] == 3
    assert [10, 20, 30][tf.constant([2])[0]] == 30
    with pytest.raises(InvalidArgumentError, match=r"truth value.*\(2,\).*ambiguous"):
        bool(tf.constant([True, False]))
    with pytest.raises(InvalidArgumentError):
        float(tf.constant([1.0, 2.0]))
    with pytest.raises((InvalidArgumentError, TypeError)):
        [1, 2][tf.constant(1.0)]


def test_format():
    assert f"{tf.constant(3.14159):.2f}" == "3.14"
    assert f"{tf.constant(7):>4}" == "   7"
    assert f"{tf.constant(2.5)}" == "2.5"
    assert "tf.Tensor" in f"{tf.constant([1.0, 2.0])}"


def test_repr_and_str():
    t = tf.constant([1.0, 2.0])
    assert repr(t) == "<tf.Tensor: shape=(2,), dtype=float32, numpy=array([1., 2.], dtype=float32)>"
    assert str(t) == "tf.Tensor([1. 2.], shape=(2,), dtype=float32)"
    assert str(tf.constant(5.0)) == "tf.Tensor(5.0, shape=(), dtype=float32)"
    assert repr(tf.constant(5.0)) == "<tf.Tensor: shape=(), dtype=float32, numpy=5.0>"
    assert str(tf.constant(True)) == "tf.Tensor(True, shape=(), dtype=bool)"
    assert str(tf.constant([1, 2], tf.int64)) == "tf.Tensor([1 2], shape=(2,), dtype=int64)"


def test_repr_of_multiline_value_matches_tf():
    assert repr(tf.constant([[1, 2], [3, 4]])) == (
        "<tf.Tensor: shape=(2, 2), dtype=int32, numpy=\narray([[1, 2],\n       [3, 4]], dtype=int32)>")


def test_eager_name_is_undefined():
    with pytest.raises(AttributeError, match="eager"):
        tf.constant(1.0).name


# ---------------------------------------------------------------------------------------------
# Operators


A = np.array([[1.5, -2.0], [3.0, 4.5]], np.float32)
B = np.array([[2.0, 0.5], [-1.5, 2.0]], np.float32)


@pytest.mark.parametrize("expr,expected", [
    (lambda a, b: a + b, A + B), (lambda a, b: a - b, A - B), (lambda a, b: a * b, A * B),
    (lambda a, b: a / b, A / B), (lambda a, b: a // b, A // B), (lambda a, b: a % b, np.mod(A, B)),
    (lambda a, b: abs(a) ** b, np.abs(A) ** B), (lambda a, b: a @ b, A @ B), (lambda a, b: -a, -A),
    (lambda a, b: +a, A), (lambda a, b: abs(a), np.abs(A)),
    (lambda a, b: 2 + a, 2 + A), (lambda a, b: 2 - a, 2 - A), (lambda a, b: 2 * a, 2 * A),
    (lambda a, b: 2 / a, 2 / A), (lambda a, b: 7 // a, 7 // A), (lambda a, b: 7 % a, np.mod(7, A)),
    (lambda a, b: 2 ** a, 2 ** A), (lambda a, b: a ** 2, A ** 2),
    (lambda a, b: A @ b, A @ B),
])
def test_arithmetic_operators(expr, expected):
    out = expr(tf.constant(A), tf.constant(B))
    assert isinstance(out, tf.Tensor) and out.dtype is tf.float32
    np.testing.assert_allclose(out.numpy(), expected.astype(np.float32), rtol=1e-6)


@pytest.mark.parametrize("expr,expected", [
    (lambda a, b: a < b, A < B), (lambda a, b: a <= b, A <= B), (lambda a, b: a > b, A > B),
    (lambda a, b: a >= b, A >= B), (lambda a, b: a == b, A == B), (lambda a, b: a != b, A != B),
    (lambda a, b: a > 2, A > 2), (lambda a, b: 2 < a, 2 < A), (lambda a, b: a == 3.0, A == 3.0),
])
def test_comparison_operators(expr, expected):
    out = expr(tf.constant(A), tf.constant(B))
    assert out.dtype is tf.bool
    np.testing.assert_array_equal(out.numpy(), expected)


def test_equality_with_none_and_hashing():
    t = tf.constant([1.0])
    assert (t == None) is False and (t != None) is True  # noqa: E711
    assert {t: 1}[t] == 1 and hash(t) != hash(tf.constant([1.0]))


def test_logical_operators():
    x, y = tf.constant([True, True, False]), tf.constant([True, False, False])
    _eq(x & y, [True, False, False], tf.bool)
    _eq(x | y, [True, True, False], tf.bool)
    _eq(x ^ y, [False, True, False], tf.bool)
    _eq(~x, [False, False, True], tf.bool)


def test_integer_arithmetic():
    a, b = tf.constant([7, -7, 6]), tf.constant([2, 2, -4])
    _eq(a + b, [9, -5, 2], tf.int32)
    _eq(a // b, [3, -4, -2], tf.int32)  # floor division, as Python and TF
    _eq(a % b, [1, 1, -2], tf.int32)
    _eq(a / b, [3.5, -3.5, -1.5], tf.float64)  # int32 true division gives float64, as TF
    _eq(a ** 2, [49, 49, 36], tf.int32)
    _eq(tf.constant([1, 2], tf.int8) / tf.constant([2, 2], tf.int8), [0.5, 1.0], tf.float32)


def test_python_and_numpy_values_adapt_to_tensor_dtype():
    f64 = tf.constant([1.0, 2.0], tf.float64)
    assert (f64 + 1).dtype is tf.float64 and (1.5 * f64).dtype is tf.float64
    f32 = tf.constant([1.0, 2.0])
    assert (f32 + np.array([1.0, 1.0])).dtype is tf.float32  # float64 array adopts float32
    assert (np.array([1.0, 1.0]) + f32).dtype is tf.float32
    assert (np.float64(2.0) * f32).dtype is tf.float32
    assert (f32 * [2, 3]).dtype is tf.float32
    _eq(f32 * [2, 3], [2.0, 6.0])
    i32 = tf.constant([1, 2])
    assert (i32 + 1).dtype is tf.int32 and (i32 + np.int64(1)).dtype is tf.int32
    i64 = tf.constant([1, 2], tf.int64)
    assert (i64 * 3).dtype is tf.int64
    h = tf.constant([1.0], tf.float16)
    assert (h + 0.5).dtype is tf.float16
    _eq(tf.maximum([1.0, 5.0], 3.0), [3.0, 5.0], tf.float32)
    _eq(tf.add(1, 2), 3, tf.int32)
    _eq(tf.add(1, 2.5), 3.5, tf.float32)


def test_mixed_dtype_error_names_op_and_dtypes():
    with pytest.raises(InvalidArgumentError) as info:
        tf.constant([1.0]) + tf.constant([1.0], tf.float64)
    message = str(info.value)
    assert "add" in message and "float32" in message and "float64" in message
    with pytest.raises(InvalidArgumentError, match=r"multiply.*(int32.*float32|float32.*int32)"):
        tf.constant([1.0]) * tf.constant([1])


# ---------------------------------------------------------------------------------------------
# Indexing

M = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


@pytest.mark.parametrize("key", [
    0, -1, (1, 2), (1, -1, -2), slice(1, None), slice(None, None, -1), (slice(None), 1),
    (Ellipsis, 0), (0, Ellipsis), (Ellipsis,), (None,), (slice(None), None, 1), (1, None, Ellipsis),
    (slice(0, 2), slice(None, None, 2), slice(3, 0, -1)), (slice(5, 9),), (Ellipsis, None),
    (0, 1, 2), (-2, slice(None, -1)),
])
def test_getitem_basic(key):
    out = tf.constant(M)[key]
    expected = M[key]
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.numpy(), expected)
    assert out.dtype is tf.float32


def test_getitem_newaxis_constant():
    assert tf.newaxis is None
    assert tf.constant(M)[:, tf.newaxis].shape == (2, 1, 3, 4)


@pytest.mark.parametrize("key,np_key", [
    (tf.constant(1), 1),
    ((slice(None), tf.constant(-1)), (slice(None), -1)),
    (slice(tf.constant(1), tf.constant(3)), slice(1, 3)),
    (tf.constant([1, 0]), np.array([1, 0])),
    (np.array([1, 1, 0]), np.array([1, 1, 0])),
    ([0, 1], np.array([0, 1])),
    ((slice(None), tf.constant([2, 0])), (slice(None), np.array([2, 0]))),
    ((slice(None), np.array([[0], [2]]), 1), (slice(None), np.array([[0], [2]]), 1)),
    ((slice(None), tf.constant([-1])), (slice(None), np.array([-1]))),
])
def test_getitem_tensor_and_array_indices(key, np_key):
    out = tf.constant(M)[key]
    expected = M[np_key]
    assert out.shape == expected.shape, (out.shape, expected.shape)
    np.testing.assert_array_equal(out.numpy(), expected)


def test_getitem_errors_name_the_problem():
    t = tf.constant(M)
    with pytest.raises(InvalidArgumentError, match=r"index 5 is out of range.*size 3"):
        t[:, 5]
    with pytest.raises(InvalidArgumentError, match="too many indices"):
        t[0, 0, 0, 0]
    with pytest.raises(InvalidArgumentError, match="single ellipsis"):
        t[..., 0, ...]
    with pytest.raises(InvalidArgumentError, match=r"gather.*index 7.*size 2"):
        t[tf.constant([0, 7])]
    with pytest.raises(InvalidArgumentError, match="step cannot be zero"):
        t[::0]


def test_gradient_through_getitem():
    x = tf.constant(np.arange(12.0).reshape(3, 4))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x[1:, ::2] * 2.0) + tf.reduce_sum(x[tf.constant([0, 0, 2]), -1]) + x[0, 0]
    g = tape.gradient(y, x).numpy()
    expected = np.zeros((3, 4))
    expected[1:, ::2] += 2.0
    expected[0, -1] += 2.0
    expected[2, -1] += 1.0
    expected[0, 0] += 1.0
    np.testing.assert_array_equal(g, expected)


def test_gradient_through_getitem_of_variable():
    v = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        y = v[0] * v[2] + v[-1]
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [3.0, 0.0, 2.0])


# ---------------------------------------------------------------------------------------------
# Variable


def test_variable_basics():
    v = tf.Variable([1.0, 2.0], name="w")
    assert v.name == "w:0" and v.dtype is tf.float32 and v.shape == (2,)
    assert v.trainable is True and tf.Variable(1.0).name == "Variable:0"
    assert tf.Variable(1.0, trainable=False).trainable is False
    assert tf.Variable(1, dtype=tf.float64).dtype is tf.float64
    assert tf.Variable(np.zeros(2)).dtype is tf.float64
    assert tf.Variable(lambda: tf.ones((2,))).shape == (2,)
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
    assert v.device.endswith("CPU:0")
    assert repr(v) == "<tf.Variable 'w:0' shape=(2,) dtype=float32, numpy=array([1., 2.], dtype=float32)>"


def test_variable_assign_ops_return_the_variable():
    v = tf.Variable([1.0, 2.0])
    assert v.assign([3.0, 4.0]) is v
    _eq(v, [3.0, 4.0])
    assert v.assign_add([1.0, 1.0]) is v
    _eq(v, [4.0, 5.0])
    assert v.assign_sub(tf.constant([0.5, 0.5])) is v
    _eq(v, [3.5, 4.5])
    assert v.assign_add(1.0) is v  # a broadcast delta
    _eq(v, [4.5, 5.5])
    _eq(v.assign_sub([1.0, 1.0]).assign_add([0.25, 0.25]), [3.75, 4.75])
    assert tf.assign(v, [0.0, 0.0]) is v
    _eq(v, [0.0, 0.0])


def test_variable_value_is_a_snapshot():
    v = tf.Variable([1.0, 2.0])
    before = v.value()
    read = v.read_value()
    assert isinstance(before, tf.Tensor) and not isinstance(before, tf.Variable)
    v.assign([5.0, 6.0])
    _eq(before, [1.0, 2.0])
    _eq(read, [1.0, 2.0])
    _eq(v.value(), [5.0, 6.0])
    arr = v.numpy()
    v.assign_add([1.0, 1.0])
    np.testing.assert_array_equal(arr, [5.0, 6.0])


def test_variable_used_as_a_tensor():
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    _eq(v + 1, [[2.0, 3.0], [4.0, 5.0]], tf.float32)
    _eq(2 * v, [[2.0, 4.0], [6.0, 8.0]], tf.float32)
    _eq(v @ v, np.array([[7.0, 10.0], [15.0, 22.0]]), tf.float32)
    _eq(tf.reduce_sum(v), 10.0, tf.float32)
    _eq(-v, -np.array([[1.0, 2.0], [3.0, 4.0]]))
    _eq(v[1], [3.0, 4.0])
    _eq(v > 2.0, [[False, False], [True, True]], tf.bool)
    np.testing.assert_array_equal(np.asarray(v), [[1.0, 2.0], [3.0, 4.0]])
    assert len(v) == 2 and [r.shape for r in v] == [(2,), (2,)]
    s = tf.Variable(3)
    assert int(s) == 3 and float(s) == 3.0 and bool(s) and [0, 1, 2, 3][s] == 3
    assert f"{tf.Variable(1.25):.1f}" == "1.2"


def test_variable_assign_errors():
    v = tf.Variable([1.0, 2.0], name="w")
    with pytest.raises(InvalidArgumentError, match=r"assign.*shape \(3,\).*'w:0' of shape \(2,\)"):
        v.assign([1.0, 2.0, 3.0])
    with pytest.raises(InvalidArgumentError, match=r"assign.*float64.*'w:0'.*float32"):
        v.assign(tf.constant([1.0, 2.0], tf.float64))
    with pytest.raises(InvalidArgumentError, match=r"assign_add.*\(3,\).*'w:0'"):
        v.assign_add([1.0, 2.0, 3.0])
    i = tf.Variable([1, 2], name="i")
    with pytest.raises(InvalidArgumentError, match=r"assign.*1\.5.*int32"):
        i.assign([1.5, 2.0])
    _eq(v, [1.0, 2.0])  # failed assigns leave the value alone
