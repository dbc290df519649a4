"""tf.summary: scalars, histograms, images, text and graphs written to TensorBoard event files.

Needs the optional extra `graphflow[tensorboard]` (TensorBoard's own event writer and summary
formats, so TensorBoard reads the files as TensorFlow's). Summaries are written eagerly.

    >>> import tempfile
    >>> writer = tf.summary.create_file_writer(tempfile.mkdtemp())
    >>> with writer.as_default():
    ...     for step in range(3):
    ...         _ = tf.summary.scalar("loss", 1.0 / (step + 1), step=step)
    ...     tf.summary.histogram("weights", np.arange(10.0), step=0)
    True
    >>> tf.summary.scalar("loss", 0.1, step=0)  # no default writer: nothing is written
    False
"""
from types import SimpleNamespace

from graphflow.summary.ops import graph, histogram, image, scalar, text  # noqa: F401
from graphflow.summary.writer import (  # noqa: F401
    NoopSummaryWriter, SummaryWriter, create_file_writer, create_noop_writer, flush, get_step,
    record_if, set_step, should_record_summaries)

SummaryWriter.__module__ = __name__
experimental = SimpleNamespace(get_step=get_step, set_step=set_step)
