"""graphflow.strings: TF's tf.strings namespace (ops on tf.string tensors).

    >>> import graphflow as tf
    >>> tf.strings.join(["graph", "flow"]).numpy()
    b'graphflow'
"""
from graphflow.ops.strings import (  # noqa: F401
    as_string, bytes_split, join, length, lower, reduce_join, regex_full_match, regex_replace,
    split, strip, substr, to_hash_bucket, to_hash_bucket_fast, to_hash_bucket_strong, to_number,
    unicode_split, upper)
