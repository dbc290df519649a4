"""graphflow.sets: TF's tf.sets (set operations along the last dimension; graphflow/ops/sets.py).

    >>> import graphflow as tf
    >>> r = tf.sets.difference(tf.constant([[1, 2, 3]]), tf.constant([[2, 2, 2]]))
    >>> r.values.numpy().tolist(), tf.sets.size(r).numpy().tolist()
    ([1, 3], [2])
"""
from graphflow.ops.sets import set_difference, set_intersection, set_size, set_union

difference, intersection, size, union = set_difference, set_intersection, set_size, set_union

__all__ = ["difference", "intersection", "size", "union"]
