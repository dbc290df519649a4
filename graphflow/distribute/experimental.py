"""tf.distribute.experimental: collective communication options.

    >>> tf.distribute.experimental.CommunicationImplementation.RING
    <CommunicationImplementation.RING: 'RING'>
"""
from graphflow.distribute.strategy import (  # noqa: F401
    CommunicationImplementation, CommunicationOptions, MultiWorkerMirroredStrategy)

CollectiveCommunication = CommunicationImplementation  # TF's older name
