"""EfficientNetV2B0-B3, S, M and L (Tan & Le, 2021: fused MBConv blocks), as Keras 3 builds
them. The models include their preprocessing unless `include_preprocessing=False`, so
`preprocess_input` returns its input unchanged; inputs are float pixels in [0, 255].

    >>> from graphflow.keras.applications import efficientnet_v2
    >>> efficientnet_v2.EfficientNetV2B0(input_shape=(32, 32, 3), include_top=False,
    ...                                  weights=None).output_shape
    TensorShape([None, 1, 1, 1280])
"""
import copy
import math

from graphflow.keras.applications import imagenet_utils
from graphflow.keras.applications.efficientnet import (CONV_KERNEL_INITIALIZER,
                                                       DENSE_KERNEL_INITIALIZER)

_KEYS = ("kernel_size", "num_repeat", "input_filters", "output_filters", "expand_ratio",
         "se_ratio", "strides", "conv_type")
# Keras's DEFAULT_BLOCKS_ARGS, one tuple of _KEYS per stage; conv_type 1 is a fused block
_BLOCKS = {
    "efficientnetv2-s": [
        (3, 2, 24, 24, 1, 0.0, 1, 1),
        (3, 4, 24, 48, 4, 0.0, 2, 1),
        (3, 4, 48, 64, 4, 0, 2, 1),
        (3, 6, 64, 128, 4, 0.25, 2, 0),
        (3, 9, 128, 160, 6, 0.25, 1, 0),
        (3, 15, 160, 256, 6, 0.25, 2, 0),
    ],
    "efficientnetv2-m": [
        (3, 3, 24, 24, 1, 0, 1, 1),
        (3, 5, 24, 48, 4, 0, 2, 1),
        (3, 5, 48, 80, 4, 0, 2, 1),
        (3, 7, 80, 160, 4, 0.25, 2, 0),
        (3, 14, 160, 176, 6, 0.25, 1, 0),
        (3, 18, 176, 304, 6, 0.25, 2, 0),
        (3, 5, 304, 512, 6, 0.25, 1, 0),
    ],
    "efficientnetv2-l": [
        (3, 4, 32, 32, 1, 0, 1, 1),
        (3, 7, 32, 64, 4, 0, 2, 1),
        (3, 7, 64, 96, 4, 0, 2, 1),
        (3, 10, 96, 192, 4, 0.25, 2, 0),
        (3, 19, 192, 224, 6, 0.25, 1, 0),
        (3, 25, 224, 384, 6, 0.25, 2, 0),
        (3, 7, 384, 640, 6, 0.25, 1, 0),
    ],
    "efficientnetv2-b0": [
        (3, 1, 32, 16, 1, 0, 1, 1),
        (3, 2, 16, 32, 4, 0, 2, 1),
        (3, 2, 32, 48, 4, 0, 2, 1),
        (3, 3, 48, 96, 4, 0.25, 2, 0),
        (3, 5, 96, 112, 6, 0.25, 1, 0),
        (3, 8, 112, 192, 6, 0.25, 2, 0),
    ],
    "efficientnetv2-b1": [
        (3, 1, 32, 16, 1, 0, 1, 1),
        (3, 2, 16, 32, 4, 0, 2, 1),
        (3, 2, 32, 48, 4, 0, 2, 1),
        (3, 3, 48, 96, 4, 0.25, 2, 0),
        (3, 5, 96, 112, 6, 0.25, 1, 0),
        (3, 8, 112, 192, 6, 0.25, 2, 0),
    ],
    "efficientnetv2-b2": [
        (3, 1, 32, 16, 1, 0, 1, 1),
        (3, 2, 16, 32, 4, 0, 2, 1),
        (3, 2, 32, 48, 4, 0, 2, 1),
        (3, 3, 48, 96, 4, 0.25, 2, 0),
        (3, 5, 96, 112, 6, 0.25, 1, 0),
        (3, 8, 112, 192, 6, 0.25, 2, 0),
    ],
    "efficientnetv2-b3": [
        (3, 1, 32, 16, 1, 0, 1, 1),
        (3, 2, 16, 32, 4, 0, 2, 1),
        (3, 2, 32, 48, 4, 0, 2, 1),
        (3, 3, 48, 96, 4, 0.25, 2, 0),
        (3, 5, 96, 112, 6, 0.25, 1, 0),
        (3, 8, 112, 192, 6, 0.25, 2, 0),
    ],
}
DEFAULT_BLOCKS_ARGS = {name: [dict(zip(_KEYS, stage)) for stage in stages]
                       for name, stages in _BLOCKS.items()}


