"""Weight constraints: MaxNorm, NonNeg, UnitNorm, MinMaxNorm (and their string names).

A constraint maps a weight to its projected value; the optimizer applies it to a variable
right after each update (`Dense(kernel_constraint=...)`, `add_weight(constraint=...)`), as
Keras does.

    >>> from graphflow.keras import constraints
    >>> constraints.NonNeg()(tf.constant([-1.0, 2.0])).numpy()
    array([0., 2.], dtype=float32)
    >>> constraints.MaxNorm(1.0)(tf.constant([[3.0], [4.0]])).numpy().round(4)
    array([[0.6],
           [0.8]], dtype=float32)
"""
from graphflow.errors import InvalidArgumentError
from graphflow.keras import object_registration as registry
from graphflow.keras.backend import epsilon as _epsilon  # read at each use: set_epsilon
from graphflow.ops import api as ops


class Constraint:
    """Base class: `__call__(w)` returns the constrained weight; `get_config` round-trips."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _axis(owner, axis):
    if isinstance(axis, (list, tuple)):
        return [_axis(owner, a) for a in axis]
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise InvalidArgumentError(f"{owner}: axis must be an integer or a list of them, "
                                   f"got {axis!r:.60}")
    return axis


def _norms(w, axis):
    return ops.sqrt(ops.reduce_sum(ops.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Scales each slice along `axis` (columns of a Dense kernel by default) down to a norm
    of at most `max_value`."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = float(max_value)
        self.axis = _axis("MaxNorm", axis)

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = ops.clip_by_value(norms, 0.0, self.max_value)
        return w * (desired / (_epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Zeroes the negative entries."""

    def __call__(self, w):
        # + 0.0 turns the -0.0 of a negative entry times zero into 0.0, as Keras shows it
        return w * ops.cast(ops.greater_equal(w, 0.0), w.dtype) + 0.0


class UnitNorm(Constraint):
    """Scales each slice along `axis` to unit norm."""

    def __init__(self, axis=0):
        self.axis = _axis("UnitNorm", axis)

    def __call__(self, w):
        return w / (_epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves each slice's norm into [min_value, max_value]; `rate` < 1 moves it part way."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value = float(min_value), float(max_value)
        self.rate = float(rate)
        self.axis = _axis("MinMaxNorm", axis)

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = self.rate * ops.clip_by_value(norms, self.min_value, self.max_value) + \
            (1 - self.rate) * norms
        return w * (desired / (_epsilon() + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm
_NAMES = {"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm,
          "min_max_norm": MinMaxNorm, "MaxNorm": MaxNorm, "NonNeg": NonNeg,
          "UnitNorm": UnitNorm, "MinMaxNorm": MinMaxNorm, "Constraint": Constraint}


def get(identifier):
    """A constraint from a name ("non_neg"), a {"class_name", "config"} dict (graphflow's
    classes or registered custom objects), a callable or None.

        >>> from graphflow.keras import constraints
        >>> type(constraints.get("max_norm")).__name__
        'MaxNorm'
    """
    return registry.get("constraint", identifier, _NAMES)


def serialize(constraint):
    """{"class_name", "config"} of a constraint (None stays None), as Keras saves it.

        >>> from graphflow.keras import constraints
        >>> constraints.serialize(constraints.UnitNorm(axis=1))
        {'class_name': 'UnitNorm', 'config': {'axis': 1}}
    """
    if constraint is None:
        return None
    if isinstance(constraint, Constraint):
        config = {"class_name": type(constraint).__name__, "config": constraint.get_config()}
        name = registry.get_registered_name(type(constraint))
        if name != type(constraint).__name__:
            config["registered_name"] = name
        return config
    return registry.get_registered_name(constraint)


def deserialize(config, custom_objects=None):
    """The constraint a serialized dict describes."""
    return registry.deserialize("constraint", config, _NAMES, custom_objects)
