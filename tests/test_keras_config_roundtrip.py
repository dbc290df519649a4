"""get_config / from_config round trips for every layer in graphflow.keras.layers and every
model type, JSON (to_json / model_from_json), clone_model and custom objects."""
import inspect
import json

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError
from graphflow.keras.layers.base import Layer
from graphflow.utils import nest

# Constructor arguments (and an input to build on) for layers that need them; other layers are
# built from no arguments. A new layer needing arguments gets a skip naming this table.
SAMPLES = {
    "Activation": ({"activation": "tanh"}, (2, 3)),
    "Conv2D": ({"filters": 2, "kernel_size": 3, "padding": "same", "strides": 2,
                "kernel_constraint": "max_norm", "kernel_regularizer": "l2"}, (1, 6, 6, 2)),
    "Dense": ({"units": 3, "activation": "relu", "bias_constraint": "non_neg",
               "activity_regularizer": "l1"}, (2, 4)),
    "Dropout": ({"rate": 0.3, "seed": 1}, (2, 3)),
    "Embedding": ({"input_dim": 10, "output_dim": 3, "mask_zero": True}, None),
    "InputLayer": ({"input_shape": (3,)}, None),
    "Rescaling": ({"scale": 0.5, "offset": 1.0}, (2, 3)),
    "Reshape": ({"target_shape": (3, 1)}, (2, 3)),
    "Lambda": None,  # wraps a Python function: get_config raises (tested below)
    "CategoryEncoding": ({"num_tokens": 4, "output_mode": "count"}, None),
    "Discretization": ({"bin_boundaries": [0.0, 1.0]}, (2, 3)),
    "LSTM": ({"units": 2, "kernel_constraint": "max_norm", "recurrent_constraint": "non_neg",
              "bias_constraint": "unit_norm", "recurrent_regularizer": "l1"}, (2, 3, 4)),
    "GRUCell": ({"units": 2, "recurrent_constraint": "non_neg", "bias_regularizer": "l2"},
                None),
    "MultiHeadAttention": ({"num_heads": 2, "key_dim": 4, "kernel_constraint": "unit_norm",
                            "bias_constraint": "non_neg", "kernel_regularizer": "l2",
                            "use_gate": True, "activity_regularizer": "l1"}, None),
}
# Layers whose constructors take required positional arguments (config only, no call).
POSITIONAL = {
    "AveragePooling1D": (2,), "AvgPool1D": (2,), "CenterCrop": (2, 2), "Conv1D": (2, 3),
    "Conv1DTranspose": (2, 3), "Conv2DTranspose": (2, 3), "DepthwiseConv2D": (3,),
    "DepthwiseConv1D": (3,), "SeparableConv1D": (2, 3), "Conv3D": (2, 3),
    "GaussianDropout": (0.1,), "GaussianNoise": (0.1,), "Hashing": (4,),
    "Permute": ((2, 1),), "RandomContrast": (0.2,),
    "RandomCrop": (2, 2), "RandomRotation": (0.1,), "RandomTranslation": (0.1, 0.1),
    "RandomZoom": (0.1,), "RepeatVector": (2,), "Resizing": (2, 2), "SeparableConv2D": (2, 3),
    "SpatialDropout1D": (0.1,), "SpatialDropout2D": (0.1,),
    "GRU": (2,), "LSTMCell": (2,), "SimpleRNN": (2,),
    "SimpleRNNCell": (2,),
    "RNN": (lambda: (keras.layers.LSTMCell(2),)),
    "StackedRNNCells": (lambda: ([keras.layers.LSTMCell(2), keras.layers.GRUCell(3)],)),
    "Bidirectional": (lambda: (keras.layers.GRU(2, return_sequences=True),)),
    "TimeDistributed": (lambda: (keras.layers.Dense(2),)),
    # kerasC
    "Dot": (1,), "AlphaDropout": (0.1,), "EinsumDense": ("ab,bc->ac", 2), "HashedCrossing": (3,),
    "AveragePooling3D": (2,), "AvgPool3D": (2,), "SpatialDropout3D": (0.1,),
    "AdaptiveAveragePooling1D": (2,), "AdaptiveAveragePooling2D": (2,),
    "AdaptiveAveragePooling3D": (2,), "AdaptiveMaxPooling1D": (2,), "AdaptiveMaxPooling2D": (2,),
    "AdaptiveMaxPooling3D": (2,), "Convolution1D": (2, 3), "Convolution1DTranspose": (2, 3),
    "Convolution2DTranspose": (2, 3), "SeparableConvolution2D": (2, 3),
    "SeparableConvolution1D": (2, 3), "Convolution3D": (2, 3),
    "SpectralNormalization": (lambda: (keras.layers.Dense(2),)),
    "Wrapper": (lambda: (keras.layers.Dense(2),)),
    "Pipeline": (lambda: ([keras.layers.Rescaling(2.0), keras.layers.Dense(2)],)),
    "RandomBrightness": (0.1,), "RandomPosterization": (4,), "RandomColorDegeneration": (0.1,),
    "RandomSharpness": (0.1,), "RandomSaturation": (0.1,), "RandomHue": (0.1,),
    "ReversibleEmbedding": (7, 4), "GroupQueryAttention": (3, 4, 2),
    "GroupedQueryAttention": (3, 4, 2),
    "TFSMLayer": (lambda: (_exported_model(),)),
}


