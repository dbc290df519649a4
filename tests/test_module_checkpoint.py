"""tf.Module and tf.train.Checkpoint / CheckpointManager (issue 16). Names, orders and file
layout checked against TF 2.21 (see the report): variables sorted by attribute, ckpt-N prefixes
with .index and .data-00000-of-00001 files, the `checkpoint` state file, max_to_keep."""
import json
import os

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.checkpoint import DataLossError
from graphflow.errors import InvalidArgumentError, NotFoundError


class Dense(tf.Module):
    def __init__(self, n_in, n_out, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(tf.ones([n_in, n_out]), name="w")
        self.b = tf.Variable(tf.zeros([n_out]), name="b", trainable=False)

    @tf.Module.with_name_scope
    def __call__(self, x):
        return tf.matmul(x, self.w) + self.b


class MLP(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        with self.name_scope:
            self.layers = [Dense(2, 3), Dense(3, 1, name="out")]
            self.extra = {"s": tf.Variable(2.0, name="s")}

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x * self.extra["s"]


def test_module_names_variables_submodules_like_tf():
    m = MLP()
    assert m.name == "mlp" and m.name_scope.name == "mlp/"
    assert [v.name for v in m.variables] == ["mlp/s:0", "mlp/b:0", "mlp/w:0", "mlp/b:0", "mlp/w:0"]
    assert len(m.trainable_variables) == 3 and len(m.non_trainable_variables) == 2
    assert [s.name for s in m.submodules] == ["dense", "out"]
    assert m.layers[0].name_scope.name == "mlp/dense/"
    paths = [p for p, _ in m._flatten(with_path=True, predicate=lambda v: isinstance(v, tf.Variable))]
    assert paths == [("extra", "s"), ("layers", 0, "b"), ("layers", 0, "w"), ("layers", 1, "b"),
                     ("layers", 1, "w")]

    class CamelCaseThing(tf.Module):
        pass
    assert CamelCaseThing().name == "camel_case_thing" and tf.Module().name == "module"
    with pytest.raises(InvalidArgumentError, match="valid module name"):
        tf.Module(name="bad name")


def test_module_shared_variables_counted_once_and_gradients():
    m = MLP()
    m.alias = m.layers[0].w
    assert len(m.trainable_variables) == 3
    x = tf.constant([[1.0, 2.0]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(m(x))
    grads = tape.gradient(y, m.trainable_variables)
    assert all(g is not None for g in grads)


def test_module_holds_keras_layers():
    m = tf.Module()
    m.dense = keras.layers.Dense(2)
    m.dense.build((None, 3))
    assert len(m.trainable_variables) == 2
    assert m.submodules == (m.dense,)


def test_checkpoint_save_restore_and_state_file(tmp_path):
    m = MLP()
    ckpt = tf.train.Checkpoint(model=m, step=tf.Variable(1))
    path = ckpt.save(str(tmp_path / "ckpt"))
    assert path == str(tmp_path / "ckpt-1")
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "ckpt-1.data-00000-of-00001",
                                            "ckpt-1.index"]
    state = (tmp_path / "checkpoint").read_text()
    assert state == 'model_checkpoint_path: "ckpt-1"\nall_model_checkpoint_paths: "ckpt-1"\n'
    assert tf.train.latest_checkpoint(str(tmp_path)) == path
    assert tf.train.latest_checkpoint(str(tmp_path / "nothing")) is None
    written = ckpt.write(str(tmp_path / "w"))
    assert written == str(tmp_path / "w") and tf.train.latest_checkpoint(str(tmp_path)) == path
    m.extra["s"].assign(-1.0)
    ckpt.step.assign(7)
    status = ckpt.restore(path)
    status.assert_consumed().assert_existing_objects_matched().assert_nontrivial_match()
    assert float(m.extra["s"]) == 2.0 and int(ckpt.step) == 1
    assert int(ckpt.save_counter) == 1
    # the index is JSON and the data an .npz read without pickle
    index = json.loads((tmp_path / "ckpt-1.index").read_text())
    assert set(index["variables"]) == {"model/extra/s", "model/layers/0/b", "model/layers/0/w",
                                       "model/layers/1/b", "model/layers/1/w", "save_counter",
                                       "step"}
    keys = dict(tf.train.list_variables(path))
    assert keys["model/layers/0/w/.ATTRIBUTES/VARIABLE_VALUE"] == [2, 3]
    np.testing.assert_array_equal(tf.train.load_variable(path, "model/layers/0/w"), np.ones((2, 3)))


def test_partial_and_deferred_restoration(tmp_path):
    ckpt = tf.train.Checkpoint(model=MLP(), step=tf.Variable(5))
    path = ckpt.save(str(tmp_path / "ckpt"))
    only_step = tf.train.Checkpoint(step=tf.Variable(0))
    status = only_step.restore(path)
    with pytest.raises(AssertionError, match="model/extra/s"):
        status.assert_consumed()
    status.expect_partial().assert_existing_objects_matched()
    assert int(only_step.step) == 5
    later = tf.train.Checkpoint()
    later.restore(path)
    later.model = MLP()  # created after restore(): filled in when attached
    later.model.extra["s"]  # noqa: B018
    assert float(later.model.extra["s"]) == 2.0
    # deeper: a module attribute attached after restore
    fresh = tf.train.Checkpoint(model=tf.Module())
    fresh.restore(path)
    fresh.model.extra = {"s": tf.Variable(0.0)}
    assert float(fresh.model.extra["s"]) == 2.0
    with pytest.raises(AssertionError, match="No checkpoint"):
        tf.train.Checkpoint(model=MLP()).restore(None).assert_consumed()


def test_restore_errors_name_the_file(tmp_path):
    ckpt = tf.train.Checkpoint(v=tf.Variable([1.0, 2.0]))
    path = ckpt.save(str(tmp_path / "c"))
    with pytest.raises(InvalidArgumentError, match=r"shape \(2,\).*shape \(3,\)"):
        tf.train.Checkpoint(v=tf.Variable([1.0, 2.0, 3.0])).restore(path)
    with pytest.raises(InvalidArgumentError, match="int32"):
        tf.train.Checkpoint(v=tf.Variable([1, 2])).restore(path)
    with pytest.raises(NotFoundError, match="suffix"):
        ckpt.restore(str(tmp_path / "c"))
    (tmp_path / "bad-1.index").write_bytes(b"garbage")
    with pytest.raises(DataLossError, match="bad-1.index"):
        ckpt.restore(str(tmp_path / "bad-1"))
    data = tmp_path / "c-1.data-00000-of-00001"
    data.write_bytes(data.read_bytes()[:40])  # truncated
    with pytest.raises(DataLossError, match="c-1.data-00000-of-00001"):
        ckpt.restore(path)
    with pytest.raises(InvalidArgumentError, match="trackable"):
        tf.train.Checkpoint(x=3)


def test_checkpoint_manager(tmp_path):
    ckpt = tf.train.Checkpoint(v=tf.Variable(0.0))
    mgr = tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=2)
    assert mgr.latest_checkpoint is None and mgr.restore_or_initialize() is None
    for i in range(3):
        ckpt.v.assign(float(i))
        mgr.save()
    assert [os.path.basename(p) for p in mgr.checkpoints] == ["ckpt-2", "ckpt-3"]
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "ckpt-2.data-00000-of-00001",
                                            "ckpt-2.index", "ckpt-3.data-00000-of-00001",
                                            "ckpt-3.index"]
    assert mgr.save(checkpoint_number=10).endswith("ckpt-10")
    assert tf.train.latest_checkpoint(str(tmp_path)) == mgr.latest_checkpoint
    # a new manager over the same directory recovers the list; restore_or_initialize restores
    ckpt2 = tf.train.Checkpoint(v=tf.Variable(-1.0))
    mgr2 = tf.train.CheckpointManager(ckpt2, str(tmp_path), max_to_keep=2)
    assert [os.path.basename(p) for p in mgr2.checkpoints] == ["ckpt-3", "ckpt-10"]
    assert mgr2.restore_or_initialize().endswith("ckpt-10") and float(ckpt2.v) == 2.0
    with pytest.raises(InvalidArgumentError, match="max_to_keep"):
        tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=0)


def test_checkpoint_of_keras_model_and_optimizer(tmp_path):
    def build():
        model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])
        opt = keras.optimizers.Adam(0.1)
        opt.build(model.trainable_variables)
        return model, opt
    model, opt = build()
    x = np.ones((4, 3), np.float32)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(x) ** 2)
    opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                            model.trainable_variables))
    path = tf.train.Checkpoint(model=model, optimizer=opt).save(str(tmp_path / "k"))
    model2, opt2 = build()
    tf.train.Checkpoint(model=model2, optimizer=opt2).restore(path).assert_consumed()
    np.testing.assert_array_equal(model2(x).numpy(), model(x).numpy())
    assert int(opt2.iterations) == 1
