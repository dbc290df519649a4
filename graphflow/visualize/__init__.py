"""graphflow.visualize: pictures of models and compiled graphs.

`plot_graph` draws an IR graph (graphflow.function traces, compat.v1 graphs) with each fused kernel
as a cluster; `python -m graphflow.visualize` (or the `graphflow-gallery` command) renders the
gallery of example pictures (gallery.py); `plot_history` draws a Keras History's training curves.

    >>> import graphflow as tf
    >>> callable(tf.visualize.plot_graph)
    True
"""
from graphflow.visualize.graph import plot_graph  # noqa: F401
