"""Activations (keras.activations): Keras 3's functions, usable by their string names in layers
(`Dense(4, activation="gelu")`). Each is a composite of registry ops, so it runs eagerly, in a
traced graphflow.function and in compiled fit alike.

    >>> from graphflow.keras import activations
    >>> activations.get("relu")(tf.constant([-1.0, 2.0])).numpy()
    array([0., 2.], dtype=float32)
    >>> activations.serialize(activations.get("swish"))
    'silu'
"""
import math

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.keras import object_registration as registry
from graphflow.ops import api as ops
from graphflow.ops import elementwise as ew
from graphflow.ops import nn
from graphflow.ops.math_extra import log_sigmoid as _log_sigmoid
from graphflow.ops.scan import cumsum as _cumsum
from graphflow.ops.sort import sort as _sort
from graphflow.tensor import Tensor, Variable


def _float(x):
    """x as a floating tensor (Python numbers and integer arrays become float32, as Keras's
    convert_to_tensor of its float inputs)."""
    if isinstance(x, Variable):
        x = x.value()
    elif not isinstance(x, Tensor):
        x = ops.convert_to_tensor(x)
    return x if x.dtype.is_floating else ops.cast(x, dtypes.float32)


def linear(x):
    """x unchanged.

        >>> linear(3.0)
        3.0
    """
    return x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0), with Keras's options: values below `threshold` are 0 (or
    negative_slope * (x - threshold)), and the output is capped at `max_value`.

        >>> relu(tf.constant([-3.0, 1.0, 7.0]), negative_slope=0.1, max_value=5.0,
        ...      threshold=0.5).numpy()
        array([-0.35,  1.  ,  5.  ], dtype=float32)
    """
    x = _float(x)
    if negative_slope != 0.0 and max_value is None and threshold == 0:
        return nn.leaky_relu(x, float(negative_slope))
    negative_part = None
    if negative_slope != 0.0:
        negative_part = ew.relu(-x + float(threshold)) if threshold != 0 else ew.relu(-x)
    if threshold != 0:
        out = ew.where(ew.greater(x, float(threshold)), x, ops.zeros_like(x))
    else:
        out = ew.relu(x)
    if max_value is not None:
        out = ops.clip_by_value(out, 0.0, float(max_value))
    if negative_part is not None:
        out = out - float(negative_slope) * negative_part
    return out


def leaky_relu(x, negative_slope=0.2):
    """x for x > 0, negative_slope * x otherwise.

        >>> leaky_relu(tf.constant([-1.0, 2.0])).numpy()
        array([-0.2,  2. ], dtype=float32)
    """
    return nn.leaky_relu(_float(x), float(negative_slope))


def relu6(x):
    """min(max(x, 0), 6).

        >>> relu6(tf.constant([-1.0, 8.0])).numpy()
        array([0., 6.], dtype=float32)
    """
    return nn.relu6(_float(x))


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`.

        >>> softmax(tf.constant([0.0, 0.0])).numpy()
        array([0.5, 0.5], dtype=float32)
    """
    return nn.softmax(_float(x), axis)


def log_softmax(x, axis=-1):
    """log(softmax(x)) along `axis`, computed stably.

        >>> round(float(log_softmax(tf.constant([0.0, 0.0]))[0]), 4)
        -0.6931
    """
    return nn.log_softmax(_float(x), axis)


def elu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise.

        >>> round(float(elu(tf.constant(-1.0), alpha=2.0)), 4)
        -1.2642
    """
    x = _float(x)
    res = nn.elu(x)
    if alpha == 1:
        return res
    return ew.where(ew.greater(x, 0.0), res, float(alpha) * res)


def selu(x):
    """scale * elu(x, alpha) with Klambauer et al.'s constants.

        >>> round(float(selu(tf.constant(1.0))), 4)
        1.0507
    """
    return nn.selu(_float(x))


def celu(x, alpha=1.0):
    """max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1).

        >>> round(float(celu(tf.constant(-1.0), alpha=2.0)), 4)
        -0.7869
    """
    x = _float(x)
    return ew.maximum(x, 0.0) + float(alpha) * ew.expm1(ew.minimum(x, 0.0) / float(alpha))


def gelu(x, approximate=False):
    """x * Phi(x), Phi the standard normal CDF (its tanh approximation with approximate=True).

        >>> round(float(gelu(tf.constant(1.0))), 4), round(float(gelu(1.0, approximate=True)), 4)
        (0.8413, 0.8412)
    """
    return nn.gelu(_float(x), approximate=bool(approximate))


def glu(x, axis=-1):
    """Gated linear unit: a * sigmoid(b), where a and b are the two halves of x along `axis`.

        >>> round(float(glu(tf.constant([2.0, 0.0]))[0]), 4)
        1.0
    """
    x = _float(x)
    size = x.shape[axis] if x.shape.rank is not None else None
    if size is not None and size % 2 != 0:
        raise InvalidArgumentError(
            f"glu: the size of axis {axis} must be divisible by 2, got x.shape={x.shape}")
    a, b = ops.split(x, 2, axis=axis)
    return a * ew.sigmoid(b)


def softplus(x):
    """log(exp(x) + 1).

        >>> round(float(softplus(tf.constant(0.0))), 4)
        0.6931
    """
    return nn.softplus(_float(x))


def softsign(x):
    """x / (|x| + 1).

        >>> softsign(tf.constant(1.0)).numpy()
        0.5
    """
    return nn.softsign(_float(x))


def soft_shrink(x, threshold=0.5):
    """x - threshold above threshold, x + threshold below -threshold, 0 between.

        >>> soft_shrink(tf.constant([-1.0, 0.2, 1.0])).numpy()
        array([-0.5,  0. ,  0.5], dtype=float32)
    """
    x = _float(x)
    t = float(threshold)
    return ew.where(ew.greater(x, t), x - t,
                    ew.where(ew.less(x, -t), x + t, ops.zeros_like(x)))


def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0.

        >>> hard_shrink(tf.constant([-1.0, 0.2, 1.0])).numpy()
        array([-1.,  0.,  1.], dtype=float32)
    """
    x = _float(x)
    return ew.where(ew.greater(ew.abs(x), float(threshold)), x, ops.zeros_like(x))


