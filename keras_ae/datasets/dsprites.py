"""dSprites drawn on demand: the 737,280 binary 64x64 sprites of Matthey et al. (2017), by index
or by factors, with the factor sampling the disentanglement metrics need and a tf.data pipeline."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from keras_ae.validation import check_non_negative_int, check_positive_int

FACTOR_NAMES: tuple[str, ...] = ("shape", "scale", "orientation", "pos_x", "pos_y")
FACTOR_SIZES: tuple[int, ...] = (3, 6, 40, 32, 32)
SHAPE_NAMES: tuple[str, ...] = ("square", "ellipse", "heart")
# The published `latents_values` of each factor. The published file's first
# latent, colour, has a single value; it is left out, which changes no index.
FACTOR_VALUES: tuple[np.ndarray, ...] = (
    np.array([1.0, 2.0, 3.0]),
    np.linspace(0.5, 1.0, 6),
    np.linspace(0.0, 2.0 * np.pi, 40),
    np.linspace(0.0, 1.0, 32),
    np.linspace(0.0, 1.0, 32),
)
IMAGE_SIZE = 64

# === Geometry ===
# Measured on the published frames (benchmarks/dsprites_reference.py); lengths
# are pixels at scale 1. Pixel (row i, column j) has its centre at
# (x, y) = (j + 0.5, i + 0.5), y growing downward; pos_x moves along columns,
# pos_y along rows, the sprite centre going from 16 to 48. The sprite turns
# counter-clockwise on screen about its centre, and a pixel is on when its
# centre lies inside the shape (no anti-aliasing).
SQUARE_HALF_SIDE = 9.6
ELLIPSE_SEMI_AXES = (12.766, 7.214)  # along x and along y at orientation 0
# The heart is the classic curve x = 16 sin^3 t,
# y = 13 cos t - 5 cos 2t - 2 cos 3t - cos 4t, scaled by HEART_SCALE in x and y,
# turned point-down and moved up by HEART_RAISE: 19.2 px wide, 19.1 px high.
HEART_SCALE = (0.6, 0.662)
HEART_RAISE = 1.436
# Every sprite fits a 32x32 window around its centre (the square's corners
# reach 13.6 px from it), so a sprite is drawn on 1024 pixels, not 4096.
_WINDOW = 32
_HEART_TABLE_SIZE = 4096
# Images drawn per call of the renderer when many are asked for: about 100 MB
# of temporaries.
_CHUNK = 4096


def heart_outline(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points (x, y) of the heart's outline in screen pixels at scale 1, for curve parameters `t`."""
    t = np.asarray(t, dtype="float64")
    x = HEART_SCALE[0] * 16.0 * np.sin(t) ** 3
    y = -HEART_SCALE[1] * (13.0 * np.cos(t) - 5.0 * np.cos(2 * t) - 2.0 * np.cos(3 * t) - np.cos(4 * t)) - HEART_RAISE
    return x, y


def _heart_radius_table(size: int) -> np.ndarray:
    """The heart's distance from the sprite centre at `size` angles atan2(x, y) spread evenly over [-pi, pi].

    Each ray from the centre crosses the outline once (tests check it), so a
    point is inside when it is no farther from the centre than the outline in
    its direction: one table look-up instead of a polygon test.
    """
    x, y = heart_outline(np.linspace(0.0, 2.0 * np.pi, 1 << 16, endpoint=False))
    angle = np.arctan2(x, y)
    order = np.argsort(angle)
    grid = np.linspace(-np.pi, np.pi, size)
    return np.interp(grid, angle[order], np.hypot(x, y)[order], period=2.0 * np.pi)


