"""tf.Module and tf.train.Checkpoint / CheckpointManager: variables by attribute order, name
scopes, saving numbered checkpoints, max_to_keep, latest_checkpoint, partial and deferred
restoration."""
import os
import tempfile

import numpy as np
import tensorflow as tf


class Dense(tf.Module):
    def __init__(self, n_in, n_out, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(tf.fill([n_in, n_out], 0.5), name="w")
        self.b = tf.Variable(tf.zeros([n_out]), name="b")

    def __call__(self, x):
        return tf.matmul(x, self.w) + self.b


class Model(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        with self.name_scope:
            self.layers = [Dense(2, 3), Dense(3, 1, name="head")]
        self.scale = tf.Variable(2.0, trainable=False, name="scale")

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x * self.scale


model = Model()
assert model.name == "model"
assert [v.name for v in model.trainable_variables] == ["model/b:0", "model/w:0", "model/b:0",
                                                       "model/w:0"]
assert [m.name for m in model.submodules] == ["dense", "head"]
assert len(model.variables) == 5

directory = tempfile.mkdtemp()
ckpt = tf.train.Checkpoint(model=model, step=tf.Variable(0, dtype=tf.int64))
manager = tf.train.CheckpointManager(ckpt, directory, max_to_keep=2)
for i in range(3):
    ckpt.step.assign_add(1)
    model.layers[1].b.assign([float(i)])
    manager.save()
assert [os.path.basename(p) for p in manager.checkpoints] == ["ckpt-2", "ckpt-3"]
assert sorted(os.listdir(directory)) == ["checkpoint", "ckpt-2.data-00000-of-00001",
                                         "ckpt-2.index", "ckpt-3.data-00000-of-00001",
                                         "ckpt-3.index"]
latest = tf.train.latest_checkpoint(directory)
assert latest == manager.latest_checkpoint and latest.endswith("ckpt-3")
x = tf.constant([[1.0, 2.0]])
expected = model(x).numpy()

# restore into a fresh model
fresh = Model()
fresh.layers[1].b.assign([-5.0])
status = tf.train.Checkpoint(model=fresh, step=tf.Variable(0, dtype=tf.int64)).restore(latest)
status.assert_consumed()
np.testing.assert_allclose(fresh(x).numpy(), expected)

# partial: only the step
only_step = tf.train.Checkpoint(step=tf.Variable(0, dtype=tf.int64))
status = only_step.restore(latest)
try:
    status.assert_consumed()
    raise AssertionError("assert_consumed must fail on a partial restore")
except AssertionError as e:
    assert "must fail" not in str(e)
status.expect_partial()
assert int(only_step.step.numpy()) == 3

# deferred: the model is attached after restore()
later = tf.train.Checkpoint()
later.restore(latest).expect_partial()
later.model = Model()
np.testing.assert_allclose(later.model(x).numpy(), expected)
assert tf.train.latest_checkpoint(os.path.join(directory, "missing")) is None
print("ok")
