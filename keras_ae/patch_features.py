"""Feature learning on image patches (Coates, Lee & Ng 2011): an
autoencoder trained on contrast-normalised, ZCA-whitened patches, its code
layer then run as a convolution over whole images and pooled on a grid; and
a second such layer over the first one's map (Coates & Ng 2011).

A wide, local, pooled code (thousands of units) suits a linear probe on few
labels (benchmarks/fashion_probe.py); there the whitening, the activation and
the pooling do much of the work, and units left on random patches come
close to trained ones. One layer:

```python
patches = patch_features.random_patches(x_train, patch_size=7, count=200_000, seed=0)
whitening = patch_features.PatchWhitening().fit(patches)
whitened = whitening.transform(patches)
model = patch_features.patch_autoencoder(whitened, units=1600, top_k=1, seed=0)
model.compile(optimizer="adam")
model.fit(whitened, epochs=3, batch_size=256)
extractor = patch_features.feature_extractor(model.encoder, whitening, (28, 28, 1), pool=3)
features = extractor.predict(x_test)  # (n, 3 * 3 * 1600)
```

A second layer learns the same way on the first one's map, made smaller:

```python
first = patch_features.feature_extractor(model.encoder, whitening, (28, 28, 1), pool=None)
downsample = keras.layers.AveragePooling2D(2)
pooled = keras.Sequential([first, downsample]).predict(x_train[:4000])  # (4000, 11, 11, 1600)
pca = patch_features.channel_pca(pooled, components=128)
reduced = pca(pooled).numpy()
# ... random_patches(reduced, 3, ...), PatchWhitening, patch_autoencoder as above,
# then second = feature_extractor(model2.encoder, whitening2, (11, 11, 128), pool=2)
reduction = keras.Sequential([keras.Input((22, 22, 1600)), downsample, pca])
extractor = patch_features.two_layer_extractor(first, reduction, second, pool=3)
```
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import layers, ops

from keras_ae.blocks import dense_networks
from keras_ae.models.base import Autoencoder
from keras_ae.validation import check_batch, check_non_negative, check_positive_int, check_shape


def random_patches(images, patch_size: int, count: int, seed: int = 0) -> np.ndarray:
    """`count` square patches cut at random places of random `images`
    (n, height, width, channels), flattened to rows of patch_size**2 * channels."""
    images = check_batch(images, (None, None, None), "images")
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

    def check_fitted(self, name: str = "This PatchWhitening") -> None:
        if not hasattr(self, "zca_"):
            raise ValueError(f"{name} is not fitted yet: call fit(patches) first.")

    def transform(self, patches) -> np.ndarray:
        """Whitened rows, float32: the autoencoder's training data."""
        self.check_fitted()
        patches = np.asarray(patches, dtype="float64")
        if patches.ndim != 2 or patches.shape[1] != len(self.mean_):
            raise ValueError(
                f"`patches` must have shape (n, {len(self.mean_)}). Received: patches with shape {patches.shape}"
            )
        return ((contrast_normalize(patches, self.normalization_eps) - self.mean_) @ self.zca_).astype("float32")


def patch_autoencoder(whitened_patches, units: int, top_k: int = 1, seed: int = 0) -> Autoencoder:
    """A k-sparse autoencoder of whitened patches (one linear code layer,
    `layers.TopK`, a linear decoder), its `units` code directions and
    decoder atoms started at distinct random patches of unit length.

    Started from random weights, Adam leaves most units of a 1-sparse code
    dead: a unit that never wins gets no gradient (after 3 epochs on 200,000
    Fashion-MNIST patches, 1,526 of 1,600 units win none of them; 11 from
    this start).
    Started on a patch, a unit wins near it, as k-means starts from data.
    """
    patches = check_batch(whitened_patches, (None,), "whitened_patches")
    units = check_positive_int(units, "units")
    encoder, decoder = dense_networks(patches.shape[1:], units, units=(), top_k=top_k, output_activation=None)
    # Distinct rows: flat backgrounds all whiten to one vector, and units
    # started on one point would leave all but one of them dead.
    distinct = np.unique(patches, axis=0)
    if len(distinct) < units:
        raise ValueError(
            f"`whitened_patches` must hold at least units={units} distinct rows. "
            f"Received: {len(distinct)} distinct rows"
        )
    atoms = distinct[np.random.default_rng(seed).choice(len(distinct), units, replace=False)]
    atoms /= np.maximum(np.linalg.norm(atoms, axis=1, keepdims=True), 1e-6)
    encoder.get_layer("code").set_weights([atoms.T, np.zeros(units, "float32")])
    decoder.get_layer("output").set_weights([atoms, np.zeros(patches.shape[1], "float32")])
    return Autoencoder(encoder, decoder)


