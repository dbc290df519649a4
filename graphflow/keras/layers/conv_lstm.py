"""Convolutional LSTMs (Shi et al. 2015): ConvLSTM1D, ConvLSTM2D, ConvLSTM3D, Keras 3's
equations and weights. They are LSTMs whose input and recurrent transformations are
convolutions: inputs (batch, time, *spatial, channels), states and outputs
(batch, *out_spatial, filters), channels_last only.

    >>> from graphflow import keras
    >>> layer = keras.layers.ConvLSTM2D(4, 3, padding="same", return_sequences=True)
    >>> layer(np.ones((2, 5, 8, 8, 3), np.float32)).shape
    TensorShape([2, 5, 8, 8, 4])

A step is Keras's ConvLSTMCell: z = conv(x, kernel, strides, padding, dilation_rate) + bias +
conv(h, recurrent_kernel, stride 1, "same"), split into the gates i, f, c, o along the filters
axis; c = f * c_prev + i * activation(z_c), h = o * activation(c). The kernel is
(*kernel_size, channels, 4 * filters), the recurrent kernel (*kernel_size, filters,
4 * filters), the bias (4 * filters,), in Keras's order, so set_weights takes Keras's arrays.
As for the other built-in cells, the RNN layer computes the input convolution of every time
step at once before the loop (one convolution over batch x time images); with dropout in
training each gate has its own input mask and its own recurrent mask (Keras's four masks),
the same at every time step.
"""
import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.keras import activations, constraints, initializers, regularizers
from graphflow.keras.layers.base import Layer
from graphflow.keras.layers.conv import check_strides_and_dilation
from graphflow.keras.layers.recurrent import RNN, _CellLayer
from graphflow.keras.layers.rnn_cells import DropoutRNNCell, _positive_int, _rate
from graphflow.ops import api as ops
from graphflow.ops import conv as conv_ops
from graphflow.ops import nn


def _tuple(layer, name, value, rank):
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (int(value),) * rank
    try:
        value = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        value = None
    if value is None or len(value) != rank or min(value) <= 0:
        raise InvalidArgumentError(
            f"{layer}: the `{name}` argument must be a tuple of {rank} positive integers, got "
            f"{value!r}")
    return value


def _convolve(x, w, strides, padding, dilations):
    """The rank-1, 2 or 3 channels_last convolution of x with w (TF's ops)."""
    rank = len(strides)
    padding = padding.upper()
    if rank == 1:
        return nn.conv1d(x, w, strides[0], padding, dilations=dilations[0])
    if rank == 2:
        return conv_ops.conv2d(x, w, strides, padding, dilations=dilations)
    return nn.conv3d(x, w, [1, *strides, 1], padding, dilations=[1, *dilations, 1])


