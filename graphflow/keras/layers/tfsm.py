"""keras.layers.TFSMLayer: a SavedModel (graphflow's format) as a layer, as Keras 3 loads one.

    >>> import tempfile
    >>> inputs = keras.Input((3,), name="x")
    >>> model = keras.Model(inputs, keras.layers.Dense(2, kernel_initializer="ones")(inputs))
    >>> path = tempfile.mkdtemp()
    >>> model.export(path, verbose=False)
    >>> layer = keras.layers.TFSMLayer(path, call_endpoint="serving_default")
    >>> layer(np.ones((1, 3), np.float32))["output_0"].numpy()
    array([[3., 3.]], dtype=float32)
"""
import os

from graphflow.keras.layers.base import Layer


class TFSMLayer(Layer):
    """Reloads a SavedModel and calls one endpoint (an attribute of the loaded object, or one
    of its signatures); the variables the endpoint uses are the layer's weights."""

    def __init__(self, filepath, call_endpoint="serve", call_training_endpoint=None,
                 trainable=True, name=None, dtype=None):
        super().__init__(trainable=trainable, name=name, dtype=dtype)
        from graphflow.saved_model.loading import load, variables_used
        self._reloaded_obj = load(filepath)
        self.filepath = os.fspath(filepath)
        self.call_endpoint = call_endpoint
        self.call_training_endpoint = call_training_endpoint
        self.call_endpoint_fn = self._endpoint(call_endpoint)
        fns = [self.call_endpoint_fn]
        self.call_training_endpoint_fn = None
        if call_training_endpoint:
            self.call_training_endpoint_fn = self._endpoint(call_training_endpoint)
            fns.append(self.call_training_endpoint_fn)
        for v in variables_used(fns):
            (self._trainable_weights if v.trainable else self._non_trainable_weights).append(v)
        self.built = True

    def _endpoint(self, endpoint):
        obj = self._reloaded_obj
        if hasattr(obj, endpoint):
            return getattr(obj, endpoint)
        signatures = getattr(obj, "signatures", {})
        if endpoint in signatures:
            return signatures[endpoint]
        raise ValueError(
            f"The endpoint '{endpoint}' is neither an attribute of the reloaded SavedModel, nor "
            "an entry in the `signatures` field of the reloaded SavedModel. Select another "
            "endpoint via the `call_endpoint` argument. Available endpoints for this "
            f"SavedModel: {list(signatures.keys())}")

    def call(self, inputs, training=False, **kwargs):
        if training and self.call_training_endpoint_fn is not None:
            return self.call_training_endpoint_fn(inputs, **kwargs)
        return self.call_endpoint_fn(inputs, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update({"filepath": self.filepath, "call_endpoint": self.call_endpoint,
                       "call_training_endpoint": self.call_training_endpoint})
        return config
