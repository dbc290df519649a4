"""tf.train: checkpoints (graphflow/checkpoint.py).

    >>> tf.train.latest_checkpoint("/nonexistent-dir") is None
    True
"""
from graphflow.checkpoint import (  # noqa: F401
    Checkpoint, CheckpointLoadStatus, CheckpointManager, latest_checkpoint, list_variables,
    load_variable)


def load_checkpoint(ckpt_dir_or_file):
    """A reader with get_tensor(key) and get_variable_to_shape_map() (TF's CheckpointReader)."""
    from graphflow.checkpoint import _resolve, read_checkpoint, _VALUE_KEY
    values = read_checkpoint(_resolve(ckpt_dir_or_file))

    class CheckpointReader:
        def get_variable_to_shape_map(self):
            return {f"{p}/{_VALUE_KEY}": list(a.shape) for p, (a, _) in values.items()}

        def get_variable_to_dtype_map(self):
            from graphflow import dtypes
            return {f"{p}/{_VALUE_KEY}": dtypes.as_dtype(d) for p, (_, d) in values.items()}

        def has_tensor(self, key):
            return key.replace("/" + _VALUE_KEY, "") in values

        def get_tensor(self, key):
            from graphflow.checkpoint import load_variable
            return load_variable(ckpt_dir_or_file, key)
    return CheckpointReader()


class ExponentialMovingAverage:
    """Shadow variables that follow moving averages of variables, as TF's:
    `apply(var_list)` creates a shadow per variable (starting at its current value) on first
    sight, then moves each shadow: shadow -= (1 - decay) * (shadow - value). With
    `num_updates`, the decay is min(decay, (1 + num_updates) / (10 + num_updates)).
    `average(var)` is the shadow Variable. Works eagerly and in a graphflow.function (shadows
    are created on the first call, outside the trace).

        >>> v = tf.Variable(1.0)
        >>> ema = tf.train.ExponentialMovingAverage(decay=0.5)
        >>> _ = ema.apply([v]); _ = v.assign(3.0); _ = ema.apply([v])
        >>> float(ema.average(v))
        2.0
    """

    def __init__(self, decay, num_updates=None, zero_debias=False,
                 name="ExponentialMovingAverage"):
        self._decay, self._num_updates = decay, num_updates
        self._zero_debias = zero_debias  # TF applies it to non-Variable inputs only (TF1 graphs)
        self.name = name
        self._averages = {}  # id(var) -> (var, shadow)

    @property
    def decay(self):
        return self._decay

    def apply(self, var_list=None):
        """Updates (creating on first sight) the shadows of `var_list`; returns the update op."""
        from graphflow.ops import api
        from graphflow.tensor import Variable
        if var_list is None:
            from graphflow.graph.variables import trainable_variables
            var_list = trainable_variables()
        for var in var_list:
            if not isinstance(var, Variable):
                raise TypeError("tf.train.ExponentialMovingAverage does not support non-Variable"
                                " tensors when eager execution is enabled.")
            if not var.dtype.is_floating:
                raise TypeError(f"The variables must be half, float, or double: {var.name}")
            if id(var) not in self._averages:
                with api.init_scope():
                    shadow = Variable(var.read_value(), trainable=False,
                                      name=f"{var.name.split(':')[0]}/{self.name}")
                self._averages[id(var)] = (var, shadow)
        decay = api.convert_to_tensor(self._decay, dtype="float32")
        if self._num_updates is not None:
            n = api.cast(self._num_updates, "float32")
            decay = api.minimum(decay, (1.0 + n) / (10.0 + n))
        updates = []
        for var in var_list:
            shadow = self._averages[id(var)][1]
            rate = api.cast(1.0 - decay, var.dtype)
            updates.append(shadow.assign_sub((shadow - var.read_value()) * rate))
        return api.group(*updates, name=self.name)

    def average(self, var):
        """The shadow Variable of `var`, or None when apply() has not seen it."""
        entry = self._averages.get(id(var))
        return None if entry is None else entry[1]

    def average_name(self, var):
        """The shadow's name: the variable's, then /<name>."""
        entry = self._averages.get(id(var))
        return entry[1].name.split(":")[0] if entry else f"{var.name.split(':')[0]}/{self.name}"


