"""keras.utils image/text/timeseries dataset builders: Keras 3's arguments, labels, splits,
messages and errors (checked against tf.keras 2.21), and training on what they return."""
import os

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError, NotFoundError

utils = keras.utils


@pytest.fixture
def image_dir(tmp_path):
    Image = pytest.importorskip("PIL.Image", reason="image decoding needs Pillow (`images` extra)")
    rng = np.random.default_rng(0)
    for c, n in [("cats", 3), ("dogs", 4), ("zebra", 2)]:
        os.makedirs(tmp_path / c)
        for i in range(n):
            Image.fromarray(rng.integers(0, 256, (10 + i, 12, 3)).astype(np.uint8)).save(
                tmp_path / c / f"{i}.png")
    (tmp_path / "cats" / "notes.txt").write_text("not an image")
    os.makedirs(tmp_path / "cats" / "sub")
    Image.fromarray(np.full((8, 8, 3), 7, np.uint8)).save(tmp_path / "cats" / "sub" / "deep.jpg")
    return tmp_path


def test_image_dataset_labels_specs_and_messages(image_dir, capsys):
    ds = utils.image_dataset_from_directory(image_dir, image_size=(6, 5), batch_size=4,
                                            shuffle=False)
    assert capsys.readouterr().out == "Found 10 files belonging to 3 classes.\n"
    assert ds.element_spec == (tf.TensorSpec([None, 6, 5, 3], tf.float32),
                               tf.TensorSpec([None], tf.int32))
    assert ds.class_names == ["cats", "dogs", "zebra"] and len(ds.file_paths) == 10
    assert ds.file_paths[3].endswith(os.path.join("cats", "sub", "deep.jpg"))
    assert [b[1].numpy().tolist() for b in ds] == [[0, 0, 0, 0], [1, 1, 1, 1], [2, 2]]
    first = next(iter(ds))[0].numpy()
    assert 0 <= first.min() and first.max() <= 255  # resized values, not rescaled
    gray = utils.image_dataset_from_directory(image_dir, image_size=(6, 5), batch_size=None,
                                              shuffle=False, label_mode="categorical",
                                              color_mode="grayscale", verbose=False)
    assert gray.element_spec == (tf.TensorSpec([6, 5, 1], tf.float32),
                                 tf.TensorSpec([3], tf.float32))
    images_only = utils.image_dataset_from_directory(image_dir, labels=None, image_size=(4, 4),
                                                     verbose=False)
    assert images_only.element_spec == tf.TensorSpec([None, 4, 4, 3], tf.float32)
    listed = utils.image_dataset_from_directory(image_dir, labels=list(range(10)), shuffle=False,
                                                image_size=(4, 4), verbose=False)
    assert [b[1].numpy().tolist() for b in listed] == [list(range(10))]
    chosen = utils.image_dataset_from_directory(image_dir, class_names=["zebra", "cats"],
                                                shuffle=False, image_size=(4, 4), verbose=False)
    assert sum(len(b[1]) for b in chosen) == 6
    cropped = utils.image_dataset_from_directory(image_dir, crop_to_aspect_ratio=True,
                                                 image_size=(4, 8), shuffle=False, verbose=False)
    assert next(iter(cropped))[0].shape == (10, 4, 8, 3)
    padded = utils.image_dataset_from_directory(image_dir, pad_to_aspect_ratio=True,
                                                image_size=(4, 8), shuffle=False, verbose=False)
    assert next(iter(padded))[0].shape == (10, 4, 8, 3)