def _exported_model():
    """A SavedModel directory for TFSMLayer (graphflow's format, written by Model.export)."""
    import tempfile
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    path = tempfile.mkdtemp()
    model.export(path, verbose=False)
    return path
INPUTS = {"Add": [(2, 3), (2, 3)], "Average": [(2, 3), (2, 3)], "Concatenate": [(2, 3), (2, 3)],
          "Maximum": [(2, 3), (2, 3)], "Minimum": [(2, 3), (2, 3)], "Multiply": [(2, 3), (2, 3)],
          "Subtract": [(2, 3), (2, 3)], "AveragePooling2D": (1, 4, 4, 2),
          "AvgPool2D": (1, 4, 4, 2), "MaxPool2D": (1, 4, 4, 2), "MaxPooling2D": (1, 4, 4, 2),
          "GlobalAveragePooling2D": (1, 4, 4, 2), "GlobalMaxPooling2D": (1, 4, 4, 2),
          "BatchNormalization": (2, 3), "LayerNormalization": (2, 3), "Flatten": (2, 3, 2),
          "GlobalAvgPool2D": (1, 4, 4, 2), "GlobalMaxPool2D": (1, 4, 4, 2),
          "MaxPooling3D": (1, 4, 4, 4, 2), "MaxPool3D": (1, 4, 4, 4, 2),
          "GlobalAveragePooling3D": (1, 2, 2, 2, 3), "GlobalMaxPooling3D": (1, 2, 2, 2, 3),
          "GlobalAvgPool3D": (1, 2, 2, 2, 3), "GlobalMaxPool3D": (1, 2, 2, 2, 3),
          "UpSampling3D": (1, 2, 2, 2, 1), "ZeroPadding3D": (1, 2, 2, 2, 1),
          "Cropping3D": (1, 3, 3, 3, 1), "RMSNormalization": (2, 3),
          "ActivityRegularization": (2, 3)}


def _layer_classes():
    return sorted(n for n in dir(keras.layers)
                  if inspect.isclass(getattr(keras.layers, n))
                  and issubclass(getattr(keras.layers, n), Layer) and n != "Layer")


def _make(name):
    cls = getattr(keras.layers, name)
    if name in SAMPLES:
        if SAMPLES[name] is None:
            pytest.skip(f"{name} has no config by design")
        kwargs, shape = SAMPLES[name]
        return cls(**kwargs), shape
    if name in POSITIONAL:
        args = POSITIONAL[name]
        return cls(*(args() if callable(args) else args)), None
    try:
        return cls(), INPUTS.get(name)
    except TypeError as e:
        pytest.skip(f"{name} needs constructor arguments: add them to SAMPLES ({e})")


def _random(shape):
    if isinstance(shape, list):
        return [_random(s) for s in shape]
    return np.random.default_rng(0).normal(size=shape).astype(np.float32)


@pytest.mark.parametrize("name", _layer_classes())
def test_layer_config_round_trip(name):
    layer, shape = _make(name)
    config = layer.get_config()
    text = json.dumps(config)  # a config is plain JSON
    again = type(layer).from_config(json.loads(text))
    assert json.loads(json.dumps(again.get_config())) == json.loads(text)
    # and through the generic serializer (class name lookup), as saved files use it
    from graphflow.keras.saving import deserialize_layer, serialize_layer
    third = deserialize_layer(json.loads(json.dumps(serialize_layer(layer))))
    assert type(third) is type(layer) and third.get_config() == again.get_config()
    if shape is not None:
        x = _random(shape)
        a, b = layer(x), again(x)
        if layer.weights:
            again.set_weights(layer.get_weights())
            b = again(x)
        for u, v in zip(nest.flatten(a), nest.flatten(b)):
            assert u.shape == v.shape
        if name not in ("Dropout",):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)


def test_lambda_config_is_a_clear_error():
    with pytest.raises(InvalidArgumentError, match="Lambda"):
        keras.layers.Lambda(lambda x: x).get_config()


