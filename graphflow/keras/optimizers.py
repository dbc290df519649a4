"""Optimizers: SGD, RMSprop, Adam, AdamW, Adagrad, Nadam, Adadelta, Adamax, Ftrl, Lion, Lamb,
Adafactor and LossScaleOptimizer, with Keras 3's update rules (and its use_ema,
loss_scale_factor, weight decay and clipping options).

`apply_gradients(grads_and_vars)` works eagerly and inside a traced graphflow.function (fit's
train step). Slot variables (momenta, velocities, ...) are created the first time a variable is
seen and reused afterwards. The learning rate lives in a Variable (or comes from a schedule
evaluated on `iterations`), so it is a tensor computed once per step: setting
`optimizer.learning_rate` between calls takes effect without retracing.

Each variable's update computes every new slot value once and reuses it, and never reads a
variable after assigning it, so the compiler can fuse a variable's whole update into one in-place
kernel.

    >>> import graphflow as tf
    >>> from graphflow.keras import optimizers
    >>> v = tf.Variable([1.0, 2.0])
    >>> opt = optimizers.SGD(learning_rate=0.1)
    >>> opt.apply_gradients([(tf.constant([1.0, 1.0]), v)])
    >>> v.numpy()
    array([0.9, 1.9], dtype=float32)
"""
import re
import warnings

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.keras import object_registration as registry
from graphflow.keras import optimizers_schedules as schedules
from graphflow.ops import api as ops
from graphflow.tensor import Tensor, Variable

LearningRateSchedule = schedules.LearningRateSchedule

# Keras 3 arguments graphflow accepts only at their default values.
_UNSUPPORTED = {"gradient_accumulation_steps": None}


