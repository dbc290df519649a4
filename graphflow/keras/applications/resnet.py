"""ResNet50, ResNet101 and ResNet152 (He et al., 2015) and the blocks ResNetV2 shares, as Keras 3
builds them: same layer names, order and parameter counts, so Keras's `.weights.h5` files load.

    >>> from graphflow.keras.applications import resnet
    >>> model = resnet.ResNet50(input_shape=(32, 32, 3), include_top=False, weights=None)
    >>> model.output_shape
    TensorShape([None, 1, 1, 2048])
"""
from graphflow.keras.applications import imagenet_utils


def _bn_axis():
    from graphflow.keras import backend
    return 3 if backend.image_data_format() == "channels_last" else 1


def ResNet(stack_fn, preact, use_bias, include_top=True,  # noqa: N802 - Keras's name
           weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
           classifier_activation="softmax", name="resnet", weights_name=None):
    """A ResNet whose residual stages `stack_fn(x)` builds (v1 when `preact` is False)."""
    from graphflow.keras import backend, layers
    imagenet_utils.check_weights(
        weights, include_top, classes,
        f"{imagenet_utils.KERAS_WEIGHTS}resnet/{weights_name}_weights_tf_dim_ordering_tf_kernels"
        f"{'' if include_top else '_notop'}.h5")
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    bn_axis = _bn_axis()
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    if not preact:
        x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name="conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_fn(x)
    if preact:
        x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name="post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    x = imagenet_utils.pool_top(x, include_top, pooling, "avg_pool", "max_pool")
    return imagenet_utils.finish(img_input, input_tensor, x, name, weights)


def residual_block_v1(x, filters, kernel_size=3, stride=1, conv_shortcut=True, name=None):
    """A bottleneck block: 1x1, kxk, 1x1 convolutions, added to the (projected) input."""
    from graphflow.keras import layers
    bn_axis = _bn_axis()
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5,
                                             name=f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="SAME", name=f"{name}_2_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_3_bn")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def stack_residual_blocks_v1(x, filters, blocks, stride1=2, name=None):
    x = residual_block_v1(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = residual_block_v1(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def residual_block_v2(x, filters, kernel_size=3, stride=1, conv_shortcut=False, name=None):
    """A pre-activation bottleneck block (ResNetV2)."""
    from graphflow.keras import layers
    bn_axis = _bn_axis()
    preact = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5,
                                       name=f"{name}_preact_bn")(x)
    preact = layers.Activation("relu", name=f"{name}_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(preact)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=f"{name}_1_conv")(preact)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False,
                      name=f"{name}_2_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])


def stack_residual_blocks_v2(x, filters, blocks, stride1=2, name=None):
    x = residual_block_v2(x, filters, conv_shortcut=True, name=f"{name}_block1")
    for i in range(2, blocks):
        x = residual_block_v2(x, filters, name=f"{name}_block{i}")
    return residual_block_v2(x, filters, stride=stride1, name=f"{name}_block{blocks}")


def _resnet_v1(depths, weights_name, **kwargs):
    def stack_fn(x):
        x = stack_residual_blocks_v1(x, 64, depths[0], stride1=1, name="conv2")
        x = stack_residual_blocks_v1(x, 128, depths[1], name="conv3")
        x = stack_residual_blocks_v1(x, 256, depths[2], name="conv4")
        return stack_residual_blocks_v1(x, 512, depths[3], name="conv5")
    return ResNet(stack_fn, preact=False, use_bias=True, weights_name=weights_name,
                  **kwargs)


_ARGS = """

    `weights` is None or the path of a weights file of the same architecture (Keras's
    pretrained .h5, or a file written by Keras's or graphflow's save_weights); "imagenet"
    raises, as graphflow does not download.
    `input_shape` (at least 32x32) is given only with `include_top=False`; `pooling` "avg" or
    "max" pools a headless model; `classifier_activation` is the top Dense's activation.
"""


def ResNet50(include_top=True, weights="imagenet", input_tensor=None,  # noqa: N802
             input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
             name="resnet50"):
    return _resnet_v1((3, 4, 6, 3), "resnet50", name=name, include_top=include_top,
                      weights=weights, input_tensor=input_tensor, input_shape=input_shape,
                      pooling=pooling, classes=classes,
                      classifier_activation=classifier_activation)


def ResNet101(include_top=True, weights="imagenet", input_tensor=None,  # noqa: N802
              input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
              name="resnet101"):
    return _resnet_v1((3, 4, 23, 3), "resnet101", name=name, include_top=include_top,
                      weights=weights, input_tensor=input_tensor, input_shape=input_shape,
                      pooling=pooling, classes=classes,
                      classifier_activation=classifier_activation)


def ResNet152(include_top=True, weights="imagenet", input_tensor=None,  # noqa: N802
              input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
              name="resnet152"):
    return _resnet_v1((3, 8, 36, 3), "resnet152", name=name, include_top=include_top,
                      weights=weights, input_tensor=input_tensor, input_shape=input_shape,
                      pooling=pooling, classes=classes,
                      classifier_activation=classifier_activation)


ResNet50.__doc__ = """Instantiates the ResNet50 architecture (inputs preprocessed "caffe"-style).
""" + _ARGS + """
        >>> ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3)).count_params()
        23587712
    """
ResNet101.__doc__ = """Instantiates the ResNet101 architecture (inputs preprocessed
    "caffe"-style).""" + _ARGS
ResNet152.__doc__ = """Instantiates the ResNet152 architecture (inputs preprocessed
    "caffe"-style).""" + _ARGS


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    return imagenet_utils.decode_predictions(preds, top=top)


preprocess_input.__doc__ = imagenet_utils.PREPROCESS_DOC.format(
    model="ResNet", what=imagenet_utils.CAFFE)
decode_predictions.__doc__ = imagenet_utils.decode_predictions.__doc__
