"""keras.utils.PyDataset (also keras.utils.Sequence): batches produced by Python code,
`__len__` batches of `__getitem__(index)` each, fed to fit/evaluate/predict.

    >>> import numpy as np
    >>> from graphflow import keras
    >>> class Squares(keras.utils.PyDataset):
    ...     def __len__(self):
    ...         return 2
    ...     def __getitem__(self, index):
    ...         x = np.arange(3, dtype="float32")[:, None] + 3 * index
    ...         return x, x ** 2
    >>> data = Squares()
    >>> data.num_batches, data.workers, data.max_queue_size
    (2, 1, 10)
    >>> [x[:, 0].tolist() for x, y in data]
    [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]

With `workers > 1` fit fetches batches on that many threads, at most `max_queue_size` ahead
of training, and delivers them in order. `use_multiprocessing=True` also runs them on threads
(graphflow starts no worker processes; Keras forks them): a `__getitem__` that holds the GIL
gains nothing from more workers.
"""
import itertools
import warnings


class PyDataset:
    """Base class for a dataset written in Python: implement `__len__` (the number of
    batches) and `__getitem__(index)` (one whole batch: x, (x,), (x, y), (x, y,
    sample_weight) or a dict of inputs), and optionally `on_epoch_begin` / `on_epoch_end`.
    `workers`, `use_multiprocessing` and `max_queue_size` tell fit how to fetch batches."""

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self):
        missing = False
        for attr, default in (("_workers", 1), ("_use_multiprocessing", False),
                              ("_max_queue_size", 10)):
            if not hasattr(self, attr):
                setattr(self, attr, default)
                missing = True
        if missing:
            warnings.warn(
                "Your `PyDataset` class should call `super().__init__(**kwargs)` in its "
                "constructor. `**kwargs` can include `workers`, `use_multiprocessing`, "
                "`max_queue_size`. Do not pass these arguments to `fit()`, as they will be "
                "ignored.", stacklevel=3)

    @property
    def workers(self):
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        self._warn_if_super_not_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        """The batch at position `index`."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement __getitem__(index), returning one batch")

    def __iter__(self):
        num_batches = self.num_batches
        for index in (itertools.count() if num_batches is None else range(num_batches)):
            yield self[index]

    @property
    def num_batches(self):
        """The number of batches (None for an endless dataset); `len(self)` by default."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            "You need to implement the `num_batches` property:\n\n"
            "@property\ndef num_batches(self):\n  return ...")

    def on_epoch_begin(self):
        """Called at the beginning of every epoch."""

    def on_epoch_end(self):
        """Called at the end of every epoch."""


Sequence = PyDataset  # Keras 3 exports the same class under both names
