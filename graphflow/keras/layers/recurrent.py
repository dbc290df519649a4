"""Recurrent layers: RNN(cell), SimpleRNN, LSTM, GRU.

`RNN` runs a cell (rnn_cells.py) over the time axis of (batch, time, features) inputs. The
loop is a `while_loop` over a TensorArray of time steps (one loop node in a compiled graph,
whatever the sequence length), or a Python loop when `unroll=True`. For the built-in cells
the input half of every step, x @ kernel + bias, is computed for the whole sequence as one
matmul before the loop (as Keras's fused kernels and cuDNN do), so the loop body holds only
h @ recurrent_kernel and the gates.

Masks (from `Embedding(mask_zero=True)`, `Masking` or the `mask=` argument) keep the previous
state and output at masked steps, as Keras does.

    >>> from graphflow import keras
    >>> lstm = keras.layers.LSTM(4, return_sequences=True, return_state=True)
    >>> seq, h, c = lstm(np.ones((2, 5, 3), np.float32))
    >>> seq.shape, h.shape, c.shape
    (TensorShape([2, 5, 4]), TensorShape([2, 4]), TensorShape([2, 4]))
"""
import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.keras.layers.base import Layer
from graphflow.keras.layers.rnn_cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells
from graphflow.keras.layers.rnn_cells import _accepts, _sizes
from graphflow.ops import api as ops
from graphflow.tensor import TensorShape, Variable
from graphflow.utils import nest


