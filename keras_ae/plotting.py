"""Pictures of what a model does: reconstructions, sample grids, the 2-D
latent manifold and scatter, latent traversals and interpolation strips. Each
takes arrays or a model and writes one PNG."""

from __future__ import annotations

import os
from statistics import NormalDist

import matplotlib

matplotlib.use("Agg")  # files only; no display on servers and CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from keras_ae.outputs import atomic_file  # noqa: E402
from keras_ae.validation import check_positive_int  # noqa: E402


def _displayable(images: np.ndarray) -> np.ndarray:
    images = np.clip(np.asarray(images, dtype="float32"), 0.0, 1.0)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    return images


def reconstruction_grid(
    x: np.ndarray, reconstruction: np.ndarray, path: str | os.PathLike, title: str | None = None
) -> None:
    """Saves a PNG with inputs on the top row and reconstructions below.

    Args:
        x: images in [0, 1], `(n, height, width[, channels])`.
        reconstruction: the model's output for `x`, same shape.
        path: where the PNG goes.
        title: optional caption (for example the test error).
    """
    x, reconstruction = _displayable(x), _displayable(reconstruction)
    n = len(x)
    fig, axes = plt.subplots(2, n, figsize=(1.1 * n, 2.6), squeeze=False)
    for row, (images, label) in enumerate([(x, "input"), (reconstruction, "reconstruction")]):
        for i in range(n):
            ax = axes[row, i]
            ax.imshow(images[i], cmap="gray" if images.ndim == 3 else None, vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[row, 0].set_ylabel(label, fontsize=8)
    _save(fig, path, title)


def _tiled(images: np.ndarray, columns: int) -> np.ndarray:
    """Displayable `images` laid row by row, `columns` to a row, on one
    canvas without gaps (white where the last row is short)."""
    rows = int(np.ceil(len(images) / columns))
    height, width = images.shape[1:3]
    canvas = np.ones((rows * height, columns * width, *images.shape[3:]), dtype="float32")
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        canvas[r * height : (r + 1) * height, c * width : (c + 1) * width] = image
    return canvas


def _save(fig, path, title=None) -> None:
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    with atomic_file(path) as staging:
        fig.savefig(staging, dpi=100, format="png")
    plt.close(fig)


def masked_reconstruction_grid(model, x: np.ndarray, path: str | os.PathLike, seed: int = 0,
                               title: str | None = None) -> None:
    """Saves a picture of a masked autoencoder on images `x` in [0, 1], one
    column each: the images, the patches its encoder saw (hidden ones grey)
    and its reconstructions (`model.masked_views` with mask seed `seed`)."""
    masked, filled = model.masked_views(x, seed=seed)
    image_grid(np.concatenate([model.check_data(x, "x"), masked, filled]), path, columns=len(x), title=title)


def image_grid(images: np.ndarray, path: str | os.PathLike, columns: int | None = None, title: str | None = None) -> None:
    """Saves `images` (in [0, 1]) as one tiled picture, row by row, without
    gaps, as the papers show samples and manifolds.

    Args:
        images: `(n, height, width[, channels])`.
        path: where the PNG goes.
        columns: images per row (default: a square-ish grid).
        title: optional caption.
    """
    images = _displayable(images)
    n = len(images)
    columns = check_positive_int(columns or int(np.ceil(np.sqrt(n))), "columns")
    rows = int(np.ceil(n / columns))
    canvas = _tiled(images, columns)
    scale = max(2.0, min(12.0, columns * 0.6))
    fig, ax = plt.subplots(figsize=(scale, scale * rows / columns + (0.3 if title else 0)))
    ax.imshow(canvas, cmap="gray" if canvas.ndim == 2 else None, vmin=0, vmax=1)
    ax.axis("off")
    _save(fig, path, title)


def normal_quantile_grid(n: int) -> np.ndarray:
    """`(n * n, 2)` codes on the quantiles (i + 0.5) / n of N(0, 1) on each
    axis, the grid of Kingma and Welling's manifold figures: equal steps
    of prior probability mass rather than of distance."""
    n = check_positive_int(n, "n")
    values = np.array([NormalDist().inv_cdf((i + 0.5) / n) for i in range(n)], dtype="float32")
    # Rows go top to bottom, so the second coordinate decreases down the rows.
    return np.array([[x, y] for y in values[::-1] for x in values], dtype="float32")


def latent_manifold(model, path: str | os.PathLike, n: int = 20, title: str | None = None) -> None:
    """Decodes an `n` x `n` normal-quantile grid of a model with a 2-D code."""
    if model.latent_dim != 2:
        raise ValueError(
            f"The latent manifold picture needs a model with a 2-dimensional code. "
            f"Received: a model with latent_dim={model.latent_dim}"
        )
    images = model.decode(normal_quantile_grid(n))
    image_grid(images, path, columns=n, title=title or "decoded normal-quantile grid of the 2-D code")


def traversal_codes(code, values) -> np.ndarray:
    """The codes of a latent traversal: `(code_dim, len(values), code_dim)`,
    row `d` being `code` with unit `d` set to each of `values` in turn and
    every other unit left as it is."""
    code = np.asarray(code, dtype="float32")
    values = np.asarray(values, dtype="float32")
    if code.ndim != 1 or code.size < 1:
        raise ValueError(f"`code` must be one flat code, shape (code_dim,). Received: code with shape {code.shape}")
    if values.ndim != 1 or values.size < 1 or not np.isfinite(values).all():
        raise ValueError(
            f"`values` must be a non-empty 1-D sequence of finite numbers. Received: values with shape {values.shape}"
        )
    codes = np.tile(code, (code.size, values.size, 1))
    for d in range(code.size):
        codes[d, :, d] = values
    return codes


def latent_traversal(
    model, code, path: str | os.PathLike, values=None, row_labels=None, title: str | None = None
) -> np.ndarray:
    """Decodes the traversal of `code` (see `traversal_codes`) and saves it:
    one row per code unit, swept over `values` left to right, each row
    labelled (for example with the factor the unit is found to encode), as
    the disentanglement papers show a code.

    Args:
        model: a model with a flat code and `decode` (an autoencoder, a VAE).
        code: the code the sweeps start from, `(latent_dim,)`: an example's
            mean code, say.
        path: where the PNG goes.
        values: the values each unit takes (default: 9 steps over [-2, 2],
            the prior's central 95%).
        row_labels: one label per unit (default `z0`, `z1`, ...).
        title: optional caption.

    Returns:
        the decoded images, `(latent_dim, len(values), *data_shape)`.
    """
    values = np.linspace(-2.0, 2.0, 9) if values is None else np.asarray(values, dtype="float32")
    code = np.asarray(code, dtype="float32")
    if code.shape != (model.latent_dim,):
        raise ValueError(
            f"`code` must be one code of the model, shape ({model.latent_dim},). Received: code with shape {code.shape}"
        )
    row_labels = [f"z{d}" for d in range(code.size)] if row_labels is None else [str(r) for r in row_labels]
    if len(row_labels) != code.size:
        raise ValueError(
            f"`row_labels` must hold one label per code unit ({code.size}). Received: {len(row_labels)} labels"
        )
    codes = traversal_codes(code, values)
    images = model.decode(codes.reshape(-1, code.size)).reshape(*codes.shape[:2], *model.data_shape)
    rows, columns = codes.shape[:2]
    shown = _displayable(images.reshape(-1, *images.shape[2:]))
    height, width = shown.shape[1:3]
    canvas = _tiled(shown, columns)
    label_width = 0.09 * max(len(label) for label in row_labels)
    fig, ax = plt.subplots(figsize=(0.8 * columns + label_width, 0.8 * rows + (0.5 if title else 0.3)))
    ax.imshow(canvas, cmap="gray" if canvas.ndim == 2 else None, vmin=0, vmax=1)
    ax.set_yticks((np.arange(rows) + 0.5) * height, row_labels, fontsize=8)
    ax.set_xticks((np.arange(columns) + 0.5) * width, [f"{v:.3g}" for v in values], fontsize=7)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    _save(fig, path, title)
    return images


def latent_scatter(codes: np.ndarray, labels: np.ndarray, path: str | os.PathLike, class_names=None, title: str | None = None) -> None:
    """Scatter of 2-D codes coloured by label (codes of more dimensions are
    shown on their first two principal axes, which the title says)."""
    codes = np.asarray(codes, dtype="float64").reshape(len(codes), -1)
    if len(labels) != len(codes):
        raise ValueError(
            f"`labels` must hold one label per code. Received: labels with {len(labels)} "
            f"entries for {len(codes)} codes"
        )
    axes_name = "z"
    if codes.shape[1] > 2:
        centred = codes - codes.mean(axis=0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        codes, axes_name = centred @ vt[:2].T, "principal axis"
    elif codes.shape[1] < 2:
        codes = np.concatenate([codes, np.zeros_like(codes)], axis=1)
    labels = np.asarray(labels)
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    points = ax.scatter(codes[:, 0], codes[:, 1], c=labels, cmap="tab10", s=3, alpha=0.7)
    classes = np.unique(labels)
    bar = fig.colorbar(points, ax=ax, ticks=classes)
    if class_names is not None:
        bar.ax.set_yticklabels([class_names[int(c)] for c in classes])
    ax.set_xlabel(f"{axes_name} 1")
    ax.set_ylabel(f"{axes_name} 2")
    _save(fig, path, title)


def anomaly_plot(
    timestamps: np.ndarray, values: np.ndarray, scores: np.ndarray, flags: np.ndarray, threshold: float,
    path: str | os.PathLike, windows=(), title: str | None = None,
) -> None:
    """The series with its flagged points marked (and labelled anomaly
    windows shaded, when known) above the anomaly score and its threshold."""
    values = np.asarray(values, dtype="float64").reshape(len(values), -1)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 5), sharex=True, height_ratios=(2, 1))
    for first, last in windows:
        for axis in (top, bottom):
            axis.axvspan(timestamps[first], timestamps[last], color="orange", alpha=0.25, lw=0)
    top.plot(timestamps, values, lw=0.7, color="tab:blue")
    flags = np.asarray(flags, dtype=bool)
    top.scatter(timestamps[flags], values[flags, 0], s=6, color="red", zorder=3, label=f"flagged ({int(flags.sum())} points)")
    top.set_ylabel("value")
    top.legend(loc="upper left")
    bottom.plot(timestamps, np.maximum(scores, 1e-12), lw=0.7, color="black")  # log axis
    bottom.axhline(threshold, color="red", ls="--", lw=0.8, label=f"threshold {threshold:.3g}")
    bottom.set_yscale("log")
    bottom.set_ylabel("score")
    bottom.legend(loc="upper left")
    fig.autofmt_xdate()
    _save(fig, path, title)
