"""Keras-style progress bar:

    469/469 [==============================] - 2s 4ms/step - loss: 0.2512 - accuracy: 0.9273

On a terminal the bar redraws in place; otherwise (logs, CI) only the finished line is printed.

    >>> from graphflow.keras.utils.progbar import Progbar
    >>> bar = Progbar(2, dynamic=False)
    >>> bar.update(2, {"loss": 0.5}, finalize=True)  # doctest: +ELLIPSIS
    2/2 [==============================] - 0s ...step - loss: 0.5000
"""
import sys
import time


def format_logs(logs):
    return "".join(f" - {k}: {v:.4f}" if isinstance(v, float) else f" - {k}: {v}"
                   for k, v in logs.items())


def _time_per_step(seconds, steps):
    per = seconds / max(steps, 1)
    if per >= 1:
        return f"{per:.0f}s/step"
    if per >= 1e-3:
        return f"{per * 1e3:.0f}ms/step"
    return f"{per * 1e6:.0f}us/step"


class Progbar:
    WIDTH = 30

    def __init__(self, target, verbose=1, dynamic=None, stream=None):
        self.target, self.verbose = target, verbose
        self.stream = stream or sys.stdout
        self.dynamic = dynamic if dynamic is not None else (
            hasattr(self.stream, "isatty") and self.stream.isatty())
        self.start = time.perf_counter()
        self._last_draw = 0.0

    def _line(self, current, logs):
        elapsed = time.perf_counter() - self.start
        if self.target:
            filled = int(self.WIDTH * current / self.target)
            bar = "=" * filled if filled >= self.WIDTH else "=" * max(filled - 1, 0) + ">" + \
                "." * (self.WIDTH - filled)
            head = f"{current:>{len(str(self.target))}}/{self.target} [{bar[:self.WIDTH]}]"
        else:
            head = f"{current}/Unknown"
        return f"{head} - {elapsed:.0f}s {_time_per_step(elapsed, current)}{format_logs(logs)}"

    def update(self, current, logs=None, finalize=False):
        logs = logs or {}
        if self.verbose != 1:
            return
        now = time.perf_counter()
        if finalize:
            line = self._line(current, logs)
            self.stream.write(("\r" + line if self.dynamic else line) + "\n")
            self.stream.flush()
        elif self.dynamic and now - self._last_draw > 0.05:
            self._last_draw = now
            self.stream.write("\r" + self._line(current, logs))
            self.stream.flush()

    def epoch_line(self, steps, logs):
        """verbose=2: one line per epoch."""
        elapsed = time.perf_counter() - self.start
        self.stream.write(f"{steps}/{steps} - {elapsed:.0f}s - {_time_per_step(elapsed, steps)}"
                          f"{format_logs(logs)}\n")
        self.stream.flush()
