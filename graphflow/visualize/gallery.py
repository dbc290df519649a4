"""Renders example models (plot_model) and the MNIST MLP's compiled train step before and after
fusion (plot_graph) to SVG, plus PNG when Graphviz's `dot` is installed, the training curves of a
small classifier (plot_history, when matplotlib is installed), and an index.html.

    >>> from graphflow.visualize.gallery import render_gallery
    >>> files = render_gallery("/tmp/gallery")      # doctest: +SKIP
"""
import html
from typing import List
import os
import shutil

import numpy as np


def mnist_mlp():
    from graphflow import keras
    return keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ], name="mnist_mlp")


def ticket_router():
    """The multi-input, multi-output model of Chollet's Deep Learning with Python (ch. 7)."""
    from graphflow import keras
    vocabulary_size, num_tags, num_departments = 10000, 100, 4
    title = keras.Input(shape=(vocabulary_size,), name="title")
    text_body = keras.Input(shape=(vocabulary_size,), name="text_body")
    tags = keras.Input(shape=(num_tags,), name="tags")
    features = keras.layers.Concatenate(name="concatenate")([title, text_body, tags])
    features = keras.layers.Dense(64, activation="relu", name="dense")(features)
    priority = keras.layers.Dense(1, activation="sigmoid", name="priority")(features)
    department = keras.layers.Dense(num_departments, activation="softmax",
                                    name="department")(features)
    return keras.Model(inputs=[title, text_body, tags], outputs=[priority, department],
                       name="ticket_router")


def residual_block():
    from graphflow import keras
    inputs = keras.Input(shape=(32, 32, 16), name="image")
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv_a")(inputs)
    x = keras.layers.Conv2D(16, 3, padding="same", name="conv_b")(x)
    x = keras.layers.Add(name="skip_add")([x, inputs])
    outputs = keras.layers.Activation("relu", name="relu")(x)
    return keras.Model(inputs, outputs, name="residual_block")


def small_cnn():
    from graphflow import keras
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(64, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ], name="small_cnn")


def mlp_train_step(batch=32, seed=0):
    """A traced train step of the MNIST MLP (cross-entropy, RMSprop-style updates written with
    assign ops) on random data; returns the graphflow.function after one call."""
    import graphflow as tf
    model = mnist_mlp()
    params = model.trainable_weights
    mean_squares = [tf.Variable(np.zeros(v.shape.as_list(), np.float32)) for v in params]

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            probs = model(x)
            loss = tf.reduce_mean(-tf.reduce_sum(y * tf.math.log(probs + 1e-7), axis=-1))
        grads = tape.gradient(loss, params)
        for v, g, ms in zip(params, grads, mean_squares):
            ms.assign(0.9 * ms + 0.1 * g * g)
            v.assign_sub(0.001 * g / (tf.sqrt(ms) + 1e-7))
        return loss

    rng = np.random.default_rng(seed)
    x = rng.random((batch, 784), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)]
    train_step(tf.constant(x), tf.constant(y))
    return train_step


def training_history(epochs=12, seed=0):
    """fit's History for a small classifier of two noisy Gaussian blobs, with validation."""
    import graphflow as tf
    from graphflow import keras
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 600)
    x = (rng.normal(size=(600, 2)) + 1.2 * y[:, None]).astype(np.float32)
    tf.random.set_seed(seed)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(2, activation="softmax")], name="blobs")
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model.fit(x, y, epochs=epochs, batch_size=32, validation_split=0.25, verbose=0)


def _curves(out_dir, png):
    """The training-curves picture files (none without matplotlib)."""
    try:
        import matplotlib  # noqa: F401 - only whether the `plot` extra is installed
    except ImportError:
        return []
    from graphflow.keras.utils.history_plot import plot_history, save_figure
    fig = plot_history(training_history(), title="Training curves (History.plot)")
    paths = [os.path.join(out_dir, f"training_curves.{ext}") for ext in
             (["svg", "png"] if png else ["svg"])]
    for path in paths:
        save_figure(fig, path)
    return paths


def _pictures():
    """(file stem, title, thunk returning a Digraph)."""
    import graphflow as tf
    from graphflow import keras
    plot = keras.utils.model_to_dot
    return [
        ("mnist_mlp", "MNIST MLP (Sequential)",
         lambda: plot(mnist_mlp(), show_shapes=True, show_layer_activations=True, dpi=96)),
        ("ticket_router", "Ticket routing: multi-input, multi-output (functional)",
         lambda: plot(ticket_router(), show_shapes=True, dpi=96)),
        ("residual_block", "Residual block (Conv2D + Add skip connection)",
         lambda: plot(residual_block(), show_shapes=True, dpi=96)),
        ("small_cnn", "Small CNN (Conv2D / MaxPooling2D / Flatten / Dense)",
         lambda: plot(small_cnn(), show_shapes=True, dpi=96)),
        ("train_step_fused", "MNIST MLP train step, optimized: fused kernels as clusters",
         lambda: tf.visualize.plot_graph(mlp_train_step(), optimized=True)),
        ("train_step_compare", "MNIST MLP train step before / after the compiler",
         lambda: tf.visualize.plot_graph(mlp_train_step(), compare=True, rankdir="TB")),
    ]


def render_gallery(out_dir: str = "out/gallery", png: bool = True) -> List[str]:
    """Writes every picture (SVG, and PNG when `dot` is available) and index.html to out_dir;
    returns the paths written. Without `dot`, the DOT sources are written instead of images."""
    from graphflow.keras import backend
    from graphflow.keras.utils.vis_utils import save_digraph
    os.makedirs(out_dir, exist_ok=True)
    have_dot = shutil.which("dot") is not None
    written, entries = [], []
    for stem, title, make in _pictures():
        backend.clear_session()  # layer names start from dense, dense_1 in every picture
        dot = make()
        files = []
        formats = (["svg"] + (["png"] if png else [])) if have_dot else ["dot"]
        for ext in formats:
            path = os.path.join(out_dir, f"{stem}.{ext}")
            save_digraph(dot, path, caller="gallery")
            files.append(path)
        written += files
        entries.append((title, os.path.basename(files[0])))
    backend.clear_session()
    curves = _curves(out_dir, png)
    if curves:
        written += curves
        entries.append(("Training curves of a small classifier (History.plot)",
                        os.path.basename(curves[0])))
    index = os.path.join(out_dir, "index.html")
    with open(index, "w", encoding="utf-8") as f:
        f.write("<!doctype html><meta charset='utf-8'><title>graphflow gallery</title>\n"
                "<style>body{font-family:sans-serif;margin:2em}img{max-width:100%;"
                "border:1px solid #ddd}</style>\n<h1>graphflow gallery</h1>\n")
        for title, name in entries:
            tag = (f"<a href='{html.escape(name)}'>{html.escape(name)}</a>" if name.endswith(".dot")
                   else f"<img src='{html.escape(name)}' alt='{html.escape(title)}'>")
            f.write(f"<h2>{html.escape(title)}</h2>\n<p>{tag}</p>\n")
    written.append(index)
    return written
