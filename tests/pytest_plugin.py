"""Fixtures shared by the test suite: real MNIST digits and the shared data.

A plugin (pyproject.toml's addopts load it with `-p tests.pytest_plugin`)
rather than tests/conftest.py, because each family's test lives in its
folder under keras_ae/models/, outside tests/, and needs these too."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# TensorFlow's oneDNN CPU kernels off, whatever the CPU (keras_ae turns them
# on unless this is set, and TensorFlow itself on CPUs with AVX-512
# neural-network instructions): their round-off changes with the batch each
# replica gets, and a two-worker VAE run then ends 7e-4 away from the same
# run on one device, where the distribute tests hold it to 1e-5. The
# subprocesses those tests start inherit the setting.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
# Tests never reach for the network: TFDS downloads are off for the whole run.
os.environ["KERAS_AE_OFFLINE"] = "1"
# The built-in presets the package does not ship load from the repository's
# publishing source, zoo/presets/, as from a mirror (checked against the
# manifest like any download), not from a hub.
os.environ.setdefault("KERAS_AE_ZOO_URL", (Path(__file__).resolve().parents[1] / "zoo" / "presets").as_uri())

import numpy as np  # noqa: E402
import pytest  # noqa: E402

SHARED_DATASETS = Path(os.environ.get("KERAS_AE_TEST_DATA", Path(__file__).resolve().parents[2] / "shared" / "datasets"))


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    """`../shared/datasets` beside the repository (present here and in CI)."""
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"shared data sets not found at {SHARED_DATASETS}")
    return SHARED_DATASETS


@pytest.fixture(scope="session")
def mnist_digits() -> np.ndarray:
    """512 real MNIST training digits from the embedded sample, float32 in [0, 1]."""
    from keras_ae import datasets

    arrays = datasets.load_arrays("mnist_sample")
    return arrays.x_train[:512].astype("float32") / 255.0


@pytest.fixture(scope="session")
def mnist_labels() -> np.ndarray:
    """The class ids of `mnist_digits`."""
    from keras_ae import datasets

    return datasets.load_arrays("mnist_sample").y_train[:512]


# The files that take longest (seconds of one worker, measured with
# `pytest --durations=0` on 2 cores), run first: pytest-xdist hands whole
# files to its workers in collection order, and a long file handed out last
# keeps one worker busy while the other has nothing left (test_zoo.py,
# alphabetically last, held the suite about a minute past its share).
LONGEST_FIRST = (
    "tests/test_distribute.py",  # 165 s
    "tests/test_zoo.py",  # 130 s
    "tests/test_export_mobile.py",  # 95 s
    "keras_ae/models/gan/gan_test.py",  # 92 s
    "tests/test_cli_detect.py",  # 77 s
    "tests/test_cli.py",  # 60 s
    "keras_ae/models/image_to_image/image_to_image_test.py",  # 54 s
    "tests/test_export.py",  # 44 s
)


def pytest_collection_modifyitems(config, items):
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
    order = {id(item): index for index, item in enumerate(items)}
    items.sort(key=lambda item: (rank.get(item.nodeid.split("::")[0], len(rank)), order[id(item)]))
