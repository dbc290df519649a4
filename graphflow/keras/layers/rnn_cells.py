"""Recurrent cells: SimpleRNNCell, LSTMCell, GRUCell and StackedRNNCells (Keras 3 equations).

A cell maps one time step, `call(inputs, states) -> (output, new_states)`, and declares
`state_size` and `output_size`; `keras.layers.RNN` runs it over a sequence. Any object with
that contract is a cell, so user cells work too.

The three built-in cells split their step into two halves so the RNN layer can run the first
half for all time steps at once, as Keras's fused and cuDNN kernels do: `project_inputs(x)`
(x @ kernel + bias, one large matmul over batch x time) and `recurrent_step(projected, states)`
(the h @ recurrent_kernel matmul and the gates). `call` is the two halves for one step.

    >>> from graphflow import keras
    >>> cell = keras.layers.LSTMCell(4)
    >>> out, (h, c) = cell(np.ones((2, 3), np.float32), [np.zeros((2, 4), np.float32)] * 2)
    >>> out.shape, c.shape
    (TensorShape([2, 4]), TensorShape([2, 4]))
"""
import threading

import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.keras import activations, constraints, initializers, regularizers
from graphflow.keras.layers.base import Layer
from graphflow.ops import api as ops
from graphflow.utils import nest


