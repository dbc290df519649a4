"""Training curves of a Keras History: `keras.utils.plot_history(history)` or `history.plot()`.

One panel per metric (loss, accuracy, ...), each with the training curve and, when fit had
validation data, the validation curve (`val_<metric>`), over epochs 1..N. Needs matplotlib, the
optional extra `plot` (`pip install 'graphflow[plot]'`). The figure is built without pyplot, so
it opens no window and is safe from threads; notebooks display the returned Figure.

    >>> from graphflow import keras
    >>> h = keras.callbacks.History()
    >>> h.history = {"loss": [1.0, 0.5], "val_loss": [1.2, 0.7]}
    >>> h.epoch = [0, 1]
    >>> fig = keras.utils.plot_history(h)
    >>> [ax.get_title() for ax in fig.axes]
    ['loss']
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence, Union

if TYPE_CHECKING:
    import matplotlib.figure

from graphflow.errors import FailedPreconditionError, InvalidArgumentError


def _figure_class():
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise FailedPreconditionError(
            "plot_history needs matplotlib, the optional extra `plot`: "
            "pip install 'graphflow[plot]' (or pip install matplotlib)") from None
    return Figure


def _logs_of(history):
    """(epoch numbers, {name: values}) of a History, a fit() result or a plain dict of lists."""
    logs = getattr(history, "history", history)
    if not isinstance(logs, Mapping):
        raise InvalidArgumentError(
            "plot_history: expected a keras.callbacks.History (what fit returns) or a dict of "
            f"per-epoch lists, got {type(history).__name__}")
    logs = {str(k): list(v) for k, v in logs.items()}
    if not logs or not any(logs.values()):
        raise InvalidArgumentError("plot_history: the history has no recorded epochs; call fit first")
    epochs = list(getattr(history, "epoch", None) or range(len(next(iter(logs.values())))))
    return epochs, logs


def plot_history(history: Any, metrics: Optional[Sequence[str]] = None,
                 to_file: Union[str, os.PathLike, None] = None, title: Optional[str] = None,
                 figsize: Optional[Sequence[float]] = None,
                 dpi: int = 100) -> "matplotlib.figure.Figure":
    """Draws the training curves of `history` as a matplotlib Figure (saved to `to_file` when
    given; the format comes from its extension: png, svg, pdf).

    metrics: which metrics to draw (names without `val_`; default: every recorded one, loss
    first); title: the figure's title.
    """
    epochs, logs = _logs_of(history)
    names = [k for k in logs if not k.startswith("val_")]
    names += [k[4:] for k in logs if k.startswith("val_") and k[4:] not in names]
    names = ["loss"] * ("loss" in names) + [n for n in names if n != "loss"]
    if metrics is not None:
        unknown = [m for m in metrics if m not in names]
        if unknown:
            raise InvalidArgumentError(
                f"plot_history: no recorded metric {unknown}; the history has {names}")
        names = list(metrics)
    Figure = _figure_class()
    width = figsize or (4.2 * len(names), 3.2)
    fig = Figure(figsize=tuple(width), dpi=dpi, layout="constrained")
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    x = [e + 1 for e in epochs]
    for ax, name in zip(axes, names):
        for key, label, style in ((name, "training", "-o"), (f"val_{name}", "validation", "--s")):
            values = logs.get(key)
            if values:
                ax.plot(x[-len(values):], values, style, markersize=3, label=label)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    if to_file is not None:
        save_figure(fig, os.fspath(to_file))
    return fig


def save_figure(fig, path):
    """Writes the figure atomically (a temporary file renamed over `path`)."""
    import tempfile
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    ext = os.path.splitext(path)[1].lstrip(".").lower() or "png"
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".plot-", suffix="." + ext)
    try:
        with os.fdopen(fd, "wb") as f:
            fig.savefig(f, format=ext)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