def round_filters(filters, width_coefficient, min_depth, depth_divisor):
    filters *= width_coefficient
    minimum_depth = min_depth or depth_divisor
    return int(max(minimum_depth,
                   int(filters + depth_divisor / 2) // depth_divisor * depth_divisor))


def round_repeats(repeats, depth_coefficient):
    return int(math.ceil(depth_coefficient * repeats))


def _squeeze_excite(x, input_filters, filters, se_ratio, activation, bn_axis, name):
    from graphflow.keras import layers
    filters_se = max(1, int(input_filters * se_ratio))
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se = layers.Reshape((filters, 1, 1) if bn_axis == 1 else (1, 1, filters),
                        name=f"{name}se_reshape")(se)
    se = layers.Conv2D(filters_se, 1, padding="same", activation=activation,
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_expand")(se)
    return layers.multiply([x, se], name=f"{name}se_excite")


def _residual(x, inputs, strides, input_filters, output_filters, survival_probability, name):
    from graphflow.keras import layers
    if strides == 1 and input_filters == output_filters:
        if survival_probability:
            x = layers.Dropout(survival_probability, noise_shape=(None, 1, 1, 1),
                               name=f"{name}drop")(x)
        x = layers.add([x, inputs], name=f"{name}add")
    return x


def MBConvBlock(input_filters, output_filters, expand_ratio=1, kernel_size=3,  # noqa: N802
                strides=1, se_ratio=0.0, bn_momentum=0.9, activation="swish",
                survival_probability=0.8, name=None):
    """An inverted bottleneck: 1x1 expansion, depthwise conv, squeeze-excite, 1x1 projection."""
    from graphflow.keras import backend, layers
    bn_axis = 3 if backend.image_data_format() == "channels_last" else 1

    def apply(inputs):
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = layers.Conv2D(filters=filters, kernel_size=1, strides=1,
                              kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                              use_bias=False, name=f"{name}expand_conv")(inputs)
            x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum,
                                          name=f"{name}expand_bn")(x)
            x = layers.Activation(activation, name=f"{name}expand_activation")(x)
        x = layers.DepthwiseConv2D(kernel_size=kernel_size, strides=strides,
                                   depthwise_initializer=CONV_KERNEL_INITIALIZER,
                                   padding="same", use_bias=False, name=f"{name}dwconv2")(x)
        x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum, name=f"{name}bn")(x)
        x = layers.Activation(activation, name=f"{name}activation")(x)
        if 0 < se_ratio <= 1:
            x = _squeeze_excite(x, input_filters, filters, se_ratio, activation, bn_axis, name)
        x = layers.Conv2D(filters=output_filters, kernel_size=1, strides=1,
                          kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                          use_bias=False, name=f"{name}project_conv")(x)
        x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum,
                                      name=f"{name}project_bn")(x)
        return _residual(x, inputs, strides, input_filters, output_filters,
                         survival_probability, name)
    return apply


def FusedMBConvBlock(input_filters, output_filters, expand_ratio=1, kernel_size=3,  # noqa: N802
                     strides=1, se_ratio=0.0, bn_momentum=0.9, activation="swish",
                     survival_probability=0.8, name=None):
    """A fused block: one full kxk convolution in place of the 1x1 expansion and depthwise."""
    from graphflow.keras import backend, layers
    bn_axis = 3 if backend.image_data_format() == "channels_last" else 1

    def apply(inputs):
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = layers.Conv2D(filters, kernel_size=kernel_size, strides=strides,
                              kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                              use_bias=False, name=f"{name}expand_conv")(inputs)
            x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum,
                                          name=f"{name}expand_bn")(x)
            x = layers.Activation(activation=activation, name=f"{name}expand_activation")(x)
        if 0 < se_ratio <= 1:
            x = _squeeze_excite(x, input_filters, filters, se_ratio, activation, bn_axis, name)
        x = layers.Conv2D(output_filters, kernel_size=1 if expand_ratio != 1 else kernel_size,
                          strides=1 if expand_ratio != 1 else strides,
                          kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                          use_bias=False, name=f"{name}project_conv")(x)
        x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum,
                                      name=f"{name}project_bn")(x)
        if expand_ratio == 1:
            x = layers.Activation(activation=activation, name=f"{name}project_activation")(x)
        return _residual(x, inputs, strides, input_filters, output_filters,
                         survival_probability, name)
    return apply


