"""The RaggedTensor guide (tensorflow.org/guide/ragged_tensor), the examples that need no
tf.function arguments or Datasets: ops dispatched to ragged values, constructors, indexing,
operators, broadcasting, reductions, conversions, nested ragged dimensions, ragged tensors
built and reduced inside tf.function, and gradients through ragged ops."""
import numpy as np
import tensorflow as tf

digits = tf.ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
words = tf.ragged.constant([["So", "long"], ["thanks", "for", "all", "the", "fish"]])
assert tf.add(digits, 3).to_list() == [[6, 4, 7, 4], [], [8, 12, 5], [9], []]
mean = tf.reduce_mean(digits, axis=1)
assert mean.dtype == tf.float64
np.testing.assert_allclose(mean.numpy(), [2.25, np.nan, 16 / 3, 6.0, np.nan])
assert tf.concat([digits, [[5, 3]]], axis=0).to_list() == \
    [[3, 1, 4, 1], [], [5, 9, 2], [6], [], [5, 3]]
assert tf.tile(digits, [1, 2]).to_list() == \
    [[3, 1, 4, 1, 3, 1, 4, 1], [], [5, 9, 2, 5, 9, 2], [6, 6], []]
assert tf.strings.substr(words, 0, 2).to_list() == \
    [[b"So", b"lo"], [b"th", b"fo", b"al", b"th", b"fi"]]
assert tf.map_fn(tf.math.square, digits).to_list() == [[9, 1, 16, 1], [], [25, 81, 4], [36], []]

assert digits[0].numpy().tolist() == [3, 1, 4, 1]
assert digits[:, :2].to_list() == [[3, 1], [], [5, 9], [6], []]
assert digits[:, -2:].to_list() == [[4, 1], [], [9, 2], [6], []]
assert (digits + 3).to_list() == [[6, 4, 7, 4], [], [8, 12, 5], [9], []]
assert (digits + tf.ragged.constant([[1, 2, 3, 4], [], [5, 6, 7], [8], []])).to_list() == \
    [[4, 3, 7, 5], [], [10, 15, 9], [14], []]
times_two_plus_one = lambda x: x * 2 + 1  # noqa: E731
assert tf.ragged.map_flat_values(times_two_plus_one, digits).to_list() == \
    [[7, 3, 9, 3], [], [11, 19, 5], [13], []]
assert [row.tolist() for row in digits.numpy()] == [[3, 1, 4, 1], [], [5, 9, 2], [6], []]

# -- constructing ------------------------------------------------------------------------------
paragraphs = tf.ragged.constant([
    [["I", "have", "a", "cat"], ["His", "name", "is", "Mat"]],
    [["Do", "you", "want", "to", "come", "visit"], ["I'm", "free", "tomorrow"]]])
assert paragraphs.ragged_rank == 2 and paragraphs.shape.as_list() == [2, None, None]
rt = tf.RaggedTensor.from_value_rowids(values=[3, 1, 4, 1, 5, 9, 2],
                                       value_rowids=[0, 0, 0, 0, 2, 2, 3])
assert rt.to_list() == [[3, 1, 4, 1], [], [5, 9], [2]]
assert tf.RaggedTensor.from_row_lengths(values=[3, 1, 4, 1, 5, 9, 2],
                                        row_lengths=[4, 0, 2, 1]).to_list() == rt.to_list()
assert tf.RaggedTensor.from_row_splits(values=[3, 1, 4, 1, 5, 9, 2],
                                       row_splits=[0, 4, 4, 6, 7]).to_list() == rt.to_list()
assert tf.ragged.constant([[[1, 2], [3]], [[4, 5]]]).dtype == tf.int32
for bad in ([["one", "two"], [3, 4]], ["A", ["B", "C"]]):
    try:
        tf.ragged.constant(bad)
        raise AssertionError("expected ValueError")
    except ValueError:
        pass

# -- the example use case: unigram and bigram embeddings of queries ---------------------------
queries = tf.ragged.constant([["Who", "is", "Dan", "Smith"], ["Pause"],
                              ["Will", "it", "rain", "later", "today"]])
num_buckets, embedding_size = 1024, 4
embedding_table = tf.Variable(tf.random.truncated_normal([num_buckets, embedding_size],
                                                         stddev=0.5, seed=1))
