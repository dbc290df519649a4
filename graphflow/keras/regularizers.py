"""Weight regularizers: L1, L2, L1L2, OrthogonalRegularizer (and their string names).

    >>> from graphflow.keras import regularizers
    >>> float(regularizers.L2(0.5)(tf.constant([1.0, 2.0])))
    2.5
"""
import math

import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.keras import object_registration as registry
from graphflow.ops import elementwise as ew
from graphflow.ops import reduce as rd


class Regularizer:
    def __call__(self, x):
        return 0.0

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x):
        total = 0.0
        if self.l1:
            total = total + self.l1 * rd.reduce_sum(ew.abs(x))
        if self.l2:
            total = total + self.l2 * rd.reduce_sum(ew.square(x))
        return total

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


def _non_negative_float(value, name):
    if isinstance(value, bool) or not isinstance(value, (float, int)) or math.isinf(value) or \
            math.isnan(value) or value < 0:
        raise InvalidArgumentError(f"Invalid value for argument {name}: expected a non-negative "
                                   f"float.Received: {name}={value}")
    return float(value)


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (mode="rows") or columns ("columns") of a rank-2 weight towards being
    orthogonal: factor * mean |cos| over the distinct pairs of L2-normalized rows (columns),
    Keras 3's penalty (its factor is kept as float32, so get_config shows that rounding).

        >>> reg = OrthogonalRegularizer(factor=1.0)
        >>> float(reg(tf.constant([[1.0, 0.0], [1.0, 1.0]])))
        0.7071067690849304
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = float(np.float32(_non_negative_float(factor, "factor")))
        if mode not in ("rows", "columns"):
            raise InvalidArgumentError(
                'Invalid value for argument `mode`. Expected one of {"rows", "columns"}. '
                f"Received: mode={mode}")
        self.mode = mode

    def __call__(self, x):
        from graphflow.ops.creation import convert_to_tensor, eye
        from graphflow.ops.linalg import matmul
        x = convert_to_tensor(x)
        if x.shape.rank != 2:
            raise InvalidArgumentError(
                f"Inputs to OrthogonalRegularizer must have rank 2. Received: "
                f"inputs.shape={x.shape}")
        axis = 1 if self.mode == "rows" else 0
        # Keras's ops.nn.normalize, x * min(rsqrt(sum x^2), 1/epsilon), with the bound moved
        # inside the rsqrt so a zero row stays zero without dividing by zero
        inv_norm = ew.rsqrt(ew.maximum(rd.reduce_sum(ew.square(x), axis=axis, keepdims=True),
                                       1e-14))
        unit = ew.multiply(x, inv_norm)
        product = matmul(unit, unit, transpose_b=True) if axis == 1 else \
            matmul(unit, unit, transpose_a=True)
        size = x.shape[1 - axis]
        off_diagonal = ew.multiply(product, ew.subtract(1.0, eye(size, dtype=x.dtype)))
        num_pairs = size * (size - 1.0) / 2.0
        total = rd.reduce_sum(ew.abs(off_diagonal))
        # one row has no pairs: 0/0 is NaN, as in Keras
        return ew.divide(ew.multiply(self.factor * 0.5, total),
                         convert_to_tensor(num_pairs, x.dtype))

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer
_NAMES = {"l1": L1, "l2": L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2,
          "orthogonal_regularizer": OrthogonalRegularizer,
          "OrthogonalRegularizer": OrthogonalRegularizer, "Regularizer": Regularizer,
          "regularizer": Regularizer}


def get(identifier):
    """A regularizer from a name ("l2"), a {"class_name", "config"} dict (graphflow's classes or
    registered custom objects), a callable or None."""
    return registry.get("regularizer", identifier, _NAMES)


def deserialize(config, custom_objects=None):
    """The regularizer a name ("l2", "orthogonal_regularizer") or a serialized dict describes
    (built-in classes, registered or custom objects).

        >>> deserialize({"class_name": "OrthogonalRegularizer",
        ...              "config": {"factor": 0.5, "mode": "columns"}}).get_config()
        {'factor': 0.5, 'mode': 'columns'}
    """
    if isinstance(config, str):
        obj = registry.lookup_name(config, _NAMES, custom_objects)
        if obj is None:
            raise InvalidArgumentError(f"Unknown regularizer {config!r}; known: "
                                       f"{sorted(_NAMES)}")
        return obj() if isinstance(obj, type) else obj
    if not isinstance(config, dict):
        raise InvalidArgumentError(f"Could not interpret regularizer identifier: {config!r:.80}")
    return registry.deserialize("regularizer", config, _NAMES, custom_objects)


def serialize(reg):
    if reg is None:
        return None
    if isinstance(reg, Regularizer):
        return _with_registered_name(reg, {"class_name": type(reg).__name__,
                                           "config": reg.get_config()})
    return registry.get_registered_name(reg)


def _with_registered_name(obj, config):
    name = registry.get_registered_name(type(obj))
    if name != type(obj).__name__:
        config["registered_name"] = name
    return config
