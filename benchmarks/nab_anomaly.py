"""Anomaly detection on the Numenta Anomaly Benchmark, two parts.

1. art_daily: train on `art_daily_small_noise`, score `art_daily_jumpsup`.
   keras_ae's Conv1D, recurrent and transformer detectors beside a plain Conv1D
   reference written the way the keras.io example ("Timeseries anomaly
   detection using an Autoencoder") writes it, threshold = the largest
   training error for all. keras_ae's detectors are trained with
   `keras_ae.anomaly.series_detector_defaults(family)`, the settings
   `keras-ae fit-detector` uses when given no flag. Bar: the labelled
   window is found, no false positive outside it.
2. realKnownCause, all 7 series: event recall and false positives per
   series for the recurrent AE, the Conv1D AE, the transformer AE and a rolling z-score
   baseline, under NAB's protocol: each detector learns from the first 15%
   of a series (the probationary period) only, its threshold is the largest
   score there, and detections inside that period do not count (nor do
   windows that start inside it).

A window counts as found when a flagged point falls inside it; a false
positive is a run of consecutive flagged points touching no window.

    python benchmarks/nab_anomaly.py --data-dir ../shared/datasets --json benchmarks/results/nab_anomaly.json

`--families transformer` runs only that family's rows (and the rolling
z-score, which costs nothing); with `--json` they replace those rows of
the file, keeping the others.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from keras_ae.cli import quiet_tensorflow  # noqa: E402

quiet_tensorflow()

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

from keras_ae import anomaly, plotting, timeseries  # noqa: E402
from keras_ae.datasets import nab  # noqa: E402

# Part 1 runs the library's defaults (one table for the benchmark, the
# library and the command line, so the README's commands are this
# benchmark); the keras.io reference gets the same window, epochs, batch
# and seed.
ART = anomaly.SERIES_DETECTOR_DEFAULTS
FAMILIES = ("conv1d", "recurrent", "transformer")
OURS_ART = {family: anomaly.series_detector_defaults(family) for family in FAMILIES}
# Part 2: a point scores its own reconstruction error, the smallest over the
# windows that contain it ("point" + "min"), every window (stride 1).
REAL = {"window": 48, "stride": 1, "epochs": 30, "batch_size": 64, "seed": 0, "zscore_window": 48,
        "scoring": "point", "point_reduce": "min"}
OURS_REAL = {
    "conv1d": {"options": {"filters": (32, 16), "kernel_size": 5}, "latent_dim": 8},
    "recurrent": {"options": {"units": (32,)}, "latent_dim": 8},
    # 48 steps as 12 tokens of 4, the detector's art_daily architecture.
    "transformer": {"options": anomaly.SERIES_DETECTOR_OPTIONS["transformer"], "latent_dim": 8},
}


# === The keras.io reference, as the example writes it ===


def keras_io_reference(train_values: np.ndarray, test_values: np.ndarray, time_steps: int, seed: int) -> np.ndarray:
    """Flags of the keras.io example's detector for `test_values`."""
    keras.utils.set_random_seed(seed)
    mean, std = train_values.mean(), train_values.std()

    def create_sequences(values):
        return np.stack([values[i : i + time_steps] for i in range(len(values) - time_steps + 1)])

    x_train = create_sequences((train_values - mean) / std)[..., None]
    model = keras.Sequential(
        [
            layers.Input(shape=(x_train.shape[1], x_train.shape[2])),
            layers.Conv1D(filters=32, kernel_size=7, padding="same", strides=2, activation="relu"),
            layers.Dropout(rate=0.2),
            layers.Conv1D(filters=16, kernel_size=7, padding="same", strides=2, activation="relu"),
            layers.Conv1DTranspose(filters=16, kernel_size=7, padding="same", strides=2, activation="relu"),
            layers.Dropout(rate=0.2),
            layers.Conv1DTranspose(filters=32, kernel_size=7, padding="same", strides=2, activation="relu"),
            layers.Conv1DTranspose(filters=1, kernel_size=7, padding="same"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="mse")
    model.fit(
        x_train, x_train, epochs=ART["epochs"], batch_size=ART["batch_size"], validation_split=0.1, verbose=0,
        callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, mode="min")],
    )
    train_mae = np.mean(np.abs(model.predict(x_train, verbose=0) - x_train), axis=1)
    threshold = np.max(train_mae)
    x_test = create_sequences((test_values - mean) / std)[..., None]
    test_mae = np.mean(np.abs(model.predict(x_test, verbose=0) - x_test), axis=1).reshape((-1))
    windows_flagged = test_mae > threshold
    # The example's rule: data point i is an anomaly if every window over it is.
    flags = np.zeros(len(test_values), dtype=bool)
    for data_idx in range(time_steps - 1, len(test_values) - time_steps + 1):
        if np.all(windows_flagged[data_idx - time_steps + 1 : data_idx]):
            flags[data_idx] = True
    return flags


