"""keras.utils.image_dataset_from_directory, text_dataset_from_directory,
audio_dataset_from_directory and timeseries_dataset_from_array: tf.data pipelines built from
files on disk or from an array, with Keras 3's arguments, defaults, messages and errors.

A directory with one subdirectory per class (labels="inferred") gives (inputs, labels) batches;
the class names are the subdirectory names in alphanumeric order (or class_names), and files in
nested subdirectories belong to their top-level class. Files are listed in sorted order; with
shuffle=True the list is shuffled with the seed before a validation split (so the training and
validation subsets of one seed never overlap), and the dataset is shuffled again each epoch.
Orders follow graphflow's random streams, not Keras's.

    >>> import os, tempfile
    >>> root = tempfile.mkdtemp()
    >>> for c in ("neg", "pos"):
    ...     os.makedirs(os.path.join(root, c))
    ...     _ = open(os.path.join(root, c, "a.txt"), "w").write(c + " review")
    >>> ds = text_dataset_from_directory(root, batch_size=2, shuffle=False, verbose=False)
    >>> ds.class_names, [t.numpy().tolist() for t in next(iter(ds))]
    (['neg', 'pos'], [[b'neg review', b'pos review'], [0, 1]])
"""
import os

import numpy as np

from graphflow.errors import InvalidArgumentError, InvalidTypeError, NotFoundError

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
LABEL_MODES = ("int", "categorical", "binary", None)


def _walk(directory, formats, follow_links):
    out = []
    for root, dirs, files in os.walk(directory, followlinks=follow_links):
        dirs.sort()
        out.extend(os.path.join(root, f) for f in sorted(files) if f.lower().endswith(formats))
    return sorted(out)


def index_directory(directory, labels, formats, class_names=None, follow_links=False):
    """(file paths, integer labels or None, class names) for a Keras-style directory."""
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise NotFoundError(f"No such file or directory: {directory!r}")
    if labels == "inferred":
        subdirs = sorted(d for d in os.listdir(directory)
                         if os.path.isdir(os.path.join(directory, d)))
        if class_names is not None:
            missing = [c for c in class_names if c not in subdirs]
            if missing:
                raise InvalidArgumentError(
                    f"The `class_names` passed did not match the names of the subdirectories of "
                    f"the target directory. Expected: {subdirs} (or a subset), but received: "
                    f"class_names={list(class_names)}")
            subdirs = list(class_names)
        paths, indices = [], []
        for i, name in enumerate(subdirs):
            found = _walk(os.path.join(directory, name), formats, follow_links)
            paths += found
            indices += [i] * len(found)
        return paths, np.array(indices, np.int32), list(subdirs)
    paths = _walk(directory, formats, follow_links)
    if labels is None:
        return paths, None, None
    labels = np.asarray(labels)
    if len(labels) != len(paths):
        raise InvalidArgumentError(
            f"Expected the lengths of `labels` to match the number of files in the target "
            f"directory. len(labels) is {len(labels)} while we found {len(paths)} files in "
            f"directory {directory}.")
    if class_names is None:
        class_names = [str(c) for c in sorted(set(labels.tolist()))]
    return paths, labels.astype(np.int32), class_names


