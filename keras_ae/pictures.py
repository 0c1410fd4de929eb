"""The pictures of a saved model, as `keras-ae plot` draws them: loads the
model and the data, picks the examples, and hands arrays to `plotting`."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from keras_ae import evaluation, outputs, plotting
from keras_ae.latent import prior_codes
from keras_ae.validation import check_choice, check_positive_int

KINDS = ("reconstructions", "samples", "manifold", "scatter", "interpolation")
# What `n` means for each kind when not given.
DEFAULT_N = {"reconstructions": 10, "samples": 64, "manifold": 20, "scatter": 5000, "interpolation": 10}


def plot(
    kind: str,
    model_path: str | os.PathLike,
    dataset: str = "mnist_sample",
    data_dir: str | os.PathLike | None = None,
    out: str | os.PathLike | None = None,
    n: int | None = None,
    seed: int = 0,
    method: str = "linear",
) -> Path:
    """Writes the `kind` picture of the model at `model_path` and returns its path.

    Args:
        kind: one of `KINDS`.
        model_path: a `.keras` file saved by keras_ae.
        dataset: test examples for reconstructions, scatter and interpolation.
        data_dir: folder with the data set's files.
        out: the PNG (default: `<kind>.png` beside the model).
        n: examples shown, grid side (manifold) or interpolation steps.
        seed: picks the samples and the interpolated pair.
        method: `"linear"` or `"slerp"` interpolation.
    """
    check_choice(kind, KINDS, "kind")
    n = check_positive_int(DEFAULT_N[kind] if n is None else n, "n")
    model = outputs.load_saved_model(model_path)
    out = Path(out) if out is not None else Path(model_path).with_name(f"{kind}.png")
    name = f"{getattr(model, 'family', type(model).__name__)} model"
    conditional = getattr(model, "conditional", False)  # any saved Keras model loads here
    # A GAN has a generator only: no codes of real examples to show.
    if kind in ("reconstructions", "scatter") and not hasattr(model, "reconstruct"):
        raise ValueError(f"The {name} has no encoder, so it has no {kind}. Received: kind={kind!r}")
    if kind == "samples":
        if not hasattr(model, "sample"):
            raise ValueError(f"The {name} has no prior to sample from. Received: kind='samples'")
        plotting.image_grid(model.sample(n, seed=seed), out, title=f"{n} samples of the {name}")
        return out
    if kind in ("manifold", "interpolation") and conditional:
        raise ValueError(
            f"The {name} decodes a code together with a label; draw its classes with "
            f"`keras-ae plot samples`. Received: kind={kind!r}"
        )
    if kind == "manifold":
        plotting.latent_manifold(model, out, n=n, title=f"{name}: decoded normal-quantile grid")
        return out
    rng = np.random.default_rng(seed)
    if kind == "interpolation" and not hasattr(model, "reconstruct"):
        a, b = prior_codes(2, model.latent_shape, seed)
        strip = model.interpolate(a, b, steps=max(n, 2), method=method)
        plotting.image_grid(strip, out, columns=len(strip), title=f"{name}: {method} path between two prior codes")
        return out

    arrays = evaluation.load_matching_arrays(model, dataset, data_dir)
    x = arrays.x_test.astype("float32") / 255.0
    if kind == "reconstructions":
        picked = rng.choice(len(x), size=min(n, len(x)), replace=False)
        labels = (arrays.y_test[picked],) if conditional else ()
        plotting.reconstruction_grid(x[picked], model.reconstruct(x[picked], *labels), out, title=f"{name} on {dataset}")
    elif kind == "scatter":
        picked = rng.choice(len(x), size=min(n, len(x)), replace=False)
        labels = (arrays.y_test[picked],) if conditional else ()
        plotting.latent_scatter(
            model.latent_codes(x[picked], *labels), arrays.y_test[picked], out, arrays.class_names,
            title=f"{name}: codes of {len(picked)} {dataset} test examples",
        )
    else:
        a, b = x[rng.choice(len(x), size=2, replace=False)]
        strip = model.interpolate(a, b, steps=max(n, 2), method=method)
        plotting.image_grid(strip, out, columns=len(strip), title=f"{name}: {method} interpolation")
    return out