def _functional():
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    h = keras.layers.Dense(4, activation="relu", kernel_constraint="unit_norm")(a)
    shared = keras.layers.Dense(2)
    out = keras.layers.Add()([shared(keras.layers.Dense(2)(h)), shared(b)])
    return keras.Model([a, b], [out, keras.layers.Dense(1, name="aux")(h)], name="two_heads")


def _sequential():
    return keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Conv2D(2, 3),
                             keras.layers.Flatten(), keras.layers.Dense(2)], name="seq")


@pytest.mark.parametrize("make", [_functional, _sequential], ids=["functional", "sequential"])
def test_model_json_and_config_round_trip(make):
    model = make()
    again = keras.models.model_from_json(model.to_json())
    assert type(again) is type(model) and again.name == model.name
    assert [l.name for l in again.layers] == [l.name for l in model.layers]
    assert json.loads(again.to_json()) == json.loads(model.to_json())
    third = type(model).from_config(model.get_config())
    assert [w.shape for w in third.weights] == [w.shape for w in model.weights]


@pytest.mark.parametrize("make", [_functional, _sequential], ids=["functional", "sequential"])
def test_clone_model_fresh_weights_same_function(make):
    keras.utils.set_random_seed(0)
    model = make()
    clone = keras.models.clone_model(model)
    assert not any(a is b for a, b in zip(model.layers, clone.layers))
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    assert not any(a is b for a, b in zip(model.weights, clone.weights))
    clone.set_weights(model.get_weights())
    x = [np.ones((2, 3), np.float32), np.ones((2, 2), np.float32)] \
        if len(model.inputs) == 2 else np.ones((2, 6, 6, 1), np.float32)
    for u, v in zip(nest.flatten(model(x)), nest.flatten(clone(x))):
        np.testing.assert_allclose(u.numpy(), v.numpy(), rtol=1e-6)
    # the shared Dense of the functional model stays shared (one layer called twice)
    assert len(clone.weights) == len(model.weights)


def test_clone_function_call_function_input_tensors_and_recursive():
    model = _sequential()
    seen = []

    def clone_function(layer):
        seen.append(layer.name)
        if isinstance(layer, keras.layers.Dense):
            return keras.layers.Dense.from_config({**layer.get_config(), "activation": "relu"})
        return layer  # shared, not copied

    clone = keras.models.clone_model(model, clone_function=clone_function)
    assert seen == [l.name for l in model.layers]
    assert clone.layers[0] is model.layers[0] and clone.layers[-1].activation is \
        keras.activations.get("relu")
    inner = _sequential()
    inp = keras.Input((6, 6, 1))
    outer = keras.Model(inp, keras.layers.Dense(1)(inner(inp)))
    calls = []
    flat = keras.models.clone_model(
        outer, recursive=True, call_function=lambda layer, *a, **k: calls.append(layer.name)
        or layer(*a, **k))
    assert flat.layers[1] is not inner and isinstance(flat.layers[1], keras.Sequential)
    assert flat.layers[1].layers[0] is not inner.layers[0]
    assert len(calls) == 2
    new_in = keras.Input((6, 6, 1), name="fresh")
    with_inputs = keras.models.clone_model(model, input_tensors=new_in)
    assert with_inputs.inputs[0] is new_in


def test_clone_subclassed_from_config_and_errors():
    @keras.utils.register_keras_serializable(package="roundtrip")
    class Tiny(keras.Model):
        def __init__(self, units=2, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = keras.layers.Dense(units)

        def call(self, x):
            return self.dense(x)

        def get_config(self):
            return {"units": self.units, "name": self.name}

    clone = keras.models.clone_model(Tiny(units=5))
    assert isinstance(clone, Tiny) and clone.units == 5
    with pytest.raises(InvalidArgumentError, match="subclassed"):
        keras.models.clone_model(Tiny(), clone_function=lambda l: l)
    with pytest.raises(InvalidArgumentError, match="expected a keras Model"):
        keras.models.clone_model(keras.layers.Dense(2))


def test_custom_object_scope_and_registered_layer_in_json():
    @keras.utils.register_keras_serializable(package="roundtrip")
    class Scale(keras.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    model = keras.Sequential([keras.Input((2,)), Scale(3.0)])
    again = keras.models.model_from_json(model.to_json())
    assert again.layers[0].factor == 3.0

    class Unregistered(keras.layers.Layer):
        pass

    plain = keras.Sequential([keras.Input((2,)), Unregistered(name="u")])
    text = plain.to_json()
    with pytest.raises(InvalidArgumentError, match="Unregistered"):
        keras.models.model_from_json(text)
    with keras.utils.custom_object_scope({"Unregistered": Unregistered}):
        assert isinstance(keras.models.model_from_json(text).layers[0], Unregistered)
    assert isinstance(keras.models.model_from_json(
        text, custom_objects={"Unregistered": Unregistered}).layers[0], Unregistered)
