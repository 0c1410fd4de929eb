"""Long runs behind the `slow` marker: `pytest -m slow`."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_conv_ae_beats_the_published_deep_ae_on_full_mnist(shared_datasets, tmp_path):
    """The issue's bar: 30-d conv AE at most 2.5 squared error per test image."""
    out = tmp_path / "results.json"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "mnist_conv_ae.py"), "--data-dir", str(shared_datasets), "--json", str(out)],
        check=True,
    )
    results = json.loads(out.read_text())
    assert results["conv_ae"]["sse_per_image"] <= 2.5
    assert results["pca_30"]["sse_per_image"] > 4 * results["conv_ae"]["sse_per_image"]


@pytest.mark.slow
def test_dcgan_covers_every_digit(shared_datasets, tmp_path):
    """The generative issue's bar: 10,000 DCGAN samples, as the project's
    classifier labels them, cover all ten digits with KL to uniform < 0.05,
    and the test set is the closest to the training set in Frechet distance."""
    out = tmp_path / "gan.json"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "mnist_gan.py"), "--data-dir", str(shared_datasets),
         "--json", str(out), "--pictures", str(tmp_path)],
        check=True,
    )
    results = json.loads(out.read_text())
    assert results["gan_class_histogram"]["classes_seen"] == 10
    assert results["gan_class_histogram"]["kl_to_uniform"] < 0.05
    distances = results["frechet_distance_to_train"]
    assert distances["test_set (floor)"] < min(distances["gan_samples"], distances["vae_samples"])


@pytest.mark.slow
def test_vae_nll_on_binarized_mnist(shared_datasets, tmp_path):
    """The generative issue's bar: test NLL at most 88 nats (k >= 500)."""
    out = tmp_path / "nll.json"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "mnist_vae_nll.py"), "--data-dir", str(shared_datasets), "--json", str(out)],
        check=True,
    )
    results = json.loads(out.read_text())
    assert results["test"]["k"] >= 500 and results["test"]["nll"] <= 88
