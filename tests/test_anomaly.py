"""Detectors and anomaly metrics: thresholds, scores, saving, NAB event
scoring, and bad input."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

import keras_ae
from keras_ae import anomaly
from keras_ae.datasets import nab


def test_roc_auc_matches_sklearn_with_ties():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 5, 200).astype(float)  # many ties
    labels = rng.random(200) < 0.3
    assert anomaly.roc_auc(scores, labels) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
    with pytest.raises(ValueError, match="both classes"):
        anomaly.roc_auc([1, 2], [0, 0])


def test_precision_recall_f1():
    report = anomaly.precision_recall_f1([1, 1, 0, 0], [1, 0, 1, 0])
    assert (report["precision"], report["recall"], report["f1"]) == (0.5, 0.5, 0.5)


@pytest.mark.parametrize(
    "method, kwargs, expected",
    [("max", {}, 4.0), ("sigma", {"k": 2.0}, 2.0 + 2 * np.sqrt(2.0)), ("percentile", {"percentile": 50}, 2.0)],
)
def test_unsupervised_thresholds(method, kwargs, expected):
    assert anomaly.calibrate_threshold([0.0, 1.0, 2.0, 3.0, 4.0], method, **kwargs) == pytest.approx(expected)


def test_best_f1_threshold_separates_labelled_scores():
    scores = np.array([0.1, 0.2, 0.3, 0.9, 1.0, 0.35])
    labels = np.array([0, 0, 0, 1, 1, 0])
    threshold = anomaly.calibrate_threshold(scores, "f1", labels=labels)
    assert 0.35 < threshold < 0.9
    assert anomaly.precision_recall_f1(scores > threshold, labels)["f1"] == 1.0
    with pytest.raises(ValueError, match="needs at least one anomaly"):
        anomaly.calibrate_threshold(scores, "f1", labels=np.zeros(6))
    with pytest.raises(ValueError, match="pass `labels`"):
        anomaly.calibrate_threshold(scores, "f1")


def test_event_detection_counts_found_windows_and_false_runs():
    flags = np.zeros(30, dtype=bool)
    flags[[2, 3, 12, 25]] = True  # one run (2-3) and 25 outside; 12 inside the first window
    report = anomaly.event_detection(flags, [(10, 14), (18, 22)])
    assert report["found"] == 1 and report["windows_found"] == [True, False]
    assert report["false_positive_events"] == 2 and report["false_positive_points"] == 3


@pytest.fixture(scope="module")
def digit_detector(mnist_digits, mnist_labels):
    """A small dense AE trained on the digit 1 only."""
    import keras

    keras.utils.set_random_seed(0)
    model = keras_ae.DenseAutoencoder.from_spec((28, 28, 1), 8, architecture_options={"units": (64,)})
    model.compile(optimizer="adam")
    ones = mnist_digits[mnist_labels == 1]
    model.fit(ones, epochs=15, batch_size=16, verbose=0)
    return anomaly.AnomalyDetector(model), ones


def test_image_detector_separates_a_digit_from_the_others(digit_detector, mnist_digits, mnist_labels):
    detector, ones = digit_detector
    with pytest.raises(ValueError, match="no threshold yet.*fit_threshold"):
        detector.predict(ones)
    detector.fit_threshold(ones, "percentile", percentile=95)
    assert detector.predict(ones).mean() <= 0.06
    assert anomaly.roc_auc(detector.score(mnist_digits), mnist_labels != 1) > 0.9


def test_detector_saves_and_loads_with_its_model(digit_detector, mnist_digits, tmp_path):
    detector, ones = digit_detector
    detector.fit_threshold(ones, "sigma", k=2.0)
    detector.save(tmp_path / "det")
    loaded = anomaly.AnomalyDetector.load(tmp_path / "det")
    assert type(loaded) is anomaly.AnomalyDetector and loaded.threshold == detector.threshold
    np.testing.assert_allclose(loaded.score(mnist_digits[:20]), detector.score(mnist_digits[:20]), rtol=1e-5)
    with pytest.raises(ValueError, match="already exists"):
        detector.save(tmp_path / "det")
    with pytest.raises(ValueError, match="saved detector"):
        anomaly.AnomalyDetector.load(tmp_path)


def test_series_detector_finds_the_jump_in_the_embedded_nab_series(tmp_path):
    train = nab.load_series(nab.EMBEDDED_SERIES[0])
    test = nab.load_series(nab.EMBEDDED_SERIES[1])
    assert len(test.windows) == 1 and test.windows[0][1] - test.windows[0][0] + 1 == 403
    detector = anomaly.train_series_detector(
        "conv1d", train.values, window=288, stride=2, latent_dim=16, epochs=8, batch_size=64,
        options={"filters": (16, 8)}, scoring="window", point_reduce="min",
    )
    flags = detector.predict(test.values)
    report = anomaly.event_detection(flags, test.windows)
    assert report["found"] == 1
    assert flags[test.labels()].sum() > 10
    detector.save(tmp_path / "series")
    loaded = anomaly.AnomalyDetector.load(tmp_path / "series")
    assert isinstance(loaded, anomaly.SeriesAnomalyDetector) and loaded.scoring == "window"
    np.testing.assert_allclose(loaded.score(test.values[:600]), detector.score(test.values[:600]), rtol=1e-5)


def test_window_scoring_fits_its_threshold_on_the_training_windows():
    """With scoring="window" the threshold is a statistic of the windows'
    errors, each window once, not of the point scores; "f1" stays on the
    points, whose labels it needs."""
    import keras

    series = np.sin(np.arange(200) / 5.0) + np.random.default_rng(0).normal(0, 0.3, 200)
    series[100:104] += 5.0  # the worst windows lie inside the series, so no point has one alone
    keras.utils.set_random_seed(0)
    model = keras_ae.Conv1DAutoencoder((16, 1), 4, filters=(4,))
    detector = anomaly.SeriesAnomalyDetector(model, {"mean": [0.0], "std": [1.0]}, stride=2, scoring="window")
    windows = detector.window_scores(series)
    assert windows.shape == (93,)  # starts 0, 2, ..., 184
    assert detector.fit_threshold(series, "max") == pytest.approx(windows.max())
    assert detector.score(series).max() < windows.max()  # the point scores would give a lower threshold
    assert detector.fit_threshold(series, "percentile", percentile=50) == pytest.approx(np.median(windows))
    labels = np.zeros(200, dtype=bool)
    labels[100:110] = True
    threshold = detector.fit_threshold(series, "f1", labels=labels)
    expected = anomaly.calibrate_threshold(detector.score(series), "f1", labels=labels)
    assert threshold == pytest.approx(expected)
    point = anomaly.SeriesAnomalyDetector(model, {"mean": [0.0], "std": [1.0]}, stride=2, scoring="point")
    assert point.fit_threshold(series, "max") == pytest.approx(point.score(series).max())


@pytest.mark.parametrize(
    "series, message",
    [(np.ones(10), "shorter than one window"), (np.r_[np.ones(50), np.nan], "NaN or inf, the first at index 50")],
)
def test_series_detector_refuses_bad_series(series, message):
    model = keras_ae.Conv1DAutoencoder((16, 1), 4, filters=(4,))
    detector = anomaly.SeriesAnomalyDetector(model, {"mean": [0.0], "std": [1.0]}, threshold=1.0)
    with pytest.raises(ValueError, match=message):
        detector.predict(series)
    assert np.isfinite(detector.score(np.sin(np.arange(40.0)))).all()


def test_detectors_refuse_models_they_cannot_score():
    with pytest.raises(ValueError, match="conditional"):
        anomaly.AnomalyDetector(keras_ae.ConditionalVAE.from_spec((28, 28, 1), 2, num_classes=10))
    with pytest.raises(ValueError, match="sequences"):
        anomaly.SeriesAnomalyDetector(keras_ae.ConvAutoencoder((28, 28, 1), 4))
    with pytest.raises(ValueError, match="zero variance"):
        anomaly.train_series_detector("conv1d", np.full(500, 2.0), window=16)


def test_nab_loader_reads_a_checkout(shared_datasets):
    series = nab.load_series("realKnownCause/nyc_taxi", shared_datasets)
    assert len(series.values) == 10320 and len(series.windows) == 5
    first, last = series.windows[0]
    assert str(series.timestamps[first]) == "2014-10-30T15:30:00" and str(series.timestamps[last]) == "2014-11-03T22:30:00"
    with pytest.raises(ValueError, match="not found. Looked in"):
        nab.load_series("realKnownCause/missing", shared_datasets)
    with pytest.raises(ValueError, match="inside NAB"):
        nab.load_series("../etc/passwd")