word_buckets = tf.strings.to_hash_bucket_fast(queries, num_buckets)
word_embeddings = tf.nn.embedding_lookup(embedding_table, word_buckets)
marker = tf.fill([queries.nrows(), 1], "#")
padded = tf.concat([marker, queries, marker], axis=1)
assert padded.to_list()[1] == [b"#", b"Pause", b"#"]
bigrams = tf.strings.join([padded[:, :-1], padded[:, 1:]], separator="+")
assert bigrams.to_list()[1] == [b"#+Pause", b"Pause+#"]
bigram_buckets = tf.strings.to_hash_bucket_fast(bigrams, num_buckets)
bigram_embeddings = tf.nn.embedding_lookup(embedding_table, bigram_buckets)
all_embeddings = tf.concat([word_embeddings, bigram_embeddings], axis=1)
avg_embedding = tf.reduce_mean(all_embeddings, axis=1)
assert avg_embedding.shape == (3, 4)
table = embedding_table.numpy()
ids = np.concatenate([word_buckets[1].numpy(), bigram_buckets[1].numpy()])
np.testing.assert_allclose(avg_embedding[1].numpy(), table[ids].mean(axis=0), rtol=1e-5)

# -- ragged and uniform dimensions -------------------------------------------------------------
hi = tf.ragged.constant([["Hi"], ["How", "are", "you"]])
assert hi.shape.as_list() == [2, None]
assert hi.bounding_shape().numpy().tolist() == [2, 3]
ragged_x = tf.ragged.constant([["John"], ["a", "big", "dog"], ["my", "cat"]])
ragged_y = tf.ragged.constant([["fell", "asleep"], ["barked"], ["is", "fuzzy"]])
assert tf.concat([ragged_x, ragged_y], axis=1).to_list() == [
    [b"John", b"fell", b"asleep"], [b"a", b"big", b"dog", b"barked"],
    [b"my", b"cat", b"is", b"fuzzy"]]

