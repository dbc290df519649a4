"""compat.v1.layers: TF1's functional layers (tf.layers.dense, conv2d, pooling, flatten,
dropout), built from get_variable inside a variable scope named after the layer, so the
variables are "dense/kernel", "dense_1/kernel", ... and reuse=True shares them.

    >>> tf1 = tf.compat.v1
    >>> with tf.Graph().as_default():
    ...     x = tf1.placeholder(tf.float32, [None, 3])
    ...     y = tf1.layers.dense(x, 2, activation=tf.nn.relu)
    ...     names = [v.name for v in tf1.trainable_variables()]
    >>> names, y.shape.as_list()
    (['dense/kernel:0', 'dense/bias:0'], [None, 2])
"""
from graphflow.compat.variable_scope import get_variable, variable_scope, zeros_initializer
from graphflow.errors import InvalidArgumentError


def _pair(value, what):
    if isinstance(value, int):
        return (value, value)
    value = tuple(int(v) for v in value)
    if len(value) != 2:
        raise InvalidArgumentError(f"{what} must be an int or a pair of ints, got {value}")
    return value


def _padding(padding, layer):
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise InvalidArgumentError(f"{layer}: padding must be 'valid' or 'same', got {padding!r}")
    return padding.upper()


def _channels_last(data_format, layer):
    if data_format not in ("channels_last", None):
        raise InvalidArgumentError(f"{layer}: only data_format='channels_last' is supported")


def _add_regularizer(reg, var):
    if reg is not None:
        from graphflow.graph.ir import get_default_graph
        from graphflow.context import context
        loss = reg(var)
        if context.graph is not None and loss is not None:
            get_default_graph().add_to_collection("regularization_losses", loss)


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=None, kernel_regularizer=None, bias_regularizer=None,
          activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True,
          name=None, reuse=None):
    """activation(inputs @ kernel + bias) over the last axis of inputs."""
    from graphflow.ops import api as ops
    inputs = ops.convert_to_tensor(inputs)
    n_in = inputs.shape[-1] if inputs.shape.rank else None
    if n_in is None:
        raise InvalidArgumentError(
            f"dense: the last dimension of the inputs should be defined, got shape {inputs.shape}")
    with variable_scope(name, default_name="dense", reuse=reuse):
        kernel = get_variable("kernel", [n_in, units], dtype=inputs.dtype,
                              initializer=kernel_initializer, trainable=trainable,
                              constraint=kernel_constraint)
        _add_regularizer(kernel_regularizer, kernel)
        if inputs.shape.rank == 2:
            out = ops.matmul(inputs, kernel)
        else:
            out = ops.tensordot(inputs, kernel, [[inputs.shape.rank - 1], [0]])
        if use_bias:
            bias = get_variable("bias", [units], dtype=inputs.dtype,
                                initializer=bias_initializer or zeros_initializer(),
                                trainable=trainable, constraint=bias_constraint)
            _add_regularizer(bias_regularizer, bias)
            out = out + bias
        return activation(out) if activation is not None else out


def conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid",
           data_format="channels_last", dilation_rate=(1, 1), activation=None, use_bias=True,
           kernel_initializer=None, bias_initializer=None, kernel_regularizer=None,
           bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
           bias_constraint=None, trainable=True, name=None, reuse=None):
    """2-D convolution over NHWC inputs with a kernel [kh, kw, in, filters]."""
    from graphflow.ops import api as ops
    from graphflow.ops.conv import conv2d as conv
    _channels_last(data_format, "conv2d")
    inputs = ops.convert_to_tensor(inputs)
    if inputs.shape.rank != 4 or inputs.shape[-1] is None:
        raise InvalidArgumentError(
            f"conv2d: inputs must be 4-D NHWC with known channels, got shape {inputs.shape}")
    kh, kw = _pair(kernel_size, "conv2d kernel_size")
    sh, sw = _pair(strides, "conv2d strides")
    with variable_scope(name, default_name="conv2d", reuse=reuse):
        kernel = get_variable("kernel", [kh, kw, inputs.shape[-1], filters], dtype=inputs.dtype,
                              initializer=kernel_initializer, trainable=trainable,
                              constraint=kernel_constraint)
        _add_regularizer(kernel_regularizer, kernel)
        out = conv(inputs, kernel, [1, sh, sw, 1], _padding(padding, "conv2d"),
                   dilations=[1, *_pair(dilation_rate, "conv2d dilation_rate"), 1])
        if use_bias:
            bias = get_variable("bias", [filters], dtype=inputs.dtype,
                                initializer=bias_initializer or zeros_initializer(),
                                trainable=trainable, constraint=bias_constraint)
            _add_regularizer(bias_regularizer, bias)
            out = out + bias
        return activation(out) if activation is not None else out


def max_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                  name=None):
    from graphflow.ops.conv import max_pool2d
    _channels_last(data_format, "max_pooling2d")
    return max_pool2d(inputs, [1, *_pair(pool_size, "pool_size"), 1],
                      [1, *_pair(strides, "strides"), 1], _padding(padding, "max_pooling2d"))


def average_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                      name=None):
    from graphflow.ops.conv import avg_pool2d
    _channels_last(data_format, "average_pooling2d")
    return avg_pool2d(inputs, [1, *_pair(pool_size, "pool_size"), 1],
                      [1, *_pair(strides, "strides"), 1], _padding(padding, "average_pooling2d"))


def flatten(inputs, name=None, data_format="channels_last"):
    """[batch, ...] -> [batch, product of the rest]."""
    from graphflow.ops import api as ops
    inputs = ops.convert_to_tensor(inputs)
    rest = inputs.shape.as_list()[1:]
    if any(d is None for d in rest):
        return ops.reshape(inputs, ops.stack([ops.shape(inputs)[0], -1]))
    size = 1
    for d in rest:
        size *= d
    return ops.reshape(inputs, [-1, size])


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """Drops `rate` of the inputs (scaling the rest) when `training` is true (a bool or a
    boolean tensor); the identity otherwise."""
    from graphflow.ops import api as ops
    from graphflow.ops.nn import dropout as nn_dropout
    if isinstance(training, bool):
        return nn_dropout(inputs, rate, noise_shape, seed) if training else ops.identity(inputs)
    return ops.cond(training, lambda: nn_dropout(inputs, rate, noise_shape, seed),
                    lambda: ops.identity(inputs))
