"""keras.preprocessing.sequence: `pad_sequences` (keras.utils.pad_sequences).

    >>> from graphflow.keras.preprocessing import sequence
    >>> sequence.pad_sequences([[1, 2, 3]], maxlen=2).tolist()
    [[2, 3]]
"""
from graphflow.keras.utils import pad_sequences  # noqa: F401