class ConvLSTMCell(DropoutRNNCell, Layer):
    """One ConvLSTM step over (batch, *spatial, channels) inputs (see the module docstring);
    `state_shapes` (known once built) are the two states' shapes without the batch axis."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        name = f"ConvLSTM{rank}D"
        if data_format not in (None, "channels_last"):
            raise InvalidArgumentError(
                f"{name}: data_format {data_format!r} is not supported; graphflow's "
                "convolutions are channels_last")
        self.rank = rank
        self.filters = _positive_int(name, "filters", filters)
        self.kernel_size = _tuple(name, "kernel_size", kernel_size, rank)
        self.strides = _tuple(name, "strides", strides, rank)
        self.dilation_rate = _tuple(name, "dilation_rate", dilation_rate, rank)
        check_strides_and_dilation(name, self.strides, self.dilation_rate)
        self.padding = str(padding).lower()
        if self.padding not in ("valid", "same"):
            raise InvalidArgumentError(
                f"{name}: the `padding` argument must be one of ['valid', 'same'], got "
                f"{padding!r}")
        self.data_format = "channels_last"
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _rate(name, "dropout", dropout)
        self.recurrent_dropout = _rate(name, "recurrent_dropout", recurrent_dropout)
        self.seed = seed
        self.state_shapes = None

    # The RNN layer reads state_size for the number of states; their shapes are state_shapes.
    @property
    def state_size(self):
        return [self.filters, self.filters]

    @property
    def output_size(self):
        return self.filters

    def build(self, input_shape):
        dims = list(input_shape)
        name = f"{type(self).__name__} {self.name!r}"
        if len(dims) != self.rank + 2:
            raise InvalidArgumentError(
                f"{name}: expected step inputs of rank {self.rank + 2} (batch, *spatial, "
                f"channels), got shape {tuple(dims)}")
        spatial, channels = dims[1:-1], dims[-1]
        if None in spatial:
            raise InvalidArgumentError(
                f"ConvLSTM layers only support static input shapes for the spatial dimension. "
                f"Received invalid input shape: input_shape={tuple(dims)}")
        if channels is None:
            raise InvalidArgumentError(
                "The channel dimension of the inputs (last axis) should be defined. Found None. "
                f"Full input shape received: input_shape={tuple(dims)}")
        out = []
        for size, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate):
            span = conv_ops.effective_size(k, d)
            if self.padding == "valid" and span > size:
                raise InvalidArgumentError(
                    f"{name}: the kernel (span {span}) is larger than the input's spatial size "
                    f"{size} with padding 'valid'; input shape {tuple(dims)}")
            out.append(conv_ops._out_size(size, span, s, self.padding.upper()))
        self.state_shapes = [tuple(out) + (self.filters,)] * 2
        n = 4 * self.filters
        self.kernel = self.add_weight("kernel", self.kernel_size + (int(channels), n),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight("recurrent_kernel",
                                                self.kernel_size + (self.filters, n),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = self.add_weight("bias", (n,), initializer=self._bias_initializer(),
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.built = True

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        f, init = self.filters, self.bias_initializer

        def forget_bias_one(shape, dtype=None):
            return ops.concat([init((f,), dtype=dtype), ops.ones((f,), dtype or "float32"),
                               init((2 * f,), dtype=dtype)], 0)
        return forget_bias_one

    # -- dropout: four masks (one per gate), as Keras's dropout_mask_count = 4 ---------------
    # (DropoutRNNCell keeps them per thread and per sequence, as for the other cells)
    def _make_mask(self, x, rate):
        return [ops.nn.dropout(ops.ones_like(x), rate, seed=self.seed) for _ in range(4)]

    # -- the step ------------------------------------------------------------------------------
    def project_inputs(self, inputs, training=None):
        """The input convolutions (+ bias) of one step (batch, *spatial, channels) or of a
        time-major sequence (time, batch, *spatial, channels), all steps as one batch of
        images; the gates' pre-activations along the last axis."""
        sequence = inputs.shape.rank == self.rank + 3
        x = inputs
        if x.dtype.name != self.kernel.dtype.name:
            x = ops.cast(x, self.kernel.dtype)
        image = x.shape.as_list()[-(self.rank + 1):]

        def convolve(v, k):
            if sequence:  # every step at once: (time * batch, *spatial, channels)
                lead = ops.shape(v)[:2]
                z = _convolve(ops.reshape(v, [-1] + image), k, self.strides, self.padding,
                              self.dilation_rate)
                return ops.reshape(z, ops.concat([lead, ops.shape(z)[1:]], 0))
            return _convolve(v, k, self.strides, self.padding, self.dilation_rate)

        masks = None
        if training and self.dropout > 0:
            masks = self._dropout_mask
            if masks is None:
                masks = self.get_dropout_mask(inputs[0] if sequence else inputs)
        if masks is None:
            z = convolve(x, self.kernel)
        else:  # the same (batch, ...) mask at every step, one per gate
            z = ops.concat([convolve(x * m, k) for m, k in
                            zip(masks, ops.split(self.kernel, 4, axis=-1))], -1)
        return z if self.bias is None else z + self.bias

    def recurrent_step(self, projected, states, training=None):
        h_prev, c_prev = states[0], states[1]
        ones = (1,) * self.rank
        masks = None
        if training and self.recurrent_dropout > 0:
            masks = self._recurrent_dropout_mask
            if masks is None:
                masks = self.get_recurrent_dropout_mask(h_prev)
        if masks is None:
            r = _convolve(h_prev, self.recurrent_kernel, ones, "same", ones)
        else:
            kernels = ops.split(self.recurrent_kernel, 4, axis=-1)
            r = ops.concat([_convolve(h_prev * m, k, ones, "same", ones)
                            for m, k in zip(masks, kernels)], -1)
        z_i, z_f, z_c, z_o = ops.split(projected + r, 4, axis=-1)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        c = f * c_prev + i * self.activation(z_c)
        o = self.recurrent_activation(z_o)
        h = o * self.activation(c)
        return h, [h, c]

    def call(self, inputs, states, training=None):
        states = list(states)
        return self.recurrent_step(self.project_inputs(inputs, training), states, training)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate,
                "activation": activations.serialize(self.activation),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "unit_forget_bias": self.unit_forget_bias,
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                "seed": self.seed}


