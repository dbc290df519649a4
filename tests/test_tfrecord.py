"""TFRecord files, tf.train.Example, parse_example and CSV (graphflow/io/tfrecord.py,
graphflow/io/example_proto.py, graphflow/ops/parsing.py, graphflow/data/sources.py).

The fixtures in tests/data/tfrecord/ were written by TensorFlow 2.21
(tests/data/make_tfrecord_fixtures.py documents how): graphflow reads TF's files and writes
byte-identical ones, serializes Examples to TF's bytes and text, and parses them to TF's values.
"""
import gzip
import json
import os
import struct

import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import (DataLossError, FailedPreconditionError, InvalidArgumentError,
                              InvalidTypeError, NotFoundError, UnimplementedError)
from graphflow.io import tfrecord
from graphflow.utils import crc32c
from graphflow.utils.protowire import DecodeError

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "tfrecord")
with open(os.path.join(DATA, "tf_outputs.json")) as _f:
    TF = json.load(_f)
RECORDS = [bytes.fromhex(h) for h in TF["records"]]
FILES = {"examples.tfrecord": None, "examples.tfrecord.gz": "GZIP", "examples.tfrecord.zz": "ZLIB"}

# what make_tfrecord_fixtures.py put in its four Examples
ROWS = [
    {"x": [0.5, -1.25], "label": [1], "name": [b"first"], "tags": [3, 1, 4]},
    {"x": [2.0, 0.1], "label": [0], "name": ["second é".encode()], "tags": []},
    {"x": [1e-3, 3e38], "label": [-(2 ** 63)], "name": [b"\x00\xff"], "tags": [2 ** 40]},
    {"x": [0.0, -0.0], "label": [7], "name": [b""], "tags": [5, 9]},
]


def feature(values):
    if values and isinstance(values[0], float):
        return tf.train.Feature(float_list=tf.train.FloatList(value=values))
    if values and isinstance(values[0], bytes):
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=values))
    return tf.train.Feature(int64_list=tf.train.Int64List(value=values))


def example(row):
    return tf.train.Example(features=tf.train.Features(
        feature={k: feature(v) for k, v in row.items()}))


def write(path, records, options=None):
    with tf.io.TFRecordWriter(path, options) as writer:
        for r in records:
            writer.write(r)
    return path


def read(path, compression=None):
    return [t.numpy() for t in tf.data.TFRecordDataset(path, compression_type=compression)]


# -- CRC-32C ------------------------------------------------------------------------------------

def test_crc32c_standard_vectors():
    assert crc32c.value(b"123456789") == 0xE3069283
    assert crc32c.value(b"") == 0
    assert crc32c.value(bytes(32)) == 0x8A9136AA          # RFC 3720, B.4
    assert crc32c.value(b"\xff" * 32) == 0x62A8AB43
    assert crc32c.value(bytes(range(32))) == 0x46DD794E


def test_crc32c_numba_loop_agrees_with_the_table():
    data = np.random.default_rng(0).integers(0, 256, crc32c._BIG).astype(np.uint8).tobytes()
    assert crc32c.value(data) == crc32c._python(data, 0xFFFFFFFF) ^ 0xFFFFFFFF
    assert crc32c._kernel is not None  # a megabyte goes to the Numba loop


def test_masking_is_tfs():
    # the first record TF wrote for b"hello": 5, masked CRCs eab2043e and bb1f1c19
    assert tfrecord.encode_record(b"hello").hex() == \
        "0500000000000000eab2043e68656c6c6fbb1f1c19"


# -- files both ways ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(FILES))
def test_reads_files_tf_wrote(name):
    assert read(os.path.join(DATA, name), FILES[name]) == RECORDS
    assert list(tf.compat.v1.io.tf_record_iterator(os.path.join(DATA, name), FILES[name])) == \
        RECORDS


