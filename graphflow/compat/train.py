"""compat.v1.train: TF1 optimizers (minimize / compute_gradients / apply_gradients), the global
step and learning-rate decay. In a graph they build train ops; eagerly they update at once
(minimize then takes a zero-argument loss function, as TF1 optimizers do under eager).

Slot variables ("w/Momentum", "w/Adam", ...) are graph variables created by apply_gradients:
run global_variables_initializer() after building the train op, as TF1 scripts do.

    >>> import graphflow as tf
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     w = tf.Variable(1.0)
    ...     loss = (w - 3.0) ** 2
    ...     step = tf.compat.v1.train.GradientDescentOptimizer(0.25).minimize(loss)
    ...     init = tf.compat.v1.global_variables_initializer()
    >>> with tf.compat.v1.Session(graph=g) as sess:
    ...     sess.run(init); sess.run(step); float(sess.run(w))
    2.0
"""
import numpy as np

from graphflow.context import context
from graphflow.errors import InvalidArgumentError


class Optimizer:
    """TF1's optimizer base: subclasses give _create_slots, _apply and optionally _finish."""

    GATE_NONE, GATE_OP, GATE_GRAPH = 0, 1, 2

    def __init__(self, use_locking=False, name="Optimizer"):
        self._name = name
        self._slots = {}        # slot name -> {id(var): (var, slot variable)}
        self._non_slot = {}     # name -> variable (Adam's beta powers)

    def get_name(self):
        return self._name

    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP,
                          aggregation_method=None, colocate_gradients_with_ops=False,
                          grad_loss=None):
        """[(gradient, variable)] for the trainable variables (or var_list)."""
        from graphflow.graph.variables import trainable_variables
        if callable(loss) and context.graph is None:
            from graphflow.autodiff import GradientTape
            with GradientTape() as tape:
                value = loss()
            var_list = list(var_list) if var_list is not None else list(tape.watched_variables())
            if not var_list:
                raise InvalidArgumentError("No variables to optimize")
            grads = tape.gradient(value, var_list, output_gradients=grad_loss)
            return list(zip(grads, var_list))
        if context.graph is None:
            raise InvalidArgumentError(
                f"{self._name}.compute_gradients: eagerly, `loss` must be a callable taking no "
                "arguments (TF1 optimizers under eager execution)")
        from graphflow.autodiff import graph_gradients
        var_list = list(var_list) if var_list is not None else trainable_variables(loss.graph)
        if not var_list:
            raise InvalidArgumentError("No variables to optimize")
        grads = graph_gradients(loss, var_list, grad_loss)
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """The op applying one update per (gradient, variable) pair (None gradients skipped),
        then incrementing global_step."""
        from graphflow.ops.grouping import group
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        if not pairs:
            raise InvalidArgumentError(
                "No gradients provided for any variable: the loss does not depend on them "
                f"(variables: {[v.name for _, v in grads_and_vars]})")
        for _, v in pairs:
            self._create_slots_for(v)
        updates = [self._apply(g, v) for g, v in pairs]
        updates.extend(self._finish())
        if global_step is not None:
            updates.append(global_step.assign_add(1))
        if context.graph is None:
            return None
        return group(*updates, name=name or self._name)

    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP,
                 aggregation_method=None, colocate_gradients_with_ops=False, name=None,
                 grad_loss=None):
        """The op that takes one optimization step on `loss`."""
        pairs = self.compute_gradients(loss, var_list, grad_loss=grad_loss)
        return self.apply_gradients(pairs, global_step, name)

    # -- slots ------------------------------------------------------------------------------------
    def get_slot_names(self):
        return sorted(self._slots)

    def get_slot(self, var, name):
        entry = self._slots.get(name, {}).get(id(var))
        return entry[1] if entry is not None else None

    def variables(self):
        """The optimizer's own variables (slots and non-slot accumulators)."""
        out = [s for slots in self._slots.values() for _, s in slots.values()]
        return out + list(self._non_slot.values())

    def _slot(self, var, slot_name, initial=0.0):
        """The slot variable of var, named as TF1 does: "<var>/<Optimizer>", then "_1", ..."""
        from graphflow.tensor import Variable
        slots = self._slots.setdefault(slot_name, {})
        entry = slots.get(id(var))
        if entry is None:
            index = sum(id(var) in other for other in self._slots.values())
            value = np.full(var.shape.as_list(), initial, var.dtype.np)
            base = var.name[:-2] if var.name.endswith(":0") else var.name
            suffix = "" if index == 0 else f"_{index}"
            entry = slots[id(var)] = (var, Variable(value, trainable=False,
                                                    name=f"{base}/{self._name}{suffix}"))
        return entry[1]

    def _non_slot_variable(self, name, initial, dtype):
        from graphflow.tensor import Variable
        if name not in self._non_slot:  # TF1: the dtype of the first variable updated
            self._non_slot[name] = Variable(np.asarray(initial, dtype.np), trainable=False,
                                            name=name)
        return self._non_slot[name]

    def _create_slots_for(self, var):
        pass

    def _finish(self):
        return []

    def _lr(self, var):
        from graphflow.ops import api as ops
        lr = self._learning_rate() if callable(self._learning_rate) else self._learning_rate
        if isinstance(lr, (int, float, np.number)):  # no float32 rounding of a float64 step
            return ops.constant(lr, var.dtype)
        return ops.cast(lr, var.dtype)