class Optimizer:
    """Base class. Subclasses list their slots in `_slot_names` (with `_slot_initial`) and
    implement `_update_step(gradient, variable, value, slots, lr, shared)` returning the amount
    to subtract from the variable. `_prepare_step(lr, dtype, state)` computes the per-step values
    every variable of one dtype shares (bias corrections), from what `_begin_step()` returned
    (it runs once per step and may update optimizer state).

        >>> class SignSGD(keras.optimizers.Optimizer):
        ...     def _update_step(self, gradient, variable, value, slots, lr, shared):
        ...         return lr * tf.sign(gradient)
        >>> v = tf.Variable([1.0, -1.0])
        >>> SignSGD(learning_rate=0.5).apply_gradients([(tf.constant([3.0, -2.0]), v)])
        >>> v.numpy()
        array([ 0.5, -0.5], dtype=float32)
    """

    _slot_names = ()

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name="optimizer", use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, **kwargs):
        self.name = name
        if use_ema:
            if not 0 <= float(ema_momentum) <= 1:
                raise InvalidArgumentError(
                    f"{type(self).__name__} {name!r}: ema_momentum must be in [0, 1], got "
                    f"{ema_momentum}")
            if ema_overwrite_frequency is not None and (
                    not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1):
                raise InvalidArgumentError(
                    f"{type(self).__name__} {name!r}: ema_overwrite_frequency must be an "
                    f"integer >= 1 or None, got {ema_overwrite_frequency!r}")
        self.use_ema = bool(use_ema)
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        for key, value in kwargs.items():
            if key in ("lr", "decay"):
                raise InvalidArgumentError(
                    f"{type(self).__name__} {name!r}: argument `{key}` is no longer supported; "
                    + ("use `learning_rate`" if key == "lr" else
                       "use a keras.optimizers.schedules.LearningRateSchedule"))
            if key not in _UNSUPPORTED:
                raise TypeError(f"{type(self).__name__}: unexpected keyword argument {key!r}")
            if value != _UNSUPPORTED[key]:
                raise InvalidArgumentError(
                    f"{type(self).__name__} {name!r}: {key}={value!r} is not supported")
        set_clips = [k for k, v in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                    ("global_clipnorm", global_clipnorm)) if v is not None]
        if len(set_clips) > 1:
            raise InvalidArgumentError(
                f"{type(self).__name__} {name!r}: only one of clipnorm, clipvalue and "
                f"global_clipnorm can be set, got {set_clips}")
        for key, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                           ("global_clipnorm", global_clipnorm), ("weight_decay", weight_decay)):
            if value is not None and float(value) < 0:
                raise InvalidArgumentError(
                    f"{type(self).__name__} {name!r}: {key} must be >= 0, got {value}")
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.iterations = Variable(np.int64(0), trainable=False, name=f"{name}/iteration")
        self._schedule = None
        self._learning_rate = Variable(np.float32(0.0), trainable=False,
                                       name=f"{name}/learning_rate")
        self._variables = [self.iterations, self._learning_rate]
        self._slots = {}      # id(model variable) -> (variable, {slot name: Variable})
        self._exclude_ids = set()
        self._exclude_names = []
        self.built = False
        self.learning_rate = learning_rate

    # -- learning rate ---------------------------------------------------------------------------
    @property
    def learning_rate(self):
        """The current learning rate: the learning-rate Variable, or the schedule's value at
        `iterations`."""
        if self._schedule is not None:
            return self._current_learning_rate()
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, LearningRateSchedule) or (callable(value) and
                                                      not isinstance(value, (Variable, Tensor))):
            self._schedule = value
            return
        if self._schedule is not None:
            raise TypeError(
                f"{type(self).__name__} {self.name!r} was created with a LearningRateSchedule as "
                "its learning_rate, so its learning rate is not settable; create the optimizer "
                "with a float learning_rate to change it during training")
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise InvalidArgumentError(
                f"{type(self).__name__} {self.name!r}: learning_rate must be a float or a "
                f"LearningRateSchedule, got {value!r}") from None
        self._learning_rate.assign(np.float32(value))

    lr = learning_rate

    def _current_learning_rate(self):
        """The learning rate as a float32 tensor, computed once per step."""
        if self._schedule is None:
            return self._learning_rate.value()
        if isinstance(self._schedule, LearningRateSchedule):
            lr = self._schedule(self.iterations.value())
        else:
            lr = self._schedule()  # a zero-argument callable, as Keras allows
        lr = lr.value() if isinstance(lr, Variable) else lr
        if not isinstance(lr, Tensor):
            lr = ops.constant(float(lr), dtypes.float32)
        return lr if lr.dtype is dtypes.float32 else ops.cast(lr, dtypes.float32)

    # -- variables -------------------------------------------------------------------------------
    @property
    def variables(self):
        """iterations, the learning rate, then every slot variable in creation order."""
        return list(self._variables)

    def _slot_initial(self, slot_name):
        return 0.0

    def _slot_shape(self, slot_name, var):
        """The shape of `var`'s slot `slot_name` (its own shape unless the optimizer factors
        it, as Adafactor)."""
        return var.shape.as_list()

    def _all_slot_names(self):
        # Keras's base build adds the EMA averages before the subclass's slots
        return (("average",) if self.use_ema else ()) + tuple(self._slot_names)

    def build(self, var_list):
        """Creates the slot variables of `var_list` (done lazily by apply_gradients too)."""
        for var in var_list:
            self._slots_for(var)
        self.built = True

    def _build_or_check(self, variables):
        """As Keras 3: the first update builds the optimizer for its variables (those without a
        gradient too); later ones may only update variables it was built with."""
        if not self.built:
            self.build(variables)
            return
        for var in variables:
            entry = self._slots.get(id(var))
            if entry is None or entry[0] is not var:
                raise ValueError(
                    f"Unknown variable: {var}. This optimizer can only be called for the "
                    "variables it was originally built with. When working with a new set of "
                    "variables, you should recreate a new optimizer instance.")

    def _slots_for(self, var):
        entry = self._slots.get(id(var))
        if entry is not None and entry[0] is var:
            return entry[1]
        if not isinstance(var, Variable):
            raise InvalidArgumentError(
                f"{type(self).__name__} {self.name!r}: can only update Variables, got "
                f"{type(var).__name__} {var!r:.60}")
        if not var.shape.is_fully_defined():
            raise InvalidArgumentError(
                f"{type(self).__name__} {self.name!r}: variable {var.name!r} has a partially "
                f"known shape {var.shape}; slot variables need a full shape")
        slots = {}
        # Variable() with a concrete value runs eagerly even inside a trace (lifted out).
        base = var.name[:-2] if var.name.endswith(":0") else var.name
        for slot in self._all_slot_names():
            initial = np.full(self._slot_shape(slot, var), self._slot_initial(slot),
                              var.dtype.np)
            slots[slot] = Variable(initial, trainable=False, name=f"{base}/{slot}")
            self._variables.append(slots[slot])
        self._slots[id(var)] = (var, slots)
        return slots

    def get_slot(self, var, slot_name):
        """The slot variable `slot_name` ("momentum", "velocity", ...) of `var`."""
        slots = self._slots_for(var)
        if slot_name not in slots:
            raise InvalidArgumentError(
                f"{type(self).__name__} {self.name!r} has no slot {slot_name!r}; its slots are "
                f"{list(self._all_slot_names())}")
        return slots[slot_name]

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Variables (or name patterns) that weight decay skips."""
        self._exclude_ids.update(id(v) for v in var_list or [])
        self._exclude_names.extend(var_names or [])

    def _use_weight_decay(self, var):
        if not self.weight_decay or id(var) in self._exclude_ids:
            return False
        return not any(re.search(pattern, var.name) for pattern in self._exclude_names)

    # -- gradients -------------------------------------------------------------------------------
    def _filter(self, grads_and_vars):
        pairs = list(grads_and_vars)
        for pair in pairs:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise InvalidArgumentError(
                    f"{type(self).__name__} {self.name!r}: apply_gradients expects (gradient, "
                    f"variable) pairs, got {pair!r:.80}")
        self._build_or_check([v for _, v in pairs])
        kept = [(g, v) for g, v in pairs if g is not None]
        missing = [getattr(v, "name", repr(v)) for g, v in pairs if g is None]
        if not kept:
            raise InvalidArgumentError(
                f"{type(self).__name__} {self.name!r}: no gradients provided for any variable: "
                f"{missing}. Is the loss connected to the variables (computed under the "
                "GradientTape, from them)?")
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the "
                          "loss; they are not updated.", stacklevel=3)
        out = []
        for g, v in kept:
            if isinstance(g, Variable):
                g = g.value()
            elif not isinstance(g, Tensor):
                g = ops.convert_to_tensor(np.asarray(g, dtype=v.dtype.np))
            if g.dtype is not v.dtype:
                g = ops.cast(g, v.dtype)
            if g.shape.rank is not None and not v.shape.is_compatible_with(g.shape):
                raise InvalidArgumentError(
                    f"{type(self).__name__} {self.name!r}: the gradient of variable {v.name!r} "
                    f"has shape {g.shape}, but the variable has shape {v.shape}")
            out.append((g, v))
        return out

    def _clip(self, grads):
        if self.clipnorm is not None and self.clipnorm > 0:
            return [self._clip_by_norm(g, float(self.clipnorm)) for g in grads]
        if self.global_clipnorm is not None and self.global_clipnorm > 0:
            return clip_by_global_norm(grads, float(self.global_clipnorm))
        if self.clipvalue is not None and self.clipvalue > 0:
            v = float(self.clipvalue)
            return [ops.clip_by_value(g, -v, v) for g in grads]
        return grads

    @staticmethod
    def _clip_by_norm(g, clipnorm):
        """g * clipnorm / max(||g||, clipnorm) (Keras: the where keeps a zero gradient's norm
        finite)."""
        l2sum = ops.reduce_sum(ops.square(g))
        positive = ops.greater(l2sum, 0.0)
        l2norm = ops.where(positive, ops.sqrt(ops.where(positive, l2sum, ops.ones_like(l2sum))),
                           l2sum)
        return g * clipnorm / ops.maximum(l2norm, clipnorm)

    # -- applying --------------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars, name=None):
        """Updates each variable from its gradient (None gradients are skipped), then
        increments `iterations`."""
        pairs = self._filter(grads_and_vars)
        from graphflow.distribute.strategy import aggregate_gradients
        pairs = aggregate_gradients(pairs)  # all-reduced under a multi-process strategy
        self._apply_pairs(pairs)

    def _apply_pairs(self, pairs):
        """apply_gradients after filtering and aggregation."""
        for _, v in pairs:
            self._slots_for(v)
        self.built = True
        grads = [g for g, _ in pairs]
        if self.loss_scale_factor is not None:
            grads = [g / float(self.loss_scale_factor) for g in grads]
        self._apply_updates(self._clip(grads), [v for _, v in pairs])
        self.iterations.assign_add(1)

    def _apply_updates(self, grads, variables):
        """The update of every variable from its (clipped) gradient, then the EMA and the
        constraints; `iterations` is still the number of the step before this one."""
        lr = self._current_learning_rate()
        state = self._begin_step()
        per_dtype = {}  # dtype -> (learning rate, shared values), computed once per step
        new_values = []
        for g, var in zip(grads, variables):
            if var.dtype not in per_dtype:
                var_lr = lr if var.dtype is dtypes.float32 else ops.cast(lr, var.dtype)
                per_dtype[var.dtype] = (var_lr, self._prepare_step(var_lr, var.dtype, state))
            var_lr, shared = per_dtype[var.dtype]
            value = var.value()
            decay = self._use_weight_decay(var)
            if decay:
                # Keras decays first (var - var * wd * lr), then updates from the decayed value.
                value = value - value * float(self.weight_decay) * var_lr
            out = self._update_step(g, var, value, self._slots_for(var), var_lr, shared)
            if self._returns_new_value:
                new = out
                var.assign(new)
            elif decay:
                new = value - out
                var.assign(new)
            else:
                new = None
                var.assign_sub(out)
            if self.use_ema:
                new_values.append(new if new is not None else value - out)
            elif callable(getattr(var, "constraint", None)):  # Keras projects after the update
                var.assign(var.constraint(var.value()))
        if self.use_ema:
            self._update_ema(variables, new_values)
            for var in variables:
                if callable(getattr(var, "constraint", None)):
                    var.assign(var.constraint(var.value()))

    # Subclasses whose _update_step computes the variable's new value (Ftrl) rather than the
    # amount to subtract set this.
    _returns_new_value = False

    def _update_ema(self, variables, new_values):
        """Keras's moving averages of the updated variables (the first step copies them) and,
        every ema_overwrite_frequency steps, the averages written into the variables."""
        not_first = ops.cast(ops.not_equal(self.iterations.value(), 0), dtypes.float32)
        overwrite = None
        if self.ema_overwrite_frequency:
            overwrite = ops.equal(
                ops.floormod(self.iterations.value() + 1, int(self.ema_overwrite_frequency)), 0)
        for var, new in zip(variables, new_values):
            average = self._slots_for(var)["average"]
            momentum = not_first * float(self.ema_momentum)
            if var.dtype is not dtypes.float32:
                momentum = ops.cast(momentum, var.dtype)
            new_average = momentum * average.value() + (1.0 - momentum) * new
            average.assign(new_average)
            if overwrite is not None:
                var.assign(ops.where(overwrite, new_average, new))

    def scale_loss(self, loss):
        """loss * loss_scale_factor when one is set (apply_gradients divides the gradients by
        it again), else the loss.

            >>> keras.optimizers.SGD(loss_scale_factor=8.0).scale_loss(tf.constant(2.0)).numpy()
            16.0
        """
        if self.loss_scale_factor is not None:
            return loss * float(self.loss_scale_factor)
        return loss

    def finalize_variable_values(self, var_list):
        """With use_ema, writes each variable's moving average into it (fit does this at the
        end of training, as Keras)."""
        if not self.use_ema:
            return
        for var in var_list:
            entry = self._slots.get(id(var))
            if entry is not None and entry[0] is var:
                var.assign(entry[1]["average"].value())

    def apply(self, grads, trainable_variables):
        """Keras 3's form: gradients and variables as two lists."""
        return self.apply_gradients(zip(grads, trainable_variables))

    def minimize(self, loss, var_list, tape=None):
        """Computes gradients of `loss` (a zero-argument callable, or a tensor computed under
        `tape`) with respect to `var_list` and applies them."""
        from graphflow.autodiff import GradientTape
        if callable(loss):
            with GradientTape() as tape:
                if not callable(var_list):
                    for v in var_list:
                        tape.watch(v)
                value = loss()
        elif tape is None:
            raise InvalidArgumentError(
                f"{type(self).__name__} {self.name!r}: minimize() got a tensor loss without the "
                "GradientTape that computed it; pass tape=, or pass the loss as a callable")
        else:
            value = loss
        if callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        grads = tape.gradient(value, var_list)
        self.apply_gradients(zip(grads, var_list))
        return self.iterations

    def _begin_step(self):
        return {}

    def _prepare_step(self, lr, dtype, state):
        return {}

    def _update_step(self, gradient, variable, value, slots, lr, shared):
        raise NotImplementedError(f"{type(self).__name__} must implement _update_step")

    # -- configuration ---------------------------------------------------------------------------
    def get_config(self):
        if isinstance(self._schedule, LearningRateSchedule):
            lr = schedules.serialize(self._schedule)
        elif self._schedule is not None:
            lr = float(self._current_learning_rate())
        else:
            lr = float(self._learning_rate.numpy())
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": None}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"],
                                                            custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def clip_by_global_norm(grads, clip_norm):
    """Scales all gradients by clip_norm / max(global_norm, clip_norm) (NaN when the global
    norm is not finite, as Keras).

        >>> grads = clip_by_global_norm([tf.constant(3.0), tf.constant(4.0)], 1.0)
        >>> [round(float(g), 4) for g in grads]
        [0.6, 0.8]
    """
    total = None
    for g in grads:
        s = ops.reduce_sum(ops.square(ops.cast(g, dtypes.float32)))
        total = s if total is None else total + s
    norm = ops.sqrt(total)
    scale = clip_norm * ops.minimum(1.0 / norm, 1.0 / clip_norm)
    scale = scale + (norm - norm)  # NaN if the norm is not finite
    return [g * (scale if g.dtype is dtypes.float32 else ops.cast(scale, g.dtype)) for g in grads]


