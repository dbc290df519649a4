"""keras.utils.PyDataset in fit/evaluate/predict, split_dataset, image arrays, object
serialization, get_source_inputs and the Keras 3 dataset loaders (on small synthetic files in
Keras's formats; no network), with Keras 3.15's behaviour and messages."""
import io
import json
import os
import pickle
import tarfile
import threading
import time
import warnings

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError, InvalidTypeError, NotFoundError


class Batches(keras.utils.PyDataset):
    def __init__(self, n=4, delay=0.0, **kwargs):
        super().__init__(**kwargs)
        self.n, self.delay = n, delay
        self.fetched, self.events = [], []
        self.threads = set()

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        if self.delay:
            time.sleep(self.delay * ((index * 7) % 3))  # finish out of order
        self.threads.add(threading.get_ident())
        self.fetched.append(index)
        x = np.full((2, 1), index, "float32")
        return x, 2 * x

    def on_epoch_begin(self):
        self.events.append("begin")

    def on_epoch_end(self):
        self.events.append("end")


def _model():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.01), "mse")
    return model


class Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.batches = []

    def on_train_batch_begin(self, batch, logs=None):
        self.batches.append(batch)


def test_pydataset_basics():
    data = Batches(3)
    assert (data.workers, data.use_multiprocessing, data.max_queue_size, data.num_batches) == \
        (1, False, 10, 3)
    assert [int(x[0, 0]) for x, _ in data] == [0, 1, 2]
    assert keras.utils.Sequence is keras.utils.PyDataset

    class NoSuper(keras.utils.PyDataset):
        def __init__(self):
            pass

        def __len__(self):
            return 1

        def __getitem__(self, i):
            return np.ones((1, 1), "float32"), np.ones((1, 1), "float32")
    with pytest.warns(UserWarning, match=r"should call `super\(\).__init__\(\*\*kwargs\)`"):
        assert NoSuper().workers == 1
    with pytest.raises(NotImplementedError, match="must implement __getitem__"):
        keras.utils.PyDataset()[0]


def test_fit_shuffles_batch_order_each_epoch_and_calls_epoch_hooks():
    tf.random.set_seed(3)
    data = Batches(8)
    _model().fit(data, epochs=3, verbose=0)
    epochs = [data.fetched[i * 8:(i + 1) * 8] for i in range(3)]
    assert all(sorted(e) == list(range(8)) for e in epochs)
    assert len({tuple(e) for e in epochs}) > 1 and epochs[0] != list(range(8))
    assert data.events == ["begin", "end"] * 3
    data = Batches(5)
    _model().fit(data, epochs=2, shuffle=False, verbose=0)
    assert data.fetched == list(range(5)) * 2


def test_threaded_workers_deliver_in_order():
    data = Batches(9, delay=0.01, workers=3, max_queue_size=4)
    model = _model()
    seen = []

    class Inputs(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)
    model.fit(data, epochs=1, shuffle=False, verbose=0, callbacks=[Inputs()])
    assert sorted(data.fetched) == list(range(9)) and seen == list(range(9))
    assert len(data.threads - {threading.get_ident()}) >= 2  # fetched on worker threads
    out = model.predict(Batches(5, delay=0.01, workers=2), verbose=0)
    single = model.predict(Batches(5), verbose=0)
    np.testing.assert_allclose(out, single)  # the same order as one thread
    # use_multiprocessing runs on threads as well
    data = Batches(4, use_multiprocessing=True, workers=2)
    model.fit(data, epochs=1, verbose=0)
    assert sorted(data.fetched) == [0, 1, 2, 3]


