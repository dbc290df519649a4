"""graphflow.sets: TF's tf.sets (set operations along the last dimension; graphflow/ops/sets.py).

    >>> import graphflow as tf
    >>> r = tf.sets.difference(tf.constant([[1, 2, 3]]), tf.constant([[2, 2, 2]]))
    >>> r.values.numpy().tolist(), tf.sets.size(r).numpy().tolist()
    ([1, 3], [2])
"""
from graphflow.ops import sets as _sets

# TF 2.21 names them only so; its set_union, set_size, ... are compat.v1's (graphflow/compat/v1.py)
difference, intersection, size, union = (_sets.set_difference, _sets.set_intersection,
                                         _sets.set_size, _sets.set_union)

__all__ = ["difference", "intersection", "size", "union"]