def _step_float(optimizer, dtype, offset=1):
    """iterations + offset in `dtype` (the number of the step being applied, from 1)."""
    return ops.cast(optimizer.iterations.value() + offset, dtype)


def _const(value, dtype):
    return ops.constant(float(value), dtype)


# -- the optimizers --------------------------------------------------------------------------------

class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum:
    m = momentum * m - lr * g; w += m (or w += momentum * m - lr * g with Nesterov);
    without momentum w -= lr * g.

        >>> v = tf.Variable(1.0)
        >>> opt = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     opt.apply_gradients([(tf.constant(1.0), v)])
        >>> round(float(v), 4)
        0.71
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name="SGD", **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name,
                         **kwargs)
        if not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
            raise InvalidArgumentError(f"SGD {name!r}: momentum must be a float in [0, 1], got "
                                       f"{momentum!r}")
        self.momentum = momentum
        self.nesterov = nesterov
        self._slot_names = ("momentum",) if momentum != 0 else ()

    def _update_step(self, gradient, variable, value, slots, lr, shared):
        if not self._slot_names:
            return gradient * lr
        m = slots["momentum"]
        step = gradient * lr
        new_m = m.value() * float(self.momentum) - step
        m.assign(new_m)
        if self.nesterov:
            return -(new_m * float(self.momentum) - step)
        return -new_m

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config


