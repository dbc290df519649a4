"""graphflow.nest: TF's tf.nest, functions over nested structures of lists, tuples, namedtuples
and dicts (dicts in sorted key order), with TensorFlow's errors.

    >>> import graphflow as tf
    >>> tf.nest.flatten({"b": 1, "a": (2, [3, None])})
    [2, 3, None, 1]
    >>> tf.nest.map_structure(lambda a, b: a * b, {"x": 2, "y": [3]}, {"x": 5, "y": [7]})
    {'x': 10, 'y': [21]}
"""
from graphflow.utils.nest import (  # noqa: F401
    assert_same_structure, flatten, is_nested, map_structure, pack_sequence_as)
