"""keras.Input(ragged=True) records raggedness on the KerasTensor, as Keras 3.15 does (checked
against Keras 3.15: the repr, InputLayer's config, the ValueError for sparse and ragged, an
Embedding of a ragged input is ragged)."""
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError


def test_ragged_input_is_recorded():
    x = keras.Input((None,), ragged=True)
    assert x.ragged and not x.sparse and x.shape.as_list() == [None, None]
    assert "ragged=True" in repr(x)
    assert not keras.Input((3,)).ragged
    layer = x._keras_history[0]
    assert layer.get_config()["ragged"] is True
    assert keras.layers.InputLayer.from_config(layer.get_config()).ragged


def test_sparse_and_ragged_together_is_keras_value_error():
    with pytest.raises(InvalidArgumentError, match="cannot have `sparse=True` and `ragged=True`"):
        keras.Input((None,), ragged=True, sparse=True)


def test_a_layer_returning_a_ragged_tensor_gives_a_ragged_keras_tensor():
    x = keras.Input((None,), ragged=True, dtype="int32")
    y = keras.layers.Embedding(5, 2)(x)
    assert y.ragged and y.shape.as_list() == [None, None, 2]
    model = keras.Model(x, y)
    out = model(tf.ragged.constant([[1], [2, 3]]))
    assert isinstance(out, tf.RaggedTensor) and out.row_lengths().numpy().tolist() == [1, 2]


def test_a_layer_without_a_ragged_path_still_builds_on_a_ragged_input():
    x = keras.Input((None,), ragged=True)
    y = keras.layers.Lambda(lambda t: t.to_tensor() if isinstance(t, tf.RaggedTensor) else t)(x)
    assert not y.ragged
    out = keras.Model(x, y)(tf.ragged.constant([[1.0], [2.0, 3.0]]))
    assert out.numpy().tolist() == [[1.0, 0.0], [2.0, 3.0]]