def test_steps_per_epoch_goes_on_through_a_pass():
    data = Batches(3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = _model().fit(data, epochs=3, steps_per_epoch=2, shuffle=False, verbose=0)
    assert data.fetched == [0, 1, 2, 0, 1] and len(history.history["loss"]) == 3
    assert sum("Your input ran out of data" in str(w.message) for w in caught) == 1
    assert data.events == ["begin", "end"] * 3


def test_endless_pydataset_with_steps():
    class Endless(Batches):
        @property
        def num_batches(self):
            return None
    data = Endless()
    with pytest.warns(UserWarning, match="infinite PyDataset"):
        _model().fit(data, epochs=2, steps_per_epoch=3, verbose=0)
    assert data.fetched == [0, 1, 2, 3, 4, 5]


def test_batch_forms_class_weight_and_validation():
    class Forms(keras.utils.PyDataset):
        def __init__(self, form):
            super().__init__()
            self.form = form

        def __len__(self):
            return 2

        def __getitem__(self, i):
            x = np.ones((3, 1), "float32")
            y = np.array([[0], [1], [1]], "float32")
            return {"tuple3": (x, y, np.ones(3, "float32")), "list": [x, y], "array": x,
                    "dict": {"x": x}, "bad": 5}[self.form]

    model = _model()
    model.fit(Forms("tuple3"), verbose=0)
    model.fit(Forms("list"), class_weight={0: 1.0, 1: 3.0}, verbose=0)
    assert model.predict(Forms("array"), verbose=0).shape == (6, 1)
    with pytest.raises(InvalidArgumentError, match=r"PyDataset.__getitem__\(\) must return a "
                                                   "tuple or a dict.*Received: 5"):
        model.fit(Forms("bad"), verbose=0)
    with pytest.raises(InvalidArgumentError, match="cannot specify `class_weight` and "
                                                   "`sample_weight` at the same time"):
        model.fit(Forms("tuple3"), class_weight={0: 1.0}, verbose=0)
    val = Batches(2)
    history = model.fit(Batches(2), validation_data=val, epochs=2, verbose=0)
    assert len(history.history["val_loss"]) == 2 and val.fetched == [0, 1, 0, 1]
    assert isinstance(model.evaluate(Batches(2), verbose=0), float)


@pytest.mark.parametrize("kwargs, message", [
    ({"y": np.zeros(2)}, "When providing `x` as a PyDataset, `y` should not be passed"),
    ({"sample_weight": np.ones(2)}, "`sample_weights` should not be passed"),
    ({"validation_split": 0.5}, "`validation_split` is only supported for tensors or NumPy"),
])
def test_pydataset_argument_errors(kwargs, message):
    with pytest.raises(InvalidArgumentError, match=message):
        _model().fit(Batches(2), verbose=0, **kwargs)


# -- split_dataset -------------------------------------------------------------------------------

def test_split_dataset_matches_keras():
    left, right = keras.utils.split_dataset(np.arange(10), left_size=0.8)
    assert [int(v) for v in left] == list(range(8)) and [int(v) for v in right] == [8, 9]
    # Keras 3.15 with the same seed: random.Random(1)'s shuffle; the right part from the end
    left, right = keras.utils.split_dataset((np.arange(10), np.arange(10) * 2), left_size=3,
                                            right_size=0.5, shuffle=True, seed=1)
    assert [(int(a), int(b)) for a, b in left] == [(6, 12), (8, 16), (9, 18)]
    assert [(int(a), int(b)) for a, b in right] == [(3, 6), (0, 0), (4, 8), (1, 2), (2, 4)]
    ds = tf.data.Dataset.from_tensor_slices({"a": np.arange(6), "b": np.arange(6.0)}).batch(2)
    left, right = keras.utils.split_dataset(ds, right_size=2)
    assert [e["a"].numpy().tolist() for e in left] == [[0, 1], [2, 3]]
    assert [e["a"].numpy().tolist() for e in right] == [[4, 5]]


@pytest.mark.parametrize("kwargs, error, message", [
    ({}, InvalidArgumentError, "At least one of the `left_size` or `right_size` must be specified"),
    ({"left_size": 0}, InvalidArgumentError, "`left_size` should be either a positive integer "
                                             "smaller than 10"),
    ({"left_size": 1.5}, InvalidArgumentError, "Received: left_size=1.5"),
    ({"left_size": 0.6, "right_size": 0.6}, InvalidArgumentError, "is greater than 1"),
    ({"left_size": "a"}, InvalidTypeError, "Invalid `left_size` Type"),
    ({"left_size": 6, "right_size": 6}, InvalidArgumentError, "should be smaller than the 10"),
])
def test_split_dataset_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        keras.utils.split_dataset(np.arange(10), **kwargs)
    with pytest.raises(TypeError, match="must be either a `tf.data.Dataset`"):
        keras.utils.split_dataset("abc", left_size=1)


# -- images --------------------------------------------------------------------------------------

def test_image_round_trips(tmp_path):
    pytest.importorskip("PIL.Image", reason="needs Pillow (`images` extra)")
    x = np.arange(48, dtype="float32").reshape(4, 4, 3)
    img = keras.utils.array_to_img(x)
    assert (img.mode, img.size) == ("RGB", (4, 4))
    back = keras.utils.img_to_array(img)
    assert back.dtype == np.float32 and back.shape == (4, 4, 3) and back.max() == 255
    assert keras.utils.img_to_array(img, data_format="channels_first").shape == (3, 4, 4)
    assert keras.utils.img_to_array(img, dtype="uint8").dtype == np.uint8
    assert keras.utils.array_to_img(x[..., :1]).mode == "L"
    assert keras.utils.array_to_img(np.concatenate([x, x[..., :1]], -1)).mode == "RGBA"
    assert keras.utils.array_to_img(x[..., :1] * 100, scale=False).mode == "I"
    assert keras.utils.array_to_img(x.transpose(2, 0, 1), data_format="channels_first").size == \
        (4, 4)
    path = tmp_path / "a.png"
    keras.utils.save_img(path, x, scale=False)
    np.testing.assert_array_equal(keras.utils.img_to_array(keras.utils.load_img(path)), x)
    gray = keras.utils.load_img(str(path), color_mode="grayscale")
    assert gray.mode == "L" and keras.utils.img_to_array(gray).shape == (4, 4, 1)
    assert keras.utils.load_img(path, color_mode="rgba").mode == "RGBA"
    assert keras.utils.load_img(path, target_size=(2, 3)).size == (3, 2)
    wide = keras.utils.load_img(path, target_size=(2, 4), keep_aspect_ratio=True,
                                interpolation="bilinear")
    assert wide.size == (4, 2)
    buffer = io.BytesIO()
    keras.utils.save_img(buffer, x, file_format="png")
    buffer.seek(0)
    assert keras.utils.load_img(buffer).size == (4, 4)
    with pytest.warns(UserWarning, match="JPEG format does not support RGBA"):
        keras.utils.save_img(tmp_path / "b.jpg", np.ones((2, 2, 4)))


@pytest.mark.parametrize("call, message", [
    (lambda: keras.utils.array_to_img(np.ones((2, 2))), "Expected image array to have rank 3"),
    (lambda: keras.utils.array_to_img(np.ones((2, 2, 2))), "Unsupported channel number: 2"),
    (lambda: keras.utils.img_to_array(np.ones(3)), "Unsupported image shape"),
    (lambda: keras.utils.img_to_array(np.ones((2, 2)), data_format="nchw"),
     "must be one of {'channels_first', 'channels_last'}"),
])
def test_image_errors(call, message):
    pytest.importorskip("PIL.Image", reason="needs Pillow (`images` extra)")
    with pytest.raises(InvalidArgumentError, match=message):
        call()


def test_load_img_errors(tmp_path):
    pytest.importorskip("PIL.Image", reason="needs Pillow (`images` extra)")
    path = tmp_path / "a.png"
    keras.utils.save_img(path, np.ones((4, 4, 3)))
    with pytest.raises(InvalidArgumentError, match='color_mode must be "grayscale"'):
        keras.utils.load_img(path, color_mode="cmyk")
    with pytest.raises(InvalidArgumentError, match="Invalid interpolation method cubic"):
        keras.utils.load_img(path, target_size=(2, 2), interpolation="cubic")
    with pytest.raises(InvalidTypeError, match="path should be path-like or io.BytesIO"):
        keras.utils.load_img(3)


# -- serialization -------------------------------------------------------------------------------

def test_serialize_keras_objects_round_trip():
    s, d = keras.utils.serialize_keras_object, keras.utils.deserialize_keras_object
    config = s(keras.layers.Dense(2, name="d"))
    assert (config["module"], config["class_name"], config["registered_name"]) == \
        ("keras.layers", "Dense", None)
    layer = d(config)
    assert isinstance(layer, keras.layers.Dense) and layer.units == 2 and layer.name == "d"
    assert json.loads(json.dumps(config)) == config
    for obj, module in [(keras.losses.MeanSquaredError(), "keras.losses"),
                        (keras.metrics.AUC(), "keras.metrics"),
                        (keras.optimizers.Adam(0.5), "keras.optimizers"),
                        (keras.initializers.Zeros(), "keras.initializers"),
                        (keras.regularizers.L2(0.1), "keras.regularizers"),
                        (keras.constraints.NonNeg(), "keras.constraints"),
                        (keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9),
                         "keras.optimizers.schedules")]:
        config = s(obj)
        assert config["module"] == module and config["class_name"] == type(obj).__name__
        assert type(d(config)) is type(obj)
        assert type(d({"class_name": config["class_name"], "config": config["config"]})) is \
            type(obj)  # no module: found by name
    assert d(s(keras.optimizers.Adam(0.5))).get_config()["learning_rate"] == pytest.approx(0.5)
    assert s(keras.activations.relu) == {"module": "builtins", "class_name": "function",
                                         "config": "relu", "registered_name": "function"}
    assert d(s(keras.activations.relu)) is keras.activations.relu
    assert d(s(keras.losses.mean_squared_error)) is keras.losses.mean_squared_error
    assert s(np.array([1, 2])) == {"class_name": "__numpy__",
                                   "config": {"value": [1, 2], "dtype": "int64"}}
    np.testing.assert_array_equal(d(s(np.array([1.0, 2.0]))), [1.0, 2.0])
    assert s(np.float32(2)) == 2.0 and s([1, "a", None]) == [1, "a", None]
    assert d(None) is None and d("relu") == "relu" and d([1, {"a": 2}]) == [1, {"a": 2}]
    model = d(s(keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])))
    assert isinstance(model, keras.Sequential) and model.output_shape == (None, 1)


