"""CTC training signals and decoding, and more of tf.linalg: expm, sqrtm, LU solves,
tridiagonal and banded systems, tensor diagonals, the tridiagonal eigenproblem; with gradients
and inside tf.function."""
import numpy as np
import tensorflow as tf

rng = np.random.default_rng(0)

# -- CTC: a tiny alignment-free model, its loss going down under SGD ------------------------------
frames, batch, classes = 8, 2, 4
labels = tf.constant([[1, 2, 2], [3, 1, 0]], tf.int32)
label_length = tf.constant([3, 2], tf.int32)
logit_length = tf.constant([8, 6], tf.int32)
logits = tf.Variable(rng.standard_normal((frames, batch, classes)).astype(np.float32))


@tf.function
def step():
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.nn.ctc_loss(labels, logits, label_length, logit_length))
    grad = tape.gradient(loss, logits)
    logits.assign_sub(0.5 * grad)
    return loss, grad


first, grad = step()
assert np.all(grad.numpy()[6:, 1] == 0.0)  # frames past logit_length get no gradient
for _ in range(60):
    last, _ = step()
assert float(last) < 0.5 * float(first), (float(first), float(last))
decoded, neg_sum = tf.nn.ctc_greedy_decoder(logits, logit_length, blank_index=0)
got = np.zeros(decoded[0].dense_shape.numpy(), np.int64)
for (b, t), v in zip(decoded[0].indices.numpy(), decoded[0].values.numpy()):
    got[b, t] = v
assert got.tolist() == [[1, 2, 2], [3, 1, 0]], got
assert neg_sum.shape == (2, 1)

# blank_index, batch-major logits and unique labels give the same losses as rotating by hand.
x = rng.standard_normal((5, 2, 4)).astype(np.float32)
lab = np.array([[1, 2], [2, 2]], np.int32)
base = tf.nn.ctc_loss(lab, x, [2, 2], [5, 5]).numpy()
np.testing.assert_allclose(
    tf.nn.ctc_loss(lab, np.transpose(x, (1, 0, 2)), [2, 2], [5, 5], logits_time_major=False),
    base, rtol=1e-6)
np.testing.assert_allclose(
    tf.nn.ctc_loss(lab, x, [2, 2], [5, 5], unique=tf.nn.ctc_unique_labels(lab)), base, rtol=1e-6)
moved = np.concatenate([x[:, :, 1:], x[:, :, :1]], axis=2)  # the blank now last
np.testing.assert_allclose(tf.nn.ctc_loss(lab - 1, moved, [2, 2], [5, 5], blank_index=-1),
                           base, rtol=1e-6)
sparse_lab = tf.sparse.from_dense(tf.constant(lab))  # no zeros in lab: every label is stored
np.testing.assert_allclose(tf.nn.ctc_loss(sparse_lab, x, None, [5, 5], blank_index=0), base,
                           rtol=1e-6)
collapsed, new_len = tf.nn.collapse_repeated(tf.constant([[1, 1, 2, 2, 3], [4, 4, 4, 0, 0]]),
                                             tf.constant([5, 3]))
assert collapsed.numpy().tolist() == [[1, 2, 3], [4, 0, 0]] and new_len.numpy().tolist() == [3, 1]

# -- expm and sqrtm --------------------------------------------------------------------------------
theta = 0.3
gen = tf.constant([[0.0, -theta], [theta, 0.0]], tf.float64)  # a rotation's generator
rot = tf.linalg.expm(gen).numpy()
np.testing.assert_allclose(rot, [[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]],
                           rtol=1e-12)
a = tf.constant(rng.standard_normal((2, 3, 3)))
with tf.GradientTape() as tape:
    tape.watch(a)
    trace = tf.linalg.trace(tf.linalg.expm(a))
# d tr(expm(A)) / dA = expm(A)^T
np.testing.assert_allclose(tape.gradient(trace, a).numpy(),
                           np.transpose(tf.linalg.expm(a).numpy(), (0, 2, 1)), rtol=1e-10)
spd = tf.matmul(a, a, transpose_b=True) + 3.0 * tf.eye(3, dtype=tf.float64)
root = tf.linalg.sqrtm(spd)
np.testing.assert_allclose(tf.matmul(root, root).numpy(), spd.numpy(), rtol=1e-10)

# -- LU ----------------------------------------------------------------------------------------------
m = tf.constant([[1.0, 2.0, 0.5], [3.0, -1.0, 2.0], [0.0, 4.0, 1.0]], tf.float64)
lu, p = tf.linalg.lu(m)
np.testing.assert_allclose(tf.linalg.lu_reconstruct(lu, p).numpy(), m.numpy(), atol=1e-14)
b = tf.constant([[1.0], [2.0], [3.0]], tf.float64)
np.testing.assert_allclose(tf.linalg.lu_solve(lu, p, b).numpy(), np.linalg.solve(m.numpy(), b.numpy()),
                           rtol=1e-12)
np.testing.assert_allclose(tf.linalg.lu_matrix_inverse(lu, p).numpy(), np.linalg.inv(m.numpy()),
                           rtol=1e-12, atol=1e-14)

# -- tridiagonal and banded systems -------------------------------------------------------------------
n = 6
diags = tf.constant(np.stack([np.r_[-np.ones(n - 1), 0.0], 2.0 * np.ones(n),
                              np.r_[0.0, -np.ones(n - 1)]]))  # the 1-D Laplacian