class CheckpointState:
    """What the `checkpoint` state file of a checkpoint directory records (TF's proto fields)."""

    def __init__(self, model_checkpoint_path, all_model_checkpoint_paths,
                 all_model_checkpoint_timestamps, last_preserved_timestamp):
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = list(all_model_checkpoint_paths)
        self.all_model_checkpoint_timestamps = list(all_model_checkpoint_timestamps)
        self.last_preserved_timestamp = last_preserved_timestamp or 0.0

    def __repr__(self):
        lines = [f'model_checkpoint_path: "{self.model_checkpoint_path}"']
        lines += [f'all_model_checkpoint_paths: "{p}"' for p in self.all_model_checkpoint_paths]
        return "\n".join(lines)


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """The CheckpointState of checkpoint_dir's state file, or None when it has none.

        >>> tf.train.get_checkpoint_state("/nonexistent-dir") is None
        True
    """
    import os
    from graphflow.checkpoint import _read_state
    state = _read_state(os.fspath(checkpoint_dir))
    return None if state is None else CheckpointState(*state)


class Coordinator:
    """Stops a set of threads together (TF's tf.train.Coordinator): threads poll
    should_stop(); any of them calls request_stop(), with an exception to report it; join()
    waits for the threads and re-raises the first reported exception.

        >>> coord = tf.train.Coordinator()
        >>> coord.should_stop()
        False
        >>> coord.request_stop(); coord.should_stop()
        True
    """

    def __init__(self, clean_stop_exception_types=None):
        import threading
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._exc_info = None
        self._threads = set()
        self._clean = tuple(clean_stop_exception_types or (StopIteration,))
        self.joined = False

    def should_stop(self):
        return self._stop.is_set()

    def request_stop(self, ex=None):
        import sys
        with self._lock:
            if ex is not None and self._exc_info is None:
                if ex is True or isinstance(ex, tuple):  # (inside an except block) or exc_info
                    ex = sys.exc_info() if ex is True else ex
                    ex = ex[1]
                if not isinstance(ex, self._clean):
                    self._exc_info = ex
            self._stop.set()

    def clear_stop(self):
        with self._lock:
            self.joined, self._exc_info = False, None
            self._stop.clear()

    def wait_for_stop(self, timeout=None):
        return self._stop.wait(timeout)

    def register_thread(self, thread):
        with self._lock:
            self._threads.add(thread)

    def stop_on_exception(self):
        """A context manager: an exception inside it stops the threads and is reported."""
        import contextlib

        @contextlib.contextmanager
        def guard():
            try:
                yield
            except BaseException as e:  # noqa: BLE001 - reported through join()
                self.request_stop(e)
        return guard()

    def raise_requested_exception(self):
        with self._lock:
            if self._exc_info is not None:
                raise self._exc_info

    def join(self, threads=None, stop_grace_period_secs=120, ignore_live_threads=False):
        """Waits for the threads (and the registered ones) to end after a stop request, then
        re-raises the exception a thread reported. Threads still alive after the grace period
        raise RuntimeError unless ignore_live_threads."""
        import time
        with self._lock:
            threads = set(threads or ()) | self._threads
        while not self._stop.wait(1.0) and any(t.is_alive() for t in threads):
            pass
        deadline = time.monotonic() + stop_grace_period_secs
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self.joined = True
        alive = [t.name for t in threads if t.is_alive()]
        self.raise_requested_exception()
        if alive and not ignore_live_threads:
            raise RuntimeError(f"Coordinator stopped with threads still running: {' '.join(alive)}")


from graphflow.io.example_proto import (  # noqa: E402,F401 - tf.train's protocol messages
    BytesList, Example, Feature, FeatureList, FeatureLists, Features, FloatList, Int64List,
    SequenceExample)
