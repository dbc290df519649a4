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

# -- TF op breadth, part 1 (issue 16) ------------------------------------------------------------
from graphflow.ops.gather_scatter import (  # noqa: F401,E402
    segment_max, segment_mean, segment_min, segment_prod, segment_sum, unsorted_segment_max,
    unsorted_segment_mean, unsorted_segment_min, unsorted_segment_prod, unsorted_segment_sqrt_n,
    unsorted_segment_sum)
from graphflow.ops.scan import cumprod, cumsum, cumulative_logsumexp  # noqa: F401,E402
from graphflow.ops.sort import in_top_k, top_k  # noqa: F401,E402
# ----------------------------------------------------------------------------------------------

mod = floormod
# -- ops2 (issue 16): special functions and the rest of tf.math --
from graphflow.ops.special import (  # noqa: F401,E402
    acos, acosh, asin, asinh, atan, atan2, atanh, bessel_i0e, bessel_i1e, cosh, digamma,
    divide_no_nan, erfc, erfcinv, erfinv, igamma, igammac, lgamma, multiply_no_nan, ndtri,
    nextafter, sinh, softplus, tan, xdivy, xlog1py, xlogy, zeta)
from graphflow.ops.math_extra import (  # noqa: F401,E402
    accumulate_n, angle, bessel_i0, bessel_i1, bincount, confusion_matrix, conj, count_nonzero,
    imag, invert_permutation, is_inf, is_non_decreasing, is_strictly_increasing, lbeta,
    log_sigmoid, polygamma, polyval, real, reciprocal_no_nan, zero_fraction)
from graphflow.ops.nn import log_softmax, softmax, softsign  # noqa: F401,E402
from graphflow.ops.api import round as rint, scalar_mul  # noqa: F401,E402
