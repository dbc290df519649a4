"""tf.SparseTensor as the TF guide "Working with sparse tensors" uses it: building and printing
one, dense conversions, sparse arithmetic and sparse-dense matmul, concat / slice / reorder,
elementwise ops on the values, gradients, tf.function signatures, tf.data, Keras sparse inputs
and outputs, and the errors for unordered or out-of-range indices."""
import numpy as np
import tensorflow as tf

st1 = tf.sparse.SparseTensor(indices=[[0, 3], [2, 4]], values=[10, 20], dense_shape=[3, 10])
assert st1.shape == (3, 10) and st1.dtype == tf.int32 and st1.indices.dtype == tf.int64
assert str(st1).startswith("SparseTensor(indices=tf.Tensor(")
dense = tf.sparse.to_dense(st1).numpy()
assert dense[0, 3] == 10 and dense[2, 4] == 20 and dense.sum() == 30

st2 = tf.sparse.from_dense([[1, 0, 0, 8], [0, 0, 0, 0], [0, 0, 3, 0]])
assert st2.indices.numpy().tolist() == [[0, 0], [0, 3], [2, 2]]
assert st2.values.numpy().tolist() == [1, 8, 3]

# arithmetic: sparse + sparse merges the stored elements; sparse @ dense
st_a = tf.sparse.SparseTensor(indices=[[0, 2], [3, 4]], values=[31, 2], dense_shape=[4, 10])
st_b = tf.sparse.SparseTensor(indices=[[0, 2], [3, 0]], values=[56, 38], dense_shape=[4, 10])
st_sum = tf.sparse.add(st_a, st_b)
assert st_sum.indices.numpy().tolist() == [[0, 2], [3, 0], [3, 4]]
assert st_sum.values.numpy().tolist() == [87, 38, 2]
st_c = tf.sparse.SparseTensor(indices=([0, 1], [1, 0], [1, 1]), values=[13.0, 15.0, 17.0],
                              dense_shape=(2, 2))
mb = tf.constant([[4.0], [6.0]])
product = tf.sparse.sparse_dense_matmul(st_c, mb)
np.testing.assert_allclose(product.numpy(), [[78.0], [162.0]])
np.testing.assert_allclose(tf.sparse.add(st_c, tf.ones([2, 2])).numpy(), [[1, 14], [16, 18]])
np.testing.assert_allclose((st_c * tf.constant([[2.0], [0.5]])).values.numpy(), [26, 7.5, 8.5])

# concat, slice, reorder, transpose, reshape
sparse_pattern_a = tf.sparse.SparseTensor(indices=[[2, 4], [3, 3], [3, 4], [4, 3], [4, 4],
                                                   [5, 4]],
                                          values=[1, 1, 1, 1, 1, 1], dense_shape=[8, 5])
sparse_pattern_b = tf.sparse.SparseTensor(indices=[[0, 2], [1, 1], [1, 3], [2, 0], [2, 4],
                                                   [2, 5], [3, 5], [4, 5], [5, 0], [5, 4],
                                                   [5, 5], [6, 1], [6, 3], [7, 2]],
                                          values=[1] * 14, dense_shape=[8, 6])
joined = tf.sparse.concat(axis=1, sp_inputs=[sparse_pattern_a, sparse_pattern_b])
assert joined.shape == (8, 11) and int(tf.sparse.reduce_sum(joined)) == 20
sliced = tf.sparse.slice(sparse_pattern_b, start=[0, 0], size=[5, 5])
assert sliced.indices.numpy().tolist() == [[0, 2], [1, 1], [1, 3], [2, 0], [2, 4]]
unordered = tf.sparse.SparseTensor([[1, 0], [0, 1]], [5.0, 6.0], [2, 2])
assert tf.sparse.reorder(unordered).indices.numpy().tolist() == [[0, 1], [1, 0]]
assert tf.sparse.transpose(st1).shape == (10, 3)
assert tf.sparse.reshape(st1, [5, -1]).shape == (5, 6)
filled, was_empty = tf.sparse.fill_empty_rows(st1, -1)
assert was_empty.numpy().tolist() == [False, True, False]
assert tf.sparse.to_dense(filled).numpy()[1, 0] == -1