def as_generator(rng: np.random.Generator | int, name: str = "rng") -> np.random.Generator:
    """`rng` itself, or a new NumPy Generator seeded with it when it is an integer."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise ValueError(
        f"`{name}` must be a numpy.random.Generator or an integer seed >= 0. Received: {name}={rng!r}"
    )


# === Ground-truth data ===


class GroundTruthData:
    """Observations generated from discrete factors of variation.

    The interface `keras_ae.disentanglement` samples through. Factors are
    given by their classes: a row of `num_factors` integers, factor `k` in
    `[0, factor_sizes[k])`. Every combination of classes has an index, the
    last factor varying fastest (NumPy's C order). Subclasses say how factors
    become observations in `observations_from_factors`.

    Args:
        factor_names: one name per factor.
        factor_sizes: the number of classes of each factor.

    Example:
        ```python
        class Noisy(GroundTruthData):
            def observations_from_factors(self, factors):
                return factors + np.random.default_rng(0).normal(0, 0.1, factors.shape)

        data = Noisy(("a", "b"), (4, 5))
        factors = data.sample_factors_with_fixed("b", 64, rng=0)  # column 1 equal
        ```
    """

    def __init__(self, factor_names: Sequence[str], factor_sizes: Sequence[int]) -> None:
        factor_names = tuple(factor_names)
        factor_sizes = tuple(check_positive_int(s, "factor_sizes") for s in factor_sizes)
        if not factor_sizes or len(factor_names) != len(factor_sizes) or len(set(factor_names)) != len(factor_names):
            raise ValueError(
                "`factor_names` must be distinct, one per factor size, and there must be at least one factor. "
                f"Received: factor_names={factor_names!r}, factor_sizes={factor_sizes!r}"
            )
        self.factor_names = factor_names
        self.factor_sizes = factor_sizes

    @property
    def num_factors(self) -> int:
        return len(self.factor_sizes)

    @property
    def size(self) -> int:
        """The number of factor combinations, i.e. of distinct observations."""
        return math.prod(self.factor_sizes)

    def factor_index(self, factor: int | str) -> int:
        """The position of a factor given by position or by name."""
        if isinstance(factor, str) and factor in self.factor_names:
            return self.factor_names.index(factor)
        if isinstance(factor, numbers.Integral) and not isinstance(factor, bool) and 0 <= factor < self.num_factors:
            return int(factor)
        raise ValueError(
            f"`factor` must be an index in [0, {self.num_factors}) or one of {', '.join(self.factor_names)}. "
            f"Received: factor={factor!r}"
        )

    def check_factors(self, factors, name: str = "factors") -> np.ndarray:
        """`factors` as an int64 array of shape (n, num_factors), every class in range."""
        array = np.asarray(factors)
        if array.ndim != 2 or array.shape[1] != self.num_factors:
            raise ValueError(
                f"`{name}` must have shape (n, {self.num_factors}), one class per factor "
                f"({', '.join(self.factor_names)}). Received: {name} with shape {array.shape}"
            )
        if array.size and not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"`{name}` must hold integer classes. Received: {name} with dtype {array.dtype}")
        array = array.astype("int64", copy=False)
        for k, (factor_name, size) in enumerate(zip(self.factor_names, self.factor_sizes)):
            bad = array[:, k][(array[:, k] < 0) | (array[:, k] >= size)]
            if bad.size:
                raise ValueError(
                    f"`{name}[:, {k}]` ({factor_name}) must be in [0, {size}). Received: {name}[:, {k}] "
                    f"holding {int(bad[0])}"
                )
        return array

    def check_indices(self, indices, name: str = "indices") -> np.ndarray:
        """`indices` as a flat int64 array, each in [0, size)."""
        array = np.asarray(indices)
        if array.ndim != 1 or (array.size and not np.issubdtype(array.dtype, np.integer)):
            raise ValueError(
                f"`{name}` must be a 1-D sequence of integers. Received: {name} with shape {array.shape} "
                f"and dtype {array.dtype}"
            )
        array = array.astype("int64", copy=False)
        bad = array[(array < 0) | (array >= self.size)]
        if bad.size:
            raise ValueError(f"`{name}` must be in [0, {self.size}). Received: {name} holding {int(bad[0])}")
        return array

    def factors_from_indices(self, indices) -> np.ndarray:
        """The classes, (n, num_factors) int64, of the observations at `indices`."""
        indices = self.check_indices(indices)
        return np.stack(np.unravel_index(indices, self.factor_sizes), axis=1).astype("int64")

    def indices_from_factors(self, factors) -> np.ndarray:
        """The index of each row of classes in `factors`."""
        factors = self.check_factors(factors)
        return np.ravel_multi_index(tuple(factors.T), self.factor_sizes).astype("int64")

    def sample_factors(self, n: int, rng: np.random.Generator | int) -> np.ndarray:
        """`n` rows of classes drawn uniformly and independently, (n, num_factors) int64."""
        n = check_non_negative_int(n, "n")
        rng = as_generator(rng)
        return np.stack([rng.integers(0, size, n) for size in self.factor_sizes], axis=1).astype("int64")

    def sample_factors_with_fixed(
        self, factor: int | str, n: int, rng: np.random.Generator | int, value: int | None = None
    ) -> np.ndarray:
        """`n` random rows of classes sharing one class of `factor`: `value`, or one drawn at random.

        The FactorVAE score's batches: every factor but one varies.
        """
        k = self.factor_index(factor)
        rng = as_generator(rng)
        factors = self.sample_factors(n, rng)
        if value is None:
            value = int(rng.integers(0, self.factor_sizes[k]))
        elif (
            isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 0 <= value < self.factor_sizes[k]
        ):
            raise ValueError(
                f"`value` must be a class of {self.factor_names[k]}, in [0, {self.factor_sizes[k]}). "
                f"Received: value={value!r}"
            )
        factors[:, k] = value
        return factors

    def sample_factor_pairs(
        self, factor: int | str, n: int, rng: np.random.Generator | int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Two arrays of `n` random rows of classes, row i of both sharing its class of `factor`.

        The beta-VAE score's pairs: each pair agrees on one factor only (up to chance).
        """
        k = self.factor_index(factor)
        rng = as_generator(rng)
        first = self.sample_factors(n, rng)
        second = self.sample_factors(n, rng)
        second[:, k] = first[:, k]
        return first, second

    def observations_from_factors(self, factors) -> np.ndarray:
        """The observation of each row of classes in `factors`."""
        raise NotImplementedError(f"{type(self).__name__} must define observations_from_factors")

    def sample(self, n: int, rng: np.random.Generator | int) -> tuple[np.ndarray, np.ndarray]:
        """(factors, observations) of `n` random draws."""
        factors = self.sample_factors(n, rng)
        return factors, self.observations_from_factors(factors)


# === dSprites ===


class DSprites(GroundTruthData):
    """The dSprites data set, drawn on demand instead of read from its 26 MB file.

    737,280 binary 64x64 images: every combination of shape (square,
    ellipse, heart), scale (6 values in [0.5, 1]), orientation (40 values in
    [0, 2 pi], so the first and last draw the same picture), pos_x and pos_y
    (32 values in [0, 1] each), in the published order, pos_y varying
    fastest. Index `i` here is image `i` of the published file. On the 202
    published frames of the shared reference file, 186 are drawn identically
    and the rest with intersection-over-union >= 0.98
    (`benchmarks/dsprites_reference.py`).

    Example:
        ```python
        data = DSprites()
        data.factor_values(data.factors_from_indices([0]))  # [[1., 0.5, 0., 0., 0.]]
        images = data.images([0, 737279])  # (2, 64, 64, 1) float32 in {0, 1}
        train = data.pipeline(batch_size=64, seed=0)
        model.fit(train, epochs=1)
        ```
    """

    def __init__(self) -> None:
        super().__init__(FACTOR_NAMES, FACTOR_SIZES)
        centres = 16.0 + 32.0 * FACTOR_VALUES[3]
        # Whole and fractional parts apart, each exact in float64, so that the
        # float32 arithmetic of the renderer only sees offsets below 16.
        self._starts = tf.constant(np.floor(centres).astype("int32") - _WINDOW // 2)
        self._fractions = tf.constant(centres - np.floor(centres), tf.float32)
        angles = FACTOR_VALUES[2]
        # Rounded so that orientation 2 pi draws exactly what orientation 0 does.
        self._cos = tf.constant(np.round(np.cos(angles), 12), tf.float32)
        self._sin = tf.constant(np.round(np.sin(angles), 12), tf.float32)
        self._scales = tf.constant(FACTOR_VALUES[1], tf.float32)
        self._heart_radii = tf.constant(_heart_radius_table(_HEART_TABLE_SIZE), tf.float32)
        self._strides = tf.constant(
            [math.prod(FACTOR_SIZES[k + 1:]) for k in range(len(FACTOR_SIZES))], tf.int64
        )
        self._render_fn = tf.function(
            self._render, input_signature=[tf.TensorSpec([None, len(FACTOR_SIZES)], tf.int64)]
        )

    def __repr__(self) -> str:
        return f"DSprites(size={self.size}, factors={dict(zip(self.factor_names, self.factor_sizes))})"

    def factor_values(self, factors) -> np.ndarray:
        """The published latent values, (n, 5) float64, of each row of classes: shape as 1, 2, 3,
        scale, orientation in radians, pos_x and pos_y in [0, 1]."""
        factors = self.check_factors(factors)
        return np.stack([values[factors[:, k]] for k, values in enumerate(FACTOR_VALUES)], axis=1)

    def images(self, indices) -> np.ndarray:
        """The images at `indices`, float32 (n, 64, 64, 1) in {0, 1}."""
        return self.observations_from_factors(self.factors_from_indices(indices))

    def observations_from_factors(self, factors) -> np.ndarray:
        """The image of each row of classes, float32 (n, 64, 64, 1) in {0, 1}."""
        factors = self.check_factors(factors)
        if len(factors) == 0:
            return np.zeros((0, IMAGE_SIZE, IMAGE_SIZE, 1), "float32")
        return np.concatenate(
            [self._render_fn(tf.constant(factors[i:i + _CHUNK])).numpy() for i in range(0, len(factors), _CHUNK)]
        )

    def pipeline(
        self,
        batch_size: int = 64,
        shuffle: bool = True,
        seed: int = 0,
        epoch: tf.Variable | None = None,
    ) -> tf.data.Dataset:
        """Batches of all 737,280 images, float32 (batch, 64, 64, 1) in {0, 1}, drawn as they are needed.

        Args:
            batch_size: images per batch; the last batch may be smaller.
            shuffle: a new order every epoch, the sequence of orders depending
                only on `seed` (and TensorFlow's global seed, when one is set);
                otherwise index order.
            seed: the shuffling seed.
            epoch: an int64 variable holding the current epoch (see
                `keras_ae.datasets.make_pipeline`): each epoch's order is then
                a function of (seed, epoch) alone, so a resumed run repeats
                the batches of an uninterrupted one.
        """
        batch_size = check_positive_int(batch_size, "batch_size")
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise ValueError(f"`seed` must be an integer. Received: seed={seed!r}")
        seed_key = tf.constant(int(seed), tf.int64)

        def shuffled(i: tf.Tensor, key: tf.Tensor) -> tf.Tensor:
            return tf.random.experimental.index_shuffle(i, tf.stack([seed_key, key]), self.size - 1)

        indices = tf.data.Dataset.range(self.size)
        if not shuffle:
            dataset = indices
        elif epoch is not None:
            # Read at every element, as make_pipeline does, so the order
            # follows the variable whenever it is set.
            dataset = indices.map(lambda i: shuffled(i, epoch.read_value()))
        else:
            # A stateless permutation keyed by a number drawn anew at each
            # iteration: a shuffle buffer would first have to fill with all
            # 737,280 indices, seconds before every epoch's first batch.
            keys = tf.data.Dataset.random(seed=int(seed), rerandomize_each_iteration=True).take(1)
            dataset = keys.flat_map(lambda key: indices.map(lambda i: shuffled(i, key)))
            # flat_map hides the length, which `fit` shows in its progress bar.
            dataset = dataset.apply(tf.data.experimental.assert_cardinality(self.size))
        dataset = dataset.batch(batch_size).map(
            lambda indices: self._render(self._factors_of(indices)),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=True,
        )
        return dataset.prefetch(tf.data.AUTOTUNE)

    # === Rendering ===

    def _factors_of(self, indices: tf.Tensor) -> tf.Tensor:
        sizes = tf.constant(FACTOR_SIZES, tf.int64)
        return (indices[:, None] // self._strides[None, :]) % sizes[None, :]

    def _render(self, factors: tf.Tensor) -> tf.Tensor:
        shape, scale_class, orientation, pos_x, pos_y = tf.unstack(factors, axis=1)
        scale = tf.gather(self._scales, scale_class)[:, None, None]
        cos = tf.gather(self._cos, orientation)[:, None, None]
        sin = tf.gather(self._sin, orientation)[:, None, None]
        # Pixel centres of the window relative to the sprite centre.
        offsets = tf.range(_WINDOW, dtype=tf.float32) + 0.5 - _WINDOW // 2
        x = offsets[None, None, :] - tf.gather(self._fractions, pos_x)[:, None, None]
        y = offsets[None, :, None] - tf.gather(self._fractions, pos_y)[:, None, None]
        # Into the shape's own frame: undo the turn, then the scale.
        u = (x * cos - y * sin) / scale
        v = (x * sin + y * cos) / scale
        square = tf.maximum(tf.abs(u), tf.abs(v)) <= SQUARE_HALF_SIDE
        ellipse = tf.square(u / ELLIPSE_SEMI_AXES[0]) + tf.square(v / ELLIPSE_SEMI_AXES[1]) <= 1.0
        heart = tf.sqrt(tf.square(u) + tf.square(v)) <= self._heart_radius(tf.atan2(u, v))
        shape = shape[:, None, None]
        inside = tf.where(shape == 0, square, tf.where(shape == 1, ellipse, heart))
        window = tf.cast(inside, tf.float32)
        # One-hot placement matrices put each window at its own offset in one
        # batched product, exact because every sum has at most one nonzero term.
        steps = tf.range(_WINDOW, dtype=tf.int32)
        rows = tf.one_hot(tf.gather(self._starts, pos_y)[:, None] + steps, IMAGE_SIZE)
        columns = tf.one_hot(tf.gather(self._starts, pos_x)[:, None] + steps, IMAGE_SIZE)
        images = tf.matmul(rows, tf.matmul(window, columns), transpose_a=True)
        return images[..., None]

    def _heart_radius(self, angle: tf.Tensor) -> tf.Tensor:
        position = (angle + math.pi) * ((_HEART_TABLE_SIZE - 1) / (2.0 * math.pi))
        low = tf.clip_by_value(tf.floor(position), 0.0, _HEART_TABLE_SIZE - 2.0)
        weight = position - low
        low = tf.cast(low, tf.int32)
        return tf.gather(self._heart_radii, low) * (1.0 - weight) + tf.gather(self._heart_radii, low + 1) * weight
