"""Bad input raises graphflow.errors.InvalidArgumentError whose message names the op and the shapes
or dtypes involved (never a bare NumPy ValueError, IndexError or TypeError)."""
import re

import numpy as np
import pytest

import graphflow as tf
from graphflow import errors
from graphflow.errors import InvalidArgumentError
from graphflow.ops.registry import REGISTRY, Spec


def test_error_hierarchy():
    assert issubclass(InvalidArgumentError, ValueError)
    assert issubclass(InvalidArgumentError, errors.GraphflowError)
    assert issubclass(errors.OutOfRangeError, InvalidArgumentError)
    assert issubclass(errors.UnimplementedError, NotImplementedError)
    assert issubclass(errors.FailedPreconditionError, RuntimeError)
    assert issubclass(errors.NotFoundError, LookupError)
    assert tf.errors is errors


def _message(fn):
    with pytest.raises(InvalidArgumentError) as info:
        fn()
    return str(info.value)


def _assert_mentions(message, *parts):
    for part in parts:
        assert re.search(part, message), f"{part!r} not in message: {message}"


@pytest.mark.parametrize("fn,parts", [
    # shape mismatch in broadcasting ops
    (lambda: tf.add(tf.ones((2, 3)), tf.ones((4,))), ["^add", r"\(2, 3\)", r"\(4,\)"]),
    (lambda: tf.ones((2, 3)) + tf.ones((3, 2)), ["^add", r"\(2, 3\)", r"\(3, 2\)"]),
    (lambda: tf.multiply(tf.ones((2,)), tf.ones((3,))), ["^multiply", r"\(2,\)", r"\(3,\)"]),
    (lambda: tf.where(tf.constant([True, False]), tf.ones(3), tf.ones(3)), ["^where", r"\(2,\)", r"\(3,\)"]),
    # mixed dtypes
    (lambda: tf.add(tf.ones(2), tf.ones(2, tf.float64)), ["^add", "float32", "float64"]),
    (lambda: tf.ones(2, tf.int32) + tf.ones(2), ["^add", "int32", "float32"]),
    (lambda: tf.matmul(tf.ones((2, 2)), tf.ones((2, 2), tf.float64)),
     ["^matmul", "float32", "float64", r"\[2,2\]"]),
    (lambda: tf.concat([tf.ones((2, 3)), tf.ones((2, 3), tf.float64)], 0), ["^concat", "float32", "float64"]),
    (lambda: tf.where(tf.constant([True]), tf.ones(1), tf.ones(1, tf.int32)), ["^where", "float32", "int32"]),
    # reshape to an impossible shape
    (lambda: tf.reshape(tf.ones((2, 3)), (4,)), ["^reshape", "6 elements", r"\(2, 3\)", r"\[4\]"]),
    (lambda: tf.reshape(tf.ones((2, 3)), (4, -1)), ["^reshape", r"\(2, 3\)", r"\[4, -1\]"]),
    (lambda: tf.reshape(tf.ones((2, 3)), (-1, -1)), ["^reshape", "one -1", r"\[-1, -1\]"]),
    # out-of-range axes
    (lambda: tf.reduce_sum(tf.ones((2, 3)), axis=2), ["^reduce_sum", "axis 2", "rank 2", r"\(2, 3\)"]),
    (lambda: tf.reduce_sum(tf.ones((2, 3)), axis=-3), ["^reduce_sum", "axis -3", r"\(2, 3\)"]),
    (lambda: tf.reduce_mean(tf.ones((2, 3)), axis=[0, 5]), ["^reduce_mean", "axis 5", r"\(2, 3\)"]),
    (lambda: tf.reduce_max(tf.ones(3), axis=[0, 0]), ["^reduce_max", "duplicate", r"\[0, 0\]"]),
    (lambda: tf.concat([tf.ones((2, 3)), tf.ones((2, 3))], 2), ["^concat", "axis 2", "rank 2", r"\(2, 3\)"]),
    (lambda: tf.concat([tf.ones((2, 3)), tf.ones((2, 3))], -3), ["^concat", "axis -3", r"\(2, 3\)"]),
    (lambda: tf.argmax(tf.ones((2, 3)), axis=2), ["^argmax", "axis 2", r"\(2, 3\)"]),
    (lambda: tf.argmin(tf.ones((2, 3)), axis=-3), ["^argmin", "axis -3", r"\(2, 3\)"]),
    (lambda: tf.expand_dims(tf.ones((2, 3)), 4), ["^expand_dims", "axis 4", r"\(2, 3\)"]),
    (lambda: tf.stack([tf.ones(2), tf.ones(2)], axis=3), ["^stack", "axis 3"]),
    # matmul
    (lambda: tf.matmul(tf.ones((2, 3)), tf.ones((4, 5))), ["^matmul", r"\(2, 3\)", r"\(4, 5\)", "3", "4"]),
    (lambda: tf.ones((2, 3)) @ tf.ones((2, 3)), ["^matmul", r"\(2, 3\)"]),
    (lambda: tf.matmul(tf.ones((2, 3)), tf.ones((2, 4)), transpose_a=True, transpose_b=True),
     ["^matmul", "transposed", r"\(2, 3\)", r"\(2, 4\)"]),
    (lambda: tf.matmul(tf.ones((3,)), tf.ones((3, 2))), ["^matmul", "rank", r"\(3,\)", r"\(3, 2\)"]),
    # Python values that do not fit the tensor's dtype
    (lambda: tf.constant([1, 2]) * 1.5, ["^multiply", "1.5", "int32"]),
    (lambda: 1.5 * tf.constant([1, 2]), ["^multiply", "1.5", "int32"]),
    (lambda: tf.constant([1, 2]) + [0.5, 1.0], ["^add", "int32"]),
    (lambda: tf.constant([1], tf.uint8) + 300, ["^add", "300", "uint8"]),
    (lambda: tf.constant([1], tf.int8) - (-200), ["^subtract", "-200", "int8"]),
    # dtype kinds an op does not accept
    (lambda: tf.sqrt(tf.constant([1, 2])), ["^sqrt", "floating-point", "int32", r"\(2,\)"]),
    (lambda: tf.logical_and(tf.constant([1.0]), tf.constant([1.0])), ["^logical_and", "bool", "float32"]),
    (lambda: tf.negative(tf.constant([True])), ["^negative", "bool"]),
    (lambda: tf.reduce_sum(tf.constant([True, False])), ["^reduce_sum", "bool", r"\(2,\)"]),
    (lambda: tf.reduce_any(tf.constant([1.0])), ["^reduce_any", "bool", "float32"]),
    (lambda: tf.argmax(tf.constant([True, False])), ["^argmax", "bool"]),
    (lambda: tf.matmul(tf.constant([[True]]), tf.constant([[False]])), ["^matmul", "bool"]),
    (lambda: tf.where(tf.constant([1, 0]), tf.ones(2), tf.zeros(2)), ["^where", "bool", "int32"]),
    (lambda: tf.one_hot(tf.constant([1.0, 0.0]), 3), ["^one_hot", "integer", "float32"]),
    (lambda: tf.gather(tf.ones(3), tf.constant([0.0])), ["^gather", "integer", "float32"]),
    # other shape errors
    (lambda: tf.transpose(tf.ones((2, 3)), [0, 0]), ["^transpose", r"\[0, 0\]", r"\(2, 3\)"]),
    (lambda: tf.transpose(tf.ones((2, 3)), [0]), ["^transpose", r"\[0\]", r"\(2, 3\)"]),
    (lambda: tf.squeeze(tf.ones((2, 3)), 0), ["^squeeze", "axis 0", r"\(2, 3\)"]),
    (lambda: tf.split(tf.ones((5, 2)), 2), ["^split", r"\(5, 2\)", "2"]),
    (lambda: tf.split(tf.ones((5, 2)), [2, 2]), ["^split", r"\[2, 2\]", r"\(5, 2\)"]),
    (lambda: tf.gather(tf.ones((3,)), [3]), ["^gather", "index 3", "size 3"]),
    (lambda: tf.tile(tf.ones((2, 3)), [2]), ["^tile", r"\[2\]", r"\(2, 3\)"]),
    (lambda: tf.pad(tf.ones((2,)), [[1, 1], [1, 1]]), ["^pad", r"\(2,\)"]),
    (lambda: tf.broadcast_to(tf.ones((2, 3)), (3, 3)), ["^broadcast_to", r"\(2, 3\)", r"\(3, 3\)"]),
    (lambda: tf.stack([tf.ones(2), tf.ones(3)]), ["^stack", r"\(2,\)", r"\(3,\)"]),
    (lambda: tf.concat([tf.ones((2, 3)), tf.ones((3, 3))], 1), ["^concat", r"\(3, 3\)", r"\(2, 3\)"]),
    (lambda: tf.concat([tf.ones((2, 3)), tf.ones((3,))], 0), ["^concat", "rank", r"\(3,\)"]),
    (lambda: tf.slice(tf.ones((3, 3)), [0, 0], [4, 1]), ["^slice", r"\[4, 1\]", r"\(3, 3\)"]),
    (lambda: tf.constant(np.ones((2, 3)))[:, 3], ["strided_slice", "index 3", "size 3", r"\(2, 3\)"]),
    (lambda: tf.argmax(tf.ones((2, 0)), axis=1), ["^argmax", "empty", r"\(2, 0\)"]),
    (lambda: tf.pow(tf.constant([2]), tf.constant([-1])), ["^pow", "negative"]),
    (lambda: tf.cast(tf.ones(2), "bfloat16"), ["bfloat16"]),
    (lambda: tf.add_n([]), ["^add_n"]),
])
def test_bad_input_names_the_op_and_the_shapes_or_dtypes(fn, parts):
    _assert_mentions(_message(fn), *parts)


