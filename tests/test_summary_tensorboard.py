"""tf.summary and keras.callbacks.TensorBoard write event files that TensorBoard's own reader
(event_accumulator) reads back: scalars per epoch and per batch, histograms, images, text,
the model config and the train-step graph."""
import glob
import os
import threading

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError, UnimplementedError

pytest.importorskip("tensorboard", reason="the optional extra graphflow[tensorboard] is absent")
from tensorboard.backend.event_processing import event_accumulator  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402


def _read(logdir):
    acc = event_accumulator.EventAccumulator(str(logdir), size_guidance={"tensors": 0})
    acc.Reload()
    return acc


def _tensors(acc, tag):
    return [(e.step, tensor_util.make_ndarray(e.tensor_proto)) for e in acc.Tensors(tag)]


def test_summary_ops_round_trip(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    assert os.path.basename(glob.glob(str(tmp_path / "events.out.tfevents.*"))[0]).endswith(".v2")
    with writer.as_default(step=7):
        assert tf.summary.scalar("loss", tf.constant(0.25))
        assert tf.summary.scalar("loss", 0.125, step=8)
        assert tf.summary.histogram("w", np.arange(100.0), buckets=5)
        assert tf.summary.image("img", np.ones((2, 4, 3, 1), np.float32) * 0.5, max_outputs=1)
        assert tf.summary.text("note", "hello")
    tf.summary.flush(writer)
    acc = _read(tmp_path)
    assert [(s, float(v)) for s, v in _tensors(acc, "loss")] == [(7, 0.25), (8, 0.125)]
    assert acc.SummaryMetadata("loss").plugin_data.plugin_name == "scalars"
    (step, hist), = _tensors(acc, "w")
    assert step == 7 and hist.shape == (5, 3) and hist[:, 2].sum() == 100
    assert acc.SummaryMetadata("w").plugin_data.plugin_name == "histograms"
    (_, img), = _tensors(acc, "img")
    assert list(img[:2]) == [b"3", b"4"] and len(img) == 3  # width, height, one PNG
    decoded = tf.io.decode_png(img[2]).numpy()
    assert decoded.shape == (4, 3, 1) and (decoded == 128).all()
    (_, txt), = _tensors(acc, "note")
    assert txt == b"hello" and acc.SummaryMetadata("note").plugin_data.plugin_name == "text"


def test_no_writer_step_and_record_if(tmp_path):
    assert tf.summary.scalar("x", 1.0, step=0) is False
    assert not tf.summary.should_record_summaries()
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default():
        with pytest.raises(InvalidArgumentError, match="No step set"):
            tf.summary.scalar("x", 1.0)
        tf.summary.experimental.set_step(3)
        assert tf.summary.experimental.get_step() == 3
        assert tf.summary.should_record_summaries()
        with tf.summary.record_if(False):
            assert not tf.summary.should_record_summaries()
            assert tf.summary.scalar("x", 1.0) is False
        with tf.summary.record_if(lambda: tf.summary.experimental.get_step() % 2 == 1):
            assert tf.summary.scalar("x", 2.0)
        tf.summary.experimental.set_step(None)
        with pytest.raises(InvalidArgumentError, match="expected a scalar"):
            tf.summary.scalar("x", [1.0, 2.0], step=0)
        with pytest.raises(InvalidArgumentError, match="channels"):
            tf.summary.image("i", np.zeros((2, 2)), step=0)
    assert [float(v) for _, v in _tensors(_read(tmp_path), "x")] == [2.0]


def test_writer_state_is_per_thread(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    seen = []
    with writer.as_default(step=0):
        t = threading.Thread(target=lambda: seen.append(tf.summary.scalar("y", 1.0, step=0)))
        t.start()
        t.join()
        assert tf.summary.scalar("y", 1.0)
    assert seen == [False]


def test_summaries_inside_a_function_write_each_run(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    step = tf.Variable(0, dtype=tf.int64)

    @tf.function
    def train(x):
        step.assign_add(1)
        tf.summary.scalar("value", tf.reduce_sum(x), step=step)
        tf.summary.histogram("x", x, step=step, buckets=4)
        return x * 2.0

    with writer.as_default():
        for i in range(3):
            train(tf.constant([1.0, float(i)]))
        with pytest.raises(InvalidArgumentError, match="expected a scalar"):
            tf.function(lambda x: tf.summary.scalar("bad", x, step=0))(tf.constant([1.0, 2.0]))
    writer.flush()
    acc = _read(tmp_path)
    assert [(s, float(v)) for s, v in _tensors(acc, "value")] == [(1, 1.0), (2, 2.0), (3, 3.0)]
    assert [s for s, _ in _tensors(acc, "x")] == [1, 2, 3]
    # traced without a default writer, a function writes nothing even when one is set later
    quiet = tf.function(lambda x: tf.summary.scalar("quiet", x, step=0) or x)
    quiet(tf.constant(1.0))
    with writer.as_default():
        quiet(tf.constant(1.0))
    writer.flush()
    assert "quiet" not in _read(tmp_path).Tags()["tensors"]


def _model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)),
                              keras.layers.Dense(4, activation="relu", name="hidden"),
                              keras.layers.Dense(1, name="head")])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    return model