class RMSprop(Optimizer):
    """Divides the gradient by a running root mean square:
    v = rho * v + (1 - rho) * g**2; w -= lr * g / sqrt(v + eps) (centered: sqrt(v - a**2 + eps)
    with a the running mean gradient; momentum: m = momentum * m + step; w -= m).

        >>> v = tf.Variable(1.0)
        >>> keras.optimizers.RMSprop(learning_rate=0.1).apply_gradients([(tf.constant(2.0), v)])
        >>> round(float(v), 4)
        0.6838
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name="rmsprop", **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name,
                         **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
        self._slot_names = ("velocity",) + (("momentum",) if momentum > 0 else ()) + \
            (("average_gradient",) if centered else ())

    def _update_step(self, gradient, variable, value, slots, lr, shared):
        rho = float(self.rho)
        velocity = slots["velocity"]
        new_v = rho * velocity.value() + (1.0 - rho) * ops.square(gradient)
        velocity.assign(new_v)
        if self.centered:
            average = slots["average_gradient"]
            new_a = rho * average.value() + (1.0 - rho) * gradient
            average.assign(new_a)
            denominator = new_v - ops.square(new_a) + float(self.epsilon)
        else:
            denominator = new_v + float(self.epsilon)
        increment = lr * gradient / ops.sqrt(denominator)
        if self.momentum > 0:
            momentum = slots["momentum"]
            new_m = float(self.momentum) * momentum.value() + increment
            momentum.assign(new_m)
            return new_m
        return increment

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config


class Adam(Optimizer):
    """Adam: m += (g - m) * (1 - beta_1); v += (g**2 - v) * (1 - beta_2);
    w -= lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (sqrt(v) + eps) (amsgrad: with the
    running maximum of v).

        >>> v = tf.Variable(1.0)
        >>> keras.optimizers.Adam(learning_rate=0.1).apply_gradients([(tf.constant(2.0), v)])
        >>> round(float(v), 4)
        0.9
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name="adam", **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name,
                         **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self._slot_names = ("momentum", "velocity") + (("velocity_hat",) if amsgrad else ())

    def _prepare_step(self, lr, dtype, state):
        t = _step_float(self, dtype)
        beta_1_power = ops.pow(_const(self.beta_1, dtype), t)
        beta_2_power = ops.pow(_const(self.beta_2, dtype), t)
        return {"alpha": lr * ops.sqrt(1.0 - beta_2_power) / (1.0 - beta_1_power)}

    def _update_step(self, gradient, variable, value, slots, lr, shared):
        m, v = slots["momentum"], slots["velocity"]
        m_value, v_value = m.value(), v.value()
        new_m = m_value + (gradient - m_value) * (1.0 - float(self.beta_1))
        new_v = v_value + (ops.square(gradient) - v_value) * (1.0 - float(self.beta_2))
        m.assign(new_m)
        v.assign(new_v)
        if self.amsgrad:
            v_hat = slots["velocity_hat"]
            new_v = ops.maximum(v_hat.value(), new_v)
            v_hat.assign(new_v)
        return (new_m * shared["alpha"]) / (ops.sqrt(new_v) + float(self.epsilon))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config


