"""Training under tf.distribute: parity of every custom step over two
replicas, multi-worker training on 127.0.0.1, kill-and-resume, seeds.

Each run is a fresh process (tests/distribute_runner.py): devices and a
multi-worker cluster are fixed when TensorFlow starts."""

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import keras_ae
from keras_ae import anomaly, cli, distribute, multi_worker, timeseries, training
from tests import families

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT / "tests" / "distribute_runner.py"
TIME_LIMIT = 240  # seconds, per group of processes


def free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def run_group(commands: list[list[str]], expect: list[int] | None = None) -> None:
    """Runs processes side by side under one time limit; none outlives the
    call (each leads its own process group, killed on any way out)."""
    processes = [
        subprocess.Popen([sys.executable, str(RUNNER), *c], cwd=ROOT, start_new_session=True,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for c in commands
    ]
    try:
        outputs = [p.communicate(timeout=TIME_LIMIT)[0] for p in processes]
    finally:
        for p in processes:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
    codes = [p.returncode for p in processes]
    assert codes == (expect or [0] * len(commands)), "\n".join(o[-2000:] for o in outputs)


def workers(mode, family, outs, *extra):
    ports = ",".join(map(str, free_ports(2)))
    return [[mode, family, str(out), "--strategy", "multi_worker", "--worker", str(i), "--ports", ports, *extra]
            for i, out in enumerate(outs)]


def weights(path) -> list[np.ndarray]:
    data = np.load(path)
    return [data[f"arr_{i}"] for i in range(len(data.files))]


def assert_same(a, b, atol=1e-5):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=0, atol=atol)


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    """Uninterrupted single-process runs (conv, VAE), and the conv run again."""
    folder = tmp_path_factory.mktemp("single")
    run_group([["train", f, str(folder / f"{f}.npz")] for f in ("conv", "vae")] + [["train", "conv", str(folder / "again.npz")]])
    return folder


def test_two_replicas_match_one_device_for_every_family(tmp_path):
    """MirroredStrategy over two logical CPUs against one device, 3 SGD
    steps of every registered family's declared model (tests/families.py):
    the same weights where the family declares parity (the KL-sparse AE's
    batch statistic and the VQ-VAE's EMA codebook statistics all-reduced,
    both GAN networks), and where each replica's step rightly differs
    (its own draws or batch statistics) every optimizer takes the 3 steps,
    moves what it trains, and every tracked value is finite. The negative
    control, an unscaled hand-written `ops.mean` step, takes twice the step
    over two replicas."""
    declared = families.declarations()
    out = tmp_path / "parity.npz"
    run_group([["parity", ",".join([*sorted(keras_ae.FAMILIES), "naive"]), str(out)]])
    data = np.load(out)
    for family in [*sorted(keras_ae.FAMILIES), "naive"]:
        n = len([k for k in data.files if k.startswith(f"{family}/one/") and k.split("/")[-1].isdigit()])
        for name in ("one", "two"):
            steps = data[f"{family}/{name}/steps"]
            assert len(steps) >= 1 and (steps == 3).all(), (family, name, steps)
            assert (data[f"{family}/{name}/moved"] > 0).all(), (family, name)  # every optimizer stepped
            assert bool(data[f"{family}/{name}/finite"]), (family, name)
        one = [data[f"{family}/one/{i}"] for i in range(n)]
        two = [data[f"{family}/two/{i}"] for i in range(n)]
        initial = [data[f"{family}/initial/{i}"] for i in range(n)]
        moved = max(float(np.abs(a - b).max()) for a, b in zip(one, initial))
        assert moved > 1e-3, family  # the steps were taken
        if family == "naive":
            step_one = np.concatenate([(a - b).ravel() for a, b in zip(one, initial)])
            step_two = np.concatenate([(a - b).ravel() for a, b in zip(two, initial)])
            assert np.abs(step_two - step_one).max() > 1e-3  # Keras's summed replica gradients
        elif declared[family].two_replicas == "parity":
            assert_same(one, two)
        else:
            assert declared[family].two_replicas == "steps", family


@pytest.mark.parametrize("family", ["conv", "vae"])
def test_multi_worker_matches_one_process(single, tmp_path, family):
    outs = [tmp_path / "w0.npz", tmp_path / "w1.npz"]
    run_group(workers("train", family, outs))
    first, second = weights(outs[0]), weights(outs[1])
    assert_same(first, second, atol=0)  # the workers hold one model
    assert_same(first, weights(single / f"{family}.npz"))  # the same global batches


