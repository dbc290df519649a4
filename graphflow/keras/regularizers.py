"""Weight regularizers: L1, L2, L1L2 (and their string names).

    >>> from graphflow.keras import regularizers
    >>> float(regularizers.L2(0.5)(tf.constant([1.0, 2.0])))
    2.5
"""
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


l1, l2, l1_l2 = L1, L2, L1L2
_NAMES = {"l1": L1, "l2": L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2}


def get(identifier):
    """A regularizer from a name ("l2"), a {"class_name", "config"} dict (graphflow's classes or
    registered custom objects), a callable or None."""
    return registry.get("regularizer", identifier, _NAMES)


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