class RNN(Layer):
    """Runs `cell` over the time steps of its (batch, time, features) input.

    A cell has `call(inputs, states) -> (output, new_states)` and `state_size` (an int or a
    list, one per state); `output_size` defaults to the first state's size. A list of cells is
    wrapped in StackedRNNCells.

        >>> class MinimalRNNCell(keras.layers.Layer):
        ...     def __init__(self, units, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.units = self.state_size = units
        ...     def build(self, input_shape):
        ...         self.kernel = self.add_weight(shape=(input_shape[-1], self.units))
        ...     def call(self, inputs, states):
        ...         h = tf.matmul(inputs, self.kernel) + states[0]
        ...         return h, [h]
        >>> keras.layers.RNN(MinimalRNNCell(3))(np.ones((2, 4, 5), np.float32)).shape
        TensorShape([2, 3])
    """
    supports_masking = True

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if kwargs.pop("time_major", False):
            raise InvalidArgumentError(
                f"{type(self).__name__}: time_major=True is not supported (Keras 3 removed it); "
                "transpose the inputs to (batch, time, features)")
        kwargs.pop("use_cudnn", None)  # Keras 3's kernel choice; graphflow has one loop
        super().__init__(**kwargs)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
            raise InvalidArgumentError(
                f"RNN: the cell must have a call(inputs, states) method and a state_size "
                f"attribute, got {cell!r:.100}")
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        # a stateful RNN's states: Variables, but not weights (Keras neither saves nor trains them)
        object.__setattr__(self, "states", None)

    # -- shapes and building -------------------------------------------------------------------
    @property
    def _state_sizes(self):
        return [int(s) for s in nest.flatten(self.cell.state_size)]

    @property
    def _output_size(self):
        size = getattr(self.cell, "output_size", None)
        return int(size if size is not None else self._state_sizes[0])

    @property
    def _state_shapes(self):
        """Each state's shape without the batch axis: (size,) for the vector cells; a cell whose
        states are images (ConvLSTM's) lists their shapes in `state_shapes`."""
        shapes = getattr(self.cell, "state_shapes", None)
        if shapes is not None:
            return [tuple(int(d) for d in s) for s in shapes]
        return [(s,) for s in self._state_sizes]

    def build(self, input_shape):
        if isinstance(input_shape, (list, tuple)) and not isinstance(input_shape, TensorShape) \
                and input_shape and isinstance(input_shape[0], TensorShape):
            input_shape = input_shape[0]  # [inputs, *initial_state]
        if input_shape.rank is None or input_shape.rank < 3:
            raise InvalidArgumentError(
                f"{type(self).__name__} {self.name!r}: expected inputs of rank 3 (batch, time, "
                f"features) or more, got shape {input_shape}")
        step_shape = TensorShape([input_shape[0]] + input_shape.as_list()[2:])
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step_shape)
            self.cell.built = True
        if self.stateful:
            batch = input_shape[0]
            if batch is None and self._batch_input_shape is not None:
                batch = self._batch_input_shape[0]
            if batch is None:
                raise InvalidArgumentError(
                    f"{type(self).__name__} {self.name!r}: when using `stateful=True` in a RNN, "
                    f"the batch size must be static. Found dynamic batch size: "
                    f"sequence.shape={tuple(input_shape.as_list())} (pass batch_size to the "
                    "Input)")
            self._stateful_batch = int(batch)
            states = [Variable(np.zeros((batch, *s), np.float32), trainable=False,
                               name=f"{self.name}/state_{i}")
                      for i, s in enumerate(self._state_shapes)]
            object.__setattr__(self, "states", states)
        self.built = True

    def reset_states(self, states=None):
        """Zeros the states of a stateful RNN (or sets them to `states`)."""
        if not self.stateful:
            raise InvalidArgumentError(f"Layer {self.name!r}: reset_states() needs stateful=True")
        if self.states is None:
            return
        values = [None] * len(self.states) if states is None else nest.flatten(states)
        if len(values) != len(self.states):
            raise InvalidArgumentError(
                f"Layer {self.name!r} expects {len(self.states)} states, got {len(values)}")
        for var, value in zip(self.states, values):
            shape = tuple(var.shape.as_list())
            value = np.zeros(shape, np.float32) if value is None else np.asarray(value, np.float32)
            if value.shape != shape:
                raise InvalidArgumentError(
                    f"Layer {self.name!r}: state {var.name!r} has shape {shape}, got {value.shape}")
            var.assign(value)

    reset_state = reset_states

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out_mask = mask if self.return_sequences else None
        if self.return_state:
            return [out_mask] + [None] * len(self._grouped(self._state_sizes))
        return out_mask

    # -- running -------------------------------------------------------------------------------
    def call(self, inputs, initial_state=None, mask=None, training=None):
        if isinstance(inputs, (list, tuple)):
            inputs, extra = inputs[0], list(inputs[1:])
            if extra:
                initial_state = extra
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if inputs.dtype.name != self.dtype:
            inputs = ops.cast(inputs, self.dtype)
        if inputs.shape.rank is None or inputs.shape.rank < 3:
            raise InvalidArgumentError(
                f"{type(self).__name__} {self.name!r}: expected inputs of rank 3 (batch, time, "
                f"features), got shape {inputs.shape}")
        kernel = getattr(self.cell, "kernel", None)
        if kernel is not None and kernel.shape.rank == 2 and inputs.shape[-1] is not None and \
                inputs.shape[-1] != kernel.shape[0]:
            raise InvalidArgumentError(
                f"{type(self).__name__} {self.name!r} was built for inputs with "
                f"{kernel.shape[0]} features, got inputs of shape {inputs.shape}")
        states = self._initial_states(inputs, initial_state)
        cell = self.cell
        fused = hasattr(cell, "project_inputs") and hasattr(cell, "recurrent_step")
        dropout_cells = _dropout_cells(cell, inputs, states, training)
        # time major from here on: step t is xs[t]
        xs = ops.transpose(inputs, _swap_batch_time(inputs.shape.rank))
        try:
            if fused:
                xs = cell.project_inputs(xs, training)

                def step(x_t, s):
                    return cell.recurrent_step(x_t, s, training)
            else:
                kwargs = {"training": training} if _accepts(cell, "training") else {}

                run = cell if isinstance(cell, Layer) else cell.call

                def step(x_t, s):
                    out, new = run(x_t, list(s), **kwargs)
                    return out, list(nest.flatten(new))
            output, last, new_states = self._loop(step, xs, states, mask)
        finally:
            for c in dropout_cells:
                c.reset_dropout_mask()
                c.reset_recurrent_dropout_mask()
        if self.stateful:
            for var, value in zip(self.states, new_states):
                var.assign(value)
        result = output if self.return_sequences else last
        if self.return_state:
            return [result] + self._grouped(list(new_states))
        return result

    def _grouped(self, states):
        """The final states as Keras returns them: flat for one cell, one list per cell for
        StackedRNNCells."""
        if not isinstance(self.cell, StackedRNNCells):
            return states
        out = []
        for cell in self.cell.cells:
            n = len(_sizes(cell.state_size))
            out.append(states[:n])
            states = states[n:]
        return out

    def _initial_states(self, inputs, initial_state):
        sizes, shapes = self._state_sizes, self._state_shapes
        if initial_state is not None:
            states = list(nest.flatten(initial_state))
            if len(states) != len(sizes):
                raise InvalidArgumentError(
                    f"Layer {self.name!r} ({type(self).__name__}) expects {len(sizes)} initial "
                    f"state(s), got {len(states)}")
            out = []
            for s, shape in zip(states, shapes):
                s = ops.convert_to_tensor(np.asarray(s, np.float32)) \
                    if isinstance(s, (np.ndarray, list, float)) else s
                if s.shape.rank != 1 + len(shape) or any(
                        d not in (None, e) for d, e in zip(s.shape.as_list()[1:], shape)):
                    raise InvalidArgumentError(
                        f"Layer {self.name!r}: an initial state must have shape "
                        f"{('batch',) + shape}, got {s.shape}".replace("'", ""))
                out.append(s)
            return out
        if self.stateful:
            batch = inputs.shape[0]
            if batch is not None and batch != self._stateful_batch:
                raise InvalidArgumentError(
                    f"Layer {self.name!r} is stateful with batch size {self._stateful_batch}, "
                    f"but it received a batch of {batch}")
            return [ops.identity(v) for v in self.states]
        # zeros of shape (batch, size), with the batch taken from the inputs so an unknown
        # batch size works in a compiled graph
        if all(len(s) == 1 for s in shapes):
            base = ops.zeros_like(inputs[:, 0, :1])
            return [base + ops.zeros((size,), inputs.dtype) for size in sizes]
        step = inputs[:, 0]
        batch = ops.reduce_sum(ops.zeros_like(step), list(range(1, step.shape.rank)))
        out = []
        for shape in shapes:
            base = ops.reshape(batch, [-1] + [1] * len(shape))
            out.append(base + ops.zeros(shape, inputs.dtype))
        return out

    def _loop(self, step, xs, states, mask):
        """Runs step over the time-major xs; returns (all outputs (batch, time, units) or
        None, the last output, the final states)."""
        masks = None
        if mask is not None:
            masks = ops.transpose(ops.cast(mask, "bool"), [1, 0])
        if self.go_backwards:
            xs = ops.reverse(xs, [0])
            masks = None if masks is None else ops.reverse(masks, [0])
        steps = xs.shape[0]
        if states[0].shape.rank == 2:
            units = self._output_size
            zero_out = ops.zeros_like(states[0][:, :1]) + ops.zeros((units,), states[0].dtype)
        else:  # image states (ConvLSTM): the output is the first state
            zero_out = ops.zeros_like(states[0])

        def masked(t_mask, new, old):
            if new.shape.rank > 2:
                t_mask = ops.reshape(t_mask, [-1] + [1] * (new.shape.rank - 1))
                return ops.where(t_mask, new, old)
            return ops.where(ops.expand_dims(t_mask, -1), new, old)

        def one_step(x_t, m_t, last, s):
            out, new = step(x_t, list(s))
            if m_t is not None:
                new = [masked(m_t, n, o) for n, o in zip(new, s)]
                shown = masked(m_t, out, ops.zeros_like(out)) if self.zero_output_for_mask \
                    else masked(m_t, out, last)
                last = masked(m_t, out, last)
                out = shown
            else:
                last = out
            return out, last, new

        if self.unroll:
            if steps is None:
                raise InvalidArgumentError(
                    f"Layer {self.name!r}: unroll=True needs a known number of time steps, got "
                    f"{steps} steps")
            outs, last, s = [], zero_out, list(states)
            for t in range(steps):
                out, last, s = one_step(xs[t], None if masks is None else masks[t], last, s)
                outs.append(out)
            output = ops.transpose(ops.stack(outs, 0), _swap_batch_time(outs[0].shape.rank + 1)) \
                if self.return_sequences else None
            return output, last, s

        n = steps if steps is not None else ops.shape(xs)[0]
        inputs_ta = ops.TensorArray(xs.dtype, size=n).unstack(xs)
        masks_ta = None if masks is None else ops.TensorArray("bool", size=n).unstack(masks)
        out_ta = ops.TensorArray(states[0].dtype, size=n) if self.return_sequences else None
        n_states = len(states)

        def cond(t, *rest):
            return t < n

        def body(t, *rest):
            last, s = rest[0], list(rest[1:1 + n_states])
            m_t = None if masks_ta is None else masks_ta.read(t)
            out, last, s = one_step(inputs_ta.read(t), m_t, last, s)
            new = [t + 1, last] + list(s)
            if out_ta is not None:
                new.append(rest[1 + n_states].write(t, out))
            return tuple(new)

        loop_vars = [0, zero_out] + list(states) + ([out_ta] if out_ta is not None else [])
        result = ops.while_loop(cond, body, tuple(loop_vars), maximum_iterations=n)
        last, new_states = result[1], list(result[2:2 + n_states])
        output = None
        if out_ta is not None:
            output = ops.transpose(result[2 + n_states].stack(),
                                   _swap_batch_time(zero_out.shape.rank + 1))
        return output, last, new_states

    def get_initial_state(self, batch_size):
        return [ops.zeros((batch_size, *s), self.dtype) for s in self._state_shapes]

    # -- configuration -------------------------------------------------------------------------
    def get_config(self):
        from graphflow.keras.saving.config import serialize_layer
        return {**super().get_config(), "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards,
                "stateful": self.stateful, "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask,
                "cell": serialize_layer(self.cell)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from graphflow.keras.saving.config import deserialize_layer
        config = dict(config)
        config["cell"] = deserialize_layer(config["cell"], custom_objects)
        return cls(**config)


def _swap_batch_time(rank):
    """The permutation exchanging axes 0 and 1 of a rank-`rank` tensor."""
    return [1, 0] + list(range(2, rank))


def _dropout_cells(cell, inputs, states, training):
    """Makes the dropout masks of cell (or of each stacked cell) before the loop, so every time
    step uses the same masks (Keras); returns the cells whose masks to drop afterwards."""
    cells = cell.cells if isinstance(cell, StackedRNNCells) else [cell]
    cells = [c for c in cells if hasattr(c, "reset_dropout_mask")]
    if not training:
        return cells
    step_input, s = inputs[:, 0], list(states)
    base = ops.zeros_like(states[0][:, :1])
    for c in (cell.cells if isinstance(cell, StackedRNNCells) else [cell]):
        n = len(_sizes(c.state_size))
        mine, s = s[:n], s[n:]
        if hasattr(c, "get_dropout_mask"):
            c.get_dropout_mask(step_input)
            c.get_recurrent_dropout_mask(mine[0])
        size = getattr(c, "output_size", None) or _sizes(c.state_size)[0]
        step_input = base + ops.zeros((int(size),), inputs.dtype)
    return cells


_RNN_ARGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
             "zero_output_for_mask", "time_major", "use_cudnn", "name", "trainable", "dtype",
             "input_shape", "batch_input_shape", "batch_size", "input_dim", "weights",
             "activity_regularizer")


