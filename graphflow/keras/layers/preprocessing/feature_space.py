"""keras.utils.FeatureSpace: one object that preprocesses a dict of structured-data columns
(Keras 3's "Structured data classification with FeatureSpace"), built from the preprocessing
layers: each feature gets a preprocessor (Normalization, Discretization, StringLookup,
IntegerLookup, Hashing, Rescaling or an identity), categorical ones are one-hot encoded
(CategoryEncoding multi_hot of the preprocessor's cardinality), crosses hash two or more
preprocessed features together (HashedCrossing), and the results are concatenated in sorted
feature-name order, then the crosses in sorted name order (output_mode="concat") or returned as a
dict ("dict").

    >>> import numpy as np
    >>> from graphflow import keras
    >>> fs = keras.utils.FeatureSpace(
    ...     features={"size": "float_normalized", "color": "string_categorical"},
    ...     output_mode="concat")
    >>> fs.adapt({"size": np.array([1.0, 2.0, 3.0]), "color": ["red", "red", "blue"]})
    >>> fs({"size": np.array([2.0]), "color": ["blue"]}).numpy().tolist()
    [[0.0, 0.0, 1.0, 0.0]]

Calls take a dict of tensors of shape (batch,), (batch, 1) or () (one sample, whose batch axis
is removed again from the result), eagerly or inside `Dataset.map`. `get_inputs()` and
`get_encoded_features()` give the keras.Input dict and the encoded KerasTensor of a functional
model. Differences from Keras 3.15: a preprocessor that already has its state (a lookup layer
given a vocabulary, Discretization given bin_boundaries) is not adapted (Keras tries to and
raises), and the one-hot width of such a Discretization is len(bin_boundaries) + 1.
"""
from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.keras.layers.base import Input, KerasTensor, Layer, unique_name
from graphflow.ops import api as ops
from graphflow.tensor import Tensor

CROSS_MODES = ("int", "one_hot")
FEATURE_MODES = ("int", "one_hot", "float")