def _positive_int(layer, name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise InvalidArgumentError(
            f"{layer}: received an invalid value for argument `{name}`, expected a positive "
            f"integer, got {value!r}")
    return int(value)


def _rate(layer, name, value):
    value = float(value)
    if not 0.0 <= value < 1.0:
        raise InvalidArgumentError(f"{layer}: `{name}` must be in [0, 1), got {value!r}")
    return value


def _last_dim(layer, input_shape):
    last = input_shape[-1] if input_shape.rank else None
    if last is None:
        raise InvalidArgumentError(
            f"{type(layer).__name__} {layer.name!r}: the last dimension of the inputs must be "
            f"known, got input shape {input_shape}")
    return int(last)


class _MaskSlots(threading.local):
    def __init__(self):
        self.dropout = None
        self.recurrent = None


class DropoutRNNCell:
    """Keras's dropout contract for cells: one mask per sequence (the same for every time
    step), made by the RNN layer before the loop and dropped after it. The masks are per
    thread, so concurrent calls of one layer do not share them."""

    def _mask_slots(self):
        slots = self.__dict__.get("_mask_slots_local")
        if slots is None:
            slots = _MaskSlots()
            object.__setattr__(self, "_mask_slots_local", slots)
        return slots

    @property
    def _dropout_mask(self):
        return self._mask_slots().dropout

    @property
    def _recurrent_dropout_mask(self):
        return self._mask_slots().recurrent

    def _make_mask(self, x, rate):
        """A dropout mask shaped like `x`; a cell with one mask per gate overrides it."""
        return ops.nn.dropout(ops.ones_like(x), rate, seed=self.seed)

    def get_dropout_mask(self, step_input):
        slots = self._mask_slots()
        if slots.dropout is None and self.dropout > 0:
            slots.dropout = self._make_mask(step_input, self.dropout)
        return slots.dropout

    def get_recurrent_dropout_mask(self, step_state):
        slots = self._mask_slots()
        if slots.recurrent is None and self.recurrent_dropout > 0:
            slots.recurrent = self._make_mask(step_state, self.recurrent_dropout)
        return slots.recurrent

    def reset_dropout_mask(self):
        self._mask_slots().dropout = None

    def reset_recurrent_dropout_mask(self):
        self._mask_slots().recurrent = None


class _GatedCell(DropoutRNNCell, Layer):
    """What the three built-in cells share: settings, weights, dropout, config."""
    _n_gates = 1
    _default_activation = "tanh"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        kind = type(self).__name__
        self.units = _positive_int(kind, "units", units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        # applied by the optimizer after each update (add_weight(constraint=...)), as Keras
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _rate(kind, "dropout", dropout)
        self.recurrent_dropout = _rate(kind, "recurrent_dropout", recurrent_dropout)
        self.seed = seed

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    def _bias_shape(self):
        return (self._n_gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape):
        n = self._n_gates * self.units
        self.kernel = self.add_weight("kernel", (_last_dim(self, input_shape), n),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, n),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = self.add_weight("bias", self._bias_shape(),
                                    initializer=self._bias_initializer(),
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.built = True

    def _input_bias(self):
        return self.bias

    def project_inputs(self, inputs, training=None):
        """x @ kernel (+ the input bias) for one step (batch, features) or a time-major
        sequence (time, batch, features): the part of a step that does not depend on the
        state, one matmul for the whole sequence. Input dropout is applied first (its mask,
        (batch, features), is the same for every time step)."""
        mask = self._dropout_mask if training else None
        if mask is None and training and self.dropout > 0:
            mask = self.get_dropout_mask(inputs if inputs.shape.rank == 2 else inputs[0])
        if mask is not None:
            inputs = inputs * mask
        if inputs.dtype.name != self.kernel.dtype.name:
            inputs = ops.cast(inputs, self.kernel.dtype)
        dims = inputs.shape.as_list()
        if len(dims) == 2:
            z = ops.matmul(inputs, self.kernel)
        elif all(d is not None for d in dims[:-1]):
            flat = ops.reshape(inputs, (-1, dims[-1]))  # one (time * batch, features) matmul
            z = ops.reshape(ops.matmul(flat, self.kernel), dims[:-1] + [self.kernel.shape[1]])
        else:
            z = ops.matmul(inputs, self.kernel)
        bias = self._input_bias()
        return z if bias is None else z + bias

    def _dropped_state(self, h, training):
        if not training or self.recurrent_dropout == 0:
            return h
        mask = self._recurrent_dropout_mask
        if mask is None:
            mask = self.get_recurrent_dropout_mask(h)
        return h * mask

    def call(self, inputs, states, training=None):
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        return self.recurrent_step(self.project_inputs(inputs, training), states, training)

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [ops.zeros((batch_size, s), self.dtype) for s in sizes]

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer)
                if self.kernel_regularizer else None,
                "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer)
                if self.recurrent_regularizer else None,
                "bias_regularizer": regularizers.serialize(self.bias_regularizer)
                if self.bias_regularizer else None,
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                "seed": self.seed}


class SimpleRNNCell(_GatedCell):
    """h = activation(x @ kernel + h_prev @ recurrent_kernel + bias).

        >>> cell = keras.layers.SimpleRNNCell(3)
        >>> out, [h] = cell(np.ones((2, 5), np.float32), [np.zeros((2, 3), np.float32)])
        >>> out.shape
        TensorShape([2, 3])
    """

    def __init__(self, units, activation="tanh", use_bias=True, **kwargs):
        if "recurrent_activation" in kwargs:
            raise TypeError(
                "SimpleRNNCell: unrecognized keyword arguments ['recurrent_activation']")
        super().__init__(units, activation=activation, use_bias=use_bias, **kwargs)

    def recurrent_step(self, projected, states, training=None):
        h = self._dropped_state(states[0], training)
        out = self.activation(projected + ops.matmul(h, self.recurrent_kernel))
        return out, [out]

    def get_config(self):
        config = super().get_config()
        config.pop("recurrent_activation")
        return config


class LSTMCell(_GatedCell):
    """Keras's LSTM step, gates in the order i, f, c, o:
    z = x @ kernel + h @ recurrent_kernel + bias; i, f, o = recurrent_activation(...);
    c = f * c_prev + i * activation(z_c); h = o * activation(c). `unit_forget_bias` starts the
    forget gate's bias at one.

        >>> keras.layers.LSTMCell(2, unit_forget_bias=True).get_config()["unit_forget_bias"]
        True
    """
    _n_gates = 4

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    @property
    def state_size(self):
        return [self.units, self.units]

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        units, init = self.units, self.bias_initializer

        def forget_bias_one(shape, dtype=None):
            parts = [init((units,), dtype=dtype), ops.ones((units,), dtype or "float32"),
                     init((2 * units,), dtype=dtype)]
            return ops.concat(parts, 0)
        return forget_bias_one

    def recurrent_step(self, projected, states, training=None):
        h_prev, c_prev = states[0], states[1]
        z = projected + ops.matmul(self._dropped_state(h_prev, training), self.recurrent_kernel)
        z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        c = f * c_prev + i * self.activation(z_c)
        o = self.recurrent_activation(z_o)
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


class GRUCell(_GatedCell):
    """Keras's GRU step, gates in the order z (update), r (reset), h. With reset_after=True
    (the default, cuDNN's form) the reset gate multiplies h @ recurrent_kernel and the bias has
    two rows (input and recurrent); with reset_after=False it multiplies h first.
    h = z * h_prev + (1 - z) * h_candidate.

        >>> keras.layers.GRUCell(2).build((None, 3)) or None
    """
    _n_gates = 3

    def __init__(self, units, reset_after=True, **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(units, **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        n = 3 * self.units
        return (2, n) if self.reset_after else (n,)

    def _input_bias(self):
        if self.bias is None:
            return None
        return self.bias[0] if self.reset_after else self.bias

    def recurrent_step(self, projected, states, training=None):
        h_prev = states[0]
        h_in = self._dropped_state(h_prev, training)
        x_z, x_r, x_h = ops.split(projected, 3, axis=-1)
        u = self.units
        if self.reset_after:
            inner = ops.matmul(h_in, self.recurrent_kernel)
            if self.bias is not None:
                inner = inner + self.bias[1]
            r_z, r_r, r_h = ops.split(inner, 3, axis=-1)
            z = self.recurrent_activation(x_z + r_z)
            r = self.recurrent_activation(x_r + r_r)
            hh = self.activation(x_h + r * r_h)
        else:
            inner = ops.matmul(h_in, self.recurrent_kernel[:, :2 * u])
            r_z, r_r = ops.split(inner, 2, axis=-1)
            z = self.recurrent_activation(x_z + r_z)
            r = self.recurrent_activation(x_r + r_r)
            hh = self.activation(x_h + ops.matmul(r * h_in, self.recurrent_kernel[:, 2 * u:]))
        h = z * h_prev + (1.0 - z) * hh
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after}


def _sizes(size):
    return list(size) if isinstance(size, (list, tuple)) else [size]


class StackedRNNCells(Layer):
    """Cells run one after the other within each time step; the state is every cell's states
    in order, the output the last cell's.

        >>> cells = keras.layers.StackedRNNCells([keras.layers.SimpleRNNCell(4),
        ...                                       keras.layers.SimpleRNNCell(2)])
        >>> cells.state_size, cells.output_size
        ([4, 2], 2)
        >>> pair = [keras.layers.LSTMCell(3), keras.layers.GRUCell(2)]
        >>> keras.layers.StackedRNNCells(pair).state_size
        [[3, 3], 2]
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
                raise InvalidArgumentError(
                    f"StackedRNNCells: every cell needs call(inputs, states) and state_size, got "
                    f"{cell!r}")
        self.cells = list(cells)

    @property
    def state_size(self):
        return [cell.state_size for cell in self.cells]  # one entry per cell, as Keras

    @property
    def output_size(self):
        last = self.cells[-1]
        return getattr(last, "output_size", None) or _sizes(last.state_size)[0]

    def build(self, input_shape):
        from graphflow.tensor import TensorShape
        shape = input_shape
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(shape)
                cell.built = True
            out = getattr(cell, "output_size", None) or _sizes(cell.state_size)[0]
            shape = TensorShape([shape[0], out])
        self.built = True

    def call(self, inputs, states, training=None):
        states = list(nest.flatten(states))
        new_states, x = [], inputs
        for cell in self.cells:
            n = len(_sizes(cell.state_size))
            mine, states = states[:n], states[n:]
            kwargs = {"training": training} if _accepts(cell, "training") else {}
            x, s = (cell if isinstance(cell, Layer) else cell.call)(x, mine, **kwargs)
            new_states.append(list(nest.flatten(s)))
        return x, new_states

    def get_config(self):
        from graphflow.keras.saving.config import serialize_layer
        return {**super().get_config(), "cells": [serialize_layer(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from graphflow.keras.saving.config import deserialize_layer
        config = dict(config)
        config["cells"] = [deserialize_layer(c, custom_objects) for c in config["cells"]]
        return cls(**config)


def _accepts(fn_owner, name):
    import inspect
    try:
        params = inspect.signature(fn_owner.call).parameters
    except (TypeError, ValueError, AttributeError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