class AdamW(Adam):
    """Adam with decoupled weight decay: w -= w * weight_decay * lr before the Adam update.

        >>> v = tf.Variable(1.0)
        >>> opt = keras.optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
        >>> opt.apply_gradients([(tf.constant(2.0), v)])
        >>> round(float(v), 4)
        0.85
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name="adamw", **kwargs):
        if weight_decay is None:
            raise InvalidArgumentError(f"AdamW {name!r}: weight_decay must be a float, got None")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay, clipnorm,
                         clipvalue, global_clipnorm, name, **kwargs)


class Adagrad(Optimizer):
    """Adagrad: a += g**2; w -= lr * g / sqrt(a + eps), with a starting at
    initial_accumulator_value.

        >>> v = tf.Variable(1.0)
        >>> keras.optimizers.Adagrad(learning_rate=0.1).apply_gradients([(tf.constant(2.0), v)])
        >>> round(float(v), 4)
        0.9012
    """

    _slot_names = ("accumulator",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name="adagrad", **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name,
                         **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def _slot_initial(self, slot_name):
        return float(self.initial_accumulator_value)

    def _update_step(self, gradient, variable, value, slots, lr, shared):
        accumulator = slots["accumulator"]
        new_a = accumulator.value() + ops.square(gradient)
        accumulator.assign(new_a)
        return lr * gradient / ops.sqrt(new_a + float(self.epsilon))

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config


class Nadam(Optimizer):
    """Adam with Nesterov momentum (Dozat 2016), with Keras's momentum schedule
    u_t = beta_1 * (1 - 0.5 * 0.96**t) and its running product.

        >>> v = tf.Variable(1.0)
        >>> keras.optimizers.Nadam(learning_rate=0.1).apply_gradients([(tf.constant(2.0), v)])
        >>> round(float(v), 4)
        0.8937
    """

    _slot_names = ("momentum", "velocity")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name="nadam", **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name,
                         **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self._u_product = Variable(np.float32(1.0), trainable=False, name=f"{name}/u_product")
        self._variables.append(self._u_product)

    def _begin_step(self):
        # Keras: u_product = u_product * beta_1 * (1 - 0.5 * 0.96**t) once per step, before the
        # variables' updates (which then use the new product).
        t = _step_float(self, dtypes.float32)
        u_product = self._u_product.value() * float(self.beta_1) * (
            1.0 - 0.5 * ops.pow(_const(0.96, dtypes.float32), t))
        self._u_product.assign(u_product)
        return {"u_product": u_product}

    def _prepare_step(self, lr, dtype, state):
        t = _step_float(self, dtype)
        beta_1 = float(self.beta_1)
        decay = _const(0.96, dtype)
        u_t = beta_1 * (1.0 - 0.5 * ops.pow(decay, t))
        u_t_1 = beta_1 * (1.0 - 0.5 * ops.pow(decay, t + 1.0))
        u_product = state["u_product"]
        if u_product.dtype is not dtype:
            u_product = ops.cast(u_product, dtype)
        u_product_next = u_product * u_t_1
        beta_2_power = ops.pow(_const(self.beta_2, dtype), t)
        return {"u_t": u_t, "u_t_1": u_t_1, "u_product": u_product,
                "u_product_next": u_product_next, "beta_2_power": beta_2_power}

    def _update_step(self, gradient, variable, value, slots, lr, shared):
        m, v = slots["momentum"], slots["velocity"]
        m_value, v_value = m.value(), v.value()
        new_m = m_value + (gradient - m_value) * (1.0 - float(self.beta_1))
        new_v = v_value + (ops.square(gradient) - v_value) * (1.0 - float(self.beta_2))
        m.assign(new_m)
        v.assign(new_v)
        m_hat = shared["u_t_1"] * new_m / (1.0 - shared["u_product_next"]) + \
            (1.0 - shared["u_t"]) * gradient / (1.0 - shared["u_product"])
        v_hat = new_v / (1.0 - shared["beta_2_power"])
        return (m_hat * lr) / (ops.sqrt(v_hat) + float(self.epsilon))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012): a = rho * a + (1 - rho) * g**2;
    delta = -sqrt(d + eps) / sqrt(a + eps) * g; d = rho * d + (1 - rho) * delta**2;
    w += lr * delta.

        >>> v = tf.Variable(1.0)
        >>> keras.optimizers.Adadelta(learning_rate=1.0).apply_gradients([(tf.constant(2.0), v)])
        >>> round(float(v), 6)
        0.998586
    """

    _slot_names = ("accumulated_grad", "accumulated_delta_var")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name="adadelta", **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name,
                         **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def _update_step(self, gradient, variable, value, slots, lr, shared):
        rho, eps = float(self.rho), float(self.epsilon)
        acc_grad, acc_delta = slots["accumulated_grad"], slots["accumulated_delta_var"]
        acc_delta_value = acc_delta.value()
        new_grad = rho * acc_grad.value() + (1.0 - rho) * ops.square(gradient)
        delta = -(ops.sqrt(acc_delta_value + eps) * gradient) / ops.sqrt(new_grad + eps)
        acc_grad.assign(new_grad)
        acc_delta.assign(rho * acc_delta_value + (1.0 - rho) * ops.square(delta))
        return -(lr * delta)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config