class GradientDescentOptimizer(Optimizer):
    """var -= learning_rate * grad."""

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _apply(self, grad, var):
        return var.assign_sub(self._lr(var) * grad)


class MomentumOptimizer(Optimizer):
    """accum = momentum * accum + grad; var -= lr * accum (Nesterov: lr * (grad + momentum *
    accum))."""

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum",
                 use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate, self._momentum, self._nesterov = learning_rate, momentum, use_nesterov

    def _create_slots_for(self, var):
        self._slot(var, "momentum")

    def _apply(self, grad, var):
        accum = self._slot(var, "momentum")
        new = accum.assign(self._momentum * _read(accum) + grad)
        step = grad + self._momentum * _value(new) if self._nesterov else _value(new)
        return var.assign_sub(self._lr(var) * step)


class AdagradOptimizer(Optimizer):
    """accum += grad**2; var -= lr * grad / sqrt(accum)."""

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False,
                 name="Adagrad"):
        super().__init__(use_locking, name)
        if initial_accumulator_value <= 0.0:
            raise InvalidArgumentError(
                f"initial_accumulator_value must be positive: {initial_accumulator_value}")
        self._learning_rate, self._initial = learning_rate, initial_accumulator_value

    def _create_slots_for(self, var):
        self._slot(var, "accumulator", self._initial)

    def _apply(self, grad, var):
        from graphflow.ops import api as ops
        accum = self._slot(var, "accumulator")
        new = accum.assign_add(grad * grad)
        return var.assign_sub(self._lr(var) * grad / ops.sqrt(_value(new)))


class RMSPropOptimizer(Optimizer):
    """ms = decay * ms + (1 - decay) * grad**2 (centered: minus the mean gradient squared);
    mom = momentum * mom + lr * grad / sqrt(ms + epsilon); var -= mom."""

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False,
                 centered=False, name="RMSProp"):
        super().__init__(use_locking, name)
        self._learning_rate, self._decay, self._momentum = learning_rate, decay, momentum
        self._epsilon, self._centered = epsilon, centered

    def _create_slots_for(self, var):
        self._slot(var, "rms", 1.0)
        self._slot(var, "momentum")
        if self._centered:
            self._slot(var, "mg")

    def _apply(self, grad, var):
        from graphflow.ops import api as ops
        ms = self._slot(var, "rms")
        mom = self._slot(var, "momentum")
        ms_t = _value(ms.assign(self._decay * _read(ms) + (1 - self._decay) * grad * grad))
        denom = ms_t
        if self._centered:
            mg = self._slot(var, "mg")
            mg_t = _value(mg.assign(self._decay * _read(mg) + (1 - self._decay) * grad))
            denom = ms_t - mg_t * mg_t
        mom_t = _value(mom.assign(self._momentum * _read(mom) +
                                  self._lr(var) * grad / ops.sqrt(denom + self._epsilon)))
        return var.assign_sub(mom_t)


