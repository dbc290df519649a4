"""tf.saved_model: save a tf.Module or Keras model with its traced functions, load it back, in
graphflow's own SavedModel format with TF's API. One module a job:

    constants.py     TF's tf.saved_model constants (file names, tags, signature keys)
    options.py       SaveOptions and LoadOptions
    files.py         the files (saved_model.json, saved_model.npz, variables/): names, writing,
                     reading them back checked; contains_saved_model
    encoding.py      attrs, graphs and structures to JSON and back
    saving.py        save(): what is saved of an object, its functions and signatures
    loading.py       load(): the object tree rebuilt, RestoredFunction, SignatureFunction
    keras_export.py  keras.Model.export's archive

    >>> import tempfile
    >>> class Scale(tf.Module):
    ...     def __init__(self):
    ...         self.w = tf.Variable(2.0)
    ...     @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    ...     def __call__(self, x):
    ...         return x * self.w
    >>> path = tempfile.mkdtemp()
    >>> tf.saved_model.save(Scale(), path)
    >>> tf.saved_model.load(path)(tf.constant([1.0, 2.0])).numpy()
    array([2., 4.], dtype=float32)
"""
from graphflow.saved_model.constants import (  # noqa: F401
    ASSETS_DIRECTORY, ASSETS_KEY, CLASSIFY_INPUTS, CLASSIFY_METHOD_NAME, CLASSIFY_OUTPUT_CLASSES,
    CLASSIFY_OUTPUT_SCORES, DEBUG_DIRECTORY, DEBUG_INFO_FILENAME_PB,
    DEFAULT_SERVING_SIGNATURE_DEF_KEY, GPU, PREDICT_INPUTS, PREDICT_METHOD_NAME, PREDICT_OUTPUTS,
    REGRESS_INPUTS, REGRESS_METHOD_NAME, REGRESS_OUTPUTS, SAVED_MODEL_FILENAME_PB,
    SAVED_MODEL_FILENAME_PBTXT, SAVED_MODEL_SCHEMA_VERSION, SERVING, TPU, TRAINING,
    VARIABLES_DIRECTORY, VARIABLES_FILENAME)
from graphflow.saved_model.files import contains_saved_model  # noqa: F401
from graphflow.saved_model.loading import load  # noqa: F401
from graphflow.saved_model.options import LoadOptions, SaveOptions  # noqa: F401
from graphflow.saved_model.saving import save  # noqa: F401