def sparse_plus(x):
    """0 for x <= -1, (x + 1)**2 / 4 for -1 < x < 1, x for x >= 1.

        >>> sparse_plus(tf.constant([-2.0, 0.0, 2.0])).numpy()
        array([0.  , 0.25, 2.  ], dtype=float32)
    """
    x = _float(x)
    return ew.where(ew.less_equal(x, -1.0), ops.zeros_like(x),
                    ew.where(ew.less(x, 1.0), 0.25 * ew.square(x + 1.0), x))


def squareplus(x, b=4):
    """(x + sqrt(x**2 + b)) / 2.

        >>> squareplus(tf.constant(0.0)).numpy()
        1.0
    """
    x = _float(x)
    return (x + ew.sqrt(ew.square(x) + float(b))) / 2.0


def silu(x):
    """x * sigmoid(x) (also called swish).

        >>> round(float(silu(tf.constant(1.0))), 4)
        0.7311
    """
    return nn.swish(_float(x))


swish = silu


def tanh(x):
    """Hyperbolic tangent.

        >>> round(float(tanh(tf.constant(1.0))), 4)
        0.7616
    """
    return ew.tanh(_float(x))


def tanh_shrink(x):
    """x - tanh(x).

        >>> round(float(tanh_shrink(tf.constant(1.0))), 4)
        0.2384
    """
    x = _float(x)
    return x - ew.tanh(x)


def hard_tanh(x):
    """x clipped to [-1, 1].

        >>> hard_tanh(tf.constant([-3.0, 0.5, 3.0])).numpy()
        array([-1. ,  0.5,  1. ], dtype=float32)
    """
    return ops.clip_by_value(_float(x), -1.0, 1.0)


def threshold(x, threshold, default_value):
    """x where x > threshold, else default_value.

        >>> threshold(tf.constant([0.5, 2.0]), 1.0, -9.0).numpy()
        array([-9.,  2.], dtype=float32)
    """
    x = _float(x)
    return ew.where(ew.greater(x, float(threshold)), x, ops.zeros_like(x) + float(default_value))


def sigmoid(x):
    """1 / (1 + exp(-x)).

        >>> sigmoid(tf.constant(0.0)).numpy()
        0.5
    """
    return ew.sigmoid(_float(x))


def sparse_sigmoid(x):
    """0 for x <= -1, (x + 1) / 2 for -1 < x < 1, 1 for x >= 1.

        >>> sparse_sigmoid(tf.constant([-2.0, 0.0, 2.0])).numpy()
        array([0. , 0.5, 1. ], dtype=float32)
    """
    x = _float(x)
    return ew.where(ew.less_equal(x, -1.0), ops.zeros_like(x),
                    ew.where(ew.greater_equal(x, 1.0), ops.ones_like(x), 0.5 * (x + 1.0)))


def exponential(x):
    """exp(x).

        >>> exponential(tf.constant(0.0)).numpy()
        1.0
    """
    return ew.exp(_float(x))


def hard_sigmoid(x):
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between.

        >>> hard_sigmoid(tf.constant([-4.0, 0.0, 4.0])).numpy()
        array([0. , 0.5, 1. ], dtype=float32)
    """
    return nn.relu6(_float(x) + 3.0) / 6.0


def hard_silu(x):
    """x * hard_sigmoid(x) (also called hard_swish).

        >>> hard_silu(tf.constant([-4.0, 1.0, 4.0])).numpy()
        array([-0.       ,  0.6666667,  4.       ], dtype=float32)
    """
    x = _float(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x).

        >>> round(float(log_sigmoid(tf.constant(0.0))), 4)
        -0.6931
    """
    return _log_sigmoid(_float(x))


