"""Keras 3's newer activations, losses, metrics and optimizers against NumPy formulas: focal and
Dice-family losses, confusion counts, F1, R2, IoU, correlations, Lion/Adamax/Ftrl/Lamb updates,
loss scaling, EMA, cosine decay with restarts, and a model trained with them."""
import math

import numpy as np
import tensorflow as tf
import keras

rng = np.random.default_rng(7)


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=tol,
                               atol=tol)


# -- activations ----------------------------------------------------------------------------------
x = rng.standard_normal((4, 6)).astype("float32") * 2
A = keras.activations
close(A.celu(x, alpha=0.5), np.maximum(x, 0) + 0.5 * np.expm1(np.minimum(x, 0) / 0.5))
close(A.hard_silu(x), x * np.clip(x + 3, 0, 6) / 6)
close(A.squareplus(x, b=2), (x + np.sqrt(x * x + 2)) / 2)
close(A.sparse_plus(x), np.where(x <= -1, 0, np.where(x < 1, (x + 1) ** 2 / 4, x)))
close(A.glu(x), x[:, :3] / (1 + np.exp(-x[:, 3:])))
close(A.tanh_shrink(x), x - np.tanh(x))
close(A.soft_shrink(x, 0.5), np.sign(x) * np.maximum(np.abs(x) - 0.5, 0))
close(A.threshold(x, 0.5, -1.0), np.where(x > 0.5, x, -1.0))
close(A.relu(x, negative_slope=0.1, max_value=3.0),
      np.clip(x, 0, 3) - 0.1 * np.maximum(-x, 0))
close(A.mish(x), x * np.tanh(np.log1p(np.exp(x))))
assert A.get("hard_swish") is A.hard_silu and A.serialize(A.swish) == "silu"
dense = keras.layers.Dense(3, activation="gelu")
assert dense.get_config()["activation"] == "gelu"

# -- losses ---------------------------------------------------------------------------------------
y = (rng.random((6, 3)) > 0.5).astype("float32")
p = rng.uniform(0.05, 0.95, (6, 3)).astype("float32")
bce = -(y * np.log(p) + (1 - y) * np.log(1 - p))
p_t = y * p + (1 - y) * (1 - p)
focal = (1 - p_t) ** 2.0 * bce
close(keras.losses.BinaryFocalCrossentropy()(y, p), focal.mean())
balanced = (y * 0.25 + (1 - y) * 0.75) * focal
close(keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, reduction="none")(y, p),
      balanced.mean(-1))
intersection = (y * p).sum()
close(keras.losses.Dice()(y, p), 1 - 2 * intersection / (y.sum() + p.sum() + 1e-7))
fp, fn = ((1 - p) * y).sum(), (p * (1 - y)).sum()
close(keras.losses.Tversky(alpha=0.3, beta=0.7)(y, p),
      1 - intersection / (intersection + 0.3 * fp + 0.7 * fn + 1e-7))
labels = np.array([0, 2, 1, 2])
probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.3, 0.4, 0.3], [0.5, 0.4, 0.1]], "float32")
picked = probs[np.arange(4), labels]
close(keras.losses.CategoricalGeneralizedCrossEntropy(q=0.5)(labels, probs),
      np.mean((1 - picked ** 0.5) / 0.5))
one_hot = np.eye(3, dtype="float32")[labels]
close(keras.losses.categorical_focal_crossentropy(one_hot, probs),
      (0.25 * (1 - probs) ** 2 * -one_hot * np.log(probs)).sum(-1))

# -- metrics --------------------------------------------------------------------------------------
M = keras.metrics
tp = M.TruePositives(thresholds=[0.3, 0.6])
fneg = M.FalseNegatives()
for i in range(2):
    tp.update_state(y[3 * i:3 * i + 3], p[3 * i:3 * i + 3])
    fneg.update_state(y[3 * i:3 * i + 3], p[3 * i:3 * i + 3])
close(tp.result(), [((p > t) & (y == 1)).sum() for t in (0.3, 0.6)])
close(fneg.result(), ((p <= 0.5) & (y == 1)).sum())

f1 = M.F1Score(average="macro", threshold=0.5)
f1.update_state(y, p)
pred = (p > 0.5).astype("float32")
tp_c, fp_c, fn_c = (pred * y).sum(0), (pred * (1 - y)).sum(0), ((1 - pred) * y).sum(0)
prec, rec = tp_c / (tp_c + fp_c + 1e-7), tp_c / (tp_c + fn_c + 1e-7)
close(f1.result(), np.mean(2 * prec * rec / (prec + rec + 1e-7)), 1e-4)

yr = rng.standard_normal((10, 2)).astype("float32")
pr = (yr + 0.3 * rng.standard_normal((10, 2))).astype("float32")
r2 = M.R2Score()
r2.update_state(yr[:5], pr[:5])
r2.update_state(yr[5:], pr[5:])
ss_res, ss_tot = ((yr - pr) ** 2).sum(0), ((yr - yr.mean(0)) ** 2).sum(0)
close(r2.result(), np.mean(1 - ss_res / ss_tot), 1e-4)

true_c = np.array([0, 1, 2, 2, 1, 0, 2])
pred_c = np.array([0, 2, 2, 2, 1, 1, 0])
miou = M.MeanIoU(num_classes=3)
miou.update_state(true_c, pred_c)
cm = np.zeros((3, 3))
for t, q in zip(true_c, pred_c):
    cm[t, q] += 1
