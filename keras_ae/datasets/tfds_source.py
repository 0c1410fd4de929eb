"""TensorFlow Datasets as the last source: read a data set TFDS has already
prepared, or download it, but only after a quick check that the host answers."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from keras_ae.datasets.arrays import Arrays

if TYPE_CHECKING:
    from tensorflow_datasets.core import DatasetBuilder

# Where TFDS fetches each data set from. TFDS 4.9.10 has its GCS mirror
# switched off, so these are the original hosts; tests point an entry at a
# closed local port.
TFDS_DOWNLOAD_HOSTS: dict[str, tuple[str, int]] = {
    "mnist": ("storage.googleapis.com", 443),
    "fashion_mnist": ("fashion-mnist.s3-website.eu-central-1.amazonaws.com", 80),
    "cifar10": ("www.cs.toronto.edu", 443),
}
PROBE_TIMEOUT_S = 3.0
OFFLINE_ENV = "KERAS_AE_OFFLINE"


def tfds_data_dir() -> str:
    """TFDS's data folder, read from the environment at call time (TFDS itself
    reads TFDS_DATA_DIR once, at import)."""
    return os.environ.get("TFDS_DATA_DIR") or str(Path("~/tensorflow_datasets").expanduser())


def can_connect(host: str, port: int, timeout: float = PROBE_TIMEOUT_S) -> bool:
    """Whether a TCP connection to host:port opens within `timeout` seconds."""
    opened: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                opened.append(True)
        except OSError:
            pass

    # The socket timeout does not bound the DNS lookup, which can hang far
    # longer on a machine without network; the thread's join does.
    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(opened)


def download_possible(name: str) -> tuple[bool, str]:
    """(possible, why not). Checked before TFDS starts, since an unreachable
    host only fails inside TFDS after its own timeouts and retries."""
    if os.environ.get(OFFLINE_ENV) == "1":
        return False, f"{OFFLINE_ENV}=1"
    host, port = TFDS_DOWNLOAD_HOSTS[name]
    if not can_connect(host, port):
        return False, f"{host}:{port} did not answer within {PROBE_TIMEOUT_S:g} s"
    return True, ""


def prepared_builder(name: str, data_dir: str) -> tuple[DatasetBuilder | None, str]:
    """(the TFDS builder of `name` if prepared in `data_dir`, else None; why not).

    Reads local files only: `tfds.builder` on a registered name never goes to
    the network, and the folder check skips importing TFDS when there is
    nothing to find.
    """
    if "://" not in data_dir and not (Path(data_dir) / name).is_dir():
        return None, f"{name!r} is not prepared in {data_dir}"
    import tensorflow_datasets as tfds

    try:
        builder = tfds.builder(name, data_dir=data_dir)
        prepared = builder.is_prepared()
    except Exception as error:  # a damaged folder must not hide the other sources
        return None, f"{name!r} in {data_dir} could not be opened: {error}"
    if not prepared:
        return None, f"{name!r} is not prepared in {data_dir} (version {builder.version})"
    return builder, ""


def read_builder(name: str, builder: DatasetBuilder) -> Arrays:
    """A prepared builder's train and test splits as NumPy arrays."""
    import tensorflow_datasets as tfds

    splits = {}
    for split in ("train", "test"):
        dataset = builder.as_dataset(split=split, as_supervised=True, batch_size=-1, shuffle_files=False)
        x, y = tfds.as_numpy(dataset)
        splits[split] = (np.asarray(x, dtype=np.uint8), np.asarray(y).astype(np.int64))
    label = builder.info.features["label"]
    class_names = tuple(label.names) if getattr(label, "names", None) else tuple(str(i) for i in range(label.num_classes))
    x_train, y_train = splits["train"]
    x_test, y_test = splits["test"]
    x_train, x_test = (x[..., np.newaxis] if x.ndim == 3 else x for x in (x_train, x_test))
    return Arrays(x_train, y_train, x_test, y_test, class_names, f"tfds:{name} ({builder.data_dir})")


def download(name: str, data_dir: str) -> Arrays:
    """Downloads and prepares `name` with TFDS, then reads it."""
    import tensorflow_datasets as tfds

    try:
        builder = tfds.builder(name, data_dir=data_dir)
        builder.download_and_prepare()
    except Exception as error:  # TFDS raises many kinds; the user needs one message.
        raise ValueError(
            f"TensorFlow Datasets could not download the data set {name!r} into {data_dir}: "
            f"{error}. Put its files in a folder and pass data_dir= (--data-dir) instead. "
            f"Received: name={name!r}"
        ) from error
    return read_builder(name, builder)