def test_gradient_target_list_with_a_non_tensor():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x * x
    message = _message(lambda: tape.gradient([y, 1.0], x))
    _assert_mentions(message, "GradientTape.gradient", "target element 1", "float", "1.0")


def test_gradient_sources_with_a_non_tensor():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x * x
    _assert_mentions(_message(lambda: tape.gradient(y, [x, "w"])), "sources element 1", "str", "'w'")
    with tf.GradientTape() as tape:
        y = x * x
    _assert_mentions(_message(lambda: tape.gradient(y, [])), "sources is empty")


def test_gradient_output_gradients_count():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x * x
    _assert_mentions(_message(lambda: tape.gradient([y, y], x, output_gradients=[1.0])),
                     "1 output_gradients for 2 targets")


def test_uninitialized_like_errors_are_not_numpy_errors():
    """Whatever NumPy raises inside a kernel reaches the user as an InvalidArgumentError naming the
    op and its inputs."""
    message = _message(lambda: tf.reshape(tf.ones((0, 3)), (-1, 0)))
    _assert_mentions(message, "^reshape", r"\(0, 3\)")


# Inputs both the eager kernel and the shape rule must reject: graph mode sees only the rule, so
# the two have to agree (each of these ran eagerly once while the rule refused it).
REJECTED = [
    ("matmul", [np.ones(3, np.float32), np.ones((3, 2), np.float32)],
     {"transpose_a": False, "transpose_b": False}),
    ("matmul", [np.ones((1, 1), bool), np.ones((1, 1), bool)], {"transpose_a": False, "transpose_b": False}),
    ("where", [np.array([1, 0]), np.ones(2), np.ones(2)], {}),
    ("one_hot", [np.array([1.0])], dict(depth=2, on_value=1.0, off_value=0.0, axis=-1, dtype="float32")),
    ("reduce_sum", [np.array([True])], {"axis": None, "keepdims": False}),
    ("reduce_mean", [np.array([True])], {"axis": None, "keepdims": False}),
    ("reduce_max", [np.array([True])], {"axis": (0,), "keepdims": True}),
    ("reduce_all", [np.array([1.0])], {"axis": None, "keepdims": False}),
    ("reduce_any", [np.array([1])], {"axis": None, "keepdims": False}),
    ("argmax", [np.array([True, False])], {"axis": 0, "output_type": "int64"}),
    ("argmin", [np.array([True, False])], {"axis": 0, "output_type": "int64"}),
    ("sqrt", [np.array([4])], {}),
    ("logical_not", [np.array([1.0])], {}),
    ("add", [np.ones(2), np.ones(3)], {}),
    ("reshape", [np.ones(6)], {"shape": (4,)}),
    ("gather", [np.ones(3), np.array([0.5])], {"axis": 0, "batch_dims": 0}),
]


