"""Pictures of what a model does: reconstructions, sample grids, the 2-D
latent manifold and scatter, and interpolation strips. Each takes arrays or a
model and writes one PNG."""

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


def _save(fig, path, title=None) -> None:
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    with atomic_file(path) as staging:
        fig.savefig(staging, dpi=100, format="png")
    plt.close(fig)


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
    height, width = images.shape[1:3]
    canvas = np.ones((rows * height, columns * width, *images.shape[3:]), dtype="float32")
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        canvas[r * height : (r + 1) * height, c * width : (c + 1) * width] = image
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
