"""The graphflow demo: eager math, gradients, and the same training step compiled to a graph.

Run with `make demo` (or `python examples/demo.py`).
"""
import time

import graphflow as tf


def eager_math():
    print("== Eager tensors ==")
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    print("x =", x)
    print("x @ x^T =", tf.matmul(x, x, transpose_b=True).numpy().tolist())
    print("softmax(x) rows sum to", tf.reduce_sum(tf.nn.softmax(x), axis=1).numpy())


def gradients():
    print("\n== GradientTape ==")
    x1, x2 = tf.Variable(3.0), tf.Variable(1.0, trainable=False)
    with tf.GradientTape() as tape:
        tape.watch(x2)
        y = (x1 + 2 * x2) ** 2
    g1, g2 = tape.gradient(y, [x1, x2])
    print(f"y = (x1 + 2*x2)^2 at (3, 1): dy/dx1 = {g1:.1f}, dy/dx2 = {g2:.1f}")
    x = tf.Variable(2.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = x ** 3
        dy = inner.gradient(y, x)
    print(f"d/dx x^3 at 2 = {dy:.1f}; second derivative = {outer.gradient(dy, x):.1f}")


def linear_regression():
    print("\n== Linear regression: eager vs graphflow.function ==")
    xs, ys = tf.constant([1.0, 3.0, 5.0, 7.0]), tf.constant([2.0, 3.0, 4.0, 5.0])
    for mode in ("eager", "function"):
        w, b = tf.Variable(1.0), tf.Variable(0.5)

        def train_step(x, y):
            with tf.GradientTape() as tape:
                loss = (w * x + b - y) ** 2
            gw, gb = tape.gradient(loss, [w, b])
            w.assign_sub(0.01 * gw)
            b.assign_sub(0.01 * gb)

        step = tf.function(train_step) if mode == "function" else train_step
        if mode == "function":  # trace and compile first (then start again from w=1, b=0.5)
            step(xs[0], ys[0])
            step.get_concrete_function(xs[0], ys[0]).kernels()
            w.assign(1.0)
            b.assign(0.5)
        start = time.perf_counter()
        for _ in range(1000):
            for k in range(4):
                step(xs[k], ys[k])
        us = (time.perf_counter() - start) / 4000 * 1e6
        print(f"{mode:>8}: w = {w.numpy():.4f}, b = {b.numpy():.4f}  ({us:.0f} us/step)")
    print("\nThe traced graph of the train step:")
    print(step.get_concrete_function(xs[0], ys[0]).graph.as_text())


if __name__ == "__main__":
    eager_math()
    gradients()
    linear_regression()