def _check_common(labels, label_mode, class_names, validation_split, subset, shuffle, seed):
    if not (labels in ("inferred", None) or isinstance(labels, (list, tuple, np.ndarray))):
        raise InvalidArgumentError(
            "`labels` argument should be a list/tuple of integer labels, of the same size as the "
            f"number of files in the target directory. If you wish to infer the labels from the "
            f"subdirectory names in the target directory, pass `labels=\"inferred\"`. If you wish "
            f"to get a dataset that only contains images (no labels), pass `labels=None`. "
            f"Received: labels={labels}")
    if class_names is not None and labels != "inferred":
        raise InvalidArgumentError(
            "You can only pass `class_names` if `labels=\"inferred\"`. Received: "
            f"labels={labels}, and class_names={class_names}")
    if label_mode not in LABEL_MODES:
        raise InvalidArgumentError(
            '`label_mode` argument must be one of "int", "categorical", "binary", or None. '
            f"Received: label_mode={label_mode}")
    if (validation_split is None) != (subset is None):
        raise InvalidArgumentError(
            "If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in (None, "training", "validation", "both"):
        raise InvalidArgumentError(
            '`subset` must be either "training", "validation" or "both". Received: '
            f"subset={subset}")
    if validation_split is not None:
        if not 0 < validation_split < 1:
            raise InvalidArgumentError(
                f"`validation_split` must be between 0 and 1, received: {validation_split}")
        if shuffle and seed is None:
            raise InvalidArgumentError(
                "If using `validation_split` and shuffling the data, you must provide a `seed` "
                "argument, to make sure that there is no overlap between the training and "
                "validation subset.")


def _index(directory, labels, label_mode, class_names, formats, shuffle, seed, follow_links,
           verbose):
    paths, indices, class_names = index_directory(directory, labels, formats, class_names,
                                                  follow_links)
    if label_mode == "binary" and len(class_names or []) != 2:
        raise InvalidArgumentError(
            'When passing `label_mode="binary"`, there must be exactly 2 class_names. Received: '
            f"class_names={class_names}")
    if verbose:
        if indices is None:
            print(f"Found {len(paths)} files.")
        else:
            print(f"Found {len(paths)} files belonging to {len(class_names)} classes.")
    if shuffle:
        order = np.random.RandomState(seed if seed is not None else
                                      np.random.randint(10 ** 6)).permutation(len(paths))
        paths = [paths[i] for i in order]
        indices = None if indices is None else indices[order]
    return paths, indices, class_names


def _split(paths, indices, validation_split, subset, verbose):
    """[(paths, indices, subset name)] for the requested subsets."""
    if validation_split is None:
        return [(paths, indices, None)]
    n_val = int(validation_split * len(paths))
    parts = {"training": slice(0, len(paths) - n_val), "validation": slice(len(paths) - n_val,
                                                                           None)}
    wanted = ["training", "validation"] if subset == "both" else [subset]
    out = []
    for name in wanted:
        sl = parts[name]
        chosen = paths[sl]
        if verbose:
            print(f"Using {len(chosen)} files for {name}.")
        out.append((chosen, None if indices is None else indices[sl], name))
    return out


def _labels_dataset(indices, label_mode, num_classes):
    from graphflow.data import Dataset
    if label_mode == "int":
        return Dataset.from_tensor_slices(indices.astype(np.int32))
    if label_mode == "binary":
        return Dataset.from_tensor_slices(indices.astype(np.float32).reshape(-1, 1))
    one_hot = np.zeros((len(indices), num_classes), np.float32)
    one_hot[np.arange(len(indices)), indices] = 1
    return Dataset.from_tensor_slices(one_hot)


def _finish(inputs, indices, label_mode, class_names, batch_size, shuffle, seed, paths,
            padded=False):
    from graphflow.data import AUTOTUNE, Dataset
    ds = inputs
    if label_mode is not None and indices is not None:
        ds = Dataset.zip((inputs, _labels_dataset(indices, label_mode, len(class_names))))
    if shuffle:
        ds = ds.shuffle(buffer_size=batch_size * 8 if batch_size is not None else 1024, seed=seed)
    if batch_size is not None:
        ds = ds.padded_batch(batch_size) if padded else ds.batch(batch_size)
    ds = ds.prefetch(AUTOTUNE)
    ds.class_names = class_names
    ds.file_paths = paths
    return ds


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, verbose=True):
    """A dataset of (images, labels) from image files (bmp, gif, jpeg, png) in per-class
    subdirectories: float32 [batch, *image_size, channels] images resized with `interpolation`
    (values 0-255), labels by label_mode. subset="both" returns (train, validation)."""
    from graphflow.data import Dataset
    from graphflow.ops import image, io
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}.get(color_mode)
    if channels is None:
        raise InvalidArgumentError(
            '`color_mode` must be one of {"rgb", "rgba", "grayscale"}. Received: '
            f"color_mode={color_mode}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise InvalidArgumentError(
            "Only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be set to `True`.")
    if data_format not in (None, "channels_last"):
        raise InvalidArgumentError("image_dataset_from_directory: only data_format="
                                   "'channels_last' is supported")
    image_size = (int(image_size[0]), int(image_size[1]))
    _check_common(labels, label_mode, class_names, validation_split, subset, shuffle, seed)
    if labels is None:
        label_mode = None
    if seed is None and shuffle:
        seed = int(np.random.randint(10 ** 6))
    paths, indices, class_names = _index(directory, labels, label_mode, class_names,
                                         IMAGE_FORMATS, shuffle, seed, follow_links, verbose)

    def load(path):
        decoded = image.decode_image(io.read_file(path), channels=channels,
                                     expand_animations=False)
        if crop_to_aspect_ratio:
            decoded = image.fit_aspect_ratio(decoded, image_size, "crop")
        elif pad_to_aspect_ratio:
            decoded = image.fit_aspect_ratio(decoded, image_size, "pad")
        return image.resize(decoded, image_size, method=interpolation)

    out = []
    for part_paths, part_indices, _ in _split(paths, indices, validation_split, subset, verbose):
        names = np.array([p.encode() for p in part_paths], dtype=object).reshape(-1)
        images = Dataset.from_tensor_slices(names).map(load, num_parallel_calls=-1)
        out.append(_finish(images, part_indices, label_mode, class_names, batch_size, shuffle,
                           seed, part_paths))
    return tuple(out) if subset == "both" else out[0]


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                batch_size=32, max_length=None, shuffle=True, seed=None,
                                validation_split=None, subset=None, follow_links=False,
                                verbose=True):
    """A dataset of (texts, labels) from .txt files in per-class subdirectories: string
    batches (each text cut to max_length bytes when given), labels by label_mode."""
    from graphflow.data import Dataset
    from graphflow.ops import io, strings
    _check_common(labels, label_mode, class_names, validation_split, subset, shuffle, seed)
    if labels is None:
        label_mode = None
    if seed is None and shuffle:
        seed = int(np.random.randint(10 ** 6))
    paths, indices, class_names = _index(directory, labels, label_mode, class_names, (".txt",),
                                         shuffle, seed, follow_links, verbose)

    def load(path):
        text = io.read_file(path)
        return text if max_length is None else strings.substr(text, 0, int(max_length))

    out = []
    for part_paths, part_indices, _ in _split(paths, indices, validation_split, subset, verbose):
        texts = Dataset.from_tensor_slices(np.array([p.encode() for p in part_paths],
                                                    dtype=object).reshape(-1)).map(load)
        out.append(_finish(texts, part_indices, label_mode, class_names, batch_size, shuffle,
                           seed, part_paths))
    return tuple(out) if subset == "both" else out[0]