class Adamax(Optimizer):
    """Adam with the infinity norm: m += (g - m) * (1 - beta_1); u = max(beta_2 * u, |g|);
    w -= lr * m / ((1 - beta_1**t) * (u + eps)).

        >>> v = tf.Variable(1.0)
        >>> keras.optimizers.Adamax(learning_rate=0.1).apply_gradients([(tf.constant(2.0), v)])
        >>> round(float(v), 4)
        0.9
    """

    _slot_names = ("momentum", "norm")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name="adamax", **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name,
                         **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _prepare_step(self, lr, dtype, state):
        t = _step_float(self, dtype)
        return {"correction": 1.0 - ops.pow(_const(self.beta_1, dtype), t)}

    def _update_step(self, gradient, variable, value, slots, lr, shared):
        m, u = slots["momentum"], slots["norm"]
        m_value = m.value()
        new_m = m_value + (gradient - m_value) * (1.0 - float(self.beta_1))
        new_u = ops.maximum(float(self.beta_2) * u.value(), ops.abs(gradient))
        m.assign(new_m)
        u.assign(new_u)
        return (lr * new_m) / (shared["correction"] * (new_u + float(self.epsilon)))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config


class Ftrl(Optimizer):
    """Follow The Regularized Leader (McMahan et al., 2013) with L1, L2 and L2-shrinkage
    regularization, as Keras 3 computes it: the new weight is
    (clip(linear, -l1, l1) - linear) / (n**-p / lr + 2 * l2) for the accumulated squared
    gradients n and p = learning_rate_power.

        >>> v = tf.Variable(1.0)
        >>> keras.optimizers.Ftrl(learning_rate=0.1).apply_gradients([(tf.constant(2.0), v)])
        >>> round(float(v), 4)
        0.7451
    """

    _slot_names = ("accumulator", "linear")
    _returns_new_value = True

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name="ftrl", **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name,
                         **kwargs)
        for key, value, rule in (
                ("initial_accumulator_value", initial_accumulator_value, "positive or zero"),
                ("learning_rate_power", -learning_rate_power, "negative or zero"),
                ("l1_regularization_strength", l1_regularization_strength, "positive or zero"),
                ("l2_regularization_strength", l2_regularization_strength, "positive or zero"),
                ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength,
                 "positive or zero")):
            if value < 0.0:
                raise InvalidArgumentError(
                    f"Ftrl {name!r}: `{key}` needs to be {rule}, got "
                    f"{-value if key == 'learning_rate_power' else value}")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def _slot_initial(self, slot_name):
        return float(self.initial_accumulator_value) if slot_name == "accumulator" else 0.0

    def _update_step(self, gradient, variable, value, slots, lr, shared):
        accum, linear = slots["accumulator"], slots["linear"]
        power = -float(self.learning_rate_power)
        l1 = float(self.l1_regularization_strength)
        l2 = float(self.l2_regularization_strength) + float(self.beta) / (2.0 * lr)
        accum_value = accum.value()
        grad_to_use = gradient + 2.0 * float(self.l2_shrinkage_regularization_strength) * value
        new_accum = accum_value + ops.square(gradient)
        new_power = ops.pow(new_accum, power)
        sigma = (new_power - ops.pow(accum_value, power)) / lr
        new_linear = linear.value() + (grad_to_use - sigma * value)
        quadratic = new_power / lr + 2.0 * l2
        linear.assign(new_linear)
        accum.assign(new_accum)
        return (ops.clip_by_value(new_linear, -l1, l1) - new_linear) / quadratic

    def get_config(self):
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta})
        return config


class Lion(Optimizer):
    """Lion (Chen et al., 2023): w -= lr * sign(beta_1 * m + (1 - beta_1) * g), then
    m = beta_2 * m + (1 - beta_2) * g.

        >>> v = tf.Variable(1.0)
        >>> keras.optimizers.Lion(learning_rate=0.1).apply_gradients([(tf.constant(2.0), v)])
        >>> round(float(v), 4)
        0.9
    """

    _slot_names = ("momentum",)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name="lion", **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name,
                         **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise InvalidArgumentError(
                f"Lion {name!r}: argument `beta_1` must be in the (0, 1] range (0 makes it "
                f"SignSGD), got {beta_1}")
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def _update_step(self, gradient, variable, value, slots, lr, shared):
        m = slots["momentum"]
        m_value = m.value()
        b1, b2 = float(self.beta_1), float(self.beta_2)
        step = lr * ops.sign(m_value * b1 + gradient * (1.0 - b1))
        m.assign(m_value * b2 + gradient * (1.0 - b2))
        return step

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config


class Lamb(Optimizer):
    """LAMB (You et al., 2019): Adam's bias-corrected step m_hat / (sqrt(v_hat) + eps), scaled
    per variable by the trust ratio ||w|| / ||step|| (1 when either is 0).

        >>> v = tf.Variable([3.0, 4.0])
        >>> keras.optimizers.Lamb(learning_rate=0.1).apply_gradients([(tf.constant([1.0, 1.0]), v)])
        >>> [round(float(x), 4) for x in v]
        [2.6464, 3.6464]
    """

    _slot_names = ("momentum", "velocity")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name="lamb", **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name,
                         **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _prepare_step(self, lr, dtype, state):
        t = _step_float(self, dtype)
        return {"beta_1_power": ops.pow(_const(self.beta_1, dtype), t),
                "beta_2_power": ops.pow(_const(self.beta_2, dtype), t)}

    def _update_step(self, gradient, variable, value, slots, lr, shared):
        m, v = slots["momentum"], slots["velocity"]
        m_value, v_value = m.value(), v.value()
        new_m = m_value + (gradient - m_value) * (1.0 - float(self.beta_1))
        new_v = v_value + (ops.square(gradient) - v_value) * (1.0 - float(self.beta_2))
        m.assign(new_m)
        v.assign(new_v)
        m_hat = new_m / (1.0 - shared["beta_1_power"])
        v_sqrt = ops.sqrt(new_v / (1.0 - shared["beta_2_power"])) + float(self.epsilon)
        update = m_hat / v_sqrt
        w_norm = ops.sqrt(ops.reduce_sum(ops.square(value)))
        g_norm = ops.sqrt(ops.reduce_sum(ops.square(update)))
        one = ops.ones_like(w_norm)
        safe_g = ops.where(ops.greater(g_norm, 0.0), g_norm, one)
        ratio = ops.where(ops.greater(w_norm, 0.0),
                          ops.where(ops.greater(g_norm, 0.0), w_norm / safe_g, one), one)
        return ratio * lr * update

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config


