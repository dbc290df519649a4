"""VGG16 (Simonyan & Zisserman, 2014), as Keras 3 builds it (layer names block<i>_conv<j>,
block<i>_pool, fc1, fc2, predictions), so Keras's `.weights.h5` files of it load.

    >>> from graphflow.keras.applications import vgg16
    >>> vgg16.VGG16(input_shape=(32, 32, 3), include_top=False, weights=None).output_shape
    TensorShape([None, 1, 1, 512])
"""
from graphflow.keras.applications import imagenet_utils


def vgg(convs_per_block, weights_name, include_top, weights, input_tensor, input_shape,
        pooling, classes, classifier_activation, name):
    """A VGG with `convs_per_block[i]` 3x3 convolutions in block i+1 (Keras's VGG16/VGG19)."""
    from graphflow.keras import layers
    _, img_input = imagenet_utils.model_input(
        weights, include_top, classes,
        f"{imagenet_utils.KERAS_WEIGHTS}{weights_name}/{weights_name}_weights_tf_dim_ordering_"
        f"tf_kernels{'' if include_top else '_notop'}.h5", input_tensor, input_shape,
        default_size=224)
    x = img_input
    for block, (filters, convs) in enumerate(zip((64, 128, 256, 512, 512), convs_per_block), 1):
        for i in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    x = imagenet_utils.pool_top(x, include_top, pooling)
    return imagenet_utils.finish(img_input, input_tensor, x, name, weights)


def VGG16(include_top=True, weights="imagenet", input_tensor=None,  # noqa: N802 - Keras's name
          input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
          name="vgg16"):
    """Instantiates the VGG16 architecture (inputs preprocessed "caffe"-style).

    `weights` is None or the path of a weights file of the same architecture (Keras's
    pretrained .h5, or a file written by Keras's or graphflow's save_weights); "imagenet"
    raises, as graphflow does not download.
    With `include_top` the input must be 224x224 (the Flatten fixes fc1's size), unless
    `input_shape` says otherwise; `pooling` "avg" or "max" pools a headless model.

        >>> VGG16(weights=None, include_top=False, input_shape=(32, 32, 3)).count_params()
        14714688
    """
    return vgg((2, 2, 3, 3, 3), "vgg16", include_top, weights, input_tensor, input_shape,
               pooling, classes, classifier_activation, name)


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    return imagenet_utils.decode_predictions(preds, top=top)


preprocess_input.__doc__ = imagenet_utils.PREPROCESS_DOC.format(
    model="VGG16", what=imagenet_utils.CAFFE)
decode_predictions.__doc__ = imagenet_utils.decode_predictions.__doc__
