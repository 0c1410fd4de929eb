"""Pictures of what a model does: inputs beside their reconstructions."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")  # files only; no display on servers and CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


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
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
