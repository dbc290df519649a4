"""Layer wrappers: Bidirectional (an RNN run both ways) and TimeDistributed (a layer applied to
every time step).

    >>> from graphflow import keras
    >>> bi = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True))
    >>> bi(np.ones((2, 5, 4), np.float32)).shape
    TensorShape([2, 5, 6])
    >>> keras.layers.TimeDistributed(keras.layers.Dense(7))(np.ones((2, 5, 4), np.float32)).shape
    TensorShape([2, 5, 7])
"""
import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.keras.layers.base import Layer
from graphflow.ops import api as ops
from graphflow.tensor import TensorShape
from graphflow.utils import nest

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _clone(layer, name, **overrides):
    from graphflow.keras.saving.config import deserialize_layer, serialize_layer
    config = serialize_layer(layer)
    config["config"] = dict(config["config"], name=name, **overrides)
    return deserialize_layer(config)


def _strip(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name


class Bidirectional(Layer):
    """Runs a copy of an RNN layer forwards and another backwards over the sequence and merges
    their outputs (merge_mode "concat", "sum", "mul", "ave", or None for a list of both).

        >>> bi = keras.layers.Bidirectional(keras.layers.GRU(2), merge_mode="sum")
        >>> bi(np.ones((1, 3, 4), np.float32)).shape
        TensorShape([1, 2])
    """
    supports_masking = True

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer) or not hasattr(layer, "go_backwards"):
            raise InvalidArgumentError(
                "Please initialize `Bidirectional` layer with a `keras.layers.RNN` instance "
                f"(LSTM, GRU, SimpleRNN or RNN). Received: layer={layer!r:.100}")
        if merge_mode not in _MERGE_MODES:
            raise InvalidArgumentError(
                f"Invalid merge mode. Received: {merge_mode!r}. Merge mode should be one of "
                '{"sum", "mul", "ave", "concat", None}')
        super().__init__(**kwargs)
        base = _strip(layer.name, "forward_")
        self.forward_layer = _clone(layer, "forward_" + base)
        if backward_layer is None:
            self.backward_layer = _clone(layer, "backward_" + base,
                                         go_backwards=not layer.go_backwards)
        else:
            if not isinstance(backward_layer, Layer) or not hasattr(backward_layer, "go_backwards"):
                raise InvalidArgumentError(
                    f"`backward_layer` must be a keras.layers.RNN instance, got "
                    f"{backward_layer!r:.100}")
            for attr in ("return_sequences", "return_state"):
                if getattr(backward_layer, attr) != getattr(layer, attr):
                    raise InvalidArgumentError(
                        f"Forward layer and backward layer should have the same `{attr}`: "
                        f"{getattr(layer, attr)} vs {getattr(backward_layer, attr)}")
            if backward_layer.go_backwards == layer.go_backwards:
                raise InvalidArgumentError(
                    "Forward layer and backward layer must have different `go_backwards` values")
            self.backward_layer = backward_layer
        self._backward_given = backward_layer is not None
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        # Keras: padded steps output zeros, so the two directions line up after the reversal
        self.forward_layer.zero_output_for_mask = self.return_sequences
        self.backward_layer.zero_output_for_mask = self.return_sequences
        if weights is not None:
            self._init_weights = weights

    def build(self, input_shape):
        shape = input_shape[0] if isinstance(input_shape, (list, tuple)) and \
            not isinstance(input_shape, TensorShape) else input_shape
        for layer in (self.forward_layer, self.backward_layer):
            if not layer.built:
                layer.build(shape)
                layer.built = True
        self.built = True

    def call(self, inputs, initial_state=None, mask=None, training=None):
        if isinstance(inputs, (list, tuple)):
            inputs, extra = inputs[0], list(inputs[1:])
            if extra:
                initial_state = extra
        kwargs = {"mask": mask, "training": training}
        fw_state = bw_state = None
        if initial_state is not None:
            states = list(nest.flatten(initial_state))
            if len(states) % 2:
                raise InvalidArgumentError(
                    f"Bidirectional {self.name!r}: initial_state must hold the forward layer's "
                    f"states and then the backward layer's, got {len(states)} tensors")
            fw_state, bw_state = states[:len(states) // 2], states[len(states) // 2:]
        y = self.forward_layer(inputs, initial_state=fw_state, **kwargs)
        y_rev = self.backward_layer(inputs, initial_state=bw_state, **kwargs)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = ops.reverse(y_rev, [1])
        if self.merge_mode == "concat":
            out = ops.concat([y, y_rev], -1)
        elif self.merge_mode == "sum":
            out = y + y_rev
        elif self.merge_mode == "ave":
            out = (y + y_rev) / 2.0
        elif self.merge_mode == "mul":
            out = y * y_rev
        else:
            out = [y, y_rev]
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + states
        return out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out_mask = mask if self.return_sequences else None
        masks = [out_mask, out_mask] if self.merge_mode is None else [out_mask]
        if self.return_state:
            fw = self.forward_layer
            n = len(fw._grouped(fw._state_sizes)) * 2
            return masks + [None] * n
        return masks if self.merge_mode is None else out_mask

    def reset_states(self, states=None):
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def get_config(self):
        from graphflow.keras.saving.config import serialize_layer
        config = {**super().get_config(), "merge_mode": self.merge_mode,
                  "layer": serialize_layer(self.forward_layer)}
        if self._backward_given:
            config["backward_layer"] = serialize_layer(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from graphflow.keras.saving.config import deserialize_layer
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"], custom_objects)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize_layer(config["backward_layer"], custom_objects)
        return cls(**config)


class TimeDistributed(Layer):
    """Applies `layer` to every slice x[:, t] of a (batch, time, ...) input (by folding the time
    axis into the batch, so it is one call of the inner layer).

        >>> td = keras.layers.TimeDistributed(keras.layers.Dense(2))
        >>> td(np.ones((3, 4, 5), np.float32)).shape
        TensorShape([3, 4, 2])
    """
    supports_masking = True

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise InvalidArgumentError(
                "Please initialize `TimeDistributed` layer with a `keras.layers.Layer` instance. "
                f"Received: {layer!r:.100}")
        super().__init__(**kwargs)
        self.layer = layer

    def _check(self, shape):
        if shape.rank is None or shape.rank < 3:
            raise InvalidArgumentError(
                f"TimeDistributed {self.name!r}: the input should be at least 3D (batch, time, "
                f"...), got shape {shape}")

    def build(self, input_shape):
        self._check(input_shape)
        if not self.layer.built:
            inner = TensorShape([None] + input_shape.as_list()[2:])
            self.layer.build(inner)
            self.layer.built = True
        self.built = True

    def call(self, inputs, training=None, mask=None):
        self._check(inputs.shape)
        dims = inputs.shape.as_list()
        inner = dims[2:]
        if any(d is None for d in inner):
            raise InvalidArgumentError(
                f"TimeDistributed {self.name!r}: the dimensions after the time axis must be "
                f"known, got shape {inputs.shape}")
        folded = ops.reshape(inputs, [-1] + inner)
        kwargs = {"training": training} if training is not None and \
            self.layer._call_accepts("training") else {}
        if mask is not None and self.layer._call_accepts("mask"):
            kwargs["mask"] = ops.reshape(mask, [-1] + mask.shape.as_list()[2:])
        y = self.layer(folded, **kwargs)
        out_inner = y.shape.as_list()[1:]
        if dims[0] is not None and dims[1] is not None:
            return ops.reshape(y, dims[:2] + out_inner)
        lead = ops.shape(inputs)[:2]
        tail = ops.constant(np.array(out_inner, np.int32))
        return ops.reshape(y, ops.concat([lead, tail], 0))

    def compute_mask(self, inputs, mask=None):
        return mask

    def get_config(self):
        from graphflow.keras.saving.config import serialize_layer
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from graphflow.keras.saving.config import deserialize_layer
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"], custom_objects)
        return cls(**config)
