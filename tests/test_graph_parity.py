"""Every registered op gives the same result eagerly, traced through graphflow.function (on the
reference interpreter and compiled), and run through a compat.v1 Session: one test over the
whole registry, driven by the same sample table as tests/test_ops_registry.py."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.ops.registry import REGISTRY, dispatch
from helpers import SAMPLES, assert_close, outputs_of, run

CASES_PER_OP = 3


def _cases():
    params = []
    for name in sorted(SAMPLES):
        info = SAMPLES[name]
        dtype = info.dtypes[0]
        for i in range(min(CASES_PER_OP, len(info(np.random.default_rng(0), dtype)))):
            params.append(pytest.param(name, i, id=f"{name}-{i}"))
    return params


def _case(name, i):
    info = SAMPLES[name]
    dtype = info.dtypes[0]
    arrays, attrs = info(np.random.default_rng(hash(name) % 1000), dtype)[i]
    return REGISTRY[name], [np.asarray(a) for a in arrays], attrs, dtype


@pytest.mark.parametrize("name,case", _cases())
def test_eager_function_and_session_agree(name, case):
    op, arrays, attrs, dtype = _case(name, case)
    eager = outputs_of(run(op, arrays, attrs))

    for backend in ("reference", "numba"):
        fn = tf.function(lambda *xs: dispatch(op, xs, attrs), backend=backend)
        traced = outputs_of(fn(*[tf.constant(a) for a in arrays]))
        assert len(traced) == len(eager)
        for t, e in zip(traced, eager):
            assert t.shape == e.shape and t.dtype == e.dtype, (backend, t, e)
            assert_close(t.numpy(), e.numpy(), dtype)

    g = tf.Graph()
    with g.as_default():
        phs = [tf.compat.v1.placeholder(tf.as_dtype(a.dtype), a.shape, name=f"x{k}")
               for k, a in enumerate(arrays)]
        out = outputs_of(dispatch(op, phs, attrs))
    with tf.compat.v1.Session(graph=g) as sess:
        fetched = sess.run(list(out), dict(zip(phs, arrays)))
    for f, e in zip(fetched, eager):
        assert np.shape(f) == tuple(e.shape.as_list())
        assert_close(np.asarray(f), e.numpy(), dtype)
