"""Learning-rate schedules (keras.optimizers.schedules): the learning rate as a function of the
optimizer's step, computed with graphflow ops so the step may be a symbolic tensor (the
optimizer's `iterations` read inside a traced train step).

    >>> from graphflow.keras.optimizers import schedules
    >>> s = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    >>> round(float(s(10)), 6)
    0.05
"""
import math

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.keras import object_registration as registry
from graphflow.ops import api as ops
from graphflow.tensor import Tensor, Variable


def _step(step, dtype=dtypes.float32):
    """The step as a tensor of `dtype` (Python ints, tensors and Variables accepted)."""
    if isinstance(step, Variable):
        step = step.value()
    if not isinstance(step, Tensor):
        step = ops.convert_to_tensor(step)
    return step if step.dtype is dtype else ops.cast(step, dtype)


class LearningRateSchedule:
    """Base class: `schedule(step)` returns the learning rate for a (possibly symbolic) step.

        >>> class Halving(keras.optimizers.schedules.LearningRateSchedule):
        ...     def __call__(self, step):
        ...         return 1.0 / tf.pow(2.0, tf.cast(step, tf.float32))
        ...     def get_config(self):
        ...         return {}
        >>> float(Halving()(3))
        0.125
    """

    def __call__(self, step):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(step)")

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__} must implement get_config()")

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} {self.get_config()}>"


def _positive(owner, name, value):
    if value is None or float(value) <= 0:
        raise InvalidArgumentError(f"{owner}: {name} must be > 0, got {value!r}")
    return value