class _ConvLSTM(_CellLayer):
    """An RNN over a ConvLSTMCell built from the layer's arguments; the cell's settings are
    readable on the layer (layer.filters, ...) and the config is one flat dict, as Keras's
    (both from _CellLayer, as for LSTM)."""
    _rank = None

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        cell = ConvLSTMCell(
            self._rank, filters, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            name="conv_lstm_cell", dtype=kwargs.get("dtype"))
        # the cell is built above from Keras's explicit signature, so RNN's __init__ is called
        # directly rather than _CellLayer's (which builds a cell from `units`)
        RNN.__init__(self, cell, return_sequences=return_sequences, return_state=return_state,
                     go_backwards=go_backwards, stateful=stateful,
                     activity_regularizer=activity_regularizer, **kwargs)

    def build(self, input_shape):
        shape = input_shape[0] if isinstance(input_shape, (list, tuple)) and input_shape and \
            hasattr(input_shape[0], "rank") else input_shape
        if shape.rank != self._rank + 3:
            raise InvalidArgumentError(
                f"{type(self).__name__} {self.name!r}: expected inputs of rank "
                f"{self._rank + 3} (batch, time, *spatial, channels), got shape {shape}")
        super().build(input_shape)

    def get_config(self):
        config = super().get_config()
        config.setdefault("activity_regularizer", None)  # Keras lists it, set or not
        return config


class ConvLSTM1D(_ConvLSTM):
    """The 1-D convolutional LSTM: inputs (batch, time, steps, channels).

        >>> keras.layers.ConvLSTM1D(2, 3)(np.ones((2, 4, 7, 3), np.float32)).shape
        TensorShape([2, 5, 2])
    """
    _rank = 1


class ConvLSTM2D(_ConvLSTM):
    """The 2-D convolutional LSTM: inputs (batch, time, rows, cols, channels).

        >>> out, h, c = keras.layers.ConvLSTM2D(2, 3, return_state=True)(
        ...     np.ones((1, 3, 5, 5, 1), np.float32))
        >>> out.shape, c.shape
        (TensorShape([1, 3, 3, 2]), TensorShape([1, 3, 3, 2]))
    """
    _rank = 2


class ConvLSTM3D(_ConvLSTM):
    """The 3-D convolutional LSTM: inputs (batch, time, depth, rows, cols, channels).

        >>> keras.layers.ConvLSTM3D(2, 2, padding="same")(
        ...     np.ones((1, 2, 3, 4, 4, 1), np.float32)).shape
        TensorShape([1, 3, 4, 4, 2])
    """
    _rank = 3