def mish(x):
    """x * tanh(softplus(x)).

        >>> round(float(mish(tf.constant(1.0))), 4)
        0.8651
    """
    x = _float(x)
    return x * ew.tanh(nn.softplus(x))


def sparsemax(x, axis=-1):
    """Euclidean projection of x onto the probability simplex along `axis` (Martins &
    Astudillo, 2016): max(x - tau, 0) with tau chosen so the outputs sum to 1.

    Keras 3.15 computes tau from the sum of the cumulative sums over the support instead of
    the cumulative sum at its end, so its outputs do not sum to 1 once two or more values are
    in the support; graphflow computes the projection the paper defines.

        >>> sparsemax(tf.constant([1.0, 1.5])).numpy()
        array([0.25, 0.75], dtype=float32)
    """
    x = _float(x)
    rank = x.shape.rank
    if rank is None or rank == 0:
        raise InvalidArgumentError(f"sparsemax: x must have a known rank >= 1, got {x.shape}")
    axis = axis % rank
    n = x.shape[axis]
    if n is None:
        raise InvalidArgumentError(
            f"sparsemax: the size of axis {axis} must be known, got x.shape={x.shape}")
    z = _sort(x, axis=axis, direction="DESCENDING")
    cum = _cumsum(z, axis=axis)
    shape = [1] * rank
    shape[axis] = n
    r = ops.reshape(ops.constant([float(i + 1) for i in range(n)], x.dtype), shape)
    support = ops.cast(ew.greater(1.0 + r * z, cum), x.dtype)
    k = ops.reduce_sum(support, axis, keepdims=True)
    # the support is a prefix of the sorted values, so its sum is the cumulative sum at its end
    cum_k = ops.reduce_sum(support * z, axis, keepdims=True)
    tau = (cum_k - 1.0) / k
    return ew.maximum(x - tau, 0.0)


ALL_OBJECTS = (relu, leaky_relu, relu6, softmax, celu, elu, selu, softplus, softsign, squareplus,
               soft_shrink, sparse_plus, silu, gelu, glu, tanh, tanh_shrink, threshold, sigmoid,
               sparse_sigmoid, exponential, hard_sigmoid, hard_silu, hard_tanh, hard_shrink,
               linear, mish, log_softmax, log_sigmoid, sparsemax)
ACTIVATIONS = {fn.__name__: fn for fn in ALL_OBJECTS}
ACTIVATIONS["swish"] = silu
ACTIVATIONS["hard_swish"] = hard_silu


def get(identifier):
    """The activation function for a name, a serialized dict, a callable, or None (linear).

        >>> get("hard_swish") is hard_silu
        True
    """
    if identifier is None:
        return linear
    if isinstance(identifier, dict):
        return deserialize(identifier)
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
    """The name an activation is saved under (Keras: a built-in's function name, a registered
    function's "package>name").

        >>> serialize(gelu)
        'gelu'
    """
    for name, f in ACTIVATIONS.items():
        if f is fn:
            return f.__name__ if name in ("swish", "hard_swish") else name
    name = getattr(fn, "__name__", None)
    if name in ACTIVATIONS and fn is not ACTIVATIONS[name]:
        # another module's function of a built-in's name (tf.nn.relu): saved by the name
        return name
    return registry.get_registered_name(fn) if name else repr(fn)


def deserialize(config, custom_objects=None):
    """The activation a saved name or Keras function dict ({"class_name": "function",
    "config": "relu", ...}) refers to.

        >>> deserialize("gelu") is gelu
        True
        >>> deserialize({"module": "keras.activations", "class_name": "function",
        ...              "config": "relu", "registered_name": "relu"}) is relu
        True
    """
    if isinstance(config, str):
        fn = registry.lookup_name(config, ACTIVATIONS, custom_objects)
        if fn is None:
            raise InvalidArgumentError(
                f"Unknown activation {config!r}; known: {sorted(ACTIVATIONS)}")
        return fn
    if isinstance(config, dict):
        if config.get("class_name") == "function":
            for key in (config.get("registered_name"), config.get("config")):
                fn = registry.lookup_name(key, ACTIVATIONS, custom_objects) \
                    if isinstance(key, str) else None
                if fn is not None:
                    return fn
            raise InvalidArgumentError(f"Unknown activation function in {config!r:.120}")
        obj = registry.deserialize("activation", config, {}, custom_objects)
        if callable(obj):
            return obj
    raise InvalidArgumentError(f"Could not interpret activation: {config!r:.120}")
