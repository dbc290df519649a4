"""tf.math beyond arithmetic: trigonometric and special functions, the NaN-safe ops, counting,
confusion matrices and norm clipping, with their gradients."""
import math

import numpy as np
import tensorflow as tf

x = tf.constant([0.25, 0.5, 1.0, 2.0])
np.testing.assert_allclose(tf.math.tan(x).numpy(), np.tan(x.numpy()), rtol=1e-6)
np.testing.assert_allclose(tf.asin(x[:2]).numpy(), np.arcsin([0.25, 0.5]), rtol=1e-6)
np.testing.assert_allclose(tf.math.atan2(x, 1.0 - x).numpy(),
                           np.arctan2(x.numpy(), 1.0 - x.numpy()), rtol=1e-6)
np.testing.assert_allclose(tf.math.acosh(x + 1.0).numpy(), np.arccosh(x.numpy() + 1.0), rtol=1e-6)
np.testing.assert_allclose(tf.math.lgamma(x).numpy(),
                           [math.lgamma(v) for v in x.numpy()], rtol=1e-5)
np.testing.assert_allclose(float(tf.math.digamma(1.0)), -0.5772157, rtol=1e-6)
np.testing.assert_allclose(tf.math.erfc(x).numpy(), [math.erfc(v) for v in x.numpy()], rtol=1e-6)
np.testing.assert_allclose(float(tf.math.bessel_i0e(0.0)), 1.0)
np.testing.assert_allclose(float(tf.math.polygamma(1.0, 1.0)), math.pi ** 2 / 6, rtol=1e-6)
np.testing.assert_allclose(float(tf.math.zeta(2.0, 1.0)), math.pi ** 2 / 6, rtol=1e-6)
np.testing.assert_allclose(tf.math.log_sigmoid(tf.constant([-100.0, 0.0, 100.0])).numpy(),
                           [-100.0, -math.log(2.0), 0.0], rtol=1e-6, atol=1e-30)
assert np.isnan(tf.math.asin(2.0).numpy()) and float(tf.math.lgamma(0.0)) == math.inf

# incomplete gamma and the inverse error functions
np.testing.assert_allclose(float(tf.math.igamma(1.0, 2.0)), 1.0 - math.exp(-2.0), rtol=1e-6)
np.testing.assert_allclose(float(tf.math.igammac(1.0, 2.0)), math.exp(-2.0), rtol=1e-5)
np.testing.assert_allclose(float(tf.math.erf(tf.math.erfinv(0.3))), 0.3, rtol=1e-6)
np.testing.assert_allclose(float(tf.math.ndtri(0.975)), 1.959964, rtol=1e-6)
np.testing.assert_array_equal(tf.math.bincount([1, 1, 3]).numpy(), [0, 2, 0, 1])
np.testing.assert_array_equal(tf.math.invert_permutation([2, 0, 1]).numpy(), [1, 2, 0])

# ops that define NaNs away
assert float(tf.math.xlogy(0.0, 0.0)) == 0.0
assert float(tf.math.xdivy(0.0, 0.0)) == 0.0
np.testing.assert_array_equal(tf.math.divide_no_nan(tf.constant([1.0, 3.0]),
                                                    tf.constant([0.0, 2.0])).numpy(), [0.0, 1.5])
assert float(tf.math.multiply_no_nan(math.inf, 0.0)) == 0.0
assert tf.math.divide_no_nan(tf.constant([1, 2]), tf.constant([0, 1])).dtype == tf.float64

# counting and confusion matrices
assert int(tf.math.count_nonzero(tf.constant([[0.0, 1.0], [2.0, 0.0]]))) == 2
assert tf.math.count_nonzero(tf.constant([1, 0])).dtype == tf.int64
cm = tf.math.confusion_matrix([0, 1, 2, 2], [0, 2, 2, 1], num_classes=3)
np.testing.assert_array_equal(cm.numpy(), [[1, 0, 0], [0, 0, 1], [0, 1, 1]])

# clipping
t = tf.constant([3.0, 4.0])
np.testing.assert_allclose(tf.clip_by_norm(t, 1.0).numpy(), [0.6, 0.8], rtol=1e-6)
clipped, norm = tf.clip_by_global_norm([t, None, tf.constant([12.0])], 6.5)
assert float(norm) == 13.0 and clipped[1] is None
np.testing.assert_allclose(clipped[2].numpy(), [6.0], rtol=1e-6)
assert float(tf.linalg.global_norm([t])) == 5.0

# gradients (TF's formulas)
v = tf.Variable([0.0, 1.0])
with tf.GradientTape(persistent=True) as tape:
    sp = tf.reduce_sum(tf.math.softplus(v))
    at = tf.reduce_sum(tf.atan(v))
    lg = tf.reduce_sum(tf.math.lgamma(v + 1.0))
np.testing.assert_allclose(tape.gradient(sp, v).numpy(), [0.5, 0.7310586], rtol=1e-6)
np.testing.assert_allclose(tape.gradient(at, v).numpy(), [1.0, 0.5], rtol=1e-6)
np.testing.assert_allclose(tape.gradient(lg, v).numpy(), [-0.5772157, 0.4227843], rtol=1e-5)


@tf.function
def special(y):
    return tf.math.xlogy(y, y) + tf.math.lgamma(y) * tf.cosh(y)


np.testing.assert_allclose(special(x).numpy(),
                           [a * math.log(a) + math.lgamma(a) * math.cosh(a) for a in x.numpy()],
                           rtol=1e-5)
print("ok")
