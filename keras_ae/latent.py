"""Paths and draws in a code space, shared by every model that decodes
codes: the autoencoders' interpolation and the generators' sampling."""

from __future__ import annotations

import numpy as np

from keras_ae.validation import check_choice, check_positive_int

METHODS = ("linear", "slerp")


def interpolate_codes(start, end, steps: int = 10, method: str = "linear") -> np.ndarray:
    """`steps` codes from `start` to `end`, both included: `(steps, *shape)`.

    Args:
        start, end: two codes of the same shape.
        steps: codes on the path (>= 2).
        method: `"linear"`, or `"slerp"` (along the great circle, with the
            norm interpolated linearly: the path a Gaussian prior's typical
            codes follow, where linear paths cut through the improbable
            centre).
    """
    steps = check_positive_int(steps, "steps")
    if steps < 2:
        raise ValueError(f"`steps` must be at least 2 (both ends). Received: steps={steps}")
    check_choice(method, METHODS, "method")
    start, end = np.asarray(start, dtype="float64"), np.asarray(end, dtype="float64")
    if start.shape != end.shape:
        raise ValueError(f"The two ends must have the same shape. Received: {start.shape} and {end.shape}")
    shape = start.shape
    start, end = start.ravel(), end.ravel()
    t = np.linspace(0.0, 1.0, steps)[:, None]
    if method == "linear":
        codes = (1 - t) * start + t * end
    else:
        norms = np.linalg.norm([start, end], axis=1)
        unit = np.array([start, end]) / np.maximum(norms, 1e-12)[:, None]
        omega = np.arccos(np.clip(unit[0] @ unit[1], -1.0, 1.0))
        if omega < 1e-6:  # same direction: the great circle is a point
            directions = (1 - t) * unit[0] + t * unit[1]
        else:
            directions = (np.sin((1 - t) * omega) * unit[0] + np.sin(t * omega) * unit[1]) / np.sin(omega)
        codes = directions * ((1 - t) * norms[0] + t * norms[1])
    return codes.reshape(steps, *shape).astype("float32")


def prior_codes(n: int, shape, seed: int | None = None) -> np.ndarray:
    """`n` codes drawn from N(0, I), reproducible with `seed`."""
    n = check_positive_int(n, "n")
    return np.random.default_rng(seed).standard_normal((n, *shape)).astype("float32")
