"""tf.train: checkpoints (graphflow/checkpoint.py).

    >>> tf.train.latest_checkpoint("/nonexistent-dir") is None
    True
"""
from graphflow.checkpoint import (  # noqa: F401
    Checkpoint, CheckpointLoadStatus, CheckpointManager, latest_checkpoint, list_variables,
    load_variable)


def load_checkpoint(ckpt_dir_or_file):
    """A reader with get_tensor(key) and get_variable_to_shape_map() (TF's CheckpointReader)."""
    from graphflow.checkpoint import _resolve, read_checkpoint, _VALUE_KEY
    values = read_checkpoint(_resolve(ckpt_dir_or_file))

    class CheckpointReader:
        def get_variable_to_shape_map(self):
            return {f"{p}/{_VALUE_KEY}": list(a.shape) for p, (a, _) in values.items()}

        def get_variable_to_dtype_map(self):
            from graphflow import dtypes
            return {f"{p}/{_VALUE_KEY}": dtypes.as_dtype(d) for p, (_, d) in values.items()}

        def has_tensor(self, key):
            return key.replace("/" + _VALUE_KEY, "") in values

        def get_tensor(self, key):
            from graphflow.checkpoint import load_variable
            return load_variable(ckpt_dir_or_file, key)
    return CheckpointReader()


from graphflow.io.example_proto import (  # noqa: E402,F401 - tf.train's protocol messages
    BytesList, Example, Feature, FeatureList, FeatureLists, Features, FloatList, Int64List,
    SequenceExample)
