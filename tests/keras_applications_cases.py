"""The keras.applications cases checked against Keras 3.15 (tests/keras_applications_oracle.py
writes tests/golden/keras_applications.json from them; tests/test_keras_applications.py
builds them in graphflow). Imports neither TensorFlow nor graphflow.

Forward-pass cases get their weights from `weight_for(name, shape)`, a function of the
variable's name ("Conv1/kernel") and shape only, so both frameworks fill identical weights
whatever order they list variables in, and the golden file holds only inputs' seeds and outputs.
"""
import zlib

import numpy as np

# (case id, constructor, keyword arguments); "input_tensor": shape means keras.Input(shape)
STRUCTURE = [
    ("mobilenet_v2_top", "MobileNetV2", dict(input_shape=(32, 32, 3), alpha=0.35, classes=10,
                                             classifier_activation=None)),
    ("mobilenet_v2_avg", "MobileNetV2", dict(input_shape=(96, 96, 3), alpha=0.5,
                                             include_top=False, pooling="avg")),
    ("mobilenet_v2_tensor", "MobileNetV2", dict(input_tensor=(64, 64, 3), include_top=False,
                                                alpha=1.4)),
    ("resnet50", "ResNet50", dict(input_shape=(32, 32, 3), include_top=False, pooling="avg")),
    ("resnet50v2", "ResNet50V2", dict(input_shape=(32, 32, 3), include_top=False,
                                      pooling="max")),
    ("resnet101", "ResNet101", dict(include_top=False)),
    ("vgg16_top", "VGG16", dict(input_shape=(32, 32, 3), classes=3)),
    ("vgg19", "VGG19", dict(include_top=False, pooling="avg")),
    ("mobilenet", "MobileNet", dict(input_shape=(32, 32, 3), alpha=0.25, classes=10)),
    ("mobilenet_v3_small", "MobileNetV3Small", dict(input_shape=(32, 32, 3), classes=10)),
    ("mobilenet_v3_large", "MobileNetV3Large", dict(include_top=False, minimalistic=True,
                                                    pooling="avg")),
    ("densenet121", "DenseNet121", dict(input_shape=(32, 32, 3), include_top=False)),
    ("efficientnet_b0", "EfficientNetB0", dict(input_shape=(32, 32, 3), classes=7)),
    ("efficientnet_v2_b0", "EfficientNetV2B0", dict(input_shape=(32, 32, 3), include_top=False,
                                                    pooling="avg")),
    ("efficientnet_v2_s", "EfficientNetV2S", dict(input_shape=(32, 32, 3), classes=3,
                                                  include_preprocessing=False)),
    ("xception", "Xception", dict(input_shape=(71, 71, 3), include_top=False)),
    ("inception_v3", "InceptionV3", dict(input_shape=(75, 75, 3), include_top=False,
                                         pooling="max")),
]

# parameter counts only (bigger variants, headless)
COUNTS = [("ResNet152", {}), ("ResNet152V2", {}), ("DenseNet169", {}), ("DenseNet201", {}),
          ("EfficientNetB1", {}), ("EfficientNetB2", {}), ("EfficientNetB3", {}),
          ("EfficientNetB4", {}), ("EfficientNetV2B3", {}), ("EfficientNetV2M", {})]

# (case id, constructor, kwargs, preprocess module) for the forward-pass check
FORWARD = [
    ("mobilenet_v2", "MobileNetV2", dict(input_shape=(32, 32, 3), alpha=0.35, classes=10,
                                         classifier_activation=None), "mobilenet_v2"),
    ("resnet50", "ResNet50", dict(input_shape=(32, 32, 3), include_top=False, pooling="avg"),
     "resnet50"),
]

PREPROCESS_MODES = ["caffe", "tf", "torch"]


def legacy_model(keras):
    """A small model in the pretrained files' Keras 2 HDF5 layout (tests/golden/
    keras2_weights.h5): a Conv2D, a BatchNormalization, an unnamed Dense."""
    inputs = keras.Input((6, 6, 3))
    x = keras.layers.Conv2D(4, 3, name="conv")(inputs)
    x = keras.layers.BatchNormalization(name="bn")(x)
    x = keras.layers.ReLU(name="relu")(x)  # no weights: skipped, as in Keras's loader
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(2)(x))


def weight_for(name, shape):
    """Deterministic weights that keep activations of a deep random network in range."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    leaf = name.rsplit("/", 1)[-1]
    if leaf in ("gamma", "moving_variance", "variance"):
        return rng.uniform(0.5, 1.5, shape).astype("float32")
    if len(shape) >= 2:
        fan_in = int(np.prod(shape[:-1])) if leaf != "depthwise_kernel" else int(
            np.prod(shape[:2]))
        return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype("float32")
    return (rng.standard_normal(shape) * 0.1).astype("float32")


def images(shape, seed=0):
    return np.random.default_rng(seed).uniform(0, 255, shape).astype("float32")


def describe(model):
    """What the golden file records of a model: name, parameter count, output shape and each
    layer's (name, class, output shape, parameter count)."""
    layers = []
    for layer in model.layers:
        layers.append([layer.name, type(layer).__name__, [d for d in layer.output.shape],
                       int(layer.count_params())])
    return {"name": model.name, "params": int(model.count_params()),
            "output_shape": list(model.output_shape), "layers": layers}