@pytest.mark.parametrize("name", sorted(FILES))
def test_writes_the_bytes_tf_writes(name, tmp_path):
    import hashlib
    path = write(str(tmp_path / name), RECORDS, FILES[name])
    with open(path, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == TF["files"][name]


@pytest.mark.parametrize("options", ["GZIP", "ZLIB", "", None,
                                     tf.io.TFRecordOptions(compression_type="GZIP"),
                                     tf.io.TFRecordOptions("ZLIB", compression_level=9),
                                     tf.compat.v1.python_io.TFRecordCompressionType.GZIP])
def test_writer_options_round_trip(options, tmp_path):
    records = [b"", b"a", os.urandom(70_000), "é".encode()]
    path = write(str(tmp_path / "r"), records, options)
    compression = tf.io.TFRecordOptions.get_compression_type_string(options)
    assert read(path, compression or None) == records


def test_writer_api(tmp_path):
    path = str(tmp_path / "w.tfrecord")
    writer = tf.io.TFRecordWriter(path)
    writer.write("héllo")  # a str is written as UTF-8, as TF does
    writer.flush()
    assert read(path) == ["héllo".encode()]
    writer.close()
    writer.close()  # a second close is allowed
    with pytest.raises(FailedPreconditionError, match="Writer is closed"):
        writer.write(b"x")
    with pytest.raises(FailedPreconditionError, match="Writer is closed"):
        writer.flush()
    with pytest.raises(InvalidTypeError, match="bytes or str, got int"):
        tf.io.TFRecordWriter(path).write(5)
    with pytest.raises(InvalidTypeError, match="numpy"):
        tf.io.TFRecordWriter(path).write(tf.constant(b"x"))
    with pytest.raises(NotFoundError, match="No such file or directory"):
        tf.io.TFRecordWriter(str(tmp_path / "nodir" / "x"))
    with pytest.raises(InvalidArgumentError, match='Not a valid compression_type: "LZ4"'):
        tf.io.TFRecordWriter(path, "LZ4")
    assert isinstance(InvalidArgumentError("x"), ValueError)  # TF raises ValueError there


def test_flush_makes_compressed_records_readable(tmp_path):
    path = str(tmp_path / "w.gz")
    with tf.io.TFRecordWriter(path, "GZIP") as writer:
        writer.write(b"one")
        writer.flush()
        with open(path, "rb") as f:
            partial = gzip.GzipFile(fileobj=f)
            assert partial.read1(100)[12:15] == b"one"
    assert read(path, "GZIP") == [b"one"]


# -- corruption ---------------------------------------------------------------------------------

def _damaged(tmp_path, data, name="bad.tfrecord"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_corrupted_checksums_raise_data_loss_naming_the_file(tmp_path):
    data = bytearray(tfrecord.encode_record(b"hello") + tfrecord.encode_record(b"world!"))
    length_crc = bytearray(data)
    length_crc[8] ^= 1
    path = _damaged(tmp_path, bytes(length_crc))
    with pytest.raises(DataLossError, match=r"bad.tfrecord: corrupted record at 0 \(Is this even"):
        read(path)
    body = bytearray(data)
    body[13] ^= 0x10
    with pytest.raises(DataLossError, match="corrupted record at 12"):
        read(_damaged(tmp_path, bytes(body)))
    second = bytearray(data)
    second[21 + 8] ^= 1
    with pytest.raises(DataLossError, match=r"corrupted record at 21$"):
        list(tf.compat.v1.io.tf_record_iterator(_damaged(tmp_path, bytes(second))))


def test_every_truncation_and_bit_flip_is_data_loss(tmp_path):
    data = (tfrecord.encode_record(b"hello") + tfrecord.encode_record(b"") +
            tfrecord.encode_record(b"world!"))
    boundaries = {0, 21, 37, len(data)}
    for cut in range(len(data)):
        path = _damaged(tmp_path, data[:cut])
        if cut in boundaries:
            read(path)
            continue
        with pytest.raises(DataLossError, match="bad.tfrecord: truncated record at"):
            read(path)
    for i in range(len(data)):
        flipped = bytearray(data)
        flipped[i] ^= 1 << (i % 8)
        with pytest.raises(DataLossError, match="bad.tfrecord"):
            read(_damaged(tmp_path, bytes(flipped)))


@pytest.mark.parametrize("compression", ["GZIP", "ZLIB"])
def test_damaged_compressed_files_are_data_loss(compression, tmp_path):
    name = "examples.tfrecord.gz" if compression == "GZIP" else "examples.tfrecord.zz"
    with open(os.path.join(DATA, name), "rb") as f:
        data = f.read()
    for cut in range(1, len(data), 7):
        with pytest.raises(DataLossError, match="bad.z"):
            read(_damaged(tmp_path, data[:cut], "bad.z"), compression)
    with pytest.raises(DataLossError, match="inflate"):
        read(os.path.join(DATA, "examples.tfrecord"), compression)


def test_missing_file_and_bad_compression_type(tmp_path):
    with pytest.raises(NotFoundError, match="nope.tfrecord; No such file or directory"):
        read(str(tmp_path / "nope.tfrecord"))
    with pytest.raises(InvalidArgumentError, match="compression_type"):
        tf.data.TFRecordDataset(str(tmp_path / "x"), compression_type="LZ4")  # TF ignores it


# -- TFRecordDataset ----------------------------------------------------------------------------

def _files(tmp_path, sizes):
    return [write(str(tmp_path / f"f{i}.tfrecord"), [f"{i}-{j}" for j in range(n)])
            for i, n in enumerate(sizes)]


def test_dataset_spec_repr_and_file_lists(tmp_path):
    files = _files(tmp_path, [3, 1, 2, 2])
    ds = tf.data.TFRecordDataset(files)
    assert ds.element_spec == tf.TensorSpec([], tf.string)
    assert repr(ds) == "<TFRecordDatasetV2 element_spec=TensorSpec(shape=(), dtype=tf.string, " \
                       "name=None)>"
    expected = [b"0-0", b"0-1", b"0-2", b"1-0", b"2-0", b"2-1", b"3-0", b"3-1"]
    assert [t.numpy() for t in ds] == expected
    assert [t.numpy() for t in tf.data.TFRecordDataset(
        tf.data.Dataset.from_tensor_slices(files))] == expected
    import pathlib
    assert [t.numpy() for t in tf.data.TFRecordDataset(pathlib.Path(files[1]))] == [b"1-0"]
    assert list(tf.data.TFRecordDataset([])) == []
    with pytest.raises(InvalidTypeError, match="must contain `tf.string` elements. Got "
                                               "`tf.int32` elements"):
        tf.data.TFRecordDataset(5)


@pytest.mark.parametrize("reads,order", [
    (2, ["0-0", "1-0", "0-1", "0-2", "2-0", "2-1", "3-0", "3-1"]),   # TF 2.21's orders
    (3, ["0-0", "1-0", "2-0", "0-1", "2-1", "0-2", "3-0", "3-1"])])
def test_num_parallel_reads_interleaves_as_tf(reads, order, tmp_path):
    files = _files(tmp_path, [3, 1, 2, 2])
    got = [t.numpy().decode() for t in tf.data.TFRecordDataset(files, num_parallel_reads=reads)]
    assert got == order
    via_interleave = tf.data.Dataset.from_tensor_slices(files).interleave(
        tf.data.TFRecordDataset, cycle_length=reads)
    assert [t.numpy().decode() for t in via_interleave] == order


def test_dataset_writer(tmp_path):
    path = str(tmp_path / "w.tfrecord")
    writer = tf.data.experimental.TFRecordWriter(path)
    writer.write(tf.data.Dataset.from_tensor_slices([b"a", b"b"]))
    assert read(path) == [b"a", b"b"]
    with pytest.raises(InvalidTypeError, match="scalar `tf.string` elements"):
        tf.data.experimental.TFRecordWriter(path).write(tf.data.Dataset.range(3))


# -- tf.train.Example -------------------------------------------------------------------------

@pytest.mark.parametrize("i", range(4))
def test_examples_serialize_to_tfs_bytes_and_text(i):
    ex = example(ROWS[i])
    assert ex.SerializeToString() == RECORDS[i]
    assert ex.SerializeToString(deterministic=True) == RECORDS[i]
    assert str(ex) == repr(ex) == TF["text"][i]
    parsed = tf.train.Example.FromString(RECORDS[i])
    assert parsed == ex and str(parsed) == TF["text"][i]
    again = tf.train.Example()
    assert again.ParseFromString(RECORDS[i]) == len(RECORDS[i])
    assert again == ex and again.ByteSize() == len(RECORDS[i])


def test_sequence_example_bytes_and_text():
    seq = tf.train.SequenceExample(
        context=tf.train.Features(feature={"a": feature([1])}),
        feature_lists=tf.train.FeatureLists(feature_list={
            "f": tf.train.FeatureList(feature=[feature([1.0]), tf.train.Feature()]),
            "g": tf.train.FeatureList()}))
    # TF 2.21's SerializeToString(deterministic=True) and str() of the same message
    assert seq.SerializeToString().hex() == (
        "0a0c0a0a0a016112051a030a0101121a0a110a0166120c0a0812060a040000803f0a000a050a01671200")
    assert str(seq).startswith('context {\n  feature {\n    key: "a"\n') and \
        'feature_list {\n    key: "g"\n    value {\n    }\n  }\n  feature_list {\n    key: "f"' \
        in str(seq)
    assert tf.train.SequenceExample.FromString(seq.SerializeToString()) == seq
    fl = tf.train.FeatureList()
    fl.feature.add().float_list.value.append(1)
    fl.feature.add(int64_list=tf.train.Int64List(value=[2]))
    fl.feature.append(tf.train.Feature())
    assert len(fl.feature) == 3 and fl.feature[1].int64_list.value == [2]


def test_message_api():
    ex = tf.train.Example()
    assert not ex.HasField("features") and ex.SerializeToString() == b"" and str(ex) == ""
    _ = ex.features.feature  # reading does not set the field
    assert not ex.HasField("features")
    ex.features.feature["x"].float_list.value.append(1.0)
    ex.features.feature["x"].float_list.value.extend([2.0, 0.1])
    assert ex.HasField("features") and "x" in ex.features.feature
    assert "y" not in ex.features.feature and ex.features.feature.get("y") is None
    assert ex.features.feature["x"].float_list.value == [1.0, 2.0, np.float32(0.1).item()]
    assert ex.SerializeToString().hex() == "0a170a150a01781210120e0a0c0000803f00000040cdcccc3d"
    f = ex.features.feature["x"]
    assert f.WhichOneof("kind") == "float_list"
    f.int64_list.value.append(3)  # the oneof switches
    assert f.WhichOneof("kind") == "int64_list" and not f.HasField("float_list")
    f.ClearField("int64_list")
    assert f.WhichOneof("kind") is None and f.SerializeToString() == b""
    with pytest.raises(ValueError, match="may not be assigned"):
        ex.features.feature["z"] = tf.train.Feature()
    with pytest.raises(AttributeError, match="Assignment not allowed to message field"):
        ex.features = tf.train.Features()
    with pytest.raises(AttributeError, match="Assignment not allowed to map, or repeated"):
        tf.train.FloatList().value = [1.0]
    with pytest.raises(ValueError, match="does not have presence"):
        tf.train.FloatList().HasField("value")
    with pytest.raises(ValueError, match='has no "nope" field'):
        tf.train.Feature(nope=1)
    with pytest.raises(TypeError, match="No positional arguments"):
        tf.train.Feature(tf.train.BytesList())
    with pytest.raises(TypeError, match="must be dict or instance of same class"):
        tf.train.Feature(float_list=[1.0])
    with pytest.raises(TypeError):
        hash(ex)
    assert tf.train.Feature(float_list={"value": [1.0]}) == feature([1.0])
    assert tf.train.Example() != tf.train.Features()
    import copy
    import pickle
    features = example(ROWS[0]).features
    assert tf.train.Features(feature=features.feature) == features
    assert copy.deepcopy(features) == features == pickle.loads(pickle.dumps(features))
    assert tf.train.Example.FromString(memoryview(RECORDS[0])) == example(ROWS[0])


def test_scalar_checks_follow_protobuf():
    assert tf.train.FloatList(value=[0.1]).value[0] == np.float32(0.1)
    assert tf.train.FloatList(value=[1e40]).value[0] == float("inf")
    assert list(tf.train.FloatList(value=np.arange(3.0)).value) == [0.0, 1.0, 2.0]
    assert list(tf.train.Int64List(value=tf.constant([1, 2])).value) == [1, 2]
    assert list(tf.train.BytesList(value=[np.bytes_(b"x")]).value) == [b"x"]
    with pytest.raises(TypeError, match="must be real number, not str"):
        tf.train.FloatList(value=["a"])
    with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
        tf.train.Int64List(value=[1.5])
    with pytest.raises(TypeError, match="Expected an int, got a boolean"):
        tf.train.Int64List(value=[True])
    with pytest.raises(ValueError, match="Value out of range: 9223372036854775808"):
        tf.train.Int64List(value=[2 ** 63])
    with pytest.raises(TypeError, match="expected bytes, str found"):
        tf.train.BytesList(value=["abc"])
    with pytest.raises(TypeError, match="must assign iterable"):
        tf.train.FloatList(value=1.0)


def test_parsing_accepts_any_valid_encoding_and_keeps_unknown_fields():
    unpacked = tf.train.FloatList.FromString(bytes.fromhex("0d0000803f0d00000040"))
    assert list(unpacked.value) == [1.0, 2.0]
    assert list(tf.train.Int64List.FromString(b"\x08\x05\x08\x06").value) == [5, 6]
    unknown = tf.train.Example.FromString(b"\x10\x05")
    assert unknown.SerializeToString() == b"\x10\x05" and unknown != tf.train.Example()
    twice = tf.train.Example.FromString(RECORDS[0] + example({"label": [9]}).SerializeToString())
    assert twice.features.feature["label"].int64_list.value == [9]  # merged, the last wins
    assert twice.features.feature["x"].float_list.value == [0.5, -1.25]


@pytest.mark.parametrize("data,detail", [
    (b"\xff", "truncated varint"), (b"\x0a\x05\x0a", "field 1 has 5 bytes"),
    (b"\x0a\x02\x0a\x10", "field 1 has 16 bytes"), (b"\x0b", "wire type 3"),
    (b"\x0a\x05\x0a\x03\x0a\x01\xff", "bad UTF-8")])
def test_malformed_bytes_raise_decode_error(data, detail):
    with pytest.raises(DecodeError, match=f"tensorflow.Example'.*{detail}"):
        tf.train.Example.FromString(data)
    assert issubclass(DecodeError, InvalidArgumentError)


def _protobuf_example_class():
    """tf.train.Example built by the protobuf package from example.proto's definition (the
    package is optional: tensorboard brings it)."""
    descriptor_pb2 = pytest.importorskip("google.protobuf.descriptor_pb2")
    from google.protobuf import descriptor_pool, message_factory
    F = descriptor_pb2.FieldDescriptorProto
    proto = descriptor_pb2.FileDescriptorProto(name="gf_test_example.proto",
                                               package="tensorflow", syntax="proto3")

    def message(name, *fields, nested=()):
        m = proto.message_type.add(name=name)
        for fname, number, ftype, label, type_name, oneof in fields:
            f = m.field.add(name=fname, number=number, type=ftype, label=label)
            if type_name:
                f.type_name = type_name
            if oneof is not None:
                f.oneof_index = oneof
        return m
    rep, opt = F.LABEL_REPEATED, F.LABEL_OPTIONAL
    message("BytesList", ("value", 1, F.TYPE_BYTES, rep, None, None))
    message("FloatList", ("value", 1, F.TYPE_FLOAT, rep, None, None))
    message("Int64List", ("value", 1, F.TYPE_INT64, rep, None, None))
    feat = message("Feature", ("bytes_list", 1, F.TYPE_MESSAGE, opt, ".tensorflow.BytesList", 0),
                   ("float_list", 2, F.TYPE_MESSAGE, opt, ".tensorflow.FloatList", 0),
                   ("int64_list", 3, F.TYPE_MESSAGE, opt, ".tensorflow.Int64List", 0))
    feat.oneof_decl.add(name="kind")
    feats = message("Features", ("feature", 1, F.TYPE_MESSAGE, rep,
                                 ".tensorflow.Features.FeatureEntry", None))
    entry = feats.nested_type.add(name="FeatureEntry")
    entry.field.add(name="key", number=1, type=F.TYPE_STRING, label=opt)
    entry.field.add(name="value", number=2, type=F.TYPE_MESSAGE, label=opt,
                    type_name=".tensorflow.Feature")
    entry.options.map_entry = True
    message("Example", ("features", 1, F.TYPE_MESSAGE, opt, ".tensorflow.Features", None))
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("tensorflow.Example"))


def test_bytes_equal_protobufs_own_encoder():
    """Against the protobuf package's encoder and decoder, when it is installed."""
    ProtobufExample = _protobuf_example_class()
    rng = np.random.default_rng(1)
    for _ in range(30):
        row = {}
        for k in range(int(rng.integers(0, 5))):
            kind = int(rng.integers(0, 3))
            n = int(rng.integers(0, 4))
            row[f"k{k}{'é' * (k % 2)}"] = ([float(v) for v in rng.standard_normal(n)] if kind == 0
                                           else [int(v) for v in rng.integers(-2**62, 2**62, n)]
                                           if kind == 1 else
                                           [bytes(rng.integers(0, 256, 3).astype(np.uint8))] * n)
        ours = example(row).SerializeToString()
        theirs = ProtobufExample.FromString(ours)
        assert theirs.SerializeToString(deterministic=True) == ours
        assert tf.train.Example.FromString(theirs.SerializeToString()) == example(row)


# -- parse_example ------------------------------------------------------------------------------

DESCRIPTION = {
    "x": tf.io.FixedLenFeature([2], tf.float32), "label": tf.io.FixedLenFeature([], tf.int64),
    "name": tf.io.FixedLenFeature([], tf.string), "tags": tf.io.RaggedFeature(tf.int64),
    "missing": tf.io.FixedLenFeature([2], tf.int64, default_value=[-1, -2]),
    "seq": tf.io.FixedLenSequenceFeature([], tf.int64, allow_missing=True)}


def _check_tf_parse(out):
    want = TF["parse_example"]
    assert out["x"].numpy().tolist() == want["x"]
    assert out["label"].numpy().tolist() == want["label"]
    assert [v.hex() for v in out["name"].numpy().tolist()] == want["name"]
    assert out["tags"].values.numpy().tolist() == want["tags_values"]
    assert out["tags"].row_splits.numpy().tolist() == want["tags_row_splits"]
    assert out["tags"].row_splits.dtype.name == want["tags_splits_dtype"]
    assert out["missing"].numpy().tolist() == want["missing"]
    assert out["seq"].shape.as_list() == want["seq_shape"]


def test_parse_example_gives_tfs_values():
    _check_tf_parse(tf.io.parse_example(tf.constant(RECORDS[:4]), DESCRIPTION))
    # graphflow.function cannot return a RaggedTensor yet (tf.strings.split's neither), so the
    # traced call returns the ragged feature's two tensors
    def parse(s):
        out = tf.io.parse_example(s, DESCRIPTION)
        out["tags"] = (out["tags"].values, out["tags"].row_splits)
        return out
    out = tf.function(parse)(tf.constant(RECORDS[:4]))
    out["tags"] = tf.RaggedTensor.from_row_splits(*out["tags"])
    _check_tf_parse(out)


def test_parse_single_example_and_key_order():
    out = tf.io.parse_single_example(RECORDS[0], {k: v for k, v in DESCRIPTION.items()
                                                  if k != "seq"})
    assert list(out) == ["label", "missing", "name", "x", "tags"]  # TF's order: by kind, then key
    assert out["x"].numpy().tolist() == [0.5, -1.25] and out["label"].numpy() == 1
    assert out["tags"].numpy().tolist() == [3, 1, 4] and out["name"].numpy() == b"first"
    renamed = tf.io.parse_single_example(RECORDS[0], {"t": tf.io.RaggedFeature(
        tf.int64, value_key="tags")})
    assert renamed["t"].numpy().tolist() == [3, 1, 4]


def test_parse_inside_dataset_map_and_batch(tmp_path):
    path = os.path.join(DATA, "examples.tfrecord")
    ds = tf.data.TFRecordDataset(path).take(4).map(
        lambda s: tf.io.parse_single_example(s, {"x": DESCRIPTION["x"],
                                                 "label": DESCRIPTION["label"],
                                                 "tags": DESCRIPTION["tags"]}))
    assert ds.element_spec == {"label": tf.TensorSpec([], tf.int64),
                               "tags": tf.TensorSpec([None], tf.int64),
                               "x": tf.TensorSpec([2], tf.float32)}
    labels = [int(e["label"]) for e in ds]
    assert labels == TF["parse_example"]["label"]
    batched = tf.data.TFRecordDataset(path).take(4).batch(3).map(
        lambda s: tf.io.parse_example(s, {"x": DESCRIPTION["x"]}))
    assert batched.element_spec == {"x": tf.TensorSpec([None, 2], tf.float32)}
    assert [b["x"].shape[0] for b in batched] == [3, 1]


def _record(**features):
    return example({k: v for k, v in features.items()}).SerializeToString()


@pytest.mark.parametrize("serialized,features,message", [
    (_record(a=[1.0]), {"z": tf.io.FixedLenFeature([], tf.float32)},
     r"Feature: z \(data type: float\) is required but could not be found\."),
    (_record(a=[1.0, 2.0]), {"a": tf.io.FixedLenFeature([2], tf.int64)},
     r"Key: a\.  Data types don't match\. Data type: float but expected type: int64"),
    (_record(a=[1.0, 2.0]), {"a": tf.io.RaggedFeature(tf.int64)},
     r"Key: a\.  Data types don't match\. Expected type: int64, Actual type: float"),
    (_record(a=[1.0, 2.0]), {"a": tf.io.FixedLenFeature([3], tf.float32)},
     r"Key: a\.  Can't parse serialized Example: Number of float values != expected\.  "
     r"Values size: 2 but output shape: \[3\]"),
    (b"garbage", {"a": tf.io.FixedLenFeature([], tf.float32)},
     r"Could not parse example input, value: 'garbage'"),
    (b"\xff\xff", {"a": tf.io.FixedLenFeature([], tf.float32)},
     r"Could not parse example input"),  # TF's error formatting raises UnicodeDecodeError
])
def test_parse_single_example_errors(serialized, features, message):
    with pytest.raises(InvalidArgumentError, match=message):
        tf.io.parse_single_example(serialized, features)


def test_parse_example_errors():
    records = [_record(a=[1.0, 2.0]), _record(a=[3, 4])]
    with pytest.raises(InvalidArgumentError, match=r"Name: <unknown>, Key: a, Index: 1\.  Data "
                                                   r"types don't match\. Data type: int64"):
        tf.io.parse_example(records, {"a": tf.io.FixedLenFeature([2], tf.float32)})
    with pytest.raises(InvalidArgumentError, match=r"Name: second, Key: a, Index: 1"):
        tf.io.parse_example(records, {"a": tf.io.FixedLenFeature([2], tf.float32)},
                            example_names=["first", "second"])
    with pytest.raises(InvalidArgumentError, match=r"Index: 0\.  Number of float values != "
                                                   r"expected\.  Values size: 2 but output "
                                                   r"shape: \[3\]"):
        tf.io.parse_example(records[:1], {"a": tf.io.FixedLenFeature([3], tf.float32)})
    with pytest.raises(InvalidArgumentError, match=r"Name: <unknown>, Feature: b \(data type: "
                                                   r"int64\) is required"):
        tf.io.parse_example(records, {"b": tf.io.FixedLenFeature([], tf.int64)})
    with pytest.raises(InvalidArgumentError, match=r"scalar or vector, got shape: \[1,1\]"):
        tf.io.parse_example([records[:1]], {"a": tf.io.FixedLenFeature([2], tf.float32)})
    with pytest.raises(InvalidArgumentError, match="Input serialized must be a scalar"):
        tf.io.parse_single_example(records, {"a": tf.io.FixedLenFeature([2], tf.float32)})
    with pytest.raises(InvalidArgumentError, match="features cannot be empty"):
        tf.io.parse_single_example(records[0], {})
    with pytest.raises(InvalidArgumentError, match="Unsupported int 3 for key 'a'"):
        tf.io.parse_single_example(records[0], {"a": 3})
    with pytest.raises(InvalidArgumentError, match="int32; the dtypes of tf.train.Example"):
        tf.io.parse_single_example(records[0], {"a": tf.io.FixedLenFeature([], tf.int32)})
    with pytest.raises(InvalidArgumentError, match="Missing shape for feature a"):
        tf.io.parse_single_example(records[0], {"a": tf.io.FixedLenFeature(None, tf.float32)})
    with pytest.raises(InvalidArgumentError, match="First dimension of shape for feature a "
                                                   "unknown"):
        tf.io.parse_single_example(records[0], {"a": tf.io.FixedLenFeature([None], tf.float32)})
    with pytest.raises(InvalidArgumentError, match="has 3 values but its shape \\[2\\] needs 2"):
        tf.io.parse_single_example(records[0], {"z": tf.io.FixedLenFeature(
            [2], tf.float32, default_value=[1.0, 2.0, 3.0])})
    with pytest.raises(UnimplementedError, match="partitions"):
        tf.io.parse_single_example(records[0], {"a": tf.io.RaggedFeature(
            tf.float32, partitions=[tf.io.RaggedFeature.RowLengths("b")]
            if hasattr(tf.io.RaggedFeature, "RowLengths") else ["b"])})


def test_missing_and_empty_features_follow_tf():
    empty = example({}).SerializeToString()
    no_kind = tf.train.Example(features=tf.train.Features(
        feature={"e": tf.train.Feature()})).SerializeToString()
    empty_list = tf.train.Example(features=tf.train.Features(
        feature={"e": tf.train.Feature(float_list=tf.train.FloatList())})).SerializeToString()
    with_default = {"e": tf.io.FixedLenFeature([], tf.float32, default_value=1.0)}
    assert float(tf.io.parse_single_example(no_kind, with_default)["e"]) == 1.0
    assert float(tf.io.parse_single_example(b"", with_default)["e"]) == 1.0
    assert float(tf.io.parse_single_example(empty, with_default)["e"]) == 1.0
    with pytest.raises(InvalidArgumentError, match="Values size: 0"):  # present, but empty
        tf.io.parse_single_example(empty_list, with_default)
    assert tf.io.parse_single_example(no_kind, {"e": tf.io.RaggedFeature(tf.float32)})[
        "e"].shape == (0,)
    out = tf.io.parse_example(tf.constant([], tf.string), {"a": tf.io.FixedLenFeature(
        [2], tf.float32)})
    assert out["a"].shape == (0, 2)


def test_var_len_feature():
    records = [_record(v=[1, 2, 3]), _record(w=[1]), _record(v=[4])]
    features = {"v": tf.io.VarLenFeature(tf.int64)}
    out = tf.io.parse_example(records, features)["v"]
    assert isinstance(out, tf.SparseTensor) and out.shape == (3, 3)
    assert out.indices.numpy().tolist() == [[0, 0], [0, 1], [0, 2], [2, 0]]
    assert out.values.numpy().tolist() == [1, 2, 3, 4]
    assert out.dense_shape.numpy().tolist() == [3, 3]
    one = tf.io.parse_single_example(records[0], features)["v"]
    assert one.indices.numpy().tolist() == [[0], [1], [2]]
    assert one.dense_shape.numpy().tolist() == [3]


def test_feature_descriptions():
    assert repr(tf.io.FixedLenFeature([2], tf.float32)) == \
        "FixedLenFeature(shape=[2], dtype=tf.float32, default_value=None)"
    assert repr(tf.io.VarLenFeature(tf.float32)) == "VarLenFeature(dtype=tf.float32)"
    assert repr(tf.io.RaggedFeature(tf.float32)) == (
        "RaggedFeature(dtype=tf.float32, value_key=None, partitions=(), "
        "row_splits_dtype=tf.int32, validate=False)")
    assert tf.io.FixedLenFeature([2], tf.float32)._asdict() == {
        "shape": [2], "dtype": tf.float32, "default_value": None}
    assert isinstance(tf.io.FixedLenFeature([2], tf.float32), tuple)


# -- decode_csv ---------------------------------------------------------------------------------

def test_decode_csv_gives_tfs_values():
    want = TF["decode_csv"]
    cols = tf.io.decode_csv(want["lines"], [[0], [9.0], ["z"]], na_value="NA")
    assert cols[0].numpy().tolist() == want["columns"][0]
    assert cols[1].numpy().tolist() == want["columns"][1]
    assert [v.decode() for v in cols[2].numpy()] == want["columns"][2]
    assert [c.dtype for c in cols] == [tf.int32, tf.float32, tf.string]


def test_decode_csv_parsing_rules():
    def one(text, default, **kw):
        return tf.io.decode_csv([text], [default], **kw)[0].numpy().tolist()[0]
    assert one(" 7 ", 0) == 7 and one("+5", 0) == 5 and one("-2147483648", 0) == -2 ** 31
    assert one("99999999999", np.array([0], np.int64)) == 99999999999
    assert one("0x1p3", 0.0) == 8.0 and one("INF", 0.0) == float("inf")
    assert one("1e40", 0.0) == float("inf") and one(".5", 0.0) == 0.5
    assert one('""', "d") == b"d" and one("NA", "d", na_value="NA") == b"d"
    assert tf.io.decode_csv("1\t2", [[0], [0]], field_delim="\t")[1].numpy() == 2
    assert [c.numpy().tolist() for c in tf.io.decode_csv(["1,2,3,4"], [[0], [0]],
                                                         select_cols=[1, 3])] == [[2], [4]]
    assert tf.io.decode_csv([["1,2"], ["3,4"]], [[0], [0]])[1].shape == (2, 1)
    assert tf.io.decode_csv(['"a,b",2'], [[""], [0]])[0].numpy().tolist() == [b"a,b"]
    assert tf.io.decode_csv(['"x""y",3'], [[""], [0]])[0].numpy().tolist() == [b'x"y']
    assert tf.io.decode_csv(["1,"], [[0], [3]])[1].numpy().tolist() == [3]


@pytest.mark.parametrize("records,defaults,kwargs,message", [
    (["1,2"], [[0], [0.0], [""]], {}, "Expect 3 fields but have 2 in record 0"),
    (["1,2,3,4"], [[0], [0.0], [""]], {}, "Expect 3 fields but have 4 in record 0"),
    (["x,2"], [[0], [0.0]], {}, "Field 0 in record 0 is not a valid int32: x"),
    (["1,y"], [[0], [0.0]], {}, "Field 1 in record 0 is not a valid float: y"),
    (["1,y"], [[0], np.array([0.0])], {}, "Field 1 in record 0 is not a valid double: y"),
    (["2147483648"], [[0]], {}, "not a valid int32: 2147483648"),
    (["1.0"], [[0]], {}, "not a valid int32: 1.0"),
    ([",2"], [[], [0]], {}, "Field 0 is required but missing in record 0!"),
    (['"ab,2'], [[""], [0]], {}, "Quoted field has to end with quote followed by delim or end"),
    (['a"b",2'], [[""], [0]], {}, "Unquoted fields cannot have quotes/CRLFs inside"),
    (['"ab"c,2'], [[""], [0]], {}, "Quote inside a string has to be escaped by another quote"),
    (["1"], [[0, 1]], {}, "There should only be 1 default per field but field 0 has 2"),
    (["1"], [[[1]]], {}, "Each record default should be at most rank 1"),
    (["1"], [[True]], {}, "dtype bool"),
    (["1::2"], [[0], [0]], {"field_delim": "::"}, "field_delim should be only 1 char"),
    (["1,2,3,4"], [[0], [0]], {"select_cols": [3, 1]}, "select_cols is not strictly increasing"),
    (["1,2,3,4"], [[0], [0], [0]], {"select_cols": [1, 3]},
     "Length of select_cols and record_defaults do not match"),
])
def test_decode_csv_errors(records, defaults, kwargs, message):
    with pytest.raises(InvalidArgumentError, match=message.replace("(", r"\(")):
        tf.io.decode_csv(records, defaults, **kwargs)


def test_decode_csv_in_a_text_pipeline(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("1,2.5,a\n3,4,b\n")
    ds = tf.data.TextLineDataset(str(path)).map(lambda line: tf.io.decode_csv(
        line, [[0], [0.0], [""]]))
    assert ds.element_spec == (tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.float32),
                               tf.TensorSpec([], tf.string))
    assert [(int(a), float(b), c.numpy()) for a, b, c in ds] == [(1, 2.5, b"a"), (3, 4.0, b"b")]


# -- CsvDataset ---------------------------------------------------------------------------------

def test_csv_dataset(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b'id,text,score\r\n1,"two\nlines",2.5\n3,plain,\n4,"q""r",1e3\n')
    C = tf.data.experimental.CsvDataset
    ds = C(str(path), [tf.int32, tf.string, [0.0]], header=True)
    assert ds.element_spec == (tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.string),
                               tf.TensorSpec([], tf.float32))
    assert repr(ds).startswith("<CsvDatasetV2 element_spec=(TensorSpec(shape=(), dtype=tf.int32")
    # TF 2.21's values for the same file
    assert [(int(a), b.numpy(), float(c)) for a, b, c in ds] == [
        (1, b"two\nlines", 2.5), (3, b"plain", 0.0), (4, b'q"r', 1000.0)]
    assert [(int(a), float(c)) for a, c in C(str(path), [tf.int32, [0.0]], header=True,
                                             exclude_cols=[1])] == [(1, 2.5), (3, 0.0), (4, 1e3)]
    assert [t[0].numpy() for t in C(str(path), [tf.string], header=True, select_cols=[1])] == [
        b"two\nlines", b"plain", b'q"r']
    gz = tmp_path / "a.csv.gz"
    gz.write_bytes(gzip.compress(b"5,6\n"))
    assert [tuple(int(v) for v in t) for t in C(str(gz), [[0], [0]], compression_type="GZIP")] \
        == [(5, 6)]
    with pytest.raises(InvalidArgumentError, match=r"Field 0 in record 0 of .*a.csv is not a "
                                                   r"valid int32: id"):
        list(C(str(path), [tf.int32, tf.string, [0.0]]))
    with pytest.raises(InvalidArgumentError, match="Expect 2 fields but have 1"):
        list(C(str(tmp_path / "b.csv") if (tmp_path / "b.csv").write_text("1,2\n3\n") else "",
               [[0], [0]]))
    with pytest.raises(InvalidArgumentError, match="select_cols or exclude_cols"):
        C(str(path), [[0]], select_cols=[0], exclude_cols=[1])
    with pytest.raises(NotFoundError, match="nope.csv"):
        list(C(str(tmp_path / "nope.csv"), [[0]]))


