"""keras.utils.Progbar: the progress line of fit / evaluate / predict, as Keras 3 prints it.

    8/8 ━━━━━━━━━━━━━━━━━━━━ 0s 3ms/step - loss: 0.0368 - mae: 0.1864      (verbose=1)
    8/8 - 0s - 3ms/step - loss: 0.0368 - mae: 0.1864                       (verbose=2)

On a terminal or in a notebook the verbose=1 line is redrawn in place (in color, with an ETA),
padded with spaces so a shorter redraw leaves nothing of the longer one behind; elsewhere (logs,
CI, pipes) only the finished line is written, without escape codes. A stream whose encoding
cannot write `━` gets `=` instead. With $TF_USE_LEGACY_KERAS set the lines are tf.keras 2's:

    8/8 [==============================] - 0s 2ms/step - loss: 0.0012 - mae: 0.0339
    8/8 - 0s - loss: 0.0012 - mae: 0.0339 - 17ms/epoch - 2ms/step

    >>> from graphflow.keras.utils import Progbar
    >>> bar = Progbar(2, stateful_metrics=["loss"])
    >>> bar.update(1, [("loss", 0.5)])
    >>> bar.update(2, [("loss", 0.25)])  # doctest: +ELLIPSIS
    2/2 ━━━━━━━━━━━━━━━━━━━━ 0s ...step - loss: 0.2500
"""
import math
import os
import sys
import time
from typing import Any, Iterable, Mapping, Optional, TextIO, Union

import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.keras.utils import io_utils

_BOLD, _GREEN, _GREY, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"


def _format_time(seconds, unit_name):
    """' 3ms/step': seconds per unit in s, ms or us, as Keras prints it."""
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f" {seconds * 1e3:.0f}ms/{unit_name}"
    return f" {seconds * 1e6:.0f}us/{unit_name}"


def _value_text(value, verbose2=False):
    # Keras compares abs(avg) on the bar but avg itself on the verbose=2 line.
    small = value <= 1e-3 if verbose2 else abs(value) <= 1e-3
    return f" {value:.4e}" if small else f" {value:.4f}"


