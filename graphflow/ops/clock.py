"""tf.timestamp: the wall-clock time, in seconds since the Unix epoch, as a float64 scalar.

It is STATEFUL, so a graphflow.function reads the clock each time it runs (never folded into a
constant at trace time), in program order.

    >>> import graphflow as tf
    >>> t = tf.timestamp()
    >>> t.dtype.name, float(t) > 1.7e9
    ('float64', True)
"""
import time

import numpy as np

from graphflow import dtypes
from graphflow.ops.registry import STATEFUL, dispatch, register


def _infer(specs):
    return [((), dtypes.float64)]


def _ref():
    return np.array(time.time(), dtype=np.float64)


TIMESTAMP = register("timestamp", STATEFUL, _infer, _ref)


def timestamp(name=None):
    """Seconds since the epoch, when the op runs (TF's Timestamp)."""
    return dispatch(TIMESTAMP, (), {}, name)