def test_compat_v1_names(tmp_path):
    path = write(str(tmp_path / "v1.tfrecord"), [b"a"], tf.compat.v1.io.TFRecordOptions("GZIP"))
    assert list(tf.compat.v1.python_io.tf_record_iterator(
        path, tf.compat.v1.python_io.TFRecordOptions("GZIP"))) == [b"a"]
    assert tf.compat.v1.io.parse_example is tf.io.parse_example
    assert tf.compat.v1.train.Example is tf.train.Example
    assert tf.errors.DataLossError is DataLossError
    from graphflow.checkpoint import DataLossError as CheckpointDamage
    assert issubclass(CheckpointDamage, DataLossError)
    assert struct.calcsize("<Q") == 8


def test_tfrecord_datasets_shard_by_file(tmp_path):
    from graphflow.distribute.input import shard_files
    files = _files(tmp_path, [1, 1, 1, 1])
    sharded = shard_files(tf.data.TFRecordDataset(files).map(lambda r: r), 2, 1)
    assert [t.numpy() for t in sharded] == [b"1-0", b"3-0"]


# the values make_tfrecord_fixtures.py serialized with TF 2.21, in its order (the features of
# the TFRecord tutorial that are not scalars travel as serialized tensors)
TENSORS = [np.array([[1.0, 2.0]], np.float32), np.array(3, np.int32),
           np.array([b"ab", b""], object), np.array(True), np.zeros((0, 3), np.float32),
           np.array([1, 2], np.int64), np.array(1.5, np.float16), np.array([1, 2], np.uint8),
           np.array(b"x", object), np.array([1.0], np.float64)]


