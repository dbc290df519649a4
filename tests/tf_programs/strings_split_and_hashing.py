"""tf.strings.split (dense for a scalar, ragged for a vector) and the hash buckets (FarmHash and
SipHash values are TF's own)."""
import tensorflow as tf

assert tf.strings.split("a b  c").numpy().tolist() == [b"a", b"b", b"c"]
words = tf.strings.split(["the cat", "sat"])
assert isinstance(words, tf.RaggedTensor)
assert words.to_list() == [[b"the", b"cat"], [b"sat"]]
assert words.row_splits.numpy().tolist() == [0, 2, 3]
assert words.to_tensor().numpy().tolist() == [[b"the", b"cat"], [b"sat", b""]]
assert words.to_tensor(default_value="<pad>", shape=[2, 3]).numpy()[1].tolist() == [
    b"sat", b"<pad>", b"<pad>"]
assert tf.strings.split(["a,b,,c"], sep=",").to_list() == [[b"a", b"b", b"", b"c"]]
assert tf.ragged.constant([["a", "b"], ["c"]]).to_list() == [[b"a", b"b"], [b"c"]]

assert tf.strings.to_hash_bucket_fast(["hello", "world", ""], 1000).numpy().tolist() == \
    [296, 598, 263]
assert tf.strings.to_hash_bucket_fast(["a" * 100], 2 ** 62).numpy().tolist() == \
    [3930626154289304810]
assert tf.strings.to_hash_bucket_strong(["hello", "world", ""], 1000, key=[1, 2]) \
    .numpy().tolist() == [622, 990, 435]
assert tf.strings.to_hash_bucket(["hello"], 1000000007).numpy().tolist() == [302950538]
print("ok")
