"""Devices: where tensors live and where ops run.

graphflow knows two device types, TF-named: the CPU (NumPy arrays, Numba njit kernels) and NVIDIA
GPUs (numba.cuda device arrays and kernels). With the Numba CUDA simulator on
(NUMBA_ENABLE_CUDASIM=1 before numba is imported) the simulated device is listed and addressed as
/GPU:0 like a real one; it runs the same kernels, slowly, for testing.

Placement, most specific first:
  1. `with graphflow.device("/GPU:0"):` (or "/CPU:0") places eager ops, new tensors, variables
     and `graphflow.function` calls made inside it;
  2. otherwise an op runs where its tensor inputs live (a GPU tensor keeps its consumers on the GPU);
  3. otherwise on the default device: the GPU when one is present, overridable with
     GRAPHFLOW_DEVICE=/CPU:0 (or /GPU:0).

Asking for a GPU that does not exist raises, unless soft placement is on
(graphflow.config.set_soft_device_placement(True)), which falls back to the CPU.

    >>> import graphflow as tf
    >>> [d.device_type for d in tf.config.list_physical_devices("CPU")]
    ['CPU']
    >>> with tf.device("/CPU:0"):
    ...     t = tf.constant([1.0, 2.0])
    >>> t.device
    '/job:localhost/replica:0/task:0/device:CPU:0'
"""
import contextlib
import os
import re
import sys

import graphflow.context as _hooks

from graphflow.context import context
from graphflow.errors import InvalidArgumentError
from graphflow.tensor import DeviceTensor

_PREFIX = "/job:localhost/replica:0/task:0/device:"


class Device:
    """A device: type "CPU" or "GPU" and an index. `name` is TF's full device name."""

    __slots__ = ("device_type", "index")

    def __init__(self, device_type, index=0):
        self.device_type, self.index = device_type, index

    @property
    def name(self):
        return f"{_PREFIX}{self.device_type}:{self.index}"

    @property
    def short_name(self):
        return f"/{self.device_type}:{self.index}"

    @property
    def is_gpu(self):
        return self.device_type == "GPU"

    def __eq__(self, other):
        return isinstance(other, Device) and (other.device_type, other.index) == (
            self.device_type, self.index)

    def __hash__(self):
        return hash((self.device_type, self.index))

    def __repr__(self):
        return f"Device({self.short_name})"


CPU = Device("CPU", 0)


class PhysicalDevice:
    """What tf.config.list_physical_devices returns."""

    __slots__ = ("name", "device_type")

    def __init__(self, name, device_type):
        self.name, self.device_type = name, device_type

    def __eq__(self, other):
        return isinstance(other, PhysicalDevice) and other.name == self.name

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"PhysicalDevice(name={self.name!r}, device_type={self.device_type!r})"


class LogicalDevice(PhysicalDevice):
    """What tf.config.list_logical_devices returns (one per physical device here)."""

    __slots__ = ()

    def __repr__(self):
        return f"LogicalDevice(name={self.name!r}, device_type={self.device_type!r})"


def list_logical_devices(device_type=None):
    """Logical devices as TF names them ('/device:GPU:0'); graphflow makes one per physical one.

        >>> list_logical_devices("CPU")
        [LogicalDevice(name='/device:CPU:0', device_type='CPU')]
    """
    return [LogicalDevice(d.name.replace("/physical_device:", "/device:"), d.device_type)
            for d in list_physical_devices(device_type)]


_SPEC = re.compile(r"^(?:/?job:[^/]*)?(?:/replica:\d+)?(?:/task:\d+)?/?(?:(?:physical_)?device:)?"
                   r"(?P<type>cpu|gpu)(?::(?P<index>\d+|\*))?$", re.IGNORECASE)


def parse(spec):
    """A Device from "/GPU:0", "gpu", "GPU:1", "/device:CPU:0", a full TF device name, or a
    listed physical or logical device.

        >>> parse("/gpu:1")
        Device(/GPU:1)
    """
    if isinstance(spec, Device):
        return spec
    if isinstance(spec, PhysicalDevice):
        spec = spec.name
    m = _SPEC.match(spec.strip()) if isinstance(spec, str) else None
    if m is None:
        raise InvalidArgumentError(
            f"Invalid device specification {spec!r}: expected a name like '/CPU:0' or '/GPU:0'")
    index = m.group("index")
    return Device(m.group("type").upper(), 0 if index in (None, "*") else int(index))


# -- what this machine has ----------------------------------------------------------------------

def _gpu_may_exist():
    """A cheap check (no numba import): the simulator is requested, or an NVIDIA driver is
    installed. Only then is numba.cuda asked how many devices there are."""
    if os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0"):
        return True
    return os.path.exists("/proc/driver/nvidia/version") or os.path.exists("/dev/nvidia0")


def gpu_count():
    """How many CUDA devices numba sees (the simulator counts as one); asked once."""
    if context.gpu_count is None:
        context.gpu_count = 0
        if _gpu_may_exist():
            from graphflow.backends import numba_cuda
            context.gpu_count = numba_cuda.device_count() if numba_cuda.available() else 0
    return context.gpu_count


def list_physical_devices(device_type=None):
    """The devices of `device_type` ("CPU", "GPU" or None for all), as TF lists them."""
    kinds = ["CPU", "GPU"] if device_type is None else [str(device_type).upper()]
    out = []
    for kind in kinds:
        if kind == "CPU":
            out.append(PhysicalDevice("/physical_device:CPU:0", "CPU"))
        elif kind == "GPU":
            out += [PhysicalDevice(f"/physical_device:GPU:{i}", "GPU") for i in range(gpu_count())]
        else:
            raise InvalidArgumentError(f"list_physical_devices: unknown device type {device_type!r}"
                                       "; use 'CPU' or 'GPU'")
    return out