# -- overloaded operators and indexing ---------------------------------------------------------
x = tf.ragged.constant([[1, 2], [3], [4, 5, 6]])
y = tf.ragged.constant([[1, 1], [2], [3, 3, 3]])
assert (x + y).to_list() == [[2, 3], [5], [7, 8, 9]]
assert (x + 3).to_list() == [[4, 5], [6], [7, 8, 9]]
assert (-x).to_list() == [[-1, -2], [-3], [-4, -5, -6]]
assert ((x > 1) & (x < 5)).to_list() == [[False, True], [True], [True, False, False]]
assert (x ** 2 // 3 % 5).to_list() == [[0, 1], [3], [0, 3, 2]]
queries = tf.ragged.constant([["Who", "is", "George", "Washington"],
                              ["What", "is", "the", "weather", "tomorrow"], ["Goodnight"]])
assert queries[1].numpy().tolist() == [b"What", b"is", b"the", b"weather", b"tomorrow"]
assert queries[1, 2].numpy() == b"the"
assert queries[1:].to_list() == [[b"What", b"is", b"the", b"weather", b"tomorrow"],
                                 [b"Goodnight"]]
assert queries[:, :3].to_list() == [[b"Who", b"is", b"George"], [b"What", b"is", b"the"],
                                    [b"Goodnight"]]
assert queries[:, -2:].to_list() == [[b"George", b"Washington"], [b"weather", b"tomorrow"],
                                     [b"Goodnight"]]
rt = tf.ragged.constant([[[1, 2, 3], [4]], [[5], [], [6]], [[7]], [[8, 9], [10]]])
assert rt[1].to_list() == [[5], [], [6]]
assert rt[3, 0].numpy().tolist() == [8, 9]
assert rt[:, 1:3].to_list() == [[[4]], [[], [6]], [], [[10]]]
assert rt[:, -1:].to_list() == [[[4]], [[6]], [[7]], [[10]]]
try:
    queries[:, 0]
    raise AssertionError("expected ValueError")
except ValueError:
    pass

# -- conversions -------------------------------------------------------------------------------
ragged_sentences = tf.ragged.constant([["Hi"], ["Welcome", "to", "the", "fair"], ["Have", "fun"]])
dense = ragged_sentences.to_tensor(default_value="", shape=[None, 10])
assert dense.shape == (3, 10) and dense.numpy()[1, 3] == b"fair" and dense.numpy()[2, 2] == b""
x = [[1, 3, -1, -1], [2, -1, -1, -1], [4, 5, 8, 9]]
assert tf.RaggedTensor.from_tensor(x, padding=-1).to_list() == [[1, 3], [2], [4, 5, 8, 9]]
rt = tf.ragged.constant([[1, 2], [3, 4, 5], [6], [], [7]])
assert rt.values.numpy().tolist() == [1, 2, 3, 4, 5, 6, 7]
assert rt.row_splits.numpy().tolist() == [0, 2, 5, 6, 6, 7]
assert rt[1].numpy().tolist() == [3, 4, 5]

# -- shapes and broadcasting -------------------------------------------------------------------
rt = tf.ragged.constant([[1], [2, 3], [], [4]])
assert rt.shape.as_list() == [4, None]
rt_shape = tf.shape(tf.ragged.constant([[1], [2, 3, 4], [], [5, 6]]))
assert int(rt_shape[0]) == 4
try:
    rt_shape[1]
    raise AssertionError("expected ValueError")
except ValueError:
    pass
rt = tf.ragged.constant([[1], [2, 3, 4], [], [5, 6]])
rt_shape = tf.shape(rt)
x = tf.constant([["a", "b"], ["c", "d"], ["e", "f"]])
assert tf.reshape(x, rt_shape).to_list() == [[b"a"], [b"b", b"c", b"d"], [], [b"e", b"f"]]
assert tf.zeros(rt_shape).to_list() == [[0.0], [0.0, 0.0, 0.0], [], [0.0, 0.0]]
assert tf.ones(rt_shape).to_list() == [[1.0], [1.0, 1.0, 1.0], [], [1.0, 1.0]]
assert tf.fill(rt_shape, "x").to_list() == [[b"x"], [b"x", b"x", b"x"], [], [b"x", b"x"]]


def make_palindrome(x, axis):  # the guide's tf.function, called eagerly here
    return tf.concat([x, tf.reverse(x, [axis])], axis)


assert make_palindrome(tf.ragged.constant([[1, 2], [3], [4, 5, 6]]), axis=1).to_list() == \
    [[1, 2, 2, 1], [3, 3], [4, 5, 6, 6, 5, 4]]
assert [t.numpy().tolist() for t in tf.map_fn(
    lambda r: (tf.reduce_max(r), tf.reduce_min(r)), tf.ragged.constant([[1, 2], [3], [4, 5, 6]]),
    fn_output_signature=(tf.int32, tf.int32))] == [[2, 3, 6], [1, 3, 4]]
x = tf.ragged.constant([[10, 87, 12], [19, 53], [12, 32]])
assert (x + [[1000], [2000], [3000]]).to_list() == [[1010, 1087, 1012], [2019, 2053], [3012, 3032]]
x = tf.ragged.constant([[[1, 2], [3, 4], [5, 6]], [[7, 8]]], ragged_rank=1)
assert (x + tf.constant([[10]])).to_list() == [[[11, 12], [13, 14], [15, 16]], [[17, 18]]]
x = tf.ragged.constant([[[[1], [2]], [], [[3]], [[4]]], [[[5], [6]], [[7]]]], ragged_rank=2)
assert (x + tf.constant([10, 20, 30])).to_list() == [
    [[[11, 21, 31], [12, 22, 32]], [], [[13, 23, 33]], [[14, 24, 34]]],
    [[[15, 25, 35], [16, 26, 36]], [[17, 27, 37]]]]
for a, b in [(tf.ragged.constant([[1, 2], [3, 4, 5, 6], [7]]),
              tf.constant([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])),
             (tf.ragged.constant([[1, 2, 3], [4], [5, 6]]),
              tf.ragged.constant([[10, 20], [30, 40], [50]]))]:
    try:
        a + b
        raise AssertionError("expected InvalidArgumentError")
    except tf.errors.InvalidArgumentError:
        pass

# -- encoding: nested ragged dimensions and uniform inner dimensions ---------------------------
rt = tf.RaggedTensor.from_row_splits(
    values=tf.RaggedTensor.from_row_splits(values=[10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
                                           row_splits=[0, 3, 3, 5, 9, 10]),
    row_splits=[0, 1, 1, 5])
assert rt.to_list() == [[[10, 11, 12]], [], [[], [13, 14], [15, 16, 17, 18], [19]]]
assert rt.shape.as_list() == [3, None, None] and rt.ragged_rank == 2
rt2 = tf.RaggedTensor.from_nested_row_splits(
    flat_values=[10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
    nested_row_splits=([0, 1, 1, 5], [0, 3, 3, 5, 9, 10]))
assert rt2.to_list() == rt.to_list()
conversations = tf.ragged.constant(
    [[[["I", "like", "ragged", "tensors."]],
      [["Oh", "yeah?"], ["What", "can", "you", "use", "them", "for?"]],
      [["Processing", "variable", "length", "data!"]]],
     [[["I", "like", "cheese."], ["Do", "you?"]], [["Yes."], ["I", "do."]]]])
assert conversations.shape.as_list() == [2, None, None, None]
assert conversations.ragged_rank == len(conversations.nested_row_splits) == 3
assert conversations.flat_values.shape == (24,)
rt = tf.RaggedTensor.from_row_splits(values=[[1, 3], [0, 0], [1, 3], [5, 3], [3, 3], [1, 2]],
                                     row_splits=[0, 3, 4, 6])
assert rt.shape.as_list() == [3, None, 2] and rt.flat_values.shape == (6, 2)

# -- more of the tf.ragged API -----------------------------------------------------------------
assert tf.ragged.range([3, 1, 0]).to_list() == [[0, 1, 2], [0], []]
assert tf.ragged.stack([tf.constant([1, 2]), tf.constant([3])]).to_list() == [[1, 2], [3]]
assert tf.ragged.boolean_mask(digits, digits > 2).to_list() == [[3, 4], [], [5, 9], [6], []]
assert tf.ragged.row_splits_to_segment_ids([0, 2, 2, 5]).numpy().tolist() == [0, 0, 2, 2, 2]
assert tf.ragged.segment_ids_to_row_splits([0, 0, 2]).numpy().tolist() == [0, 2, 2, 3]
assert tf.reduce_max(digits, axis=1).numpy().tolist() == [4, -2147483648, 9, 6, -2147483648]
assert tf.reduce_sum(digits, axis=0).numpy().tolist() == [14, 10, 6, 1]
assert tf.gather(digits, [2, 0]).to_list() == [[5, 9, 2], [3, 1, 4, 1]]
assert tf.where(digits > 2, digits, 0).to_list() == [[3, 0, 4, 0], [], [5, 9, 0], [6], []]
assert tf.one_hot(digits, 10).shape.as_list() == [5, None, 10]
assert int(tf.size(digits)) == 8
assert tf.map_fn(tf.reduce_sum, digits, fn_output_signature=tf.int32).numpy().tolist() == \
    [9, 0, 16, 6, 0]
spec = tf.RaggedTensorSpec(shape=[None, None], dtype=tf.int32)
assert spec.ragged_rank == 1 and spec.dtype == tf.int32


@tf.function
def row_stats(values, lengths):
    rt = tf.RaggedTensor.from_row_lengths(values, lengths)
    return tf.reduce_sum(rt, axis=1), tf.reduce_max(rt, axis=-1), (rt * 2).to_tensor()


total, largest, doubled = row_stats(tf.constant([3.0, 1.0, 4.0, 1.0, 5.0]),
                                    tf.constant([2, 0, 3], tf.int64))
assert total.numpy().tolist() == [4.0, 0.0, 10.0]
assert largest.numpy()[0] == 3.0 and largest.numpy()[2] == 5.0
assert doubled.numpy().tolist() == [[6.0, 2.0, 0.0], [0.0, 0.0, 0.0], [8.0, 2.0, 10.0]]

@tf.function
def doubled_rows(values, lengths):
    rt = tf.RaggedTensor.from_row_lengths(values, lengths)
    spec = tf.RaggedTensorSpec(shape=[None], dtype=tf.float32)
    twice = tf.map_fn(lambda row: tf.concat([row, row], 0), rt, fn_output_signature=spec)
    return twice.flat_values, twice.row_splits


flat, splits = doubled_rows(tf.constant([1.0, 2.0, 3.0]), tf.constant([2, 1], tf.int64))
assert flat.numpy().tolist() == [1.0, 2.0, 1.0, 2.0, 3.0, 3.0]
assert splits.numpy().tolist() == [0, 4, 6]

values = tf.Variable([1.0, 2.0, 3.0])
with tf.GradientTape() as tape:
    rt = tf.RaggedTensor.from_row_splits(values, [0, 2, 3])
    loss = tf.reduce_sum(tf.reduce_mean(rt * rt, axis=1))
np.testing.assert_allclose(tape.gradient(loss, values).numpy(), [1.0, 2.0, 6.0])
print("ok")
