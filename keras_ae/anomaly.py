"""Anomaly detection with any trained autoencoder: reconstruction-error
scores, calibrated thresholds, and the metrics that judge them (AUROC,
precision/recall/F1, and event-level detection over labelled windows)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import keras
import numpy as np

# The benchmarked detector's settings live in the TensorFlow-free catalog, for
# `keras-ae fit-detector --help`; re-exported here, where they are used.
from keras_ae.catalog import SERIES_DETECTOR_DEFAULTS, SERIES_DETECTOR_OPTIONS  # noqa: F401
from keras_ae.outputs import staged_output
from keras_ae.timeseries import (
    POINT_REDUCTIONS, Standardizer, check_series, sliding_windows, window_starts, windows_mask, windows_to_points,
)
from keras_ae.validation import check_batch, check_choice, check_non_negative, check_positive_int

THRESHOLD_METHODS = ("max", "sigma", "percentile", "f1")
ERRORS = ("mse", "mae")
# What a series detector scores a point with: its own reconstruction error
# ("point"), or the mean error of each window containing it ("window").
SCORINGS = ("point", "window")


# === Metrics ===


def _check_labels(labels, n: int, name: str = "labels") -> np.ndarray:
    labels = np.asarray(labels)
    if labels.shape != (n,):
        raise ValueError(f"`{name}` must hold one value per score ({n}). Received: {name} with shape {labels.shape}")
    if not np.isin(labels, (0, 1)).all():
        raise ValueError(f"`{name}` must be 0/1 or boolean (1 = anomaly). Received: values {np.unique(labels)[:5]}")
    return labels.astype(bool)


def roc_auc(scores, labels) -> float:
    """Area under the ROC curve: the probability that an anomaly (label 1)
    scores above a normal example, ties counting one half."""
    scores = np.asarray(scores, dtype="float64").ravel()
    labels = _check_labels(labels, scores.size)
    positives, negatives = labels.sum(), (~labels).sum()
    if positives == 0 or negatives == 0:
        raise ValueError(f"AUROC needs both classes. Received: {positives} anomalies and {negatives} normal examples")
    # Mann-Whitney U with mid-ranks for ties.
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(scores.size)
    sorted_scores = scores[order]
    boundaries = np.flatnonzero(np.diff(sorted_scores)) + 1
    groups = np.split(np.arange(scores.size), boundaries)
    for group in groups:
        ranks[order[group]] = (group[0] + group[-1]) / 2.0 + 1.0
    return float((ranks[labels].sum() - positives * (positives + 1) / 2.0) / (positives * negatives))


def precision_recall_f1(predicted, labels) -> dict[str, float]:
    """Precision, recall and F1 of boolean predictions (1 = anomaly)."""
    labels = _check_labels(labels, np.size(predicted))
    predicted = _check_labels(np.ravel(predicted), labels.size, "predicted")
    tp = int((predicted & labels).sum())
    fp = int((predicted & ~labels).sum())
    fn = int((~predicted & labels).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def flagged_runs(flags) -> list[tuple[int, int]]:
    """Runs of consecutive flagged points as (first, last) indices."""
    flags = np.asarray(flags, dtype=bool).astype("int8")
    edges = np.diff(np.concatenate([[0], flags, [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), (np.flatnonzero(edges == -1) - 1).tolist()))


def event_detection(flags, windows: list[tuple[int, int]]) -> dict:
    """Event-level scores of flagged points against labelled windows.

    A window (first, last point index, both included) is found when at least
    one flagged point lies inside it. A false-positive event is a run of
    consecutive flagged points that touches no window.

    Returns:
        `events`, `found`, `recall` (found / events, None without events),
        `false_positive_events`, `false_positive_points`, and per window
        whether it was found.
    """
    flags = np.asarray(flags, dtype=bool)
    inside = windows_mask(windows, flags.size)
    found = [bool(flags[first : last + 1].any()) for first, last in windows]
    false_runs = [run for run in flagged_runs(flags) if not inside[run[0] : run[1] + 1].any()]
    return {
        "events": len(windows),
        "found": int(sum(found)),
        "recall": sum(found) / len(windows) if windows else None,
        "false_positive_events": len(false_runs),
        "false_positive_points": int((flags & ~inside).sum()),
        "windows_found": found,
    }


def calibrate_threshold(scores, method: str = "max", k: float = 3.0, percentile: float = 99.0, labels=None) -> float:
    """A threshold on anomaly scores; `score > threshold` is an anomaly.

    Args:
        scores: scores of calibration data (normal data, except for "f1").
        method: `"max"` (the largest normal score: no training example is
            flagged), `"sigma"` (mean + k standard deviations),
            `"percentile"` (that percentile of the scores), or `"f1"` (the
            threshold with the best F1 on labelled data; needs `labels`).
        k: the number of standard deviations for "sigma".
        percentile: in [0, 100], for "percentile".
        labels: 0/1 per score, for "f1".
    """
    check_choice(method, THRESHOLD_METHODS, "method")
    scores = np.asarray(scores, dtype="float64").ravel()
    if scores.size == 0 or not np.isfinite(scores).all():
        raise ValueError(f"`scores` must be non-empty and finite. Received: {scores.size} score(s)")
    if method == "max":
        return float(scores.max())
    if method == "sigma":
        return float(scores.mean() + check_non_negative(k, "k") * scores.std())
    if method == "percentile":
        if not 0 <= percentile <= 100:
            raise ValueError(f"`percentile` must be in [0, 100]. Received: percentile={percentile!r}")
        return float(np.percentile(scores, percentile))
    if labels is None:
        raise ValueError("The 'f1' threshold is chosen on labelled data; pass `labels`. Received: labels=None")
    labels = _check_labels(labels, scores.size)
    if not labels.any():
        raise ValueError("The 'f1' threshold needs at least one anomaly among `labels`. Received: all 0")
    order = np.argsort(-scores, kind="mergesort")
    sorted_scores, sorted_labels = scores[order], labels[order]
    # Cut after each distinct score: everything above the cut is flagged.
    last_of_value = np.r_[np.flatnonzero(np.diff(sorted_scores)), scores.size - 1]
    tp = np.cumsum(sorted_labels)[last_of_value]
    flagged = last_of_value + 1
    f1 = 2 * tp / (flagged + labels.sum())
    best = int(np.argmax(f1))
    below = sorted_scores[last_of_value[best] + 1] if last_of_value[best] + 1 < scores.size else sorted_scores[-1] - 1.0
    return float((sorted_scores[last_of_value[best]] + below) / 2.0)


# === Detectors ===


class AnomalyDetector:
    """Flags examples that a trained autoencoder reconstructs badly.

    The score of an example is its mean squared (or absolute) reconstruction
    error. Fit a threshold on normal data (or on labelled data with
    `method="f1"`), then `predict` flags scores above it. `save` writes the
    model and the detector's settings to one folder; `load` reads it back.

    Args:
        model: a trained keras_ae autoencoder (not a conditional one).
        error: `"mse"` or `"mae"`.
        threshold: a known threshold, or None until `fit_threshold`.

    Example:

    ```python
    detector = keras_ae.anomaly.AnomalyDetector(model)
    detector.fit_threshold(x_normal, method="percentile", percentile=99)
    flags = detector.predict(x_new)
    ```
    """

    kind = "examples"

    def __init__(self, model, error: str = "mse", threshold: float | None = None, threshold_method: str | None = None):
        if not hasattr(model, "reconstruct") or model.conditional:
            raise ValueError(
                "`model` must be a trained keras_ae autoencoder that reconstructs its input alone "
                f"(not a GAN or a conditional model). Received: model={type(model).__name__}"
            )
        self.model = model
        self.error = check_choice(error, ERRORS, "error")
        self.threshold = None if threshold is None else float(threshold)
        self.threshold_method = threshold_method

    def _errors(self, x, name: str) -> np.ndarray:
        """Per-value error of the examples `x`, as float64."""
        x = check_batch(x, self.model.data_shape, name)
        diff = self.model.reconstruct(x).astype("float64") - x
        return np.square(diff) if self.error == "mse" else np.abs(diff)

    def score(self, x) -> np.ndarray:
        """One score per example: its mean reconstruction error."""
        errors = self._errors(x, "x")
        return errors.reshape(len(errors), -1).mean(axis=1)

    def fit_threshold(self, x, method: str = "max", k: float = 3.0, percentile: float = 99.0, labels=None) -> float:
        """Sets the threshold from the scores of `x` (see `calibrate_threshold`)
        and returns it."""
        self.threshold = calibrate_threshold(self.score(x), method, k, percentile, labels)
        self.threshold_method = method
        return self.threshold

    def _check_threshold(self):
        if self.threshold is None:
            raise ValueError(
                "The detector has no threshold yet; call `fit_threshold(...)` on normal data first "
                "(or pass `threshold=`). Received: threshold=None"
            )

    def predict(self, x) -> np.ndarray:
        """True where the score is above the threshold."""
        self._check_threshold()
        return self.score(x) > self.threshold

    # === Saving ===

    def get_config(self) -> dict:
        return {"kind": self.kind, "error": self.error, "threshold": self.threshold, "threshold_method": self.threshold_method}

    def save(self, folder: str | os.PathLike, overwrite: bool = False) -> Path:
        """Writes `model.keras` and `detector.json` to `folder`, all or nothing."""
        from keras_ae.outputs import versions

        with staged_output(folder, overwrite) as staging:
            self.model.save(staging / "model.keras")
            config = {**self.get_config(), "versions": versions()}
            (staging / "detector.json").write_text(json.dumps(config, indent=2))
        return Path(folder)

    @staticmethod
    def load(folder: str | os.PathLike) -> AnomalyDetector:
        """A detector saved by `save`, its model loaded in safe mode."""
        folder = Path(folder)
        if not (folder / "detector.json").is_file() or not (folder / "model.keras").is_file():
            raise ValueError(
                f"`folder` must hold a saved detector (detector.json and model.keras). Received: folder='{folder}'"
            )
        config = json.loads((folder / "detector.json").read_text())
        config.pop("versions", None)
        cls = {c.kind: c for c in (AnomalyDetector, SeriesAnomalyDetector)}[config.pop("kind")]
        model = keras.saving.load_model(folder / "model.keras", safe_mode=True)
        return cls.from_config(model, config)

    @classmethod
    def from_config(cls, model, config: dict) -> AnomalyDetector:
        return cls(model, **config)


class SeriesAnomalyDetector(AnomalyDetector):
    """Flags time points of a series that a sequence autoencoder
    reconstructs badly.

    The series is standardized with the training split's statistics and cut
    into windows of the model's length every `stride` points (plus one
    ending on the last point). Each point then combines (`point_reduce`)
    over the windows that contain it either its own reconstruction error
    (`scoring="point"`) or the whole window's mean error (`"window"`; with
    `point_reduce="min"` a point is flagged only when every window over it
    is, the keras.io example's rule). With `"window"` scoring the threshold
    is fit on the windows' errors (see `fit_threshold`).

    Args:
        model: a trained sequence autoencoder taking `(window, features)`.
        standardizer: a fitted `keras_ae.timeseries.Standardizer`, or None
            to fit one on the series given to `fit`.
        stride: step between window starts when scoring.
        point_reduce: `"min"`, `"mean"` or `"max"` over the windows of a
            point. "min" flags a point only if every window reconstructs it
            badly: on NAB's art_daily_jumpsup the mean gave five false
            alarms at ordinary day transitions, the min none
            (benchmarks/nab_anomaly.py).
        scoring: `"point"` or `"window"`.
        error, threshold, threshold_method: as for `AnomalyDetector`.

    Example:

    ```python
    detector = SeriesAnomalyDetector(model, Standardizer().fit(train))
    detector.fit_threshold(train, method="max")
    flags = detector.predict(test)          # one flag per time point
    ```
    """

    kind = "series"

    def __init__(
        self, model, standardizer: Standardizer | dict | None = None, stride: int = 1, point_reduce: str = "min",
        scoring: str = "point", error: str = "mse", threshold: float | None = None,
        threshold_method: str | None = None,
    ):
        super().__init__(model, error, threshold, threshold_method)
        if len(model.data_shape) != 2:
            raise ValueError(
                "`model` must take sequences (timesteps, features). Received: a model taking "
                f"examples of shape {tuple(model.data_shape)}"
            )
        if isinstance(standardizer, dict):
            standardizer = Standardizer.from_config(standardizer)
        self.standardizer = standardizer
        self.stride = check_positive_int(stride, "stride")
        self.point_reduce = check_choice(point_reduce, POINT_REDUCTIONS, "point_reduce")
        self.scoring = check_choice(scoring, SCORINGS, "scoring")

    @property
    def window(self) -> int:
        return int(self.model.data_shape[0])

    def _scaled(self, series, name: str) -> np.ndarray:
        series = check_series(series, name)
        if self.standardizer is None:
            raise ValueError(
                "The detector has no Standardizer; pass one fitted on the training split, or call "
                "`fit_standardizer(train_series)`. Received: standardizer=None"
            )
        return self.standardizer.transform(series, name)

    def fit_standardizer(self, series) -> Standardizer:
        """Fits the scale on `series`, the training split."""
        self.standardizer = Standardizer().fit(series)
        return self.standardizer

    def windows(self, series, name: str = "series") -> tuple[np.ndarray, np.ndarray]:
        """The standardized windows the model sees for `series`, and their starts."""
        scaled = self._scaled(series, name)
        starts = window_starts(len(scaled), self.window, self.stride)
        return sliding_windows(scaled, self.window, self.stride, name), starts

    def _step_errors(self, series) -> tuple[np.ndarray, np.ndarray]:
        """Each window step's error (windows, window), and the windows' starts."""
        windows, starts = self.windows(series)
        return self._errors(windows, "series").mean(axis=2), starts

    def window_scores(self, series) -> np.ndarray:
        """One score per window of `series` (at the detector's stride): its mean error."""
        return self._step_errors(series)[0].mean(axis=1)

    def score(self, series) -> np.ndarray:
        """One score per time point of `series` (float64, same length)."""
        errors, starts = self._step_errors(series)
        if self.scoring == "window":
            errors = np.repeat(errors.mean(axis=1, keepdims=True), self.window, axis=1)
        return windows_to_points(errors, starts, int(starts[-1]) + self.window, reduce=self.point_reduce)

    def fit_threshold(
        self, series, method: str = "max", k: float = 3.0, percentile: float = 99.0, labels=None
    ) -> float:
        """Sets the threshold from the scores of `series` (see
        `calibrate_threshold`) and returns it.

        With `scoring="window"` an unsupervised threshold is fit on the
        windows' errors, each window once, rather than on the point scores:
        "max" is then the worst training window, and with
        `point_reduce="min"` a point is flagged only when every window over
        it is worse than every training window. Fit on the point scores
        (the best window over the hardest point), the threshold sat within
        10% of the ordinary windows of NAB's art_daily_jumpsup, so whether a
        false alarm appeared changed with the seed. "f1" is fit on
        the point scores, since `labels` are per point.
        """
        if self.scoring == "window" and method != "f1":
            scores = self.window_scores(series)
        else:
            scores = self.score(series)
        self.threshold = calibrate_threshold(scores, method, k, percentile, labels)
        self.threshold_method = method
        return self.threshold

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "standardizer": None if self.standardizer is None else self.standardizer.get_config(),
            "stride": self.stride,
            "point_reduce": self.point_reduce,
            "scoring": self.scoring,
        }