def grid_mean(maps, pool: int):
    """The mean of (batch, height, width, channels) `maps` over each region
    of a `pool` x `pool` grid, regions in row order:
    (batch, pool * pool * channels). Regions differ by at most a pixel."""
    rows, cols = (np.linspace(0, side, pool + 1).round().astype(int) for side in maps.shape[1:3])
    regions = [
        ops.mean(maps[:, rows[i]:rows[i + 1], cols[j]:cols[j + 1], :], axis=(1, 2))
        for i in range(pool) for j in range(pool)
    ]
    return ops.concatenate(regions, axis=-1)


@keras.saving.register_keras_serializable(package="keras_ae")
class GridPooling(layers.Layer):
    """`grid_mean` as a layer: (batch, height, width, channels) ->
    (batch, pool * pool * channels)."""

    def __init__(self, pool, **kwargs):
        super().__init__(**kwargs)
        self.pool = check_positive_int(pool, "pool")

    def build(self, input_shape):
        if len(input_shape) != 4 or None in input_shape[1:3] or min(input_shape[1:3]) < self.pool:
            raise ValueError(
                f"GridPooling(pool={self.pool}) needs maps (batch, height, width, channels) of a fixed size, "
                f"at least {self.pool} a side. Received: input shape {tuple(input_shape)}"
            )

    def call(self, inputs):
        return grid_mean(inputs, self.pool)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.pool * self.pool * input_shape[3])

    def get_config(self):
        return {**super().get_config(), "pool": self.pool}


