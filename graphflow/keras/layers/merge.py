"""Merging layers: Concatenate, Add, Subtract, Multiply, Average, Maximum, Minimum.

    >>> from graphflow import keras
    >>> a, b = keras.Input((3,)), keras.Input((3,))
    >>> keras.layers.Concatenate()([a, b]).shape
    TensorShape([None, 6])
"""
from graphflow.errors import InvalidArgumentError
from graphflow.keras.layers.base import Layer
from graphflow.ops import api as ops
from graphflow.ops.rules import broadcast_shapes


class _Merge(Layer):
    _min_inputs = 2

    def _check(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < self._min_inputs:
            raise InvalidArgumentError(
                f"{type(self).__name__} layer {self.name!r} should be called on a list of at "
                f"least {self._min_inputs} inputs, got {inputs!r:.80}")
        return list(inputs)

    def build(self, input_shape):
        shapes = list(input_shape) if isinstance(input_shape, (list, tuple)) else [input_shape]
        dims = [s.dims_tuple() if hasattr(s, "dims_tuple") else tuple(s) for s in shapes]
        try:
            broadcast_shapes(type(self).__name__, *[d[1:] for d in dims if d is not None])
        except InvalidArgumentError:
            raise InvalidArgumentError(
                f"{type(self).__name__} layer {self.name!r}: inputs must have compatible shapes, "
                f"got {[list(d) for d in dims]}") from None
        super().build(input_shape)

    def call(self, inputs):
        inputs = self._check(inputs)
        out = inputs[0]
        for x in inputs[1:]:
            out = self._combine(out, x)
        return self._finish(out, len(inputs))

    def _finish(self, out, n):
        return out


class Add(_Merge):
    def _combine(self, a, b):
        return a + b


class Subtract(_Merge):
    def call(self, inputs):
        inputs = self._check(inputs)
        if len(inputs) != 2:
            raise InvalidArgumentError(f"Subtract layer {self.name!r} needs exactly 2 inputs")
        return inputs[0] - inputs[1]


class Multiply(_Merge):
    def _combine(self, a, b):
        return a * b


class Average(_Merge):
    def _combine(self, a, b):
        return a + b

    def _finish(self, out, n):
        return out * (1.0 / n)


class Maximum(_Merge):
    def _combine(self, a, b):
        return ops.maximum(a, b)


class Minimum(_Merge):
    def _combine(self, a, b):
        return ops.minimum(a, b)


class Concatenate(_Merge):
    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def build(self, input_shape):
        shapes = [s.as_list() for s in input_shape]
        rank = len(shapes[0])
        axis = self.axis % rank
        for s in shapes:
            if len(s) != rank or any(a is not None and b is not None and a != b
                                     for i, (a, b) in enumerate(zip(s, shapes[0])) if i != axis):
                raise InvalidArgumentError(
                    f"Concatenate layer {self.name!r} requires inputs with matching shapes except "
                    f"for the concatenation axis {self.axis}. Received: input_shape={shapes}")
        Layer.build(self, input_shape)

    def call(self, inputs):
        return ops.concat(self._check(inputs), self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def dot(inputs, axes=-1, **kwargs):
    """The functional form of Dot: `dot([a, b], axes)`."""
    return Dot(axes=axes, **kwargs)(inputs)


# -- Dot ------------------------------------------------------------------------------------

def _l2_normalize(x, axis):
    """Keras's normalize(x, axis): x * min(rsqrt(sum(x**2, axis)), 1 / epsilon)."""
    inv = ops.minimum(ops.rsqrt(ops.reduce_sum(ops.square(x), axis, keepdims=True)), 1e7)
    return x * inv


def batch_dot(x, y, axes):
    """Keras's batch_dot: per example, the dot product of x and y over axes (a0, a1); the
    result has x's dims (less a0) then y's (less the batch and a1), and rank >= 2."""
    x_ndim, y_ndim = x.shape.rank, y.shape.rank
    a0, a1 = axes
    orig_x_ndim, orig_y_ndim = x_ndim, y_ndim
    if x_ndim == 2:
        x = ops.expand_dims(x, 1)
        a0 += 1
        x_ndim += 1
    if y_ndim == 2:
        y = ops.expand_dims(y, 2)
        y_ndim += 1
    if a0 != x_ndim - 1:  # move the contracted axis of x last
        x = ops.transpose(x, [i for i in range(x_ndim) if i != a0] + [a0])
    if a1 != 1:  # and y's to position 1
        y = ops.transpose(y, [0, a1] + [i for i in range(1, y_ndim) if i != a1])
    x_mid = x.shape.as_list()[1:-1]
    y_trail = y.shape.as_list()[2:]
    if x_ndim > 3:
        x = ops.reshape(x, ops.stack([ops.shape(x)[0], -1, ops.shape(x)[-1]]))
    if y_ndim > 3:
        y = ops.reshape(y, ops.stack([ops.shape(y)[0], ops.shape(y)[1], -1]))
    result = ops.matmul(x, y)
    if x_ndim > 3 or y_ndim > 3:
        dims = [ops.shape(result)[0]]
        dims += [d for d in x_mid] if x_ndim > 3 else [ops.shape(result)[1]]
        dims += [d for d in y_trail] if y_ndim > 3 else [ops.shape(result)[-1]]
        result = ops.reshape(result, ops.stack(dims))
    if orig_x_ndim == 2:
        result = ops.squeeze(result, [1])
    elif orig_y_ndim == 2:
        result = ops.squeeze(result, [-1])
    return result


class Dot(_Merge):
    """The dot product of two inputs over `axes` (an int for both, or one per input; never the
    batch axis 0), optionally of L2-normalized inputs (cosine similarity).

        >>> x = np.arange(10, dtype=np.float32).reshape(1, 5, 2)
        >>> y = np.arange(10, 20, dtype=np.float32).reshape(1, 2, 5)
        >>> keras.layers.Dot(axes=(1, 2))([x, y]).numpy()
        array([[[260., 360.],
                [320., 445.]]], dtype=float32)
    """
    supports_masking = True

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            from graphflow.errors import InvalidTypeError
            if not isinstance(axes, (list, tuple)):
                raise InvalidTypeError(
                    "Invalid type for argument `axes`: it should be a list or an int. "
                    f"Received: axes={axes}")
            if len(axes) != 2:
                raise InvalidArgumentError(
                    "Invalid format for argument `axes`: it should contain two elements. "
                    f"Received: axes={axes}")
            if not isinstance(axes[0], int) or not isinstance(axes[1], int):
                raise InvalidArgumentError(
                    "Invalid format for argument `axes`: list elements should be integers. "
                    f"Received: axes={axes}")
        self.axes = axes if isinstance(axes, int) else list(axes)
        self.normalize = normalize

    def _axes(self, rank1, rank2):
        if isinstance(self.axes, int):
            return [self.axes % rank1, self.axes % rank2] if self.axes < 0 else [self.axes] * 2
        return [a % r if a < 0 else a for a, r in zip(self.axes, (rank1, rank2))]

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2 or \
                not hasattr(input_shape[0], "rank"):
            raise InvalidArgumentError(
                "A `Dot` layer should be called on a list of 2 inputs. Received: "
                f"input_shape={input_shape}")
        shape1, shape2 = input_shape[0].as_list(), input_shape[1].as_list()
        axes = self._axes(len(shape1), len(shape2))
        if shape1[axes[0]] != shape2[axes[1]]:
            raise InvalidArgumentError(
                f"Incompatible input shapes: axis values {shape1[axes[0]]} (at axis {axes[0]}) "
                f"!= {shape2[axes[1]]} (at axis {axes[1]}). Full input shapes: "
                f"{tuple(shape1)}, {tuple(shape2)}")
        Layer.build(self, input_shape)

    def call(self, inputs):
        inputs = self._check(inputs)
        if len(inputs) != 2:
            raise InvalidArgumentError(
                f"A `Dot` layer should be called on exactly 2 inputs. Received: inputs={inputs}")
        x1, x2 = inputs
        if x1.shape.rank < 2 or x2.shape.rank < 2:
            raise InvalidArgumentError(
                "Cannot do batch_dot on inputs with rank < 2. Received inputs with shapes "
                f"{tuple(x1.shape.as_list())} and {tuple(x2.shape.as_list())}.")
        axes = self._axes(x1.shape.rank, x2.shape.rank)
        if 0 in axes:
            raise InvalidArgumentError(
                "Cannot perform batch_dot over axis 0. If your inputs are not batched, add a "
                "dummy batch dimension to your inputs using keras.ops.expand_dims(x, 0)")
        if self.normalize:
            x1, x2 = _l2_normalize(x1, axes[0]), _l2_normalize(x2, axes[1])
        return batch_dot(x1, x2, axes)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}
