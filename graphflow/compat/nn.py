"""compat.v1.nn: tf.nn with TF1's spellings (dropout's keep_prob, softmax_cross_entropy's
_v2 name and dim=); every other name is graphflow's tf.nn.

    >>> tf1 = tf.compat.v1
    >>> tf1.nn.dropout(tf.ones([3]), keep_prob=1.0).numpy()
    array([1., 1., 1.], dtype=float32)
"""
from graphflow.errors import InvalidArgumentError
from graphflow.ops import nn as _nn


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Keeps each element with probability keep_prob (scaled by 1/keep_prob)."""
    if keep_prob is not None and rate is not None:
        raise InvalidArgumentError("dropout: cannot specify both keep_prob and rate")
    if rate is None:
        if keep_prob is None:
            raise InvalidArgumentError("dropout: specify keep_prob (or rate)")
        rate = 1 - keep_prob
    from graphflow.ops.api import identity
    if not hasattr(rate, "dtype") and float(rate) == 0.0:
        return identity(x)
    return _nn.dropout(x, rate, noise_shape, seed)


def softmax_cross_entropy_with_logits_v2(labels, logits, axis=-1, name=None, dim=None):
    return _nn.softmax_cross_entropy_with_logits(labels, logits, axis if dim is None else dim)


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1, name=None,
                                      axis=None):
    if _sentinel is not None:
        raise InvalidArgumentError(
            "softmax_cross_entropy_with_logits: only call it with named arguments (labels=..., "
            "logits=...)")
    from graphflow.ops.api import stop_gradient
    return _nn.softmax_cross_entropy_with_logits(stop_gradient(labels), logits,
                                                 dim if axis is None else axis)


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    import graphflow
    return getattr(graphflow.nn, name)
