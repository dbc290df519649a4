"""Weight initializers, by class or by Keras's string names.

    >>> from graphflow.keras import initializers
    >>> initializers.get("zeros")((2,)).numpy()
    array([0., 0.], dtype=float32)
"""
import math

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.keras import object_registration as registry


class Initializer:
    """Callable: initializer(shape, dtype) -> tensor."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(shape, dtype)")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _dtype(dtype):
    if dtype is None:
        from graphflow.keras.backend import floatx
        dtype = floatx()  # Keras's initializers default to floatx()
    return dtypes.as_dtype(dtype)


def _fans(shape):
    shape = tuple(shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))  # conv kernels: (kh, kw, in, out)
    return shape[-2] * receptive, shape[-1] * receptive


class Zeros(Initializer):
    def __call__(self, shape, dtype=None):
        from graphflow.ops.creation import zeros
        return zeros(shape, _dtype(dtype))


class Ones(Initializer):
    def __call__(self, shape, dtype=None):
        from graphflow.ops.creation import ones
        return ones(shape, _dtype(dtype))


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        from graphflow.ops.creation import fill
        return fill(shape, self.value, _dtype(dtype))

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        from graphflow.ops import random
        return random.normal(shape, self.mean, self.stddev, _dtype(dtype), self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=None):
        from graphflow.ops import random
        return random.uniform(shape, self.minval, self.maxval, _dtype(dtype), self.seed)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(RandomNormal):
    def __call__(self, shape, dtype=None):
        from graphflow.ops import random
        return random.truncated_normal(shape, self.mean, self.stddev, _dtype(dtype), self.seed)


class VarianceScaling(Initializer):
    """Keras's VarianceScaling: scale / fan, sampled uniform, truncated normal or normal."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise InvalidArgumentError(f"VarianceScaling: invalid mode {mode!r}")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform", "normal"):
            raise InvalidArgumentError(f"VarianceScaling: invalid distribution {distribution!r}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape, dtype=None):
        from graphflow.ops import random
        fan_in, fan_out = _fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        scale = self.scale / max(1.0, fan)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * scale)
            return random.uniform(shape, -limit, limit, _dtype(dtype), self.seed)
        if self.distribution == "truncated_normal":
            # the stddev of a unit normal truncated to [-2, 2]
            stddev = math.sqrt(scale) / 0.87962566103423978
            return random.truncated_normal(shape, 0.0, stddev, _dtype(dtype), self.seed)
        return random.normal(shape, 0.0, math.sqrt(scale), _dtype(dtype), self.seed)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


class GlorotUniform(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(1.0, "fan_avg", "uniform", seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotNormal(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed)

    def get_config(self):
        return {"seed": self.seed}


class HeNormal(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(2.0, "fan_in", "truncated_normal", seed)

    def get_config(self):
        return {"seed": self.seed}


class HeUniform(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(2.0, "fan_in", "uniform", seed)

    def get_config(self):
        return {"seed": self.seed}


class LecunNormal(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(1.0, "fan_in", "truncated_normal", seed)

    def get_config(self):
        return {"seed": self.seed}


class LecunUniform(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(1.0, "fan_in", "uniform", seed)

    def get_config(self):
        return {"seed": self.seed}


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix times `gain`, from the QR decomposition of a normal sample
    (Saxe et al. 2014; Keras's algorithm); shapes of rank > 2 are flattened to
    (prod(shape[:-1]), shape[-1]). Keras's default recurrent_initializer.

        >>> w = Orthogonal(seed=1)((3, 3)).numpy()
        >>> np.allclose(w @ w.T, np.eye(3), atol=1e-5)
        True
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain, self.seed = gain, seed

    def __call__(self, shape, dtype=None):
        from graphflow.ops import random
        from graphflow.ops.creation import convert_to_tensor
        shape = tuple(int(d) for d in shape)
        if len(shape) < 2:
            raise InvalidArgumentError(
                f"Orthogonal initializer: the shape must have rank >= 2, got {shape}")
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        sample = random.normal((max(rows, cols), min(rows, cols)), 0.0, 1.0, dtypes.float32,
                               self.seed).numpy().astype(np.float64)
        q, r = np.linalg.qr(sample)
        q = q * np.sign(np.diag(r))  # a uniform (Haar) distribution over orthogonal matrices
        if rows < cols:
            q = q.T
        return convert_to_tensor((self.gain * q).reshape(shape).astype(_dtype(dtype).np))

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


ALIASES = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "he_normal": HeNormal, "he_uniform": HeUniform,
    "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform,
    "orthogonal": Orthogonal,
}
for _cls in list(ALIASES.values()):
    ALIASES[_cls.__name__] = _cls


def get(identifier):
    """An Initializer from a name, a {"class_name", "config"} dict, a callable or an instance.
    Names and dicts resolve to graphflow's initializers or registered custom objects only."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        cls = registry.lookup_name(identifier, ALIASES)
        if cls is None:
            raise InvalidArgumentError(
                f"Unknown initializer {identifier!r}; known: {sorted(k for k in ALIASES if k.islower())}")
        return cls() if isinstance(cls, type) else cls
    if isinstance(identifier, dict):
        return registry.deserialize("initializer", identifier, ALIASES)
    if callable(identifier):
        return identifier
    raise InvalidArgumentError(f"Could not interpret initializer: {identifier!r}")


def serialize(init):
    if isinstance(init, Initializer):
        config = {"class_name": type(init).__name__, "config": init.get_config()}
        registered = registry.get_registered_name(type(init))
        if registered != type(init).__name__:
            config["registered_name"] = registered
        return config
    return registry.get_registered_name(init) if hasattr(init, "__name__") else str(init)