class Adafactor(Optimizer):
    """Adafactor (Shazeer & Stern, 2018): second moments of a matrix kept as row and column
    means (r, c) instead of a full matrix; step size relative to the weights' RMS; updates
    clipped to an RMS of clip_threshold. Variables of rank < 2 keep a full second moment.

        >>> v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
        >>> opt = keras.optimizers.Adafactor(learning_rate=0.1)
        >>> opt.apply_gradients([(tf.constant([[1.0, 1.0], [1.0, 1.0]]), v)])
        >>> [round(float(x), 4) for x in tf.reshape(v, [-1])]
        [0.7261, 1.7261, 2.7261, 3.7261]
    """

    _slot_names = ("r", "c", "velocity")

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, name="adafactor", **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name,
                         **kwargs)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def _slot_shape(self, slot_name, var):
        shape = var.shape.as_list()
        if slot_name == "velocity":
            return shape
        if len(shape) < 2:
            return []  # unused (Keras keeps a scalar placeholder)
        return shape[:-1] if slot_name == "r" else shape[:-2] + shape[-1:]

    def _update_step(self, gradient, variable, value, slots, lr, shared):
        dtype = value.dtype
        t = _step_float(self, dtype)
        inv_sqrt_t = 1.0 / ops.sqrt(t)
        if self._schedule is None and self.relative_step:
            lr = ops.minimum(lr, inv_sqrt_t)
        rho_t = ops.minimum(lr, inv_sqrt_t)
        alpha_t = ops.maximum(_const(self.epsilon_2, dtype), _rms(value)) * rho_t
        regulated = ops.square(gradient) + float(self.epsilon_1)
        beta_2_t = 1.0 - ops.pow(t, _const(self.beta_2_decay, dtype))
        v = slots["velocity"]
        if value.shape.rank >= 2:
            r, c = slots["r"], slots["c"]
            new_r = beta_2_t * r.value() + (1.0 - beta_2_t) * ops.reduce_mean(regulated, -1)
            new_c = beta_2_t * c.value() + (1.0 - beta_2_t) * ops.reduce_mean(regulated, -2)
            new_v = ops.expand_dims(new_r / ops.reduce_mean(new_r, -1, keepdims=True), -1) * \
                ops.expand_dims(new_c, -2)
            r.assign(new_r)
            c.assign(new_c)
        else:
            new_v = beta_2_t * v.value() + (1.0 - beta_2_t) * regulated
        v.assign(new_v)
        u = gradient / ops.sqrt(new_v)
        u_hat = u / ops.maximum(_const(1.0, dtype), _rms(u) / float(self.clip_threshold))
        return alpha_t * u_hat

    def get_config(self):
        config = super().get_config()
        config.update({"beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                       "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold,
                       "relative_step": self.relative_step})
        return config


def _rms(x):
    return ops.sqrt(ops.reduce_mean(ops.square(x)))


