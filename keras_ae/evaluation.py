"""Metrics of a model on arrays scaled to [0, 1], computed batch by batch:
reconstruction error beside the PCA baseline at the same code size, and the
variational families' likelihood bounds; and a saved model's on a data set."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import tensorflow as tf

from keras_ae import datasets
from keras_ae.datasets import Arrays
from keras_ae.labels import check_labels
from keras_ae.layers import GaussianSampler
from keras_ae.outputs import load_saved_model, versions
from keras_ae.validation import check_batch, check_choice, check_positive_int


def _as_unit_float(x: np.ndarray) -> np.ndarray:
    """uint8 images to float32 in [0, 1]; float arrays are taken as they are."""
    if x.dtype == np.uint8:
        return x.astype("float32") / 255.0
    return np.asarray(x, dtype="float32")


def reconstruction_report(x: np.ndarray, reconstruction: np.ndarray) -> dict[str, float]:
    """Error figures of `reconstruction` against `x` (both in [0, 1]).

    - `sse_per_image`: squared error summed over each example's values, mean
      over examples (for MNIST, the figure the deep-autoencoder papers quote);
    - `mse_per_value`: the same divided by the values per example;
    - `psnr_db`: mean over examples of 10 log10(1 / per-example MSE).
    """
    x = np.asarray(x, dtype="float64").reshape(len(x), -1)
    r = np.asarray(reconstruction, dtype="float64").reshape(len(x), -1)
    sse = np.sum((x - r) ** 2, axis=1)
    mse = sse / x.shape[1]
    psnr = 10.0 * np.log10(1.0 / np.maximum(mse, 1e-12))
    return {
        "sse_per_image": float(np.mean(sse)),
        "mse_per_value": float(np.mean(mse)),
        "psnr_db": float(np.mean(psnr)),
        "examples": int(len(x)),
    }


def evaluate_model(model, x: np.ndarray, batch_size: int = 500, labels=None) -> dict[str, float]:
    """Reconstruction report of an autoencoder on `x` (uint8 or [0, 1]
    floats); `labels` for a conditional model."""
    x = check_batch(_as_unit_float(x), model.data_shape, "x")
    conditions = () if labels is None else (labels,)
    return reconstruction_report(x, model.reconstruct(x, *conditions, batch_size=batch_size))


class PCA:
    """Principal component analysis by eigendecomposition of the covariance.

    Enough for the linear baseline (no scikit-learn dependency); computed in
    float64 so that 784- or 3072-dimensional covariances are accurate.

    Args:
        n_components: number of principal directions kept.
    """

    def __init__(self, n_components: int):
        self.n_components = check_positive_int(n_components, "n_components")

    def fit(self, x: np.ndarray, batch_size: int = 10_000) -> "PCA":
        x = _as_unit_float(x).reshape(len(x), -1)
        if self.n_components > x.shape[1]:
            raise ValueError(
                f"`n_components` must be at most the data's {x.shape[1]} dimensions. "
                f"Received: n_components={self.n_components}"
            )
        self.mean_ = x.mean(axis=0, dtype="float64")
        covariance = np.zeros((x.shape[1], x.shape[1]))
        for start in range(0, len(x), batch_size):
            centred = x[start : start + batch_size] - self.mean_
            covariance += centred.T @ centred
        covariance /= max(len(x) - 1, 1)
        eigenvalues, eigenvectors = np.linalg.eigh(covariance)
        order = np.argsort(eigenvalues)[::-1][: self.n_components]
        self.components_ = eigenvectors[:, order].T
        self.explained_variance_ = eigenvalues[order]
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        x = _as_unit_float(x).reshape(len(x), -1)
        return (x - self.mean_) @ self.components_.T

    def inverse_transform(self, codes: np.ndarray) -> np.ndarray:
        return codes @ self.components_ + self.mean_


def pca_baseline(x_train: np.ndarray, x_test: np.ndarray, n_components: int) -> dict[str, float]:
    """Reconstruction report of PCA fitted on `x_train` with `n_components`
    directions, on `x_test`."""
    pca = PCA(n_components).fit(x_train)
    x_test = _as_unit_float(x_test)
    reconstruction = pca.inverse_transform(pca.transform(x_test))
    return {"n_components": n_components, **reconstruction_report(x_test, reconstruction)}


def importance_sampled_nll(
    model, x: np.ndarray, k: int = 500, batch_size: int | None = None, seed: int = 0, labels=None
) -> dict:
    """Negative log-likelihood of a variational model on `x`, in nats per
    example, by importance sampling from its posterior (the IWAE bound of
    Burda et al., 2015): -log (1/k) sum_i p(x, z_i) / q(z_i|x).

    The bound tightens as `k` grows, so the figure is only comparable at
    the same `k`, which the result states. Also returns the ELBO estimated
    from the same draws (its mean log-weight).

    Args:
        model: a model with `log_importance_weights(x, k, sampler)` (`VAE`).
        x: examples, uint8 or floats in [0, 1] (binarize them first for a
            Bernoulli model evaluated on binary data).
        k: importance samples per example.
        batch_size: examples per step (default: about 25,000 draws a step).
        seed: seed of the draws.
        labels: the class ids a conditional model needs, one per example.
    """
    k = check_positive_int(k, "k")
    # The model's own check: a Bernoulli likelihood refuses values outside [0, 1].
    x = model.check_data(_as_unit_float(x), "x")
    if labels is not None:
        labels = check_labels(labels, model.num_classes, len(x))
    batch_size = check_positive_int(batch_size or max(1, 25_000 // k), "batch_size")
    sampler = GaussianSampler(seed)
    weights = tf.function(lambda batch: model.log_importance_weights(batch, k, sampler), reduce_retracing=True)
    log_px, elbo = [], []
    for start in range(0, len(x), batch_size):
        batch = tf.constant(x[start : start + batch_size])
        if labels is not None:
            batch = (batch, tf.constant(labels[start : start + batch_size]))
        log_w = weights(batch).numpy().astype("float64")
        top = log_w.max(axis=1, keepdims=True)
        log_px.append(top[:, 0] + np.log(np.mean(np.exp(log_w - top), axis=1)))
        elbo.append(log_w.mean(axis=1))
    log_px, elbo = np.concatenate(log_px), np.concatenate(elbo)
    return {
        "nll": float(-np.mean(log_px)),
        "elbo": float(np.mean(elbo)),
        "k": k,
        "examples": int(len(x)),
        "seed": seed,
    }


def binarize(x: np.ndarray, seed: int = 0) -> np.ndarray:
    """A fixed 0/1 draw of `x` (uint8 or [0, 1]), each value on with its
    grey level as probability: the test set of dynamically binarized MNIST."""
    x = _as_unit_float(x)
    return (np.random.default_rng(seed).random(x.shape, dtype="float32") < x).astype("float32")


# === Judging generated images with a classifier trained by the project ===


def train_feature_classifier(x: np.ndarray, labels: np.ndarray, epochs: int = 3, batch_size: int = 128, seed: int = 0):
    """A small CNN classifier of `x` (uint8 or [0, 1]) whose 128-unit
    penultimate layer, named "features", gives the features of
    `frechet_distance` and whose prediction judges `class_histogram`.

    This is the project's own feature extractor, not the Inception network
    of the published FID: distances are comparable only between runs that
    use the same classifier recipe and data set.
    """
    import keras
    from keras import layers

    x = _as_unit_float(x)
    num_classes = int(np.max(labels)) + 1
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(x.shape[1:])
    h = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(inputs)
    h = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(h)
    h = layers.Flatten()(h)
    h = layers.Dense(128, activation="relu", name="features")(h)
    outputs = layers.Dense(num_classes, name="logits")(h)
    classifier = keras.Model(inputs, outputs, name="feature_classifier")
    classifier.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    classifier.fit(x, np.asarray(labels), epochs=epochs, batch_size=batch_size, verbose=0)
    return classifier


def classifier_features(classifier, x: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """The "features" layer of `train_feature_classifier`'s model for `x`."""
    import keras

    extractor = keras.Model(classifier.inputs, classifier.get_layer("features").output)
    return extractor.predict(_as_unit_float(x), batch_size=batch_size, verbose=0).astype("float64")


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to two feature sets:
    |mu_a - mu_b|^2 + Tr(C_a + C_b - 2 (C_a C_b)^(1/2)).

    Tr((C_a C_b)^(1/2)) is computed as the sum of the square roots of the
    eigenvalues of C_a^(1/2) C_b C_a^(1/2), which is symmetric, so NumPy's
    `eigh` suffices (no SciPy `sqrtm`).
    """
    a, b = np.asarray(features_a, "float64"), np.asarray(features_b, "float64")
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise ValueError(
            "The feature sets must be (n, d) arrays of the same width with n >= 2. "
            f"Received: shapes {a.shape} and {b.shape}"
        )
    mean_a, mean_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    values, vectors = np.linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    middle = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    trace_root = np.sum(np.sqrt(np.clip(middle, 0, None)))
    return float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_root)


def pca_frechet_distance(x: np.ndarray, reference: np.ndarray, n_components: int = 32) -> float:
    """Frechet distance between `x` and `reference` (images) in the space of
    `reference`'s first `n_components` principal directions: a sample
    quality measure that needs no trained classifier, so anyone recomputes
    it exactly from a generator's weights (distances compare only with each
    other, not with Inception-based FIDs)."""
    pca = PCA(n_components).fit(reference)
    return frechet_distance(pca.transform(x), pca.transform(reference))


def class_histogram(classifier, x: np.ndarray, batch_size: int = 500) -> dict:
    """How the classifier labels `x`: the count and share of each class and
    the KL divergence of the shares from uniform (0 when every class is
    equally common; log(classes) when one class takes everything)."""
    logits = classifier.predict(_as_unit_float(x), batch_size=batch_size, verbose=0)
    classes = logits.shape[1]
    counts = np.bincount(np.argmax(logits, axis=1), minlength=classes)
    shares = counts / counts.sum()
    nonzero = shares > 0
    kl = float(np.sum(shares[nonzero] * np.log(shares[nonzero] * classes)))
    return {"counts": counts.tolist(), "shares": shares.round(4).tolist(), "kl_to_uniform": kl, "classes_seen": int(nonzero.sum())}


# === A saved model on a data set ===


def load_matching_arrays(model, dataset: str, data_dir: str | os.PathLike | None = None) -> Arrays:
    """The data set's arrays, refused unless its examples fit the model."""
    arrays = datasets.load_arrays(dataset, data_dir=data_dir)
    if tuple(arrays.x_test.shape[1:]) != tuple(model.data_shape):
        raise ValueError(
            f"The model takes examples of shape {tuple(model.data_shape)} but the data set "
            f"{dataset!r} has {tuple(arrays.x_test.shape[1:])}. Received: dataset={dataset!r}"
        )
    return arrays


def evaluate(
    model_path: str | os.PathLike,
    dataset: str = "mnist_sample",
    data_dir: str | os.PathLike | None = None,
    batch_size: int = 500,
) -> dict:
    """Metrics of a saved model on a data set's test split, beside PCA at
    the model's code size."""
    check_choice(dataset, datasets.DATASETS, "dataset")
    model = load_saved_model(model_path)
    if not hasattr(model, "reconstruct"):
        raise ValueError(
            f"`evaluate` scores reconstructions; the {model.family!r} model has none (its samples "
            f"are judged by benchmarks/mnist_gan.py). Received: model='{model_path}'"
        )
    arrays = load_matching_arrays(model, dataset, data_dir)
    labels = arrays.y_test if model.conditional else None
    return {
        "model": str(Path(model_path)),
        "family": getattr(model, "family", type(model).__name__),
        "dataset": dataset,
        "data_source": arrays.source,
        "test": evaluate_model(model, arrays.x_test, batch_size, labels=labels),
        "pca": pca_baseline(arrays.x_train, arrays.x_test, model.latent_dim),
        "versions": versions(),
    }
