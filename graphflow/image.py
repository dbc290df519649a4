"""graphflow.image: TF's tf.image namespace (graphflow/ops/image.py).

    >>> import graphflow as tf
    >>> tf.image.resize(tf.zeros([8, 8, 3]), [4, 4], method=tf.image.ResizeMethod.AREA).shape
    TensorShape([4, 4, 3])
"""
from graphflow.ops.image import (  # noqa: F401
    ResizeMethod, adjust_brightness, adjust_contrast, central_crop, convert_image_dtype,
    crop_to_bounding_box, flip_left_right, flip_up_down, grayscale_to_rgb, pad_to_bounding_box,
    per_image_standardization, random_brightness, random_contrast, random_flip_left_right,
    random_flip_up_down, resize, resize_with_crop_or_pad, resize_with_pad, rgb_to_grayscale, rot90,
    transpose)
from graphflow.ops.image import (  # noqa: F401 - TF exports the codecs here too
    decode_bmp, decode_gif, decode_image, decode_jpeg, decode_png, encode_jpeg, encode_png)
from graphflow.ops.image_metrics import (  # noqa: F401
    image_gradients, psnr, sobel_edges, ssim, ssim_multiscale, total_variation)
from graphflow.ops.image_color import (  # noqa: F401
    adjust_hue, adjust_saturation, hsv_to_rgb, random_hue, random_saturation, rgb_to_hsv,
    rgb_to_yiq, rgb_to_yuv, stateless_random_hue, stateless_random_saturation, yiq_to_rgb,
    yuv_to_rgb)
from graphflow.ops.image_boxes import (  # noqa: F401
    combined_non_max_suppression, crop_and_resize, draw_bounding_boxes, extract_patches,
    non_max_suppression,
    non_max_suppression_padded, sample_distorted_bounding_box,
    stateless_sample_distorted_bounding_box,
    non_max_suppression_with_scores)
from graphflow.ops.image_random import (  # noqa: F401
    adjust_gamma, random_crop, stateless_random_brightness, stateless_random_contrast,
    stateless_random_crop, stateless_random_flip_left_right, stateless_random_flip_up_down)
from graphflow.ops.image_boxes import non_max_suppression_overlaps  # noqa: F401
from graphflow.ops.image_codecs import is_jpeg  # noqa: F401
