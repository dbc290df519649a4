"""ImageNet helpers shared by the Keras applications: `preprocess_input` (Keras's "caffe", "tf"
and "torch" modes), `decode_predictions`, and the argument checks every architecture makes.

    >>> import numpy as np
    >>> preprocess_input(np.array([[[0., 127.5, 255.]]]), mode="tf").tolist()
    [[[-1.0, 0.0, 1.0]]]

graphflow never downloads: `weights="imagenet"` raises, naming the file to pass as
`weights=<path>` instead, and `decode_predictions` reads Keras's `imagenet_class_index.json`
from where Keras caches it (`~/.keras/models/`, or `$KERAS_HOME/models/`) or from
`$GRAPHFLOW_DATA_DIR/`.
"""
import hashlib
import json
import os
import warnings

import numpy as np

from graphflow.errors import NotFoundError

CLASS_INDEX = None
CLASS_INDEX_FILE = "imagenet_class_index.json"
CLASS_INDEX_URL = ("https://storage.googleapis.com/download.tensorflow.org/data/"
                   "imagenet_class_index.json")
CLASS_INDEX_MD5 = "c2c37ea517e94d9795004a39431a14cb"  # the hash Keras pins
KERAS_WEIGHTS = "https://storage.googleapis.com/tensorflow/keras-applications/"

_MEANS = {"caffe": (103.939, 116.779, 123.68), "torch": (0.485, 0.456, 0.406)}
_TORCH_STD = (0.229, 0.224, 0.225)


def _image_data_format():
    from graphflow.keras import backend
    return backend.image_data_format()


def preprocess_input(x, data_format=None, mode="caffe"):
    """Preprocesses a batch of images (values in [0, 255]) as Keras does.

    mode "caffe": RGB to BGR, then each channel zero-centred by the ImageNet mean (no scaling);
    "tf": scaled to [-1, 1]; "torch": scaled to [0, 1], then each channel normalised by the
    ImageNet mean and standard deviation. A float NumPy array is changed in place (as in Keras;
    pass `np.copy(x)` to keep it); an integer array is first converted to float32. Tensors and
    symbolic Keras tensors give a new tensor.

        >>> import numpy as np
        >>> preprocess_input(np.array([[1., 2., 3.]]), mode="caffe").round(3).tolist()
        [[-100.939, -114.779, -122.68]]
        >>> preprocess_input(np.array([[255., 255., 255.]]), mode="torch").round(4).tolist()
        [[2.2489, 2.4286, 2.64]]
    """
    if mode not in {"caffe", "tf", "torch"}:
        raise ValueError("Expected mode to be one of `caffe`, `tf` or `torch`. "
                         f"Received: mode={mode}")
    if data_format is None:
        data_format = _image_data_format()
    elif data_format not in {"channels_first", "channels_last"}:
        raise ValueError("Expected data_format to be one of `channels_first` or "
                         f"`channels_last`. Received: data_format={data_format}")
    if isinstance(x, np.ndarray):
        return _preprocess_numpy(x, data_format, mode)
    return _preprocess_tensor(x, data_format, mode)


def _preprocess_numpy(x, data_format, mode):
    if not issubclass(x.dtype.type, np.floating):
        from graphflow.keras import backend
        x = x.astype(backend.floatx(), copy=False)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    if mode == "torch":
        x /= 255.0
    elif data_format == "channels_first":  # RGB -> BGR
        x = x[::-1, ...] if x.ndim == 3 else x[:, ::-1, ...]
    else:
        x = x[..., ::-1]
    mean = _MEANS[mode]
    std = _TORCH_STD if mode == "torch" else None
    for c in range(3):
        index = (c,) if data_format == "channels_first" and x.ndim == 3 else \
            (slice(None), c) if data_format == "channels_first" else (Ellipsis, c)
        x[index] -= mean[c]
        if std is not None:
            x[index] /= std[c]
    return x


def _preprocess_tensor(x, data_format, mode):
    from graphflow.keras import ops
    if not ops.is_tensor(x) and not _is_keras_tensor(x):
        x = ops.convert_to_tensor(x)
    from graphflow.dtypes import as_dtype
    if not as_dtype(x.dtype).is_floating:
        from graphflow.keras import backend
        x = ops.cast(x, backend.floatx())
    ndim = len(x.shape)
    if mode == "tf":
        x = x / 127.5
        return x - 1.0
    if mode == "torch":
        x = x / 255.0
    elif data_format == "channels_first":
        # Keras stacks channels (2, 1, 0); a reversed slice is the same and also works on the
        # symbolic tensors of a functional model
        x = x[::-1, ...] if ndim == 3 else x[:, ::-1, ...]
    else:
        x = x[..., ::-1]
    if data_format == "channels_first":
        shape = (3, 1, 1) if ndim == 3 else (1, 3) + (1,) * (ndim - 2)
    else:
        shape = (1,) * (ndim - 1) + (3,)
    x = x + ops.reshape(ops.convert_to_tensor(-np.array(_MEANS[mode]), dtype=x.dtype), shape)
    if mode == "torch":
        std_shape = (-1, 1, 1) if data_format == "channels_first" else (3,)
        x = x / ops.reshape(ops.convert_to_tensor(np.array(_TORCH_STD), dtype=x.dtype), std_shape)
    return x


