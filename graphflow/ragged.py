"""graphflow.ragged: TF's tf.ragged namespace, for the minimal RaggedTensor of
graphflow/ops/ragged.py (what tf.strings.split returns).

    >>> import graphflow as tf
    >>> tf.ragged.constant([[1, 2], [3]]).to_list()
    [[1, 2], [3]]
"""
from graphflow.ops.ragged import RaggedTensor, constant  # noqa: F401
