"""graphflow.bitwise: TF's tf.bitwise namespace (integer tensors of any width; no gradients).

    >>> import graphflow as tf
    >>> tf.bitwise.bitwise_and(tf.constant([12, 10]), 6).numpy()
    array([4, 2], dtype=int32)
    >>> (tf.constant([12, 10]) ^ tf.constant([10, 6])).numpy()  # the operators on integers
    array([ 6, 12], dtype=int32)
"""
from graphflow.ops.elementwise import (  # noqa: F401
    bitwise_and, bitwise_or, bitwise_xor, invert, left_shift, right_shift)
