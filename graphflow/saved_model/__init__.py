"""tf.saved_model: graphflow's own SavedModel format with TF's API (see
graphflow/saved_model/format.py for the files and what is saved).

    >>> import graphflow as tf
    >>> tf.saved_model.DEFAULT_SERVING_SIGNATURE_DEF_KEY
    'serving_default'
"""
from graphflow.saved_model.format import (  # noqa: F401
    ASSETS_DIRECTORY, DEFAULT_SERVING_SIGNATURE_DEF_KEY, SAVED_MODEL_FILENAME_PB,
    SAVED_MODEL_FILENAME_PBTXT, SERVING, VARIABLES_DIRECTORY, VARIABLES_FILENAME, LoadOptions,
    SaveOptions, contains_saved_model, load, save)

TRAINING = "train"
GPU = "gpu"
TPU = "tpu"
ASSETS_KEY = "saved_model_assets"
DEBUG_DIRECTORY = "debug"
DEBUG_INFO_FILENAME_PB = "saved_model_debug_info.pb"
SAVED_MODEL_SCHEMA_VERSION = 1
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
