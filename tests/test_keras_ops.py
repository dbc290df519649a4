"""keras.ops (Keras 3's op namespace) against NumPy, with Keras 3's conventions (checked with
keras 3.15 on TF 2.21): axis=None flattens for argmax/cumsum/take, creation ops are float32,
integer means are float32, shape() is a tuple; and gradients flow through the mapped ops."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.keras import ops

X = np.array([[1, 5, 3], [4, 2, 6]])
F = np.array([[0.5, -1.0, 2.0], [3.0, 0.25, -0.75]], dtype=np.float32)


@pytest.mark.parametrize("name,args,expected", [
    ("sum", (X,), X.sum()), ("sum", (X, 1), X.sum(1)), ("mean", (X, 0), X.mean(0)),
    ("max", (X, 0), X.max(0)), ("min", (X,), X.min()), ("prod", (X, 1), X.prod(1)),
    ("std", (F,), F.std()), ("var", (F, 1), F.var(1)), ("argmax", (X,), 5),
    ("argmin", (X, 1), X.argmin(1)), ("cumsum", (X,), X.cumsum()), ("cumprod", (X, 1), X.cumprod(1)),
    ("take", (X, 4), 2), ("take", (X, [0, 2], 1), X[:, [0, 2]]),
    ("take_along_axis", (X, np.array([[0], [2]]), 1), [[1], [6]]),
    ("clip", (X, 2, 4), X.clip(2, 4)), ("flip", (X, 0), X[::-1]), ("roll", (X, 1), np.roll(X, 1)),
    ("roll", (X, 1, 1), np.roll(X, 1, 1)), ("repeat", (X, 2, 1), X.repeat(2, 1)),
    ("tile", (X, 2), np.tile(X, 2)), ("transpose", (X,), X.T), ("swapaxes", (X, 0, 1), X.T),
    ("moveaxis", (np.zeros((2, 3, 4)), 0, -1), np.zeros((3, 4, 2))),
    ("reshape", (X, (3, 2)), X.reshape(3, 2)), ("ravel", (X,), X.ravel()),
    ("concatenate", ([X, X], 1), np.concatenate([X, X], 1)), ("stack", ([X, X],), np.stack([X, X])),
    ("hstack", ([X, X],), np.hstack([X, X])), ("vstack", ([X[0], X[1]],), X),
    ("pad", (F, 1), np.pad(F, 1)), ("pad", (F, [[0, 1], [2, 0]]), np.pad(F, [[0, 1], [2, 0]])),
    ("tril", (F,), np.tril(F)), ("triu", (F, 1), np.triu(F, 1)), ("eye", (2, 3, 1), np.eye(2, 3, 1)),
    ("tri", (3,), np.tri(3)), ("outer", ([1.0, 2.0], [3.0, 4.0]), np.outer([1, 2], [3, 4])),
    ("matmul", (F, F.T), F @ F.T), ("matmul", (F, np.ones(3, np.float32)), F @ np.ones(3)),
    ("matmul", (np.ones(2, np.float32), F), np.ones(2) @ F),
    ("dot", (np.ones(3, np.float32), np.ones(3, np.float32)), 3.0),
    ("trace", (np.eye(3),), 3.0), ("einsum", ("ij,kj->ik", F, F), F @ F.T),
    ("sort", (X,), np.sort(X)), ("argsort", (X,), np.argsort(X, kind="stable")),
    ("divide", ([1, 2], [2, 2]), [0.5, 1.0]), ("floor_divide", (7, 2), 3), ("mod", (7, 3), 1),
    ("power", (F, 2.0), F ** 2), ("maximum", (F, 0.0), np.maximum(F, 0)),
    ("abs", (F,), np.abs(F)), ("exp", (F,), np.exp(F)), ("log1p", (np.abs(F),), np.log1p(np.abs(F))),
    ("sqrt", ([4, 9],), [2.0, 3.0]), ("norm", ([3.0, 4.0],), 5.0), ("count_nonzero", ([0, 1, 2],), 2),
    ("logsumexp", ([0.0, 0.0],), np.log(2.0)), ("any", ([0, 1],), True), ("all", ([0, 1],), False),
    ("where", (X > 2, X, 0), np.where(X > 2, X, 0)),
    ("segment_sum", ([1.0, 2.0, 3.0], [0, 0, 1]), [3.0, 3.0]),
    ("softmax", (F,), np.exp(F) / np.exp(F).sum(-1, keepdims=True)),
    ("relu", (F,), np.maximum(F, 0)), ("leaky_relu", (F,), np.where(F > 0, F, 0.2 * F)),
    ("sigmoid", (F,), 1 / (1 + np.exp(-F))), ("one_hot", ([0, 2], 3), np.eye(3)[[0, 2]]),
])
def test_values_match_numpy(name, args, expected):
    out = getattr(ops, name)(*args)
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-5, atol=1e-6)


def test_keras_dtype_and_shape_conventions():
    assert ops.shape(ops.ones((2, 3))) == (2, 3)
    assert ops.zeros((2,)).dtype == tf.float32 and ops.full((2,), 3).dtype == tf.float32
    assert ops.arange(3).dtype == tf.int32 and ops.arange(0.0, 3).dtype == tf.float32
    assert ops.mean(X).dtype == tf.float32  # integer means are floatx
    assert ops.sum(np.array([True, False])).dtype == tf.int32
    assert ops.argmax(X).dtype == tf.int32
    assert ops.dtype(ops.ones(2)) == "float32" and ops.ndim(X) == 2 and int(ops.size(X)) == 6
    assert [t.numpy().tolist() for t in ops.where(X > 4)] == [[0, 1], [1, 2]]
    parts = ops.split(np.arange(6), [1, 4])
    assert [p.numpy().tolist() for p in parts] == [[0], [1, 2, 3], [4, 5]]
    assert isinstance(ops.convert_to_numpy(ops.ones(2)), np.ndarray)
    assert ops.is_tensor(ops.ones(2)) and not ops.is_tensor(np.ones(2))


def test_losses_and_control_flow():
    t, p = np.array([1.0, 0.0]), np.array([0.9, 0.2])
    np.testing.assert_allclose(ops.binary_crossentropy(t, p).numpy(),
                               -(t * np.log(p) + (1 - t) * np.log(1 - p)), rtol=1e-6)
    logits = np.array([[1.0, 2.0, 0.5]], np.float32)
    lsm = logits - np.log(np.exp(logits).sum())
    np.testing.assert_allclose(ops.sparse_categorical_crossentropy([1], logits, True).numpy(),
                               -lsm[:, 1], rtol=1e-6)
    np.testing.assert_allclose(ops.categorical_crossentropy([[0.0, 1.0, 0.0]], logits, True),
                               -lsm[:, 1], rtol=1e-6)
    assert int(ops.fori_loop(0, 4, lambda i, v: v + i, 0)) == 6
    assert int(ops.while_loop(lambda v: v < 10, lambda v: v * 2, 1)) == 16
    assert float(ops.cond(True, lambda: 1.0, lambda: 2.0)) == 1.0


def test_gradients_flow_through_keras_ops():
    x = tf.Variable(F)
    with tf.GradientTape() as tape:
        y = ops.sum(ops.square(ops.relu(x)) * ops.mean(x, axis=1, keepdims=True))
    g = tape.gradient(y, x).numpy()
    m = F.mean(1, keepdims=True)
    expected = 2 * np.maximum(F, 0) * m + (np.maximum(F, 0) ** 2).sum(1, keepdims=True) / 3
    np.testing.assert_allclose(g, expected, rtol=1e-5)


def test_inside_a_function():
    @tf.function
    def f(a):
        return ops.matmul(a, ops.transpose(a)) + ops.eye(2)
    np.testing.assert_allclose(f(tf.constant(F)).numpy(), F @ F.T + np.eye(2), rtol=1e-6)