AUDIO_FORMATS = (".wav",)


def _check_wav(path):
    """Checks one file's WAV header and chunk sizes, so a file decode_wav cannot read is named
    when the dataset is made (in TF the pipeline fails later, naming only the op)."""
    from graphflow.ops.audio import wav_header
    with open(path, "rb") as f:
        data = f.read(4096)
        try:
            try:
                wav_header(data)
            except InvalidArgumentError:
                rest = f.read()  # the data chunk, or the chunks before it, go past the prefix
                if not rest:
                    raise
                wav_header(data + rest)
        except InvalidArgumentError as e:
            raise InvalidArgumentError(f"audio_dataset_from_directory: cannot read {path}: "
                                       f"{e}") from None


def audio_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 batch_size=32, sampling_rate=None, output_sequence_length=None,
                                 ragged=False, shuffle=True, seed=None, validation_split=None,
                                 subset=None, follow_links=False, verbose=True):
    """A dataset of (audio, labels) from 16-bit PCM .wav files in per-class subdirectories:
    float32 [batch, samples, channels] audio, zero-padded to the longest file of each batch, cut
    or padded to output_sequence_length when given, or a RaggedTensor batch with ragged=True;
    labels by label_mode. subset="both" returns (train, validation).

        >>> import os, tempfile, graphflow as tf
        >>> root = tempfile.mkdtemp()
        >>> for c, n in (("no", 3), ("yes", 5)):
        ...     os.makedirs(os.path.join(root, c))
        ...     tf.io.write_file(os.path.join(root, c, "a.wav"),
        ...                      tf.audio.encode_wav(tf.zeros([n, 1]), 16000))
        >>> ds = audio_dataset_from_directory(root, batch_size=2, shuffle=False, verbose=False)
        >>> audio, labels = next(iter(ds))
        >>> ds.class_names, audio.shape, labels.numpy().tolist()
        (['no', 'yes'], TensorShape([2, 5, 1]), [0, 1])
    """
    from graphflow.data import Dataset
    from graphflow.ops import io
    from graphflow.ops.audio import decode_wav
    from graphflow.ops.ragged import RaggedTensor
    _check_common(labels, label_mode, class_names, validation_split, subset, shuffle, seed)
    if ragged and output_sequence_length is not None:
        raise InvalidArgumentError("Cannot set both `ragged` and `output_sequence_length`")
    if sampling_rate is not None:
        if isinstance(sampling_rate, bool) or not isinstance(sampling_rate, int):
            raise InvalidArgumentError("`sampling_rate` should have an integer value. Received: "
                                       f"sampling_rate={sampling_rate}")
        if sampling_rate <= 0:
            raise InvalidArgumentError("`sampling_rate` should be higher than 0. Received: "
                                       f"sampling_rate={sampling_rate}")
        # Keras resamples with tensorflow_io's resampler, which graphflow does not have
        raise ImportError("To use the argument `sampling_rate`, you should install "
                          "tensorflow_io. You can install it via `pip install tensorflow-io`. "
                          "(graphflow cannot resample audio: leave sampling_rate=None)")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if seed is None and shuffle:
        seed = int(np.random.randint(10 ** 6))
    paths, indices, class_names = _index(directory, labels, label_mode, class_names,
                                         AUDIO_FORMATS, shuffle, seed, follow_links, verbose)
    for path in paths:
        _check_wav(path)
    samples = -1 if output_sequence_length is None else int(output_sequence_length)

    def load(path):
        audio = decode_wav(io.read_file(path), desired_samples=samples).audio
        return RaggedTensor.from_tensor(audio) if ragged else audio

    out = []
    for part_paths, part_indices, name in _split(paths, indices, validation_split, subset,
                                                 verbose):
        if not part_paths:
            which = f"{name} " if subset == "both" else ""
            raise InvalidArgumentError(f"No {which}audio files found in directory {directory}. "
                                       f"Allowed format(s): {AUDIO_FORMATS}")
        names = np.array([p.encode() for p in part_paths], dtype=object).reshape(-1)
        audio = Dataset.from_tensor_slices(names).map(load, num_parallel_calls=-1)
        # Keras shuffles only the training half of subset="both"
        out.append(_finish(audio, part_indices, label_mode, class_names, batch_size,
                           shuffle and (subset != "both" or name == "training"),
                           seed, part_paths,
                           padded=output_sequence_length is None and not ragged))
    return tuple(out) if subset == "both" else out[0]


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None):
    """Batches of windows over `data` (along its first axis): window i covers
    data[start + i*sequence_stride :: sampling_rate][:sequence_length], paired with
    targets[start + i*sequence_stride] when targets is given.

        >>> ds = timeseries_dataset_from_array(np.arange(6), None, sequence_length=3,
        ...                                    batch_size=4)
        >>> next(iter(ds)).numpy().tolist()
        [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]]
    """
    from graphflow.data import AUTOTUNE, Dataset
    from graphflow.ops.shape import gather
    from graphflow.tensor import Tensor
    data = data.numpy() if isinstance(data, Tensor) else np.asarray(data)
    if targets is not None:
        targets = targets.numpy() if isinstance(targets, Tensor) else np.asarray(targets)
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride),
                        ("sequence_length", sequence_length)):
        if int(value) <= 0:
            raise InvalidArgumentError(f"`{name}` must be higher than 0. Received: {name}={value}")
    if data.ndim == 0:
        raise InvalidArgumentError("timeseries_dataset_from_array: `data` must have a time axis")
    start = 0 if start_index is None else int(start_index)
    end = len(data) if end_index is None else int(end_index)
    if start < 0 or start >= len(data):
        raise InvalidArgumentError(
            f"`start_index` must be 0 or greater and lower than {len(data)}. Received: "
            f"start_index={start_index}")
    if end <= start or end > len(data):
        raise InvalidArgumentError(
            f"`end_index` must be higher than `start_index={start}` and lower or equal to "
            f"{len(data)}. Received: end_index={end_index}")
    if targets is not None and len(targets) != len(data):
        raise InvalidArgumentError(
            f"Expected data and targets to have the same number of time steps (axis 0) but got "
            f"data.shape={data.shape}, targets.shape={targets.shape}")
    span = (int(sequence_length) - 1) * int(sampling_rate)
    count = max(0, end - start - span)
    if targets is not None:
        count = min(count, len(targets))
    starts = np.arange(0, count, int(sequence_stride), dtype=np.int64)
    if shuffle:
        np.random.RandomState(seed if seed is not None else np.random.randint(10 ** 6)) \
            .shuffle(starts)
    windows = (start + starts[:, None] + np.arange(int(sequence_length)) * int(sampling_rate))
    ds = Dataset.from_tensor_slices(windows.reshape(len(starts), int(sequence_length)))
    ds = ds.map(lambda idx: gather(data, idx))
    if targets is not None:
        ds = Dataset.zip((ds, Dataset.from_tensor_slices(
            targets[start + starts] if len(starts) else targets[:0])))
    if batch_size is not None:
        ds = ds.batch(int(batch_size))
    return ds.prefetch(AUTOTUNE)


