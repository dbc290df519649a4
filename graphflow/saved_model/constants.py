"""The names tf.saved_model exports as constants (TF's saved_model/constants.py,
tag_constants.py and signature_constants.py): directory and file names, tags, signature keys
and method names. graphflow writes `saved_model.json` instead of `saved_model.pb` (see
graphflow/saved_model/files.py) but keeps TF's names for the rest of the directory.

    >>> tf.saved_model.SERVING, tf.saved_model.DEFAULT_SERVING_SIGNATURE_DEF_KEY
    ('serve', 'serving_default')
    >>> tf.saved_model.VARIABLES_DIRECTORY, tf.saved_model.ASSETS_DIRECTORY
    ('variables', 'assets')
"""
VARIABLES_DIRECTORY = "variables"
VARIABLES_FILENAME = "variables"
ASSETS_DIRECTORY = "assets"
SAVED_MODEL_FILENAME_PB = "saved_model.pb"
SAVED_MODEL_FILENAME_PBTXT = "saved_model.pbtxt"
DEBUG_DIRECTORY = "debug"
DEBUG_INFO_FILENAME_PB = "saved_model_debug_info.pb"
SAVED_MODEL_SCHEMA_VERSION = 1

SERVING = "serve"
TRAINING = "train"
GPU = "gpu"
TPU = "tpu"
ASSETS_KEY = "saved_model_assets"

DEFAULT_SERVING_SIGNATURE_DEF_KEY = "serving_default"
CLASSIFY_INPUTS = "inputs"
CLASSIFY_METHOD_NAME = "tensorflow/serving/classify"
CLASSIFY_OUTPUT_CLASSES = "classes"
CLASSIFY_OUTPUT_SCORES = "scores"
PREDICT_INPUTS = "inputs"
PREDICT_METHOD_NAME = "tensorflow/serving/predict"
PREDICT_OUTPUTS = "outputs"
REGRESS_INPUTS = "inputs"
REGRESS_METHOD_NAME = "tensorflow/serving/regress"
REGRESS_OUTPUTS = "outputs"