@keras.saving.register_keras_serializable(package="keras_ae")
class PatchFeatures(layers.Layer):
    """Every patch of an image, contrast-normalised and whitened, encoded by
    `units` linear code units, activated competitively and averaged over a
    `pool` x `pool` grid of regions:
    (batch, height, width, channels) -> (batch, pool * pool * units);
    with `pool=None`, the activation map itself:
    (batch, height - patch_size + 1, width - patch_size + 1, units).

    The activation is Coates et al.'s "triangle" encoding written for a code
    unit: a unit with projection p_k = w_k . x + b_k is read at distance
    d_k = sqrt(|x|^2 - 2 p_k) from the whitened patch x (for a k-means
    centroid c_k, with w_k = c_k and b_k = -|c_k|^2 / 2, exactly its
    Euclidean distance), and fires by max(0, mean_j d_j - d_k): only the
    units closer than average, by how much.

    Args:
        patch_size: side of the square patches.
        units: number of code units.
        pool: regions per side of the pooling grid, or None for the map.
        normalization_eps: as in `PatchWhitening`.
    """

    def __init__(self, patch_size, units, pool=3, normalization_eps=0.01, **kwargs):
        super().__init__(**kwargs)
        self.patch_size = check_positive_int(patch_size, "patch_size")
        self.units = check_positive_int(units, "units")
        self.pool = None if pool is None else check_positive_int(pool, "pool")
        self.normalization_eps = check_non_negative(normalization_eps, "normalization_eps")

    def build(self, input_shape):
        _, height, width, channels = input_shape
        smallest = self.patch_size + (self.pool or 1) - 1
        if height is None or width is None or min(height, width) < smallest:
            needed = "patch_size" if self.pool is None else "patch_size + pool - 1"
            raise ValueError(
                f"PatchFeatures needs images of a fixed size, at least {needed} = {smallest} "
                f"pixels a side. Received: input shape {tuple(input_shape)}"
            )
        size = self.patch_size * self.patch_size * channels
        # Fixed after fitting: the features are a frozen pretrained encoder.
        def fixed(name, shape):
            return self.add_weight(name=name, shape=shape, initializer="zeros", trainable=False)

        self.whitening_mean = fixed("whitening_mean", (size,))
        self.zca = fixed("zca", (size, size))
        self.kernel = fixed("kernel", (size, self.units))
        self.bias = fixed("bias", (self.units,))
        # A convolution with this kernel lays each patch out along the channels.
        self.unfold = np.eye(size, dtype="float32").reshape(self.patch_size, self.patch_size, channels, size)

    def call(self, inputs):
        patches = ops.conv(inputs, self.unfold)
        mean = ops.mean(patches, axis=-1, keepdims=True)
        variance = ops.var(patches, axis=-1, keepdims=True)
        normalized = (patches - mean) / ops.sqrt(variance + self.normalization_eps)
        whitened = ops.matmul(normalized - self.whitening_mean, self.zca)
        projection = ops.matmul(whitened, self.kernel) + self.bias
        squared_norm = ops.sum(whitened * whitened, axis=-1, keepdims=True)
        distance = ops.sqrt(ops.relu(squared_norm - 2.0 * projection))
        active = ops.relu(ops.mean(distance, axis=-1, keepdims=True) - distance)
        return active if self.pool is None else grid_mean(active, self.pool)

    def compute_output_shape(self, input_shape):
        if self.pool is None:
            return (input_shape[0], input_shape[1] - self.patch_size + 1, input_shape[2] - self.patch_size + 1, self.units)
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
        pool: regions per side of the pooling grid, or None for a model to
            the activation map (the input of a second layer).
    """
    height, width, channels = check_shape(image_shape, "image_shape", rank=3)
    whitening.check_fitted("`whitening`")
    kernel, bias = (np.asarray(w, dtype="float64") for w in code_layer(encoder).get_weights())
    size = kernel.shape[0]
    patch_size = int(round((size / channels) ** 0.5))
    if patch_size * patch_size * channels != size or len(whitening.mean_) != size:
        raise ValueError(
            f"The code layer takes {size} inputs and the whitening {len(whitening.mean_)}: both must be "
            f"patch_size**2 * channels with channels={channels} from image_shape. "
            f"Received: image_shape={tuple(image_shape)}"
        )
    inputs = keras.Input((height, width, channels), name="x")
    features = PatchFeatures(patch_size, kernel.shape[1], pool, whitening.normalization_eps, name="patch_features")
    model = keras.Model(inputs, features(inputs), name="patch_feature_extractor")
    features.set_weights([np.asarray(w, dtype="float32") for w in (whitening.mean_, whitening.zca_, kernel, bias)])
    return model


def channel_pca(maps, components: int) -> layers.Dense:
    """A Dense layer that centres each position's channels of `maps`
    (n, height, width, channels) and projects them on their first
    `components` principal directions (fitted on `maps`): a first layer's
    thousands of channels brought down to what a second layer can whiten."""
    maps = check_batch(maps, (None, None, None), "maps")
    components = check_positive_int(components, "components")
    vectors = maps.reshape(-1, maps.shape[-1])
    if components > min(vectors.shape):
        raise ValueError(
            f"`components` must be at most min(positions, channels) = {min(vectors.shape)}. "
            f"Received: components={components}"
        )
    # The second moment summed in float64 chunks: a float64 copy of a
    # first layer's maps would take gigabytes.
    mean = vectors.mean(axis=0, dtype="float64")
    moment = sum(chunk.T.astype("float64") @ chunk for chunk in np.array_split(vectors, -(-len(vectors) // 65536)))
    _, vectors_by_variance = np.linalg.eigh(moment / len(vectors) - np.outer(mean, mean))
    projection = vectors_by_variance[:, ::-1][:, :components]
    dense = layers.Dense(components, name="channel_pca", trainable=False)
    dense.build((None, maps.shape[-1]))
    dense.set_weights([projection.astype("float32"), (-mean @ projection).astype("float32")])
    return dense


def two_layer_extractor(first: keras.Model, reduction: keras.Model, second: keras.Model, pool: int) -> keras.Model:
    """Images -> [the `first` map averaged on a `pool` grid, the `second`
    layer's pooled features of `reduction(first map)`], concatenated: the
    second layer sees combinations of first-layer units over a wider window
    (Coates & Ng 2011, "Selecting receptive fields in deep networks"), and
    the first layer's own features stay beside them.

    Args:
        first: `feature_extractor(..., pool=None)`, images -> activation map.
        reduction: that map -> the smaller map `second` was trained on (for
            instance average pooling, then `channel_pca`).
        second: `feature_extractor` of the second layer, pooled.
        pool: regions per side of the grid for the first layer's features.
    """
    if len(first.output.shape) != 4:
        raise ValueError(
            "`first` must output an activation map (feature_extractor(..., pool=None)). "
            f"Received: output shape {tuple(first.output.shape)}"
        )

    def named(part, name, input_shape):
        # The parts of one model need distinct names, and two extractors
        # share a default one: each part is wrapped under its role.
        inputs = keras.Input(input_shape)
        return keras.Model(inputs, part(inputs), name=name)

    inputs = keras.Input(first.input.shape[1:], name="x")
    maps = named(first, "first_layer", first.input.shape[1:])(inputs)
    reduced = named(reduction, "reduction", maps.shape[1:])(maps)
    features = [GridPooling(pool, name="first_grid")(maps), named(second, "second_layer", reduced.shape[1:])(reduced)]
    return keras.Model(inputs, layers.Concatenate(name="features")(features), name="two_layer_patch_extractor")
