"""TensorFlow compatibility namespaces: `graphflow.compat.v1` (TF1 graphs and sessions) and v2."""
from graphflow.compat import v1  # noqa: F401
import graphflow as v2  # noqa: E402,F401 - compat.v2 is the main namespace
