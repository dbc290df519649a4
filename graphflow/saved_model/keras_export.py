"""keras.Model.export(filepath) (format 'tf_saved_model'): the model in an export archive
(Keras's ExportArchive) saved as graphflow's SavedModel, with a `serve` endpoint that is also
the `serving_default` signature. keras.layers.TFSMLayer loads such a directory back.

    >>> import tempfile
    >>> dense = keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")
    >>> model = keras.Sequential([keras.Input((2,)), dense])
    >>> path = tempfile.mkdtemp()
    >>> export_keras_model(model, path, verbose=False)
    >>> loaded = tf.saved_model.load(path)
    >>> loaded.serve(np.ones((1, 2), np.float32)).numpy()
    array([[2.]], dtype=float32)
    >>> [v.shape for v in loaded.trainable_variables]
    [TensorShape([2, 1])]
"""
import os

from graphflow.saved_model.constants import DEFAULT_SERVING_SIGNATURE_DEF_KEY
from graphflow.saved_model.saving import _ExportArchive, _keras_input_specs, save
from graphflow.tensor import TensorSpec
from graphflow.utils import nest


def export_keras_model(model, filepath, input_signature=None, verbose=True):
    """keras.Model.export(filepath) for format 'tf_saved_model' (graphflow's SavedModel): a
    `serve` endpoint, also the `serving_default` signature."""
    from graphflow.graph.function import function
    specs = list(input_signature) if input_signature is not None else \
        _keras_input_specs(model)
    if specs is None:
        raise ValueError(
            f"Model {model.name!r} has no known inputs; pass `input_signature=` to export() "
            "or call the model on data first")
    archive = _ExportArchive()
    archive.variables = list(model.weights)
    archive.trainable_variables = list(model.trainable_weights)
    archive.non_trainable_variables = list(model.non_trainable_weights)

    def serve(*args):
        inputs = args[0] if len(args) == 1 else list(args)
        return model(inputs, training=False)
    archive.serve = function(serve, input_signature=specs, name="serve")
    save(archive, filepath, signatures={"serve": archive.serve,
                                        DEFAULT_SERVING_SIGNATURE_DEF_KEY: archive.serve})
    if verbose:
        concrete = archive.serve.get_concrete_function()
        args = "\n".join(f"  args_{i} (POSITIONAL_ONLY): {s}" for i, s in enumerate(specs))
        output = nest.map_structure(lambda t: TensorSpec(t.shape, t.dtype),
                                    concrete.structured_outputs)
        print(f"Saved artifact at '{os.fspath(filepath)}'. The following endpoints are "
              f"available:\n\n* Endpoint 'serve'\n{args}\nOutput Type:\n  {output}")
