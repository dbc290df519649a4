"""graphflow.math: TF's math namespace (aliases of the ops in graphflow.ops).

    >>> import graphflow as tf
    >>> tf.math.reduce_sum(tf.constant([1.0, 2.0])).numpy()
    3.0
"""
from graphflow.ops.api import (  # noqa: F401
    abs, add, add_n, argmax, argmin, ceil, cos, divide, equal, erf, exp, expm1, floor, floordiv,
    floormod, greater, greater_equal, is_finite, is_nan, less, less_equal, log, log1p,
    logical_and, logical_not, logical_or, logical_xor, maximum, minimum, multiply, negative,
    not_equal, pow, reciprocal, reduce_all, reduce_any, reduce_logsumexp, reduce_max, reduce_mean,
    reduce_min, reduce_prod, reduce_sum, round, rsqrt, sigmoid, sign, sin, sqrt, square,
    squared_difference, subtract, tanh, truediv)
from graphflow.ops.nn import l2_normalize, softplus  # noqa: F401
from graphflow.ops.reduce import reduce_euclidean_norm, reduce_std, reduce_variance  # noqa: F401

mod = floormod