@pytest.mark.parametrize("value,hexed", list(zip(TENSORS, TF["serialize_tensor"])))
def test_serialized_tensors_in_examples_round_trip_tfs_bytes(value, hexed):
    assert tf.io.serialize_tensor(tf.constant(value)).numpy().hex() == hexed
    record = example({"t": [bytes.fromhex(hexed)]}).SerializeToString()
    parsed = tf.io.parse_single_example(record, {"t": tf.io.FixedLenFeature([], tf.string)})
    back = tf.io.parse_tensor(parsed["t"], tf.as_dtype(value.dtype))
    assert back.shape == value.shape and back.dtype == tf.as_dtype(value.dtype)
    np.testing.assert_array_equal(back.numpy(), value)


def test_a_feature_with_two_lists_parses_as_in_tf():
    twice = bytes.fromhex("0a11" "0a0f" "0a0161" "120a" "0a030a0178" "0a030a0179")
    # the message merges the repeated field (protobuf's rule, TF's message class too)
    assert list(tf.train.Example.FromString(twice).features.feature["a"].bytes_list.value) == \
        [b"x", b"y"]
    # TF 2.21's parser takes the first list
    out = tf.io.parse_single_example(twice, {"a": tf.io.FixedLenFeature([1], tf.string)})
    assert out["a"].numpy().tolist() == [b"x"]
    assert tf.io.parse_example([twice], {"a": tf.io.RaggedFeature(tf.string)})["a"].to_list() \
        == [[b"x"]]
    def ex(v):
        return example({"a": [v]}).SerializeToString()
    assert int(tf.io.parse_single_example(ex(1) + ex(2), {"a": tf.io.FixedLenFeature(
        [], tf.int64)})["a"]) == 2  # a repeated key: the last wins, in both