class LossScaleOptimizer(Optimizer):
    """Dynamic loss scaling around `inner_optimizer` (Keras 3's): the loss is multiplied by a
    scale before differentiation (`scale_loss`, which fit applies) and the gradients divided
    by it again; a step whose gradients are not all finite is skipped and halves the scale,
    and `dynamic_growth_steps` finite steps in a row double it.

    It exists for float16 training, where small gradients underflow; graphflow trains in
    float32, where the scaling is exact up to rounding (scales are powers of two) and its
    use is to skip steps with inf/NaN gradients. `iterations`, `learning_rate` and the slots
    are the inner optimizer's (a skipped step does not count, as in Keras).

        >>> v = tf.Variable(1.0)
        >>> opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1), initial_scale=4.0)
        >>> opt.apply_gradients([(tf.constant(8.0), v)])       # the gradient of a scaled loss
        >>> round(float(v), 4), float(opt.dynamic_scale)
        (0.8, 4.0)
        >>> opt.apply_gradients([(tf.constant(float("inf")), v)])
        >>> round(float(v), 4), float(opt.dynamic_scale), int(opt.iterations)
        (0.8, 2.0, 1)
    """

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise InvalidArgumentError(
                "LossScaleOptimizer no longer supports `dynamic=False`; set "
                "`loss_scale_factor` on the inner optimizer instead")
        defaults = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                    "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                    "ema_overwrite_frequency": None, "loss_scale_factor": None,
                    "gradient_accumulation_steps": None, "learning_rate": None}
        for key in list(kwargs):
            if key in defaults:
                if kwargs.pop(key) != defaults[key] and key != "learning_rate":
                    raise InvalidArgumentError(
                        f"LossScaleOptimizer does not support `{key}`; set it on the "
                        "inner_optimizer")
        if kwargs:
            raise InvalidArgumentError(
                f"LossScaleOptimizer does not support arguments: {', '.join(kwargs)}")
        if not isinstance(inner_optimizer, Optimizer) or \
                isinstance(inner_optimizer, LossScaleOptimizer):
            raise InvalidArgumentError(
                f"LossScaleOptimizer: inner_optimizer must be an Optimizer instance, got "
                f"{inner_optimizer!r:.80}")
        if int(dynamic_growth_steps) < 1:
            raise InvalidArgumentError(
                f"LossScaleOptimizer: dynamic_growth_steps must be >= 1, got "
                f"{dynamic_growth_steps}")
        object.__setattr__(self, "inner_optimizer", inner_optimizer)
        self.name = name or "loss_scale_optimizer"
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = int(dynamic_growth_steps)
        inner_optimizer.loss_scale_factor = None
        self.step_counter = Variable(np.int64(0), trainable=False,
                                     name=f"{self.name}/step_counter")
        self.dynamic_scale = Variable(np.float32(initial_scale), trainable=False,
                                      name=f"{self.name}/dynamic_scale")
        self._own = [self.step_counter, self.dynamic_scale]

    def __getattr__(self, name):
        # the inner optimizer's state and settings (weight_decay, _schedule, ...)
        if name == "inner_optimizer":
            raise AttributeError(name)
        return getattr(self.inner_optimizer, name)

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    lr = learning_rate

    @property
    def variables(self):
        return list(self._own) + self.inner_optimizer.variables

    @property
    def built(self):
        return self.inner_optimizer.built

    @built.setter
    def built(self, value):
        self.inner_optimizer.built = value

    def build(self, var_list):
        self.inner_optimizer.build(var_list)

    # the slots are the inner optimizer's (the base class's own methods would read its
    # class attributes instead)
    @property
    def _slot_names(self):
        return self.inner_optimizer._slot_names

    def _all_slot_names(self):
        return self.inner_optimizer._all_slot_names()

    def _slot_shape(self, slot_name, var):
        return self.inner_optimizer._slot_shape(slot_name, var)

    def _slots_for(self, var):
        return self.inner_optimizer._slots_for(var)

    def get_slot(self, var, slot_name):
        return self.inner_optimizer.get_slot(var, slot_name)

    def scale_loss(self, loss):
        """loss * the current scale."""
        scale = self.dynamic_scale.value()
        if isinstance(loss, Tensor) and loss.dtype is not dtypes.float32:
            scale = ops.cast(scale, loss.dtype)
        return loss * scale

    def apply_gradients(self, grads_and_vars, name=None):
        """Unscales the gradients and applies them with the inner optimizer when all are
        finite; otherwise skips the step and halves the scale."""
        inner = self.inner_optimizer
        pairs = inner._filter(grads_and_vars)
        from graphflow.distribute.strategy import aggregate_gradients
        pairs = aggregate_gradients(pairs)
        for _, v in pairs:
            inner._slots_for(v)  # created outside the cond's branches
        inner.built = True
        finite = None
        for g, _ in pairs:
            ok = ops.reduce_all(ops.is_finite(g))
            finite = ok if finite is None else ops.logical_and(finite, ok)
        scale = self.dynamic_scale.value()
        growth = self.dynamic_growth_steps

        def apply_finite():
            unscaled = [(g / (scale if g.dtype is dtypes.float32 else ops.cast(scale, g.dtype)),
                         v) for g, v in pairs]
            inner._apply_pairs(unscaled)
            grow = ops.equal(self.step_counter.value(), growth - 1)
            counter = self.step_counter.value()
            self.step_counter.assign(ops.where(grow, ops.zeros_like(counter), counter + 1))
            self.dynamic_scale.assign(ops.where(grow, scale * 2.0, scale))
            return ops.constant(True)

        def skip():
            self.step_counter.assign(ops.zeros_like(self.step_counter.value()))
            self.dynamic_scale.assign(scale * 0.5)
            return ops.constant(False)

        ops.cond(finite, apply_finite, skip)

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self):
        return {"name": self.name, "inner_optimizer": serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        inner = get(config.pop("inner_optimizer"), custom_objects)
        return cls(inner, **config)

    def __repr__(self):
        return f"<LossScaleOptimizer name={self.name} inner={self.inner_optimizer!r}>"


# -- lookup ----------------------------------------------------------------------------------------

ALIASES = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW, "adagrad": Adagrad,
           "nadam": Nadam, "adadelta": Adadelta, "adamax": Adamax, "ftrl": Ftrl, "lion": Lion,
           "lamb": Lamb, "adafactor": Adafactor, "lossscaleoptimizer": LossScaleOptimizer}


def serialize(optimizer):
    """{"class_name", "config"} for an optimizer.

        >>> serialize(keras.optimizers.Adam())["config"]["beta_1"]
        0.9
    """
    if not isinstance(optimizer, Optimizer):
        raise InvalidArgumentError(f"Cannot serialize {optimizer!r}: not an Optimizer")
    config = {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}
    registered = registry.get_registered_name(type(optimizer))
    if registered != type(optimizer).__name__:
        config["registered_name"] = registered
    return config


def deserialize(config, custom_objects=None):
    return get(config, custom_objects)


def get(identifier, custom_objects=None):
    """An Optimizer from a name ("adam", "SGD", ... case-insensitive), a {"class_name",
    "config"} dict, an Optimizer class or instance.

        >>> round(float(keras.optimizers.get("adam").learning_rate), 6)
        0.001
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = registry.get_registered_object(identifier, custom_objects) or \
            ALIASES.get(identifier.lower())
        if not (isinstance(cls, type) and issubclass(cls, Optimizer)):
            raise InvalidArgumentError(
                f"Unknown optimizer {identifier!r}; known: {sorted(ALIASES)}")
        return cls()
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        if isinstance(name, str) and name.lower() in ALIASES:  # Keras: any capitalization
            identifier = dict(identifier, class_name=ALIASES[name.lower()].__name__)
        classes = {cls.__name__: cls for cls in ALIASES.values()}
        return registry.deserialize("optimizer", identifier, classes, custom_objects)
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    raise InvalidArgumentError(f"Could not interpret optimizer identifier: {identifier!r}")
