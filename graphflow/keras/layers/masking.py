"""Masking: marks the time steps whose features all equal `mask_value` as padding.

    >>> from graphflow import keras
    >>> x = np.array([[[1.0], [0.0], [2.0]]], np.float32)
    >>> keras.layers.Masking()(x).numpy()[0, :, 0]
    array([1., 0., 2.], dtype=float32)
    >>> keras.layers.Masking().compute_mask(tf.constant(x)).numpy()
    array([[ True, False,  True]])
"""
from graphflow.keras.layers.base import Layer
from graphflow.ops import api as ops


class Masking(Layer):
    """Outputs the inputs with masked steps zeroed, and the mask any(inputs != mask_value)
    over the last axis, which recurrent layers then skip."""
    supports_masking = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value

    def compute_mask(self, inputs, mask=None):
        return ops.reduce_any(ops.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = ops.reduce_any(ops.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return inputs * ops.cast(keep, inputs.dtype)

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