def test_custom_objects_and_no_code_execution():
    s, d = keras.utils.serialize_keras_object, keras.utils.deserialize_keras_object

    @keras.utils.register_keras_serializable("kerasB_test")
    class Thing:
        def __init__(self, a):
            self.a = a

        def get_config(self):
            return {"a": self.a}

        @classmethod
        def from_config(cls, config):
            return cls(**config)
    config = s(Thing(3))
    assert config["registered_name"] == "kerasB_test>Thing" and d(config).a == 3

    class Local(keras.layers.Layer):
        pass
    config = s(Local(name="loc"))
    with pytest.raises(InvalidTypeError, match="Could not locate class 'Local'"):
        d(config)
    assert isinstance(d(config, custom_objects={"Local": Local}), Local)
    for hostile in ({"class_name": "os.system", "config": {"command": "echo hi"}},
                    {"class_name": "function", "config": "eval", "module": "builtins"},
                    {"class_name": "__import__", "config": {"name": "os"}}):
        with pytest.raises(InvalidTypeError, match="Could not locate"):
            d(hostile)
    with pytest.raises(InvalidTypeError, match="Cannot serialize function"):
        s(lambda x: x)


def test_get_source_inputs():
    a, b = keras.Input((2,)), keras.Input((2,))
    out = keras.layers.Dense(1)(keras.layers.Add()([a, keras.layers.Dense(2)(b)]))
    assert keras.utils.get_source_inputs(out) == [a, b]
    assert keras.utils.get_source_inputs(a) == [a]
    value = tf.ones(2)
    assert keras.utils.get_source_inputs(value) is value


