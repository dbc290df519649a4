"""tf.image's patch and box ops, as registry ops with NumPy references that follow TF 2.21's
kernels: extract_patches (ExtractImagePatches, with its gradient as a scatter-add),
crop_and_resize (CropAndResize, with CropAndResizeGradImage and CropAndResizeGradBoxes),
non_max_suppression and non_max_suppression_with_scores (NonMaxSuppressionV5, Soft-NMS
included), combined_non_max_suppression, and draw_bounding_boxes (DrawBoundingBoxesV2).

    >>> import graphflow as tf
    >>> x = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
    >>> tf.image.extract_patches(x, [1, 2, 2, 1], [1, 2, 2, 1], [1, 1, 1, 1], "VALID")[0, 0, 0]
    <tf.Tensor: shape=(4,), dtype=float32, numpy=array([0., 1., 4., 5.], dtype=float32)>
"""
import functools
import heapq

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError, OutOfRangeError, UnimplementedError
from graphflow.ops import rules
from graphflow.ops.registry import OPAQUE, Spec, dispatch, register

f32 = np.float32


def _tensor(x, dtype=None):
    from graphflow.ops.creation import convert_to_tensor
    return convert_to_tensor(x, dtype)


def _specs(*arrays):
    return [Spec(a.shape, dtypes.from_numpy(a.dtype)) for a in arrays]


def _rank(op, spec, rank, what):
    if spec.shape is not None and len(spec.shape) != rank:
        raise InvalidArgumentError(f"{op}: {what} must be {rank}-D, got shape "
                                   f"{rules.fmt(spec.shape)}")


# -- extract_patches ------------------------------------------------------------------------------

