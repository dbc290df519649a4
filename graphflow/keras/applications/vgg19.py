"""VGG19 (Simonyan & Zisserman, 2014), as Keras 3 builds it.

    >>> from graphflow.keras.applications import vgg19
    >>> vgg19.VGG19(input_shape=(32, 32, 3), include_top=False, weights=None).count_params()
    20024384
"""
from graphflow.keras.applications import imagenet_utils
from graphflow.keras.applications.vgg16 import vgg


def VGG19(include_top=True, weights="imagenet", input_tensor=None,  # noqa: N802 - Keras's name
          input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
          name="vgg19"):
    """Instantiates the VGG19 architecture (inputs preprocessed "caffe"-style).

    Arguments as VGG16's; `weights="imagenet"` raises, as graphflow does not download.

        >>> VGG19(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        TensorShape([None, 1, 1, 512])
    """
    return vgg((2, 2, 4, 4, 4), "vgg19", include_top, weights, input_tensor, input_shape,
               pooling, classes, classifier_activation, name)


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    return imagenet_utils.decode_predictions(preds, top=top)


preprocess_input.__doc__ = imagenet_utils.PREPROCESS_DOC.format(
    model="VGG19", what=imagenet_utils.CAFFE)
decode_predictions.__doc__ = imagenet_utils.decode_predictions.__doc__