inter = np.diag(cm)
close(miou.result(), np.mean(inter / (cm.sum(0) + cm.sum(1) - inter)))
assert miou.result().dtype == tf.float32

pear = M.PearsonCorrelation()
pear.update_state(yr, pr)
close(pear.result(), np.mean([np.corrcoef(a, b)[0, 1] for a, b in zip(yr, pr)]), 1e-4)
close(M.hinge(np.array([[1.0, 0.0]]), np.array([[0.3, -0.4]])), [(0.7 + 0.6) / 2])

par = M.PrecisionAtRecall(recall=0.5, num_thresholds=11)
par.update_state([0, 0, 1, 1, 1, 1], [0.1, 0.55, 0.35, 0.65, 0.8, 0.9])
close(par.result(), 1.0)  # thresholds >= 0.6 keep recall 3/4 with precision 1

# -- optimizers -----------------------------------------------------------------------------------
w0 = rng.standard_normal(4).astype("float32")
grads = [rng.standard_normal(4).astype("float32") for _ in range(3)]


def run(opt):
    v = tf.Variable(w0)
    for g in grads:
        opt.apply_gradients([(tf.constant(g), v)])
    return v.numpy()


w, m = w0.astype(np.float64), np.zeros(4)
for g in grads:  # Lion
    w -= 0.01 * np.sign(0.9 * m + 0.1 * g)
    m = 0.99 * m + 0.01 * g
close(run(keras.optimizers.Lion(learning_rate=0.01)), w)

w, m, u = w0.astype(np.float64), np.zeros(4), np.zeros(4)
for t, g in enumerate(grads, 1):  # Adamax
    m += (g - m) * 0.1
    u = np.maximum(0.999 * u, np.abs(g))
    w -= 0.02 * m / ((1 - 0.9 ** t) * (u + 1e-7))
close(run(keras.optimizers.Adamax(learning_rate=0.02)), w)

w, n, z = w0.astype(np.float64), np.full(4, 0.1), np.zeros(4)
for g in grads:  # Ftrl, learning_rate_power -0.5, no regularization
    new_n = n + g * g
    z += g - (np.sqrt(new_n) - np.sqrt(n)) / 0.1 * w
    w = -z / (np.sqrt(new_n) / 0.1)
    n = new_n
close(run(keras.optimizers.Ftrl(learning_rate=0.1)), w)

w, m, vv = w0.astype(np.float64), np.zeros(4), np.zeros(4)
for t, g in enumerate(grads, 1):  # Lamb
    m += (g - m) * 0.1
    vv += (g * g - vv) * 0.001
    update = (m / (1 - 0.9 ** t)) / (np.sqrt(vv / (1 - 0.999 ** t)) + 1e-7)
    w -= np.linalg.norm(w) / np.linalg.norm(update) * 0.01 * update
close(run(keras.optimizers.Lamb(learning_rate=0.01)), w)

# EMA: the averages replace the weights at the end
opt = keras.optimizers.SGD(learning_rate=0.1, use_ema=True, ema_momentum=0.5)
v = tf.Variable(w0)
w, avg = w0.astype(np.float64), None
for g in grads:
    opt.apply_gradients([(tf.constant(g), v)])
    w = w - 0.1 * g
    avg = w.copy() if avg is None else 0.5 * avg + 0.5 * w
close(v.numpy(), w)
opt.finalize_variable_values([v])
close(v.numpy(), avg)

# dynamic loss scaling: a non-finite gradient skips the step and halves the scale
lso = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(learning_rate=0.1),
                                          initial_scale=16.0)
v = tf.Variable(w0)
close(lso.scale_loss(tf.constant(2.0)), 32.0)
lso.apply_gradients([(tf.constant(grads[0] * 16.0), v)])
close(v.numpy(), w0 - 0.1 * grads[0])
lso.apply_gradients([(tf.constant([np.inf, 0.0, 0.0, 0.0], dtype=tf.float32), v)])
close(v.numpy(), w0 - 0.1 * grads[0])
assert float(lso.dynamic_scale) == 8.0 and int(lso.iterations) == 1

# cosine decay with restarts (t_mul=2: periods 2, 4, 8, ...)
sched = keras.optimizers.schedules.CosineDecayRestarts(1.0, first_decay_steps=2, t_mul=2.0,
                                                       m_mul=0.5)
for step, (i, frac) in {0: (0, 0.0), 1: (0, 0.5), 2: (1, 0.0), 4: (1, 0.5), 6: (2, 0.0)}.items():
    close(sched(step), 0.5 ** i * 0.5 * (1 + math.cos(math.pi * frac)))

# -- a model trained with them --------------------------------------------------------------------
xs = rng.standard_normal((64, 4)).astype("float32")
ys = (xs[:, :2] > 0).astype("float32")
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="mish"),
                          keras.layers.Dense(2, activation="sigmoid")])
model.compile(optimizer=keras.optimizers.Lamb(learning_rate=0.05),
              loss=keras.losses.BinaryFocalCrossentropy(),
              metrics=["true_positives", keras.metrics.F1Score(average="micro", threshold=0.5)])
history = model.fit(xs, ys, batch_size=16, epochs=6, verbose=0)
assert history.history["loss"][-1] < history.history["loss"][0]
results = model.evaluate(xs, ys, batch_size=64, verbose=0, return_dict=True)
predicted = model.predict(xs, verbose=0)
close(results["true_positives"], ((predicted > 0.5) & (ys == 1)).sum(), 1e-4)
assert 0.0 <= results["f1_score"] <= 1.0
print("ok")
