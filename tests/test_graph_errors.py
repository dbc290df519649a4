"""TF's error classes for Python operations on graph tensors and for calls that do not fit a
graphflow.function (each case checked against TF 2.21: OperatorNotAllowedInGraphError, a
TypeError, for bool() and iteration of a symbolic tensor; TypeError for binding mistakes)."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError, OperatorNotAllowedInGraphError

BOOL = "Using a symbolic `tf.Tensor` as a Python `bool` is not allowed"
ITER = "Iterating over a symbolic `tf.Tensor` is not allowed"


def test_operator_not_allowed_is_a_type_error():
    assert issubclass(tf.errors.OperatorNotAllowedInGraphError, TypeError)
    assert tf.errors.OperatorNotAllowedInGraphError is OperatorNotAllowedInGraphError


def _if(x):
    if x > 0:
        return x
    return -x


def _iterate(x):
    total = 0.0
    for v in x:
        total += v
    return total


def _unpack(x):
    a, b = x
    return a + b


SCALAR, VECTOR = 1.0, [1.0, 2.0]


@pytest.mark.parametrize("fn, value, message", [
    (_if, SCALAR, BOOL), (lambda x: bool(x), SCALAR, BOOL), (lambda x: not x, SCALAR, BOOL),
    (lambda x: x > 0 and x < 3, SCALAR, BOOL), (_iterate, VECTOR, ITER),
    (lambda x: list(x), VECTOR, ITER), (_unpack, VECTOR, ITER)])
def test_without_autograph_python_control_flow_on_tensors_raises(fn, value, message):
    with pytest.raises(OperatorNotAllowedInGraphError, match=message) as info:
        tf.function(fn, autograph=False)(tf.constant(value))
    assert "x:0" in str(info.value) or "greater" in str(info.value)  # names the tensor


def test_with_autograph_conversions_run_and_the_rest_raises():
    assert float(tf.function(_if)(tf.constant(-2.0))) == 2.0
    assert float(tf.function(_iterate)(tf.constant([1.0, 2.0]))) == 3.0
    with pytest.raises(OperatorNotAllowedInGraphError, match=ITER):   # TF: unpacking too
        tf.function(_unpack)(tf.constant([1.0, 2.0]))
    with pytest.raises(OperatorNotAllowedInGraphError, match=BOOL):
        tf.function(lambda x: bool(x))(tf.constant(1.0))


def test_compat_v1_graph_tensors_refuse_bool_and_iteration():
    with tf.Graph().as_default():
        p = tf.compat.v1.placeholder(tf.float32, [2])
        with pytest.raises(OperatorNotAllowedInGraphError, match=BOOL):
            bool(p)
        with pytest.raises(OperatorNotAllowedInGraphError, match=ITER):
            iter(p)


def test_eager_tensors_iterate_and_scalars_refuse_as_tf():
    assert [float(v) for v in tf.constant([1.0, 2.0])] == [1.0, 2.0]
    with pytest.raises(TypeError, match="Cannot iterate over a scalar tensor"):
        iter(tf.constant(1.0))   # at iter(), not at the first next()
    with pytest.raises(TypeError, match="no `len\\(\\)`"):
        len(tf.constant(1.0))
    with pytest.raises(InvalidArgumentError, match="ambiguous"):   # TF: ValueError
        bool(tf.ones(2))


# -- calls that do not fit a function (TF: TypeError) -------------------------------------------
def _signed(*specs):
    return tf.function(lambda x: x * 2.0, input_signature=list(specs))


@pytest.mark.parametrize("call, message", [
    (lambda f: f(tf.ones((3, 2), tf.float64)), "float64.*input_signature"),
    (lambda f: f(tf.ones((3, 2), tf.int32)), "int32.*input_signature"),
    (lambda f: f(tf.ones((3, 3))), r"shape \(3, 3\).*input_signature"),
    (lambda f: f(tf.ones(3)), r"shape \(3,\).*input_signature"),
    (lambda f: f("abc"), "'abc'.*input_signature"),
    (lambda f: f(None), "None.*input_signature"),
    (lambda f: f(tf.ones((3, 2)), tf.ones((3, 2))), "`too many positional arguments`"),
    (lambda f: f(), "`missing a required argument: 'x'`"),
    (lambda f: f(tf.ones((3, 2)), y=1), "`got an unexpected keyword argument 'y'`")])
def test_input_signature_mismatches_are_type_errors(call, message):
    f = _signed(tf.TensorSpec([None, 2], tf.float32))
    with pytest.raises(TypeError, match=message):
        call(f)


def test_input_signature_converts_what_tf_converts():
    f = _signed(tf.TensorSpec([None, 2], tf.float32))
    assert f(np.ones((3, 2))).dtype == tf.float32   # float64 data
    assert f([[1, 2]]).dtype == tf.float32
    with pytest.raises(TypeError, match="3.5"):
        tf.function(lambda n: n, input_signature=[tf.TensorSpec([], tf.int32)])(3.5)


def test_input_signature_is_checked_against_the_parameters_when_defined():
    spec = tf.TensorSpec([2])
    with pytest.raises(TypeError, match="input_signature missing type constraint for y"):
        tf.function(lambda x, y: x, input_signature=[spec])
    with pytest.raises(TypeError, match="input_signature contains 1 extra type constraints"):
        tf.function(lambda x: x, input_signature=[spec, spec])
    with pytest.raises(TypeError, match="must be either a tuple or a list"):
        tf.function(lambda x: x, input_signature=spec)
    with pytest.raises(TypeError, match=r"nested sequence of TensorSpec objects, got invalid "
                                        r"args \[2\]"):
        tf.function(lambda x: x, input_signature=[[2]])
    with pytest.raises(TypeError, match="keyword-only parameter `y` must have a default"):
        tf.function(lambda x, *, y: x, input_signature=[spec])

    class Module(tf.Module):
        @tf.function(input_signature=[spec])
        def double(self, x):   # `self` is no signature entry
            return 2.0 * x

    np.testing.assert_allclose(Module().double(tf.ones(2)).numpy(), [2.0, 2.0])


def test_parameters_past_the_signature_keep_their_defaults():
    spec = tf.TensorSpec([2])
    f = tf.function(lambda x, y=3.0: x * y, input_signature=[spec])
    np.testing.assert_allclose(f(tf.ones(2)).numpy(), [3.0, 3.0])
    with pytest.raises(TypeError, match="too many positional arguments"):
        f(tf.ones(2), 2.0)
    g = tf.function(lambda x, *rest: x + rest[0], input_signature=[spec, spec])
    np.testing.assert_allclose(g(tf.ones(2), tf.ones(2)).numpy(), [2.0, 2.0])
    with pytest.raises(TypeError, match="missing a required argument: 'rest_0'"):
        g(tf.ones(2))
    with pytest.raises(TypeError, match="too many positional arguments"):
        g(tf.ones(2), tf.ones(2), tf.ones(2))


def test_binding_mistakes_without_a_signature_are_type_errors():
    f = tf.function(lambda x, y: x + y)
    for call, reason in [(lambda: f(1.0, 2.0, 3.0), "too many positional arguments"),
                         (lambda: f(1.0), "missing a required argument: 'y'"),
                         (lambda: f(1.0, x=2.0), "multiple values for argument 'x'")]:
        with pytest.raises(TypeError, match=f"Binding inputs to tf.function failed due to "
                                            f"`{reason}`"):
            call()


def test_concrete_function_arguments():
    f = tf.function(lambda x, y: x + y)
    concrete = f.get_concrete_function(tf.TensorSpec([2]), tf.TensorSpec([2]))
    with pytest.raises(TypeError, match="expected 2 tensor arguments, got 1"):
        concrete(tf.ones(2))
    with pytest.raises(TypeError, match="expected 2 tensor arguments, got 3"):
        concrete(tf.ones(2), tf.ones(2), tf.ones(2))
    # NumPy data converts to the traced dtype (as TF); a tensor of another dtype is TF's
    # InvalidArgumentError
    np.testing.assert_allclose(concrete(np.ones(2), np.ones(2, np.int32)).numpy(), [2.0, 2.0])
    with pytest.raises(InvalidArgumentError, match="dtype float64.*expects float32"):
        concrete(tf.ones(2, tf.float64), tf.ones(2))