class AdamOptimizer(Optimizer):
    """TF1's Adam: lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t);
    var -= lr_t * m / (sqrt(v) + epsilon), with the beta powers kept as variables."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._learning_rate, self._beta1, self._beta2, self._epsilon = \
            learning_rate, beta1, beta2, epsilon

    def _create_slots_for(self, var):
        self._non_slot_variable("beta1_power", self._beta1, var.dtype)
        self._non_slot_variable("beta2_power", self._beta2, var.dtype)
        self._slot(var, "m")
        self._slot(var, "v")

    def _apply(self, grad, var):
        from graphflow.ops import api as ops
        b1p = ops.cast(_read(self._non_slot["beta1_power"]), var.dtype)
        b2p = ops.cast(_read(self._non_slot["beta2_power"]), var.dtype)
        m, v = self._slot(var, "m"), self._slot(var, "v")
        m_t = _value(m.assign(self._beta1 * _read(m) + (1 - self._beta1) * grad))
        v_t = _value(v.assign(self._beta2 * _read(v) + (1 - self._beta2) * grad * grad))
        lr_t = self._lr(var) * ops.sqrt(1 - b2p) / (1 - b1p)
        return var.assign_sub(lr_t * m_t / (ops.sqrt(v_t) + self._epsilon))

    def _finish(self):
        b1, b2 = self._non_slot["beta1_power"], self._non_slot["beta2_power"]
        return [b1.assign(_read(b1) * self._beta1), b2.assign(_read(b2) * self._beta2)]


def _read(var):
    return var.value()


def _value(update):
    """The new value an assign produced (the variable eagerly, the assign's output in a graph)."""
    from graphflow.tensor import Variable
    return update.value() if isinstance(update, Variable) else update


# -- global step and schedules ---------------------------------------------------------------------
GLOBAL_STEP = "global_step"


def get_global_step(graph=None):
    from graphflow.graph.ir import get_default_graph
    graph = graph or (context.graph if context.graph is not None else None)
    if graph is None:
        return getattr(context, "_v1_eager_global_step", None)
    found = graph.get_collection(GLOBAL_STEP)
    return found[0] if found else None


def create_global_step(graph=None):
    """An int64 variable named global_step, trainable=False, in the GLOBAL_STEP collection."""
    from graphflow.tensor import Variable
    if get_global_step(graph) is not None:
        raise InvalidArgumentError('"global_step" already exists.')
    step = Variable(np.int64(0), trainable=False, name="global_step")
    if context.graph is not None:
        context.graph.add_to_collection(GLOBAL_STEP, step)
    else:
        context._v1_eager_global_step = step
    return step


def get_or_create_global_step(graph=None):
    return get_global_step(graph) or create_global_step(graph)


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """learning_rate * decay_rate ** (global_step / decay_steps) (floored when staircase)."""
    from graphflow.ops import api as ops
    step = ops.cast(global_step.value() if hasattr(global_step, "assign") else global_step,
                    "float32")
    p = step / float(decay_steps)
    if staircase:
        p = ops.floor(p)
    return ops.cast(learning_rate, "float32") * ops.pow(ops.cast(decay_rate, "float32"), p)


def piecewise_constant(x, boundaries, values, name=None):
    """values[i] while x is in the i-th interval of boundaries."""
    from graphflow.ops import api as ops
    if len(values) != len(boundaries) + 1:
        raise InvalidArgumentError("piecewise_constant: len(values) must be len(boundaries) + 1")
    x = x.value() if hasattr(x, "assign") else ops.convert_to_tensor(x)
    out = ops.constant(values[-1], "float32")
    for b, v in reversed(list(zip(boundaries, values[:-1]))):
        out = ops.where(ops.less_equal(x, ops.cast(b, x.dtype)), ops.constant(v, "float32"), out)
    return out


from graphflow.checkpoint import (  # noqa: E402,F401 - TF2's tf.train names, also in compat.v1
    Checkpoint, CheckpointManager, latest_checkpoint, list_variables, load_variable)
from graphflow.io.example_proto import (  # noqa: E402,F401
    BytesList, Example, Feature, FeatureList, FeatureLists, Features, FloatList, Int64List,
    SequenceExample)


class Saver:
    """TF1's tf.train.Saver: saves variables by name (the checkpoint files Checkpoint writes,
    keyed by variable name instead of object path) and restores them into a Session's graph.

        >>> import tempfile, os
        >>> g = tf.Graph()
        >>> with g.as_default():
        ...     v = tf.Variable([1.0, 2.0], name="v")
        ...     saver = tf.compat.v1.train.Saver()
        ...     init = tf.compat.v1.global_variables_initializer()
        >>> d = tempfile.mkdtemp()
        >>> with tf.compat.v1.Session(graph=g) as sess:
        ...     _ = sess.run(init)
        ...     path = saver.save(sess, os.path.join(d, "model"), global_step=3)
        >>> os.path.basename(path), os.path.basename(tf.train.latest_checkpoint(d))
        ('model-3', 'model-3')
    """

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False,
                 saver_def=None, builder=None, defer_build=False, allow_empty=False,
                 write_version=2, pad_step_number=False, save_relative_paths=False,
                 filename=None):
        from graphflow.graph.variables import global_variables
        if var_list is None:
            var_list = global_variables() if context.graph is not None else []
        if isinstance(var_list, dict):
            self._vars = dict(var_list)
        else:
            self._vars = {}
            for v in var_list:
                key = v.name[:-2] if v.name.endswith(":0") else v.name
                if key in self._vars:
                    raise InvalidArgumentError(f"Saver: at least two variables have the name {key!r}")
                self._vars[key] = v
        if not self._vars and not allow_empty:
            raise InvalidArgumentError("No variables to save")
        self._max_to_keep = max_to_keep
        self._last = []

    @property
    def last_checkpoints(self):
        return list(self._last)

    def save(self, sess, save_path, global_step=None, latest_filename=None,
             meta_graph_suffix="meta", write_meta_graph=True, write_state=True,
             strip_default_attrs=False, save_debug_info=False):
        """Writes the variables' current values to `save_path[-global_step]`; returns the
        prefix. (No .meta graph file is written: graphflow graphs are rebuilt from code.)"""
        import os
        from graphflow.checkpoint import _DATA_SUFFIX, _write_state, write_checkpoint
        from graphflow.tensor import Tensor, Variable
        prefix = os.fspath(save_path)
        if global_step is not None:
            if isinstance(global_step, (Tensor, Variable)):
                global_step = sess.run(global_step) if sess is not None else global_step.numpy()
            prefix = f"{prefix}-{int(global_step)}"
        write_checkpoint(prefix, self._vars)
        self._last = [p for p in self._last if p != prefix] + [prefix]
        if self._max_to_keep:
            while len(self._last) > self._max_to_keep:
                old = self._last.pop(0)
                for suffix in (".index", _DATA_SUFFIX):
                    if os.path.exists(old + suffix):
                        os.remove(old + suffix)
        if write_state:
            _write_state(os.path.dirname(os.path.abspath(prefix)), prefix, self._last)
        return prefix

    def restore(self, sess, save_path):
        """Sets every variable of this Saver from the checkpoint at save_path."""
        from graphflow.checkpoint import read_checkpoint
        from graphflow.errors import NotFoundError
        if save_path is None:
            raise InvalidArgumentError("Can't load save_path when it is None.")
        values = read_checkpoint(save_path)
        for key, var in self._vars.items():
            if key not in values:
                raise NotFoundError(
                    f"Key {key} not found in checkpoint {save_path} (it has: "
                    f"{', '.join(sorted(values)[:8])})")
            array, dtype_name = values[key]
            if not var.shape.is_compatible_with(array.shape) or dtype_name != var.dtype.name:
                raise InvalidArgumentError(
                    f"Saver.restore: {key} in {save_path} is {dtype_name}{list(array.shape)}, "
                    f"the variable is {var.dtype.name}{var.shape.as_list()}")
            var._set_value(array.copy())  # no graph op needed: the value is known now
