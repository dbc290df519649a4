"""Keras 3's utilities around training: a keras.utils.PyDataset fed to fit/evaluate/predict
(batch-order shuffle, on_epoch_end, threaded workers, steps_per_epoch going on through a
pass), keras.config and keras.backend dtype helpers, keras.random's seed semantics, keras.tree's
structure rules, split_dataset, image arrays, object serialization, and an interrupted fit
resumed by BackupAndRestore."""
import math
import os
import tempfile
import warnings

import numpy as np
import keras

# -- PyDataset ---------------------------------------------------------------------------------


class Batches(keras.utils.PyDataset):
    def __init__(self, n_batches, **kwargs):
        super().__init__(**kwargs)
        self.n_batches = n_batches
        self.fetched = []
        self.epochs_ended = 0

    def __len__(self):
        return self.n_batches

    def __getitem__(self, index):
        self.fetched.append(index)
        x = np.full((4, 2), index, "float32")
        return x, x.sum(axis=1, keepdims=True)

    def on_epoch_end(self):
        self.epochs_ended += 1


keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
model.compile(keras.optimizers.SGD(0.01), "mse")

data = Batches(6)
history = model.fit(data, epochs=2, verbose=0)  # shuffle=True: the batch order is shuffled
# (TF's Keras also reads the first batches once to learn their spec, and ends one more epoch)
assert len(history.history["loss"]) == 2 and data.epochs_ended >= 2
epoch1, epoch2 = data.fetched[-12:-6], data.fetched[-6:]
assert sorted(epoch1) == list(range(6)) and sorted(epoch2) == list(range(6))

data = Batches(5)
model.fit(data, epochs=1, shuffle=False, verbose=0)
assert data.fetched[-5:] == [0, 1, 2, 3, 4]

data = Batches(5, workers=3, max_queue_size=2)  # fetched on 3 threads, delivered in order
assert (data.workers, data.use_multiprocessing, data.max_queue_size) == (3, False, 2)
model.fit(data, epochs=1, shuffle=False, verbose=0)
assert sorted(data.fetched[-5:]) == [0, 1, 2, 3, 4]

data = Batches(3)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    history = model.fit(data, epochs=3, steps_per_epoch=2, shuffle=False, verbose=0)
# epoch 2 takes the pass's last batch and warns; (TF's prefetching reads ahead, so the order
# of the reads themselves is not compared)
assert len(history.history["loss"]) == 3
assert any("ran out of data" in str(w.message) for w in caught)

assert model.predict(Batches(3), verbose=0).shape == (12, 1)
assert isinstance(model.evaluate(Batches(2), verbose=0), float)
for kwargs in ({"y": np.zeros(3)}, {"validation_split": 0.5}):
    try:
        model.fit(Batches(2), verbose=0, **kwargs)
        raise AssertionError("expected ValueError")
    except ValueError:
        pass
assert keras.utils.Sequence is keras.utils.PyDataset

# -- config and backend ------------------------------------------------------------------------
assert keras.config.floatx() == "float32" and keras.config.epsilon() == 1e-7
assert keras.config.image_data_format() == "channels_last"
assert keras.config.dtype_policy().name == "float32"
for bad in ("int32", "float65"):
    try:
        keras.config.set_floatx(bad)
        raise AssertionError("expected ValueError")
    except ValueError as e:
        assert "Unknown `floatx` value" in str(e)
try:
    keras.config.set_dtype_policy("foo")
    raise AssertionError("expected ValueError")
except ValueError:
    pass
assert keras.config.is_traceback_filtering_enabled()
keras.config.disable_interactive_logging()
assert not keras.config.is_interactive_logging_enabled()
keras.config.enable_interactive_logging()
assert keras.config.is_interactive_logging_enabled()

b = keras.backend
assert b.result_type("int32", "float16") == "float16"
assert b.result_type("int8", "uint8") == "int16"
assert b.result_type(int, "int8") == "int8" and b.result_type(float, "int32") == "float32"
assert b.result_type("uint32", "int32") == "int64" and b.result_type() == "float32"
assert b.standardize_dtype(np.float64) == "float64" and b.standardize_dtype(None) == "float32"
assert b.is_float_dtype("bfloat16") and b.is_int_dtype("uint8") and not b.is_int_dtype("bool")
b.clear_session()
assert (b.get_uid("block"), b.get_uid("block")) == (1, 2)
x_in = keras.Input((3,))
assert b.is_keras_tensor(x_in) and not b.is_keras_tensor(np.ones(3))

# -- keras.random ------------------------------------------------------------------------------
r = keras.random
a = r.normal((3,), seed=7)
assert np.array_equal(a, r.normal((3,), seed=7))  # an int seed: the same numbers every call
gen = r.SeedGenerator(42)
first, second = r.uniform((3,), seed=gen), r.uniform((3,), seed=gen)
assert not np.array_equal(first, second)
assert np.array_equal(gen.state, [42, 2])
again = r.SeedGenerator(42)
assert np.array_equal(first, r.uniform((3,), seed=again))  # the same sequence again
ints = r.randint((200,), 0, 4, seed=1)
assert ints.dtype == "int32" and set(np.asarray(ints).tolist()) == {0, 1, 2, 3}
assert r.categorical(np.log([[0.5, 0.5]]), 5, seed=1).shape == (1, 5)
dropped = np.asarray(r.dropout(np.ones((50, 4), "float32"), 0.5, seed=3))
assert set(dropped.ravel().tolist()) <= {0.0, 2.0}
assert sorted(np.asarray(r.shuffle(np.arange(6), seed=2)).tolist()) == list(range(6))
assert float(np.min(r.truncated_normal((500,), seed=1))) >= -2.0
g = np.asarray(r.gamma((2000,), 2.0, seed=1))
assert abs(g.mean() - 2.0) < 0.2
bet = np.asarray(r.beta((2000,), 2.0, 2.0, seed=1))
assert 0 <= bet.min() and bet.max() <= 1 and abs(bet.mean() - 0.5) < 0.05
counts = np.asarray(r.binomial((2000,), 10, 0.3, seed=1))
assert counts.min() >= 0 and counts.max() <= 10 and abs(counts.mean() - 3.0) < 0.2
try:
    r.normal((2,), seed="a")
    raise AssertionError("expected ValueError")