def _is_keras_tensor(x):
    from graphflow.keras.layers.base import KerasTensor
    return isinstance(x, KerasTensor)


def _class_index_candidates():
    found = []
    data_dir = os.environ.get("GRAPHFLOW_DATA_DIR")
    if data_dir:
        found.append(os.path.join(data_dir, CLASS_INDEX_FILE))
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    found.append(os.path.join(keras_home, "models", CLASS_INDEX_FILE))
    return found


def _load_class_index():
    candidates = _class_index_candidates()
    for path in candidates:
        if os.path.isfile(path):
            with open(path, "rb") as f:
                data = f.read()
            if hashlib.md5(data).hexdigest() != CLASS_INDEX_MD5:  # noqa: S324 - Keras's pin
                raise NotFoundError(
                    f"decode_predictions: {path} is not Keras's {CLASS_INDEX_FILE} "
                    f"(its MD5 is not {CLASS_INDEX_MD5}); download it again from "
                    f"{CLASS_INDEX_URL}")
            return json.loads(data)
    raise NotFoundError(
        f"decode_predictions needs Keras's ImageNet class index {CLASS_INDEX_FILE} "
        "and graphflow does not download it. Download it from "
        f"{CLASS_INDEX_URL} and put it at one of: " + ", ".join(candidates))


def decode_predictions(preds, top=5):
    """The `top` (class id, description, score) tuples of each row of a batch of ImageNet
    predictions, shape (samples, 1000), best first.

    Needs Keras's `imagenet_class_index.json` in `~/.keras/models/` (where Keras caches it),
    `$KERAS_HOME/models/` or `$GRAPHFLOW_DATA_DIR/`; graphflow does not download it.

        >>> import numpy as np
        >>> decode_predictions(np.zeros((2, 10)))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: `decode_predictions` expects a batch ... Received array with shape: (2, 10)
    """
    global CLASS_INDEX
    if not hasattr(preds, "shape"):
        preds = np.asarray(preds)
    shape = tuple(preds.shape)
    if len(shape) != 2 or shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions (i.e. a 2D array "
                         f"of shape (samples, 1000)). Received array with shape: {shape}")
    if CLASS_INDEX is None:
        CLASS_INDEX = _load_class_index()
    preds = preds.numpy() if hasattr(preds, "numpy") else np.asarray(preds)
    results = []
    for pred in preds:
        top_indices = pred.argsort()[-top:][::-1]
        result = [tuple(CLASS_INDEX[str(i)]) + (pred[i],) for i in top_indices]
        result.sort(key=lambda r: r[2], reverse=True)
        results.append(result)
    return results


# -- what every architecture checks and builds -----------------------------------------------

def check_weights(weights, include_top, classes, url):
    """Keras's checks of `weights` and `classes`. `weights="imagenet"` needs a download (Keras's
    file at `url`), which graphflow never makes: the error says to pass the file's path.

        >>> check_weights("imagenet", True, 1000, KERAS_WEIGHTS + "resnet/x.h5")
        ... # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: weights='imagenet' needs Keras's pretrained file x.h5, ...='<folder>/x.h5'...
    """
    if weights is not None and weights != "imagenet" and not (
            isinstance(weights, (str, os.PathLike)) and os.path.exists(weights)):
        raise ValueError("The `weights` argument should be either `None` (random "
                         "initialization), 'imagenet' (pre-training on ImageNet), or the path "
                         f"to the weights file to be loaded.  Received: weights={weights}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError("If using `weights='imagenet'` with `include_top=True`, `classes` "
                         f"should be 1000.  Received classes={classes}")
    if weights == "imagenet":
        file_name = url.rsplit("/", 1)[-1]
        raise ValueError(
            f"weights='imagenet' needs Keras's pretrained file {file_name}, and graphflow does "
            f"not download weights. Download it from {url} and pass its path instead: "
            f"weights='<folder>/{file_name}'. A `.weights.h5` file of the same architecture "
            "written by Keras's or graphflow's model.save_weights() loads too.")


def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten,
                       weights=None, stacklevel=3):
    """The model's input shape (without batch) from the `input_shape` argument, as Keras checks
    and defaults it.

        >>> obtain_input_shape(None, 224, 32, "channels_last", require_flatten=False)
        (None, None, 3)
    """
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if data_format == "channels_first" else input_shape[-1]
        if channels not in {1, 3}:
            warnings.warn("This model usually expects 1 or 3 input channels. However, it was "
                          f"passed an input_shape with {channels} input channels.",
                          stacklevel=stacklevel)
        default_shape = (input_shape[0], default_size, default_size) \
            if data_format == "channels_first" else (default_size, default_size, input_shape[-1])
    else:
        default_shape = (3, default_size, default_size) if data_format == "channels_first" \
            else (default_size, default_size, 3)
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers.")
        spatial = input_shape[1:] if data_format == "channels_first" else input_shape[:2]
        if any(d is not None and d < min_size for d in spatial):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; Received: "
                             f"input_shape={input_shape}")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if data_format == "channels_first" else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static "
                         f"`input_shape`. Received: input_shape={input_shape}")
    return tuple(input_shape)