class Cross:
    """A cross of features (their preprocessed values hashed together into crossing_dim bins)."""

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        if output_mode not in CROSS_MODES:
            raise InvalidArgumentError(
                "Invalid value for argument `output_mode`. Expected one of {'int', 'one_hot'}. "
                f"Received: output_mode={output_mode}")
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self):
        return "_X_".join(self.feature_names)

    def get_config(self):
        return {"feature_names": list(self.feature_names), "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Feature:
    """A feature: the dtype of its keras.Input, its preprocessor layer and how its output is
    encoded ("int": as the preprocessor gives it, "one_hot", "float")."""

    def __init__(self, dtype, preprocessor, output_mode):
        if output_mode not in FEATURE_MODES:
            raise InvalidArgumentError(
                "Invalid value for argument `output_mode`. Expected one of {'int', 'one_hot', "
                f"'float'}}. Received: output_mode={output_mode}")
        self.dtype = dtype
        if isinstance(preprocessor, dict):
            from graphflow.keras.saving.config import deserialize_layer
            preprocessor = deserialize_layer(preprocessor)
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self):
        from graphflow.keras.saving.config import serialize_layer
        return {"dtype": self.dtype, "preprocessor": serialize_layer(self.preprocessor),
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class TFDIdentity(Layer):
    """The preprocessor of a plain float feature: its input, unchanged."""

    def call(self, inputs):
        return inputs


def _from_config_dict(config, cls, what):
    if not isinstance(config, dict) or config.get("class_name") != cls.__name__ or \
            not isinstance(config.get("config"), dict):
        raise InvalidArgumentError(f"FeatureSpace: a serialized {what} must be "
                                   f"{{'class_name': '{cls.__name__}', 'config': {{...}}}}, got "
                                   f"{config!r:.100}")
    return cls.from_config(config["config"])


def _serialize(obj):
    return {"class_name": type(obj).__name__, "config": obj.get_config()}


def _dtype_name(x):
    return dtypes.as_dtype(x.dtype).name


class FeatureSpace(Layer):
    """Preprocesses and encodes a dict of features (see the module docstring).

    features: {name: a Feature from the constructors below, or one of the names "float",
    "float_rescaled", "float_normalized", "float_discretized", "integer_categorical",
    "string_categorical", "integer_hashed", "string_hashed"}; crosses: Cross objects or tuples
    of feature names (hashed into crossing_dim bins); hashing_dim and num_discretization_bins
    size the features given by name.
    """

    _standalone_saveable = True  # keras.saving.load_model returns it, as Keras's does

    # -- feature constructors ------------------------------------------------------------------
    @classmethod
    def cross(cls, feature_names, crossing_dim, output_mode="one_hot"):
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype, preprocessor, output_mode):
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name=None):  # noqa: A003 - Keras's name
        name = name or unique_name("float")
        return Feature("float32", TFDIdentity(dtype="float32", name=f"{name}_preprocessor"),
                       "float")

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name=None):
        from graphflow.keras.layers import Rescaling
        name = name or unique_name("float_rescaled")
        return Feature("float32", Rescaling(scale=scale, offset=offset,
                                            name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_normalized(cls, name=None):
        from graphflow.keras.layers import Normalization
        name = name or unique_name("float_normalized")
        return Feature("float32", Normalization(axis=-1, name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_discretized(cls, num_bins, bin_boundaries=None, output_mode="one_hot", name=None):
        from graphflow.keras.layers import Discretization
        name = name or unique_name("float_discretized")
        return Feature("float32", Discretization(num_bins=num_bins, bin_boundaries=bin_boundaries,
                                                 name=f"{name}_preprocessor"), output_mode)

    @classmethod
    def integer_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot",
                            name=None):
        from graphflow.keras.layers import IntegerLookup
        name = name or unique_name("integer_categorical")
        return Feature("int32", IntegerLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                              num_oov_indices=num_oov_indices), output_mode)

    @classmethod
    def string_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot",
                           name=None):
        from graphflow.keras.layers import StringLookup
        name = name or unique_name("string_categorical")
        return Feature("string", StringLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                              num_oov_indices=num_oov_indices), output_mode)

    @classmethod
    def string_hashed(cls, num_bins, output_mode="one_hot", name=None):
        from graphflow.keras.layers import Hashing
        name = name or unique_name("string_hashed")
        return Feature("string", Hashing(name=f"{name}_preprocessor", num_bins=num_bins),
                       output_mode)

    @classmethod
    def integer_hashed(cls, num_bins, output_mode="one_hot", name=None):
        from graphflow.keras.layers import Hashing
        name = name or unique_name("integer_hashed")
        return Feature("int32", Hashing(name=f"{name}_preprocessor", num_bins=num_bins),
                       output_mode)

    # -- construction --------------------------------------------------------------------------
    def __init__(self, features, output_mode="concat", crosses=None, crossing_dim=32,
                 hashing_dim=32, num_discretization_bins=32, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if not features:
            raise InvalidArgumentError("The `features` argument cannot be None or empty.")
        if not isinstance(features, dict):
            raise InvalidArgumentError(f"FeatureSpace: `features` must be a dict of feature "
                                       f"names to features, got {type(features).__name__}")
        self.crossing_dim = crossing_dim
        self.hashing_dim = hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self._features = {name: self._standardize_feature(name, value)
                          for name, value in features.items()}
        self._crosses = []
        for cross in crosses or ():
            if isinstance(cross, dict):
                cross = _from_config_dict(cross, Cross, "cross")
            if not isinstance(cross, Cross):
                if not crossing_dim:
                    raise InvalidArgumentError(
                        "When specifying `crosses`, the argument `crossing_dim` (dimensionality "
                        "of the crossing space) should be specified as well.")
                cross = Cross(cross, crossing_dim=crossing_dim)
            unknown = [k for k in cross.feature_names if k not in self._features]
            if unknown:
                raise InvalidArgumentError(
                    "All features referenced in the `crosses` argument should be present in the "
                    f"`features` dict. Received unknown features: {cross.feature_names}")
            self._crosses.append(cross)
        self._crosses_by_name = {cross.name: cross for cross in self._crosses}
        if output_mode not in ("dict", "concat"):
            raise InvalidArgumentError(
                "Invalid value for argument `output_mode`. Expected one of {'dict', 'concat'}. "
                f"Received: output_mode={output_mode}")
        self.output_mode = output_mode
        self.inputs = {name: Input(shape=(1,), dtype=feature.dtype, name=name)
                       for name, feature in self._features.items()}
        # the dicts below are tracked as sublayers (their weights are the FeatureSpace's)
        self.preprocessors = {name: f.preprocessor for name, f in self._features.items()}
        from graphflow.keras.layers import HashedCrossing
        self.crossers = {c.name: HashedCrossing(c.crossing_dim, name=c.name)
                         for c in self._crosses}
        self._one_hot_encoders = {}
        self._concat = None
        self._encoded_features = None
        self._is_adapted = False
        self._sublayers_built = False

    @property
    def features(self):
        return self._features

    @property
    def crosses(self):
        return self._crosses

    def _standardize_feature(self, name, feature):
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return _from_config_dict(feature, Feature, "feature")
        makers = {
            "float": lambda: self.float(name=name),
            "float_normalized": lambda: self.float_normalized(name=name),
            "float_rescaled": lambda: self.float_rescaled(name=name),
            "float_discretized": lambda: self.float_discretized(
                name=name, num_bins=self.num_discretization_bins),
            "integer_categorical": lambda: self.integer_categorical(name=name),
            "string_categorical": lambda: self.string_categorical(name=name),
            "integer_hashed": lambda: self.integer_hashed(self.hashing_dim, name=name),
            "string_hashed": lambda: self.string_hashed(self.hashing_dim, name=name),
        }
        if not isinstance(feature, str) or feature not in makers:
            raise InvalidArgumentError(f"Invalid feature type: {feature}")
        return makers[feature]()

    # -- adapt ---------------------------------------------------------------------------------
    def _list_adaptable_preprocessors(self):
        from graphflow.keras.layers import Discretization, Normalization
        from graphflow.keras.layers.preprocessing.lookup import IndexLookup
        names = []
        for name in self._features:
            layer = self.preprocessors[name]
            # layers that already have their state are used as they are
            if isinstance(layer, Normalization) and layer.input_mean is not None:
                continue
            if isinstance(layer, IndexLookup) and layer._input_vocabulary:
                continue
            if isinstance(layer, Discretization) and layer.num_bins is None:
                continue
            if hasattr(layer, "adapt"):
                names.append(name)
        return names

    def adapt(self, dataset):
        """Adapts every preprocessor that learns from data (Normalization's mean and variance,
        Discretization's boundaries, the lookups' vocabularies) to its column of `dataset`: a
        Dataset of feature dicts (batched or not) or a dict of arrays or lists."""
        from graphflow.data import Dataset
        if not isinstance(dataset, Dataset):
            if not isinstance(dataset, dict):
                raise InvalidArgumentError(
                    "`adapt()` can only be called on a tf.data.Dataset or a dict of "
                    f"arrays/lists. Received instead: {dataset!r:.200} (of type "
                    f"{type(dataset)})")
            dataset = Dataset.from_tensor_slices(dataset)
        for name in self._list_adaptable_preprocessors():
            column = dataset.map(lambda x, name=name: x[name])
            first = next(iter(column))
            rank = first.shape.rank
            if rank == 0:  # unbatched scalars: batch them
                column = column.batch(32)
            if rank in (0, 1):  # a feature axis, for layers that reduce over axis -1
                column = column.map(lambda x: ops.expand_dims(x, -1))
            self.preprocessors[name].adapt(column)
        self._is_adapted = True
        self.get_encoded_features()  # builds the encoders
        self.built = True
        self._sublayers_built = True

    def _check_if_adapted(self):
        if not self._is_adapted:
            if self._list_adaptable_preprocessors():
                raise InvalidArgumentError("You need to call `.adapt(dataset)` on the "
                                           "FeatureSpace before you can start using it.")
            self._is_adapted = True

    def _check_if_built(self):
        if not self._sublayers_built:
            self._check_if_adapted()
            self.get_encoded_features()
            self._sublayers_built = True
            self.built = True

    # -- the symbolic graph --------------------------------------------------------------------
    def get_inputs(self):
        """{feature name: keras.Input of shape (1,)} of a functional model taking raw features."""
        self._check_if_built()
        return self.inputs

    def get_encoded_features(self):
        """The KerasTensor (or dict of them) the inputs are encoded to."""
        self._check_if_adapted()
        if self._encoded_features is None:
            preprocessed = self._preprocess_features(self.inputs)
            self._encoded_features = self._merge_features(
                preprocessed, self._cross_features(preprocessed))
        return self._encoded_features

    def _preprocess_features(self, features):
        return {name: self.preprocessors[name](features[name]) for name in features}

    def _cross_features(self, features):
        return {c.name: self.crossers[c.name]([features[n] for n in c.feature_names])
                for c in self._crosses}

    def _cardinality(self, name, layer):
        from graphflow.keras.layers import (CategoryEncoding, Discretization, HashedCrossing,
                                            Hashing)
        from graphflow.keras.layers.preprocessing.lookup import IndexLookup
        if isinstance(layer, IndexLookup):
            return layer.vocabulary_size()
        if isinstance(layer, CategoryEncoding):
            return layer.num_tokens
        if isinstance(layer, Discretization):
            return layer.num_bins if layer.num_bins is not None else \
                len(layer.bin_boundaries) + 1
        if isinstance(layer, (HashedCrossing, Hashing)):
            return layer.num_bins
        raise InvalidArgumentError(
            f"Feature '{name}' has `output_mode='one_hot'`. However it isn't a standard feature "
            "and the dimensionality of its output space is not known, thus it cannot be "
            "one-hot encoded. Try using `output_mode='int'`.")

    def _merge_features(self, preprocessed, crossed):
        from graphflow.keras.layers import CategoryEncoding, Concatenate
        names = sorted(preprocessed) + sorted(crossed)
        values = {**preprocessed, **crossed}
        outputs = {}
        for name in names:
            value = values[name]
            if not self._sublayers_built:
                spec = self._features.get(name) or self._crosses_by_name[name]
                if spec.output_mode == "one_hot":
                    dtype = _dtype_name(value)
                    if not dtype.startswith(("int", "uint")):
                        raise InvalidArgumentError(
                            f"Feature '{name}' has `output_mode='one_hot'`. Thus its "
                            "preprocessor should return an integer dtype. Instead it returns a "
                            f"{dtype} dtype.")
                    layer = self.preprocessors.get(name) or self.crossers.get(name)
                    self._one_hot_encoders[name] = CategoryEncoding(
                        num_tokens=self._cardinality(name, layer), output_mode="multi_hot")
            encoder = self._one_hot_encoders.get(name)
            outputs[name] = encoder(value) if encoder is not None else value
        if self.output_mode == "dict":
            return outputs
        if self._concat is None:
            for name in names:
                dtype = _dtype_name(outputs[name])
                if dtype.startswith(("int", "uint")) or dtype == "string":
                    raise InvalidArgumentError(
                        f"Cannot concatenate features because feature '{name}' has not been "
                        f"encoded (it has dtype {dtype}). Consider using `output_mode='dict'`.")
            self._concat = Concatenate(axis=-1)
        parts = [outputs[name] for name in names]
        return self._concat(parts) if len(parts) > 1 else parts[0]

    # -- calling -------------------------------------------------------------------------------
    def __call__(self, data):
        self._check_if_built()
        if not isinstance(data, dict):
            raise InvalidArgumentError(
                f"A FeatureSpace can only be called with a dict. Received: data={data!r:.200} "
                f"(of type {type(data)}")
        missing = [name for name in self._features if name not in data]
        if missing:
            raise InvalidArgumentError(
                f"FeatureSpace: the input dict lacks the features {missing}; it has "
                f"{sorted(data)}")
        if any(isinstance(v, KerasTensor) for v in data.values()):
            raise InvalidArgumentError(
                "FeatureSpace: to use it in a functional model, build the model on "
                "`get_inputs()` and `get_encoded_features()` (a FeatureSpace is not called on "
                "keras.Input tensors)")
        data = {name: self._convert_input(name, data[name]) for name in self._features}
        for name, x in data.items():
            # Keras's layers cast float inputs to their float32 compute dtype; ours keep float64
            if self._features[name].dtype == "float32" and x.dtype.is_floating and \
                    x.dtype.name != "float32":
                data[name] = ops.cast(x, "float32")
        rebatched = False
        for name, x in data.items():
            rank = x.shape.rank
            if rank == 0:
                data[name] = ops.reshape(x, (1, 1))
                rebatched = True
            elif rank == 1:
                data[name] = ops.expand_dims(x, -1)
        preprocessed = self._preprocess_features(data)
        merged = self._merge_features(preprocessed, self._cross_features(preprocessed))
        if rebatched:  # one sample in, one sample out
            if self.output_mode == "concat":
                merged = ops.squeeze(merged, axis=0)
            else:
                merged = {name: ops.squeeze(x, axis=0)
                          if x.shape.rank == 2 and x.shape[0] == 1 else x
                          for name, x in merged.items()}
        return merged

    def _convert_input(self, name, x):
        if isinstance(x, Tensor) or getattr(x, "_composite_components", None) is not None:
            return x
        try:
            return ops.convert_to_tensor(x)
        except (TypeError, ValueError) as e:
            raise InvalidArgumentError(f"FeatureSpace: feature {name!r} cannot be made a tensor: "
                                       f"{e}") from None

    # -- configuration and saving --------------------------------------------------------------
    def get_config(self):
        return {"features": {name: _serialize(f) for name, f in self._features.items()},
                "output_mode": self.output_mode,
                "crosses": [_serialize(c) for c in self._crosses],
                "crossing_dim": self.crossing_dim, "hashing_dim": self.hashing_dim,
                "num_discretization_bins": self.num_discretization_bins, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_build_config(self):
        """What load_model needs to rebuild the layer: whether it was adapted (the adapted
        state itself is in the preprocessors' configs and weights)."""
        return {"adapted": bool(self._is_adapted)}

    def build_from_config(self, config):
        if config.get("adapted"):
            self._is_adapted = True
            self._check_if_built()

    def save(self, filepath, overwrite=True):
        """Writes the FeatureSpace (its features, adapted state and weights) to a .keras file
        that keras.saving.load_model reads back."""
        from graphflow.keras.saving import save_model
        self._check_if_built()
        save_model(self, filepath, overwrite)
