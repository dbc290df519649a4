"""Behaviours the TF/Keras guides rely on that graphflow got wrong (each checked against
Keras 3.15): masks during functional construction, Dense over several unknown axes, the
first-call input dtype of a Sequential model, and optimizers reused on new variables."""
import numpy as np
import pytest

import graphflow as tf
from graphflow import keras


class _SeesMask(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.seen = []

    def call(self, inputs, mask=None):
        self.seen.append(None if mask is None else (mask.shape.as_list(), mask.dtype.name))
        return inputs


def test_masks_reach_call_while_a_functional_model_is_built():
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = keras.layers.Embedding(10, 4, mask_zero=True)(inputs)
    first = _SeesMask()
    y = first(keras.layers.Dense(1)(x))  # Dense passes the mask on
    assert first.seen == [([None, None], "bool")]
    unmasked = _SeesMask()
    unmasked(keras.layers.Embedding(10, 4)(inputs))
    assert unmasked.seen == [None]
    model = keras.Model(inputs, y)
    model(np.array([[1, 2, 0]]))
    assert first.seen[-1] == ([1, 3], "bool")


def test_embedding_supports_masking_only_with_mask_zero():
    assert keras.layers.Embedding(3, 2, mask_zero=True).supports_masking
    assert not keras.layers.Embedding(3, 2).supports_masking


def test_dense_over_several_unknown_axes():
    inputs = keras.Input((None, None, 4))
    out = keras.layers.Dense(3)(inputs)
    assert out.shape.as_list() == [None, None, None, 3]
    model = keras.Model(inputs, out)
    x = np.random.default_rng(0).random((2, 5, 6, 4)).astype("float32")
    kernel, bias = model.layers[-1].get_weights()
    np.testing.assert_allclose(model(x).numpy(), x @ kernel + bias, rtol=1e-5)


def test_sequential_first_call_keeps_string_and_integer_inputs():
    vectorize = keras.layers.TextVectorization(max_tokens=10)
    vectorize.adapt(["a b", "b c"])
    model = keras.Sequential([vectorize, keras.layers.Embedding(10, 2)])
    assert model.predict(tf.constant(["a b c"]), verbose=0).shape == (1, 3, 2)
    lookup = keras.Sequential([keras.layers.IntegerLookup(vocabulary=[7, 9])])
    assert lookup(tf.constant([[9, 7, 5]])).numpy().tolist() == [[2, 1, 0]]
    assert lookup.inputs[0].dtype == tf.int64  # the layer's dtype, as Keras


def test_an_optimizer_updates_only_the_variables_it_was_built_with():
    a, b = tf.Variable([1.0]), tf.Variable([2.0])
    opt = keras.optimizers.SGD(0.5)
    opt.apply_gradients([(tf.constant([1.0]), a)])
    assert a.numpy().tolist() == [0.5]
    with pytest.raises(ValueError, match="Unknown variable: .*originally built with"):
        opt.apply_gradients([(tf.constant([1.0]), b)])
    built = keras.optimizers.Adam()
    built.build([a, b])
    built.apply_gradients([(tf.constant([1.0]), b)])  # any subset of the built ones


def test_a_model_with_an_input_first_builds_the_outer_sequential():
    augment = keras.Sequential([keras.layers.RandomFlip("horizontal", input_shape=(8, 8, 3))])
    model = keras.Sequential([augment, keras.layers.Conv2D(2, 3), keras.layers.Flatten()])
    assert model.built and model.output_shape == (None, 72)
    assert model.count_params() == 3 * 3 * 3 * 2 + 2