def test_killed_run_resumes_to_the_uninterrupted_weights(single, tmp_path):
    backup = tmp_path / "backup"
    run_group([["train", "conv", str(tmp_path / "x.npz"), "--backup", str(backup), "--kill-at", "2"]], expect=[17])
    assert json.loads((backup / "latest.json").read_text())["epoch"] == 2
    assert not (tmp_path / "x.npz").exists()
    run_group([["train", "conv", str(tmp_path / "resumed.npz"), "--backup", str(backup)]])
    assert_same(weights(tmp_path / "resumed.npz"), weights(single / "conv.npz"), atol=1e-6)
    assert not backup.exists()  # removed once training ended


def test_killed_multi_worker_run_resumes_from_the_chiefs_backup(single, tmp_path):
    backup = tmp_path / "backup"
    outs = [tmp_path / "w0.npz", tmp_path / "w1.npz"]
    run_group(workers("train", "conv", outs, "--backup", str(backup), "--kill-at", "2"), expect=[17, 17])
    saved = sorted(p.name for p in backup.iterdir())
    assert saved[-1] == "latest.json" and len(saved) == 2  # one save, by one writer
    run_group(workers("train", "conv", outs, "--backup", str(backup)))
    assert_same(weights(outs[0]), weights(outs[1]), atol=0)
    assert_same(weights(outs[0]), weights(single / "conv.npz"))


# Every family that draws at random during a training step (the VAEs'
# eps and binarization, FactorVAE's permutations, the corruption of the
# denoising and image-to-image models, the GANs' codes, the VQ-VAE's
# dead-code restarts): those whose test class declares its `draws`.
STOCHASTIC = tuple(name for name, cls in sorted(families.declarations().items()) if cls.draws is not None)


@pytest.fixture(scope="module")
def draws(tmp_path_factory):
    """Each stochastic family's draws inside `strategy.run`: on two logical
    CPUs in one process, and on two workers of one replica each, side by side."""
    folder = tmp_path_factory.mktemp("draws")
    outs = [folder / "w0.npz", folder / "w1.npz"]
    run_group([["draws", ",".join(STOCHASTIC), str(folder / "mirrored.npz")]] + workers("draws", ",".join(STOCHASTIC), outs))
    return {"mirrored": np.load(folder / "mirrored.npz"),
            # Worker i holds global replica i: stack them as the replicas.
            "workers": {k: np.concatenate([np.load(o)[k] for o in outs]) for k in np.load(outs[0]).files}}


def test_every_stochastic_family_is_checked_for_its_draws():
    from keras_ae.layers import _SeededLayer

    drawing = set()
    for name, cls in families.declarations().items():
        model = cls().make_model()
        if any(isinstance(layer, _SeededLayer) for layer in model._flatten_layers()):
            drawing.add(name)
    assert drawing == set(STOCHASTIC)


@pytest.mark.parametrize("where", ["mirrored", "workers"])
def test_every_replica_draws_its_own_noise_and_repeats_it_on_resume(draws, where):
    """The same input on both replicas (two logical CPUs, or two workers on
    127.0.0.1): the draws differ between replicas, differ from one step to
    the next, repeat exactly for a fresh model of the same seed, and repeat
    exactly for a model restored from a save made between the steps."""
    drawn = draws[where]
    keys = sorted({(k.split("/")[0], k.split("/")[2]) for k in drawn if "/step1/" in k})
    assert {family for family, _ in keys} == set(STOCHASTIC)
    for family, key in keys:
        step1, step2 = drawn[f"{family}/step1/{key}"], drawn[f"{family}/step2/{key}"]
        assert step1.shape[0] == 2, (family, key)  # one draw per replica
        assert not np.array_equal(step1[0], step1[1]), (where, family, key)
        assert not np.array_equal(step1, step2), (where, family, key)
        np.testing.assert_array_equal(drawn[f"{family}/again/{key}"], step1, err_msg=f"{family}/{key}")
        np.testing.assert_array_equal(drawn[f"{family}/resumed/{key}"], step2, err_msg=f"{family}/{key}")


def test_one_seed_gives_identical_weights(single):
    assert_same(weights(single / "conv.npz"), weights(single / "again.npz"), atol=0)


