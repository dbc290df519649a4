"""Keras 3.15's policy augmentations built from the other layers (channels_last): RandAugment
(num_ops augmentations, each chosen uniformly from eleven) and AugMix (a Dirichlet-weighted mix
of num_chains random chains, blended with the image by a Beta weight).

The sublayers and their factors are Keras's. Where Keras draws one set of parameters per
sublayer and call (so a layer chosen twice repeats them) and AugMix picks its chains' layers
with Python's `random` when traced, graphflow draws the choice as a tensor (`switch_case`, so
a compiled function keeps choosing) and each application draws its own parameters.

    >>> from graphflow import keras
    >>> layer = keras.layers.RandAugment(num_ops=2, factor=0.5, seed=1)
    >>> layer(np.zeros((2, 8, 8, 3), np.float32)).shape
    TensorShape([2, 8, 8, 3])
"""
from graphflow.keras.layers.preprocessing.affine import RandomRotation, RandomTranslation
from graphflow.keras.layers.preprocessing.color import (
    AutoContrast, Equalization, RandomBrightness, RandomColorDegeneration, RandomPosterization,
    RandomSharpness, Solarization, base_factor)
from graphflow.keras.layers.preprocessing.geometric import RandomShear
from graphflow.keras.layers.preprocessing.image import RandomContrast, _Random
from graphflow.keras.layers.preprocessing.mixing import _beta
from graphflow.ops import api as ops
from graphflow.ops import random

_GEOMETRIC = ("random_shear", "random_translation", "random_rotation")
_RAND_AUGMENT_LAYERS = ("random_shear", "random_translation", "random_rotation",
                        "random_brightness", "random_color_degeneration", "random_contrast",
                        "random_sharpness", "random_posterization", "solarization",
                        "auto_contrast", "equalization")
AUGMENT_LAYERS_ALL = ("random_shear", "random_translation", "random_rotation",
                      "random_posterization", "solarization", "auto_contrast", "equalization",
                      "random_brightness", "random_color_degeneration", "random_contrast",
                      "random_sharpness")
AUGMENT_LAYERS = AUGMENT_LAYERS_ALL[:7]


def _sublayers(factor, value_range, interpolation, seed):
    """Keras's sublayers of RandAugment and AugMix, by attribute name."""
    f = factor
    return {
        "random_shear": RandomShear(x_factor=f, y_factor=f, interpolation=interpolation,
                                    seed=seed),
        "random_translation": RandomTranslation(height_factor=f, width_factor=f,
                                                interpolation=interpolation, seed=seed),
        "random_rotation": RandomRotation(factor=f, interpolation=interpolation, seed=seed),
        "random_brightness": RandomBrightness(factor=f, value_range=value_range, seed=seed),
        "random_color_degeneration": RandomColorDegeneration(factor=f, value_range=value_range,
                                                             seed=seed),
        "random_contrast": RandomContrast(factor=f, value_range=value_range, seed=seed),
        "random_sharpness": RandomSharpness(factor=f, value_range=value_range, seed=seed),
        "solarization": Solarization(addition_factor=f, threshold_factor=f,
                                     value_range=value_range, seed=seed),
        "random_posterization": RandomPosterization(factor=max(1, int(8 * f[1])),
                                                    value_range=value_range, seed=seed),
        "auto_contrast": AutoContrast(value_range=value_range),
        "equalization": Equalization(value_range=value_range),
    }


def _choose(index, layers, x):
    """layers[index].transform(x) for a scalar int32 tensor index (index len(layers): x)."""
    branches = [lambda layer=layer: layer.transform(x) for layer in layers]
    return ops.switch_case(index, branches + [lambda: ops.identity(x)])


class RandAugment(_Random):
    """Applies num_ops augmentations in turn, each chosen uniformly (one choice per batch, as
    Keras) from shear, translation, rotation, brightness, color degeneration, contrast,
    sharpness, posterization, solarization, auto contrast and equalization."""

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear",
                 seed=None, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.value_range = list(value_range)
        self.num_ops = int(num_ops)
        self.factor = base_factor(self, factor, (0, 1))
        self.interpolation = interpolation
        table = _sublayers(self.factor, value_range, interpolation, seed)
        self._augment = [table[name] for name in _RAND_AUGMENT_LAYERS]

    def transform(self, x):
        choices = ops.cast(ops.floor(random.uniform([self.num_ops], 0.0,
                                                    float(len(self._augment)), seed=self.seed)),
                           "int32")
        for i in range(self.num_ops):
            x = _choose(choices[i], self._augment, x)
        return x

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "num_ops": self.num_ops, "factor": list(self.factor),
                "interpolation": self.interpolation}


class AugMix(_Random):
    """w * x + (1 - w) * sum_k m_k chain_k(x), clipped to value_range: m ~ Dirichlet(alpha) over
    num_chains chains of chain_depth steps, each step a uniformly chosen augmentation or none,
    and w ~ Beta(alpha, alpha) (Keras's AugMix; all_ops=False leaves out the color ops)."""

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3,
                 alpha=1.0, all_ops=True, interpolation="bilinear", seed=None, data_format=None,
                 **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.value_range = list(value_range)
        self.num_chains, self.chain_depth = int(num_chains), int(chain_depth)
        self.factor = base_factor(self, factor, (0, 1))
        self.alpha, self.all_ops, self.interpolation = alpha, bool(all_ops), interpolation
        table = _sublayers(self.factor, value_range, interpolation, seed)
        names = AUGMENT_LAYERS_ALL if self.all_ops else AUGMENT_LAYERS
        self._augment = [table[name] for name in names]

    def transform(self, x):
        dtype = x.dtype
        gammas = random.gamma([self.num_chains], float(self.alpha), dtype=dtype, seed=self.seed)
        mixing = gammas / ops.reduce_sum(gammas)
        weight = ops.reshape(_beta(ops.constant(1), float(self.alpha), self.seed, dtype), [])
        # each step picks one of the layers or none (Keras: choice(layers + [None]))
        steps = ops.cast(ops.floor(random.uniform(
            [self.num_chains, self.chain_depth], 0.0, float(len(self._augment) + 1),
            seed=self.seed)), "int32")
        mixed = ops.zeros_like(x)
        for c in range(self.num_chains):
            chain = x
            for d in range(self.chain_depth):
                chain = _choose(steps[c, d], self._augment, chain)
            mixed = mixed + chain * mixing[c]
        y = weight * x + (1.0 - weight) * mixed
        return ops.clip_by_value(y, float(self.value_range[0]), float(self.value_range[1]))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "num_chains": self.num_chains, "chain_depth": self.chain_depth,
                "factor": list(self.factor), "alpha": self.alpha, "all_ops": self.all_ops,
                "interpolation": self.interpolation}