def _split_sizes(left_size, right_size, total):
    """(left, right) sample counts, with Keras's rules: an int is a count in (0, total), a
    float a fraction in (0, 1), None the complement of the other."""
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is not None and type(size) not in (int, float):
            raise InvalidTypeError(
                f"Invalid `{name}` Type. Expected: int or float or None, Received: "
                f"type({name})={type(size)}.")
    if left_size == 0 and right_size == 0:
        raise InvalidArgumentError("Both `left_size` and `right_size` are zero. At least one of "
                                   "the split sizes must be non-zero.")
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if (type(size) is int and not 0 < size < total) or (
                type(size) is float and not 0 < size < 1):
            raise InvalidArgumentError(
                f"`{name}` should be either a positive integer smaller than {total}, or a float "
                f"within the range `[0, 1]`. Received: {name}={size}")
    if type(left_size) is type(right_size) is float and left_size + right_size > 1:
        raise InvalidArgumentError("The sum of `left_size` and `right_size` is greater than 1. "
                                   "It must be less than or equal to 1.")
    left = round(left_size * total) if type(left_size) is float else left_size
    right = round(right_size * total) if type(right_size) is float else right_size
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise InvalidArgumentError(
            f"The sum of `left_size` and `right_size` should be smaller than the {total}. "
            f"Received: left_size + right_size = {left + right} and total_length = {total}")
    for split, side in ((left, "left"), (right, "right")):
        if split == 0:
            raise InvalidArgumentError(
                f"With `dataset` of length={total}, `left_size`={left} and `right_size`={right}. "
                f"Resulting {side} side dataset split will be empty. Adjust any of the "
                "aforementioned parameters")
    return int(left), int(right)


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None,
                  preferred_backend=None):
    """Two tf.data Datasets of the samples of `dataset` (a Dataset, an array, or a list or
    tuple of arrays of one length): the first `left_size` samples and the last `right_size`
    (counts or fractions; None is the complement of the other), after a shuffle with
    Python's `random.Random(seed)` when `shuffle` (the order Keras gives the same seed). A
    batched Dataset gives batched splits of its batch size.

        >>> import numpy as np
        >>> from graphflow import keras
        >>> left, right = keras.utils.split_dataset(np.arange(10), left_size=0.8)
        >>> [int(v) for v in right]
        [8, 9]
    """
    import random

    from graphflow.data.dataset import Dataset
    from graphflow.data.transforms import BatchDataset
    from graphflow.keras import tree
    if left_size is None and right_size is None:
        raise InvalidArgumentError(
            "At least one of the `left_size` or `right_size` must be specified. Received: "
            "left_size=None and right_size=None")
    batch_size = None
    if isinstance(dataset, Dataset):
        if isinstance(dataset, BatchDataset):
            batch_size = dataset._size
            dataset = dataset.unbatch()
        samples = [tree.map_structure(lambda t: np.asarray(t), s) for s in dataset]
        structured = True
    elif isinstance(dataset, (list, tuple)):
        arrays = [np.asarray(a) for a in dataset]
        if not arrays or len({len(a) for a in arrays}) != 1:
            raise InvalidArgumentError(
                "split_dataset: the arrays of `dataset` must have the same length, got lengths "
                f"{[len(a) for a in arrays]}")
        samples = [tuple(a[i] for a in arrays) for i in range(len(arrays[0]))]
        structured = True
    elif isinstance(dataset, np.ndarray) or hasattr(dataset, "numpy"):
        samples = list(np.asarray(dataset))
        structured = False
    else:
        raise TypeError("The `dataset` argument must be either a `tf.data.Dataset` object, or a "
                        f"list/tuple of arrays. Received: dataset={dataset!r:.60} of type "
                        f"{type(dataset)}")
    if shuffle:
        random.Random(random.randint(0, int(1e6)) if seed is None else seed).shuffle(samples)
    left, right = _split_sizes(left_size, right_size, len(samples))

    def restore(part):
        if not structured:
            return np.array(part)
        columns = [np.array(c) for c in zip(*[tree.flatten(s) for s in part])]
        return tree.lists_to_tuples(tree.pack_sequence_as(part[0], columns))
    out = []
    for part in (samples[:left], samples[-right:]):
        split = Dataset.from_tensor_slices(restore(part))
        out.append(split.batch(batch_size) if batch_size is not None else split)
    return tuple(out)
