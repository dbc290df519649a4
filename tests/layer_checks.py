"""Checks every Keras layer test of the klayers files shares: finite-difference gradients,
eager = compiled parity and the get_config round trip."""
import numpy as np

import graphflow as tf


def _loss(layer, x, probe, training, kwargs):
    y = layer(x, training=training, **kwargs) if training is not None else layer(x, **kwargs)
    return tf.reduce_sum(y * probe)


def check_gradients(layer, x, training=None, eps=1e-5, rtol=1e-4, atol=1e-6, wrt_input=True,
                    **kwargs):
    """The tape's gradient of sum(layer(x) * probe) with respect to x and every trainable
    weight equals central differences (float64 layers and inputs)."""
    x = np.asarray(x, np.float64)
    y = layer(tf.constant(x), **kwargs)
    probe = tf.constant(np.random.default_rng(1).standard_normal(y.shape.as_list()))
    xt = tf.Variable(x)
    targets = ([xt] if wrt_input else []) + list(layer.trainable_weights)
    with tf.GradientTape() as tape:
        loss = _loss(layer, xt, probe, training, kwargs)
    grads = tape.gradient(loss, targets)
    for var, grad in zip(targets, grads):
        assert grad is not None, f"no gradient for {var.name}"
        value = var.numpy()
        flat = np.array(value, copy=True).reshape(-1)  # a 0-d array's reshape is a copy
        numeric = np.zeros_like(flat)
        for i in range(flat.size):
            saved = flat[i]
            out = []
            for step in (eps, -eps):
                flat[i] = saved + step
                var.assign(flat.reshape(value.shape))
                out.append(float(_loss(layer, xt, probe, training, kwargs)))
            flat[i] = saved
            var.assign(value)
            numeric[i] = (out[0] - out[1]) / (2 * eps)
        numeric = numeric.reshape(value.shape)
        np.testing.assert_allclose(np.asarray(grad), numeric, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of {var.name}")


def check_compiled(layer, *args, **kwargs):
    """layer(...) eagerly equals layer(...) inside graphflow.function."""
    eager = layer(*args, **kwargs)
    compiled = tf.function(lambda *a: layer(*a, **kwargs))(*args)
    np.testing.assert_allclose(np.asarray(compiled), np.asarray(eager), rtol=1e-5, atol=1e-6)
    return eager


def check_config(layer):
    """from_config(get_config()) gives a layer with the same config (but its own name)."""
    config = layer.get_config()
    clone = type(layer).from_config(config)
    again = clone.get_config()
    assert {**again, "name": config["name"]} == config
    return clone


def cosine(shape, k):
    """Deterministic test values 0.5 cos(1.3 i + k) in `shape`: the same numbers a script in
    a Keras venv builds, so tests can compare with numbers Keras printed."""
    n = int(np.prod(shape))
    return (np.cos(np.arange(n) * 1.3 + k) * 0.5).reshape(shape).astype(np.float32)
