"""tf.test: the GPU queries TF scripts and notebooks use to see what they run on.

    >>> import graphflow as tf
    >>> tf.test.gpu_device_name() in ("", "/device:GPU:0")
    True
"""


def is_gpu_available(cuda_only=False, min_cuda_compute_capability=None):
    """Whether a GPU (or the Numba CUDA simulator's) is available (deprecated in TF; still
    common in textbook code)."""
    from graphflow import devices
    return devices.gpu_count() > 0


def gpu_device_name():
    """'/device:GPU:0' when a GPU is available, else ''."""
    return "/device:GPU:0" if is_gpu_available() else ""


def is_built_with_cuda():
    """Whether graphflow can run CUDA kernels here: numba.cuda imports."""
    from graphflow.backends import numba_cuda
    try:
        numba_cuda._cuda()
    except Exception:  # noqa: BLE001 - any import failure means no CUDA support
        return False
    return True


is_built_with_gpu_support = is_built_with_cuda