def _eta_text(eta):
    if eta > 3600:
        return "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
    if eta > 60:
        return "%d:%02d" % (eta // 60, eta % 60)
    return "%ds" % eta


class Progbar:
    """A progress bar (keras.utils.Progbar).

    target: the number of steps (None when unknown); width: the bar's characters (Keras 3: 20,
    tf.keras 2 style: 30); verbose: 0 silent, 1 the bar, 2 one line when finished;
    stateful_metrics / stateless_metrics: names shown as given / averaged over the steps seen
    (without either, every value is averaged, as in Keras); interval: the least seconds between
    redraws; unit_name: "step" or "sample"; stream: where to write (default: sys.stdout at each
    write); dynamic: redraw in place (default: when the stream is a terminal or in a notebook).
    """

    def __init__(self, target: Optional[int], width: Optional[int] = None, verbose: int = 1,
                 interval: float = 0.05, stateful_metrics: Optional[Iterable[str]] = None,
                 stateless_metrics: Optional[Iterable[str]] = None, unit_name: str = "step",
                 stream: Optional[TextIO] = None, dynamic: Optional[bool] = None) -> None:
        if stateful_metrics is not None and stateless_metrics is not None:
            raise InvalidArgumentError(
                "Only one of `stateful_metrics` or `stateless_metrics` can be provided.")
        self.legacy = io_utils.legacy_keras_style()
        self.target = target
        self.width = width or (30 if self.legacy else 20)
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics is not None else (
            None if stateless_metrics is not None else set())
        self.stateless_metrics = set(stateless_metrics) if stateless_metrics is not None else None
        self._stream = stream
        self._dynamic = dynamic
        self._values, self._order = {}, []
        self._seen = 0
        self._start = time.perf_counter()
        self._last_update = 0.0
        self._after_first_step = None
        self._prev_width = 0

    @property
    def stream(self):
        return self._stream if self._stream is not None else sys.stdout

    @property
    def dynamic(self):
        if self._dynamic is not None:
            return self._dynamic
        stream = self.stream
        return bool(getattr(stream, "isatty", lambda: False)()) or "ipykernel" in sys.modules

    def _color(self):
        return self.dynamic and not os.environ.get("NO_COLOR") and \
            os.environ.get("TERM") != "dumb"

    # -- values --------------------------------------------------------------------------------
    def _record(self, current, values, finalize):
        for name, value in values.items() if isinstance(values, dict) else (values or []):
            if name not in self._order:
                self._order.append(name)
            stateless = name not in self.stateful_metrics if self.stateful_metrics is not None \
                else name in self.stateless_metrics
            value = float(np.mean(value))
            if not stateless or finalize:
                self._values[name] = [value, 1]
            else:
                steps = max(current - self._seen, 1)
                total = self._values.setdefault(name, [0.0, 0])
                total[0] += value * steps
                total[1] += steps
        self._seen = current

    def _metrics_text(self, verbose2=False):
        text = ""
        for name in self._order:
            total, count = self._values[name]
            text += f" - {name}:" + _value_text(total / max(1, count), verbose2)
        return text

    def _step_seconds(self, current, now):
        """Seconds per step, leaving out the first step (tracing and compiling) once there are
        later ones."""
        if not current:
            return 0.0
        if self._after_first_step is not None and current > 1:
            per = (now - self._after_first_step) / (current - 1)
        else:
            per = (now - self._start) / current
        if current == 1:
            self._after_first_step = now
        return per

    # -- drawing -------------------------------------------------------------------------------
    def _bar(self, current):
        """The count and bar as (text, style) pieces; style is an escape code or None."""
        if not self.target:
            return [(f"{current:7d}/Unknown", None)]
        digits = int(math.log10(self.target)) + 1
        count = f"{current:{digits}d}/{self.target}"
        done = min(int(self.width * current / self.target), self.width)
        if self.legacy:
            bar = ("=" * (done - 1) + (">" if current < self.target else "=")) if done else ""
            return [(f"{count} [{bar}{'.' * (self.width - done)}]", None)]
        # Keras 3 tells done from to-do by color only; without color the rest is drawn lighter.
        rest = "━" if self._color() else "─"
        return [(count, _BOLD), (" ", None), ("━" * done, _GREEN), (rest * (self.width - done),
                                                                      _GREY)]

    def update(self, current: int, values: Union[Mapping[str, Any], Iterable[tuple], None] = None,
               finalize: Optional[bool] = None) -> None:
        """Shows step `current` of target; values: (name, value) pairs or a dict of the latest
        logs; finalize: whether this is the last update (default: current >= target)."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        if finalize and self.target is None:
            self.target = current  # a generator's length is known once it ends
        self._record(current, values, finalize)
        now = time.perf_counter()
        per_step = self._step_seconds(current, now)
        if self.verbose == 1:
            if not finalize and (not self.dynamic or now - self._last_update < self.interval):
                return
            self._draw(current, now, per_step, finalize)
        elif self.verbose == 2 and finalize:
            self._write(self._verbose2_line(current, now, per_step) + "\n")
        self._last_update = now

    def add(self, n: int, values: Union[Mapping[str, Any], Iterable[tuple], None] = None) -> None:
        self.update(self._seen + n, values)

    def _draw(self, current, now, per_step, finalize):
        pieces = self._bar(current)
        if self.target and not finalize:
            eta = _eta_text(per_step * (self.target - current))
            pieces += [(" - ETA: " + eta, None)] if self.legacy else [(" ", None), (eta, _BOLD)]
        else:
            elapsed = f"{now - self._start:.0f}s"
            pieces += [(" - " + elapsed, None)] if self.legacy else [(" ", None), (elapsed, _BOLD)]
        if not self.legacy or finalize:
            pieces.append((_format_time(per_step, self.unit_name), None))
        pieces.append((self._metrics_text(), None))
        color = self._color()
        text = "".join(f"{style}{t}{_RESET}" if style and color and t else t
                       for t, style in pieces)
        width = sum(len(t) for t, _ in pieces)
        # Blanks over whatever a longer previous line left on screen.
        pad = " " * max(self._prev_width - width, 0) if self.dynamic else ""
        self._prev_width = width
        self._write(("\r" if self.dynamic else "") + text + pad + ("\n" if finalize else ""))

    def _verbose2_line(self, current, now, per_step):
        target = self.target or current
        digits = int(math.log10(max(target, 1))) + 1
        line = f"{current:{digits}d}/{target} - {now - self._start:.0f}s"
        if self.legacy:
            epoch = now - self._start
            return (line + self._metrics_text(verbose2=True) + " -" +
                    _format_time(epoch, "epoch") + " -" +
                    _format_time(epoch / max(target, 1), self.unit_name))
        return line + " -" + _format_time(per_step, self.unit_name) + \
            self._metrics_text(verbose2=True)

    def _write(self, text):
        io_utils.print_msg(text, line_break=False, stream=self._stream)
