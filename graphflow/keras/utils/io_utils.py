"""Where Keras output goes, and in which style.

Keras 3's layout (box-drawn `summary()`, the `━` progress bar) is the default. Setting the
environment variable `TF_USE_LEGACY_KERAS=1`, the switch with which TensorFlow 2.16+ brings back
tf.keras 2, selects tf.keras 2's layout instead (underscored summary table, `[====>....]` bar).

    >>> import os
    >>> from graphflow.keras.utils import io_utils
    >>> os.environ.pop("TF_USE_LEGACY_KERAS", None) and None
    >>> io_utils.legacy_keras_style()
    False
"""
import logging
import os
import sys

_TRUE = ("1", "true", "yes", "on")
_interactive = {"enabled": True}


def enable_interactive_logging():
    """Keras's messages (progress bars, summaries) go to stdout again (the default)."""
    _interactive["enabled"] = True


def disable_interactive_logging():
    """Keras's messages go to the `graphflow.keras` logger at INFO level instead of stdout, as
    Keras sends them to absl logging.

        >>> from graphflow import keras
        >>> keras.config.disable_interactive_logging()
        >>> keras.config.is_interactive_logging_enabled()
        False
        >>> keras.config.enable_interactive_logging()
    """
    _interactive["enabled"] = False


def is_interactive_logging_enabled():
    """Whether Keras's messages are written to stdout (True) or logged (False)."""
    return _interactive["enabled"]


def legacy_keras_style():
    """Whether Keras output uses tf.keras 2's layout ($TF_USE_LEGACY_KERAS is 1/true/yes/on).
    Read at each call, so a notebook can switch styles without restarting."""
    return os.environ.get("TF_USE_LEGACY_KERAS", "").strip().lower() in _TRUE


def can_encode(text, stream=None):
    """Whether `stream` (default stdout) can write `text` in its encoding, e.g. the `━` bar."""
    stream = stream if stream is not None else sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def print_msg(message, line_break=True, stream=None):
    """Writes `message` to `stream` (default stdout; the `graphflow.keras` logger when
    interactive logging is disabled), replacing the box and bar characters with
    ASCII when the stream's encoding cannot write them, as Keras does."""
    if stream is None and not _interactive["enabled"]:
        logging.getLogger("graphflow.keras").info(str(message).strip("\r\n\b"))
        return
    stream = stream if stream is not None else sys.stdout
    message = f"{message}\n" if line_break else str(message)
    if not can_encode(message, stream):
        message = message.translate(_ASCII)
        encoding = getattr(stream, "encoding", None) or "utf-8"
        message = message.encode(encoding, errors="replace").decode(encoding)
    stream.write(message)
    stream.flush()


_ASCII = str.maketrans({"━": "=", "─": "-", "│": "|", "┃": "|", "┏": "+", "┓": "+", "┗": "+",
                        "┛": "+", "┳": "+", "┻": "+", "╇": "+", "┡": "+", "┩": "+", "├": "+",
                        "┤": "+", "┼": "+", "└": "+", "┘": "+", "┴": "+", "…": "~"})
