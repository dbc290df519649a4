"""keras.preprocessing.image: the image helpers of keras.utils under their older names.

    >>> import numpy as np
    >>> from graphflow.keras.preprocessing import image
    >>> image.img_to_array(image.array_to_img(np.zeros((2, 2, 3)))).shape
    (2, 2, 3)
"""
from graphflow.keras.utils import (  # noqa: F401
    array_to_img, img_to_array, load_img, save_img)
from graphflow.keras.utils.image_utils import smart_resize  # noqa: F401