# === Part 1 ===


def art_daily(data_dir, pictures: Path, families=FAMILIES, reference: bool = True) -> dict:
    train = nab.load_series(nab.EMBEDDED_SERIES[0], data_dir)
    test = nab.load_series(nab.EMBEDDED_SERIES[1], data_dir)
    results = {}
    for family in families:
        settings = OURS_ART[family]
        started = time.perf_counter()
        detector = anomaly.train_series_detector(family, train.values, **settings)
        scores = detector.score(test.values)
        flags = scores > detector.threshold
        results[f"keras_ae {family}"] = {
            **_without_list(anomaly.event_detection(flags, test.windows)),
            "seconds": round(time.perf_counter() - started, 1),
        }
        plotting.anomaly_plot(
            test.timestamps, test.values, scores, flags, detector.threshold, pictures / f"nab_art_daily_{family}.png",
            test.windows, title=f"keras_ae {family} on art_daily_jumpsup (trained on art_daily_small_noise)",
        )
        print(f"art_daily, keras_ae {family}: {results[f'keras_ae {family}']}", flush=True)
    if not reference:
        return results
    started = time.perf_counter()
    flags = keras_io_reference(train.values, test.values, ART["window"], ART["seed"])
    results["keras.io Conv1D reference"] = {
        **_without_list(anomaly.event_detection(flags, test.windows)),
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(f"art_daily, keras.io reference: {results['keras.io Conv1D reference']}", flush=True)
    return results


def _without_list(report: dict) -> dict:
    return {k: v for k, v in report.items() if k != "windows_found"}


# === Part 2 ===


def real_known_cause(data_dir, pictures: Path, families=FAMILIES) -> dict:
    table = {}
    for name in nab.REAL_KNOWN_CAUSE:
        series = nab.load_series(name, data_dir)
        start = series.probationary
        windows = [(a, b) for a, b in series.windows if a >= start]
        train = series.values[:start]
        row = {"points": len(series.values), "probationary": start, "events": len(windows),
               "events_in_probationary": len(series.windows) - len(windows)}
        scores = {"rolling z-score": timeseries.rolling_zscore(series.values, REAL["zscore_window"])}
        for family in families:
            recipe = OURS_REAL[family]
            detector = anomaly.train_series_detector(
                family, train, window=REAL["window"], stride=REAL["stride"], latent_dim=recipe["latent_dim"],
                epochs=REAL["epochs"], batch_size=REAL["batch_size"], seed=REAL["seed"], options=recipe["options"],
                scoring=REAL["scoring"], point_reduce=REAL["point_reduce"],
            )
            scores[family] = detector.score(series.values)
        for method, score in scores.items():
            threshold = float(score[:start].max())
            flags = score > threshold
            flags[:start] = False  # NAB: detections in the probationary period do not count
            report = anomaly.event_detection(flags, windows)
            row[method] = {"found": report["found"], "false_positive_events": report["false_positive_events"]}
            if method == "recurrent":
                plotting.anomaly_plot(
                    series.timestamps, series.values, score, flags, threshold,
                    pictures / f"nab_{name.split('/')[-1]}_recurrent.png", windows,
                    title=f"recurrent AE on {name} (first {start} points: training)",
                )
        table[name] = row
        print(name, json.dumps(row), flush=True)
    return table


def print_tables(art: dict, real: dict) -> None:
    if art:
        _print_art(art)
    if real:
        _print_real(real)


def _print_art(art: dict) -> None:
    print("\n## art_daily_jumpsup (1 labelled window), trained on art_daily_small_noise\n")
    print("| detector | window found | false-positive runs | false-positive points | seconds |")
    print("|---|---|---|---|---|")
    for name, r in art.items():
        print(f"| {name} | {r['found']}/{r['events']} | {r['false_positive_events']} | {r['false_positive_points']} | {r['seconds']} |")


def _print_real(real: dict) -> None:
    print("\n## realKnownCause: windows found / false-positive runs\n")
    methods = [m for m in ("recurrent", "conv1d", "transformer", "rolling z-score")
               if all(m in row for row in real.values())]
    print("| series | windows | " + " | ".join(methods) + " |")
    print("|---|---|" + "---|" * len(methods))
    totals = {m: [0, 0] for m in methods}
    for name, row in real.items():
        cells = []
        for m in methods:
            cells.append(f"{row[m]['found']} / {row[m]['false_positive_events']}")
            totals[m][0] += row[m]["found"]
            totals[m][1] += row[m]["false_positive_events"]
        print(f"| {name.split('/')[-1]} | {row['events']} | " + " | ".join(cells) + " |")
    events = sum(row["events"] for row in real.values())
    print(f"| **total** | {events} | " + " | ".join(f"{f} / {fp}" for f, fp in totals.values()) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="folder holding a NAB checkout in nab/ (default: KERAS_AE_DATA_DIR)")
    parser.add_argument("--part", choices=("all", "art_daily", "real"), default="all")
    parser.add_argument("--pictures", default=str(Path(__file__).parent / "results"))
    parser.add_argument("--json", default=None, help="write the results here")
    parser.add_argument("--families", default=",".join(FAMILIES),
                        help="keras_ae families to run, comma-separated; fewer than all skips the keras.io reference "
                             "and merges the rows into an existing --json")
    args = parser.parse_args()
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown or not families:
        parser.error(f"--families must name some of {', '.join(FAMILIES)}. Received: families={args.families!r}")
    every = set(families) == set(FAMILIES)
    pictures = Path(args.pictures)
    pictures.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    art = art_daily(args.data_dir, pictures, families, reference=every) if args.part in ("all", "art_daily") else {}
    real = real_known_cause(args.data_dir, pictures, families) if args.part in ("all", "real") else {}
    report = {"art_daily": art, "real_known_cause": real, "art_recipe": ART, "ours_art": OURS_ART,
              "real_recipe": REAL, "ours_real": OURS_REAL, "seconds": round(time.perf_counter() - started, 1)}
    if args.json and not every and Path(args.json).is_file():
        report = _merged(json.loads(Path(args.json).read_text()), report, families)
    print_tables(report["art_daily"], report["real_known_cause"])
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str))


def _merged(old: dict, new: dict, families: list[str]) -> dict:
    """`old`'s results with the rows of `families` (and the z-score) from
    `new`; the recipes are the current ones, the seconds of each run kept."""
    merged = {**old, **{k: new[k] for k in ("art_recipe", "ours_art", "real_recipe", "ours_real")}}
    merged["art_daily"] = {**old.get("art_daily", {}), **new["art_daily"]}
    real = {name: dict(row) for name, row in old.get("real_known_cause", {}).items()}
    for name, row in new["real_known_cause"].items():
        real.setdefault(name, {}).update(row)
    merged["real_known_cause"] = real
    merged["seconds_by_families"] = {**old.get("seconds_by_families", {}), ",".join(families): new["seconds"]}
    return merged


if __name__ == "__main__":
    main()