@pytest.mark.parametrize("name,arrays,attrs", REJECTED, ids=[f"{r[0]}-{i}" for i, r in enumerate(REJECTED)])
def test_eager_kernel_and_shape_rule_reject_the_same_inputs(name, arrays, attrs):
    from helpers import run
    op = REGISTRY[name]
    with pytest.raises(InvalidArgumentError, match=f"^{name}"):
        run(op, arrays, attrs)
    specs = [Spec(a.shape, tf.as_dtype(a.dtype)) for a in arrays]
    with pytest.raises(InvalidArgumentError, match=f"^{name}"):
        op.infer(specs, **attrs)


def test_python_values_of_bad_type():
    _assert_mentions(_message(lambda: tf.add(tf.ones(2), "a")), "^add", "'a'", "float32")
    _assert_mentions(_message(lambda: tf.constant([1.0]) + None), "^add", "None")
    _assert_mentions(_message(lambda: tf.constant([1.0]) * object()), "^multiply", "object")


def test_variable_errors_name_the_variable():
    v = tf.Variable([1.0, 2.0], name="weights")
    _assert_mentions(_message(lambda: v.assign([1.0, 2.0, 3.0])), "^assign", "'weights:0'", r"\(3,\)",
                     r"\(2,\)")
    _assert_mentions(_message(lambda: v.assign_add(tf.ones(3))), "^assign_add", "'weights:0'", r"\(3,\)")
    _assert_mentions(_message(lambda: v.assign_sub(tf.ones(2, tf.float64))), "^assign_sub", "float64",
                     "float32", "'weights:0'")


