"""Every public op function in one namespace (what `graphflow`, `graphflow.math` and the tensor
operators use). Importing this module registers all ops.

    >>> from graphflow.ops import api
    >>> api.add(1.0, 2.0).numpy()
    3.0
"""
from graphflow.ops.creation import (  # noqa: F401
    constant, convert_to_tensor, eye, fill, linspace, ones, range, zeros)
from graphflow.ops.elementwise import (  # noqa: F401
    abs, add, add_n, cast, ceil, clip_by_value, complex, cos, divide, equal, erf, exp, expm1, floor,
    floordiv, floormod, greater, greater_equal, identity, is_finite, is_nan, less, less_equal,
    log, log1p, logical_and, logical_not, logical_or, logical_xor, maximum, minimum, multiply,
    negative, not_equal, ones_like, pow, reciprocal, relu, round, rsqrt, scalar_mul, sigmoid,
    sign, sin, sqrt, square, squared_difference, stop_gradient, subtract, tanh, truediv,
    truncatediv, truncatemod, where, zeros_like)
from graphflow.ops.linalg import matmul, tensordot  # noqa: F401
from graphflow.ops.reduce import (  # noqa: F401
    argmax, argmin, broadcast_like, reduce_all, reduce_any, reduce_logsumexp, reduce_max,
    reduce_mean, reduce_min, reduce_prod, reduce_sum, unbroadcast)
from graphflow.ops.shape import (  # noqa: F401
    broadcast_to, concat, expand_dims, gather, getitem, one_hot, pad, rank, reshape, shape, size,
    slice, split, squeeze, stack, strided_slice, tile, transpose, unstack)
# -- TF op breadth, part 1 (issue 16): scans, sorting, gathers/scatters, layout, einsum --------
from graphflow.ops.array_extra import (  # noqa: F401
    batch_to_space, batch_to_space_nd, histogram_fixed_width_bins, realdiv, reverse_sequence,
    shape_n, space_to_batch, space_to_batch_nd)
from graphflow.ops.casts import bitcast, saturate_cast, unravel_index  # noqa: F401
from graphflow.ops.einsum import einsum  # noqa: F401
from graphflow.ops.gather_scatter import (  # noqa: F401
    boolean_mask, dynamic_partition, dynamic_stitch, gather_nd, scatter_nd,
    tensor_scatter_nd_add, tensor_scatter_nd_max, tensor_scatter_nd_min, tensor_scatter_nd_sub,
    tensor_scatter_nd_update)
from graphflow.ops.layout import (  # noqa: F401
    broadcast_dynamic_shape, broadcast_static_shape, ensure_shape, identity_n, meshgrid, repeat,
    reverse, roll, sequence_mask)
from graphflow.ops.scan import cumsum  # noqa: F401
from graphflow.ops.sort import (  # noqa: F401
    argsort, histogram_fixed_width, searchsorted, sort, unique, unique_with_counts)
# ----------------------------------------------------------------------------------------------
from graphflow.ops.state import assign, assign_add, assign_sub, init_variable, read_variable  # noqa: F401
from graphflow.ops import nn, random  # noqa: F401
# -- ops2 (issue 16): math, linear algebra, random and nn breadth --
from graphflow.ops.special import (  # noqa: F401
    acos, acosh, asin, asinh, atan, atan2, atanh, cosh, sinh, tan)
from graphflow.ops.math_extra import clip_by_global_norm, clip_by_norm  # noqa: F401
from graphflow.ops.matrix_ops import norm  # noqa: F401
from graphflow.ops.utilities import (  # noqa: F401
    is_symbolic_tensor, is_tensor, make_ndarray, make_tensor_proto, type_spec_from_value)
from graphflow.ops.clock import timestamp  # noqa: F401
# control flow, TensorArray, printing and run-time checks (issue 15)
from graphflow.ops.cond import case, cond, switch_case  # noqa: F401,E402
from graphflow.ops import dynamic_shape as _dynamic_shape  # noqa: F401,E402 - registers its ops
from graphflow.ops.debugging import Assert  # noqa: F401,E402
from graphflow.ops.printing import print_v2 as print  # noqa: F401,E402,A001
from graphflow.ops import summary_write as _summary_write  # noqa: F401,E402 - tf.summary in functions
from graphflow.ops.static import get_static_value  # noqa: F401,E402
from graphflow.ops.tensor_array import TensorArray  # noqa: F401,E402
from graphflow.ops.while_loop import while_loop  # noqa: F401,E402
from graphflow.ops.grouping import (  # noqa: F401,E402
    control_dependencies, get_logger, group, init_scope, no_op, tuple)
from graphflow.ops.script_ops import numpy_function, py_function  # noqa: F401,E402
from graphflow.ops.functional import (  # noqa: F401,E402
    foldl, foldr, map_fn, scan, vectorized_map)
from graphflow.ops import iterators as _iterators  # noqa: F401,E402 - AutoGraph's dataset loops
from graphflow.ops import ragged as _ragged, strings as _strings  # noqa: F401 - registers them
from graphflow.ops import sparse as _sparse  # noqa: F401,E402 - registers the sparse ops
from graphflow.ops import ragged_ops as _ragged_ops  # noqa: F401,E402 - ops on RaggedTensors
from graphflow.ops import image as _image, io as _io  # noqa: F401 - registers them
from graphflow.ops import audio as _audio  # noqa: F401,E402 - registers decode_wav/encode_wav
from graphflow.ops import tensor_proto as _tensor_proto  # noqa: F401,E402 - registers them
from graphflow.ops import collective as _collective  # noqa: F401,E402 - graphflow.distribute's all-reduce
from graphflow.ops import lookup as _lookup  # noqa: F401,E402 - Keras lookup layers' table op
from graphflow.ops import sets as _sets  # noqa: F401,E402 - tf.sets' ops
from graphflow.ops import hash_tables as _hash_tables  # noqa: F401,E402 - mutable tables' ops
from graphflow.ops import image_transform as _image_transform  # noqa: F401,E402 - Keras augmentation

mod = floormod
# tf.random's candidate samplers live with the sampled losses; graphflow.ops.random is the
# tf.random namespace and cannot import them back (candidate_sampling draws from its streams).
from graphflow.ops import candidate_sampling as _candidate_sampling  # noqa: E402
for _name in ("all_candidate_sampler", "fixed_unigram_candidate_sampler",
              "learned_unigram_candidate_sampler", "log_uniform_candidate_sampler",
              "uniform_candidate_sampler"):
    setattr(random, _name, getattr(_candidate_sampling, _name))
del _name
from graphflow.ops import hashed_cross as _hashed_cross  # noqa: F401,E402 - Keras HashedCrossing
from graphflow.ops import fft as _fft  # noqa: F401,E402 - registers the FFT ops (tf.signal)
from graphflow.ops import matrix_complex as _matrix_complex  # noqa: F401,E402 - eig, logm
