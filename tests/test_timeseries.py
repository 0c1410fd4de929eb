"""Time-series utilities: windows, the window-to-point mapping (no
off-by-one), scaling on the training split, CSV reading and bad input."""

import numpy as np
import pytest

from keras_ae import timeseries


def test_windows_cover_every_point_including_the_tail():
    starts = timeseries.window_starts(10, window=4, stride=3)
    np.testing.assert_array_equal(starts, [0, 3, 6])
    starts = timeseries.window_starts(11, window=4, stride=3)
    np.testing.assert_array_equal(starts, [0, 3, 6, 7])  # one more ends on the last point
    windows = timeseries.sliding_windows(np.arange(11.0), window=4, stride=3)
    np.testing.assert_array_equal(windows[-1, :, 0], [7, 8, 9, 10])
    assert windows.shape == (4, 4, 1)


def test_a_spike_maps_back_to_its_own_time_point():
    length, window, spike = 50, 8, 31
    series = np.zeros(length)
    series[spike] = 1.0
    for stride in (1, 3, 8):
        starts = timeseries.window_starts(length, window, stride)
        windows = timeseries.sliding_windows(series, window, stride)[..., 0]
        # Per-step values: the spike is where the window says it is.
        for reduce in ("mean", "max", "min"):
            points = timeseries.windows_to_points(windows, starts, length, reduce=reduce)
            np.testing.assert_array_equal(np.flatnonzero(points), [spike])
            assert points[spike] == 1.0


def test_per_window_values_reach_exactly_the_points_inside():
    starts = timeseries.window_starts(12, window=4, stride=4)  # [0, 4, 8]
    points = timeseries.windows_to_points([0.0, 1.0, 0.0], starts, 12, window=4, reduce="max")
    np.testing.assert_array_equal(np.flatnonzero(points), [4, 5, 6, 7])
    # "min": a point is flagged only if every window over it is.
    starts = timeseries.window_starts(6, window=3, stride=1)  # [0, 1, 2, 3]
    points = timeseries.windows_to_points([1.0, 1.0, 1.0, 0.0], starts, 6, window=3, reduce="min")
    np.testing.assert_array_equal(points, [1, 1, 1, 0, 0, 0])


def test_uncovered_points_are_refused():
    with pytest.raises(ValueError, match="covered by no window, the first at index 4"):
        timeseries.windows_to_points(np.ones((2, 4)), [0, 5], 9)


def test_standardizer_uses_the_training_split_only():
    train, test = np.array([1.0, 2.0, 3.0]), np.array([10.0, 20.0])
    scaler = timeseries.Standardizer().fit(train)
    np.testing.assert_allclose(scaler.transform(test)[:, 0], (test - 2.0) / np.std(train), rtol=1e-6)
    restored = timeseries.Standardizer.from_config(scaler.get_config())
    np.testing.assert_allclose(restored.inverse_transform(restored.transform(test)), test[:, None], rtol=1e-6)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: timeseries.sliding_windows(np.ones(5), window=8), r"shorter than one window: 5 point\(s\) for a window of 8"),
        (lambda: timeseries.sliding_windows([1.0, np.nan, 2.0], window=2), "NaN or inf, the first at index 1"),
        (lambda: timeseries.Standardizer().fit(np.full(100, 3.5)), r"zero variance.*3\.5 at every one of its 100 points"),
        (lambda: timeseries.Standardizer().transform([1.0]), "not fitted"),
        (lambda: timeseries.sliding_windows(np.ones((2, 2, 2)), window=1), "shape"),
        (lambda: timeseries.window_starts(10, window=0), "window"),
    ],
)
def test_bad_series_are_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_read_series_csv(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("timestamp,value\n2014-04-01 00:00:00,1.5\n2014-04-01 00:05:00,\n")
    timestamps, values = timeseries.read_series_csv(path)
    assert timestamps.dtype.kind == "M" and str(timestamps[1]) == "2014-04-01T00:05:00"
    assert values[0] == 1.5 and np.isnan(values[1])  # a gap is a NaN, refused downstream by index
    with pytest.raises(ValueError, match="no column 'price'"):
        timeseries.read_series_csv(path, column="price")


def test_rolling_zscore_flags_a_jump():
    series = np.sin(np.arange(300) / 5.0)
    series[200] += 5.0
    scores = timeseries.rolling_zscore(series, window=40)
    assert scores.argmax() == 200 and scores[:40].max() == 0.0
