"""graphflow.data.Dataset: sources, transformations, and use with model.fit."""
import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError

Dataset = tf.data.Dataset


def test_slices_batch_map_repeat_take():
    ds = Dataset.from_tensor_slices((np.arange(5), np.arange(5) * 10))
    assert len(ds) == 5
    batches = [(x.numpy().tolist(), y.numpy().tolist()) for x, y in ds.batch(2)]
    assert batches == [([0, 1], [0, 10]), ([2, 3], [20, 30]), ([4], [40])]
    assert len(ds.batch(2)) == 3 and len(ds.batch(2, drop_remainder=True)) == 2
    doubled = ds.map(lambda x, y: (x * 2, y))
    assert [int(x) for x, _ in doubled] == [0, 2, 4, 6, 8]
    assert [int(v) for v in Dataset.range(3).repeat(2)] == [0, 1, 2, 0, 1, 2]
    assert [int(v) for v in Dataset.range(10).repeat().take(4)] == [0, 1, 2, 3]
    dicts = Dataset.from_tensor_slices({"a": np.ones((3, 2)), "b": np.zeros(3)}).batch(3)
    (first,) = list(dicts)
    assert first["a"].shape == (3, 2) and first["b"].shape == (3,)


def test_shuffle_is_a_permutation_and_reproducible():
    ds = Dataset.range(20).shuffle(20, seed=3)
    first = [int(v) for v in ds]
    second = [int(v) for v in ds]
    assert sorted(first) == list(range(20)) and first != list(range(20))
    assert first != second  # reshuffled each iteration
    again = [int(v) for v in Dataset.range(20).shuffle(20, seed=3)]
    assert again == first


def test_errors():
    with pytest.raises(InvalidArgumentError, match="same size"):
        Dataset.from_tensor_slices((np.ones(3), np.ones(4)))
    with pytest.raises(InvalidArgumentError, match="batch_size"):
        Dataset.range(3).batch(0)
    with pytest.raises(InvalidArgumentError, match="infinite"):
        len(Dataset.range(3).repeat())


def test_fit_and_evaluate_on_a_dataset():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int32)
    ds = Dataset.from_tensor_slices((x, y)).shuffle(64, seed=1).batch(16)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(ds, epochs=5, verbose=0)
    assert len(history.history["loss"]) == 5
    assert history.history["loss"][-1] < history.history["loss"][0]
    logs = model.evaluate(ds, verbose=0, return_dict=True)
    assert logs["accuracy"] > 0.7
