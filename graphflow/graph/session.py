"""compat.v1 Session: runs the part of a graph that the fetches need, with placeholders fed.

    >>> import graphflow as tf
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     a = tf.compat.v1.placeholder(tf.float32)
    ...     b = tf.compat.v1.placeholder(tf.float32)
    ...     c = a + b
    >>> with tf.compat.v1.Session(graph=g) as sess:
    ...     float(sess.run(c, {a: 2.0, b: 3.0}))
    5.0
"""
import collections
import threading

import numpy as np

from graphflow.context import context, require_default_session  # noqa: F401 - re-exported
from graphflow.errors import InvalidArgumentError, InvalidTypeError
from graphflow.graph.ir import Node, get_default_graph
from graphflow.tensor import SymbolicTensor, Variable
from graphflow.utils import nest


class Session:
    """Runs fetches (tensors, ops, names, or nested lists/tuples/dicts of them) in one graph."""

    def __init__(self, target="", graph=None, config=None):
        self.graph = graph if graph is not None else get_default_graph()
        self._closed = False
        self._plans = collections.OrderedDict()   # fetch/feed key -> executable
        self._lock = threading.Lock()
        self._previous_default = None

    def __enter__(self):
        self._previous_default = context.default_session
        context.default_session = self
        return self

    def __exit__(self, *exc):
        context.default_session = self._previous_default
        self.close()
        return False

    def as_default(self):
        return self

    def close(self):
        self._closed = True
        self._plans.clear()

    def _executable(self, key, tensors, feed_tensors, targets):
        """The compiled executable of one fetch/feed set: kept (least recently used dropped
        beyond graphflow.config.get_max_cached_plans()); executables are re-entrant, so
        threads share them."""
        with self._lock:
            plan = self._plans.get(key)
            if plan is not None:
                self._plans.move_to_end(key)
                return plan
        from graphflow.graph.function import compile_graph
        from graphflow.graph.ir import control_closure
        # what tf.control_dependencies made the fetches wait for runs too (before them: it was
        # built earlier, and plans keep program order)
        extra = [n for n in control_closure(tensors, targets, feed_tensors)
                 if all(n is not t for t in targets)]
        plan = compile_graph(self.graph, tensors, feed_tensors, list(targets) + extra,
                             device=self._device())
        with self._lock:
            plan = self._plans.setdefault(key, plan)
            while len(self._plans) > max(1, context.max_cached_plans):
                self._plans.popitem(last=False)
        return plan

    # -- run ---------------------------------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Evaluates `fetches`; the result has the same nested structure (None for ops)."""
        if self._closed:
            raise InvalidArgumentError("Attempted to use a closed Session")
        flat = nest.flatten(fetches, expand_composites=True)  # a SparseTensor: 3 tensors
        elements = [self._fetch_element(f) for f in flat]
        tensors = [e for e in elements if isinstance(e, SymbolicTensor)]
        targets = [e for e in elements if isinstance(e, Node)]
        feed_tensors, feed_arrays = self._feeds(feed_dict or {})
        key = (tuple(id(t) for t in tensors), tuple(id(n) for n in targets),
               tuple(id(t) for t in feed_tensors))
        plan = self._executable(key, tensors, feed_tensors, targets)
        results = plan.run(feed_arrays)
        if getattr(plan, "target", "cpu") == "cuda":  # Session.run returns host arrays
            from graphflow import devices
            results = [devices.to_host(v) for v in results]
        values = iter(results)
        out = []
        for e in elements:
            if isinstance(e, SymbolicTensor):
                v = next(values)
                out.append(v[()] if isinstance(v, np.ndarray) and v.ndim == 0 else v)
            else:
                out.append(None)
        return _pack_fetches(fetches, out)

    def _device(self):
        """The GPU this graph runs on: nodes built inside `graphflow.device("/GPU:0")` ask for
        it (as TF pins ops); else the default device. None means the CPU."""
        from graphflow import devices
        pinned = [n.device for n in self.graph.nodes if getattr(n, "device", None) is not None]
        if pinned:
            gpus = [d for d in pinned if d.is_gpu]
            return gpus[0] if gpus else None
        dev = devices.default_device()
        return dev if dev.is_gpu else None

    def _fetch_element(self, fetch):
        element = self.graph.as_graph_element(fetch) if isinstance(fetch, str) else fetch
        if isinstance(element, Variable):
            with self.graph.as_default():
                element = element.value()
        if isinstance(element, SymbolicTensor):
            if element.graph is not self.graph:
                raise InvalidArgumentError(
                    f"Fetch {element.name!r} is not an element of this Session's graph")
            return element
        if isinstance(element, Node):
            if element.graph is not self.graph:
                raise InvalidArgumentError(f"Op {element.name!r} is not an element of this "
                                           "Session's graph")
            return element
        raise InvalidArgumentError(
            f"Fetch argument {fetch!r:.80} has invalid type {type(fetch).__name__}: it must be a "
            "tensor, an op, a tensor or op name, or a list/tuple/dict of them")

    def _feeds(self, feed_dict):
        from graphflow.ops.registry import to_array
        tensors, arrays = [], []
        if not hasattr(feed_dict, "items"):
            raise InvalidTypeError(f"Session.run: feed_dict must be a dictionary (a Mapping), "
                                   f"instead of {type(feed_dict).__name__!r}")
        pairs = []
        for key, value in feed_dict.items():
            feed = getattr(key, "_feed_components", None)  # a sparse placeholder
            pairs.extend(feed(value, "Session.run") if feed is not None else [(key, value)])
        for key, value in pairs:
            t = self.graph.as_graph_element(key) if isinstance(key, str) else key
            if isinstance(t, Node) and len(t.outputs) == 1:
                t = t.outputs[0]
            if not isinstance(t, SymbolicTensor):
                raise InvalidArgumentError(f"feed_dict key {key!r:.80} is not a tensor")
            if t.graph is not self.graph:
                raise InvalidArgumentError(
                    f"feed_dict key {t.name!r} is not an element of this Session's graph")
            name = t.node.name
            try:
                array = to_array(value.numpy() if hasattr(value, "numpy") else value, t.dtype,
                                 f"feed for {name!r}")
            except InvalidArgumentError as e:
                raise InvalidArgumentError(
                    f"Cannot feed value {_short(value)} to tensor {t.name!r} (placeholder "
                    f"{name!r}) of dtype {t.dtype.name}: {e}") from None
            if not t.shape.is_compatible_with(array.shape):
                raise InvalidArgumentError(
                    f"Cannot feed value of shape {array.shape} for tensor {t.name!r} "
                    f"(placeholder {name!r}), which has shape {t.shape}")
            tensors.append(t)
            arrays.append(array)
        return tensors, arrays


InteractiveSession = Session


def _pack_fetches(fetches, values):
    """The fetched values in the structure of `fetches`; a SparseTensor's three arrays become
    TF1's SparseTensorValue."""
    it = iter(values)

    def one(fetch):
        parts = getattr(fetch, "_composite_components", None)
        if parts is None:
            return next(it)
        from graphflow.ops.sparse import SparseTensorValue
        return SparseTensorValue(*(next(it) for _ in parts()))
    if not nest.is_nested(fetches):
        return one(fetches)
    return nest.map_structure(one, fetches)


def _short(value):
    text = repr(value)
    return text if len(text) < 50 else text[:47] + "..."


def get_default_session():
    """This thread's default Session (`with sess.as_default():` or `with Session() as sess:`),
    or None, as in TF."""
    return context.default_session
