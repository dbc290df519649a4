"""Activations by Keras's string names; each is a graphflow op or composite.

    >>> from graphflow.keras import activations
    >>> activations.get("relu")(tf.constant([-1.0, 2.0])).numpy()
    array([0., 2.], dtype=float32)
"""
from graphflow.errors import InvalidArgumentError
from graphflow.keras import object_registration as registry
from graphflow.ops import elementwise as ew
from graphflow.ops import nn


def linear(x):
    return x


def softmax(x, axis=-1):
    return nn.softmax(x, axis)


def log_softmax(x, axis=-1):
    return nn.log_softmax(x, axis)


def relu(x):
    return ew.relu(x)


def exponential(x):
    return ew.exp(x)


def hard_sigmoid(x):
    return ew.clip_by_value(x * (1.0 / 6.0) + 0.5, 0.0, 1.0)


ACTIVATIONS = {
    "linear": linear, "relu": relu, "relu6": nn.relu6, "elu": nn.elu, "selu": nn.selu,
    "gelu": nn.gelu, "softplus": nn.softplus, "softsign": nn.softsign, "swish": nn.swish,
    "silu": nn.swish, "sigmoid": ew.sigmoid, "tanh": ew.tanh, "softmax": softmax,
    "log_softmax": log_softmax, "exponential": exponential, "hard_sigmoid": hard_sigmoid,
    "leaky_relu": nn.leaky_relu,
}


def get(identifier):
    """The activation function for a name, a callable, or None (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = registry.lookup_name(identifier, ACTIVATIONS)
        if fn is None or not callable(fn):
            raise InvalidArgumentError(
                f"Unknown activation {identifier!r}; known: {sorted(ACTIVATIONS)}")
        return fn
    if callable(identifier):
        return identifier
    raise InvalidArgumentError(f"Could not interpret activation: {identifier!r}")


def serialize(fn):
    for name, f in ACTIVATIONS.items():
        if f is fn:
            return name
    name = getattr(fn, "__name__", None)
    if name in ACTIVATIONS:
        return name
    return registry.get_registered_name(fn) if name else repr(fn)