def resolve(spec, what="device"):
    """The Device `spec` names, checked against the machine. A missing GPU raises unless soft
    placement is on, which falls back to the CPU."""
    dev = parse(spec)
    if dev.device_type == "CPU":
        if dev.index != 0:
            raise InvalidArgumentError(f"Could not satisfy {what} specification {dev.short_name!r}: "
                                       "graphflow has one CPU device, /CPU:0")
        return dev
    count = gpu_count()
    if 0 < dev.index < count:
        from graphflow.errors import UnimplementedError
        raise UnimplementedError(
            f"{dev.short_name} exists, but graphflow places work on one GPU, /GPU:0 (select "
            "another with CUDA_VISIBLE_DEVICES)")
    if dev.index < count:
        return dev
    if context.soft_placement:
        return CPU
    have = "no GPU is available" if count == 0 else f"only {count} GPU(s) are available"
    hint = ("" if count else "; numba.cuda found no CUDA driver (set NUMBA_ENABLE_CUDASIM=1 before "
            "importing graphflow to use the Numba CUDA simulator)")
    raise InvalidArgumentError(
        f"Could not satisfy {what} specification {dev.short_name!r}: {have}{hint}. Call "
        "graphflow.config.set_soft_device_placement(True) to fall back to the CPU.")


def default_device():
    """GRAPHFLOW_DEVICE if set, else the first GPU when one is present, else the CPU."""
    if context.default_device is None:
        spec = os.environ.get("GRAPHFLOW_DEVICE")
        if spec:
            dev = resolve(spec, "GRAPHFLOW_DEVICE")
        else:
            dev = Device("GPU", 0) if gpu_count() else CPU
        _set_default(dev)
    return context.default_device


def _set_default(dev):
    context.default_device = dev
    _update_placement()


def _update_placement():
    """context.gpu_placement: the GPU new eager work goes to, or None (the CPU fast path)."""
    if context.device_stack:
        top = context.device_stack[-1]
    else:
        top = context.default_device or CPU
    if top.is_gpu:
        _cuda()  # eager ops placed on the GPU need the CUDA target's hook, even with no inputs
    context.gpu_placement = top if top.is_gpu else None


def scope_device():
    """The device of the innermost `graphflow.device` scope, or None."""
    return context.device_stack[-1] if context.device_stack else None


@contextlib.contextmanager
def device(device_name):
    """Places eager ops, new tensors and variables, and function calls on a device.

        >>> import graphflow as tf
        >>> with tf.device("/CPU:0"):
        ...     print((tf.constant(1.0) + 1.0).device.endswith("CPU:0"))
        True
    """
    if device_name is None or device_name == "":
        dev = None  # TF: device(None) clears the scope
    else:
        dev = resolve(device_name)
    default_device()
    context.device_stack.append(dev if dev is not None else context.default_device)
    _update_placement()
    try:
        yield dev
    finally:
        context.device_stack.pop()
        _update_placement()


def gpu_for(values):
    """The GPU an op, function call or new tensor with these inputs (tensors or arrays) runs on,
    or None for the CPU: the scope's device, else the GPU holding any of the inputs, else the
    default device."""
    if context.device_stack:
        top = context.device_stack[-1]
        return top if top.is_gpu else None
    if context.gpu_placement is not None:  # the default device is a GPU
        return context.gpu_placement
    for v in values:
        if type(v) is DeviceTensor:
            return v._dev
        if is_device_array(v):
            return Device("GPU", 0)
    return None


# -- moving data -------------------------------------------------------------------------------

def is_device_array(a):
    """True for a numba.cuda device array (real or simulated)."""
    return hasattr(a, "copy_to_host")


# The CUDA target does the copies (backends/numba_cuda.py); importing it on first use keeps
# `import graphflow` free of numba and installs the eager GPU path (ops.registry's hook).

def _cuda():
    from graphflow.backends import numba_cuda
    from graphflow.compiler import lower_cuda  # noqa: F401 - installs registry.gpu_eager
    return numba_cuda


def to_device(array):
    """A device copy of a NumPy array (counted in graphflow.devices.transfers)."""
    return _cuda().to_device(array)


def to_host(device_array):
    """A NumPy copy of a device array (counted in graphflow.devices.transfers)."""
    return _cuda().to_host(device_array)


def transfers():
    """{"to_device": n, "to_host": n}: host<->device copies so far; tests use it to check that
    tensors stay resident on the device."""
    return dict(context.transfers)


def as_host(a):
    return _cuda().to_host(a) if is_device_array(a) else a


def as_device(a):
    return a if is_device_array(a) else _cuda().to_device(a)


def empty(shape, dtype):
    """An uninitialized device array."""
    return _cuda().empty(shape, dtype)


def device_copy(device_array):
    """A new device array with the same contents (no trip through the host)."""
    return _cuda().device_copy(device_array)


def initialize():
    """Resolves the default device at import when it can be done cheaply: numba.cuda is imported
    only if GRAPHFLOW_DEVICE asks for a GPU or a GPU (or the simulator) may be present."""
    if os.environ.get("GRAPHFLOW_DEVICE") or _gpu_may_exist():
        default_device()
    else:
        _set_default(CPU)


_hooks.devices = sys.modules[__name__]  # tensor and ops reach this module through the hook