except ValueError:
    pass

# -- keras.tree --------------------------------------------------------------------------------
t = keras.tree
assert t.flatten({"b": 1, "a": [2, None]}) == [2, None, 1]
assert not t.is_nested(None) and t.is_nested(())
assert t.pack_sequence_as({"b": 0, "a": [0, 0]}, [1, 2, 3]) == {"b": 3, "a": [1, 2]}
assert t.map_structure(lambda u, v: u + v, (1, [2]), (10, [20])) == (11, [22])
assert t.map_structure(lambda u: u * 2, [1, None], none_is_leaf=False) == [2, None]
assert t.map_structure_up_to((0, 0), len, ([1, 2], [3])) == (2, 1)
assert t.lists_to_tuples([1, [2, 3]]) == (1, (2, 3))
assert t.map_shape_structure(len, {"a": (2, 3), "b": [(None, 4), (5,)]}) == {"a": 2, "b": [2, 1]}
assert t.traverse(lambda v: 9 if v == 2 else None, [1, (2, 3)], top_down=False) == [1, (9, 3)]
assert t.flatten_with_path({"a": [1, 2], "b": 3}) == [(("a", 0), 1), (("a", 1), 2), (("b",), 3)]
try:
    t.assert_same_structure([1, 2], (1, 2))
    raise AssertionError("expected ValueError")
except ValueError as e:
    assert "Expected an instance of list" in str(e)
t.assert_same_structure((1, None), (1, 2))  # None is a leaf

# -- utils -------------------------------------------------------------------------------------
left, right = keras.utils.split_dataset(np.arange(10), left_size=0.8)
assert [int(v) for v in right] == [8, 9]
left, right = keras.utils.split_dataset((np.arange(10), np.arange(10) * 2), left_size=3,
                                        right_size=0.5, shuffle=True, seed=1)
pairs = [(int(u), int(v)) for u, v in right]
assert len(pairs) == 5 and all(v == 2 * u for u, v in pairs)

image = keras.utils.array_to_img(np.arange(12, dtype="float32").reshape(2, 2, 3))
assert image.size == (2, 2) and image.mode == "RGB"
pixels = keras.utils.img_to_array(image)
assert pixels.shape == (2, 2, 3) and pixels.dtype == "float32" and pixels.max() == 255
path = os.path.join(tempfile.mkdtemp(), "tiny.png")
keras.utils.save_img(path, np.arange(48, dtype="float32").reshape(4, 4, 3), scale=False)
loaded = keras.utils.img_to_array(keras.utils.load_img(path, target_size=(2, 2)))
assert loaded.shape == (2, 2, 3)
gray = keras.utils.img_to_array(keras.utils.load_img(path, color_mode="grayscale"))
assert gray.shape == (4, 4, 1)

config = keras.utils.serialize_keras_object(keras.regularizers.L2(0.1))
assert config["module"] == "keras.regularizers" and config["class_name"] == "L2"
assert math.isclose(keras.utils.deserialize_keras_object(config).get_config()["l2"], 0.1)
assert keras.utils.serialize_keras_object(keras.activations.relu)["config"] == "relu"
assert keras.utils.deserialize_keras_object(
    {"class_name": "Dense", "config": {"units": 3}, "module": "keras.layers"}).units == 3
try:
    keras.utils.deserialize_keras_object({"class_name": "NoSuchThing", "config": {}})
    raise AssertionError("expected TypeError")
except TypeError as e:
    assert "Could not locate class 'NoSuchThing'" in str(e)

y_out = keras.layers.Dense(2)(keras.layers.Dense(4)(x_in))
assert keras.utils.get_source_inputs(y_out) == [x_in]

# -- BackupAndRestore --------------------------------------------------------------------------
backup_dir = tempfile.mkdtemp()
xs = np.random.RandomState(0).rand(16, 3).astype("float32")
ys = xs.sum(axis=1, keepdims=True)


def fresh_model():
    keras.utils.set_random_seed(1)
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    m.compile(keras.optimizers.Adam(0.1), "mse")
    return m


class Crash(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 2:
            raise RuntimeError("interrupted")


try:
    fresh_model().fit(xs, ys, epochs=5, batch_size=4, shuffle=False, verbose=0,
                      callbacks=[keras.callbacks.BackupAndRestore(backup_dir), Crash()])
except RuntimeError:
    pass
with open(os.path.join(backup_dir, "training_metadata.json")) as f:
    assert f.read() == '{"epoch": 3, "batch": 0}'
resumed = fresh_model()
history = resumed.fit(xs, ys, epochs=5, batch_size=4, shuffle=False, verbose=0,
                      callbacks=[keras.callbacks.BackupAndRestore(backup_dir)])
assert history.epoch == [3, 4] and not os.path.exists(backup_dir)
straight = fresh_model()
straight.fit(xs, ys, epochs=5, batch_size=4, shuffle=False, verbose=0)
np.testing.assert_allclose(resumed.get_weights()[0], straight.get_weights()[0], atol=1e-5)

print("ok")
