"""keras.applications: Keras 3's image-classification architectures, built layer for layer as
Keras builds them (same layer names, order, shapes and parameter counts).

graphflow does not download: `weights="imagenet"` raises a ValueError naming the file and its
URL; pass `weights=<path>` instead: Keras's pretrained `.h5` file itself (Keras 2's HDF5 layout),
or a weights file of the same architecture written by Keras's or graphflow's `save_weights` (a
Keras 3 `.weights.h5` file, or graphflow's own format).

    >>> from graphflow import keras
    >>> base = keras.applications.MobileNetV2(input_shape=(32, 32, 3), include_top=False,
    ...                                       weights=None, alpha=0.35)
    >>> [layer.name for layer in base.layers][1:4]
    ['Conv1', 'bn_Conv1', 'Conv1_relu']
"""
from graphflow.keras.applications import (  # noqa: F401
    densenet, efficientnet, efficientnet_v2, imagenet_utils, inception_v3, mobilenet,
    mobilenet_v2, mobilenet_v3, resnet, resnet50, resnet_v2, vgg16, vgg19, xception)
from graphflow.keras.applications.densenet import (  # noqa: F401
    DenseNet121, DenseNet169, DenseNet201)
from graphflow.keras.applications.efficientnet import (  # noqa: F401
    EfficientNetB0, EfficientNetB1, EfficientNetB2, EfficientNetB3, EfficientNetB4,
    EfficientNetB5, EfficientNetB6, EfficientNetB7)
from graphflow.keras.applications.efficientnet_v2 import (  # noqa: F401
    EfficientNetV2B0, EfficientNetV2B1, EfficientNetV2B2, EfficientNetV2B3, EfficientNetV2L,
    EfficientNetV2M, EfficientNetV2S)
from graphflow.keras.applications.inception_v3 import InceptionV3  # noqa: F401
from graphflow.keras.applications.mobilenet import MobileNet  # noqa: F401
from graphflow.keras.applications.mobilenet_v2 import MobileNetV2  # noqa: F401
from graphflow.keras.applications.mobilenet_v3 import (  # noqa: F401
    MobileNetV3Large, MobileNetV3Small)
from graphflow.keras.applications.resnet import ResNet50, ResNet101, ResNet152  # noqa: F401
from graphflow.keras.applications.resnet_v2 import (  # noqa: F401
    ResNet50V2, ResNet101V2, ResNet152V2)
from graphflow.keras.applications.vgg16 import VGG16  # noqa: F401
from graphflow.keras.applications.vgg19 import VGG19  # noqa: F401
from graphflow.keras.applications.xception import Xception  # noqa: F401
