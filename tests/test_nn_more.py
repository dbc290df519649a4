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



# TF 2.21 with SPARSE_LABELS (the same labels as LABELS) and blank_index b: the losses, and
# the gradient of sum(loss) at frame 1.
SPARSE_LABELS = ([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1]], [1, 2, 2, 3, 1], [2, 3])
TF_SPARSE = {
    0: ([8.453879356384277, 5.657478332519531],
        [[0.020065, -0.333769, -0.0806, 0.290349, 0.103955],
         [-0.00975, -0.013554, 0.11879, -0.557765, 0.46228]]),
    -1: ([7.518758296966553, 5.179038047790527],
         [[0.193756, -0.385402, -0.092243, 0.290349, -0.00646],
          [0.078366, -0.11814, 0.11879, -0.120847, 0.041831]]),
    2: ([9.338042259216309, 5.631443023681641],
        [[0.193756, 0.007806, -0.595866, 0.290349, 0.103955],
         [0.078366, 0.051708, -0.018503, -0.573851, 0.46228]]),
}


@pytest.mark.parametrize("blank", [0, -1, 2])
def test_ctc_loss_with_sparse_labels_matches_tf(blank):
    labels = tf.SparseTensor(*SPARSE_LABELS)
    x = tf.constant(LOGITS)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.nn.ctc_loss(labels, x, None, LOGIT_LENGTH, blank_index=blank)
    want_loss, want_grad = TF_SPARSE[blank]
    np.testing.assert_allclose(loss.numpy(), want_loss, rtol=1e-5)
    np.testing.assert_allclose(tape.gradient(loss, x).numpy()[1], want_grad, atol=2e-6)


def test_ctc_loss_sparse_labels_errors_and_function():
    labels = tf.SparseTensor(*SPARSE_LABELS)
    with pytest.raises(InvalidArgumentError, match="`blank_index` must be provided"):
        tf.nn.ctc_loss(labels, LOGITS, None, LOGIT_LENGTH)  # TF: ValueError, same words
    long = tf.SparseTensor([[0, 0], [0, 1], [0, 2], [0, 3]], [1, 1, 1, 1], [1, 4])
    with pytest.raises(InvalidArgumentError, match="Not enough time"):  # TF: the same error
        tf.nn.ctc_loss(long, LOGITS[:3, :1], None, [3], blank_index=0)

    @tf.function
    def f(sp, x):
        return tf.nn.ctc_loss(sp, x, None, LOGIT_LENGTH, blank_index=2)
    np.testing.assert_allclose(f(labels, tf.constant(LOGITS)).numpy(), TF_SPARSE[2][0], rtol=1e-5)


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
    assert isinstance(d, tf.SparseTensor) and d.values.dtype is tf.int64
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