rhs = tf.constant(np.ones((n, 1)))


@tf.function
def poisson(d, r):
    return tf.linalg.tridiagonal_solve(d, r)


u = poisson(diags, rhs)
np.testing.assert_allclose(tf.linalg.tridiagonal_matmul(diags, u).numpy(), rhs.numpy(), rtol=1e-12)
dense = np.diag(2.0 * np.ones(n)) - np.diag(np.ones(n - 1), 1) - np.diag(np.ones(n - 1), -1)
np.testing.assert_allclose(
    tf.linalg.tridiagonal_solve(tf.constant(dense), rhs, diagonals_format="matrix").numpy(),
    u.numpy(), rtol=1e-12)
with tf.GradientTape() as tape:
    tape.watch(diags)
    energy = tf.reduce_sum(tf.linalg.tridiagonal_solve(diags, rhs))
gd = tape.gradient(energy, diags).numpy()
assert gd.shape == (3, n) and gd[0, -1] == 0.0 and gd[2, 0] == 0.0

bands = tf.constant([[2.0, 3.0, 4.0], [1.0, 2.0, 3.0]])
np.testing.assert_allclose(tf.linalg.banded_triangular_solve(bands, tf.ones([3, 1])).numpy().ravel(),
                           [0.5, 0.0, 0.25])

# -- tensor diagonals and the tridiagonal eigenproblem ------------------------------------------------
t = tf.linalg.tensor_diag(tf.constant([[1.0, 2.0], [3.0, 4.0]]))
assert t.shape == (2, 2, 2, 2)
assert tf.linalg.tensor_diag_part(t).numpy().tolist() == [[1.0, 2.0], [3.0, 4.0]]
alpha = tf.constant([2.0, 2.0, 2.0, 2.0], tf.float64)
beta = tf.constant([-1.0, -1.0, -1.0], tf.float64)
eig = tf.linalg.eigh_tridiagonal(alpha, beta)
k = np.arange(1, 5)
np.testing.assert_allclose(eig.numpy(), 2.0 - 2.0 * np.cos(k * np.pi / 5), rtol=1e-12)

# -- max pooling with argmax, sampled losses ---------------------------------------------------------
img = tf.reshape(tf.range(32.0), (2, 4, 4, 1))
pooled, where = tf.nn.max_pool_with_argmax(img, 2, 2, "VALID", include_batch_in_index=True)
assert where.numpy().ravel().tolist() == [5, 7, 13, 15, 21, 23, 29, 31]
np.testing.assert_array_equal(tf.gather(tf.reshape(img, [-1]), tf.reshape(where, [-1])).numpy(),
                              pooled.numpy().ravel())

vocab, dim = 50, 8
# float32: TF's samplers give float32 expected counts, which float64 logits cannot subtract.
emb = tf.Variable((rng.standard_normal((vocab, dim)) * 0.1).astype(np.float32))
out_w = tf.Variable((rng.standard_normal((vocab, dim)) * 0.1).astype(np.float32))
out_b = tf.Variable(np.zeros(vocab, np.float32))
centers = rng.integers(0, vocab, 64)
contexts = ((centers + 1) % vocab).reshape(-1, 1)  # a deterministic "next word"
tf.random.set_seed(3)


def sampled_step(loss_fn):
    with tf.GradientTape() as tape:
        x = tf.nn.embedding_lookup(emb, centers)
        loss = tf.reduce_mean(loss_fn(out_w, out_b, contexts, x, 10, vocab))
    grads = tape.gradient(loss, [emb, out_w, out_b])
    for v, g in zip([emb, out_w, out_b], grads):
        v.assign_sub(0.5 * tf.convert_to_tensor(g))
    return float(loss)


for loss_fn in (tf.nn.nce_loss, tf.nn.sampled_softmax_loss):
    losses = [sampled_step(loss_fn) for _ in range(30)]
    assert np.mean(losses[-5:]) < np.mean(losses[:5]), (loss_fn.__name__, losses[:5], losses[-5:])
sampled, true_count, sampled_count = tf.random.log_uniform_candidate_sampler(
    contexts[:2], 1, 5, False, vocab)
np.testing.assert_allclose(true_count.numpy().ravel(),
                           5 * np.log((contexts[:2].ravel() + 2) / (contexts[:2].ravel() + 1))
                           / np.log(vocab + 1), rtol=1e-5)

# -- fractional pooling: random regions of 1 or 2 rows and 2 or 3 columns ------------------------------
frac = tf.constant(rng.standard_normal((2, 7, 9, 3)).astype(np.float32))
with tf.GradientTape() as tape:
    tape.watch(frac)
    fout, frows, fcols = tf.nn.fractional_max_pool(frac, [1.0, 1.5, 2.0, 1.0], seed=5)
    fsum = tf.reduce_sum(fout)
assert fout.shape == (2, 4, 4, 3)
assert sorted(np.diff(frows.numpy())) == [1, 2, 2, 2] and sorted(np.diff(fcols.numpy())) == [2, 2, 2, 3]
assert float(tf.reduce_sum(tape.gradient(fsum, frac))) == 2 * 4 * 4 * 3
favg = tf.nn.fractional_avg_pool(frac, [1.0, 2.0, 3.0, 1.0], seed=5)[0]
assert favg.shape == (2, 3, 3, 3)
print("ok")
