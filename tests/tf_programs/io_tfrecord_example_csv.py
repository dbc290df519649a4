"""TFRecord files, tf.train.Example and CSV, as the tf.data guide and the TFRecord and CSV
tutorials use them: write Examples, read them back through TFRecordDataset and parse them in
Dataset.map, batch-parse them, decode CSV lines and files, and catch a corrupted record."""
import os
import tempfile

import numpy as np
import tensorflow as tf

root = tempfile.mkdtemp()


def _bytes_feature(value):
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value]))


def _float_feature(value):
    return tf.train.Feature(float_list=tf.train.FloatList(value=[value]))


def _int64_feature(value):
    return tf.train.Feature(int64_list=tf.train.Int64List(value=[value]))


def serialize_example(feature0, feature1, feature2, feature3):
    feature = {"feature0": _int64_feature(feature0), "feature1": _int64_feature(feature1),
               "feature2": _bytes_feature(feature2), "feature3": _float_feature(feature3)}
    example_proto = tf.train.Example(features=tf.train.Features(feature=feature))
    return example_proto.SerializeToString()


# the tutorial's messages, serialized and read back
assert _float_feature(np.exp(1)).float_list.value[0] == np.float32(np.exp(1))
one = tf.train.Example(features=tf.train.Features(feature={"feature0": _int64_feature(7)}))
assert one.SerializeToString() == b"\n\x13\n\x11\n\x08feature0\x12\x05\x1a\x03\n\x01\x07"
assert str(one) == ('features {\n  feature {\n    key: "feature0"\n    value {\n'
                    '      int64_list {\n        value: 7\n      }\n    }\n  }\n}\n')
serialized = serialize_example(0, 4, b"goat", 0.9876)
example_proto = tf.train.Example.FromString(serialized)
assert example_proto.features.feature["feature2"].bytes_list.value[0] == b"goat"
assert example_proto.features.feature["feature1"].WhichOneof("kind") == "int64_list"
copy = tf.train.Example()
copy.ParseFromString(serialized)
assert copy == example_proto

# a TFRecord file of 20 Examples, plain and GZIP
n = 20
rng = np.random.default_rng(0)
feature0 = rng.integers(0, 2, n) == 1
feature1 = rng.integers(0, 5, n)
feature2 = np.array([b"cat", b"dog", b"chicken", b"horse", b"goat"])[feature1]
feature3 = rng.standard_normal(n)
paths = {"": os.path.join(root, "test.tfrecord"), "GZIP": os.path.join(root, "test.tfrecord.gz")}
for compression, path in paths.items():
    with tf.io.TFRecordWriter(path, tf.io.TFRecordOptions(compression_type=compression)) as w:
        for i in range(n):
            w.write(serialize_example(int(feature0[i]), int(feature1[i]), bytes(feature2[i]),
                                      float(feature3[i])))

feature_description = {
    "feature0": tf.io.FixedLenFeature([], tf.int64, default_value=0),
    "feature1": tf.io.FixedLenFeature([], tf.int64, default_value=0),
    "feature2": tf.io.FixedLenFeature([], tf.string, default_value=""),
    "feature3": tf.io.FixedLenFeature([], tf.float32, default_value=0.0),
    "missing": tf.io.FixedLenFeature([2], tf.float32, default_value=[-1.0, -2.0]),
}


def _parse_function(example_proto):
    return tf.io.parse_single_example(example_proto, feature_description)


for compression, path in paths.items():
    raw_dataset = tf.data.TFRecordDataset([path], compression_type=compression)
    assert raw_dataset.element_spec == tf.TensorSpec([], tf.string)
    parsed = raw_dataset.map(_parse_function)
    assert parsed.element_spec["feature3"] == tf.TensorSpec([], tf.float32)
    assert parsed.element_spec["missing"] == tf.TensorSpec([2], tf.float32)
    rows = list(parsed.as_numpy_iterator())
    assert [r["feature1"] for r in rows] == feature1.tolist()
    assert [r["feature2"] for r in rows] == feature2.tolist()
    np.testing.assert_allclose([r["feature3"] for r in rows], feature3.astype(np.float32))
    assert all(r["missing"].tolist() == [-1.0, -2.0] for r in rows)

records = [r.numpy() for r in tf.data.TFRecordDataset(paths[""]).take(3)]
assert records[0] == serialize_example(int(feature0[0]), int(feature1[0]), bytes(feature2[0]),
                                       float(feature3[0]))
assert list(tf.compat.v1.io.tf_record_iterator(paths[""]))[:3] == records

# batches parsed at once, with a ragged feature
batched = tf.data.TFRecordDataset(paths[""]).batch(8).map(
    lambda s: tf.io.parse_example(s, {"feature1": tf.io.FixedLenFeature([], tf.int64),
                                      "feature3": tf.io.FixedLenFeature([], tf.float32)}))
assert batched.element_spec["feature1"] == tf.TensorSpec([None], tf.int64)
assert [b["feature1"].shape[0] for b in batched] == [8, 8, 4]