# -- datasets ------------------------------------------------------------------------------------

def _npz(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _objects(lists):
    out = np.empty(len(lists), object)
    out[:] = lists
    return out


def _tar(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as t:
        for name, obj in members.items():
            data = pickle.dumps(obj, protocol=4)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _cifar_batch(rng, n, keys):
    batch = {b"data": rng.integers(0, 256, (n, 3072)).astype(np.uint8)}
    for key in keys:
        batch[key.encode()] = [int(v) for v in rng.integers(0, 10, n)]
    return batch


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    def put(name, filename, data):
        os.makedirs(tmp_path / name, exist_ok=True)
        (tmp_path / name / filename).write_bytes(data)
    rng = np.random.default_rng(0)
    seqs = [[int(v) for v in rng.integers(0, 30, int(rng.integers(1, 12)))] for _ in range(20)]
    put("imdb", "imdb.npz", _npz(x_train=_objects(seqs[:12]), y_train=rng.integers(0, 2, 12),
                                 x_test=_objects(seqs[12:]), y_test=rng.integers(0, 2, 8)))
    put("imdb", "imdb_word_index.json", json.dumps({"the": 1, "and": 2}).encode())
    put("reuters", "reuters.npz", _npz(x=_objects(seqs), y=rng.integers(0, 46, 20)))
    put("boston_housing", "boston_housing.npz", _npz(x=rng.random((30, 13)), y=rng.random(30)))
    put("california_housing", "california_housing.npz",
        _npz(x=rng.random((700, 8)), y=rng.random(700)))
    put("cifar10", "cifar-10-python.tar.gz", _tar({
        **{f"cifar-10-batches-py/data_batch_{i}": _cifar_batch(rng, 3, ["labels"])
           for i in range(1, 6)},
        "cifar-10-batches-py/test_batch": _cifar_batch(rng, 2, ["labels"])}))
    put("cifar100", "cifar-100-python.tar.gz", _tar({
        "cifar-100-python/train": _cifar_batch(rng, 4, ["fine_labels", "coarse_labels"]),
        "cifar-100-python/test": _cifar_batch(rng, 2, ["fine_labels", "coarse_labels"])}))
    monkeypatch.setenv("GRAPHFLOW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GRAPHFLOW_CACHE_DIR", str(tmp_path / "cache"))

    def no_network(*args, **kwargs):
        raise OSError("no network in tests")
    monkeypatch.setattr("urllib.request.urlopen", no_network)
    return tmp_path, seqs


def test_imdb_and_reuters(data_dir):
    _, seqs = data_dir
    ds = keras.datasets
    (x, y), (xt, yt) = ds.imdb.load_data()
    assert x.dtype == object and x.shape == (12,) and xt.shape == (8,) and y.shape == (12,)
    assert all(s[0] == 1 for s in x)  # start_char, then indices + index_from (3)
    order = np.arange(12)
    np.random.RandomState(113).shuffle(order)
    assert x[0] == [1] + [w + 3 for w in seqs[order[0]]]
    (x, _), _ = ds.imdb.load_data(num_words=10, skip_top=4, oov_char=2)
    assert all(w == 2 or 4 <= w < 10 for s in x for w in s)
    (x, _), _ = ds.imdb.load_data(start_char=None, oov_char=None, index_from=0, num_words=15)
    assert all(w < 15 for s in x for w in s)
    (x, _), (xt, _) = ds.imdb.load_data(maxlen=8)
    assert all(len(s) < 8 for s in list(x) + list(xt))
    with pytest.raises(InvalidArgumentError, match="no sequence was kept. Increase maxlen"):
        ds.imdb.load_data(maxlen=1)
    assert ds.imdb.get_word_index() == {"the": 1, "and": 2}
    (x, y), (xt, yt) = ds.reuters.load_data(test_split=0.3)
    assert (len(x), len(xt)) == (14, 6) and y.dtype.kind == "i"
    assert len(ds.reuters.get_label_names()) == 46


def test_housing_and_cifar(data_dir):
    ds = keras.datasets
    (x, y), (xt, yt) = ds.boston_housing.load_data()
    assert (x.shape, y.shape, xt.shape, yt.shape) == ((24, 13), (24,), (6, 13), (6,))
    with pytest.raises(InvalidArgumentError, match="Invalid `test_split` argument: 1"):
        ds.boston_housing.load_data(test_split=1)
    (x, _), (xt, _) = ds.california_housing.load_data(version="small", test_split=0.1)
    assert (x.shape, xt.shape) == ((540, 8), (60, 8))
    (x, _), _ = ds.california_housing.load_data()
    assert x.shape == (560, 8)
    with pytest.raises(InvalidArgumentError, match="`version` must be one of 'small', 'large'"):
        ds.california_housing.load_data(version="medium")
    (x, y), (xt, yt) = ds.cifar10.load_data()
    assert (x.shape, x.dtype, y.shape, y.dtype) == ((15, 32, 32, 3), np.uint8, (15, 1), np.uint8)
    assert (xt.shape, yt.shape) == ((2, 32, 32, 3), (2, 1))
    (x, y), (xt, yt) = ds.cifar100.load_data(label_mode="coarse")
    assert (x.shape, y.shape, y.dtype, xt.shape) == ((4, 32, 32, 3), (4, 1), np.int64,
                                                       (2, 32, 32, 3))
    with pytest.raises(InvalidArgumentError, match='`label_mode` must be one of `"fine"`'):
        ds.cifar100.load_data(label_mode="x")


def test_dataset_files_missing_offline(data_dir, tmp_path_factory, monkeypatch):
    monkeypatch.setenv("GRAPHFLOW_DATA_DIR", str(tmp_path_factory.mktemp("empty")))
    with pytest.raises(NotFoundError) as info:
        keras.datasets.cifar10.load_data()
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("cifar10: cannot find the dataset's files (cifar-10-python.tar.gz)")
    assert "set GRAPHFLOW_DATA_DIR=<folder>" in message and "no network in tests" in message
    with pytest.raises(NotFoundError, match=r"imdb: cannot find the dataset's files \(imdb.npz\)"):
        keras.datasets.imdb.load_data()


def test_dataset_pickles_cannot_run_code(data_dir):
    root, _ = data_dir

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))
    (root / "reuters" / "reuters.npz").write_bytes(
        _npz(x=np.array([Evil()], dtype=object), y=np.zeros(1)))
    with pytest.raises(InvalidArgumentError, match="Refusing to deserialize `(posix|os).system`"):
        keras.datasets.reuters.load_data()
    (root / "boston_housing" / "boston_housing.npz").write_bytes(b"not a zip")
    with pytest.raises(InvalidArgumentError, match="not an .npz archive"):
        keras.datasets.boston_housing.load_data()


