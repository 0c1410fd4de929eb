"""Single-layer feature learning on image patches (Coates, Lee & Ng 2011):
an autoencoder trained on contrast-normalised, ZCA-whitened patches, its code
layer then run as a convolution over whole images and pooled on a grid.

Few labels favour such features: a wide, local, pooled code (thousands of
units) that a linear probe can separate, learned from unlabelled images in a
minute or two of CPU time. The steps:

```python
patches = patch_features.random_patches(x_train, patch_size=7, count=200_000, seed=0)
whitening = patch_features.PatchWhitening().fit(patches)
model = keras_ae.Autoencoder.from_spec(
    (49,), 1600, architecture="dense",
    architecture_options={"units": (), "top_k": 1, "output_activation": None})
model.compile(optimizer="adam")
model.fit(whitening.transform(patches), epochs=3, batch_size=256)
extractor = patch_features.feature_extractor(model.encoder, whitening, (28, 28, 1), pool=3)
features = extractor.predict(x_test)  # (n, 3 * 3 * 1600)
```
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import layers, ops

from keras_ae.validation import check_non_negative, check_positive_int, check_shape


def _check_images(images, name: str = "images") -> np.ndarray:
    array = np.asarray(images, dtype="float32")
    if array.ndim != 4 or not np.all(np.isfinite(array)):
        raise ValueError(
            f"`{name}` must be a finite batch of images of shape (n, height, width, channels). "
            f"Received: {name} with shape {array.shape}"
        )
    return array


def random_patches(images, patch_size: int, count: int, seed: int = 0) -> np.ndarray:
    """`count` square patches cut at random places of random `images`
    (n, height, width, channels), flattened to rows of patch_size**2 * channels."""
    images = _check_images(images)
    patch_size = check_positive_int(patch_size, "patch_size")
    count = check_positive_int(count, "count")
    n, height, width, _ = images.shape
    if patch_size > min(height, width):
        raise ValueError(
            f"`patch_size` must fit in the images ({height}x{width}). Received: patch_size={patch_size}"
        )
    rng = np.random.default_rng(seed)
    which = rng.integers(0, n, count)
    rows = rng.integers(0, height - patch_size + 1, count)
    cols = rng.integers(0, width - patch_size + 1, count)
    offsets = np.arange(patch_size)
    patches = images[which[:, None, None], (rows[:, None] + offsets)[:, :, None], (cols[:, None] + offsets)[:, None, :]]
    return patches.reshape(count, -1)


def contrast_normalize(patches: np.ndarray, eps: float) -> np.ndarray:
    """Each row minus its mean, over sqrt(its variance + eps): brightness and
    contrast taken out, with eps keeping flat patches (background) near zero
    instead of blowing their noise up."""
    mean = patches.mean(axis=1, keepdims=True)
    return (patches - mean) / np.sqrt(patches.var(axis=1, keepdims=True) + eps)


class PatchWhitening:
    """Contrast normalisation of each patch, then ZCA whitening fitted on
    a sample of them.

    ZCA decorrelates neighbouring pixels while staying closest to the
    original patch; without it the code units learn low-frequency blobs
    (Coates et al.'s "whitening" ablation).

    Args:
        normalization_eps: added to each patch's variance (pixels in [0, 1]).
        zca_eps: added to the covariance's eigenvalues before their inverse
            square root (the patches have unit variance after normalisation).
    """

    def __init__(self, normalization_eps: float = 0.01, zca_eps: float = 0.1):
        self.normalization_eps = check_non_negative(normalization_eps, "normalization_eps")
        self.zca_eps = check_non_negative(zca_eps, "zca_eps")
        if self.zca_eps == 0:
            raise ValueError(f"`zca_eps` must be > 0 (it bounds the inverse). Received: zca_eps={zca_eps!r}")

    def fit(self, patches) -> PatchWhitening:
        """Learns the mean and the ZCA matrix from `patches` (n, d), n > d."""
        patches = np.asarray(patches, dtype="float64")
        if patches.ndim != 2 or len(patches) <= patches.shape[1] or not np.all(np.isfinite(patches)):
            raise ValueError(
                "`patches` must be finite rows (n, d) with more rows than columns. "
                f"Received: patches with shape {patches.shape}"
            )
        normalized = contrast_normalize(patches, self.normalization_eps)
        self.mean_ = normalized.mean(axis=0)
        eigenvalues, vectors = np.linalg.eigh(np.cov(normalized - self.mean_, rowvar=False))
        self.zca_ = (vectors / np.sqrt(np.maximum(eigenvalues, 0) + self.zca_eps)) @ vectors.T
        return self

    def transform(self, patches) -> np.ndarray:
        """Whitened rows, float32: the autoencoder's training data."""
        if not hasattr(self, "zca_"):
            raise ValueError("This PatchWhitening is not fitted yet: call fit(patches) first.")
        patches = np.asarray(patches, dtype="float64")
        if patches.ndim != 2 or patches.shape[1] != len(self.mean_):
            raise ValueError(
                f"`patches` must have shape (n, {len(self.mean_)}). Received: patches with shape {patches.shape}"
            )
        return ((contrast_normalize(patches, self.normalization_eps) - self.mean_) @ self.zca_).astype("float32")


@keras.saving.register_keras_serializable(package="keras_ae")
class PatchFeatures(layers.Layer):
    """Every patch of an image, contrast-normalised, projected on `units`
    directions, activated competitively and averaged over a `pool` x `pool`
    grid of regions: (batch, height, width, channels) -> (batch, pool * pool * units).

    The activation is max(0, p_k - mean_j p_j): a unit fires where it matches
    the patch better than the average unit does, the dot-product form of
    Coates et al.'s "triangle" k-means encoding. The projection (`kernel`,
    `bias`) is the whitening folded into a code layer's weights
    (`feature_extractor` computes it).

    Args:
        patch_size: side of the square patches.
        units: number of projections.
        pool: regions per side of the pooling grid.
        normalization_eps: as in `PatchWhitening`.
    """

    def __init__(self, patch_size, units, pool=3, normalization_eps=0.01, **kwargs):
        super().__init__(**kwargs)
        self.patch_size = check_positive_int(patch_size, "patch_size")
        self.units = check_positive_int(units, "units")
        self.pool = check_positive_int(pool, "pool")
        self.normalization_eps = check_non_negative(normalization_eps, "normalization_eps")

    def build(self, input_shape):
        _, height, width, channels = input_shape
        smallest = self.patch_size + self.pool - 1
        if height is None or width is None or min(height, width) < smallest:
            raise ValueError(
                f"PatchFeatures needs images of a fixed size, at least patch_size + pool - 1 = {smallest} "
                f"pixels a side. Received: input shape {tuple(input_shape)}"
            )
        size = self.patch_size * self.patch_size * channels
        # Fixed after fitting: the features are a frozen pretrained encoder.
        self.kernel = self.add_weight(name="kernel", shape=(self.patch_size, self.patch_size, channels, self.units),
                                      initializer="zeros", trainable=False)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=False)
        self.box = np.full((self.patch_size, self.patch_size, channels, 1), 1.0 / size, dtype="float32")
        side = height - self.patch_size + 1, width - self.patch_size + 1
        self.edges = [np.linspace(0, s, self.pool + 1).round().astype(int) for s in side]

    def call(self, inputs):
        # Per-patch mean and variance by box filters, so that the whole
        # normalise-whiten-project chain is three convolutions.
        mean = ops.conv(inputs, self.box)
        variance = ops.relu(ops.conv(inputs * inputs, self.box) - mean * mean)
        kernel_sum = ops.sum(self.kernel, axis=(0, 1, 2))
        projection = (ops.conv(inputs, self.kernel) - mean * kernel_sum) / ops.sqrt(variance + self.normalization_eps)
        projection = projection + self.bias
        active = ops.relu(projection - ops.mean(projection, axis=-1, keepdims=True))
        rows, cols = self.edges
        regions = [
            ops.mean(active[:, rows[i]:rows[i + 1], cols[j]:cols[j + 1], :], axis=(1, 2))
            for i in range(self.pool) for j in range(self.pool)
        ]
        return ops.concatenate(regions, axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.pool * self.pool * self.units)

    def get_config(self):
        return {**super().get_config(), "patch_size": self.patch_size, "units": self.units, "pool": self.pool,
                "normalization_eps": self.normalization_eps}