# -- nce_loss and sampled_softmax_loss with fixed sampled_values (recorded with TF 2.21) --------
SV_TRUE = [[1.34913615395, 0.959203713764], [1.26109857613, 0.797278476884], [1.06952538456, 0.574635524509], [0.831959905493, 0.402712747427]]
SV_SAMPLED = [0.240985042826, 0.154045781889, 1.08272926694, 0.739002869234, 1.35682780593]
TF_SAMPLED = [  # (function, kwargs, loss, d/dweights, d/dbiases, d/dinputs) of sum(loss * [1, 2, 3, 4])
    ('nce_loss', {},
     [[12.2586179918, 9.93747444852, 10.0351665707, 10.3618870023], [[1.9626067682, -3.4758712365, -0.8717883222], [-0.7344727786, -0.6390947041, 0.3573635675], [1.6855385145, -0.5902066426, 1.0161582337], [-1.4149004649, 1.8405398646, 0.6872948715], [1.6266622093, -3.7983750069, 0.4246320259], [4.0021399884, -4.2314519976, -0.6810195756], [-0.3608820926, -2.0912385733, 0.4447137488]], [5.2972992761, 0.4246952171, 8.5405198788, -1.6292058596, 9.7668933802, 10.5955960293, -0.2299156111], [[-1.6873120149, -0.0419718858, 1.0723590383], [-1.5336765261, 1.2914941087, 0.4661470553], [-1.963581797, 2.2137474628, -1.8980923945], [-1.0196358333, -2.2060518284, -0.6184006237]]]),
    ('nce_loss', {'remove_accidental_hits': True},
     [[7.45316521729, 6.65729034198, 9.94081430801, 8.31106708761], [[1.8788478119, -4.1775794761, -1.3418947341], [-0.7344727786, -0.6390947041, 0.3573635675], [1.4424629596, -2.6266231307, -0.3481302189], [-1.4149004649, 1.8405398646, 0.6872948715], [3.3419184536, -2.3058606295, -0.4099395314], [0.9751371904, -0.2938468742, 0.7893619464], [-0.4177603861, -2.1679611165, 0.4905683544]], [4.6465707014, 0.4246952171, 6.6520506772, -1.6292058596, 8.7750783744, 7.1101136101, -0.500029131], [[-1.3611795326, 0.7436911529, 0.6211247963], [-1.0421479589, 0.1703515499, 0.2038816171], [-1.9978397132, 2.4547627454, -2.1253834601], [-0.673882768, -4.1066460543, 1.4979344584]]]),
    ('sampled_softmax_loss', {},
     [[0.98852530439, 2.875489206, 5.21718628499, 3.54338984804], [[0.0965023506, -1.3872019699, -0.813484377], [0.3534953739, 0.3075907344, -0.1719959835], [0.0360489336, -0.8234882892, -0.5355649669], [-1.7278141807, 2.247586284, 0.8392942506], [2.2529122409, -1.515876718, -0.6676029368], [-0.3777930265, 2.0732759338, 0.8353394622], [-0.6333516918, -0.9018859751, 0.5140145515]], [-0.5463774723, -0.2044021221, 0.3394437903, -1.9895144975, 3.7361966925, 1.5695827035, -2.9049290944], [[0.4758727766, -0.253333151, -0.2616019796], [-0.2839143944, 0.0502793692, -0.0500887518], [-1.0038298478, 3.060595235, -2.7026069417], [0.4463176398, -4.1337557894, 2.0218169116]]]),
    ('sampled_softmax_loss', {'remove_accidental_hits': False},
     [[2.3538532964, 3.39103896013, 5.22031446964, 3.70364332459], [[0.0990552183, -1.2950765203, -0.8073632887], [0.7341952997, 0.6388532584, -0.3572285579], [0.2274626548, -0.0044392914, -0.1389957273], [-1.7291625618, 2.2493402937, 0.8399492333], [1.250786545, -2.0130863751, -0.3772969468], [0.0258137053, 1.2977119869, 0.3423111815], [-0.6081508613, -0.8733033521, 0.4986241058]], [-0.6025477981, -0.4245347702, 0.8566067046, -1.9910671087, 3.5501499165, 1.5309387054, -2.9195456495], [[0.9081349029, -1.0297560458, -0.3234137651], [-0.3653121312, 0.5233851558, 0.2342707187], [-1.0006945891, 3.0510360872, -2.6941658976], [0.5148649808, -3.6496784611, 1.6345970176]]]),
]


def _sampled_inputs():
    rng = np.random.default_rng(2)
    w, b, x = rng.standard_normal((7, 3)), rng.standard_normal(7), rng.standard_normal((4, 3))
    labels = np.array([[1, 4], [0, 2], [6, 6], [3, 5]], np.int64)
    sv = (tf.constant([2, 4, 0, 5, 6], tf.int64), tf.constant(np.array(SV_TRUE)),
          tf.constant(np.array(SV_SAMPLED)))
    return w, b, x, labels, sv


