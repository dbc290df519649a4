"""Writes the TFRecord fixtures of tests/test_tfrecord.py from real TensorFlow (tensorflow-cpu
2.21, never a dependency). Run with the TF venv from the repository root:

    ~/.venv-tf/bin/python tests/data/make_tfrecord_fixtures.py

It writes, into tests/data/tfrecord/:

- examples.tfrecord, examples.tfrecord.gz (GZIP), examples.tfrecord.zz (ZLIB): the same five
  records, written by tf.io.TFRecordWriter: four serialized tf.train.Examples
  (SerializeToString(deterministic=True)) and one record of raw bytes 0..255;
- tf_outputs.json: for those records, TF's answers: each record's hex, the text format of each
  Example (str(example)), TF's parse_example of the four Examples (values, shapes, dtypes,
  ragged row splits), decode_csv of a few CSV lines, serialize_tensor of a few tensors; also
  the bytes TF's writer produced for each file (sha256), so a test can check graphflow writes
  the same files.
"""
import hashlib
import json
import os

import numpy as np
import tensorflow as tf

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tfrecord")
os.makedirs(HERE, exist_ok=True)


def feature(values):
    if values and isinstance(values[0], float):
        return tf.train.Feature(float_list=tf.train.FloatList(value=values))
    if values and isinstance(values[0], bytes):
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=values))
    return tf.train.Feature(int64_list=tf.train.Int64List(value=values))


ROWS = [
    {"x": [0.5, -1.25], "label": [1], "name": [b"first"], "tags": [3, 1, 4]},
    {"x": [2.0, 0.1], "label": [0], "name": ["second é".encode()], "tags": []},
    {"x": [1e-3, 3e38], "label": [-(2 ** 63)], "name": [b"\x00\xff"], "tags": [2 ** 40]},
    {"x": [0.0, -0.0], "label": [7], "name": [b""], "tags": [5, 9]},
]
examples = [tf.train.Example(features=tf.train.Features(
    feature={k: feature(v) for k, v in row.items()})) for row in ROWS]
records = [e.SerializeToString(deterministic=True) for e in examples] + [bytes(range(256))]

outputs = {"records": [r.hex() for r in records], "text": [str(e) for e in examples],
           "files": {}}
for name, compression in [("examples.tfrecord", None), ("examples.tfrecord.gz", "GZIP"),
                          ("examples.tfrecord.zz", "ZLIB")]:
    path = os.path.join(HERE, name)
    with tf.io.TFRecordWriter(path, compression) as writer:
        for r in records:
            writer.write(r)
    with open(path, "rb") as f:
        outputs["files"][name] = hashlib.sha256(f.read()).hexdigest()
    assert [t.numpy() for t in tf.data.TFRecordDataset(path, compression)] == records

parsed = tf.io.parse_example(tf.constant(records[:4]), {
    "x": tf.io.FixedLenFeature([2], tf.float32),
    "label": tf.io.FixedLenFeature([], tf.int64),
    "name": tf.io.FixedLenFeature([], tf.string),
    "tags": tf.io.RaggedFeature(tf.int64),
    "missing": tf.io.FixedLenFeature([2], tf.int64, default_value=[-1, -2]),
    "seq": tf.io.FixedLenSequenceFeature([], tf.int64, allow_missing=True)})
outputs["parse_example"] = {
    "x": parsed["x"].numpy().tolist(), "label": parsed["label"].numpy().tolist(),
    "name": [v.hex() for v in parsed["name"].numpy().tolist()],
    "tags_values": parsed["tags"].values.numpy().tolist(),
    "tags_row_splits": parsed["tags"].row_splits.numpy().tolist(),
    "tags_splits_dtype": parsed["tags"].row_splits.dtype.name,
    "missing": parsed["missing"].numpy().tolist(), "seq_shape": parsed["seq"].shape.as_list()}

lines = ["1,2.5,a", '"4",-0.5,"b,""c"""', "7,,", "-3,1e3,NA"]
csv = tf.io.decode_csv(lines, [[0], [9.0], ["z"]], na_value="NA")
outputs["decode_csv"] = {"lines": lines, "columns": [csv[0].numpy().tolist(),
                                                     csv[1].numpy().tolist(),
                                                     [v.decode() for v in csv[2].numpy()]]}
# tf.io.serialize_tensor of these values (tests/test_tfrecord.py lists the same values)
TENSORS = [np.array([[1.0, 2.0]], np.float32), np.array(3, np.int32),
           np.array([b"ab", b""], object), np.array(True), np.zeros((0, 3), np.float32),
           np.array([1, 2], np.int64), np.array(1.5, np.float16), np.array([1, 2], np.uint8),
           np.array(b"x", object), np.array([1.0], np.float64)]
outputs["serialize_tensor"] = [tf.io.serialize_tensor(tf.constant(v)).numpy().hex()
                               for v in TENSORS]
outputs["tf_version"] = tf.__version__
with open(os.path.join(HERE, "tf_outputs.json"), "w") as f:
    json.dump(outputs, f, indent=1, ensure_ascii=True)
    f.write("\n")
print("wrote", sorted(os.listdir(HERE)))