def word_example(words):
    return tf.train.Example(features=tf.train.Features(feature={"words": tf.train.Feature(
        bytes_list=tf.train.BytesList(value=words))})).SerializeToString()


ragged = tf.io.parse_example([word_example([b"a", b"b"]), word_example([]),
                              word_example([b"c"])], {"words": tf.io.RaggedFeature(tf.string)})
assert ragged["words"].to_list() == [[b"a", b"b"], [], [b"c"]]
single = tf.io.parse_single_example(word_example([b"x", b"y"]),
                                    {"words": tf.io.RaggedFeature(tf.string)})
assert single["words"].numpy().tolist() == [b"x", b"y"]
try:
    tf.io.parse_single_example(records[0], {"nope": tf.io.FixedLenFeature([], tf.float32)})
    raise AssertionError("a missing required feature must raise")
except tf.errors.InvalidArgumentError as e:
    assert "Feature: nope (data type: float) is required but could not be found" in str(e)

# non-scalar features as serialized tensors (the tutorial's tf.io.serialize_tensor)
matrix = tf.constant([[1.0, 2.0], [3.0, 4.0]])
with tf.io.TFRecordWriter(os.path.join(root, "tensors.tfrecord")) as w:
    w.write(tf.train.Example(features=tf.train.Features(feature={"m": _bytes_feature(
        tf.io.serialize_tensor(matrix).numpy())})).SerializeToString())
assert tf.io.serialize_tensor(matrix).numpy().hex() == (
    "0801120812020802120208022210" + "0000803f000000400000404000008040")
tensors = tf.data.TFRecordDataset(os.path.join(root, "tensors.tfrecord")).map(
    lambda s: tf.io.parse_tensor(tf.io.parse_single_example(
        s, {"m": tf.io.FixedLenFeature([], tf.string)})["m"], tf.float32))
(m,) = list(tensors)
assert m.numpy().tolist() == [[1.0, 2.0], [3.0, 4.0]]

# a corrupted record is data loss
with open(paths[""], "rb") as f:
    damaged = bytearray(f.read())
damaged[20] ^= 0xFF
bad_path = os.path.join(root, "bad.tfrecord")
with open(bad_path, "wb") as f:
    f.write(damaged)
try:
    list(tf.data.TFRecordDataset(bad_path))
    raise AssertionError("a corrupted record must raise")
except tf.errors.DataLossError as e:
    assert "corrupted record at 12" in str(e)

# CSV: decode_csv over text lines, and CsvDataset
csv_path = os.path.join(root, "titanic.csv")
with open(csv_path, "w") as f:
    f.write("survived,sex,age,fare\n0,male,22.0,7.25\n1,female,,71.2833\n"
            "1,\"female, 2nd\",26,7.9\n")
lines = tf.data.TextLineDataset(csv_path).skip(1)
decoded = lines.map(lambda line: tf.io.decode_csv(line, [[0], [""], [28.0], [0.0]]))
assert decoded.element_spec == (tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.string),
                                tf.TensorSpec([], tf.float32), tf.TensorSpec([], tf.float32))
survived, sex, age, fare = zip(*decoded.as_numpy_iterator())
assert list(survived) == [0, 1, 1] and list(sex) == [b"male", b"female", b"female, 2nd"]
assert list(age) == [22.0, 28.0, 26.0]
csv_ds = tf.data.experimental.CsvDataset(csv_path, [tf.int32, tf.float32], header=True,
                                         select_cols=[0, 3])
assert [(int(s), round(float(f), 4)) for s, f in csv_ds] == [(0, 7.25), (1, 71.2833), (1, 7.9)]
titanic_batches = tf.data.experimental.make_csv_dataset(
    csv_path, batch_size=2, label_name="survived", shuffle=False, num_epochs=1)
features_spec, label_spec = titanic_batches.element_spec
assert list(features_spec) == ["sex", "age", "fare"] and label_spec.dtype == tf.int32
assert features_spec["age"].dtype == tf.float32
batches = [(f["sex"].numpy().tolist(), f["age"].numpy().tolist(), l.numpy().tolist())
           for f, l in titanic_batches]
assert batches == [([b"male", b"female"], [22.0, 0.0], [0, 1]), ([b"female, 2nd"], [26.0], [1])]
repeated = tf.data.experimental.make_csv_dataset(csv_path, batch_size=4, shuffle_seed=1)
assert repeated.element_spec["fare"] == tf.TensorSpec([4], tf.float32)  # num_epochs=None
assert len(list(repeated.take(3))) == 3
columns = tf.io.decode_csv(["1,a", "2,b"], [tf.constant([], tf.int64), ["?"]])
assert columns[0].dtype == tf.int64 and columns[1].numpy().tolist() == [b"a", b"b"]
try:
    tf.io.decode_csv(["1,2"], [[0], [0], [0]])
    raise AssertionError("a short record must raise")
except tf.errors.InvalidArgumentError as e:
    assert "Expect 3 fields but have 2 in record 0" in str(e)
print("ok")
