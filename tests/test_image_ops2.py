"""tf.image's quality measures, color spaces, patches and boxes (graphflow/ops/image_metrics.py,
image_color.py, image_boxes.py).

The UPPER_CASE constants below were computed with TensorFlow 2.21 (tensorflow-cpu, eager) on the
same inputs these tests build (NumPy's seeded default_rng, or arange formulas), and are written
in here so the tests never need TensorFlow; the rest is checked against NumPy expressions and
finite differences."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import FailedPreconditionError, InvalidArgumentError, UnimplementedError

# -- constants computed with TensorFlow 2.21 ---------------------------------------------------
PSNR = [20.344409942626953, 20.579029083251953]
PSNR_U8 = [20.335248947143555, 20.59096336364746]
SSIM = [0.9418017268180847, 0.9488279223442078]
SSIM_U8 = [0.9417383670806885, 0.9489231705665588]
SSIM_5 = 0.9379026293754578
MSSSIM_3 = [0.9368391036987305, 0.9329314231872559]
MSSSIM = [0.9880686402320862]
SSIM_GRAD_CORNER = (
    [[9.591187399848877e-09, 4.771421302507406e-08, 4.5246738977766654e-07],
    [-3.212697379240126e-07, -5.36201923750923e-07, -6.604574991797563e-06]])
SSIM_GRAD_NORM = 0.11885524541139603
MSSSIM_GRAD_CORNER = (
    [[-0.0004618197272066027, -0.0004936085315421224, -0.000821900786831975],
    [-0.0006033444660715759, -0.00011607239139266312, -0.000804163864813745]])
MSSSIM_GRAD_NORM = 0.1390465497970581
SOBEL = (
    [[[0.0, 0.0], [0.0, 2.0336689949035645], [0.0, 2.425325870513916], [0.0, 2.7302627563476562],
    [0.0, 2.384185791015625e-07]], [[13.42112922668457, 0.0], [14.13293170928955,
    2.7454705238342285], [15.464048385620117, 3.044640064239502], [16.647602081298828,
    3.2945046424865723], [17.21184539794922, 0.0]], [[19.243494033813477, -4.76837158203125e-07],
    [19.709306716918945, 3.923086643218994], [20.618825912475586, 4.107658386230469],
    [21.487186431884766, 4.283398628234863], [21.91183853149414, 0.0]], [[0.0,
    -4.76837158203125e-07], [0.0, 4.388899803161621], [0.0, 4.551364898681641], [0.0,
    4.708050727844238], [0.0, -9.5367431640625e-07]]])
HSV_IN = (
    [[[0.9560016989707947, 0.207681804895401, 0.8284448981285095], [0.14928212761878967,
    0.5128046274185181, 0.13591960072517395], [0.68903648853302, 0.8417477011680603,
    0.4255090057849884]], [[0.9569259881973267, 0.8253328800201416, 0.33821532130241394],
    [0.575760543346405, 0.7533018589019775, 0.8271039128303528], [0.9334384799003601,
    0.14499469101428986, 0.7455801963806152]]])
HSV = (
    [[[0.8617429137229919, 0.782759964466095, 0.9560016989707947], [0.32742413878440857,
    0.7349485754966736, 0.5128046274185181], [0.2278139591217041, 0.49449342489242554,
    0.8417477011680603]], [[0.13121846318244934, 0.6465606093406677, 0.9569259881973267],
    [0.5489383935928345, 0.3038836717605591, 0.8271039128303528], [0.8730441331863403,
    0.844666063785553, 0.9334384799003601]]])
HSV_BACK = (
    [[[0.8284448981285095, 0.656391978263855, 0.701812207698822], [0.13591960072517395,
    0.12864936888217926, 0.06621939688920975], [0.11541122198104858, 0.06733778119087219,
    0.4255090057849884]], [[0.33821532130241394, 0.059075094759464264, 0.13121716678142548],
    [0.20404499769210815, 0.54388427734375, 0.8271039128303528], [0.7455801963806152,
    0.6374750137329102, 0.680648922920227]]])
HUE = (
    [[[[0.6638140678405762, 0.9560016989707947, 0.207681804895401], [0.2054716944694519,
    0.13591960072517395, 0.5128046274185181], [0.4255090057849884, 0.5974639654159546,
    0.8417477011680603]], [[0.33821532130241394, 0.9524025917053223, 0.9569259881973267],
    [0.8271039128303528, 0.575760543346405, 0.6980063319206238], [0.5721228122711182,
    0.9334384799003601, 0.14499469101428986]]]])
SAT = (
    [[[[0.9560016989707947, 0.0, 0.7930441498756409], [0.018181605264544487, 0.5128046274185181,
    0.0], [0.597409725189209, 0.8417477011680603, 0.1757657527923584]], [[0.9569259881973267,
    0.7533981204032898, 0.0], [0.42495450377464294, 0.7090206146240234, 0.8271039128303528],
    [0.9334384799003601, 0.0, 0.7110327482223511]]]])
HUE_U8 = [[[55, 30, 200], [250, 250, 10], [77, 77, 77]], [[0, 0, 0], [255, 0, 254], [40, 80, 40]]]
SAT_U8 = (
    [[[200, 132, 156], [154, 250, 202], [77, 77, 77]], [[0, 0, 0], [255, 204, 153], [64, 72, 80]]])
HSV_GRAD = (
    [[[3.639232873916626, -2.054081916809082, -0.2227211594581604], [-0.4422215223312378,
    4.049411296844482, -3.4735782146453857], [-0.40041130781173706, 4.454594612121582,
    -2.2291042804718018]], [[3.526613712310791, 0.2693774104118347, -2.1473195552825928],
    [-2.2233684062957764, -0.663103461265564, 5.151658535003662], [3.4938416481018066,
    -2.092249870300293, -0.21138684451580048]]])
CNR_IMG = (
    [[0.0, 0.10000000149011612, 0.24622885882854462, 0.4171167314052582, 0.6062866449356079,
    0.8103281855583191], [1.0270617008209229, 1.2549527883529663, 1.4928526878356934,
    1.739863634109497, 1.9952619075775146, 2.2584497928619385], [2.5289227962493896,
    2.8062496185302734, 3.0900561809539795, 3.380014419555664, 3.6758339405059814,
    3.9772555828094482], [4.2840471267700195, 4.595995903015137, 4.912911415100098,
    5.234618186950684, 5.56095552444458, 5.891774654388428]])
CNR_BILINEAR = (
    [[[0.34271034598350525, 0.6928628087043762, 1.1338719129562378], [3.568333148956299,
    4.207908630371094, 4.871445655822754]], [[3.1958518028259277, 2.8409576416015625,
    2.49599027633667], [1.1218392848968506, 0.8584954738616943, 0.6197288036346436]], [[-1.0, -1.0,
    -1.0], [2.161027669906616, 2.835547685623169, -1.0]]])
CNR_BILINEAR_GRAD_IMAGE = (
    [[0.5249999761581421, 6.774999618530273, 5.41249942779541, 4.78749942779541, 3.799999713897705,
    1.0499999523162842], [0.22500000894069672, 11.275001525878906, 9.287501335144043,
    4.812501907348633, 11.899999618530273, 0.45000001788139343], [1.3500001430511475,
    11.649999618530273, 10.206249237060547, 5.243752479553223, 12.649996757507324,
    1.3500001430511475], [1.6499998569488525, 0.5499999523162842, 1.7187498807907104,
    1.0312498807907104, 1.6499998569488525, 1.6499998569488525]])
CNR_BILINEAR_GRAD_BOXES = (
    [[23.59505844116211, 11.430587768554688, 82.88353729248047, 17.665863037109375],
    [115.34317779541016, 32.288185119628906, 124.02073669433594, 11.268815040588379], [0.0,
    32.58163833618164, 161.273193359375, 11.71337890625]])
CNR_NEAREST = (
    [[[0.0, 0.24622885882854462, 0.8103281855583191], [4.2840471267700195, 4.912911415100098,
    5.891774654388428]], [[3.6758339405059814, 3.0900561809539795, 2.8062496185302734],
    [0.6062866449356079, 0.24622885882854462, 0.10000000149011612]], [[-1.0, -1.0, -1.0],
    [1.4928526878356934, 1.9952619075775146, -1.0]]])
CNR_NEAREST_GRAD_IMAGE = (
    [[1.0, 12.0, 13.0, 0.0, 10.0, 3.0], [0.0, 0.0, 16.0, 0.0, 17.0, 0.0], [0.0, 9.0, 8.0, 0.0, 7.0,
    0.0], [4.0, 0.0, 5.0, 0.0, 0.0, 6.0]])
CNR_NEAREST_GRAD_BOXES = (
    [[23.59505844116211, 11.430587768554688, 82.88353729248047, 17.665863037109375],
    [115.34317779541016, 32.288185119628906, 124.02073669433594, 11.268815040588379], [0.0,
    32.58163833618164, 161.273193359375, 11.71337890625]])
NMS = [3, 0, 5]
NMS_T = [3, 0]
SOFT_I = [3, 0, 1, 5, 4, 2]
SOFT_S = (
    [0.949999988079071, 0.8999999761581421, 0.38400354981422424, 0.30000001192092896,
    0.25600260496139526, 0.19697244465351105])
SOFT2_I = [3, 0]
SOFT2_S = [0.949999988079071, 0.8999999761581421]
PADDED = ([3, 0, 4, 5, 0], 4)
PATCHES = (
    [[[[0.0, 0.0, 0.0, 6.0, 7.0, 8.0], [0.0, 0.0, 0.0, 8.0, 9.0, 10.0], [0.0, 0.0, 0.0, 10.0, 11.0,
    0.0]], [[6.0, 7.0, 8.0, 18.0, 19.0, 20.0], [8.0, 9.0, 10.0, 20.0, 21.0, 22.0], [10.0, 11.0,
    0.0, 22.0, 23.0, 0.0]], [[18.0, 19.0, 20.0, 0.0, 0.0, 0.0], [20.0, 21.0, 22.0, 0.0, 0.0, 0.0],
    [22.0, 23.0, 0.0, 0.0, 0.0, 0.0]]]])
CNMS_BOXES = (
    [[[0.0, 0.44146615266799927, 0.06115143373608589, 0.8927477598190308], [0.570445716381073,
    0.015079381875693798, 0.8024585247039795, 0.40861034393310547], [0.15082445740699768,
    0.846752941608429, 0.4782390296459198, 1.0], [0.00685127405449748, 0.15795496106147766,
    0.36954301595687866, 0.23864638805389404]], [[0.034351736307144165, 0.6636250615119934,
    0.29187342524528503, 1.0], [0.8060838580131531, 0.18264040350914001, 1.0, 0.45112353563308716],
    [0.3190070390701294, 0.22389505803585052, 0.4365653991699219, 0.35899242758750916],
    [0.8145245909690857, 0.6288713812828064, 1.0, 1.0]]])
CNMS_REST = (
    [[[0.8538024425506592, 0.8283546566963196, 0.6955296397209167, 0.504199206829071],
    [0.9958000183105469, 0.886009693145752, 0.8812910914421082, 0.7695344686508179]], [[1.0, 1.0,
    0.0, 0.0], [1.0, 1.0, 0.0, 0.0]], [4, 4]])


def _quality_images():
    rng = np.random.default_rng(7)
    a = rng.uniform(0, 1, (2, 16, 16, 3)).astype(np.float32)
    b = np.clip(a + rng.normal(0, 0.1, a.shape), 0, 1).astype(np.float32)
    return a, b


def close(actual, expected, rtol=2e-5, atol=1e-6):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected, np.float32), rtol=rtol,
                               atol=atol)


# -- quality measures --------------------------------------------------------------------------

def test_psnr_and_ssim_match_tensorflow_float_and_uint8():
    a, b = _quality_images()
    close(tf.image.psnr(a, b, 1.0), PSNR)
    au8, bu8 = (a * 255).astype(np.uint8), (b * 255).astype(np.uint8)
    got = tf.image.psnr(au8, bu8, 255)  # uint8 and max_val converted to [0, 1] as TF does
    assert got.dtype is tf.float32 and got.shape == (2,)
    close(got, PSNR_U8)
    close(tf.image.ssim(a, b, 1.0), SSIM)
    close(tf.image.ssim(au8, bu8, 255), SSIM_U8)
    one = tf.image.ssim(a[0], b[0], 1.0, filter_size=5, filter_sigma=0.8, k1=0.02, k2=0.05)
    assert one.shape == ()
    close(one, SSIM_5)
    close(tf.image.psnr(a[1], b[1], 1.0), PSNR[1])
    assert np.isinf(tf.image.psnr(a, a, 1.0).numpy()).all()
    assert tf.image.psnr(a.astype(np.float64), b, 1.0).dtype is tf.float32
    # batch dims broadcast; return_index_map keeps the VALID-filtered map
    assert tf.image.ssim(a[:1], b, 1.0).shape == (2,)
    assert tf.image.ssim(a, b, 1.0, filter_size=5, return_index_map=True).shape == (2, 12, 12)


def test_ssim_multiscale_matches_tensorflow():
    a, b = _quality_images()
    close(tf.image.ssim_multiscale(a, b, 1.0, power_factors=(0.4, 0.35, 0.25), filter_size=3),
          MSSSIM_3)
    big = np.random.default_rng(8).uniform(0, 1, (1, 177, 171, 1)).astype(np.float32)
    big2 = np.clip(big + 0.05 * np.random.default_rng(9).normal(size=big.shape), 0, 1)
    close(tf.image.ssim_multiscale(big, big2.astype(np.float32), 1.0), MSSSIM)  # odd sides pad


def test_ssim_gradients_match_tensorflow_and_compile():
    a, b = _quality_images()
    x = tf.Variable(a)
    with tf.GradientTape(persistent=True) as tape:
        s = tf.reduce_sum(tf.image.ssim(x, b, 1.0))
        ms = tf.reduce_sum(tf.image.ssim_multiscale(x, b, 1.0, power_factors=(0.4, 0.35, 0.25),
                                                    filter_size=3))
    g = tape.gradient(s, x).numpy()
    close(g[0, :2, :3, 0], SSIM_GRAD_CORNER, rtol=1e-3, atol=1e-8)
    close(np.linalg.norm(g), SSIM_GRAD_NORM, rtol=1e-4)
    g = tape.gradient(ms, x).numpy()
    close(g[1, :2, :3, 2], MSSSIM_GRAD_CORNER, rtol=1e-3, atol=1e-8)
    close(np.linalg.norm(g), MSSSIM_GRAD_NORM, rtol=1e-4)

    @tf.function
    def step(p, q):
        with tf.GradientTape() as t:
            t.watch(p)
            loss = tf.reduce_mean(1.0 - tf.image.ssim(p, q, 1.0)) - tf.reduce_mean(
                tf.image.psnr(p, q, 1.0))
        return loss, t.gradient(loss, p)
    loss, grad = step(tf.constant(a), tf.constant(b))
    eager = 1.0 - np.mean(SSIM) - np.mean(PSNR)
    close(loss, eager, rtol=1e-5)
    assert grad.shape == a.shape and np.isfinite(grad.numpy()).all()


def test_total_variation_image_gradients_and_sobel():
    x = np.random.default_rng(3).uniform(-1, 1, (2, 4, 5, 2)).astype(np.float32)
    tv = np.abs(np.diff(x, axis=1)).sum(axis=(1, 2, 3)) + np.abs(np.diff(x, axis=2)).sum(
        axis=(1, 2, 3))
    close(tf.image.total_variation(x), tv, rtol=1e-5)
    close(tf.image.total_variation(x[0]), tv[0], rtol=1e-5)
    assert tf.image.total_variation(x.astype(np.int32)).dtype is tf.int32
    dy, dx = tf.image.image_gradients(x)
    close(dy, np.concatenate([np.diff(x, axis=1), np.zeros((2, 1, 5, 2))], 1))
    close(dx, np.concatenate([np.diff(x, axis=2), np.zeros((2, 4, 1, 2))], 2))
    s = np.arange(20, dtype=np.float32).reshape(1, 4, 5, 1) ** 1.5 / 10
    edges = tf.image.sobel_edges(s)
    assert edges.shape == (1, 4, 5, 1, 2)
    close(edges.numpy()[0, :, :, 0], SOBEL, atol=2e-6)
    assert tf.image.sobel_edges(s.astype(np.float64)).dtype is tf.float64
    v = tf.Variable(x)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.image.total_variation(v)) + tf.reduce_sum(
            tf.image.sobel_edges(v) ** 2)
    assert tape.gradient(loss, v).shape == x.shape


def test_quality_errors_follow_tensorflow():
    with pytest.raises(InvalidArgumentError, match="rank at least 3"):
        tf.image.psnr(tf.zeros([3, 3]), tf.zeros([3, 3]), 1.0)
    with pytest.raises(InvalidArgumentError, match="incompatible"):
        tf.image.psnr(tf.zeros([3, 3, 1]), tf.zeros([3, 4, 1]), 1.0)
    with pytest.raises(InvalidArgumentError, match="not compatible"):
        tf.image.ssim(tf.zeros([2, 11, 11, 1]), tf.zeros([3, 11, 11, 1]), 1.0)
    with pytest.raises(InvalidArgumentError, match="filter_size"):
        tf.image.ssim(tf.zeros([1, 5, 5, 1]), tf.zeros([1, 5, 5, 1]), 1.0)
    with pytest.raises(ValueError, match="either 3 or 4-dimensional"):
        tf.image.total_variation(tf.zeros([3, 3]))
    with pytest.raises(ValueError, match=r"expects a 4D tensor \[batch_size, h, w, d\], not "
                                         r"\(3, 3, 1\)"):
        tf.image.image_gradients(tf.zeros([3, 3, 1]))
    with pytest.raises(InvalidArgumentError, match="sobel_edges: the image must be 4-D"):
        tf.image.sobel_edges(tf.zeros([3, 3, 1]))
    with pytest.raises(InvalidArgumentError, match="float16, float32 or float64"):
        tf.image.sobel_edges(tf.zeros([1, 3, 3, 1], tf.int32))
    with pytest.raises(InvalidArgumentError, match="2 x 2 or larger"):
        tf.image.sobel_edges(tf.zeros([1, 1, 3, 1]))


# -- color -------------------------------------------------------------------------------------

U8_PIXELS = np.array([[[200, 30, 90], [10, 250, 130], [77, 77, 77]],
                      [[0, 0, 0], [255, 128, 0], [40, 60, 80]]], np.uint8)


def test_hsv_hue_saturation_match_tensorflow():
    x = np.array(HSV_IN, np.float32)
    close(tf.image.rgb_to_hsv(x), HSV)
    close(tf.image.hsv_to_rgb(x), HSV_BACK)
    close(tf.image.hsv_to_rgb(tf.image.rgb_to_hsv(x)), x, atol=1e-6)
    close(tf.image.adjust_hue(x[None], 0.37), HUE)
    close(tf.image.adjust_saturation(x[None], 1.6), SAT)
    hue = tf.image.adjust_hue(U8_PIXELS, -0.25)
    assert hue.dtype is tf.uint8
    np.testing.assert_array_equal(hue, HUE_U8)
    np.testing.assert_array_equal(tf.image.adjust_saturation(U8_PIXELS, 0.4), SAT_U8)
    assert tf.image.rgb_to_hsv(x.astype(np.float64)).dtype is tf.float64
    assert tf.image.adjust_hue(x.astype(np.float64), 0.1).dtype is tf.float64


def test_rgb_to_hsv_gradient_matches_tensorflow_including_gray_and_black_pixels():
    v = tf.Variable(np.array(HSV_IN, np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.image.rgb_to_hsv(v) * [1.0, 2.0, 3.0])
    close(tape.gradient(loss, v), HSV_GRAD, rtol=1e-4, atol=1e-6)
    # ties and zeros: TF's gradient picks red, then green, then blue as the maximum, and leaves
    # channels <= 0 out of the saturation's gradient (values TF 2.21 returned)
    e = tf.Variable([[0.0, 0.5, 0.7], [0.5, 0.5, 0.5], [0.6, 0.6, 0.1], [0.0, 0.0, 0.0]])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.image.rgb_to_hsv(e) * [0.0, 2.0, 3.0])
    close(tape.gradient(loss, e), [[0.0, 0.0, 3.0], [7.0, 0.0, -4.0],
                                   [3.5555556, 0.0, -3.3333333], [3.0, 0.0, 0.0]], rtol=1e-6)


def test_yuv_yiq_are_tfs_matrices_and_invert():
    x = np.random.default_rng(4).uniform(0, 1, (3, 2, 3)).astype(np.float32)
    yuv = np.array([[0.299, -0.14714119, 0.61497538], [0.587, -0.28886916, -0.51496512],
                    [0.114, 0.43601035, -0.10001026]])
    close(tf.image.rgb_to_yuv(x), x @ yuv, atol=1e-6)
    # TF's inverse matrices are inverses to about 1e-4
    close(tf.image.yuv_to_rgb(tf.image.rgb_to_yuv(x)), x, atol=2e-4)
    close(tf.image.yiq_to_rgb(tf.image.rgb_to_yiq(x)), x, atol=2e-4)
    close(tf.image.rgb_to_yiq(x)[..., 0], x @ [0.299, 0.587, 0.114], atol=1e-6)


def test_random_and_stateless_color_augmentations():
    x = np.array(HSV_IN, np.float32)
    first = tf.image.stateless_random_hue(x, 0.3, seed=[1, 2])
    np.testing.assert_array_equal(first, tf.image.stateless_random_hue(x, 0.3, seed=[1, 2]))
    delta = float(tf.random.stateless_uniform([], seed=[1, 2], minval=-0.3, maxval=0.3))
    close(first, tf.image.adjust_hue(x, delta))
    sat = tf.image.stateless_random_saturation(x, 0.5, 1.5, seed=[3, 4])
    factor = float(tf.random.stateless_uniform([], seed=[3, 4], minval=0.5, maxval=1.5))
    close(sat, tf.image.adjust_saturation(x, factor))
    assert tf.image.random_hue(x, 0.2, seed=1).shape == x.shape
    assert tf.image.random_saturation(U8_PIXELS, 0.5, 1.5).dtype is tf.uint8
    for call, match in [(lambda: tf.image.random_hue(x, 0.6), "max_delta must be <= 0.5."),
                        (lambda: tf.image.random_hue(x, -0.1), "max_delta must be non-negative"),
                        (lambda: tf.image.random_saturation(x, 1.0, 0.5), "upper must be > lower"),
                        (lambda: tf.image.random_saturation(x, -1.0, 0.5),
                         "lower must be non-negative")]:
        with pytest.raises(ValueError, match=match):
            call()


def test_color_errors_follow_tensorflow():
    with pytest.raises(FailedPreconditionError, match="input must have 3 channels"):
        tf.image.rgb_to_hsv(tf.zeros([2, 4]))
    with pytest.raises(InvalidArgumentError, match="rgb_to_hsv: .*uint8"):
        tf.image.rgb_to_hsv(tf.zeros([2, 3], tf.uint8))
    with pytest.raises(TypeError, match="rgb_to_yuv"):
        tf.image.rgb_to_yuv(tf.zeros([2, 3], tf.int32))
    with pytest.raises(ValueError, match=r"delta must be in the interval \[-1, 1\]"):
        tf.image.adjust_hue(tf.zeros([2, 2, 3]), 1.5)
    with pytest.raises(InvalidArgumentError, match="at least three-dimensional"):
        tf.image.adjust_hue(tf.zeros([2, 3]), 0.1)
    with pytest.raises(InvalidArgumentError, match="but instead has 4 channels"):
        tf.image.adjust_saturation(tf.zeros([2, 2, 4]), 1.0)
    with pytest.raises(InvalidArgumentError, match="must be a scalar"):
        tf.image.adjust_saturation(tf.zeros([2, 2, 3]), [1.0, 2.0])


def test_color_ops_trace_and_compile():
    x = np.array(HSV_IN, np.float32)
    f = tf.function(lambda v: (tf.image.adjust_hue(v, 0.37), tf.image.rgb_to_hsv(v)))
    hue, hsv = f(tf.constant(x[None]))
    close(hue, HUE)
    close(hsv[0], HSV)


# -- patches and boxes ---------------------------------------------------------------------------

def test_extract_patches_matches_tensorflow_and_differentiates():
    pt = np.arange(30, dtype=np.float32).reshape(1, 5, 6, 1)
    got = tf.image.extract_patches(pt, [1, 2, 3, 1], [1, 2, 2, 1], [1, 2, 1, 1], "SAME")
    np.testing.assert_array_equal(got, PATCHES)
    x = tf.Variable(pt)
    with tf.GradientTape() as tape:
        y = tf.image.extract_patches(x, [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID")
    # each pixel is read once per patch that covers it: 1 at the corners, 4 inside
    counts = tape.gradient(y, x).numpy()[0, :, :, 0]
    assert counts[0, 0] == 1 and counts[2, 3] == 4 and counts[0, 2] == 2
    assert tf.image.extract_patches(tf.zeros([1, 3, 3, 1]), [1, 4, 4, 1], [1, 1, 1, 1],
                                    [1, 1, 1, 1], "VALID").shape == (1, 0, 0, 16)
    with pytest.raises(UnimplementedError, match="across space"):
        tf.image.extract_patches(tf.zeros([1, 3, 3, 1]), [2, 2, 2, 1], [1, 1, 1, 1],
                                 [1, 1, 1, 1], "VALID")
    with pytest.raises(InvalidArgumentError, match="must be 4-D"):
        tf.image.extract_patches(tf.zeros([3, 3, 1]), [1, 2, 2, 1], [1, 1, 1, 1],
                                 [1, 1, 1, 1], "VALID")
    with pytest.raises(InvalidArgumentError, match="'VALID' or 'SAME'"):
        tf.image.extract_patches(tf.zeros([1, 3, 3, 1]), [1, 2, 2, 1], [1, 1, 1, 1],
                                 [1, 1, 1, 1], "FULL")


CNR_BOXES = np.array([[0.1, 0.05, 0.85, 0.9], [0.6, 0.7, 0.15, 0.2], [-0.2, 0.3, 0.5, 1.3]],
                     np.float32)


def _cnr_image():
    return (np.arange(24, dtype=np.float32).reshape(1, 4, 6, 1) ** 1.3) / 10


@pytest.mark.parametrize("method", ["bilinear", "nearest"])
def test_crop_and_resize_and_its_gradients_match_tensorflow(method):
    consts = globals()
    image = _cnr_image()
    np.testing.assert_allclose(image[0, :, :, 0], CNR_IMG, rtol=1e-6)
    xi, xb = tf.Variable(image), tf.Variable(CNR_BOXES)
    weights = tf.reshape(tf.range(1.0, 19.0), [3, 2, 3, 1])
    with tf.GradientTape(persistent=True) as tape:
        y = tf.image.crop_and_resize(xi, xb, [0, 0, 0], [2, 3], method=method,
                                     extrapolation_value=-1.0)
        loss = tf.reduce_sum(y * weights)
    assert y.dtype is tf.float32 and y.shape == (3, 2, 3, 1)
    close(y.numpy()[..., 0], consts[f"CNR_{method.upper()}"])
    close(tape.gradient(loss, xi).numpy()[0, :, :, 0],
          consts[f"CNR_{method.upper()}_GRAD_IMAGE"])
    # "nearest" gets the bilinear boxes gradient, as in TF
    close(tape.gradient(loss, xb), consts[f"CNR_{method.upper()}_GRAD_BOXES"], rtol=1e-4,
          atol=1e-4)


def test_crop_and_resize_gradients_against_finite_differences():
    """The registry harness cannot difference it (its output is float32): float64 images and
    central differences of the float32 output with a step large enough for its rounding."""
    image = np.random.default_rng(5).uniform(0, 2, (2, 5, 6, 2))
    boxes = np.array([[0.13, 0.21, 0.79, 0.93], [0.71, 0.63, 0.26, 0.12]], np.float32)
    index = np.array([1, 0], np.int32)
    cot = np.random.default_rng(6).standard_normal((2, 3, 4, 2))

    def loss_of(img, bx):
        return float(np.sum(tf.image.crop_and_resize(img, bx, index, [3, 4]).numpy() * cot))
    xi, xb = tf.Variable(image), tf.Variable(boxes)
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(tf.cast(tf.image.crop_and_resize(xi, xb, index, [3, 4]),
                                     tf.float64) * cot)
    gi, gb = tape.gradient(loss, xi).numpy(), tape.gradient(loss, xb).numpy()
    assert gi.dtype == np.float64
    for k in [(0, 1, 2, 0), (1, 3, 4, 1), (1, 0, 0, 0), (0, 4, 5, 1)]:
        up, down = image.copy(), image.copy()
        up[k] += 1e-2
        down[k] -= 1e-2
        np.testing.assert_allclose(gi[k], (loss_of(up, boxes) - loss_of(down, boxes)) / 2e-2,
                                   rtol=1e-3, atol=1e-4)
    for k in np.ndindex(boxes.shape):
        up, down = boxes.copy(), boxes.copy()
        up[k] += np.float32(1e-3)
        down[k] -= np.float32(1e-3)
        step = float(up[k]) - float(down[k])
        np.testing.assert_allclose(gb[k], (loss_of(image, up) - loss_of(image, down)) / step,
                                   rtol=2e-2, atol=2e-2)


def test_crop_and_resize_dtypes_and_errors():
    image = _cnr_image()
    u8 = tf.image.crop_and_resize((image * 10).astype(np.uint8), CNR_BOXES, [0, 0, 0], [2, 2])
    assert u8.dtype is tf.float32
    with pytest.raises(tf.errors.OutOfRangeError, match="outside \\[0, batch_size\\)"):
        tf.image.crop_and_resize(image, CNR_BOXES, [0, 1, 0], [2, 2])
    with pytest.raises(InvalidArgumentError, match="crop dimensions must be positive"):
        tf.image.crop_and_resize(image, CNR_BOXES, [0, 0, 0], [0, 2])
    with pytest.raises(InvalidArgumentError, match="'bilinear' or 'nearest'"):
        tf.image.crop_and_resize(image, CNR_BOXES, [0, 0, 0], [2, 2], method="bicubic")
    with pytest.raises(InvalidArgumentError, match="box_index has incompatible shape"):
        tf.image.crop_and_resize(image, CNR_BOXES, [0, 0], [2, 2])
    with pytest.raises(InvalidArgumentError, match="input image must be 4-D"):
        tf.image.crop_and_resize(image[0], CNR_BOXES, [0, 0, 0], [2, 2])
    with pytest.raises(InvalidArgumentError, match="boxes must have 4 columns"):
        tf.image.crop_and_resize(image, np.zeros((3, 5), np.float32), [0, 0, 0], [2, 2])


NMS_BOXES = np.array([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, -0.1, 1, 0.9], [0, 10, 1, 11],
                      [1, 10.1, 0, 11.1], [0, 100, 1, 101]], np.float32)
NMS_SCORES = np.array([0.9, 0.75, 0.6, 0.95, 0.5, 0.3], np.float32)


def test_non_max_suppression_matches_tensorflow():
    got = tf.image.non_max_suppression(NMS_BOXES, NMS_SCORES, 10, 0.5)
    assert got.dtype is tf.int32
    np.testing.assert_array_equal(got, NMS)
    np.testing.assert_array_equal(
        tf.image.non_max_suppression(NMS_BOXES, NMS_SCORES, 10, 0.5, 0.55), NMS_T)
    np.testing.assert_array_equal(tf.image.non_max_suppression(NMS_BOXES, NMS_SCORES, 2), NMS[:2])
    i, s = tf.image.non_max_suppression_with_scores(NMS_BOXES, NMS_SCORES, 10, soft_nms_sigma=0.5)
    np.testing.assert_array_equal(i, SOFT_I)
    close(s, SOFT_S)
    i, s = tf.image.non_max_suppression_with_scores(NMS_BOXES, NMS_SCORES, 10,
                                                    score_threshold=0.4, soft_nms_sigma=0.2)
    np.testing.assert_array_equal(i, SOFT2_I)
    close(s, SOFT2_S)
    i, n = tf.image.non_max_suppression_padded(NMS_BOXES, NMS_SCORES, 5, 0.5,
                                               pad_to_max_output_size=True)
    np.testing.assert_array_equal(i, PADDED[0])
    assert int(n) == PADDED[1]
    batch = np.stack([NMS_BOXES, NMS_BOXES[::-1]])
    i, n = tf.image.non_max_suppression_padded(batch, np.stack([NMS_SCORES, NMS_SCORES[::-1]]),
                                               5, 0.5, pad_to_max_output_size=True)
    assert i.shape == (2, 5) and n.numpy().tolist() == [4, 4]
    np.testing.assert_array_equal(i[1, :4], 5 - np.array(PADDED[0][:4]))


def test_non_max_suppression_in_functions_and_errors():
    f = tf.function(lambda b, s: tf.image.non_max_suppression(b, s, 10, 0.5))
    np.testing.assert_array_equal(f(NMS_BOXES, NMS_SCORES), NMS)
    assert tf.image.non_max_suppression(np.zeros((0, 4), np.float32), np.zeros(0, np.float32),
                                        3).shape == (0,)
    with pytest.raises(InvalidArgumentError, match=r"iou_threshold must be in \[0, 1\]"):
        tf.image.non_max_suppression(NMS_BOXES, NMS_SCORES, 3, 1.5)
    with pytest.raises(InvalidArgumentError, match="output size must be non-negative"):
        tf.image.non_max_suppression(NMS_BOXES, NMS_SCORES, -1)
    with pytest.raises(InvalidArgumentError, match="scores has incompatible shape"):
        tf.image.non_max_suppression(NMS_BOXES, NMS_SCORES[:5], 3)
    with pytest.raises(InvalidArgumentError, match="non_max_suppression_with_scores: "
                                                   "soft_nms_sigma_val must be >= 0"):
        tf.image.non_max_suppression_with_scores(NMS_BOXES, NMS_SCORES, 3, soft_nms_sigma=-1.0)
    with pytest.raises(InvalidArgumentError, match="boxes must have 4 columns"):
        tf.image.non_max_suppression(NMS_BOXES[:, :3], NMS_SCORES, 3)
    with pytest.raises(ValueError, match="must be True for batched input"):
        tf.image.non_max_suppression_padded(np.stack([NMS_BOXES] * 2),
                                            np.stack([NMS_SCORES] * 2), 3)


def test_draw_bounding_boxes_as_tensorflow_draws_them():
    image = np.zeros((1, 5, 6, 3), np.float32)
    boxes = [[[0.0, 0.0, 1.0, 1.0], [0.25, 0.2, 0.75, 0.6], [0.9, 0.9, 0.1, 0.1]]]
    out = tf.image.draw_bounding_boxes(image, boxes, None).numpy()
    yellow, blue = [1, 1, 0], [0, 0, 1]
    expected = np.zeros((5, 6, 3), np.float32)
    expected[[0, 4], :] = yellow
    expected[:, [0, 5]] = yellow
    # box * (size - 1) truncated: rows 1..3, columns 1..3; drawn second, over the first
    expected[[1, 3], 1:4] = blue
    expected[1:4, [1, 3]] = blue
    np.testing.assert_array_equal(out[0], expected)  # the inverted third box is not drawn
    colors = np.array([[0.5, 0.25, 0.75, 1.0]], np.float32)
    gray = tf.image.draw_bounding_boxes(np.zeros((1, 5, 6, 1), np.float32), boxes, colors)
    assert set(np.unique(gray.numpy())) == {0.0, 0.5}
    with pytest.raises(InvalidArgumentError, match="Channel depth should be either 1"):
        tf.image.draw_bounding_boxes(np.zeros((1, 5, 6, 2), np.float32), boxes, None)
    with pytest.raises(InvalidArgumentError, match="The batch sizes should be the same"):
        tf.image.draw_bounding_boxes(np.zeros((2, 5, 6, 3), np.float32), boxes, None)
    with pytest.raises(InvalidArgumentError, match="equal or more channels"):
        tf.image.draw_bounding_boxes(image, boxes, colors[:, :2])


def test_combined_non_max_suppression_matches_tensorflow():
    rng = np.random.default_rng(12)
    corner, side = rng.uniform(-0.1, 0.9, (2, 8, 2, 2)), rng.uniform(0.05, 0.5, (2, 8, 2, 2))
    boxes = np.concatenate([corner, corner + side], -1).astype(np.float32)
    scores = rng.uniform(0, 1, (2, 8, 2)).astype(np.float32)
    out = tf.image.combined_non_max_suppression(boxes, scores, 2, 10, iou_threshold=0.3,
                                                score_threshold=0.3, pad_per_class=True)
    assert [t.dtype for t in out] == [tf.float32, tf.float32, tf.float32, tf.int32]
    close(out[0], CNMS_BOXES)
    for got, expected in zip(out[1:], CNMS_REST):
        close(got, expected)
    # one box for every class (q = 1), padded to max_total_size
    b, s, c, n = tf.image.combined_non_max_suppression(boxes[:, :, :1], scores, 3, 9)
    assert b.shape == (2, 9, 4) and s.shape == c.shape == (2, 9) and n.shape == (2,)
    for k in range(2):
        count = int(n[k])
        assert np.all(np.diff(s[k, :count].numpy()) <= 0) and not s[k, count:].numpy().any()
    with pytest.raises(InvalidArgumentError, match="either 1 or num classes"):
        tf.image.combined_non_max_suppression(np.zeros((1, 3, 2, 4), np.float32),
                                              np.zeros((1, 3, 3), np.float32), 1, 2)
    with pytest.raises(InvalidArgumentError, match="max_total_size must be > 0"):
        tf.image.combined_non_max_suppression(boxes, scores, 2, 0)
    with pytest.raises(InvalidArgumentError, match="boxes must be 4-D"):
        tf.image.combined_non_max_suppression(boxes[:, :, 0], scores, 2, 3)


def test_sample_distorted_bounding_box_crops_as_tensorflow_describes():
    image = tf.zeros([40, 60, 3])
    boxes = tf.constant([[[0.1, 0.2, 0.5, 0.6], [0.3, 0.1, 0.9, 0.4]]])
    for seed in range(20):
        begin, size, box = tf.image.stateless_sample_distorted_bounding_box(
            tf.shape(image), boxes, seed=[seed, 1], min_object_covered=0.4,
            area_range=(0.1, 1.0))
        assert begin.dtype is tf.int32 and box.shape == (1, 1, 4)
        crop = tf.slice(image, begin, size)
        assert crop.shape[2] == 3 and crop.shape[0] * crop.shape[1] >= 0.09 * 2400
        np.testing.assert_allclose(box.numpy().ravel(), [
            begin[0] / 40, begin[1] / 60, (begin[0] + size[0]) / 40, (begin[1] + size[1]) / 60],
            rtol=1e-6)
    again = tf.image.stateless_sample_distorted_bounding_box([40, 60, 3], boxes, seed=[3, 1])
    np.testing.assert_array_equal(
        again[1], tf.image.stateless_sample_distorted_bounding_box([40, 60, 3], boxes,
                                                                   seed=[3, 1])[1])
    # nothing can satisfy the constraints: the whole image (as TF, values TF 2.21 returned)
    begin, size, box = tf.image.sample_distorted_bounding_box(
        [40, 60, 3], boxes, seed=1, min_object_covered=1.0, area_range=[0.01, 0.02])
    assert begin.numpy().tolist() == [0, 0, 0] and size.numpy().tolist() == [40, 60, -1]
    f = tf.function(lambda: tf.image.sample_distorted_bounding_box([40, 60, 3], boxes)[1])
    assert f().shape == (3,)
    with pytest.raises(InvalidArgumentError, match="No bounding boxes provided as input"):
        tf.image.sample_distorted_bounding_box([40, 60, 3], tf.zeros([1, 0, 4]))
    with pytest.raises(InvalidArgumentError, match=r"must be in \[0.0, 1.0\]: 1.5"):
        tf.image.sample_distorted_bounding_box([40, 60, 3], [[[0.5, 0.2, 1.5, 0.6]]])
    with pytest.raises(InvalidArgumentError, match="image_size must contain 3 elements"):
        tf.image.sample_distorted_bounding_box([40, 60], boxes)
    with pytest.raises(InvalidArgumentError, match="Max attempts must be non-negative"):
        tf.image.sample_distorted_bounding_box([40, 60, 3], boxes, max_attempts=0)
    with pytest.raises(InvalidArgumentError, match="Area range must be less then or equal"):
        tf.image.sample_distorted_bounding_box([40, 60, 3], boxes, area_range=[0.5, 1.5])


def test_non_max_suppression_overlaps_and_is_jpeg():
    rng = np.random.default_rng(4)
    overlaps = rng.uniform(0, 1, (15, 15)).astype(np.float32)
    overlaps = (overlaps + overlaps.T) / 2
    scores = rng.uniform(0, 1, 15).astype(np.float32)
    # the selections TF 2.21 made on these inputs
    for args, expected in [((10, 0.5), [1, 5, 0, 13]), ((10, 0.3, 0.2), [1, 3]),
                           ((3, 0.9), [1, 5, 6])]:
        got = tf.image.non_max_suppression_overlaps(overlaps, scores, *args)
        assert got.dtype is tf.int32 and got.numpy().tolist() == expected
    with pytest.raises(InvalidArgumentError, match="overlaps must be square"):
        tf.image.non_max_suppression_overlaps(overlaps[:3], scores[:3], 2)
    png = tf.io.encode_png(tf.zeros([2, 2, 3], tf.uint8))
    jpeg = tf.io.encode_jpeg(tf.zeros([2, 2, 3], tf.uint8))
    assert tf.image.is_jpeg(tf.stack([jpeg, png, tf.constant(b"")])).numpy().tolist() == [
        True, False, False]
    assert bool(tf.io.is_jpeg(jpeg))


def test_adjust_gamma_matches_tensorflow():
    x = np.array([[[0.1, 0.5, 0.9], [0.25, 1.0, 0.0]]], np.float32)
    # gain * x ** gamma; uint8 through [0, 1] floats with TF's rounding and saturation
    close(tf.image.adjust_gamma(x, 0.5, 2.0), 2.0 * np.sqrt(x))
    u8 = np.array([[[10, 128, 250], [0, 255, 77]]], np.uint8)
    expected = np.clip(1.3 * (u8 / 255.0) ** 2.2 * 255.5, 0, 255).astype(np.uint8)
    got = tf.image.adjust_gamma(u8, 2.2, 1.3)
    assert got.dtype is tf.uint8
    np.testing.assert_array_equal(got, expected)
    assert tf.image.adjust_gamma(x.astype(np.float64), 1.5).dtype is tf.float64
    with pytest.raises(ValueError, match="Gamma should be a non-negative real number"):
        tf.image.adjust_gamma(x, -1.0)


def test_stateless_random_flips_crops_brightness_contrast():
    x = np.random.default_rng(1).uniform(0, 1, (6, 3, 4, 3)).astype(np.float32)
    for fn, axis in [(tf.image.stateless_random_flip_left_right, 2),
                     (tf.image.stateless_random_flip_up_down, 1)]:
        out = fn(x, seed=[5, 5]).numpy()
        np.testing.assert_array_equal(out, fn(x, seed=[5, 5]))
        kinds = {("same" if np.array_equal(o, i) else
                  "flipped" if np.array_equal(o, np.flip(i, axis - 1)) else "?")
                 for o, i in zip(out, x)}
        assert "?" not in kinds
        one = fn(x[0], seed=[1, 2]).numpy()
        assert np.array_equal(one, x[0]) or np.array_equal(one, np.flip(x[0], axis - 1))
    crop = tf.image.stateless_random_crop(x[0], [2, 2, 3], seed=[1, 2]).numpy()
    assert any(np.array_equal(crop, x[0, i:i + 2, j:j + 2]) for i in range(2) for j in range(3))
    assert tf.image.random_crop(x[0], [2, 3, 3], seed=4).shape == (2, 3, 3)
    f = tf.function(lambda v: tf.image.stateless_random_crop(v, [3, 1, 3], seed=[3, 3]))
    np.testing.assert_array_equal(f(x[1]), tf.image.stateless_random_crop(x[1], [3, 1, 3],
                                                                          seed=[3, 3]))
    bright = tf.image.stateless_random_brightness(x, 0.2, seed=[7, 7])
    delta = float(tf.random.stateless_uniform([], seed=[7, 7], minval=-0.2, maxval=0.2))
    close(bright, x + delta)
    contrast = tf.image.stateless_random_contrast(x, 0.5, 1.5, seed=[8, 8])
    factor = float(tf.random.stateless_uniform([], seed=[8, 8], minval=0.5, maxval=1.5))
    close(contrast, tf.image.adjust_contrast(x, factor))
    with pytest.raises(InvalidArgumentError, match="Need value.shape >= size"):
        tf.image.random_crop(x[0], [4, 4, 3])
    with pytest.raises(ValueError, match="max_delta must be non-negative"):
        tf.image.stateless_random_brightness(x, -0.1, seed=[1, 2])
    with pytest.raises(ValueError, match="upper must be > lower"):
        tf.image.stateless_random_contrast(x, 0.5, 0.2, seed=[1, 2])
