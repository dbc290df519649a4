"""graphflow.ragged: TF's tf.ragged namespace (graphflow/ops/ragged.py holds the RaggedTensor,
graphflow/ops/ragged_ops.py the ops on it).

    >>> import graphflow as tf
    >>> tf.ragged.constant([[1, 2], [3]]).to_list()
    [[1, 2], [3]]
"""
from graphflow.ops.ragged import (  # noqa: F401
    RaggedTensor, constant, row_splits_to_segment_ids, segment_ids_to_row_splits)
from graphflow.ops.ragged_ops import (  # noqa: F401
    boolean_mask, constant_value, map_flat_values, range, stack)
