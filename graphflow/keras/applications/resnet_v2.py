"""ResNet50V2, ResNet101V2 and ResNet152V2 (He et al., 2016: pre-activation blocks), as Keras 3
builds them.

    >>> from graphflow.keras.applications import resnet_v2
    >>> resnet_v2.ResNet50V2(input_shape=(32, 32, 3), include_top=False,
    ...                      weights=None).output_shape
    TensorShape([None, 1, 1, 2048])
"""
from graphflow.keras.applications import imagenet_utils, resnet


ResNet50V2, ResNet101V2, ResNet152V2 = (
    resnet._variant(fn_name, depths, True, f"Instantiates the {fn_name} architecture (inputs "
                   "scaled to [-1, 1]).", module=__name__)
    for fn_name, depths in (("ResNet50V2", (3, 4, 6, 3)), ("ResNet101V2", (3, 4, 23, 3)),
                            ("ResNet152V2", (3, 8, 36, 3))))


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    return imagenet_utils.decode_predictions(preds, top=top)


preprocess_input.__doc__ = imagenet_utils.PREPROCESS_DOC.format(
    model="ResNetV2", what=imagenet_utils.TF)
decode_predictions.__doc__ = imagenet_utils.decode_predictions.__doc__