# === Training a series detector ===

def series_detector_defaults(family: str) -> dict:
    """`train_series_detector`'s settings for `family` where none are given:
    `SERIES_DETECTOR_DEFAULTS` and, as `options`, the family's benchmarked
    architecture (none for a family without one)."""
    return {**SERIES_DETECTOR_DEFAULTS, "options": dict(SERIES_DETECTOR_OPTIONS.get(family, {}))}


def train_series_detector(
    family: str,
    series,
    *,
    window: int | None = None,
    stride: int | None = None,
    latent_dim: int | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    learning_rate: float | None = None,
    seed: int | None = None,
    options: dict | None = None,
    threshold: str | None = None,
    k: float | None = None,
    percentile: float | None = None,
    scoring: str | None = None,
    point_reduce: str | None = None,
    error: str | None = None,
    verbose: int = 0,
) -> SeriesAnomalyDetector:
    """Trains a sequence autoencoder on the windows of a normal series and
    returns its detector, threshold fitted on that same series.

    The series is standardized with its own statistics (it is the training
    split); 10% of its windows, the last ones, are held out for early
    stopping (patience 5, best weights kept). Every setting left None is
    the benchmarked one, `series_detector_defaults(family)`.

    Args:
        family: a keras_ae family, such as "recurrent" or "conv1d".
        series: the normal training series (length,) or (length, features).
        window: points per window, the model's sequence length.
        stride: step between windows, in training and in scoring.
        latent_dim, epochs, batch_size, learning_rate, seed: the usual.
        options: the family's keyword arguments (e.g. `{"units": (32,)}`),
            over the benchmarked ones.
        threshold, k, percentile: see `calibrate_threshold` ("f1" needs
            labels: call `fit_threshold` on a labelled split instead).
        scoring, point_reduce, error: how points are scored (see
            `SeriesAnomalyDetector`).
    """
    from keras_ae.models import get_family
    from keras_ae.models.build import build_family

    given = {
        "window": window, "stride": stride, "latent_dim": latent_dim, "epochs": epochs, "batch_size": batch_size,
        "learning_rate": learning_rate, "seed": seed, "threshold": threshold, "k": k, "percentile": percentile,
        "scoring": scoring, "point_reduce": point_reduce, "error": error,
    }
    settings = series_detector_defaults(family)
    settings.update({key: value for key, value in given.items() if value is not None})
    settings["options"].update(options or {})
    family_cls = get_family(family)
    if family_cls.conditional or not family_cls.has_encoder:
        raise ValueError(f"A detector needs an autoencoder of unlabelled data. Received: family={family!r}")
    if settings["threshold"] == "f1":
        raise ValueError(
            "The 'f1' threshold needs labels; train with another and call `fit_threshold(series, "
            "method='f1', labels=...)` on a labelled split. Received: threshold='f1'"
        )
    check_choice(settings["threshold"], THRESHOLD_METHODS, "threshold")
    keras.utils.set_random_seed(settings["seed"])
    standardizer = Standardizer().fit(series)
    # The options may name the architecture to build on and its builder's
    # arguments (`catalog.detector_options`), beside the family's own.
    options = dict(settings["options"])
    architecture = options.pop("architecture", None)
    options.update(options.pop("architecture_options", None) or {})
    model = build_family(
        family, (check_positive_int(settings["window"], "window"), standardizer.mean.shape[0]),
        check_positive_int(settings["latent_dim"], "latent_dim"), options, architecture,
    )
    model.compile(optimizer=keras.optimizers.Adam(settings["learning_rate"]))
    detector = SeriesAnomalyDetector(
        model, standardizer, settings["stride"], settings["point_reduce"], settings["scoring"], settings["error"]
    )
    windows, _ = detector.windows(series)
    history = model.fit(
        windows, epochs=check_positive_int(settings["epochs"], "epochs"),
        batch_size=check_positive_int(settings["batch_size"], "batch_size"),
        validation_split=0.1 if len(windows) >= 10 else 0.0, verbose=verbose,
        callbacks=[
            keras.callbacks.TerminateOnNaN(),
            keras.callbacks.EarlyStopping(
                "val_loss" if len(windows) >= 10 else "loss", patience=5, restore_best_weights=True
            ),
        ],
    )
    if not np.isfinite(history.history["loss"][-1]):
        raise ValueError(
            "Training diverged (NaN loss). Lower the learning rate. "
            f"Received: learning_rate={settings['learning_rate']}"
        )
    detector.fit_threshold(series, settings["threshold"], settings["k"], settings["percentile"])
    return detector