def test_image_dataset_splits_and_errors(image_dir, capsys):
    train, val = utils.image_dataset_from_directory(image_dir, validation_split=0.3,
                                                    subset="both", seed=1, image_size=(4, 4))
    assert capsys.readouterr().out.splitlines()[1:] == ["Using 7 files for training.",
                                                        "Using 3 files for validation."]
    assert sorted(train.file_paths + val.file_paths) == sorted(
        utils.image_dataset_from_directory(image_dir, verbose=False).file_paths)
    assert sum(b[0].shape[0] for b in train) == 7 and sum(b[0].shape[0] for b in val) == 3
    again = utils.image_dataset_from_directory(image_dir, validation_split=0.3, subset="training",
                                               seed=1, image_size=(4, 4), verbose=False)
    assert again.file_paths == train.file_paths  # the same seed gives the same split
    for kwargs, message in [
            ({"validation_split": 0.3, "subset": "training"}, "must provide a `seed`"),
            ({"validation_split": 0.3, "seed": 1}, "`subset` is set, `validation_split`"),
            ({"label_mode": "binary"}, "exactly 2 class_names"),
            ({"label_mode": "foo"}, "`label_mode` argument must be one of"),
            ({"color_mode": "foo"}, "`color_mode` must be one of"),
            ({"labels": [1, 2]}, "lengths of `labels` to match"),
            ({"class_names": ["cats", "lions"]}, "did not match")]:
        with pytest.raises(InvalidArgumentError, match=message):
            utils.image_dataset_from_directory(image_dir, verbose=False, **kwargs)
    with pytest.raises(NotFoundError, match="No such file or directory"):
        utils.image_dataset_from_directory(str(image_dir / "nope"))


def test_training_on_an_image_directory(image_dir):
    ds = utils.image_dataset_from_directory(image_dir, image_size=(8, 8), batch_size=4, seed=0,
                                            verbose=False)
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Rescaling(1 / 255.0),
                              keras.layers.Flatten(), keras.layers.Dense(3)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()


def test_text_dataset(tmp_path, capsys):
    for c in ("neg", "pos", "zzz"):
        os.makedirs(tmp_path / c)
        for i in range(3):
            (tmp_path / c / f"{i}.txt").write_text(f"{c} text number {i} " * (i + 1))
    (tmp_path / "pos" / "skip.md").write_text("not a .txt file")
    ds = utils.text_dataset_from_directory(tmp_path, batch_size=3, shuffle=False)
    assert capsys.readouterr().out == "Found 9 files belonging to 3 classes.\n"
    assert ds.element_spec == (tf.TensorSpec([None], tf.string), tf.TensorSpec([None], tf.int32))
    texts, labels = next(iter(ds))
    assert texts.numpy().tolist()[0] == b"neg text number 0 " and labels.numpy().tolist() == [0] * 3
    short = utils.text_dataset_from_directory(tmp_path, batch_size=2, shuffle=False,
                                              max_length=7, verbose=False)
    assert next(iter(short))[0].numpy().tolist() == [b"neg tex", b"neg tex"]
    binary = utils.text_dataset_from_directory(tmp_path, class_names=["neg", "pos"],
                                               label_mode="binary", verbose=False, seed=3)
    assert binary.element_spec[1] == tf.TensorSpec([None, 1], tf.float32)
    assert sorted(binary.unbatch().map(lambda t, y: y[0]).as_numpy_iterator()) == [0.0] * 3 + \
        [1.0] * 3


def test_timeseries_dataset():
    data = np.arange(20).reshape(10, 2).astype("float32")
    ds = utils.timeseries_dataset_from_array(data, np.arange(10) * 10, sequence_length=3,
                                             sequence_stride=2, sampling_rate=2, batch_size=2)
    assert [(x.numpy().tolist(), y.numpy().tolist()) for x, y in ds] == [
        ([[[0, 1], [4, 5], [8, 9]], [[4, 5], [8, 9], [12, 13]]], [0, 20]),
        ([[[8, 9], [12, 13], [16, 17]]], [40])]
    windows = [x.numpy()[:, :, 0].tolist() for x in
               utils.timeseries_dataset_from_array(data, None, 2, start_index=2, end_index=7,
                                                   batch_size=10)]
    assert windows == [[[4, 6], [6, 8], [8, 10], [10, 12]]]
    shuffled = [x.numpy()[0, 0, 0] for x in utils.timeseries_dataset_from_array(
        data, None, 2, shuffle=True, seed=1, batch_size=1)]
    assert sorted(shuffled) == list(range(0, 18, 2)) and shuffled != sorted(shuffled)
    assert list(utils.timeseries_dataset_from_array(data, None, 20)) == []
    assert utils.timeseries_dataset_from_array(np.arange(10), None, 3).element_spec.dtype is \
        tf.int64
    with pytest.raises(InvalidArgumentError, match="`sampling_rate` must be higher than 0"):
        utils.timeseries_dataset_from_array(data, None, 2, sampling_rate=0)