def test_keras_still_needs_the_multi_worker_patch(tmp_path):
    """When this fails, Keras has fixed its multi-worker reduction
    (keras-team/keras#20585): drop `keras_ae.multi_worker.patch_keras`."""
    outs = [tmp_path / "u0.json", tmp_path / "u1.json"]
    run_group(workers("upstream", "conv", outs))
    assert all(json.loads(p.read_text())["fails"] for p in outs)
    assert multi_worker.upstream_reduce_fails()


# === In-process checks ===


def test_strategy_names_and_cli_choices_agree():
    assert cli.STRATEGIES == distribute.STRATEGIES
    assert cli.PRECISIONS == training.PRECISIONS
    assert set(cli.DETECTOR_THRESHOLDS) == set(anomaly.THRESHOLD_METHODS) - {"f1"}
    assert (set(cli.DETECTOR_SCORINGS), set(cli.DETECTOR_REDUCTIONS), set(cli.DETECTOR_ERRORS)) == (
        set(anomaly.SCORINGS), set(timeseries.POINT_REDUCTIONS), set(anomaly.ERRORS))
    assert distribute.get_strategy("auto").num_replicas_in_sync == 1  # no GPU here
    with pytest.raises(ValueError, match="Received: strategy='tpu'"):
        distribute.get_strategy("tpu")
    assert distribute.is_chief()


def test_mixed_precision_trains_with_float32_losses():
    metrics = training.train("gan", epochs=1, latent_dim=8, options={"filters": (8, 16)}, train_examples=128,
                             precision="mixed_float16", verbose=0)
    assert all(np.isfinite(v) for v in metrics["test"].values())
    metrics = training.train("vae", epochs=1, latent_dim=4, architecture="dense", options={"units": (16,)},
                             train_examples=128, precision="mixed_bfloat16", verbose=0)
    assert np.isfinite(metrics["test"]["sse_per_image"]) and keras.mixed_precision.global_policy().name == "float32"


def test_xla_needs_determinism_off():
    with pytest.raises(ValueError, match="deterministic=False"):
        training.train("conv", epochs=1, jit_compile=True, train_examples=64)
    metrics = training.train("dense", epochs=1, latent_dim=4, architecture="dense", options={"units": (16,)},
                             train_examples=128, jit_compile=True, deterministic=False, verbose=0)
    assert metrics["jit_compile"] and np.isfinite(metrics["test"]["sse_per_image"])


class _KilledAfterEpoch(keras.callbacks.Callback):
    """Stops the run at the end of epoch `n`, as a kill would, before that
    epoch's backup (the user's callbacks run before `Backup`)."""

    def __init__(self, n):
        super().__init__()
        self.n = n

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.n:
            raise KeyboardInterrupt


def test_a_backup_made_under_other_settings_is_refused_before_the_data_loads(tmp_path, monkeypatch):
    backup = tmp_path / "backup"
    run = dict(latent_dim=4, architecture="dense", options={"units": (16,)}, train_examples=128, batch_size=32,
               backup_dir=backup, verbose=0)
    with pytest.raises(KeyboardInterrupt):
        training.train("dense", epochs=3, callbacks=[_KilledAfterEpoch(2)], **run)
    latest = json.loads((backup / "latest.json").read_text())
    assert (latest["epoch"], latest["settings"]["epochs"]) == (1, 3)

    loads = []
    real_load = training.datasets.load
    monkeypatch.setattr(training.datasets, "load", lambda *a, **k: loads.append(1) or real_load(*a, **k))
    for changed, words in (({"epochs": 4}, "epochs: 3 there, 4 here"),
                           ({"epochs": 3, "augment": "flip"}, "augment: None there, 'flip' here")):
        with pytest.raises(ValueError, match=f"backup_dir.*{str(backup)!r}.*{words}") as error:
            training.train("dense", **{**run, **changed})
        assert "delete the folder" in str(error.value)
    assert loads == []  # refused before any data was read
    assert json.loads((backup / "latest.json").read_text())["epoch"] == 1  # and the backup is kept

    # The same settings resume it, at epoch 1.
    metrics = training.train("dense", epochs=3, **run)
    assert loads == [1] and np.isfinite(metrics["test"]["sse_per_image"])
    assert not backup.exists()  # removed once the run ended
