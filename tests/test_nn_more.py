"""tf.nn's CTC family (graphflow/ops/ctc.py) against values recorded from TF 2.21 (the
registry harness checks the primitives' references, gradients and graph modes; these check the
public functions: blank_index, batch-major logits, dtypes, errors, and every execution mode)."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError, UnimplementedError

RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((6, 2, 5)).astype(np.float32)
LABELS = np.array([[1, 2, 2], [3, 1, 0]], np.int32)
LABEL_LENGTH = np.array([3, 2], np.int32)
LOGIT_LENGTH = np.array([6, 4], np.int32)

# Recorded with TF 2.21: tf.nn.ctc_loss(LABELS, LOGITS, LABEL_LENGTH, LOGIT_LENGTH,
# blank_index=b) and the gradient of sum(loss * [1, 2]) at frame 1.
TF_CTC = {
    None: ([8.453879356384277, 5.657478332519531],
           [[0.020065, -0.333769, -0.0806, 0.290349, 0.103955],
            [-0.0195, -0.027108, 0.23758, -1.115531, 0.924559]]),
    -1: ([7.518758296966553, 5.179038047790527],
         [[0.193756, -0.385402, -0.092242, 0.290349, -0.00646],
          [0.156732, -0.236281, 0.23758, -0.241694, 0.083663]]),
    2: ([9.338042259216309, 5.631442546844482],
        [[0.193756, 0.007806, -0.595866, 0.290349, 0.103955],
         [0.156732, 0.103416, -0.037005, -1.147702, 0.924559]]),
}
# TF 2.21's gradient of sum(loss) (blank 0) at frames 0 and 4: frames past logit_length get 0.
TF_GRAD_FRAME0 = [[-0.261636, -0.379612, 0.338596, 0.198202, 0.104451],
                  [-0.462674, 0.434709, 0.304222, -0.309546, 0.03329]]
TF_GRAD_FRAME4 = [[-0.373202, 0.373818, -0.28745, 0.179676, 0.107158], [0.0] * 5]


@pytest.mark.parametrize("blank", [None, -1, 2])
def test_ctc_loss_and_gradient_match_tf(blank):
    x = tf.constant(LOGITS)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.nn.ctc_loss(LABELS, x, LABEL_LENGTH, LOGIT_LENGTH, blank_index=blank)
        total = tf.reduce_sum(loss * tf.constant([1.0, 2.0]))
    grad = tape.gradient(total, x).numpy()
    want_loss, want_grad = TF_CTC[blank]
    assert loss.dtype is tf.float32 and loss.shape == (2,)
    np.testing.assert_allclose(loss.numpy(), want_loss, rtol=1e-5)
    np.testing.assert_allclose(grad[1], want_grad, atol=2e-6)


def test_ctc_gradient_is_zero_past_logit_length():
    x = tf.constant(LOGITS)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(tf.nn.ctc_loss(LABELS, x, LABEL_LENGTH, LOGIT_LENGTH))
    grad = tape.gradient(loss, x).numpy()
    np.testing.assert_allclose(grad[0], TF_GRAD_FRAME0, atol=2e-6)
    np.testing.assert_allclose(grad[4], TF_GRAD_FRAME4, atol=2e-6)
    assert not grad[4:, 1].any()


def test_ctc_batch_major_float64_and_float16():
    batch_major = np.transpose(LOGITS, (1, 0, 2))
    loss = tf.nn.ctc_loss(LABELS, batch_major, LABEL_LENGTH, LOGIT_LENGTH, logits_time_major=False)
    np.testing.assert_allclose(loss.numpy(), TF_CTC[None][0], rtol=1e-5)
    # TF 2.21's dense path raises for float64 logits (a float32 constant inside); graphflow
    # computes it.
    loss64 = tf.nn.ctc_loss(LABELS, LOGITS.astype(np.float64), LABEL_LENGTH, LOGIT_LENGTH)
    assert loss64.dtype is tf.float64
    np.testing.assert_allclose(loss64.numpy(), TF_CTC[None][0], rtol=1e-6)
    loss16 = tf.nn.ctc_loss(LABELS, LOGITS.astype(np.float16), LABEL_LENGTH, LOGIT_LENGTH)
    assert loss16.dtype is tf.float16  # computed in float32 and cast back, as TF


def test_ctc_impossible_alignment_gives_tfs_finite_loss():
    # 4 equal labels need 7 frames; TF's log(1e-307) stand-in for log 0 gives 709.13116.
    loss = tf.nn.ctc_loss(np.array([[1, 1, 1, 1]]), LOGITS[:3, :1], np.array([4]), np.array([3]))
    np.testing.assert_allclose(loss.numpy(), [709.13116], rtol=1e-6)


def test_ctc_unique_is_accepted_and_changes_nothing():
    unique = tf.nn.ctc_unique_labels(LABELS)
    loss = tf.nn.ctc_loss(LABELS, LOGITS, LABEL_LENGTH, LOGIT_LENGTH, unique=unique)
    np.testing.assert_allclose(loss.numpy(), TF_CTC[None][0], rtol=1e-5)


def test_ctc_in_function_and_session():
    @tf.function
    def f(x, labels, ll, tl):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.nn.ctc_loss(labels, x, ll, tl, blank_index=2)
            total = tf.reduce_sum(loss * tf.constant([1.0, 2.0]))
        return loss, tape.gradient(total, x)

    for backend in ("reference", "numba"):
        f = tf.function(f.python_function, backend=backend)
        loss, grad = f(tf.constant(LOGITS), tf.constant(LABELS), tf.constant(LABEL_LENGTH),
                       tf.constant(LOGIT_LENGTH))
        np.testing.assert_allclose(loss.numpy(), TF_CTC[2][0], rtol=1e-5)
        np.testing.assert_allclose(grad.numpy()[1], TF_CTC[2][1], atol=2e-6)

    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 2, 5])
        lab = tf.compat.v1.placeholder(tf.int32, [2, None])
        loss = tf.nn.ctc_loss(lab, x, LABEL_LENGTH, LOGIT_LENGTH)
        grad = tf.compat.v1.gradients(tf.reduce_sum(loss), x)[0]
    with tf.compat.v1.Session(graph=g) as sess:
        got_loss, got_grad = sess.run([loss, grad], {x: LOGITS, lab: LABELS})
    np.testing.assert_allclose(got_loss, TF_CTC[None][0], rtol=1e-5)
    np.testing.assert_allclose(got_grad[0], TF_GRAD_FRAME0, atol=2e-6)


def test_ctc_errors():
    with pytest.raises(InvalidArgumentError, match="label_length is required"):
        tf.nn.ctc_loss(LABELS, LOGITS, None, LOGIT_LENGTH)  # TF: ValueError converting None
    with pytest.raises(InvalidArgumentError, match="logit_length must be in"):
        tf.nn.ctc_loss(LABELS, LOGITS, LABEL_LENGTH, np.array([7, 4]))  # TF: InvalidArgumentError
    # TF returns garbage here (711.6, and a finite loss for labels >= num_classes); graphflow
    # raises.
    with pytest.raises(InvalidArgumentError, match="label_length must be in"):
        tf.nn.ctc_loss(LABELS, LOGITS, np.array([4, 2]), LOGIT_LENGTH)
    with pytest.raises(InvalidArgumentError, match=r"labels must be in \[0, 3\)"):
        tf.nn.ctc_loss(LABELS, LOGITS[:, :, :3], LABEL_LENGTH, LOGIT_LENGTH)
    with pytest.raises(InvalidArgumentError, match="batch sizes differ"):
        tf.nn.ctc_loss(LABELS[:1], LOGITS, LABEL_LENGTH[:1], LOGIT_LENGTH)
    with pytest.raises(InvalidArgumentError, match="rank 3"):
        tf.nn.ctc_loss(LABELS, LOGITS[0], LABEL_LENGTH, LOGIT_LENGTH)
    with pytest.raises(InvalidArgumentError, match="blank_index 5 is out of range"):
        tf.nn.ctc_loss(LABELS, LOGITS, LABEL_LENGTH, LOGIT_LENGTH, blank_index=5)

    class Sparse:  # anything shaped like a SparseTensor
        indices = values = dense_shape = None
    with pytest.raises(UnimplementedError, match="SparseTensor"):
        tf.nn.ctc_loss(Sparse(), LOGITS, None, LOGIT_LENGTH)


def test_collapse_repeated_and_unique_labels_match_tf():
    out, n = tf.nn.collapse_repeated(np.array([[1, 1, 2, 2, 3], [4, 4, 4, 0, 0]]), np.array([5, 3]))
    assert out.numpy().tolist() == [[1, 2, 3], [4, 0, 0]] and n.numpy().tolist() == [3, 1]
    assert out.dtype is tf.int64 and n.dtype is tf.int64
    y, idx = tf.nn.ctc_unique_labels(np.array([[3, 1, 3, 0, 0], [2, 2, 5, 1, 0]]))
    assert y.numpy().tolist() == [[3, 1, 0, 0, 0], [2, 5, 1, 0, 0]] and y.dtype is tf.int64
    assert idx.numpy().tolist() == [[0, 1, 0, 2, 2], [0, 0, 1, 2, 3]] and idx.dtype is tf.int32


@pytest.mark.parametrize("blank,values,shape", [
    (None, [2, 1, 3, 1, 3, 1], [2, 5]),      # TF 2.21: blank num_classes - 1
    (0, [2, 1, 3, 1, 3, 1, 4], [2, 5]),
])
def test_ctc_greedy_decoder_matches_tf(blank, values, shape):
    decoded, neg = tf.nn.ctc_greedy_decoder(LOGITS, LOGIT_LENGTH, blank_index=blank)
    d = decoded[0]
    assert d.values.numpy().tolist() == values and d.dense_shape.numpy().tolist() == shape
    rows = [0] * 5 + [1] * (len(values) - 5)
    assert d.indices.numpy().tolist() == [[r, c]
                                          for r, c in zip(rows, [0, 1, 2, 3, 4, 0, 1])]
    np.testing.assert_allclose(neg.numpy(), [[-4.7594566], [-4.0601397]], rtol=1e-6)


def test_ctc_greedy_decoder_in_function():
    f = tf.function(lambda x, n: tf.nn.ctc_greedy_decoder(x, n)[0][0].values)
    assert f(tf.constant(LOGITS), tf.constant(LOGIT_LENGTH)).numpy().tolist() == [2, 1, 3, 1, 3, 1]
    with pytest.raises(InvalidArgumentError, match="sequence_length must be in"):
        tf.nn.ctc_greedy_decoder(LOGITS, [7, 1])


# ctc_beam_search_decoder on BEAM_X = 2 * standard normal (10, 3, 6) float32 (seed 5).
TF_BEAM = [  # TF 2.21: (beam_width, top_paths, lengths), values, dense_shapes, log_probability
    ((100, 3, [10, 7, 3]),
     [[4, 3, 4, 2, 1, 0, 4, 2, 0, 3, 1, 4, 0, 1, 3, 1, 2], [4, 3, 4, 2, 1, 0, 2, 0, 3, 1, 4, 0, 3, 1, 4], [4, 3, 4, 2, 1, 0, 1, 2, 0, 3, 1, 0, 1, 3, 1, 2, 4]],
     [[3, 9], [3, 8], [3, 9]],
     [[-3.537149, -3.784975, -4.113839], [-2.985331, -3.099374, -3.733441], [-0.975303, -1.830058, -2.39149]]),
    ((2, 2, [10, 10, 10]),
     [[4, 3, 4, 2, 1, 0, 4, 2, 0, 3, 1, 4, 0, 1, 3, 4, 1, 1, 2, 1, 3, 0, 3], [4, 3, 4, 2, 1, 0, 2, 0, 3, 1, 4, 0, 3, 4, 1, 1, 2, 0, 1, 3, 0, 3]],
     [[3, 9], [3, 8]],
     [[-3.974992, -4.39713], [-4.078366, -4.550554], [-3.272533, -4.501331]]),
    ((1, 1, [10, 0, 5]),
     [[4, 3, 4, 2, 1, 0, 4, 2, 0, 1, 2, 1]],
     [[3, 9]],
     [[-3.974992], [0.0], [-2.489583]]),
]
TF_BEAM_ROWS = [[[0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2], [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2], [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2]], [[0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2], [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2]], [[0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2]]]
BEAM_X = (np.random.default_rng(5).standard_normal((10, 3, 6)).astype(np.float32) * 2)


@pytest.mark.parametrize("case", range(len(TF_BEAM)))
def test_ctc_beam_search_decoder_matches_tf(case):
    (width, top, lengths), values, shapes, log_prob = TF_BEAM[case]
    decoded, got = tf.nn.ctc_beam_search_decoder(BEAM_X, lengths, beam_width=width, top_paths=top)
    assert len(decoded) == top
    for k, d in enumerate(decoded):
        assert d.values.numpy().tolist() == values[k], k
        assert d.dense_shape.numpy().tolist() == shapes[k]
        rows = TF_BEAM_ROWS[case][k]
        cols = [sum(1 for r in rows[:i] if r == rows[i]) for i in range(len(rows))]
        assert d.indices.numpy().tolist() == [[r, c] for r, c in zip(rows, cols)]
    np.testing.assert_allclose(got.numpy(), log_prob, rtol=2e-6, atol=1e-6)


def test_ctc_beam_search_decoder_errors_and_modes():
    with pytest.raises(InvalidArgumentError, match="Less leaves in the beam search"):
        tf.nn.ctc_beam_search_decoder(BEAM_X, [10, 0, 5], beam_width=3, top_paths=2)
    with pytest.raises(InvalidArgumentError, match="more paths than the beam width"):
        tf.nn.ctc_beam_search_decoder(BEAM_X, [1, 1, 1], beam_width=2, top_paths=3)
    (width, top, lengths), values, _, log_prob = TF_BEAM[1]
    for backend in ("reference", "numba"):
        f = tf.function(lambda x, n: tf.nn.ctc_beam_search_decoder(x, n, width, top),
                        backend=backend)
        decoded, got = f(tf.constant(BEAM_X), tf.constant(lengths))
        assert decoded[1].values.numpy().tolist() == values[1]
        np.testing.assert_allclose(got.numpy(), log_prob, rtol=2e-6, atol=1e-6)


# -- max_pool_with_argmax ------------------------------------------------------------------------
POOL_X = np.arange(2 * 5 * 5 * 2, dtype=np.float32).reshape(2, 5, 5, 2) % 7  # many ties


def test_max_pool_with_argmax_matches_tf():
    # Recorded with TF 2.21 (batch 1, channel 1 / channel 0).
    v, a = tf.nn.max_pool_with_argmax(POOL_X, 3, 2, "SAME")
    assert v.numpy()[1, :, :, 1].tolist() == [[5.0, 6.0, 6.0], [6.0, 6.0, 6.0], [6.0, 6.0, 6.0]]
    assert a.numpy()[1, :, :, 1].tolist() == [[11, 5, 19], [33, 33, 19], [33, 33, 47]]
    assert a.dtype is tf.int64
    v, a = tf.nn.max_pool_with_argmax(POOL_X, [1, 2, 2, 1], [1, 2, 2, 1], "VALID",
                                      include_batch_in_index=True, output_dtype=tf.int32)
    assert v.shape == (2, 2, 2, 2) and a.dtype is tf.int32
    assert a.numpy()[1, :, :, 0].tolist() == [[62, 54], [82, 76]]
    x = tf.constant(POOL_X)
    with tf.GradientTape() as tape:
        tape.watch(x)
        v, _ = tf.nn.max_pool_with_argmax(x, 3, 2, "SAME")
        total = tf.reduce_sum(v * tf.reshape(tf.range(18.0), (2, 3, 3, 1)))
    assert tape.gradient(total, x).numpy()[1, :, :, 1].tolist() == [
        [0.0, 0.0, 10.0, 0.0, 0.0], [9.0, 0.0, 0.0, 0.0, 25.0], [0.0] * 5,
        [0.0, 56.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 17.0, 0.0]]


@pytest.mark.parametrize("padding,include", [("SAME", False), ("VALID", True)])
def test_max_pool_with_argmax_gradient_by_finite_differences(padding, include):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 5, 4, 2))
    w = rng.standard_normal(tf.nn.max_pool_with_argmax(x, 3, 2, padding)[0].shape)

    def f(a):
        return float(np.sum(tf.nn.max_pool_with_argmax(a, 3, 2, padding,
                                                       include_batch_in_index=include)[0].numpy() * w))
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        total = tf.reduce_sum(tf.nn.max_pool_with_argmax(xt, 3, 2, padding,
                                                         include_batch_in_index=include)[0] * w)
    grad = tape.gradient(total, xt).numpy()
    numeric = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        hi, lo = x.copy(), x.copy()
        hi[idx] += 1e-6
        lo[idx] -= 1e-6
        numeric[idx] = (f(hi) - f(lo)) / 2e-6
    np.testing.assert_allclose(grad, numeric, atol=1e-6)


def test_max_pool_with_argmax_modes_and_errors():
    for backend in ("reference", "numba"):
        f = tf.function(lambda x: tf.nn.max_pool_with_argmax(x, 3, 2, "SAME"), backend=backend)
        v, a = f(tf.constant(POOL_X))
        assert a.numpy()[1, :, :, 1].tolist() == [[11, 5, 19], [33, 33, 19], [33, 33, 47]]
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 5, 5, 2])
        v, a = tf.nn.max_pool_with_argmax(x, 3, 2, "SAME")
        grad = tf.compat.v1.gradients(tf.reduce_sum(v), x)[0]
    with tf.compat.v1.Session(graph=g) as sess:
        got_a, got_g = sess.run([a, grad], {x: POOL_X})
    assert got_a[1, :, :, 1].tolist() == [[11, 5, 19], [33, 33, 19], [33, 33, 47]]
    assert got_g.sum() == 2 * 9 * 2
    assert tf.nn.max_pool_with_argmax(POOL_X.astype(np.int32), 2, 2, "VALID")[0].dtype is tf.int32
    with pytest.raises(InvalidArgumentError, match="other than 'NHWC'"):
        tf.nn.max_pool_with_argmax(POOL_X, 2, 2, "VALID", data_format="NCHW")  # TF: ValueError
    with pytest.raises(UnimplementedError, match="batch or channel"):
        tf.nn.max_pool_with_argmax(POOL_X, [2, 2, 2, 1], 2, "VALID")
    with pytest.raises(InvalidArgumentError, match="4-dimensional"):
        tf.nn.max_pool_with_argmax(POOL_X[0], 2, 2, "VALID")
