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
