"""`keras-ae fit-detector` and `keras-ae detect`, end to end on the NAB
series shipped with the package."""

import csv
import json

import numpy as np
import pytest

from keras_ae import anomaly, cli


def readme_detector_commands() -> list[list[str]]:
    """The README's `keras-ae fit-detector` and `keras-ae detect` lines on the
    shipped series, as written there (comments dropped)."""
    import re
    import shlex
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    lines = [line.split("#")[0].strip() for block in re.findall(r"```bash\n(.*?)```", readme, re.S)
             for line in block.splitlines()]
    commands = [shlex.split(line)[1:] for line in lines
                if line.startswith(("keras-ae fit-detector ", "keras-ae detect ")) and "--series" not in line]
    assert [argv[0] for argv in commands] == ["fit-detector", "detect"], commands
    return commands


@pytest.fixture(scope="module")
def detector_dir(tmp_path_factory):
    """The detector of the README's `keras-ae fit-detector` line, run as
    written (its relative --out under a fresh folder): the one every test
    here scores with."""
    fit, _ = readme_detector_commands()
    out = tmp_path_factory.mktemp("detect") / fit[fit.index("--out") + 1]
    fit[fit.index("--out") + 1] = str(out)
    assert cli.main(fit) == 0
    return out


def test_detect_writes_scores_anomalies_summary_and_picture(detector_dir, tmp_path, capsys):
    out = tmp_path / "detection"
    assert cli.main(["detect", str(detector_dir), "--out", str(out)]) == 0
    assert "labelled windows found" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["anomalies.csv", "detection.png", "scores.csv", "summary.json"]
    rows = list(csv.DictReader((out / "scores.csv").open()))
    assert len(rows) == 4032 and rows[0]["timestamp"] == "2014-04-01T00:00:00"
    summary = json.loads((out / "summary.json").read_text())
    flagged = [r for r in rows if r["flagged"] == "1"]
    assert summary["flagged_points"] == len(flagged) == len(list(csv.DictReader((out / "anomalies.csv").open())))
    scores = np.array([float(r["score"]) for r in rows])
    assert ((scores > summary["threshold"]) == np.array([r["flagged"] == "1" for r in rows])).all()
    assert summary["against_windows"]["events"] == 1
    assert (out / "detection.png").read_bytes()[:4] == b"\x89PNG"
    detector = anomaly.AnomalyDetector.load(detector_dir)
    assert detector.window == 288 and detector.threshold == summary["threshold"]


def test_detect_a_user_csv(detector_dir, tmp_path):
    series = tmp_path / "mine.csv"
    values = 20 + 60 * (np.sin(np.arange(600) / 30.0) > 0)
    series.write_text("value\n" + "\n".join(map(str, values)) + "\n")
    assert cli.main(["detect", str(detector_dir), "--series", str(series), "--out", str(tmp_path / "o")]) == 0
    assert "against_windows" not in json.loads((tmp_path / "o" / "summary.json").read_text())


@pytest.mark.parametrize(
    "content, fragment",
    [
        ("value\n1\n2\n3\n", "shorter than one window: 3 point(s) for a window of 288"),
        ("value\n" + "1\n" * 50 + "nan\n" + "2\n" * 100, "the first at index 50"),
        ("price\n1\n", "no column 'value'"),
    ],
)
def test_bad_series_exit_2_and_write_nothing(detector_dir, tmp_path, capsys, content, fragment):
    series = tmp_path / "bad.csv"
    series.write_text(content)
    out = tmp_path / "o"
    assert cli.main(["detect", str(detector_dir), "--series", str(series), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and fragment in err
    assert not out.exists()


def test_constant_training_series_is_refused(tmp_path, capsys):
    series = tmp_path / "flat.csv"
    series.write_text("value\n" + "4.0\n" * 500)
    out = tmp_path / "d"
    assert cli.main(["fit-detector", "conv1d", "--series", str(series), "--window", "32", "--out", str(out)]) == 2
    assert "zero variance" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("flag, value", [("--window", "0"), ("--stride", "0"), ("--epochs", "0"), ("--latent-dim", "-2")])
def test_a_bad_setting_over_the_defaults_is_one_line_naming_it(tmp_path, capsys, flag, value):
    out = tmp_path / "d"
    assert cli.main(["fit-detector", "conv1d", flag, value, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"{flag[2:].replace('-', '_')}={value}" in err
    assert not out.exists()


def test_detect_refuses_a_model_that_is_not_a_detector(tmp_path, capsys):
    assert cli.main(["detect", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "saved detector" in capsys.readouterr().err


def test_readme_detector_commands_find_the_window_without_false_alarms(detector_dir, tmp_path, monkeypatch, capsys):
    """Issue 22: the README's two commands, with no flag added, are the
    benchmarked detector (benchmarks/nab_anomaly.py): the labelled
    art_daily_jumpsup window is found and nothing outside it is flagged."""
    monkeypatch.chdir(tmp_path)  # the README's relative --out folder lands here
    _, detect = readme_detector_commands()
    assert detect[1] == detector_dir.name  # detect reads the folder fit-detector wrote
    (tmp_path / detector_dir.name).symlink_to(detector_dir)
    assert cli.main(detect) == 0
    assert "labelled windows found 1/1, false-positive runs 0." in capsys.readouterr().out
    summary = json.loads((tmp_path / detect[detect.index("--out") + 1] / "summary.json").read_text())
    assert summary["against_windows"]["found"] == 1
    assert summary["against_windows"]["false_positive_events"] == 0
    detector = anomaly.AnomalyDetector.load(detector_dir)
    table = anomaly.SERIES_DETECTOR_DEFAULTS
    saved = {"window": detector.window, "stride": detector.stride, "scoring": detector.scoring,
             "point_reduce": detector.point_reduce, "error": detector.error, "threshold": detector.threshold_method}
    assert saved == {key: table[key] for key in saved}