def test_fixed_len_sequence_feature_as_tf():
    recs = [_record(a=[1.0, 2.0, 3.0, 4.0]), _record(b=[1]), _record(a=[5.0, 6.0])]
    S = tf.io.FixedLenSequenceFeature
    # TF 2.21's values
    out = tf.io.parse_example(recs, {"a": S([2], tf.float32, allow_missing=True)})["a"]
    assert out.numpy().tolist() == [[[1, 2], [3, 4]], [[0, 0], [0, 0]], [[5, 6], [0, 0]]]
    padded = tf.io.parse_example(recs, {"a": S([2], tf.float32, allow_missing=True,
                                               default_value=-1.0)})["a"]
    assert padded.numpy().tolist()[1:] == [[[-1, -1], [-1, -1]], [[5, 6], [-1, -1]]]
    flat = tf.io.parse_example(recs, {"a": S([], tf.float32, allow_missing=True)})["a"]
    assert flat.numpy().tolist() == [[1, 2, 3, 4], [0, 0, 0, 0], [5, 6, 0, 0]]
    one = tf.io.parse_single_example(recs[0], {"a": S([2], tf.float32, allow_missing=True)})
    assert one["a"].numpy().tolist() == [[1, 2], [3, 4]]
    none = tf.io.parse_single_example(recs[1], {"a": S([2], tf.float32, allow_missing=True)})
    assert none["a"].shape == (0, 2)
    with pytest.raises(InvalidArgumentError, match="requires allow_missing to be True"):
        tf.io.parse_example(recs, {"a": S([2], tf.float32)})
    with pytest.raises(InvalidArgumentError, match=r"Index: 0\.  Number of float values is not a "
                                                   r"multiple of stride length\. Saw 4 values but "
                                                   r"output shape is: \[\?,3\]"):
        tf.io.parse_example(recs, {"a": S([3], tf.float32, allow_missing=True)})
    spec = tf.data.Dataset.from_tensor_slices(recs).batch(2).map(lambda s: tf.io.parse_example(
        s, {"a": S([2], tf.float32, allow_missing=True)})).element_spec
    assert spec == {"a": tf.TensorSpec([None, None, 2], tf.float32)}


