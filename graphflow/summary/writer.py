"""Summary writers and this thread's summary state: the default writer, the step, record_if.

Event files are written by TensorBoard's own EventFileWriter (the optional extra
`graphflow[tensorboard]`), so TensorBoard reads them as it reads TensorFlow's. As in TF the
default writer, the default step and the recording condition are per thread.
"""
import contextlib
import threading

from graphflow.errors import InvalidArgumentError


def require_tensorboard(what):
    """TensorBoard's package (for its event writer and summary protos), or a clear error."""
    try:
        import tensorboard  # noqa: F401
        from tensorboard.summary.writer.event_file_writer import EventFileWriter  # noqa: F401
    except ImportError:
        raise ImportError(
            f"{what} writes TensorBoard event files with the `tensorboard` package, which is "
            "not installed: pip install graphflow[tensorboard]") from None
    return tensorboard


class _State(threading.local):
    def __init__(self):
        self.writer = None      # the default SummaryWriter of this thread
        self.step = None        # tf.summary.experimental.set_step / as_default(step)
        self.record = []        # record_if conditions (bools or callables), innermost last


_state = _State()


class SummaryWriter:
    """Writes summaries to event files in `logdir` (see `create_file_writer`)."""

    def __init__(self, logdir, max_queue=10, flush_millis=120000, filename_suffix=".v2"):
        require_tensorboard("tf.summary.create_file_writer")
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
        self.logdir = str(logdir)
        self._writer = EventFileWriter(self.logdir, max_queue_size=max_queue,
                                       flush_secs=max(flush_millis / 1000.0, 0.001),
                                       filename_suffix=filename_suffix)
        self._closed = False
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def as_default(self, step=None):
        """Makes this the default writer (and `step`, when given, the default step) inside
        the block; the writer is flushed on exit, as TF does."""
        saved = _state.writer, _state.step
        _state.writer = self
        if step is not None:
            _state.step = step
        try:
            yield self
        finally:
            _state.writer, _state.step = saved
            self.flush()

    def set_as_default(self, step=None):
        """Makes this the default writer of this thread from now on."""
        _state.writer = self
        if step is not None:
            _state.step = step

    def init(self):
        """A no-op (the file is created with the writer), as TF 2's eager writer."""

    def write(self, summary, step):
        from tensorboard.compat.proto import event_pb2
        import time
        with self._lock:
            if self._closed:
                raise InvalidArgumentError(
                    f"tf.summary: the writer for {self.logdir!r} is closed")
            self._writer.add_event(event_pb2.Event(wall_time=time.time(), step=int(step),
                                                   summary=summary))

    def write_graph_def(self, graph_def):
        from tensorboard.compat.proto import event_pb2
        import time
        with self._lock:
            if not self._closed:
                self._writer.add_event(event_pb2.Event(
                    wall_time=time.time(), graph_def=graph_def.SerializeToString()))

    def flush(self):
        with self._lock:
            if not self._closed:
                self._writer.flush()

    def close(self):
        with self._lock:
            if not self._closed:
                self._writer.close()
                self._closed = True

    def write_arrays(self, kind, tag, data, step, params):
        """Writes a summary of `kind` built from NumPy data (what the write_summary op of a
        graphflow.function hands over when it runs)."""
        from graphflow.summary.protos import write_arrays
        write_arrays(kind, tag, data, step, self, params)

    def __repr__(self):
        return f"<SummaryWriter logdir={self.logdir!r}>"


class NoopSummaryWriter:
    """A writer that writes nothing (`create_noop_writer`)."""

    @contextlib.contextmanager
    def as_default(self, step=None):
        saved = _state.writer, _state.step
        _state.writer = None
        if step is not None:
            _state.step = step
        try:
            yield self
        finally:
            _state.writer, _state.step = saved

    def set_as_default(self, step=None):
        _state.writer = None
        if step is not None:
            _state.step = step

    def init(self):
        pass

    def flush(self):
        pass

    def close(self):
        pass


def create_file_writer(logdir, max_queue=None, flush_millis=None, filename_suffix=None,
                       name=None, experimental_trackable=False, experimental_mesh=None):
    """A SummaryWriter writing to a new event file in `logdir` (created when missing).

        >>> import tempfile
        >>> writer = tf.summary.create_file_writer(tempfile.mkdtemp())
        >>> with writer.as_default(step=1):
        ...     tf.summary.scalar("loss", 0.5)
        True
    """
    if not isinstance(logdir, str) and not hasattr(logdir, "__fspath__"):
        raise InvalidArgumentError(
            f"create_file_writer: logdir must be a path string, got {logdir!r:.80}")
    return SummaryWriter(logdir, max_queue=10 if max_queue is None else int(max_queue),
                         flush_millis=120000 if flush_millis is None else float(flush_millis),
                         filename_suffix=".v2" if filename_suffix is None else filename_suffix)


def create_noop_writer():
    """A writer whose summaries go nowhere."""
    return NoopSummaryWriter()


def get_step():
    """The default step of this thread (None until set)."""
    return _state.step


def set_step(step):
    """Sets this thread's default step for summaries written without `step=`."""
    _state.step = step


@contextlib.contextmanager
def record_if(condition):
    """Records summaries inside the block only while `condition` (a bool or a zero-argument
    callable returning one, evaluated at each write) holds."""
    _state.record.append(condition)
    try:
        yield
    finally:
        _state.record.pop()


def _recording():
    for cond in _state.record:
        value = cond() if callable(cond) else cond
        if hasattr(value, "numpy"):
            value = value.numpy()
        if not bool(value):
            return False
    return True


def should_record_summaries():
    """Whether a summary written now would be recorded: a default writer exists and every
    enclosing record_if condition holds.

        >>> tf.summary.should_record_summaries()
        False
    """
    return isinstance(_state.writer, SummaryWriter) and _recording()


def flush(writer=None, name=None):
    """Flushes `writer` (the default writer when None)."""
    writer = writer if writer is not None else _state.writer
    if writer is not None:
        writer.flush()


def default_writer():
    return _state.writer