def EfficientNetV2(width_coefficient, depth_coefficient, default_size,  # noqa: N802
                   dropout_rate=0.2, drop_connect_rate=0.2, depth_divisor=8, min_depth=8,
                   bn_momentum=0.9, activation="swish", blocks_args="default",
                   name="efficientnetv2", include_top=True, weights="imagenet",
                   input_tensor=None, input_shape=None, pooling=None, classes=1000,
                   classifier_activation="softmax", include_preprocessing=True,
                   weights_name=None, variant=None):
    """An EfficientNetV2; `variant` ("efficientnetv2-b0", ...) picks the default blocks and
    preprocessing (Keras picks them by the model's `name`, so a custom name fails there)."""
    from graphflow.keras import backend, initializers, layers
    variant = variant or name
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS[variant]
    input_shape, img_input = imagenet_utils.model_input(  # Keras names the file after the model
        weights, include_top, classes, f"{imagenet_utils.KERAS_WEIGHTS}efficientnet_v2/{name}"
        f"{'.h5' if include_top else '_notop.h5'}", input_tensor, input_shape, default_size)
    bn_axis = 3 if backend.image_data_format() == "channels_last" else 1
    x = img_input
    if include_preprocessing:
        num_channels = input_shape[bn_axis - 1]
        if variant.split("-")[-1].startswith("b") and num_channels == 3:
            x = layers.Rescaling(scale=1.0 / 255)(x)
            x = layers.Normalization(mean=[0.485, 0.456, 0.406],
                                     variance=[0.229 ** 2, 0.224 ** 2, 0.225 ** 2],
                                     axis=bn_axis)(x)
        else:
            x = layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)

    def filters_of(n):
        return round_filters(filters=n, width_coefficient=width_coefficient,
                             min_depth=min_depth, depth_divisor=depth_divisor)

    x = layers.Conv2D(filters=filters_of(blocks_args[0]["input_filters"]), kernel_size=3,
                      strides=2, kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                      use_bias=False, name="stem_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum, name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)
    blocks_args = copy.deepcopy(blocks_args)
    b = 0
    blocks = float(sum(args["num_repeat"] for args in blocks_args))
    for i, args in enumerate(blocks_args):
        if args["num_repeat"] <= 0:
            raise ValueError("The number of repeats in `EfficientNetV2` must be > 0. "
                             f"Received: num_repeat={args['num_repeat']}")
        args["input_filters"] = filters_of(args["input_filters"])
        args["output_filters"] = filters_of(args["output_filters"])
        block = {0: MBConvBlock, 1: FusedMBConvBlock}[args.pop("conv_type")]
        repeats = round_repeats(repeats=args.pop("num_repeat"),
                                depth_coefficient=depth_coefficient)
        for j in range(repeats):
            if j > 0:
                args["strides"] = 1
                args["input_filters"] = args["output_filters"]
            x = block(activation=activation, bn_momentum=bn_momentum,
                      survival_probability=drop_connect_rate * b / blocks,
                      name=f"block{i + 1}{chr(j + 97)}_", **args)(x)
            b += 1
    x = layers.Conv2D(filters=filters_of(1280), kernel_size=1, strides=1,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                      use_bias=False, name="top_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum, name="top_bn")(x)
    x = layers.Activation(activation=activation, name="top_activation")(x)
    x = imagenet_utils.classifier_top(x, include_top, pooling, classes, classifier_activation,
                                      weights, ("avg_pool", "max_pool"), dropout_rate,
                                      kernel_initializer=DENSE_KERNEL_INITIALIZER,
                                      bias_initializer=initializers.Constant(0.0))
    return imagenet_utils.finish(img_input, input_tensor, x, name, weights)


_SCALING = {"B0": (1.0, 1.0, 224), "B1": (1.0, 1.1, 240), "B2": (1.1, 1.2, 260),
            "B3": (1.2, 1.4, 300), "S": (1.0, 1.0, 384), "M": (1.0, 1.0, 480),
            "L": (1.0, 1.0, 480)}


def _variant(key):
    width, depth, size = _SCALING[key]
    variant = f"efficientnetv2-{key.lower()}"

    def build(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax",
              include_preprocessing=True, name=variant):
        return EfficientNetV2(width_coefficient=width, depth_coefficient=depth,
                              default_size=size, name=name, include_top=include_top,
                              weights=weights, input_tensor=input_tensor,
                              input_shape=input_shape, pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation,
                              include_preprocessing=include_preprocessing,
                              weights_name=key.lower(), variant=variant)
    build.__name__ = build.__qualname__ = f"EfficientNetV2{key}"
    build.__doc__ = f"""Instantiates the EfficientNetV2{key} architecture (default input
    {size}x{size}; the model rescales its [0, 255] inputs itself unless
    `include_preprocessing=False`).

    `weights` is None or the path of a weights file of the same architecture (Keras's
    pretrained .h5, or a file written by Keras's or graphflow's save_weights); "imagenet"
    raises, as graphflow does not download.
    `pooling` "avg" or "max" pools a headless model.
    """
    return build


EfficientNetV2B0 = _variant("B0")
EfficientNetV2B1 = _variant("B1")
EfficientNetV2B2 = _variant("B2")
EfficientNetV2B3 = _variant("B3")
EfficientNetV2S = _variant("S")
EfficientNetV2M = _variant("M")
EfficientNetV2L = _variant("L")


def preprocess_input(x, data_format=None):
    return x


def decode_predictions(preds, top=5):
    return imagenet_utils.decode_predictions(preds, top=top)


preprocess_input.__doc__ = imagenet_utils.PLACEHOLDER_PREPROCESS_DOC.format(
    model="EfficientNetV2")
decode_predictions.__doc__ = imagenet_utils.decode_predictions.__doc__
