"""The MNIST sample shipped in the package (600 train and 100 test digits per
class), its loader, and the script that made it from the full mnist.npz."""

from __future__ import annotations

import argparse
import hashlib
import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np

from keras_ae.datasets import formats
from keras_ae.datasets.arrays import Arrays

SAMPLE_FILE = "mnist_sample.npz"
SAMPLE_SEED = 2026
TRAIN_PER_CLASS = 600
TEST_PER_CLASS = 100
# sha256 of the C-order bytes of the official MNIST x_train, as in the shared
# data README; a sample drawn from anything else is not the one we ship.
MNIST_X_TRAIN_SHA256 = "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757"


def sha256_of(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def choose_indices(y: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """`per_class` indices of each label 0-9, drawn without replacement.

    Returned sorted, so the sample keeps MNIST's own order and its first
    digits already mix all classes.
    """
    chosen = [rng.choice(np.flatnonzero(y == label), per_class, replace=False) for label in range(10)]
    return np.sort(np.concatenate(chosen))


def sample_arrays(full: Arrays) -> dict[str, np.ndarray]:
    """The sample's arrays drawn from the full MNIST (train digits from
    x_train, test digits from x_test; one generator seeded 2026, train first)."""
    rng = np.random.default_rng(SAMPLE_SEED)
    train_indices = choose_indices(full.y_train, TRAIN_PER_CLASS, rng)
    test_indices = choose_indices(full.y_test, TEST_PER_CLASS, rng)
    return {
        "x_train": full.x_train[train_indices, ..., 0],
        "y_train": full.y_train[train_indices].astype(np.uint8),
        "x_test": full.x_test[test_indices, ..., 0],
        "y_test": full.y_test[test_indices].astype(np.uint8),
        "train_indices": train_indices,
        "test_indices": test_indices,
    }


def make_sample(source: str | os.PathLike, out: str | os.PathLike) -> str:
    """Writes the sample from `source` (a Keras mnist.npz) to `out`; returns
    the sha256 of the source's x_train, which must be MNIST's."""
    full = formats.read_mnist_npz(Path(source))
    digest = sha256_of(full.x_train)
    if digest != MNIST_X_TRAIN_SHA256:
        raise ValueError(
            f"`source` must be the official MNIST: its x_train has sha256 {digest}, "
            f"expected {MNIST_X_TRAIN_SHA256}. Received: source='{source}'"
        )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **sample_arrays(full))
    return digest


def load_sample() -> Arrays:
    """The shipped sample, read from the installed package."""
    resource = resources.files("keras_ae.datasets").joinpath("data", SAMPLE_FILE)
    with resources.as_file(resource) as path, np.load(path, allow_pickle=False) as data:
        return Arrays(
            formats.with_channel_axis(data["x_train"]), data["y_train"].astype(np.int64),
            formats.with_channel_axis(data["x_test"]), data["y_test"].astype(np.int64),
            formats.MNIST_CLASSES, "embedded sample",
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m keras_ae.datasets.embedded",
        description="Regenerate the embedded MNIST sample from a Keras mnist.npz.",
    )
    parser.add_argument("--source", required=True, help="path to the full mnist.npz")
    parser.add_argument(
        "--out", default=str(Path(__file__).parent / "data" / SAMPLE_FILE), help="where to write the sample",
    )
    args = parser.parse_args(argv)
    digest = make_sample(args.source, args.out)
    print(f"source x_train sha256 {digest} (matches the official MNIST)")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