# elementwise ops on the stored values, and missing values apart from zeros
st2_plus_5 = tf.sparse.map_values(tf.add, st2, 5)
assert tf.sparse.to_dense(st2_plus_5).numpy()[0].tolist() == [6, 0, 0, 13]
assert st2.with_values(st2.values + 5).values.numpy().tolist() == [6, 13, 8]
assert tf.math.abs(tf.sparse.from_dense([[-1.0, 0.0]])).values.numpy().tolist() == [1.0]
scores = tf.sparse.SparseTensor([[0, 0], [1, 0], [1, 1]], [-7, 4, 3], [3, 2])
assert tf.sparse.reduce_max(scores, axis=1).numpy().tolist() == [-7, 4, 0]
assert tf.sparse.reduce_sum(st1, axis=1).numpy().tolist() == [10, 0, 20]
probs = tf.sparse.softmax(tf.sparse.SparseTensor([[0, 0], [0, 2]], [1.0, 1.0], [1, 3]))
np.testing.assert_allclose(probs.values.numpy(), [0.5, 0.5])

# gradients flow to the values and to the dense operand
values = tf.Variable([13.0, 15.0, 17.0])
w = tf.Variable([[4.0], [6.0]])
with tf.GradientTape() as tape:
    st = tf.sparse.SparseTensor(st_c.indices, values, st_c.dense_shape)
    loss = tf.reduce_sum(tf.sparse.sparse_dense_matmul(st, w)) + tf.reduce_sum(
        tf.sparse.to_dense(st) * tf.constant([[1.0, 2.0], [3.0, 4.0]]))
grad_values, grad_w = tape.gradient(loss, [values, w])
np.testing.assert_allclose(grad_values.numpy(), [6.0 + 2.0, 4.0 + 3.0, 6.0 + 4.0])
np.testing.assert_allclose(grad_w.numpy(), [[15.0], [30.0]])


# tf.function: SparseTensor arguments and results
@tf.function
def f(x, y):
    return tf.sparse.sparse_dense_matmul(x, y)


np.testing.assert_allclose(f(st_c, mb).numpy(), [[78.0], [162.0]])


@tf.function(input_signature=[tf.SparseTensorSpec([None, 10], tf.int32)])
def doubled(x):
    return x.with_values(x.values * 2)


out = doubled(st1)
assert isinstance(out, tf.SparseTensor) and out.values.numpy().tolist() == [20, 40]
flat = tf.nest.flatten(st1, expand_composites=True)
assert [t.dtype for t in flat] == [tf.int64, tf.int32, tf.int64]

# tf.data: slices of a sparse tensor, batched and unbatched again
dataset = tf.data.Dataset.from_tensor_slices(st2)
assert dataset.element_spec == tf.SparseTensorSpec([4], tf.int32)
rows = [tf.sparse.to_dense(e).numpy().tolist() for e in dataset]
assert rows == [[1, 0, 0, 8], [0, 0, 0, 0], [0, 0, 3, 0]]
batched = dataset.batch(2)
first = next(iter(batched))
assert isinstance(first, tf.SparseTensor) and first.dense_shape.numpy().tolist() == [2, 4]
again = [e.values.numpy().tolist() for e in batched.unbatch()]
assert again == [[1, 8], [], [3]]
mapped = dataset.map(lambda s: tf.sparse.reduce_sum(s))
assert [int(v) for v in mapped] == [9, 0, 3]

# Keras: a sparse Input feeds Dense; a preprocessing layer can return a SparseTensor
x = tf.keras.Input(shape=(4,), sparse=True)
y = tf.keras.layers.Dense(4, kernel_initializer="ones")(x)
model = tf.keras.Model(x, y)
sparse_data = tf.sparse.SparseTensor(indices=[(0, 0), (0, 1), (0, 2), (4, 3), (5, 0), (5, 1)],
                                     values=[1.0, 1, 1, 1, 1, 1], dense_shape=(6, 4))
np.testing.assert_allclose(model(sparse_data).numpy()[:, 0], [3, 0, 0, 0, 1, 2])
assert model.predict(sparse_data, verbose=0).shape == (6, 4)
multi_hot = tf.keras.layers.CategoryEncoding(num_tokens=4, output_mode="multi_hot", sparse=True)
encoded = multi_hot(np.array([[0, 1], [2, 2]]))
assert isinstance(encoded, tf.SparseTensor)
assert encoded.indices.numpy().tolist() == [[0, 0], [0, 1], [1, 2]]

# errors: unordered and out-of-range indices
for bad, pattern in [(unordered, "out of order"),
                     (tf.sparse.SparseTensor([[3, 0]], [1.0], [2, 2]), "out of bounds")]:
    try:
        tf.sparse.to_dense(bad)
        raise AssertionError("to_dense must reject " + pattern)
    except tf.errors.InvalidArgumentError as e:
        assert pattern in str(e), str(e)
try:
    tf.sparse.add(st_a, tf.sparse.SparseTensor([[0, 0]], [1], [4, 9]))
    raise AssertionError("shapes must match")
except tf.errors.InvalidArgumentError as e:
    assert "shapes do not match" in str(e)
print("ok")