def code_layer(encoder: keras.Model) -> layers.Dense:
    """The encoder's one Dense layer (what follows it, such as `TopK`, is a
    training-time constraint that the features replace)."""
    dense = [layer for layer in encoder.layers if isinstance(layer, layers.Dense)]
    if len(dense) != 1:
        raise ValueError(
            "`encoder` must hold exactly one Dense layer, the projection of a whitened patch "
            "(dense_networks with units=()). Received: an encoder with "
            f"{len(dense)} Dense layers ({', '.join(layer.name for layer in dense) or 'none'})"
        )
    return dense[0]


def feature_extractor(encoder: keras.Model, whitening: PatchWhitening, image_shape: Sequence[int],
                      pool: int = 3) -> keras.Model:
    """A Keras model from images of `image_shape` to the pooled patch
    features of `encoder`'s code layer (see `PatchFeatures`).

    Args:
        encoder: trained on `whitening.transform(patches)`; its one Dense
            layer takes patch_size**2 * channels inputs.
        whitening: the fitted `PatchWhitening` of its training patches.
        image_shape: (height, width, channels) of the images.
        pool: regions per side of the pooling grid.
    """
    height, width, channels = check_shape(image_shape, "image_shape", rank=3)
    if not hasattr(whitening, "zca_"):
        raise ValueError("`whitening` is not fitted yet: call fit(patches) first.")
    kernel, bias = (np.asarray(w, dtype="float64") for w in code_layer(encoder).get_weights())
    size = kernel.shape[0]
    patch_size = int(round((size / channels) ** 0.5))
    if patch_size * patch_size * channels != size or len(whitening.mean_) != size:
        raise ValueError(
            f"The code layer takes {size} inputs and the whitening {len(whitening.mean_)}: both must be "
            f"patch_size**2 * channels with channels={channels} from image_shape. "
            f"Received: image_shape={tuple(image_shape)}"
        )
    # Whitened patch w = (n - mean) @ zca, so w @ kernel + bias = n @ folded + shift.
    folded = whitening.zca_ @ kernel
    shift = bias - whitening.mean_ @ folded
    inputs = keras.Input((height, width, channels), name="x")
    features = PatchFeatures(patch_size, kernel.shape[1], pool, whitening.normalization_eps, name="patch_features")
    model = keras.Model(inputs, features(inputs), name="patch_feature_extractor")
    # Patch rows are (row, column, channel)-ordered, as a convolution kernel's first three axes.
    features.set_weights([folded.reshape(patch_size, patch_size, channels, -1).astype("float32"),
                          shift.astype("float32")])
    return model
