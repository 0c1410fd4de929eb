"""The command line, end to end on the embedded sample (one short run shared
by the tests that read its outputs)."""

import json

import keras
import pytest

import keras_ae
from keras_ae import cli


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "run"
    status = cli.main(["train", "conv", "--epochs", "2", "--latent-dim", "8", "--out", str(out), "--option", "filters=(8,16)"])
    assert status == 0
    return out


def test_train_writes_the_run(trained_run):
    assert sorted(p.name for p in trained_run.iterdir()) == [
        "history.json", "metrics.json", "model.keras", "reconstructions.png"]
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert metrics["family"] == "conv" and metrics["latent_dim"] == 8
    assert metrics["pca"]["n_components"] == 8
    history = json.loads((trained_run / "history.json").read_text())
    assert history["loss"][1] < history["loss"][0]
    assert metrics["test"]["sse_per_image"] == pytest.approx(history["val_reconstruction_loss"][-1], rel=1e-3)
    assert set(history) == {"loss", "reconstruction_loss", "val_loss", "val_reconstruction_loss"}
    assert (trained_run / "reconstructions.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    model = keras.saving.load_model(trained_run / "model.keras")
    assert model.latent_dim == 8


def test_evaluate_reproduces_the_training_metrics(trained_run, capsys):
    assert cli.main(["evaluate", str(trained_run / "model.keras")]) == 0
    report = json.loads(capsys.readouterr().out)
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert report["test"]["sse_per_image"] == pytest.approx(metrics["test"]["sse_per_image"], rel=1e-5)
    assert report["pca"] == pytest.approx(metrics["pca"])


def test_families_lists_every_family(capsys):
    assert cli.main(["families"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert names == sorted(keras_ae.FAMILIES)
    assert {"contractive", "conv", "denoising", "dense", "sparse", "vae", "beta_vae"} <= set(names)


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["train", "no_such_family"], "Received: family='no_such_family'"),
        (["train", "conv", "--dataset", "imagenet"], "Received: dataset='imagenet'"),
        (["train", "conv", "--latent-dim", "0"], "Received: latent_dim=0"),
        (["train", "conv", "--epochs", "-1"], "Received: epochs=-1"),
        (["train", "conv", "--architecture", "rnn"], "Received: architecture='rnn'"),
        (["train", "denoising", "--option", "noise=pink"], "Received: noise='pink'"),
        (["train", "conv", "--option", "colour=2"], "Unknown option 'colour'"),
        (["train", "conv", "--dataset", "mnist", "--data-dir", "{tmp}"], "mnist"),
        (["evaluate", "{tmp}/missing.keras"], "Received: model="),
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv, fragment, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.delenv("KERAS_AE_DATA_DIR", raising=False)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    out = tmp_path / "out"
    if argv[0] == "train":
        argv += ["--out", str(out)]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("keras-ae: error:")
    assert fragment in err
    assert not out.exists()


def test_failed_run_leaves_no_files(tmp_path, monkeypatch):
    from keras_ae import training

    def fail(*args, **kwargs):
        raise ValueError("disk full. Received: path='x'")

    monkeypatch.setattr(training.plotting, "reconstruction_grid", fail)
    out = tmp_path / "nested" / "run"
    assert cli.main(["train", "dense", "--epochs", "1", "--latent-dim", "2", "--option", "units=(8,)", "--out", str(out)]) == 2
    assert list(tmp_path.iterdir()) == []


def test_existing_output_is_refused_before_training(trained_run, capsys):
    before = sorted(p.stat().st_mtime_ns for p in trained_run.iterdir())
    assert cli.main(["train", "conv", "--out", str(trained_run)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert sorted(p.stat().st_mtime_ns for p in trained_run.iterdir()) == before


def test_help_on_every_command(capsys):
    for argv in ([c, "--help"] for c in ("", "train", "evaluate", "families", "fit-detector", "detect")):
        argv = [a for a in argv if a]
        with pytest.raises(SystemExit) as exit_info:
            cli.main(argv)
        assert exit_info.value.code == 0
        assert "usage: keras-ae" in capsys.readouterr().out


def test_train_gives_beta_tcvae_its_data_set_size(tmp_path):
    from keras_ae import training

    training.train("beta_tcvae", "mnist_sample", epochs=1, batch_size=64, latent_dim=4, architecture="dense",
                   options={"units": (16,)}, train_examples=256, out=tmp_path / "run")
    model = training.load_saved_model(tmp_path / "run" / "model.keras")
    assert model.get_config()["dataset_size"] == 256  # the examples it trained on