def _window(in_size, k, stride, rate, padding):
    """(out_size, pad_before) along one axis, as TF's GetWindowedOutputSize."""
    eff = k + (k - 1) * (rate - 1)
    if padding == "VALID":
        return max((in_size - eff + stride) // stride, 0), 0
    out = -(-in_size // stride)
    return out, max((out - 1) * stride + eff - in_size, 0) // 2


def _patches_infer(specs, sizes, strides, rates, padding):
    x = specs[0]
    op = "extract_patches"
    _rank(op, x, 4, "images")
    if x.dtype is dtypes.string:
        raise InvalidArgumentError(f"{op}: images must be numbers, got {x.dtype.name}")
    if x.shape is None:
        return [((None,) * 4, x.dtype)]
    b, h, w, d = x.shape
    dims = []
    for size, k, s, r in ((h, sizes[0], strides[0], rates[0]), (w, sizes[1], strides[1], rates[1])):
        dims.append(None if size is None else _window(size, k, s, r, padding)[0])
    return [((b, dims[0], dims[1], None if d is None else sizes[0] * sizes[1] * d), x.dtype)]


def _patch_index(h, w, sizes, strides, rates, padding):
    """Row and column index of every (out_row, out_col, k_row, k_col) tap, -1 for padding."""
    axes = []
    for size, k, s, r in ((h, sizes[0], strides[0], rates[0]), (w, sizes[1], strides[1], rates[1])):
        out, before = _window(size, k, s, r, padding)
        idx = np.arange(out)[:, None] * s - before + np.arange(k)[None, :] * r
        axes.append(np.where((idx >= 0) & (idx < size), idx, -1))
    return axes


def _patches_ref(x, sizes, strides, rates, padding):
    _patches_infer(_specs(x), sizes, strides, rates, padding)
    b, h, w, d = x.shape
    rows, cols = _patch_index(h, w, sizes, strides, rates, padding)
    padded = np.zeros((b, h + 1, w + 1, d), x.dtype)  # index -1 reads the zero row / column
    padded[:, :h, :w] = x
    out = padded[:, rows[:, None, :, None], cols[None, :, None, :]]  # b, oh, ow, kh, kw, d
    return out.reshape(b, rows.shape[0], cols.shape[0], sizes[0] * sizes[1] * d)


def _patches_grad(inputs, outputs, dy, sizes, strides, rates, padding):
    return (dispatch(PATCHES_GRAD, (dy, inputs[0]), {"sizes": sizes, "strides": strides,
                                                     "rates": rates, "padding": padding}),)


def _patches_grad_infer(specs, sizes, strides, rates, padding):
    return [(specs[1].shape, specs[0].dtype)]


def _patches_grad_ref(dy, like, sizes, strides, rates, padding):
    b, h, w, d = like.shape
    rows, cols = _patch_index(h, w, sizes, strides, rates, padding)
    oh, ow = rows.shape[0], cols.shape[0]
    out = np.zeros((b, h + 1, w + 1, d), dy.dtype)
    taps = dy.reshape(b, oh, ow, sizes[0], sizes[1], d)
    r = np.broadcast_to(rows[:, None, :, None], (oh, ow, sizes[0], sizes[1]))
    c = np.broadcast_to(cols[None, :, None, :], (oh, ow, sizes[0], sizes[1]))
    np.add.at(out, (slice(None), r, c), taps)
    return out[:, :h, :w]


def _patches_grad_grad(inputs, outputs, ddx, sizes, strides, rates, padding):
    return (dispatch(PATCHES, (ddx,), {"sizes": sizes, "strides": strides, "rates": rates,
                                       "padding": padding}), None)


PATCHES = register("extract_image_patches", OPAQUE, _patches_infer, _patches_ref, _patches_grad)
PATCHES_GRAD = register("extract_image_patches_grad", OPAQUE, _patches_grad_infer,
                        _patches_grad_ref, _patches_grad_grad)


def _four(op, what, value, ones_at_ends=True):
    try:
        v = [int(x) for x in np.asarray(value).reshape(-1)]
    except (TypeError, ValueError):
        v = []
    if len(v) != 4:
        raise InvalidArgumentError(f"{op}: {what} must be a list of 4 ints, got {value!r}")
    if ones_at_ends and (v[0] != 1 or v[3] != 1):
        raise UnimplementedError(
            f"{op}: Only support {what} across space (the first and last must be 1), got {v}")
    if min(v) <= 0:
        raise InvalidArgumentError(f"{op}: {what} must be positive, got {v}")
    return v[1], v[2]


def extract_patches(images, sizes, strides, rates, padding, name=None):
    """The sizes[1] x sizes[2] patches of [batch, rows, cols, depth] images, strides apart,
    taking every rates-th pixel, flattened into the depth axis (kernel row, kernel column,
    depth), zero outside the image with "SAME" padding, as TF. Differentiable (the gradient
    adds each patch value back where it was read).

        >>> x = tf.reshape(tf.range(9.0), [1, 3, 3, 1])
        >>> tf.image.extract_patches(x, [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "SAME").shape
        TensorShape([1, 3, 3, 4])
    """
    op = "extract_patches"
    padding = str(padding).upper()
    if padding not in ("VALID", "SAME"):
        raise InvalidArgumentError(f"{op}: padding must be 'VALID' or 'SAME', got {padding!r}")
    attrs = {"sizes": _four(op, "ksizes", sizes), "strides": _four(op, "strides", strides),
             "rates": _four(op, "rates", rates), "padding": padding}
    return dispatch(PATCHES, (_tensor(images),), attrs, name)


# -- crop_and_resize ------------------------------------------------------------------------------

def _cnr_check(op, image, boxes, box_ind, crop_size, method):
    _rank(op, image, 4, "input image")
    _rank(op, boxes, 2, "boxes")
    _rank(op, box_ind, 1, "box_index")
    if boxes.shape is not None and boxes.shape[1] not in (None, 4):
        raise InvalidArgumentError(f"{op}: boxes must have 4 columns, got shape "
                                   f"{rules.fmt(boxes.shape)}")
    if boxes.dtype is not dtypes.float32:
        raise InvalidArgumentError(f"{op}: boxes must be float32, got {boxes.dtype.name}")
    if box_ind.dtype is not dtypes.int32:
        raise InvalidArgumentError(f"{op}: box_indices must be int32, got {box_ind.dtype.name}")
    if boxes.shape is not None and box_ind.shape is not None and None not in (
            boxes.shape[0], box_ind.shape[0]) and boxes.shape[0] != box_ind.shape[0]:
        raise InvalidArgumentError(
            f"{op}: box_index has incompatible shape: {box_ind.shape[0]} boxes indices for "
            f"{boxes.shape[0]} boxes")
    if min(crop_size) <= 0:
        raise InvalidArgumentError(f"{op}: crop dimensions must be positive, got "
                                   f"{list(crop_size)}")
    if method not in ("bilinear", "nearest"):
        raise InvalidArgumentError(f"{op}: method must be 'bilinear' or 'nearest', got "
                                   f"{method!r}")


def _cnr_infer(specs, crop_size, method, extrapolation_value):
    image, boxes, box_ind = specs
    _cnr_check("crop_and_resize", image, boxes, box_ind, crop_size, method)
    if image.dtype.np.kind not in "fiu" or image.dtype is dtypes.bool:
        raise InvalidArgumentError(f"crop_and_resize: image must be numbers, got "
                                   f"{image.dtype.name}")
    n = boxes.shape[0] if boxes.shape is not None else None
    if n is None and box_ind.shape is not None:
        n = box_ind.shape[0]
    depth = image.shape[3] if image.shape is not None else None
    return [((n, crop_size[0], crop_size[1], depth), dtypes.float32)]


def _sample_points(boxes, size, in_size, lo_col, hi_col):
    """in_y (or in_x) for every box and output row (column), in float32 as TF's kernel."""
    lo, hi = boxes[:, lo_col].astype(f32), boxes[:, hi_col].astype(f32)
    scale_in = f32(in_size - 1)
    pos = np.arange(size, dtype=f32)[None, :]
    if size > 1:
        scale = (hi - lo) * scale_in / f32(size - 1)
        return lo[:, None] * scale_in + pos * scale[:, None]
    return np.broadcast_to((f32(0.5) * (lo + hi) * scale_in)[:, None], (len(boxes), 1))


def _check_box_index(op, box_ind, batch):
    if box_ind.size and (box_ind.min() < 0 or box_ind.max() >= batch):
        raise OutOfRangeError(f"{op}: box_index has values outside [0, batch_size)")


def _grid(image_shape, boxes, crop_size):
    h, w = image_shape[1:3]
    in_y = _sample_points(boxes, crop_size[0], h, 0, 2)
    in_x = _sample_points(boxes, crop_size[1], w, 1, 3)
    valid = ((in_y >= 0) & (in_y <= h - 1))[:, :, None] & ((in_x >= 0) & (in_x <= w - 1))[:, None]
    return in_y, in_x, valid


def _corners(v, size):
    top = np.clip(np.floor(v), 0, size - 1).astype(np.int64)
    bottom = np.clip(np.ceil(v), 0, size - 1).astype(np.int64)
    return top, bottom, (v - np.floor(v)).astype(f32)


def _nearest(v, size):
    return np.clip(np.floor(v + f32(0.5)), 0, size - 1).astype(np.int64)  # in range: v >= 0


def _cnr_ref(image, boxes, box_ind, crop_size, method, extrapolation_value):
    _cnr_infer(_specs(image, boxes, box_ind), crop_size, method, extrapolation_value)
    if len(boxes) != len(box_ind):
        raise InvalidArgumentError(
            f"crop_and_resize: box_index has incompatible shape: {len(box_ind)} boxes indices "
            f"for {len(boxes)} boxes")
    _check_box_index("crop_and_resize", box_ind, image.shape[0])
    h, w = image.shape[1:3]
    in_y, in_x, valid = _grid(image.shape, boxes, crop_size)
    img = image.astype(f32) if image.dtype != np.float64 else image
    bi = box_ind.astype(np.int64)[:, None, None]
    if method == "nearest":
        ys, xs = _nearest(in_y, h)[:, :, None], _nearest(in_x, w)[:, None, :]
        out = img[bi, ys, xs].astype(f32)
    else:
        top, bottom, y_lerp = _corners(in_y, h)
        left, right, x_lerp = _corners(in_x, w)
        t, bo = top[:, :, None], bottom[:, :, None]
        le, ri = left[:, None, :], right[:, None, :]
        xl = x_lerp[:, None, :, None]
        yl = y_lerp[:, :, None, None]
        tl, tr = img[bi, t, le].astype(f32), img[bi, t, ri].astype(f32)
        bl, br = img[bi, bo, le].astype(f32), img[bi, bo, ri].astype(f32)
        top_v = tl + (tr - tl) * xl
        bottom_v = bl + (br - bl) * xl
        out = top_v + (bottom_v - top_v) * yl
    return np.where(valid[..., None], out, f32(extrapolation_value)).astype(f32)


def _cnr_grad(inputs, outputs, dy, crop_size, method, extrapolation_value):
    image, boxes, box_ind = inputs
    d_image = None
    if image.dtype.is_floating:
        d_image = dispatch(CNR_GRAD_IMAGE, (dy, boxes, box_ind, image),
                           {"method": method})
    # TF: the boxes' gradient of "nearest" is the bilinear one too
    d_boxes = dispatch(CNR_GRAD_BOXES, (dy, image, boxes, box_ind), {})
    return d_image, d_boxes, None


def _grad_image_infer(specs, method):
    dy, boxes, box_ind, image = specs
    return [(image.shape, image.dtype)]


def _grad_image_ref(dy, boxes, box_ind, image, method):
    _check_box_index("crop_and_resize_grad_image", box_ind, image.shape[0])
    b, h, w, d = image.shape
    crop = dy.shape[1:3]
    in_y, in_x, valid = _grid(image.shape, boxes, crop)
    out = np.zeros((b, h, w, d), np.float64 if image.dtype == np.float64 else f32)
    g = dy.astype(out.dtype) * valid[..., None]
    n = len(boxes)
    bi = np.broadcast_to(box_ind.astype(np.int64)[:, None, None], (n,) + tuple(crop))
    if method == "nearest":
        ys = np.broadcast_to(_nearest(in_y, h)[:, :, None], bi.shape)
        xs = np.broadcast_to(_nearest(in_x, w)[:, None, :], bi.shape)
        np.add.at(out, (bi, ys, xs), g)
        return out.astype(image.dtype)
    top, bottom, y_lerp = _corners(in_y, h)
    left, right, x_lerp = _corners(in_x, w)
    yl, xl = y_lerp[:, :, None, None], x_lerp[:, None, :, None]
    for rows, wy in ((top, 1 - yl), (bottom, yl)):
        for cols, wx in ((left, 1 - xl), (right, xl)):
            r = np.broadcast_to(rows[:, :, None], bi.shape)
            c = np.broadcast_to(cols[:, None, :], bi.shape)
            np.add.at(out, (bi, r, c), (g * wy * wx).astype(out.dtype))
    return out.astype(image.dtype)


def _grad_boxes_infer(specs):
    dy, image, boxes, box_ind = specs
    return [(boxes.shape, dtypes.float32)]


def _grad_boxes_ref(dy, image, boxes, box_ind):
    _check_box_index("crop_and_resize_grad_boxes", box_ind, image.shape[0])
    h, w = image.shape[1:3]
    ch, cw = dy.shape[1:3]
    in_y, in_x, valid = _grid(image.shape, boxes, (ch, cw))
    img = image.astype(np.float64)
    bi = box_ind.astype(np.int64)[:, None, None]
    top, bottom, y_lerp = _corners(in_y, h)
    left, right, x_lerp = _corners(in_x, w)
    t, bo, le, ri = top[:, :, None], bottom[:, :, None], left[:, None, :], right[:, None, :]
    tl, tr, bl, br = img[bi, t, le], img[bi, t, ri], img[bi, bo, le], img[bi, bo, ri]
    yl, xl = y_lerp[:, :, None, None], x_lerp[:, None, :, None]
    grad = dy.astype(np.float64) * valid[..., None]
    gy = (((1 - xl) * (bl - tl) + xl * (br - tr)) * grad).sum(axis=(2, 3))  # per box, row
    gx = (((1 - yl) * (tr - tl) + yl * (br - bl)) * grad).sum(axis=(1, 3))  # per box, column
    out = np.zeros((len(boxes), 4))
    for axis, g, size, crop in ((0, gy, h, ch), (1, gx, w, cw)):
        if crop > 1:
            ratio = (size - 1) / (crop - 1)
            pos = np.arange(crop) * ratio
            out[:, axis] = (g * (size - 1 - pos)).sum(axis=1)
            out[:, axis + 2] = (g * pos).sum(axis=1)
        else:
            out[:, axis] = out[:, axis + 2] = g.sum(axis=1) * 0.5 * (size - 1)
    return out.astype(f32)


CNR = register("crop_and_resize", OPAQUE, _cnr_infer, _cnr_ref, _cnr_grad)
CNR_GRAD_IMAGE = register("crop_and_resize_grad_image", OPAQUE, _grad_image_infer,
                          _grad_image_ref)
CNR_GRAD_BOXES = register("crop_and_resize_grad_boxes", OPAQUE, _grad_boxes_infer,
                          _grad_boxes_ref)


def _static_ints(op, value, what, count):
    from graphflow.tensor import EagerTensor, SymbolicTensor
    if isinstance(value, SymbolicTensor):
        raise InvalidArgumentError(f"{op}: {what} must be known while the graph is built")
    if isinstance(value, EagerTensor):
        value = value.numpy()
    arr = np.asarray(value)
    if arr.dtype.kind not in "iu" or arr.shape != (count,):
        raise InvalidArgumentError(f"{op}: {what} must be a 1-D tensor of {count} ints, got "
                                   f"{value!r:.60}")
    return tuple(int(v) for v in arr)


def crop_and_resize(image, boxes, box_indices, crop_size, method="bilinear",
                    extrapolation_value=0.0, name=None):
    """Crops boxes (normalized [y1, x1, y2, x2], float32) out of images box_indices names and
    resizes each crop to crop_size [height, width] by bilinear or nearest sampling on the box's
    corners-aligned grid, as TF's CropAndResize: float32 [num_boxes, height, width, depth],
    extrapolation_value outside the image. Gradients flow to float images and to the boxes
    (for "nearest", the boxes get the bilinear gradient, as in TF).

        >>> image = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
        >>> tf.image.crop_and_resize(image, [[0.0, 0.0, 1.0, 1.0]], [0], [2, 2])[0, ..., 0]
        <tf.Tensor: shape=(2, 2), dtype=float32, numpy=
        array([[ 0.,  3.],
               [12., 15.]], dtype=float32)>
    """
    op = "crop_and_resize"
    attrs = {"crop_size": _static_ints(op, crop_size, "crop_size", 2), "method": str(method),
             "extrapolation_value": float(extrapolation_value)}
    return dispatch(CNR, (_tensor(image), _tensor(boxes, dtypes.float32),
                          _tensor(box_indices, dtypes.int32)), attrs, name)


# -- non-max suppression --------------------------------------------------------------------------

def _iou(a, b):
    """TF's IOU of boxes in any corner order (0 for an empty box)."""
    ymin_a, xmin_a = min(a[0], a[2]), min(a[1], a[3])
    ymax_a, xmax_a = max(a[0], a[2]), max(a[1], a[3])
    ymin_b, xmin_b = min(b[0], b[2]), min(b[1], b[3])
    ymax_b, xmax_b = max(b[0], b[2]), max(b[1], b[3])
    area_a = (ymax_a - ymin_a) * (xmax_a - xmin_a)
    area_b = (ymax_b - ymin_b) * (xmax_b - xmin_b)
    if area_a <= 0 or area_b <= 0:
        return f32(0)
    ih = max(min(ymax_a, ymax_b) - max(ymin_a, ymin_b), f32(0))
    iw = max(min(xmax_a, xmax_b) - max(xmin_a, xmin_b), f32(0))
    inter = ih * iw
    return inter / (area_a + area_b - inter)


def _iou_as_given(a, b):
    """The IOU of TF's padded NMS (_bbox_overlap): corners taken as [y_min, x_min, y_max,
    x_max] as they are, 1e-8 added to the union."""
    ih = max(min(a[2], b[2]) - max(a[0], b[0]), f32(0))
    iw = max(min(a[3], b[3]) - max(a[1], b[1]), f32(0))
    inter = ih * iw
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter + f32(1e-8)
    return inter / union


def nms(boxes, scores, max_output_size, iou_threshold, score_threshold, soft_nms_sigma,
        corners_as_given=False, overlaps=None):
    """TF's NonMaxSuppressionV5 greedy loop (Soft-NMS's Gaussian re-scoring when
    soft_nms_sigma > 0): (selected indices, their scores). With `overlaps` (a [n, n] matrix),
    its entries are the similarities instead of the boxes' IOUs (NonMaxSuppressionWithOverlaps)."""
    if overlaps is not None:
        overlaps = overlaps.astype(f32)

        def similarity(i, j):
            return overlaps[i, j]
        boxes = np.arange(len(overlaps))
    else:
        similarity = _iou_as_given if corners_as_given else _iou
        boxes = boxes.astype(f32)
    scores = scores.astype(f32)
    threshold, iou_limit = f32(score_threshold), f32(iou_threshold)
    soft = soft_nms_sigma > 0
    scale = f32(-0.5) / f32(soft_nms_sigma) if soft else f32(0)
    # a max-heap on score, ties to the lower index; each entry remembers how many selected
    # boxes it was already compared with (TF's suppress_begin_index)
    heap = [(-float(scores[i]), i, 0) for i in range(len(scores)) if scores[i] > threshold]
    heapq.heapify(heap)
    selected, selected_scores = [], []
    while len(selected) < max_output_size and heap:
        neg, i, begin = heapq.heappop(heap)
        score = original = f32(-neg)
        hard = False
        for j in range(len(selected) - 1, begin - 1, -1):
            iou = f32(similarity(boxes[i], boxes[selected[j]]))
            weight = np.exp(scale * iou * iou).astype(f32) if soft or iou <= iou_limit else f32(0)
            score = f32(score * weight)
            if not soft and iou > iou_limit:
                hard = True
                break
            if score <= threshold:
                break
        if hard:
            continue
        if score == original:
            selected.append(i)
            selected_scores.append(score)
        elif score > threshold:
            heapq.heappush(heap, (-float(score), i, len(selected)))
    return np.array(selected, np.int32), np.array(selected_scores, f32)


def _nms_check(specs, max_output_size, iou_threshold, soft_nms_sigma, op):
    boxes, scores = specs
    _rank(op, boxes, 2, "boxes")
    _rank(op, scores, 1, "scores")
    if boxes.shape is not None and boxes.shape[1] not in (None, 4):
        raise InvalidArgumentError(f"{op}: boxes must have 4 columns, got shape "
                                   f"{rules.fmt(boxes.shape)}")
    if boxes.shape is not None and scores.shape is not None and None not in (
            boxes.shape[0], scores.shape[0]) and boxes.shape[0] != scores.shape[0]:
        raise InvalidArgumentError(
            f"{op}: scores has incompatible shape: {scores.shape[0]} scores for "
            f"{boxes.shape[0]} boxes")
    for spec, what in ((boxes, "boxes"), (scores, "scores")):
        if not spec.dtype.is_floating:
            raise InvalidArgumentError(f"{op}: {what} must be floats, got "
                                       f"{spec.dtype.name}")
    if max_output_size < 0:
        raise InvalidArgumentError(f"{op}: output size must be non-negative")
    if not 0 <= iou_threshold <= 1:
        raise InvalidArgumentError(f"{op}: iou_threshold must be in [0, 1]")
    if soft_nms_sigma < 0:
        raise InvalidArgumentError(f"{op}: soft_nms_sigma_val must be >= 0")


def _nms_infer(specs, max_output_size, iou_threshold, score_threshold, soft_nms_sigma, pad,
               corners_as_given):
    _nms_check(specs, max_output_size, iou_threshold, soft_nms_sigma, "non_max_suppression")
    n = max_output_size if pad else None
    return [((n,), dtypes.int32), ((n,), specs[1].dtype), ((), dtypes.int32)]


def _nms_ref(boxes, scores, max_output_size, iou_threshold, score_threshold, soft_nms_sigma,
             pad, corners_as_given):
    _nms_infer(_specs(boxes, scores), max_output_size, iou_threshold, score_threshold,
               soft_nms_sigma, pad, corners_as_given)
    if len(boxes) != len(scores):
        raise InvalidArgumentError(
            f"non_max_suppression: scores has incompatible shape: {len(scores)} scores for "
            f"{len(boxes)} boxes")
    idx, sc = nms(boxes, scores, max_output_size, iou_threshold, score_threshold,
                  soft_nms_sigma, corners_as_given)
    valid = np.array(len(idx), np.int32)
    if pad:  # TF's pad_to_max_output_size: zeros after the selected ones
        idx = np.concatenate([idx, np.zeros(max_output_size - len(idx), np.int32)])
        sc = np.concatenate([sc, np.zeros(max_output_size - len(sc), f32)])
    return idx, sc.astype(scores.dtype), valid


NMS = register("non_max_suppression", OPAQUE, _nms_infer, _nms_ref, num_outputs=3)


def _floats(x):
    """Boxes and scores given as Python lists are float32, as TF's NMS ops take them."""
    from graphflow.tensor import Tensor
    return x if isinstance(x, Tensor) else _tensor(x, dtypes.float32)


def _known_number(op, value, what, kind=float):
    from graphflow.tensor import EagerTensor, SymbolicTensor
    if isinstance(value, SymbolicTensor):
        raise InvalidArgumentError(f"{op}: {what} must be known while the graph is built (a "
                                   "Python number or an eager tensor)")
    if isinstance(value, EagerTensor):
        value = value.numpy()
    arr = np.asarray(value)
    if arr.size != 1 or arr.ndim > 1:
        raise InvalidArgumentError(f"{op}: {what} must be a scalar, got shape {arr.shape}")
    return kind(arr.reshape(()))


def _nms_call(op, boxes, scores, max_output_size, iou_threshold, score_threshold,
              soft_nms_sigma, pad=False, name=None, corners_as_given=False):
    attrs = {"max_output_size": _known_number(op, max_output_size, "max_output_size", int),
             "iou_threshold": _known_number(op, iou_threshold, "iou_threshold"),
             "score_threshold": _known_number(op, score_threshold, "score_threshold"),
             "soft_nms_sigma": _known_number(op, soft_nms_sigma, "soft_nms_sigma"),
             "pad": bool(pad), "corners_as_given": bool(corners_as_given)}
    try:
        return dispatch(NMS, (_floats(boxes), _floats(scores)), attrs, name)
    except InvalidArgumentError as e:  # name the function the user called
        raise InvalidArgumentError(str(e).replace("non_max_suppression:", f"{op}:", 1)) from None


def non_max_suppression(boxes, scores, max_output_size, iou_threshold=0.5,
                        score_threshold=float("-inf"), name=None):
    """Indices (int32) of at most max_output_size boxes ([num_boxes, 4] as [y1, x1, y2, x2],
    any corner order), chosen greedily by decreasing score, dropping every box whose IOU with
    a chosen one exceeds iou_threshold and every score <= score_threshold (TF's NMS).

        >>> boxes = [[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, 2, 1, 3]]
        >>> tf.image.non_max_suppression(boxes, [0.9, 0.8, 0.7], 3).numpy()
        array([0, 2], dtype=int32)
    """
    return _nms_call("non_max_suppression", boxes, scores, max_output_size, iou_threshold,
                     score_threshold, 0.0, name=name)[0]


def non_max_suppression_with_scores(boxes, scores, max_output_size, iou_threshold=0.5,
                                    score_threshold=float("-inf"), soft_nms_sigma=0.0,
                                    name=None):
    """(selected_indices, selected_scores): non_max_suppression, or with soft_nms_sigma > 0
    Soft-NMS (Bodla et al.), which scales each remaining score by exp(-iou**2 / (2 sigma))
    for every box chosen before it instead of dropping it (iou_threshold is then unused).

        >>> boxes = [[0, 0, 1, 1], [0, 0.1, 1, 1.1]]
        >>> i, s = tf.image.non_max_suppression_with_scores(boxes, [0.9, 0.8], 2,
        ...                                                 soft_nms_sigma=0.5)
        >>> i.numpy(), s.numpy()
        (array([0, 1], dtype=int32), array([0.9       , 0.40960383], dtype=float32))
    """
    idx, sc, _ = _nms_call("non_max_suppression_with_scores", boxes, scores, max_output_size,
                           iou_threshold, score_threshold, soft_nms_sigma, name=name)
    return idx, sc


def _overlaps_infer(specs, max_output_size, overlap_threshold, score_threshold):
    overlaps, scores = specs
    op = "non_max_suppression_overlaps"
    _rank(op, overlaps, 2, "overlaps")
    _rank(op, scores, 1, "scores")
    if overlaps.shape is not None and None not in overlaps.shape and \
            overlaps.shape[0] != overlaps.shape[1]:
        raise InvalidArgumentError(f"{op}: overlaps must be square, got shape "
                                   f"{rules.fmt(overlaps.shape)}")
    if overlaps.shape is not None and scores.shape is not None and None not in (
            overlaps.shape[0], scores.shape[0]) and overlaps.shape[0] != scores.shape[0]:
        raise InvalidArgumentError(
            f"{op}: scores has incompatible shape: {scores.shape[0]} scores for "
            f"{overlaps.shape[0]} boxes")
    for spec, what in ((overlaps, "overlaps"), (scores, "scores")):
        if spec.dtype is not dtypes.float32:
            raise InvalidArgumentError(f"{op}: {what} must be float32, got {spec.dtype.name}")
    if max_output_size < 0:
        raise InvalidArgumentError(f"{op}: output size must be non-negative")
    return [((None,), dtypes.int32)]


def _overlaps_ref(overlaps, scores, max_output_size, overlap_threshold, score_threshold):
    _overlaps_infer(_specs(overlaps, scores), max_output_size, overlap_threshold,
                    score_threshold)
    return nms(None, scores, max_output_size, overlap_threshold, score_threshold, 0.0,
               overlaps=overlaps)[0]


NMS_OVERLAPS = register("non_max_suppression_overlaps", OPAQUE, _overlaps_infer, _overlaps_ref)


def non_max_suppression_overlaps(overlaps, scores, max_output_size, overlap_threshold=0.5,
                                 score_threshold=float("-inf"), name=None):
    """non_max_suppression with the pairwise similarities given ([num_boxes, num_boxes]
    float32): a box is dropped when its overlap with a chosen one exceeds overlap_threshold.

        >>> overlaps = [[1.0, 0.7, 0.1], [0.7, 1.0, 0.2], [0.1, 0.2, 1.0]]
        >>> tf.image.non_max_suppression_overlaps(overlaps, [0.9, 0.8, 0.7], 3).numpy()
        array([0, 2], dtype=int32)
    """
    op = "non_max_suppression_overlaps"
    attrs = {"max_output_size": _known_number(op, max_output_size, "max_output_size", int),
             "overlap_threshold": _known_number(op, overlap_threshold, "overlap_threshold"),
             "score_threshold": _known_number(op, score_threshold, "score_threshold")}
    return dispatch(NMS_OVERLAPS, (_floats(overlaps), _floats(scores)), attrs, name)


def _canonical_like_first(boxes, scores, score_threshold):
    """TF's padded NMS puts every box's corners in the order of the first box's (it reads only
    boxes[0, 0], zeroed when its score is <= score_threshold, to decide which of y1, y2 and of
    x1, x2 is the minimum) and then takes them as given."""
    from graphflow.ops import elementwise as ew
    from graphflow.ops.shape import reshape, stack
    first = reshape(boxes, [-1, 4])[0]
    cols = [boxes[..., k] for k in range(4)]
    y_ok, x_ok = ew.less_equal(first[0], first[2]), ew.less_equal(first[1], first[3])
    if float(score_threshold) != float("-inf"):
        masked = ew.less_equal(reshape(scores, [-1])[0], float(score_threshold))
        y_ok, x_ok = ew.logical_or(y_ok, masked), ew.logical_or(x_ok, masked)
    return stack([ew.where(y_ok, cols[0], cols[2]), ew.where(x_ok, cols[1], cols[3]),
                  ew.where(y_ok, cols[2], cols[0]), ew.where(x_ok, cols[3], cols[1])], axis=-1)


def non_max_suppression_padded(boxes, scores, max_output_size, iou_threshold=0.5,
                               score_threshold=float("-inf"), pad_to_max_output_size=False,
                               name=None, sorted_input=False, canonicalized_coordinates=False,
                               tile_size=512):
    """(selected_indices, valid_outputs): non_max_suppression's indices and their count; with
    pad_to_max_output_size, padded with zeros to max_output_size, and boxes may then be a batch
    [..., num_boxes, 4] (scores [..., num_boxes]). As in TF, unless canonicalized_coordinates,
    every box is read in the corner order of the first box; sorted_input and tile_size are
    speed hints of TF's tiled algorithm and change nothing here.

        >>> idx, n = tf.image.non_max_suppression_padded(
        ...     [[0, 0, 1, 1], [0, 0, 1, 1]], [0.9, 0.8], 3, pad_to_max_output_size=True)
        >>> idx.numpy(), int(n)
        (array([0, 0, 0], dtype=int32), 1)
    """
    from graphflow.ops.shape import reshape, stack
    op = "non_max_suppression_padded"
    boxes, scores = _floats(boxes), _floats(scores)
    if not canonicalized_coordinates and boxes.shape.rank is not None and boxes.shape.rank >= 2:
        boxes = _canonical_like_first(boxes, scores, score_threshold)
    call = functools.partial(_nms_call, corners_as_given=True)
    if not pad_to_max_output_size:
        if boxes.shape.rank is not None and boxes.shape.rank > 2:
            raise InvalidArgumentError(
                f"'pad_to_max_output_size' (value {pad_to_max_output_size}) must be True for "
                "batched input")
        idx, _, valid = call(op, boxes, scores, max_output_size, iou_threshold,
                                  score_threshold, 0.0, name=name)
        return idx, valid
    dims = boxes.shape.as_list()
    if boxes.shape.rank is None or None in dims[:-2]:
        raise InvalidArgumentError(f"{op}: the batch dims of boxes must be known, got shape "
                                   f"{boxes.shape}")
    if len(dims) == 2:
        idx, _, valid = call(op, boxes, scores, max_output_size, iou_threshold,
                                  score_threshold, 0.0, pad=True, name=name)
        return idx, valid
    heads = dims[:-2]
    flat_boxes = reshape(boxes, [-1] + dims[-2:])
    flat_scores = reshape(scores, [-1, dims[-2]])
    rows, valid = [], []
    for k in range(int(np.prod(heads, dtype=np.int64))):
        idx, _, n = call(op, flat_boxes[k], flat_scores[k], max_output_size,
                              iou_threshold, score_threshold, 0.0, pad=True)
        rows.append(idx)
        valid.append(n)
    size = rows[0].shape[0]
    return reshape(stack(rows), heads + [size]), reshape(stack(valid), heads)


def _combined_infer(specs, max_size_per_class, max_total_size, iou_threshold,
                    score_threshold, pad_per_class, clip_boxes):
    boxes, scores = specs
    op = "combined_non_max_suppression"
    if boxes.shape is not None and len(boxes.shape) != 4:
        raise InvalidArgumentError(f"{op}: boxes must be 4-D, got shape {rules.fmt(boxes.shape)}")
    if scores.shape is not None and len(scores.shape) != 3:
        raise InvalidArgumentError(f"{op}: scores must be 3-D, got shape "
                                   f"{rules.fmt(scores.shape)}")
    for spec, what in ((boxes, "boxes"), (scores, "scores")):
        if spec.dtype is not dtypes.float32:
            raise InvalidArgumentError(f"{op}: {what} must be float32, got {spec.dtype.name}")
    if boxes.shape is not None and boxes.shape[3] not in (None, 4):
        raise InvalidArgumentError(f"{op}: boxes must have 4 columns, got shape "
                                   f"{rules.fmt(boxes.shape)}")
    classes = None if scores.shape is None else scores.shape[2]
    if boxes.shape is not None and scores.shape is not None:
        for a, b in ((boxes.shape[0], scores.shape[0]), (boxes.shape[1], scores.shape[1])):
            if None not in (a, b) and a != b:
                raise InvalidArgumentError(
                    f"{op}: scores has incompatible shape: {rules.fmt(scores.shape)} for boxes "
                    f"{rules.fmt(boxes.shape)}")
        if None not in (boxes.shape[2], classes) and boxes.shape[2] not in (1, classes):
            raise InvalidArgumentError(
                f"{op}: third dimension of boxes must be either 1 or num classes")
    if max_size_per_class <= 0:
        raise InvalidArgumentError(f"{op}: max_size_per_class must be positive")
    if max_total_size <= 0:
        raise InvalidArgumentError(f"{op}: max_total_size must be > 0")
    if not 0 <= iou_threshold <= 1:
        raise InvalidArgumentError(f"{op}: iou_threshold must be in [0, 1]")
    size = max_total_size
    if pad_per_class:
        size = None if classes is None else min(max_total_size, max_size_per_class * classes)
    batch = None if boxes.shape is None else boxes.shape[0]
    if batch is None and scores.shape is not None:
        batch = scores.shape[0]
    return [((batch, size, 4), dtypes.float32), ((batch, size), dtypes.float32),
            ((batch, size), dtypes.float32), ((batch,), dtypes.int32)]


def _combined_ref(boxes, scores, max_size_per_class, max_total_size, iou_threshold,
                  score_threshold, pad_per_class, clip_boxes):
    _combined_infer(_specs(boxes, scores), max_size_per_class, max_total_size, iou_threshold,
                    score_threshold, pad_per_class, clip_boxes)
    if boxes.shape[:2] != scores.shape[:2]:
        raise InvalidArgumentError(
            "combined_non_max_suppression: scores has incompatible shape: "
            f"{list(scores.shape)} for boxes {list(boxes.shape)}")
    if boxes.shape[2] not in (1, scores.shape[2]):
        raise InvalidArgumentError("combined_non_max_suppression: third dimension of boxes "
                                   "must be either 1 or num classes")
    batch, _, q, _ = boxes.shape
    classes = scores.shape[2]
    size = min(max_total_size, max_size_per_class * classes) if pad_per_class else \
        max_total_size
    out_boxes = np.zeros((batch, size, 4), f32)
    out_scores = np.zeros((batch, size), f32)
    out_classes = np.zeros((batch, size), f32)
    valid = np.zeros(batch, np.int32)
    for b in range(batch):
        found = []  # (score, box, class) of every class's own NMS, class by class
        for c in range(classes):
            class_boxes = boxes[b, :, c if q > 1 else 0]
            idx, sc = nms(class_boxes, scores[b, :, c], max_size_per_class, iou_threshold,
                          score_threshold, 0.0)
            found += [(float(s_), class_boxes[i], c) for i, s_ in zip(idx, sc)]
        # TF sorts by score alone (std::sort); ties keep class, then selection, order here
        found.sort(key=lambda item: -item[0])
        count = min(len(found), size)
        valid[b] = count
        for k, (s_, box, c) in enumerate(found[:count]):
            out_boxes[b, k] = np.clip(box, 0, 1) if clip_boxes else box
            out_scores[b, k] = s_
            out_classes[b, k] = c
    return out_boxes, out_scores, out_classes, valid


COMBINED_NMS = register("combined_non_max_suppression", OPAQUE, _combined_infer, _combined_ref,
                        num_outputs=4)


def combined_non_max_suppression(boxes, scores, max_output_size_per_class, max_total_size,
                                 iou_threshold=0.5, score_threshold=float("-inf"),
                                 pad_per_class=False, clip_boxes=True, name=None):
    """Per-class NMS over a batch, as TF's CombinedNonMaxSuppression: boxes [batch, num_boxes,
    q, 4] (q = 1: one box for all classes, or num_classes), scores [batch, num_boxes,
    num_classes]; each class keeps at most max_output_size_per_class boxes, then the best
    max_total_size of all classes are returned, by decreasing score, zero-padded:
    (nmsed_boxes [batch, size, 4], nmsed_scores, nmsed_classes (float32) [batch, size],
    valid_detections [batch]), size = max_total_size, or with pad_per_class
    min(max_total_size, max_output_size_per_class * num_classes). clip_boxes clips the
    returned boxes to [0, 1].

        >>> boxes = [[[[0, 0, 1, 1]], [[0, 0.1, 1, 1.1]], [[0, 2, 1, 3]]]]
        >>> scores = [[[0.9, 0.1], [0.8, 0.7], [0.3, 0.2]]]
        >>> b, s, c, n = tf.image.combined_non_max_suppression(boxes, scores, 2, 3,
        ...                                                    clip_boxes=False)
        >>> s.numpy(), c.numpy(), n.numpy()
        (array([[0.9, 0.7, 0.3]], dtype=float32), array([[0., 1., 0.]], dtype=float32), array([3], dtype=int32))
    """
    op = "combined_non_max_suppression"
    attrs = {"max_size_per_class": _known_number(op, max_output_size_per_class,
                                                 "max_output_size_per_class", int),
             "max_total_size": _known_number(op, max_total_size, "max_total_size", int),
             "iou_threshold": _known_number(op, iou_threshold, "iou_threshold"),
             "score_threshold": _known_number(op, score_threshold, "score_threshold"),
             "pad_per_class": bool(pad_per_class), "clip_boxes": bool(clip_boxes)}
    from graphflow.ops.elementwise import cast
    boxes, scores = _floats(boxes), _floats(scores)
    if boxes.dtype.is_floating and boxes.dtype is not dtypes.float32:  # TF converts to float32
        boxes = cast(boxes, dtypes.float32)
    if scores.dtype.is_floating and scores.dtype is not dtypes.float32:
        scores = cast(scores, dtypes.float32)
    return dispatch(COMBINED_NMS, (boxes, scores), attrs, name)


# -- draw_bounding_boxes --------------------------------------------------------------------------

_COLORS = np.array([[1, 1, 0, 1], [0, 0, 1, 1], [1, 0, 0, 1], [0, 1, 0, 1], [0.5, 0, 0.5, 1],
                    [0.5, 0.5, 0, 1], [0.5, 0, 0, 1], [0, 0, 0.5, 1], [0, 1, 1, 1],
                    [1, 0, 1, 1]], f32)  # TF's default table: yellow, blue, red, lime, ...


def _draw_infer(specs):
    images, boxes, colors = specs
    op = "draw_bounding_boxes"
    if images.shape is not None and len(images.shape) != 4:
        raise InvalidArgumentError(f"{op}: The rank of the images should be 4, got shape "
                                   f"{rules.fmt(images.shape)}")
    _rank(op, boxes, 3, "boxes")
    _rank(op, colors, 2, "colors")
    if images.dtype.np.kind not in "fiu" or images.dtype is dtypes.bool:
        raise InvalidArgumentError(f"{op}: images must be numbers, got {images.dtype.name}")
    if images.shape is not None and images.shape[3] not in (None, 1, 3, 4):
        raise InvalidArgumentError(
            f"{op}: Channel depth should be either 1 (GRY), 3 (RGB), or 4 (RGBA)")
    if boxes.shape is not None and boxes.shape[2] not in (None, 4):
        raise InvalidArgumentError(f"{op}: The size of the third dimension of the box must be "
                                   f"4. Received: {boxes.shape[2]}")
    if images.shape is not None and boxes.shape is not None and None not in (
            images.shape[0], boxes.shape[0]) and images.shape[0] != boxes.shape[0]:
        raise InvalidArgumentError(
            f"{op}: The batch sizes should be the same: {boxes.shape[0]} sets of boxes for "
            f"{images.shape[0]} images")
    return [(images.shape, images.dtype)]


def _draw_ref(images, boxes, colors):
    _draw_infer(_specs(images, boxes, colors))
    batch, height, width, depth = images.shape
    if len(boxes) != batch:
        raise InvalidArgumentError(
            f"draw_bounding_boxes: The batch sizes should be the same: {len(boxes)} sets of "
            f"boxes for {batch} images")
    table = _COLORS.copy() if colors.size == 0 else colors.astype(f32)
    if colors.size == 0 and depth == 1:
        table[:, 0] = 1
    if table.shape[1] < depth:
        raise InvalidArgumentError(
            f"draw_bounding_boxes: colors must have equal or more channels than the image "
            f"provided: {list(table.shape)}")
    out = images.copy()
    for b in range(batch):
        for k, box in enumerate(boxes[b].astype(f32)):
            color = table[k % len(table), :depth].astype(images.dtype)
            # the kernel truncates box * (size - 1) toward zero
            r0, c0 = int(box[0] * f32(height - 1)), int(box[1] * f32(width - 1))
            r1, c1 = int(box[2] * f32(height - 1)), int(box[3] * f32(width - 1))
            if r0 > r1 or c0 > c1 or r0 >= height or r1 < 0 or c0 >= width or c1 < 0:
                continue  # inverted, or wholly outside: not drawn
            rs, re = max(r0, 0), min(r1, height - 1)
            cs, ce = max(c0, 0), min(c1, width - 1)
            if r0 >= 0:
                out[b, r0, cs:ce + 1] = color
            if r1 < height:
                out[b, r1, cs:ce + 1] = color
            if c0 >= 0:
                out[b, rs:re + 1, c0] = color
            if c1 < width:
                out[b, rs:re + 1, c1] = color
    return out


DRAW_BOXES = register("draw_bounding_boxes", OPAQUE, _draw_infer, _draw_ref)


def draw_bounding_boxes(images, boxes, colors, name=None):
    """Copies of float [batch, height, width, depth] images with the outline of each box
    (boxes [batch, num_boxes, 4] as [y_min, x_min, y_max, x_max] in [0, 1]) drawn one pixel
    wide, box k in colors[k % len(colors)] (RGBA rows; None: TF's table of ten colors), as TF's
    DrawBoundingBoxesV2. Not differentiable, as in TF.

        >>> out = tf.image.draw_bounding_boxes(tf.zeros([1, 3, 3, 1]), [[[0, 0, 1, 1]]], None)
        >>> out.numpy()[0, :, :, 0]
        array([[1., 1., 1.],
               [1., 0., 1.],
               [1., 1., 1.]], dtype=float32)
    """
    colors = np.zeros((0, 4), f32) if colors is None else colors
    return dispatch(DRAW_BOXES, (_tensor(images), _tensor(boxes, dtypes.float32),
                                 _tensor(colors, dtypes.float32)), {}, name)


# -- sample_distorted_bounding_box ----------------------------------------------------------------

def _sdbb_infer(specs, min_object_covered, aspect_ratio_range, area_range, max_attempts,
                use_image_if_no_bounding_boxes, seed=None, op="sample_distorted_bounding_box"):
    size, boxes = specs[:2]
    if not size.dtype.is_integer or size.dtype is dtypes.bool:
        raise InvalidArgumentError(f"{op}: image_size must be uint8, int8, int16, int32 or "
                                   f"int64, got {size.dtype.name}")
    if size.shape is not None and (len(size.shape) != 1 or size.shape[0] not in (None, 3)):
        raise InvalidArgumentError(f"{op}: image_size must contain 3 elements, got shape "
                                   f"{rules.fmt(size.shape)}")
    if boxes.shape is not None and (len(boxes.shape) != 3 or boxes.shape[2] not in (None, 4)):
        raise InvalidArgumentError(
            f"{op}: input boxes must be 3-dimensional [batch, num_boxes, coords], got shape "
            f"{rules.fmt(boxes.shape)}")
    if boxes.dtype is not dtypes.float32:
        raise InvalidArgumentError(f"{op}: bounding_boxes must be float32, got "
                                   f"{boxes.dtype.name}")
    if max(area_range) > 1.0 or min(area_range) <= 0.0:
        raise InvalidArgumentError(
            f"{op}: Area range must be less then or equal to 1.0 (and positive): "
            f"{list(area_range)}")
    if max_attempts <= 0:
        raise InvalidArgumentError(f"{op}: Max attempts must be non-negative: {max_attempts}")
    return [((3,), size.dtype), ((3,), size.dtype), ((1, 1, 4), dtypes.float32)]


def _random_crop(gen, width, height, min_area, max_area, ratio):
    """TF's GenerateRandomCrop: (x, y, w, h) of a crop of aspect ratio ~ratio and area in
    [min_area, max_area], or None."""
    h = int(np.rint(np.sqrt(min_area / ratio)))
    max_h = int(np.rint(np.sqrt(max_area / ratio)))
    if int(np.rint(max_h * ratio)) > width:
        max_h = int((width + 0.5 - 1e-7) / ratio)  # the largest with round(h * ratio) <= width
    max_h = min(max_h, height)
    h = min(h, max_h)
    if h < max_h:
        h += int(gen.integers(0, max_h - h + 1))
    w = int(np.rint(h * ratio))
    area = float(w * h)
    if area < min_area:  # rounding left it too small: one row more
        h += 1
        w = int(np.rint(h * ratio))
        area = float(w * h)
    if area < min_area or area > max_area or w > width or h > height or w <= 0 or h <= 0:
        return None
    y = int(gen.integers(0, height - h)) if h < height else 0
    x = int(gen.integers(0, width - w)) if w < width else 0
    return x, y, w, h


def _covers(crop, rects, minimum):
    """TF's SatisfiesOverlapConstraints: the crop covers `minimum` of one box's area."""
    x, y, w, h = crop
    if w * h < 1:
        return False
    for x0, y0, x1, y1 in rects:
        area = (x1 - x0) * (y1 - y0)
        if area < 1:
            continue
        iw, ih = min(x + w, x1) - max(x, x0), min(y + h, y1) - max(y, y0)
        if iw > 0 and ih > 0 and iw * ih / area >= minimum:
            return True
    return False


def sample_box(gen, image_size, boxes, min_object_covered, aspect_ratio_range, area_range,
               max_attempts, use_image_if_no_bounding_boxes, op):
    """TF's SampleDistortedBoundingBoxV2 with random numbers from `gen`: (begin, size, box)."""
    _sdbb_infer(_specs(image_size, boxes), min_object_covered, aspect_ratio_range, area_range,
                max_attempts, use_image_if_no_bounding_boxes, op=op)
    height, width = int(image_size[0]), int(image_size[1])
    if height <= 0 or width <= 0:
        raise InvalidArgumentError(f"{op}: image height and width must be positive, got "
                                   f"{[int(v) for v in image_size]}")
    flat = boxes.reshape(-1, 4).astype(f32)
    if flat.size and (flat.min() < 0 or flat.max() > 1):
        bad = flat[(flat < 0) | (flat > 1)][0]
        raise InvalidArgumentError(
            f"{op}: All bounding box coordinates must be in [0.0, 1.0]: {bad}")
    rects = [(int(b[1] * f32(width)), int(b[0] * f32(height)), int(b[3] * f32(width)),
              int(b[2] * f32(height))) for b in flat]
    if not rects:
        if not use_image_if_no_bounding_boxes:
            raise InvalidArgumentError(
                f"{op}: No bounding boxes provided as input. One must enable "
                "use_image_if_no_bounding_boxes if you wish to not provide any bounding boxes.")
        rects = [(0, 0, width, height)]
    lo_ratio, hi_ratio = (float(v) for v in aspect_ratio_range)
    min_area = float(area_range[0]) * width * height
    max_area = float(area_range[1]) * width * height
    crop = (0, 0, width, height)
    for _ in range(max_attempts):
        ratio = float(gen.random()) * (hi_ratio - lo_ratio) + lo_ratio
        candidate = _random_crop(gen, width, height, min_area, max_area, ratio)
        if candidate is not None and _covers(candidate, rects, min_object_covered):
            crop = candidate
            break
    x, y, w, h = crop
    dtype = image_size.dtype
    box = np.array([[[y / height, x / width, (y + h) / height, (x + w) / width]]], f32)
    return np.array([y, x, 0], dtype), np.array([h, w, -1], dtype), box


def _sdbb_ref(image_size, boxes, seed, **params):
    from graphflow.ops.random import _generator
    return sample_box(_generator(seed), image_size, boxes, op="sample_distorted_bounding_box",
                      **params)


def _stateless_sdbb_infer(specs, **params):
    from graphflow.ops.stateless_random import _check_seed
    op = "stateless_sample_distorted_bounding_box"
    _check_seed(op, specs[2], 2)
    return _sdbb_infer(specs[:2], **params, op=op)


def _stateless_sdbb_ref(image_size, boxes, seed, **params):
    from graphflow.ops.stateless_random import philox
    _stateless_sdbb_infer(_specs(image_size, boxes, seed), **params)
    return sample_box(philox(seed), image_size, boxes,
                      op="stateless_sample_distorted_bounding_box", **params)


SAMPLE_BOX = register("sample_distorted_bounding_box", "random", _sdbb_infer, _sdbb_ref,
                      num_outputs=3)
STATELESS_SAMPLE_BOX = register("stateless_sample_distorted_bounding_box", OPAQUE,
                                _stateless_sdbb_infer, _stateless_sdbb_ref, num_outputs=3)


def _sdbb_attrs(op, min_object_covered, aspect_ratio_range, area_range, max_attempts,
                use_image_if_no_bounding_boxes):
    def pair(value, default):
        v = [float(x) for x in np.asarray(default if value is None else value).reshape(-1)]
        if len(v) != 2:
            raise InvalidArgumentError(f"{op}: ranges must have 2 elements, got {value!r}")
        return tuple(v)
    return {"min_object_covered": _known_number(op, min_object_covered, "min_object_covered"),
            "aspect_ratio_range": pair(aspect_ratio_range, (0.75, 1.33)),
            "area_range": pair(area_range, (0.05, 1.0)),
            "max_attempts": 100 if max_attempts is None else int(max_attempts),
            "use_image_if_no_bounding_boxes": bool(use_image_if_no_bounding_boxes)}


def sample_distorted_bounding_box(image_size, bounding_boxes, seed=0, min_object_covered=0.1,
                                  aspect_ratio_range=None, area_range=None, max_attempts=None,
                                  use_image_if_no_bounding_boxes=None, name=None):
    """A random crop for augmentation, as TF's SampleDistortedBoundingBoxV2: up to
    max_attempts crops of aspect ratio in aspect_ratio_range (default [0.75, 1.33]) and area
    fraction in area_range (default [0.05, 1]) are drawn until one covers min_object_covered
    of some box of bounding_boxes ([batch, N, 4] in [0, 1]); else the whole image. Returns
    (begin, size, bboxes) for tf.slice: begin = [y, x, 0], size = [h, w, -1] in image_size's
    dtype, bboxes [1, 1, 4] the crop, normalized. The numbers differ from TF's (another
    generator); seed=0 means unseeded, as in TF.

        >>> begin, size, box = tf.image.sample_distorted_bounding_box(
        ...     [40, 60, 3], [[[0.1, 0.2, 0.5, 0.6]]], seed=3, min_object_covered=0.5)
        >>> int(size[2]), box.shape
        (-1, TensorShape([1, 1, 4]))
    """
    from graphflow.ops.random import _seed_key
    op = "sample_distorted_bounding_box"
    attrs = _sdbb_attrs(op, min_object_covered, aspect_ratio_range, area_range, max_attempts,
                        use_image_if_no_bounding_boxes)
    attrs["seed"] = _seed_key(int(seed) if seed else None)
    return dispatch(SAMPLE_BOX, (_tensor(image_size), _tensor(bounding_boxes, dtypes.float32)),
                    attrs, name)


def stateless_sample_distorted_bounding_box(image_size, bounding_boxes, seed,
                                            min_object_covered=0.1, aspect_ratio_range=None,
                                            area_range=None, max_attempts=None,
                                            use_image_if_no_bounding_boxes=None, name=None):
    """sample_distorted_bounding_box drawn as a function of `seed` (shape [2]): the same seed
    gives the same crop (graphflow's stateless generator, not TF's numbers).

        >>> a = tf.image.stateless_sample_distorted_bounding_box(
        ...     [40, 60, 3], [[[0.1, 0.2, 0.5, 0.6]]], seed=[1, 2])
        >>> b = tf.image.stateless_sample_distorted_bounding_box(
        ...     [40, 60, 3], [[[0.1, 0.2, 0.5, 0.6]]], seed=[1, 2])
        >>> bool(tf.reduce_all(a[0] == b[0]) and tf.reduce_all(a[1] == b[1]))
        True
    """
    from graphflow.ops.stateless_random import _seed
    op = "stateless_sample_distorted_bounding_box"
    attrs = _sdbb_attrs(op, min_object_covered, aspect_ratio_range, area_range, max_attempts,
                        use_image_if_no_bounding_boxes)
    return dispatch(STATELESS_SAMPLE_BOX, (_tensor(image_size),
                                           _tensor(bounding_boxes, dtypes.float32),
                                           _seed(seed, op)), attrs, name)
