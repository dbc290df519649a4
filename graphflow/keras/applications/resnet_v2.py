"""ResNet50V2, ResNet101V2 and ResNet152V2 (He et al., 2016: pre-activation blocks), as Keras 3
builds them.

    >>> from graphflow.keras.applications import resnet_v2
    >>> resnet_v2.ResNet50V2(input_shape=(32, 32, 3), include_top=False,
    ...                      weights=None).output_shape
    TensorShape([None, 1, 1, 2048])
"""
from graphflow.keras.applications import imagenet_utils, resnet


def _resnet_v2(depths, weights_name, **kwargs):
    def stack_fn(x):
        x = resnet.stack_residual_blocks_v2(x, 64, depths[0], name="conv2")
        x = resnet.stack_residual_blocks_v2(x, 128, depths[1], name="conv3")
        x = resnet.stack_residual_blocks_v2(x, 256, depths[2], name="conv4")
        return resnet.stack_residual_blocks_v2(x, 512, depths[3], stride1=1, name="conv5")
    return resnet.ResNet(stack_fn, True, True, weights_name=weights_name, **kwargs)


def ResNet50V2(include_top=True, weights="imagenet", input_tensor=None,  # noqa: N802
               input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
               name="resnet50v2"):
    return _resnet_v2((3, 4, 6, 3), "resnet50v2", name=name, include_top=include_top,
                      weights=weights, input_tensor=input_tensor, input_shape=input_shape,
                      pooling=pooling, classes=classes,
                      classifier_activation=classifier_activation)


def ResNet101V2(include_top=True, weights="imagenet", input_tensor=None,  # noqa: N802
                input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
                name="resnet101v2"):
    return _resnet_v2((3, 4, 23, 3), "resnet101v2", name=name, include_top=include_top,
                      weights=weights, input_tensor=input_tensor, input_shape=input_shape,
                      pooling=pooling, classes=classes,
                      classifier_activation=classifier_activation)


def ResNet152V2(include_top=True, weights="imagenet", input_tensor=None,  # noqa: N802
                input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
                name="resnet152v2"):
    return _resnet_v2((3, 8, 36, 3), "resnet152v2", name=name, include_top=include_top,
                      weights=weights, input_tensor=input_tensor, input_shape=input_shape,
                      pooling=pooling, classes=classes,
                      classifier_activation=classifier_activation)


for _fn in (ResNet50V2, ResNet101V2, ResNet152V2):
    _fn.__doc__ = (f"Instantiates the {_fn.__name__} architecture (inputs scaled to [-1, 1])."
                   + resnet._ARGS)


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    return imagenet_utils.decode_predictions(preds, top=top)


preprocess_input.__doc__ = imagenet_utils.PREPROCESS_DOC.format(
    model="ResNetV2", what=imagenet_utils.TF)
decode_predictions.__doc__ = imagenet_utils.decode_predictions.__doc__
