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
    from graphflow.keras import layers
    _, img_input = imagenet_utils.model_input(
        weights, include_top, classes,
        f"{imagenet_utils.KERAS_WEIGHTS}resnet/{weights_name}_weights_tf_dim_ordering_tf_kernels"
        f"{'' if include_top else '_notop'}.h5", input_tensor, input_shape, default_size=224)
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
    x = imagenet_utils.classifier_top(x, include_top, pooling, classes, classifier_activation,
                                      weights, ("avg_pool", "max_pool"))
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


def _stack_stages(x, stack, depths, strides):
    """The residual stages conv2..conv5 (64, 128, 256 and 512 filters) of ResNet and ResNetV2:
    `stack` (v1 or v2) with `depths[i]` blocks and first/last-block stride `strides[i]`."""
    for i, (filters, blocks, stride) in enumerate(zip((64, 128, 256, 512), depths, strides)):
        x = stack(x, filters, blocks, stride1=stride, name=f"conv{i + 2}")
    return x


_ARGS = """

    `weights` is None or the path of a weights file of the same architecture (Keras's
    pretrained .h5, or a file written by Keras's or graphflow's save_weights); "imagenet"
    raises, as graphflow does not download.
    `input_shape` (at least 32x32) is given only with `include_top=False`; `pooling` "avg" or
    "max" pools a headless model; `classifier_activation` is the top Dense's activation.
"""


def _variant(fn_name, depths, preact, doc, module=__name__):
    """The public builder `fn_name` (ResNet50, ..., ResNet152V2): Keras's signature, its
    default `name` and weights file both `fn_name.lower()`. v1 (`preact` False) strides in
    its first block of stages 3-5, v2 in the last block of stages 2-4."""
    stack, strides = ((stack_residual_blocks_v2, (2, 2, 2, 1)) if preact
                      else (stack_residual_blocks_v1, (1, 2, 2, 2)))
    weights_name = fn_name.lower()

    def build(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax", name=weights_name):
        return ResNet(lambda x: _stack_stages(x, stack, depths, strides), preact=preact,
                      use_bias=True, include_top=include_top, weights=weights,
                      input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                      classes=classes, classifier_activation=classifier_activation, name=name,
                      weights_name=weights_name)
    build.__name__ = build.__qualname__ = fn_name
    build.__module__ = module
    build.__doc__ = doc + _ARGS
    return build


ResNet50 = _variant("ResNet50", (3, 4, 6, 3), False, """Instantiates the ResNet50 architecture
    (inputs preprocessed "caffe"-style).

        >>> ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3)).count_params()
        23587712
    """)
ResNet101 = _variant("ResNet101", (3, 4, 23, 3), False, """Instantiates the ResNet101
    architecture (inputs preprocessed "caffe"-style).""")
ResNet152 = _variant("ResNet152", (3, 8, 36, 3), False, """Instantiates the ResNet152
    architecture (inputs preprocessed "caffe"-style).""")


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    return imagenet_utils.decode_predictions(preds, top=top)


preprocess_input.__doc__ = imagenet_utils.PREPROCESS_DOC.format(
    model="ResNet", what=imagenet_utils.CAFFE)
decode_predictions.__doc__ = imagenet_utils.decode_predictions.__doc__