def image_input(input_tensor, input_shape):
    """The model's image input: `input_tensor` when it is a Keras tensor, else a new Input."""
    from graphflow.keras import layers
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if not _is_keras_tensor(input_tensor):
        # Keras 3 also accepts only a Keras tensor here (its Input(tensor=) rejects others)
        raise ValueError("Argument `input_tensor` must be a KerasTensor. Received invalid type: "
                         f"input_tensor={input_tensor} (of type {type(input_tensor)})")
    return input_tensor


def model_input(weights, include_top, classes, url, input_tensor, input_shape, default_size,
                min_size=32):
    """`check_weights`, `obtain_input_shape` and `image_input` in the order every architecture
    runs them: the checked input shape (without batch) and the model's image input.

        >>> shape, img_input = model_input(None, False, 1000, KERAS_WEIGHTS + "x.h5", None,
        ...                                None, default_size=224)
        >>> shape, img_input.shape
        ((None, None, 3), TensorShape([None, None, None, 3]))
    """
    from graphflow.keras import backend
    check_weights(weights, include_top, classes, url)
    # stacklevel 4: the channels warning points at the architecture's caller, as when the
    # architecture called obtain_input_shape itself
    input_shape = obtain_input_shape(
        input_shape, default_size=default_size, min_size=min_size,
        data_format=backend.image_data_format(), require_flatten=include_top, weights=weights,
        stacklevel=4)
    return input_shape, image_input(input_tensor, input_shape)


def classifier_top(x, include_top, pooling, classes, classifier_activation, weights,
                   pool_names=(None, None), dropout_rate=0.0, avg_name="avg_pool",
                   **dense_kwargs):
    """The end most architectures share: with `include_top`, global average pooling
    (`avg_name`), an optional Dropout ("top_dropout") and the Dense classifier
    ("predictions", with `dense_kwargs`); without it, `pool_top` with `pool_names`."""
    from graphflow.keras import layers
    if include_top:
        x = layers.GlobalAveragePooling2D(name=avg_name)(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions",
                         **dense_kwargs)(x)
    return pool_top(x, include_top, pooling, *pool_names)


def validate_activation(classifier_activation, weights):
    """Pretrained weights allow only a softmax or linear classifier (Keras's rule)."""
    if weights is None:
        return
    from graphflow.keras import activations
    fn = activations.get(classifier_activation)
    if fn not in {activations.get("softmax"), activations.get(None)}:
        raise ValueError("Only `None` and `softmax` activations are allowed for the "
                         "`classifier_activation` argument when using pretrained weights, with "
                         f"`include_top=True`; Received: classifier_activation={fn}")


def correct_pad(inputs, kernel_size):
    """The ZeroPadding2D padding before a stride-2 convolution, as Keras computes it."""
    img_dim = 2 if _image_data_format() == "channels_first" else 1
    input_size = tuple(inputs.shape)[img_dim:img_dim + 2]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if input_size[0] is None else (1 - input_size[0] % 2, 1 - input_size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def pool_top(x, include_top, pooling, avg_name=None, max_name=None):
    """The global pooling of a headless model (`pooling` "avg" or "max")."""
    from graphflow.keras import layers
    if not include_top:
        if pooling == "avg":
            return layers.GlobalAveragePooling2D(name=avg_name)(x)
        if pooling == "max":
            return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def finish(img_input, input_tensor, x, name, weights):
    """The functional model from the image input to `x`, with `weights` (a path) loaded."""
    from graphflow.keras.models import Model
    from graphflow.keras.utils import get_source_inputs
    inputs = get_source_inputs(input_tensor) if input_tensor is not None else img_input
    model = Model(inputs, x, name=name)
    if weights is not None:
        model.load_weights(os.fspath(weights))
    return model


PREPROCESS_DOC = """Preprocesses a batch of images with values in [0, 255] for {model}: {what}.

    `data_format` defaults to `keras.backend.image_data_format()`. A float NumPy array is
    changed in place, as in Keras.

        >>> import numpy as np
        >>> preprocess_input(np.full((1, 2, 2, 3), 255.0)).shape
        (1, 2, 2, 3)
    """
CAFFE = "RGB to BGR, then each channel zero-centred by the ImageNet mean, without scaling"
TF = "scaled to [-1, 1] sample-wise"
TORCH = ("scaled to [0, 1], then each channel normalised by the ImageNet mean and standard "
         "deviation")
# preprocess_input of the architectures that rescale their inputs themselves
PLACEHOLDER_PREPROCESS_DOC = """A placeholder kept for API compatibility, as in Keras: {model}
    models preprocess their inputs themselves, so this returns `x` unchanged.

        >>> preprocess_input(3.0)
        3.0
    """
