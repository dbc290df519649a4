"""add_loss(), activity and weight regularizers as Keras 3: losses are reset at each outermost
call (not accumulated), `losses` lists the last call's add_loss values then the regularization
of the trainable weights, and never a symbolic tensor of a finished trace (tf.keras 2.21 leaves
them there after fit; graphflow drops them). Values were checked against tf.keras 2.21."""
import threading

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError
from graphflow.tensor import SymbolicTensor

X = np.ones((4, 3), np.float32)


class Penalty(keras.layers.Layer):
    def call(self, x):
        self.add_loss(tf.reduce_sum(x) * 0.01)
        return x


def _model():
    inp = keras.Input((3,))
    h = Penalty()(inp)
    out = keras.layers.Dense(1, kernel_regularizer=keras.regularizers.L2(0.1),
                             activity_regularizer=keras.regularizers.L1(0.5),
                             kernel_initializer="ones")(h)
    return keras.Model(inp, out)


def _floats(losses):
    return [round(float(v), 4) for v in losses]


def test_losses_reset_per_call():
    layer = Penalty()
    layer(X)
    layer(X)
    assert _floats(layer.losses) == [0.12]  # issue 13: accumulated to two entries


def test_model_losses_match_keras_and_never_hold_finished_traces():
    model = _model()
    assert not any(isinstance(v, SymbolicTensor) for v in model.losses)  # after building
    assert _floats(model.losses) == [0.3]  # the kernel regularizer only
    model(X)
    model(X)
    assert _floats(model.losses) == [0.12, 1.5, 0.3]  # add_loss, activity, kernel (Keras order)
    model.compile("sgd", "mse")
    history = model.fit(X, np.zeros((4, 1)), epochs=2, batch_size=2, verbose=0)
    assert [round(v, 4) for v in history.history["loss"]] == [10.0115, 7.1273]
    assert not any(isinstance(v, SymbolicTensor) for v in model.losses)
    assert len(model.losses) == 1
    assert round(model.evaluate(X, np.zeros((4, 1)), verbose=0), 4) == 5.5644
    model(X[:2])
    assert _floats(model.losses) == [0.06, 1.0296, 0.1746]


def test_losses_inside_a_function_are_of_its_graph():
    model = _model()

    @tf.function
    def total(x):
        model(x)
        return tf.add_n(model.losses)

    assert float(total(X)) == pytest.approx(0.12 + 1.5 + 0.3, rel=1e-6)
    assert not any(isinstance(v, SymbolicTensor) for v in model.losses)


def test_nested_calls_accumulate_within_one_outer_call():
    class Outer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = Penalty()

        def call(self, x):
            return self.inner(self.inner(x))

    outer = Outer()
    outer(X)
    outer(X)
    assert _floats(outer.losses) == [0.12, 0.12]


def test_add_loss_outside_call_and_non_tensors():
    layer = Penalty()
    layer.add_loss(tf.constant(1.0))
    assert _floats(layer.losses) == [1.0]
    layer(X)
    assert _floats(layer.losses) == [0.12]  # the call started afresh
    with pytest.raises(InvalidArgumentError, match="can only be called from inside"):
        layer.add_loss(1.0)
    layer.add_loss(lambda: tf.constant(2.0))  # tf.keras 2's callable form: kept
    layer(X)
    assert _floats(layer.losses) == [0.12, 2.0]


def test_frozen_weights_are_not_regularized_and_build_takes_tuples():
    dense = keras.layers.Dense(2, kernel_regularizer="l2", kernel_initializer="ones")
    dense.build((None, 3))  # a tuple, as Keras allows
    assert _floats(dense.losses) == [0.06]
    dense.trainable = False
    assert dense.losses == []


def test_activity_regularizer_config_round_trip():
    layer = keras.layers.Dense(1, activity_regularizer="l2")
    config = layer.get_config()
    assert config["activity_regularizer"] == {"class_name": "L2", "config": {"l2": 0.01}}
    clone = keras.layers.Dense.from_config(config)
    clone(X)
    assert len(clone.losses) == 1


def test_subclassed_model_add_loss_trains_like_keras():
    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = keras.layers.Dense(1, kernel_initializer="ones")

        def call(self, x):
            y = self.d(x)
            self.add_loss(tf.reduce_mean(y) * 0.1)
            return y

    model = Sub()
    model.compile("sgd", "mse")
    history = model.fit(X, np.zeros((4, 1)), epochs=2, verbose=0)
    assert [round(v, 4) for v in history.history["loss"]] == [9.3, 7.8711]
    assert model.losses == []


def test_each_thread_sees_the_losses_of_its_own_call():
    layer = Penalty()
    barrier = threading.Barrier(4)
    seen = {}

    def run(i):
        layer(np.full((2, 2), float(i), np.float32))
        barrier.wait()  # every thread has called before any reads
        seen[i] = _floats(layer.losses)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {i: [round(0.04 * i, 4)] for i in range(4)}