class _CellLayer(RNN):
    """SimpleRNN, LSTM and GRU: an RNN whose cell is built from the layer's own arguments,
    with the cell's settings readable on the layer (lstm.units, ...) and one flat config."""
    _cell_class = None

    def __init__(self, units, **kwargs):
        rnn_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in _RNN_ARGS}
        cell_kwargs = {k: kwargs.pop(k) for k in list(kwargs)}
        cell = self._cell_class(units, dtype=rnn_kwargs.get("dtype"), **cell_kwargs)
        super().__init__(cell, **rnn_kwargs)

    def __getattr__(self, name):
        # only reached for attributes the layer lacks: the cell's settings (units, ...)
        cell = self.__dict__.get("cell")
        if cell is not None and not name.startswith("_") and hasattr(cell, name):
            return getattr(cell, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def get_config(self):
        config = super().get_config()
        config.pop("cell")
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        return {**config, **cell_config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


class SimpleRNN(_CellLayer):
    """A fully connected RNN: h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + b).

        >>> keras.layers.SimpleRNN(3)(np.ones((2, 4, 5), np.float32)).shape
        TensorShape([2, 3])
    """
    _cell_class = SimpleRNNCell


class LSTM(_CellLayer):
    """Long short-term memory (Hochreiter 1997), Keras's equations (see LSTMCell).

        >>> keras.layers.LSTM(3, go_backwards=True)(np.ones((2, 4, 5), np.float32)).shape
        TensorShape([2, 3])
    """
    _cell_class = LSTMCell


class GRU(_CellLayer):
    """Gated recurrent unit (Cho 2014), reset_after=True by default as Keras (see GRUCell).

        >>> keras.layers.GRU(3, return_sequences=True)(np.ones((2, 4, 5), np.float32)).shape
        TensorShape([2, 4, 3])
    """
    _cell_class = GRUCell
