"""The Numenta Anomaly Benchmark (NAB): its series and labelled anomaly
windows, read from a NAB checkout (`data/<group>/<name>.csv` and
`labels/combined_windows.json`). Two artificial series ship with the package
(MIT licence, `data/nab/LICENSE.txt`), so the detection example runs offline."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from keras_ae.datasets.sources import DATA_DIR_ENV
from keras_ae.timeseries import read_series_csv, windows_mask

EMBEDDED = Path(__file__).parent / "data" / "nab"
# The embedded pair of the detection example: train on the first, score the second.
EMBEDDED_SERIES = ("artificialNoAnomaly/art_daily_small_noise", "artificialWithAnomaly/art_daily_jumpsup")
REAL_KNOWN_CAUSE = (
    "realKnownCause/ambient_temperature_system_failure",
    "realKnownCause/cpu_utilization_asg_misconfiguration",
    "realKnownCause/ec2_request_latency_system_failure",
    "realKnownCause/machine_temperature_system_failure",
    "realKnownCause/nyc_taxi",
    "realKnownCause/rogue_agent_key_hold",
    "realKnownCause/rogue_agent_key_updown",
)
# NAB's rule: the first 15% of a series is the detector's probationary
# period, to learn from; detections there do not count.
PROBATIONARY_FRACTION = 0.15


@dataclass
class NABSeries:
    """One NAB series: its timestamps, values, and anomaly windows as
    (first, last) point indices, both included."""

    name: str
    timestamps: np.ndarray
    values: np.ndarray
    windows: list[tuple[int, int]]
    source: str

    @property
    def probationary(self) -> int:
        """Points in NAB's probationary period."""
        return int(np.floor(PROBATIONARY_FRACTION * len(self.values)))

    def labels(self) -> np.ndarray:
        """True for every point inside an anomaly window."""
        return windows_mask(self.windows, len(self.values))


def _roots(data_dir) -> list[Path]:
    roots = []
    for folder in (data_dir, os.environ.get(DATA_DIR_ENV)):
        if folder:
            roots += [Path(folder) / "nab", Path(folder)]
    return roots


def window_indices(timestamps: np.ndarray, windows: list[list[str]]) -> list[tuple[int, int]]:
    """NAB's (start, end) timestamp windows as (first, last) indices of the
    points inside them, ends included."""
    indices = []
    for start, end in windows:
        start, end = np.datetime64(start.split(".")[0]), np.datetime64(end.split(".")[0])
        first = int(np.searchsorted(timestamps, start, side="left"))
        last = int(np.searchsorted(timestamps, end, side="right")) - 1
        if last >= first:
            indices.append((first, last))
    return indices


def load_series(name: str, data_dir: str | os.PathLike | None = None) -> NABSeries:
    """A NAB series by its name, `"<group>/<series>"` (e.g.
    `"realKnownCause/nyc_taxi"`), from `data_dir` or `$KERAS_AE_DATA_DIR`
    (each holding a NAB checkout directly or in `nab/`), else from the
    series shipped with the package."""
    name = str(name).removesuffix(".csv")
    if ".." in name.split("/") or name.startswith("/"):
        raise ValueError(f"`name` must be '<group>/<series>' inside NAB. Received: name={name!r}")
    looked = []
    for root in [*_roots(data_dir), *([EMBEDDED] if name in EMBEDDED_SERIES else [])]:
        csv_path = root / "data" / f"{name}.csv" if root != EMBEDDED else root / f"{name.split('/')[-1]}.csv"
        labels_path = root / "labels" / "combined_windows.json" if root != EMBEDDED else root / "combined_windows.json"
        if csv_path.is_file() and labels_path.is_file():
            labels = json.loads(labels_path.read_text())
            key = f"{name}.csv"
            if key not in labels:
                raise ValueError(f"{labels_path} has no windows for {key!r}. Received: name={name!r}")
            timestamps, values = read_series_csv(csv_path)
            return NABSeries(name, timestamps, values, window_indices(timestamps, labels[key]), str(csv_path))
        looked.append(str(csv_path))
    raise ValueError(
        f"NAB series {name!r} not found. Looked in: {'; '.join(looked)}. Pass `data_dir` (or set "
        f"{DATA_DIR_ENV}) to a NAB checkout holding data/ and labels/. Received: name={name!r}"
    )