@pytest.mark.parametrize("case", range(4))
def test_sampled_losses_match_tf(case):
    name, kwargs, (want, want_w, want_b, want_x) = TF_SAMPLED[case]
    w, b, x, labels, sv = _sampled_inputs()
    fn = getattr(tf.nn, name)
    ws, bs, xs = tf.constant(w), tf.constant(b), tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch([ws, bs, xs])
        loss = fn(ws, bs, labels, xs, 5, 7, num_true=2, sampled_values=sv, **kwargs)
        total = tf.reduce_sum(loss * tf.constant([1.0, 2.0, 3.0, 4.0], tf.float64))
    gw, gb, gx = (tf.convert_to_tensor(g).numpy() for g in tape.gradient(total, [ws, bs, xs]))
    np.testing.assert_allclose(loss.numpy(), want, rtol=1e-10)
    np.testing.assert_allclose(gw, want_w, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(gb, want_b, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(gx, want_x, rtol=1e-8, atol=1e-9)


def test_sampled_losses_in_function_and_with_their_own_samples():
    w, b, x, labels, sv = _sampled_inputs()
    name, kwargs, (want, *_rest) = TF_SAMPLED[2]
    for backend in ("reference", "numba"):
        f = tf.function(lambda ws, xs: tf.nn.sampled_softmax_loss(
            ws, b, labels, xs, 5, 7, num_true=2, sampled_values=sv), backend=backend)
        np.testing.assert_allclose(f(tf.constant(w), tf.constant(x)).numpy(), want, rtol=1e-10)
    # With the default log-uniform sampler: finite losses that train (values are random).
    tf.random.set_seed(1)
    loss = tf.nn.nce_loss(w, b, labels, x, 3, 7, num_true=2)
    assert loss.shape == (4,) and np.all(np.isfinite(loss.numpy()))
    loss = tf.nn.sampled_softmax_loss(w, b, labels[:, :1], x, 3, 7)
    assert loss.shape == (4,) and np.all(np.isfinite(loss.numpy()))


def test_candidate_samplers_deterministic_parts_match_tf():
    tc = tf.constant([[0, 1], [5, 9]], tf.int64)
    # TF 2.21's expected counts for non-unique draws of 4 (they do not depend on the draws).
    _, t, _ = tf.random.uniform_candidate_sampler(tc, 2, 4, False, 10, seed=1)
    np.testing.assert_allclose(t.numpy(), [[0.4, 0.4], [0.4, 0.4]], rtol=1e-6)
    _, t, _ = tf.random.log_uniform_candidate_sampler(tc, 2, 4, False, 10, seed=1)
    np.testing.assert_allclose(t.numpy(), [[1.156259298324585, 0.6763683557510376],
                                           [0.2571433186531067, 0.15898972749710083]], rtol=1e-6)
    _, t, _ = tf.random.fixed_unigram_candidate_sampler(
        tc, 2, 4, False, 10, unigrams=[1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10], distortion=0.5, seed=1)
    np.testing.assert_allclose(t.numpy(), [[0.17802877724170685, 0.2517707049846649],
                                           [0.4360796809196472, 0.5629764199256897]], rtol=1e-6)
    s, t, e = tf.random.all_candidate_sampler(tc, 2, 10, True)
    assert s.numpy().tolist() == list(range(10)) and t.numpy().tolist() == [[1.0, 1.0]] * 2
    i, j, w = tf.nn.compute_accidental_hits(tf.constant([[1, 2], [3, 3], [0, 5]], tf.int64),
                                            tf.constant([2, 3, 9, 1, 3], tf.int64), 2)
    assert i.numpy().tolist() == [0, 0, 1, 1] and j.numpy().tolist() == [3, 0, 4, 4]
    assert i.dtype is tf.int32 and j.dtype is tf.int64 and w.numpy()[0] == -np.finfo(np.float32).max
    with pytest.raises(InvalidArgumentError, match="range is too small"):
        tf.random.uniform_candidate_sampler(tc, 2, 11, True, 10)
    with pytest.raises(InvalidArgumentError, match="expected: 3 was: 2"):
        tf.random.uniform_candidate_sampler(tc, 3, 4, True, 10)
    with pytest.raises(InvalidArgumentError, match="out of range"):
        tf.random.all_candidate_sampler(tc, 2, 5, True)
    with pytest.raises(InvalidArgumentError, match="must be equal to weights size"):
        tf.random.fixed_unigram_candidate_sampler(tc, 2, 4, False, 7, unigrams=[1.0, 2.0])
    with pytest.raises(UnimplementedError, match="num_shards"):
        tf.random.fixed_unigram_candidate_sampler(tc, 2, 4, False, 10, unigrams=[1.0] * 10,
                                                  num_shards=2, shard=1)


def test_learned_unigram_sampler_learns_as_tf():
    # TF 2.21: three eager calls with the same seed learn class 3 (counts start at 1).
    got = [float(tf.random.learned_unigram_candidate_sampler(
        tf.constant([[3]], tf.int64), 1, 2, False, 10, seed=3)[1][0, 0]) for _ in range(3)]
    np.testing.assert_allclose(got, [0.2, 0.3636363744735718, 0.5], rtol=1e-6)


def test_unique_sampling_draws_distinct_classes_with_the_right_frequencies():
    tf.random.set_seed(0)
    counts = np.zeros(10)
    for _ in range(300):
        s, _, _ = tf.random.log_uniform_candidate_sampler(tf.constant([[0]], tf.int64), 1, 3,
                                                          True, 10)
        assert len(set(s.numpy().tolist())) == 3
        counts[s.numpy()] += 1
    # Included with probability 1 - (1 - p)^tries: class 0 (p = .29) in most draws, class 9
    # (p = .04) in few.
    assert counts[0] > 180 and counts[9] < 90 and counts[0] > counts[2] > counts[9]


# -- fractional pooling --------------------------------------------------------------------------

def test_fractional_pooling_on_tfs_sequences_matches_tf():
    from graphflow.ops.fractional_pool import FRACTIONAL_AVG_POOL_REGION
    from graphflow.ops.registry import dispatch
    x = tf.reshape(tf.range(2 * 7 * 9, dtype=tf.float32), (2, 7, 9, 1))
    rows, cols = tf.constant([0, 1, 3, 5, 7], tf.int64), tf.constant([0, 2, 4, 6, 9], tf.int64)
    # TF 2.21: tf.nn.fractional_avg_pool(x, [1, 1.5, 2, 1], seed=1) drew these sequences
    # and gave this first image.
    out = dispatch(FRACTIONAL_AVG_POOL_REGION, (x, rows, cols), {"overlapping": False})
    assert out.numpy()[0, :, :, 0].tolist() == [[0.5, 2.5, 4.5, 7.0], [14.0, 16.0, 18.0, 20.5],
                                                [32.0, 34.0, 36.0, 38.5], [50.0, 52.0, 54.0, 56.5]]


@pytest.mark.parametrize("pseudo,overlapping", [(False, False), (True, True)])
def test_fractional_pools_and_their_gradients(pseudo, overlapping):
    rng = np.random.default_rng(4)
    x = tf.constant(rng.standard_normal((2, 7, 9, 3)))
    for fn in (tf.nn.fractional_max_pool, tf.nn.fractional_avg_pool):
        with tf.GradientTape() as tape:
            tape.watch(x)
            out, rows, cols = fn(x, [1.0, 1.5, 2.0, 1.0], pseudo_random=pseudo,
                                 overlapping=overlapping, seed=7)
            total = tf.reduce_sum(out)
        assert out.shape == (2, 4, 4, 3) and rows.dtype is tf.int64
        r, c = rows.numpy(), cols.numpy()
        assert r[0] == 0 and r[-1] == 7 and c[0] == 0 and c[-1] == 9
        if not pseudo:
            # TF's random sequences: 7 rows into 4 regions of 1 or 2, 9 columns into 2s and a 3
            assert sorted(np.diff(r)) == [1, 2, 2, 2] and sorted(np.diff(c)) == [2, 2, 2, 3]
        grad = tape.gradient(total, x).numpy()
        if fn is tf.nn.fractional_max_pool:
            assert grad.sum() == out.shape.num_elements()  # one 1 per output, at its maximum
        else:
            np.testing.assert_allclose(grad.sum(), out.shape.num_elements())
    again = tf.nn.fractional_max_pool(x, [1.0, 1.5, 2.0, 1.0], pseudo_random=pseudo, seed=7)
    assert again[0].shape == (2, 4, 4, 3)


def test_fractional_pool_errors_and_function():
    x = tf.ones((1, 4, 4, 1))
    with pytest.raises(UnimplementedError, match="batch nor channel"):
        tf.nn.fractional_max_pool(x, [2.0, 2.0, 2.0, 1.0])
    with pytest.raises(InvalidArgumentError, match="4 elements"):
        tf.nn.fractional_max_pool(x, [2.0, 2.0])
    f = tf.function(lambda v: tf.nn.fractional_max_pool(v, [1.0, 2.0, 2.0, 1.0])[0])
    assert f(tf.reshape(tf.range(16.0), (1, 4, 4, 1))).numpy().ravel().tolist() == [5, 7, 13, 15]
