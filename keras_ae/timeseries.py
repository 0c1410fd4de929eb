"""Time series for the sequence autoencoders: checking a series, scaling it
with statistics of the training split only, cutting it into sliding windows,
and mapping per-window values back onto the series' time points."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

from keras_ae.validation import check_choice, check_positive_int

POINT_REDUCTIONS = ("mean", "max", "min")


def check_series(series, name: str = "series") -> np.ndarray:
    """A series as float32 of shape (length, features); a 1-D series gets
    one feature. Refuses other ranks, an empty series and NaN/inf values
    (naming the first bad time index)."""
    try:
        array = np.asarray(series, dtype="float32")
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be a numeric array. Received: {name} of type {type(series).__name__}")
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] == 0:
        raise ValueError(
            f"`{name}` must be a non-empty series of shape (length,) or (length, features). "
            f"Received: {name} with shape {np.shape(series)}"
        )
    finite = np.isfinite(array).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise ValueError(
            f"`{name}` must hold finite values only; fill or drop the gaps first. Received: {name} "
            f"with {bad.size} time point(s) holding NaN or inf, the first at index {bad[0]}"
        )
    return array


class Standardizer:
    """Per-feature standardization with statistics of the training split.

    Fit it on the training series only, then apply the same transform to
    every series the model sees, so the test data never leaks into the scale.

    Example:

    ```python
    scaler = Standardizer().fit(train_values)
    windows = sliding_windows(scaler.transform(train_values), window=64)
    ```
    """

    def __init__(self, mean=None, std=None):
        self.mean = None if mean is None else np.asarray(mean, dtype="float32")
        self.std = None if std is None else np.asarray(std, dtype="float32")

    def fit(self, series, name: str = "series") -> Standardizer:
        series = check_series(series, name)
        std = series.std(axis=0)
        # A constant feature has no scale: dividing by ~0 would turn every
        # later deviation into inf or NaN scores.
        flat = np.flatnonzero(std <= 1e-8 * np.maximum(1.0, np.abs(series.mean(axis=0))))
        if flat.size:
            raise ValueError(
                f"`{name}` has zero variance (a constant series) in feature {int(flat[0])}, so it "
                f"cannot be standardized, and an autoencoder learns nothing from it. Received: "
                f"{name} whose feature {int(flat[0])} is {float(series[0, flat[0]])!r} at every "
                f"one of its {series.shape[0]} points"
            )
        self.mean, self.std = series.mean(axis=0), std
        return self

    def _check_fitted(self):
        if self.mean is None:
            raise ValueError("The Standardizer is not fitted; call `fit(train_series)` first.")

    def transform(self, series, name: str = "series") -> np.ndarray:
        self._check_fitted()
        series = check_series(series, name)
        if series.shape[1] != self.mean.shape[0]:
            raise ValueError(
                f"`{name}` must have the {self.mean.shape[0]} feature(s) the Standardizer was fitted "
                f"on. Received: {name} with shape {series.shape}"
            )
        return (series - self.mean) / self.std

    def inverse_transform(self, series) -> np.ndarray:
        self._check_fitted()
        return np.asarray(series, dtype="float32") * self.std + self.mean

    def get_config(self) -> dict:
        self._check_fitted()
        return {"mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_config(cls, config: dict) -> Standardizer:
        return cls(config["mean"], config["std"])


def window_starts(length: int, window: int, stride: int = 1) -> np.ndarray:
    """Start indices of the windows over a series of `length` points: every
    `stride` points, plus one window ending on the last point when the
    stride does not land there, so that every point is covered."""
    window = check_positive_int(window, "window")
    stride = check_positive_int(stride, "stride")
    if length < window:
        raise ValueError(
            f"The series is shorter than one window: {length} point(s) for a window of {window}. "
            f"Use a shorter window or a longer series. Received: window={window}"
        )
    starts = np.arange(0, length - window + 1, stride)
    if starts[-1] != length - window:
        starts = np.append(starts, length - window)
    return starts


def windows_mask(windows, length: int) -> np.ndarray:
    """True for every point inside one of `windows`, (first, last) point
    indices with both ends included."""
    inside = np.zeros(length, dtype=bool)
    for first, last in windows:
        inside[first : last + 1] = True
    return inside


def sliding_windows(series, window: int, stride: int = 1, name: str = "series") -> np.ndarray:
    """The windows of `series` as an array (windows, window, features)."""
    series = check_series(series, name)
    starts = window_starts(len(series), window, stride)
    return series[starts[:, None] + np.arange(window)[None, :]]


def windows_to_points(values, starts, length: int, window: int | None = None, reduce: str = "mean") -> np.ndarray:
    """Maps values of windows back onto the `length` points of the series.

    Point i gets the values of exactly the windows that contain it, the
    windows starting at s with s <= i < s + window.

    Args:
        values: one value per window step (windows, window), such as each
            step's reconstruction error, or one value per window (windows,),
            given to each of its steps (then pass `window`).
        starts: the windows' start indices (`window_starts`).
        length: points in the series.
        window: the window length, for one value per window.
        reduce: how the values of the windows over a point combine:
            `"mean"`, `"max"`, or `"min"` (with `"min"` a point is flagged
            only if every window over it is: the keras.io example's rule).

    Returns:
        float64 array (length,). A point no window covers raises, since its
        score would be made up.
    """
    check_choice(reduce, POINT_REDUCTIONS, "reduce")
    values = np.asarray(values, dtype="float64")
    starts = np.asarray(starts, dtype="int64")
    if values.ndim not in (1, 2) or values.shape[0] != starts.shape[0]:
        raise ValueError(
            f"`values` must have one row per window ({starts.shape[0]}). Received: values with shape {values.shape}"
        )
    if values.ndim == 1:
        if window is None:
            raise ValueError("One value per window needs the window length. Received: window=None")
        values = np.repeat(values[:, None], check_positive_int(window, "window"), axis=1)
    index = (starts[:, None] + np.arange(values.shape[1])[None, :]).ravel()
    if index.min() < 0 or index.max() >= length:
        raise ValueError(f"The windows reach outside the series' {length} points. Received: length={length}")
    counts = np.bincount(index, minlength=length)
    if (counts == 0).any():
        raise ValueError(
            f"{int((counts == 0).sum())} point(s) are covered by no window, the first at index "
            f"{int(np.flatnonzero(counts == 0)[0])}; take the starts from `window_starts`."
        )
    flat = values.ravel()
    if reduce == "mean":
        return np.bincount(index, weights=flat, minlength=length) / counts
    out = np.full(length, -np.inf if reduce == "max" else np.inf)
    (np.maximum if reduce == "max" else np.minimum).at(out, index, flat)
    return out


def read_series_csv(path: str | os.PathLike, column: str = "value") -> tuple[np.ndarray, np.ndarray]:
    """`(timestamps, values)` of a CSV file with a header row, such as NAB's
    `timestamp,value`. Timestamps are `numpy.datetime64` when the file has a
    "timestamp" column, else the row indices. An empty or missing cell is
    a NaN (which `check_series` then refuses with its index)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"`series` must be a CSV file. Received: series='{path}'")
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or column not in reader.fieldnames:
            raise ValueError(
                f"The CSV file has no column {column!r} (columns: {reader.fieldnames}). "
                f"Received: series='{path}', column={column!r}"
            )
        rows = list(reader)
    if not rows:
        raise ValueError(f"The CSV file has a header but no rows. Received: series='{path}'")

    def number(text):
        try:
            return float(text) if text not in (None, "") else np.nan
        except ValueError:
            raise ValueError(f"Column {column!r} holds a non-number {text!r}. Received: series='{path}'")

    values = np.array([number(row[column]) for row in rows], dtype="float64")
    if "timestamp" in reader.fieldnames:
        timestamps = np.array([row["timestamp"] for row in rows], dtype="datetime64[s]")
    else:
        timestamps = np.arange(len(rows))
    return timestamps, values


def rolling_zscore(series, window: int) -> np.ndarray:
    """A simple baseline: |x_t - mean| / std of the `window` points before t
    (0 for the first `window` points, which have no history)."""
    values = check_series(series)[:, 0].astype("float64")
    window = check_positive_int(window, "window")
    scores = np.zeros(len(values))
    if len(values) <= window:
        return scores
    cumsum = np.concatenate([[0.0], np.cumsum(values)])
    cumsq = np.concatenate([[0.0], np.cumsum(values**2)])
    t = np.arange(window, len(values))
    mean = (cumsum[t] - cumsum[t - window]) / window
    var = np.maximum((cumsq[t] - cumsq[t - window]) / window - mean**2, 0.0)
    scores[window:] = np.abs(values[window:] - mean) / np.sqrt(var + 1e-12)
    return scores