# -- issue 13: values TF rejects, and errors that name the op the user called ------------------

def _compiled(fn):
    return tf.function(fn, backend="numba")


@pytest.mark.parametrize("op", ["floordiv", "floormod"])
@pytest.mark.parametrize("mode", ["eager", "reference", "compiled", "session"])
def test_integer_division_by_zero_raises(op, mode):
    fn = getattr(tf.math, op)
    x, y = np.array([3, 4], np.int32), np.array([1, 0], np.int32)
    with pytest.raises(InvalidArgumentError, match=f"{op}.*Integer division by zero"):
        if mode == "eager":
            fn(x, y)
        elif mode == "session":
            g = tf.Graph()
            with g.as_default():
                a = tf.compat.v1.placeholder(tf.int32, [2])
                out = fn(a, y)
            with tf.compat.v1.Session(graph=g) as sess:
                sess.run(out, {a: x})
        else:
            tf.function(lambda a: fn(a, tf.constant(y)), backend=mode.replace("compiled", "numba"))(
                tf.constant(x))
    # float division by zero stays IEEE (inf), as in TF
    assert np.isinf(tf.math.floordiv(tf.constant([1.0]), 0.0).numpy()[0])


def test_pad_with_paddings_of_the_wrong_rank():
    _assert_mentions(_message(lambda: tf.pad(tf.ones((2, 3)), [[1, 1]])), "^pad", r"\(2, 3\)")
    _assert_mentions(_message(lambda: tf.pad(tf.ones((2, 3)), [1, 1, 1, 1])), "^pad", r"\[rank, 2\]")
    _assert_mentions(_message(lambda: tf.pad(tf.ones((2, 3)), [[1, 1, 1], [0, 0, 0]])), "^pad")
    assert tf.pad(tf.ones((2, 3)), [[1, 1], [0, 2]]).shape == (4, 5)


