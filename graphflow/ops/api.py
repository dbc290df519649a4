"""Every public op function in one namespace (what `graphflow`, `graphflow.math` and the tensor
operators use). Importing this module registers all ops.

    >>> from graphflow.ops import api
    >>> api.add(1.0, 2.0).numpy()
    3.0
"""
from graphflow.ops.creation import (  # noqa: F401
    constant, convert_to_tensor, eye, fill, linspace, ones, range, zeros)
from graphflow.ops.elementwise import (  # noqa: F401
    abs, add, add_n, cast, ceil, clip_by_value, cos, divide, equal, erf, exp, expm1, floor,
    floordiv, floormod, greater, greater_equal, identity, is_finite, is_nan, less, less_equal,
    log, log1p, logical_and, logical_not, logical_or, logical_xor, maximum, minimum, multiply,
    negative, not_equal, ones_like, pow, reciprocal, relu, round, rsqrt, scalar_mul, sigmoid,
    sign, sin, sqrt, square, squared_difference, stop_gradient, subtract, tanh, truediv, where,
    zeros_like)
from graphflow.ops.linalg import matmul, tensordot  # noqa: F401
from graphflow.ops.reduce import (  # noqa: F401
    argmax, argmin, broadcast_like, reduce_all, reduce_any, reduce_logsumexp, reduce_max,
    reduce_mean, reduce_min, reduce_prod, reduce_sum, unbroadcast)
from graphflow.ops.shape import (  # noqa: F401
    broadcast_to, concat, expand_dims, gather, getitem, one_hot, pad, rank, reshape, shape, size,
    slice, split, squeeze, stack, strided_slice, tile, transpose, unstack)
from graphflow.ops.state import assign, assign_add, assign_sub, init_variable, read_variable  # noqa: F401
from graphflow.ops import nn, random  # noqa: F401
from graphflow.ops import ragged as _ragged, strings as _strings  # noqa: F401 - registers them
from graphflow.ops import image as _image, io as _io  # noqa: F401 - registers them

mod = floormod