# -- make_csv_dataset ---------------------------------------------------------------------------

TITANIC = ("survived,sex,age,n_siblings,fare,big,alone\n0,male,22.0,1,7.25,3000000000,y\n"
           "1,female,,0,71.2833,1,n\n1,\"female, 2nd\",26,3,7.9,2,y\n0,male,35,NA,8.05,4,n\n"
           "1,male,1e3,2,13,5,y\n")


def test_make_csv_dataset_infers_columns_as_tf(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(TITANIC)
    M = tf.data.experimental.make_csv_dataset
    ds = M(str(path), batch_size=2, label_name="survived", shuffle=False, num_epochs=1)
    features, label = ds.element_spec
    # TF 2.21's inferred types (NA is a string without na_value; 3000000000 needs int64)
    assert list(features) == ["sex", "age", "n_siblings", "fare", "big", "alone"]
    assert [s.dtype for s in features.values()] == [tf.string, tf.float32, tf.string, tf.float32,
                                                    tf.int64, tf.string]
    assert label == tf.TensorSpec([None], tf.int32)
    batches = list(ds)
    assert [b[1].numpy().tolist() for b in batches] == [[0, 1], [1, 0], [1]]
    assert batches[0][0]["age"].numpy().tolist() == [22.0, 0.0]
    assert batches[1][0]["sex"].numpy().tolist() == [b"female, 2nd", b"male"]
    forever = M(str(path), batch_size=3, shuffle=False)
    assert forever.element_spec["survived"] == tf.TensorSpec([3], tf.int32)
    assert [b["survived"].numpy().tolist() for b in forever.take(2)] == [[0, 1, 1], [0, 1, 0]]
    picked = M(str(path), batch_size=5, shuffle=False, num_epochs=1, na_value="NA",
               select_columns=["n_siblings", "age"])
    (only,) = list(picked)
    assert list(only) == ["age", "n_siblings"] and only["n_siblings"].numpy().tolist() == [
        1, 0, 3, 0, 2]
    typed = M(str(path), batch_size=5, shuffle=False, num_epochs=1, select_columns=[0, 1],
              column_defaults=[tf.int64, "?"])
    assert typed.element_spec["survived"].dtype == tf.int64
    skipping = M(str(path), batch_size=5, shuffle=False, num_epochs=1,
                 select_columns=["n_siblings"], column_defaults=[tf.int32], ignore_errors=True)
    assert [b["n_siblings"].numpy().tolist() for b in skipping] == [[1, 0, 3, 2]]
    shuffled = M(str(path), batch_size=5, num_epochs=1, shuffle_seed=3)
    assert sorted(next(iter(shuffled))["big"].numpy().tolist()) == [1, 2, 4, 5, 3000000000]


def test_make_csv_dataset_errors(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(TITANIC)
    M = tf.data.experimental.make_csv_dataset
    with pytest.raises(InvalidArgumentError, match="`label_name` provided must be one of"):
        M(str(path), batch_size=2, label_name="nope")
    with pytest.raises(InvalidArgumentError, match="Column nope specified in `select_columns`"):
        M(str(path), batch_size=2, select_columns=["nope"])
    with pytest.raises(InvalidArgumentError, match=r"duplicate columns: \[1\]"):
        M(str(path), batch_size=2, select_columns=[1, 1])
    with pytest.raises(InvalidArgumentError, match="No files match `file_pattern`"):
        M(str(tmp_path / "*.nope"), batch_size=2)
    with pytest.raises(InvalidArgumentError, match="Expected `column_names` or `header`"):
        M(str(path), batch_size=2, header=False)
    with pytest.raises(InvalidArgumentError, match="t.csv is not a valid int32: NA"):
        list(M(str(path), batch_size=5, shuffle=False, num_epochs=1,
               select_columns=["n_siblings"], column_defaults=[tf.int32]))


def test_reader_arguments(tmp_path):
    files = _files(tmp_path, [2])
    assert len(list(tf.data.TFRecordDataset(files, buffer_size=-1))) == 2  # TF accepts it
    with pytest.raises(InvalidArgumentError, match="num_parallel_reads must be positive"):
        tf.data.TFRecordDataset(files, num_parallel_reads=0)  # TF: `cycle_length` must be > 0