def test_config_object():
    config = keras.utils.Config(lr=0.1, layers=2)
    config.layers = 3
    config["units"] = 5
    assert (len(config), list(config), "lr" in config, config.get("x", 9)) == \
        (3, ["layers", "lr", "units"], True, 9)
    assert config.as_dict() == {"lr": 0.1, "layers": 3, "units": 5}
    assert json.loads(config.to_json()) == config.as_dict()
    assert repr(config) == "<Config {'lr': 0.1, 'layers': 3, 'units': 5}>"
    with pytest.raises(AttributeError, match="Unknown attribute: 'lrr'. Did you mean 'lr'?"):
        config.lrr
    config.freeze()
    assert config.frozen
    for mutate in (lambda: setattr(config, "lr", 1), lambda: config.pop("lr"),
                   lambda: config.update(a=1), lambda: config.__delitem__("lr"),
                   lambda: config.__setitem__("lr", 1)):
        with pytest.raises(InvalidArgumentError, match="the config is frozen"):
            mutate()
    config.unfreeze()
    assert config.pop("units") == 5 and config.as_dict() == {"lr": 0.1, "layers": 3}


def test_top_level_names():
    assert keras.Layer is keras.layers.Layer and keras.Loss is keras.losses.Loss
    assert keras.Metric is keras.metrics.Metric and keras.Optimizer is keras.optimizers.Optimizer
    assert keras.Initializer is keras.initializers.Initializer
    assert keras.Regularizer is keras.regularizers.Regularizer
    assert keras.version() == keras.__version__ == "3.15.1"
    v = keras.Variable("zeros", shape=(2,), name="w")
    assert isinstance(v, tf.Variable) and v.path == "w" and v.trainable
    assert v.numpy().tolist() == [0.0, 0.0] and v.dtype == tf.float32
    v = keras.Variable(keras.initializers.Ones(), shape=(2, 2), dtype="float64", trainable=False)
    assert v.dtype == tf.float64 and not v.trainable and v.numpy().sum() == 4
    assert keras.Variable(3).dtype == tf.int32 and keras.Variable(3.0).dtype == tf.float32
    assert keras.Variable(np.ones(3)).dtype == tf.float64  # NumPy keeps its dtype, as Keras
    with pytest.raises(InvalidArgumentError, match="the `shape` argument should be specified"):
        keras.Variable("zeros")
    with pytest.raises(InvalidArgumentError, match="Initial value has shape"):
        keras.Variable(np.ones(3), shape=(2,))
    with keras.name_scope("block"):
        assert keras.Variable(1.0, name="q").path == "block/q"
    with pytest.raises(InvalidArgumentError, match="cannot contain character `/`"):
        keras.name_scope("a/b")
    x = keras.Input((2,))
    f = keras.Function(x, keras.layers.Dense(3)(x), name="f")
    assert f.name == "f" and f.inputs == [x] and len(f.outputs) == 1
    assert f(np.ones((4, 2), "float32")).shape == (4, 3)
    with keras.device("cpu:0"):
        assert tf.ones(1).device.endswith("CPU:0")