def detect_series(
    detector: SeriesAnomalyDetector,
    series_csv: str | os.PathLike,
    out: str | os.PathLike,
    column: str = "value",
    overwrite: bool = False,
    windows: list[tuple[int, int]] = (),
) -> dict:
    """Scores a CSV series and writes, all or nothing, to `out`:
    `scores.csv` (every point: timestamp, value, score, flagged),
    `anomalies.csv` (the flagged points), `summary.json` (threshold, counts,
    the flagged runs) and `detection.png`.

    `windows`: known anomaly windows (first, last index) to shade in the
    picture and to score the detection against in the summary.
    """
    from keras_ae import plotting
    from keras_ae.outputs import check_output_dir
    from keras_ae.timeseries import read_series_csv

    check_output_dir(out, overwrite)
    detector._check_threshold()
    timestamps, values = read_series_csv(series_csv, column)
    scores = detector.score(values)
    flags = scores > detector.threshold
    runs = flagged_runs(flags)
    summary = {
        "series": str(series_csv),
        "points": int(len(values)),
        "threshold": detector.threshold,
        "threshold_method": detector.threshold_method,
        "flagged_points": int(flags.sum()),
        "flagged_runs": [[str(timestamps[a]), str(timestamps[b])] for a, b in runs],
    }
    if windows:
        summary["against_windows"] = event_detection(flags, list(windows))
    with staged_output(out, overwrite) as staging:
        rows = ["timestamp,value,score,flagged"] + [
            f"{t},{v!r},{s:.6g},{int(f)}" for t, v, s, f in zip(timestamps, values.tolist(), scores, flags)
        ]
        (staging / "scores.csv").write_text("\n".join(rows) + "\n")
        (staging / "anomalies.csv").write_text("\n".join([rows[0]] + [r for r, f in zip(rows[1:], flags) if f]) + "\n")
        (staging / "summary.json").write_text(json.dumps(summary, indent=2))
        plotting.anomaly_plot(
            timestamps, values, scores, flags, detector.threshold, staging / "detection.png", windows,
            title=f"{Path(series_csv).name}: {int(flags.sum())} of {len(values)} points flagged",
        )
    return summary
