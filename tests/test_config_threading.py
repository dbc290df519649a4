"""tf.config.threading: the inter-op count is recorded; the intra-op count limits BLAS's threads
(through threadpoolctl) and 0 restores them."""
import pytest

import graphflow as tf

threadpoolctl = pytest.importorskip("threadpoolctl", reason="the optional extra graphflow[threads]")


def _blas_threads():
    return [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]


def test_defaults_are_zero():
    assert tf.config.threading.get_intra_op_parallelism_threads() == 0
    assert tf.config.threading.get_inter_op_parallelism_threads() == 0


def test_intra_op_threads_limit_blas_and_zero_restores():
    before = _blas_threads()
    assert before, "NumPy's BLAS is not visible to threadpoolctl"
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        assert tf.config.threading.get_intra_op_parallelism_threads() == 1
        assert all(n == 1 for n in _blas_threads())
        a = tf.ones((64, 64))
        assert float(tf.reduce_sum(tf.matmul(a, a))) == 64.0 ** 3
    finally:
        tf.config.threading.set_intra_op_parallelism_threads(0)
    assert _blas_threads() == before
    assert tf.config.threading.get_intra_op_parallelism_threads() == 0


def test_inter_op_threads_are_recorded():
    try:
        tf.config.threading.set_inter_op_parallelism_threads(2)
        assert tf.config.threading.get_inter_op_parallelism_threads() == 2
    finally:
        tf.config.threading.set_inter_op_parallelism_threads(0)


@pytest.mark.parametrize("bad", [-1, 1.5, "2", True])
def test_bad_counts_raise(bad):
    for setter in (tf.config.threading.set_intra_op_parallelism_threads,
                   tf.config.threading.set_inter_op_parallelism_threads):
        with pytest.raises(tf.errors.InvalidArgumentError, match="num_threads must be an integer"):
            setter(bad)
