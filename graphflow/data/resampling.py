"""Dataset transformations that drop or redraw elements: ignore_errors (the elements whose
computation raised are skipped) and rejection_resample (elements kept or repeated at random so
their classes follow a target distribution, TF's algorithm).

    >>> import graphflow as tf
    >>> ds = tf.data.Dataset.from_tensor_slices([1.0, 0.0, 4.0])
    >>> ds = ds.map(lambda x: tf.debugging.check_numerics(1.0 / x, "inverse"))
    >>> [float(v) for v in ds.ignore_errors()]
    [1.0, 0.25]
"""
import logging

import numpy as np

from graphflow import dtypes
from graphflow.data import functions, structure
from graphflow.data.dataset import INFINITE, UNKNOWN, Dataset, Failure
from graphflow.errors import InvalidArgumentError
from graphflow.tensor import TensorSpec

_log = logging.getLogger("graphflow")


class IgnoreErrorsDataset(Dataset):
    """The input's elements, skipping each one whose computation raised (a map or filter
    function's error: that element is dropped and the next one follows; a batch holding one is
    dropped whole, and take does not count it). An error in a transformation that cannot go
    on after it (a source, shuffle, zip, ...) ends the dataset there."""

    def __init__(self, parent, log_warning):
        super().__init__(parent.element_spec, (parent,))
        self._log_warning = bool(log_warning)

    def _iterate(self):
        for element in self._inputs[0]._tolerant():
            if type(element) is Failure:
                if self._log_warning:
                    _log.warning("Error raised with error message %s", element.error)
                continue
            yield element

    def _cardinality(self):
        return INFINITE if self._inputs[0]._cardinality() == INFINITE else UNKNOWN


# -- rejection_resample -----------------------------------------------------------------------

_ESTIMATION_BATCH = 32   # TF's dist_estimation_batch_size
_SMOOTHING = 10          # TF's smoothing_constant: every class starts as seen this often
_TINY = np.finfo(np.float32).tiny


def _distribution(value, what):
    arr = np.asarray(structure.leaf_array(value, f"rejection_resample: {what}"))
    if arr.dtype.kind not in "fiu":
        raise InvalidArgumentError(f"rejection_resample: {what} must be numbers, got "
                                   f"{arr.dtype}")
    if arr.ndim != 1:
        raise InvalidArgumentError(f"rejection_resample: {what} must be a vector (one "
                                   f"probability per class), got shape {list(arr.shape)}")
    return arr.astype(np.float32)


def _acceptance(initial, target):
    """TF's _calculate_acceptance_probs_with_mixing: per-class acceptance probabilities of the
    rejection sampler, and the probability m of taking an element of the original dataset
    instead (m = min_i t_i / p_i, so as few elements as possible are rejected)."""
    ratio = target / (initial + _TINY)
    m = ratio.min()
    high = ratio.max()
    accept = (ratio - m) / (high - m) if high > m else np.ones_like(ratio)
    return accept.astype(np.float32), float(m)


class RejectionResampleDataset(Dataset):
    """(class, element) pairs whose classes follow `target_dist`: each element is taken from
    the original dataset with probability m, else from a rejection-sampled pass over it (as
    TF, the two are separate iterations of the input, so an element may come twice). Without
    `initial_dist` the class distribution is estimated while iterating, from counts of the
    classes seen (updated every 32 elements, starting from 10 of each)."""

    def __init__(self, parent, class_func, target_dist, initial_dist, seed):
        self._class = functions.StructuredFunction(class_func, parent.element_spec,
                                                   "rejection_resample")
        spec = self._class.output_spec
        if not isinstance(spec, TensorSpec) or spec.dtype not in (dtypes.int32, dtypes.int64) \
                or spec.shape.rank not in (0, None):
            raise InvalidArgumentError(f"rejection_resample: `class_func` must return a scalar "
                                       f"int32 (or int64) tensor, but its return type is "
                                       f"{spec!r}")
        self._target = _distribution(target_dist, "target_dist")
        self._initial = None if initial_dist is None else _distribution(initial_dist,
                                                                        "initial_dist")
        if self._initial is not None and self._initial.shape != self._target.shape:
            raise InvalidArgumentError(
                f"rejection_resample: initial_dist has {self._initial.shape[0]} classes and "
                f"target_dist {self._target.shape[0]}")
        self._seed = seed
        super().__init__((spec, parent.element_spec), (parent,))

    def _classify(self, element):
        c = int(self._class(element))
        if not 0 <= c < len(self._target):
            raise InvalidArgumentError(f"rejection_resample: class_func returned {c}, outside "
                                       f"[0, {len(self._target)}) (the classes of target_dist)")
        return c

    def _estimates(self):
        """The initial distribution each element of the input is judged by."""
        if self._initial is not None:
            while True:
                yield self._initial
        counts = np.full(len(self._target), _SMOOTHING, np.int64)
        batch = []
        for element in self._inputs[0]._elements():
            batch.append(self._classify(element))
            if len(batch) == _ESTIMATION_BATCH:
                yield from self._estimated(counts, batch)
                batch = []
        if batch:
            yield from self._estimated(counts, batch)

    @staticmethod
    def _estimated(counts, batch):
        counts += np.bincount(batch, minlength=len(counts))
        dist = (counts / counts.sum()).astype(np.float32)
        for _ in batch:
            yield dist

    def _filtered(self, rng, warned):
        for initial, element in zip(self._estimates(), self._inputs[0]._elements()):
            accept, _ = _acceptance(initial, self._target)
            rejected = float(np.sum((1 - accept) * initial))
            if rejected >= 0.5 and warned[0] < 10:  # TF prints this the first 10 times
                warned[0] += 1
                _log.warning("Proportion of examples rejected by sampler is high: %s %s %s",
                             rejected, initial, accept)
            c = self._classify(element)
            if rng.random(dtype=np.float32) < accept[c]:
                yield c, element

    def _iterate(self):
        from graphflow.ops.random import numpy_generator
        rng = np.random.default_rng(self._seed) if self._seed is not None else \
            numpy_generator("dataset.rejection_resample")
        dtype = self._spec[0].dtype.np
        original = ((np.array(self._classify(e), dtype), e) for e in self._inputs[0]._elements())
        filtered = ((np.array(c, dtype), e) for c, e in self._filtered(rng, [0]))
        if self._initial is not None:
            m = _acceptance(self._initial, self._target)[1]
            if m >= 1:  # TF decides these two cases when the dataset is built
                yield from original
                return
            if m <= 0:
                yield from filtered
                return
        mixing = (_acceptance(d, self._target)[1] for d in self._estimates())
        for m in mixing:
            source = original if rng.random() < m else filtered
            try:
                yield next(source)
            except StopIteration:  # TF's stop_on_empty_dataset=True
                return

    def _cardinality(self):
        return INFINITE if self._inputs[0]._cardinality() == INFINITE else UNKNOWN
