"""Xception (Chollet, 2017: depthwise separable convolutions with residual connections), as
Keras 3 builds it.

    >>> from graphflow.keras.applications import xception
    >>> xception.Xception(input_shape=(71, 71, 3), include_top=False,
    ...                   weights=None).output_shape
    TensorShape([None, 3, 3, 2048])
"""
from graphflow.keras.applications import imagenet_utils


def Xception(include_top=True, weights="imagenet", input_tensor=None,  # noqa: N802
             input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
             name="xception"):
    """Instantiates the Xception architecture (default input 299x299, at least 71x71; inputs
    scaled to [-1, 1]).

    `weights` is None or the path of a weights file of the same architecture (Keras's
    pretrained .h5, or a file written by Keras's or graphflow's save_weights); "imagenet"
    raises, as graphflow does not download.
    `pooling` "avg" or "max" pools a headless model.
    """
    from graphflow.keras import backend, layers
    _, img_input = imagenet_utils.model_input(
        weights, include_top, classes,
        f"{imagenet_utils.KERAS_WEIGHTS}xception/xception_weights_tf_dim_ordering_tf_kernels"
        f"{'' if include_top else '_notop'}.h5", input_tensor, input_shape, default_size=299,
        min_size=71)
    axis = 1 if backend.image_data_format() == "channels_first" else -1

    def sepconv_bn(x, filters, prefix):
        x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False,
                                   name=prefix)(x)
        return layers.BatchNormalization(axis=axis, name=f"{prefix}_bn")(x)

    def shortcut(x, filters):  # Keras leaves these layers unnamed (conv2d, batch_normalization_N)
        residual = layers.Conv2D(filters, (1, 1), strides=(2, 2), padding="same",
                                 use_bias=False)(x)
        return layers.BatchNormalization(axis=axis)(residual)

    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = layers.BatchNormalization(axis=axis, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=axis, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)
    for block, filters in ((2, 128), (3, 256), (4, 728)):  # the entry flow
        residual = shortcut(x, filters)
        if block > 2:
            x = layers.Activation("relu", name=f"block{block}_sepconv1_act")(x)
        x = sepconv_bn(x, filters, f"block{block}_sepconv1")
        x = layers.Activation("relu", name=f"block{block}_sepconv2_act")(x)
        x = sepconv_bn(x, filters, f"block{block}_sepconv2")
        x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same",
                                name=f"block{block}_pool")(x)
        x = layers.add([x, residual])
    for i in range(8):  # the middle flow
        residual = x
        prefix = f"block{i + 5}"
        for j in (1, 2, 3):
            x = layers.Activation("relu", name=f"{prefix}_sepconv{j}_act")(x)
            x = sepconv_bn(x, 728, f"{prefix}_sepconv{j}")
        x = layers.add([x, residual])
    residual = shortcut(x, 1024)
    x = layers.Activation("relu", name="block13_sepconv1_act")(x)
    x = sepconv_bn(x, 728, "block13_sepconv1")
    x = layers.Activation("relu", name="block13_sepconv2_act")(x)
    x = sepconv_bn(x, 1024, "block13_sepconv2")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name="block13_pool")(x)
    x = layers.add([x, residual])
    x = sepconv_bn(x, 1536, "block14_sepconv1")
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = sepconv_bn(x, 2048, "block14_sepconv2")
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)
    x = imagenet_utils.classifier_top(x, include_top, pooling, classes, classifier_activation,
                                      weights)
    return imagenet_utils.finish(img_input, input_tensor, x, name, weights)


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    return imagenet_utils.decode_predictions(preds, top=top)


preprocess_input.__doc__ = imagenet_utils.PREPROCESS_DOC.format(
    model="Xception", what=imagenet_utils.TF)
decode_predictions.__doc__ = imagenet_utils.decode_predictions.__doc__
