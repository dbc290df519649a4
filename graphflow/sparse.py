"""graphflow.sparse: TF's tf.sparse namespace, for the SparseTensor of graphflow/ops/sparse.py.

    >>> import graphflow as tf
    >>> sp = tf.sparse.from_dense([[0.0, 2.0], [3.0, 0.0]])
    >>> tf.sparse.reduce_sum(sp, axis=0).numpy()
    array([3., 2.], dtype=float32)
"""
from graphflow.ops.sparse import (  # noqa: F401
    SparseTensor, SparseTensorSpec, add, bincount, concat, expand_dims, eye, fill_empty_rows, from_dense,
    map_values, maximum, minimum, reduce_max, reduce_sum, reorder, reset_shape, reshape, retain,
    segment_mean, segment_sqrt_n, segment_sum, slice, softmax, sparse_dense_matmul, split,
    to_dense, to_indicator, transpose)
