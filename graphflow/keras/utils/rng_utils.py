"""keras.utils.set_random_seed: one call seeds Python's `random`, NumPy and graphflow.

    >>> keras.utils.set_random_seed(1)
    >>> a = tf.random.uniform([2]).numpy()
    >>> keras.utils.set_random_seed(1)
    >>> bool((a == tf.random.uniform([2]).numpy()).all())
    True
"""
import random

import numpy as np

from graphflow.errors import InvalidArgumentError


def set_random_seed(seed):
    """Seeds Python, NumPy and graphflow's global seed (tf.random.set_seed), and resets the
    global SeedGenerator of keras.random (as Keras 3 does)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InvalidArgumentError(
            f"set_random_seed: expected `seed` to be an integer, got {type(seed).__name__} {seed!r}")
    from graphflow.ops.random import set_seed
    random.seed(int(seed))
    np.random.seed(int(seed) % (2 ** 32))
    set_seed(int(seed))
    from graphflow.keras import random as keras_random
    keras_random.reset_global_seed_generator()