class ExponentialDecay(LearningRateSchedule):
    """initial_learning_rate * decay_rate ** (step / decay_steps), with the exponent floored
    when staircase=True.

        >>> s = keras.optimizers.schedules.ExponentialDecay(1.0, 2, 0.5, staircase=True)
        >>> [float(s(i)) for i in range(4)]
        [1.0, 1.0, 0.5, 0.5]
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive("ExponentialDecay", "decay_steps", decay_steps)
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        p = _step(step) / float(self.decay_steps)
        if self.staircase:
            p = ops.floor(p)
        return float(self.initial_learning_rate) * ops.pow(
            ops.constant(float(self.decay_rate), dtypes.float32), p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """initial_learning_rate / (1 + decay_rate * step / decay_steps), with the ratio floored
    when staircase=True.

        >>> s = keras.optimizers.schedules.InverseTimeDecay(1.0, 1, 1.0)
        >>> float(s(3))
        0.25
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive("InverseTimeDecay", "decay_steps", decay_steps)
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        p = _step(step) / float(self.decay_steps)
        if self.staircase:
            p = ops.floor(p)
        return float(self.initial_learning_rate) / (1.0 + float(self.decay_rate) * p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[0] while step <= boundaries[0], values[i] while boundaries[i-1] < step <=
    boundaries[i], values[-1] after the last boundary.

        >>> s = keras.optimizers.schedules.PiecewiseConstantDecay([2, 4], [1.0, 0.5, 0.1])
        >>> [round(float(s(i)), 3) for i in (0, 2, 3, 4, 5)]
        [1.0, 1.0, 0.5, 0.5, 0.1]
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise InvalidArgumentError(
                f"PiecewiseConstantDecay: the length of boundaries ({len(boundaries)}) should be "
                f"one less than the length of values ({len(values)})")
        if any(b > a for a, b in zip(boundaries[1:], boundaries[:-1])):
            raise InvalidArgumentError(
                f"PiecewiseConstantDecay: boundaries must be increasing, got {boundaries}")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        integral = all(float(b).is_integer() for b in self.boundaries)
        # Integer steps compare exactly as int64 (float32 would round steps beyond 2**24).
        x = _step(step, dtypes.int64 if integral else dtypes.float32)
        result = ops.constant(float(self.values[-1]), dtypes.float32)
        for boundary, value in reversed(list(zip(self.boundaries, self.values[:-1]))):
            bound = int(boundary) if integral else float(boundary)
            result = ops.where(ops.less_equal(x, bound),
                               ops.constant(float(value), dtypes.float32), result)
        return result

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """(initial - end) * (1 - step / decay_steps) ** power + end, with step clipped to
    decay_steps (or decay_steps stretched to the next multiple when cycle=True).

        >>> s = keras.optimizers.schedules.PolynomialDecay(1.0, 4, end_learning_rate=0.0)
        >>> [float(s(i)) for i in (0, 2, 8)]
        [1.0, 0.5, 0.0]
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive("PolynomialDecay", "decay_steps", decay_steps)
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        x = _step(step)
        decay_steps = float(self.decay_steps)
        if self.cycle:
            # A zero step keeps multiplier 1 (not 0), as Keras does.
            multiplier = ops.where(ops.equal(x, 0.0), ops.ones_like(x), ops.ceil(x / decay_steps))
            steps = decay_steps * multiplier
        else:
            steps = decay_steps
            x = ops.minimum(x, decay_steps)
        fraction = 1.0 - x / steps
        span = float(self.initial_learning_rate) - float(self.end_learning_rate)
        return span * ops.pow(fraction, ops.constant(float(self.power), dtypes.float32)) + \
            float(self.end_learning_rate)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay from initial_learning_rate (or, after `warmup_steps` of linear warmup, from
    `warmup_target`) to alpha * that rate over `decay_steps`.

        >>> s = keras.optimizers.schedules.CosineDecay(1.0, decay_steps=10)
        >>> [round(float(s(i)), 4) for i in (0, 5, 10, 20)]
        [1.0, 0.5, 0.0, 0.0]
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive("CosineDecay", "decay_steps", decay_steps)
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _decay(self, step, decay_from):
        fraction = step / float(self.decay_steps)
        cosine = 0.5 * (1.0 + ops.cos(math.pi * fraction))
        return decay_from * ((1.0 - float(self.alpha)) * cosine + float(self.alpha))

    def __call__(self, step):
        x = _step(step)
        initial = float(self.initial_learning_rate)
        if self.warmup_target is None:
            return self._decay(ops.minimum(x, float(self.decay_steps)), initial)
        target, warmup = float(self.warmup_target), float(self.warmup_steps)
        x = ops.minimum(x, float(self.decay_steps) + warmup)
        warming = (target - initial) * (x / max(warmup, 1e-30)) + initial
        decaying = self._decay(x - warmup, target)
        return ops.where(ops.less(x, warmup), warming, decaying)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter, 2016): cosine decay over
    first_decay_steps, then restarts whose length grows by t_mul and whose initial rate is
    multiplied by m_mul, each decaying to alpha times its start.

        >>> s = keras.optimizers.schedules.CosineDecayRestarts(1.0, first_decay_steps=2)
        >>> [round(float(s(i)), 4) for i in (0, 1, 2, 3, 4, 6)]
        [1.0, 0.5, 1.0, 0.8536, 0.5, 1.0]
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = _positive("CosineDecayRestarts", "first_decay_steps",
                                           first_decay_steps)
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        fraction = _step(step) / float(self.first_decay_steps)
        t_mul = float(self._t_mul)
        if t_mul == 1.0:
            i_restart = ops.floor(fraction)
            fraction = fraction - i_restart
        else:
            # the restart a step is in, from the geometric series of the restarts' lengths
            i_restart = ops.floor(ops.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            t_power = ops.pow(ops.constant(t_mul, dtypes.float32), i_restart)
            fraction = (fraction - (1.0 - t_power) / (1.0 - t_mul)) / t_power
        m_fac = ops.pow(ops.constant(float(self._m_mul), dtypes.float32), i_restart)
        cosine = 0.5 * m_fac * (1.0 + ops.cos(math.pi * fraction))
        alpha = float(self.alpha)
        return float(self.initial_learning_rate) * ((1.0 - alpha) * cosine + alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


ALIASES = {cls.__name__: cls for cls in (
    ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay, PolynomialDecay, CosineDecay,
    CosineDecayRestarts)}


def serialize(schedule):
    """{"class_name", "config"} for a schedule.

        >>> serialize(ExponentialDecay(0.1, 10, 0.9))["class_name"]
        'ExponentialDecay'
    """
    if not isinstance(schedule, LearningRateSchedule):
        raise InvalidArgumentError(f"Cannot serialize {schedule!r}: not a LearningRateSchedule")
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(config, custom_objects=None):
    """The schedule described by `serialize`'s output (graphflow's schedules or registered
    custom objects)."""
    return registry.deserialize("learning rate schedule", config, ALIASES, custom_objects)
