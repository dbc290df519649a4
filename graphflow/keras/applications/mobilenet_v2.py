"""MobileNetV2 (Sandler et al., 2018), as Keras 3 builds it: same layer names, order and
parameter counts, so Keras's `.weights.h5` files of it load.

    >>> from graphflow.keras.applications import mobilenet_v2
    >>> model = mobilenet_v2.MobileNetV2(input_shape=(32, 32, 3), include_top=False,
    ...                                  weights=None, alpha=0.35)
    >>> model.name, model.output_shape
    ('mobilenetv2_0.35_32', TensorShape([None, 1, 1, 1280]))
"""

from graphflow.keras.applications import imagenet_utils
from graphflow.keras.applications.imagenet_utils import correct_pad


def _keras_tensor_shape(input_tensor):
    return tuple(input_tensor.shape) if imagenet_utils._is_keras_tensor(input_tensor) else None


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True,  # noqa: N802 - Keras's name
                weights="imagenet", input_tensor=None, pooling=None, classes=1000,
                classifier_activation="softmax", name=None):
    """Instantiates the MobileNetV2 architecture (inverted residual blocks, width `alpha`).

    `weights` is None or the path of a weights file of the same architecture (Keras's
    pretrained .h5, or a file written by Keras's or graphflow's save_weights); "imagenet"
    raises, as graphflow does not download.
    `input_shape` (at least 32x32) is given only with `include_top=False`; `pooling` "avg" or
    "max" pools a headless model; `classifier_activation` is the top Dense's activation.
    Inputs are expected in [-1, 1] (see `preprocess_input`).

        >>> model = MobileNetV2(input_shape=(32, 32, 3), weights=None, include_top=False,
        ...                     pooling="avg", alpha=0.35)
        >>> model.output_shape, model.count_params()
        (TensorShape([None, 1280]), 410208)
    """
    from graphflow.keras import backend, layers
    channels_first = backend.image_data_format() == "channels_first"
    if input_shape is not None and input_tensor is not None:
        if not imagenet_utils._is_keras_tensor(input_tensor):
            raise ValueError(f"input_tensor is not a Keras tensor; Received "
                             f"`input_tensor={input_tensor}`")
        if channels_first and input_tensor.shape[1] != input_shape[1]:
            raise ValueError("input_shape[1] must equal shape(input_tensor)[1] when "
                             "`image_data_format` is `channels_first`; Received "
                             f"`input_tensor.shape={input_tensor.shape}`, "
                             f"`input_shape={input_shape}`")
        if not channels_first and input_tensor.shape[2] != input_shape[1]:
            raise ValueError("input_tensor.shape[2] must equal input_shape[1]; Received "
                             f"`input_tensor.shape={input_tensor.shape}`, "
                             f"`input_shape={input_shape}`")
    shape = input_shape
    if shape is None and input_tensor is not None:
        tensor_shape = _keras_tensor_shape(input_tensor)
        shape = tensor_shape[1:] if tensor_shape else None
    default_size = 224
    if shape is not None and len(shape) == 3:
        rows, cols = (shape[1], shape[2]) if channels_first else (shape[0], shape[1])
        if rows == cols and rows in (96, 128, 160, 192, 224):
            default_size = rows
    input_shape, img_input = imagenet_utils.model_input(
        weights, include_top, classes,
        f"{imagenet_utils.KERAS_WEIGHTS}mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_"
        f"kernels_{float(alpha)}_{default_size}{'' if include_top else '_no_top'}.h5",
        input_tensor, input_shape, default_size)
    rows = input_shape[1] if channels_first else input_shape[0]
    channel_axis = 1 if channels_first else -1

    x = layers.Conv2D(_make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2),
                      padding="same", use_bias=False, name="Conv1")(img_input)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name="bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    blocks = [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6),
              (64, 2, 6), (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6),
              (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6)]
    for block_id, (filters, stride, expansion) in enumerate(blocks):
        x = _inverted_res_block(x, filters=filters, alpha=alpha, stride=stride,
                                expansion=expansion, block_id=block_id)
    last_block_filters = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last_block_filters, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name="Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    # Keras leaves MobileNetV2's top pooling layer unnamed (global_average_pooling2d)
    x = imagenet_utils.classifier_top(x, include_top, pooling, classes, classifier_activation,
                                      weights, avg_name=None)
    if name is None:
        name = f"mobilenetv2_{alpha:0.2f}_{rows}"
    return imagenet_utils.finish(img_input, input_tensor, x, name, weights)


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    from graphflow.keras import backend, layers
    channel_axis = 1 if backend.image_data_format() == "channels_first" else -1
    in_channels = inputs.shape[channel_axis]
    pointwise_filters = _make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same",
                          use_bias=False, activation=None, name=f"{prefix}expand")(x)
        x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                      name=f"{prefix}expand_BN")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=correct_pad(x, 3), name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                               padding="same" if stride == 1 else "valid",
                               name=f"{prefix}depthwise")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name=f"{prefix}depthwise_BN")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = layers.Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False,
                      activation=None, name=f"{prefix}project")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name=f"{prefix}project_BN")(x)
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def _make_divisible(v, divisor, min_value=None):
    """`v` rounded to a multiple of `divisor`, never more than 10% below it (Keras's rule)."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    return imagenet_utils.decode_predictions(preds, top=top)


preprocess_input.__doc__ = imagenet_utils.PREPROCESS_DOC.format(
    model="MobileNetV2", what=imagenet_utils.TF)
decode_predictions.__doc__ = imagenet_utils.decode_predictions.__doc__
