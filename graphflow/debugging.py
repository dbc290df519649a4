"""graphflow.debugging: TF's debugging namespace (run-time checks, see ops/debugging.py).

    >>> import graphflow as tf
    >>> tf.debugging.assert_equal(tf.constant(1), tf.constant(1)) is None
    True
"""
from graphflow.ops.debugging import (  # noqa: F401
    Assert, assert_all_finite, assert_equal, assert_greater, assert_greater_equal,
    assert_integer, assert_less, assert_less_equal, assert_near, assert_negative,
    assert_non_negative, assert_non_positive, assert_none_equal, assert_positive, assert_rank,
    assert_rank_at_least, assert_rank_in, assert_scalar, assert_shapes, assert_type,
    check_numerics)


def is_numeric_tensor(tensor):
    """Whether `tensor` is a Tensor of a numeric dtype (floating or integer; not bool, string
    or a Variable), as TF decides it.

        >>> tf.debugging.is_numeric_tensor(tf.constant(1.0)), tf.debugging.is_numeric_tensor(1.0)
        (True, False)
    """
    from graphflow.tensor import Tensor
    return isinstance(tensor, Tensor) and (tensor.dtype.is_floating or tensor.dtype.is_integer)


def assert_same_float_dtype(tensors=None, dtype=None):
    """The floating dtype shared by `tensors` (and `dtype`, when given): float32 when there are
    none; ValueError, as TF, when one differs or is not floating.

        >>> tf.debugging.assert_same_float_dtype([tf.constant(1.0)]).name
        'float32'
    """
    from graphflow import dtypes
    expected = None if dtype is None else dtypes.as_dtype(dtype)
    if expected is not None and not expected.is_floating:
        raise ValueError(f"Expected floating point type, got {expected!r}.")
    first = None
    for t in tensors or ():
        if t is None:
            continue
        if expected is None:
            expected, first = t.dtype, t
            if not expected.is_floating:
                raise ValueError(f"Expected floating point type, got {expected!r}.")
        elif t.dtype is not expected:
            against = f" as {first}" if first is not None else ""
            raise ValueError(f"{t}, type={t.dtype!r}, must be of the same type ({expected!r}){against}.")
    return expected or dtypes.float32