def test_fit_tensorboard_epoch_batch_histograms_graph(tmp_path):
    x = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    model = _model()
    tb = keras.callbacks.TensorBoard(str(tmp_path), histogram_freq=1, update_freq=2,
                                     write_images=True)
    model.fit(x, y, batch_size=10, epochs=2, validation_data=(x, y), verbose=0, callbacks=[tb])
    train = _read(tmp_path / "train")
    loss = _tensors(train, "epoch_loss")
    assert [s for s, _ in loss] == [0, 1] and float(loss[1][1]) < float(loss[0][1])
    assert {"epoch_mae", "epoch_learning_rate"} <= set(train.Tags()["tensors"])
    np.testing.assert_allclose([float(v) for _, v in _tensors(train, "epoch_learning_rate")],
                               [0.05, 0.05])
    # update_freq=2: batch summaries at global batches 2, 4, 6, 8 (of 8)
    assert [s for s, _ in _tensors(train, "batch_loss")] == [2, 4, 6, 8]
    hist = _tensors(train, "hidden/kernel/histogram")
    assert [s for s, _ in hist] == [0, 1] and hist[0][1][:, 2].sum() == 12
    assert {"hidden/bias/image", "hidden/kernel/image"} <= set(train.Tags()["tensors"])
    assert "keras" in train.Tags()["tensors"]  # the model's JSON config (conceptual graph)
    graph = train.Graph()
    ops = {n.op for n in graph.node}
    assert len(graph.node) > 10 and "matmul" in ops and "assign_sub" in ops, ops
    val = _read(tmp_path / "validation")
    assert [s for s, _ in _tensors(val, "epoch_loss")] == [0, 1]
    assert "epoch_learning_rate" not in val.Tags()["tensors"]
    # fit's validation runs the test hooks (Keras 3): evaluation_<metric>_vs_iterations
    assert [s for s, _ in _tensors(val, "evaluation_loss_vs_iterations")] == [4, 8]


def test_tensorboard_epoch_only_and_arguments(tmp_path):
    model = _model()
    tb = keras.callbacks.TensorBoard(str(tmp_path), write_graph=False)
    model.fit(np.ones((8, 3)), np.ones(8), batch_size=4, epochs=1, verbose=0, callbacks=[tb])
    train = _read(tmp_path / "train")
    tags = set(train.Tags()["tensors"])
    assert "epoch_loss" in tags and not any(t.startswith("batch_") for t in tags)
    assert "keras" not in tags
    with pytest.raises(InvalidArgumentError, match="update_freq"):
        keras.callbacks.TensorBoard(str(tmp_path), update_freq="sometimes")
    with pytest.raises(UnimplementedError, match="profile_batch"):
        keras.callbacks.TensorBoard(str(tmp_path), profile_batch=2)


def test_clear_error_without_tensorboard(tmp_path, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    with pytest.raises(ImportError, match=r"pip install graphflow\[tensorboard\]"):
        tf.summary.create_file_writer(str(tmp_path))
    with pytest.raises(ImportError, match=r"pip install graphflow\[tensorboard\]"):
        keras.callbacks.TensorBoard(str(tmp_path))
