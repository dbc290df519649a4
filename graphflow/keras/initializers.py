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


class Identity(Initializer):
    """`gain` times the identity matrix (2-D shapes only; a non-square one is eye(rows, cols)).

        >>> Identity(gain=2.0)((2, 3)).numpy()
        array([[2., 0., 0.],
               [0., 2., 0.]], dtype=float32)
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        from graphflow.ops.creation import convert_to_tensor
        return convert_to_tensor((self.gain * np.eye(*shape)).astype(_dtype(dtype).np))

    def get_config(self):
        return {"gain": self.gain}


def _window(name, length, periodic):
    """scipy.signal.get_window(name, length, fftbins=periodic) for the windows Keras's STFT
    layers use (periodic windows divide by length, symmetric ones by length - 1)."""
    n = np.arange(length, dtype=np.float64)
    denominator = length if periodic else max(length - 1, 1)
    if name in ("hann", "hanning"):
        return 0.5 - 0.5 * np.cos(2 * np.pi * n / denominator)
    if name == "hamming":
        return 0.54 - 0.46 * np.cos(2 * np.pi * n / denominator)
    if name in ("boxcar", "box", "ones", "rect", "rectangular"):
        return np.ones(length)
    raise ValueError(f"STFT initializer: unknown window {name!r}; graphflow knows 'hann', "
                     "'hamming' and 'boxcar' (or pass the window's values)")


class STFT(Initializer):
    """Kernels of a convolution computing a short-time Fourier transform's real or imaginary
    part (Keras's STFTSpectrogram): shape (frame_length, 1, fft_length // 2 + 1), cos or sin of
    -2 pi t f / fft_length, times the window, divided by its L2 ("density") or L1 ("spectrum")
    norm.

        >>> k = STFT("real", window=None, scaling=None)((4, 1, 3)).numpy()
        >>> np.round(k[:, 0, 1], 6).tolist() == [1.0, 0.0, -1.0, 0.0]  # cos(-pi t / 2)
        True
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(f"side should be 'real' or 'imag', not {side}")
        if isinstance(window, str):
            _window(window, 1, periodic)  # an unknown name raises now, as Keras's does
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError("Scaling is invalid, it must be `None`, 'density' or 'spectrum'. "
                             f"Received scaling={scaling}")
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def __call__(self, shape, dtype=None):
        from graphflow.ops.creation import convert_to_tensor
        frame_length, _, bins = tuple(int(d) for d in shape)
        np_dtype = _dtype(dtype).np
        t = np.arange(frame_length, dtype=np_dtype).reshape(frame_length, 1, 1)
        f = np.arange(bins, dtype=np_dtype).reshape(1, 1, bins) / np_dtype.type((bins - 1) * 2)
        args = (-2 * t) * f * np_dtype.type(np.pi)
        kernel = (np.cos(args) if self.side == "real" else np.sin(args)).astype(np_dtype)
        if self.window is not None:
            win = self.window
            if isinstance(win, str):
                win = _window(win, frame_length, self.periodic)
            win = np.asarray(win, np_dtype)
            if win.ndim != 1 or win.shape[-1] != frame_length:
                raise ValueError("The shape of `window` must be equal to [frame_length]."
                                 f"Received: window shape={win.shape}")
            win = win.reshape(frame_length, 1, 1)
            scale = 1
            if self.scaling == "density":
                scale = np.sqrt(np.sum(np.square(win)))
            elif self.scaling == "spectrum":
                scale = np.sum(np.abs(win))
            kernel = (kernel * win / scale).astype(np_dtype)
        return convert_to_tensor(kernel)

    def get_config(self):
        return {"side": self.side, "window": self.window, "periodic": self.periodic,
                "scaling": self.scaling}


# Keras's other names of the classes (all of them are exported as these too)
IdentityInitializer, OrthogonalInitializer, STFTInitializer = Identity, Orthogonal, STFT

ALIASES = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "he_normal": HeNormal, "he_uniform": HeUniform,
    "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform,
    "orthogonal": Orthogonal, "identity": Identity, "stft": STFT,
}
for _cls in list(ALIASES.values()):
    ALIASES[_cls.__name__] = _cls
ALIASES.update(IdentityInitializer=Identity, OrthogonalInitializer=Orthogonal,
               STFTInitializer=STFT)
# keras.initializers.zeros, .glorot_uniform, ...: the classes under their snake_case names
globals().update({name: cls for name, cls in ALIASES.items() if name.islower()})


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


def deserialize(config, custom_objects=None):
    """The initializer a serialize() config (or a name) describes.

        >>> deserialize({"class_name": "Constant", "config": {"value": 2.0}}).value
        2.0
    """
    if custom_objects:
        with registry.CustomObjectScope(custom_objects):
            return get(config)
    return get(config)


def serialize(init):
    if isinstance(init, Initializer):
        config = {"class_name": type(init).__name__, "config": init.get_config()}
        registered = registry.get_registered_name(type(init))
        if registered != type(init).__name__:
            config["registered_name"] = registered
        return config
    return registry.get_registered_name(init) if hasattr(init, "__name__") else str(init)