def test_one_hot_with_negative_depth():
    _assert_mentions(_message(lambda: tf.one_hot([0, 1], -1)), "^one_hot", "non-negative", "-1")
    with pytest.raises(TypeError, match="one_hot: depth must be an integer"):
        tf.one_hot([0, 1], 2.5)


@pytest.mark.parametrize("axis", [1.5, "1", [0.5]])
def test_reduce_axis_must_be_an_integer(axis):
    with pytest.raises(TypeError, match="reduce_sum: axis must be an integer") as info:
        tf.reduce_sum(tf.ones((2, 3)), axis=axis)
    assert isinstance(info.value, errors.GraphflowError)
    assert tf.reduce_sum(tf.ones((2, 3)), axis=np.int64(1)).shape == (2,)


def test_errors_name_the_composite_the_user_called():
    _assert_mentions(_message(lambda: tf.nn.softmax(tf.constant([1, 2]))), "^softmax", "int32")
    _assert_mentions(_message(lambda: tf.nn.softmax(tf.ones((2, 3)), axis=3)), "^softmax", "axis 3")
    _assert_mentions(_message(lambda: tf.nn.log_softmax(tf.ones((2, 3)), axis=-3)), "^log_softmax")
    _assert_mentions(_message(lambda: tf.unstack(tf.ones((2, 3)), num=3)),
                     "^unstack", "must equal 3", r"\(2, 3\)")
    _assert_mentions(_message(lambda: tf.nn.l2_normalize(tf.ones((2, 3)), axis=5)), "^l2_normalize")
    g = tf.Graph()
    with g.as_default():  # the same while building a graph
        p = tf.compat.v1.placeholder(tf.int32, [None, 3])
        _assert_mentions(_message(lambda: tf.nn.softmax(p)), "^softmax", "int32")


@pytest.mark.parametrize("labels", [[99], [-1], [3, 10]])
@pytest.mark.parametrize("mode", ["eager", "reference", "compiled"])
@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_label_out_of_range_is_checked_when_the_graph_runs(labels, mode, from_logits):
    loss = lambda y, p: tf.keras.losses.sparse_categorical_crossentropy(y, p, from_logits)  # noqa: E731
    y = tf.constant(labels)
    p = tf.ones((len(labels), 10)) / 10.0
    bad = max(labels) if max(labels) >= 10 else min(labels)
    with pytest.raises(InvalidArgumentError, match=rf"sparse_categorical_crossentropy: Received a "
                                                   rf"label value of {bad} which is outside the "
                                                   rf"valid range of \[0, 10\)"):
        if mode == "eager":
            loss(y, p)
        else:
            tf.function(loss, backend=mode.replace("compiled", "numba"))(y, p)
    with pytest.raises(InvalidArgumentError, match="sparse_softmax_cross_entropy_with_logits"):
        tf.function(tf.nn.sparse_softmax_cross_entropy_with_logits)(y, p)


def test_compiled_fit_and_evaluate_reject_out_of_range_labels():
    model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(10)])
    model.compile("sgd", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = np.ones((8, 4), np.float32)
    good = np.arange(8) % 10
    model.fit(x, good, epochs=1, verbose=0)
    for bad in (99, -1):
        y = good.copy()
        y[5] = bad
        with pytest.raises(InvalidArgumentError, match=f"label value of {bad}"):
            model.fit(x, y, epochs=1, batch_size=4, verbose=0)
        with pytest.raises(InvalidArgumentError, match=f"label value of {bad}"):
            model.evaluate(x, y, verbose=0)


def test_numpy_floating_point_warnings_stay_inside_graphflow():
    # TF computes log(0), 0/0 and sqrt(-1) silently; the user's own NumPy calls still warn
    import subprocess
    import sys
    code = ("import numpy as np, graphflow as tf\n"
            "tf.math.log(0.0); tf.constant([0.0]) / 0.0; tf.sqrt(-1.0)\n"
            "tf.function(lambda x: tf.math.log(x) / x)(tf.constant([0.0, -1.0]))\n"
            "try:\n    np.log(np.float64(0.0))\nexcept RuntimeWarning:\n    print('user warned')\n")
    out = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "user warned"
