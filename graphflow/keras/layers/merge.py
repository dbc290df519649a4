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
