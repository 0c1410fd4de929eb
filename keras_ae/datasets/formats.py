"""Readers of the standard files MNIST, Fashion-MNIST and CIFAR-10 come in:
Keras's mnist.npz, the gzip'd idx files, the CIFAR pickles and JPEG trees."""

from __future__ import annotations

import gzip
import io
import pickle
import tarfile
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

import numpy as np

from keras_ae.datasets.arrays import Arrays

MNIST_CLASSES: tuple[str, ...] = tuple(str(i) for i in range(10))
FASHION_MNIST_CLASSES: tuple[str, ...] = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
# Alphabetical, which is also CIFAR-10's own label order: a JPEG tree's
# sorted class folders give the official label numbers.
CIFAR10_CLASSES: tuple[str, ...] = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)

MNIST_FILE = "mnist.npz"
FASHION_MNIST_FILES: tuple[str, ...] = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
CIFAR10_TARBALL = "cifar10-jpeg.tar.gz"
CIFAR10_PICKLES: tuple[str, ...] = (*(f"data_batch_{i}" for i in range(1, 6)), "test_batch")
JPEG_SUFFIXES: tuple[str, ...] = (".jpg", ".jpeg")

_SPLITS = ("train", "test")


def with_channel_axis(x: np.ndarray) -> np.ndarray:
    """(N, H, W) greyscale to (N, H, W, 1); rank-4 arrays pass unchanged."""
    return x[..., np.newaxis] if x.ndim == 3 else x


def _labels(y: np.ndarray) -> np.ndarray:
    return np.asarray(y).reshape(-1).astype(np.int64)


def read_mnist_npz(path: Path) -> Arrays:
    """Keras's `mnist.npz`: x_train (60000, 28, 28) uint8, y_train, x_test, y_test."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in ("x_train", "y_train", "x_test", "y_test")}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(
            f"{path} is not a readable Keras mnist.npz (expected arrays x_train, y_train, "
            f"x_test, y_test): {error}"
        ) from error
    for key in ("x_train", "x_test"):
        if arrays[key].dtype != np.uint8 or arrays[key].ndim != 3:
            raise ValueError(
                f"{path}: `{key}` must be uint8 of shape (N, 28, 28). Received: {key} with "
                f"shape {arrays[key].shape} and dtype {arrays[key].dtype}"
            )
    return Arrays(
        with_channel_axis(arrays["x_train"]), _labels(arrays["y_train"]),
        with_channel_axis(arrays["x_test"]), _labels(arrays["y_test"]),
        MNIST_CLASSES, str(path),
    )


def read_idx(path: Path) -> np.ndarray:
    """One gzip'd idx file of unsigned bytes (the MNIST / Fashion-MNIST format)."""
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as error:
        raise ValueError(f"{path} is not a readable gzip'd idx file: {error}") from error
    # Header: two zero bytes, a type code (0x08 = unsigned byte), the rank,
    # then one big-endian int32 per dimension.
    if len(data) < 4 or data[:2] != b"\x00\x00" or data[2] != 0x08:
        raise ValueError(f"{path} is not an idx file of unsigned bytes (bad magic number {data[:4]!r})")
    rank = data[3]
    offset = 4 + 4 * rank
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">i4", count=rank, offset=4))
    if len(data) - offset != int(np.prod(shape)):
        raise ValueError(
            f"{path} is truncated or corrupt: the header says shape {shape} "
            f"({int(np.prod(shape))} bytes) but {len(data) - offset} bytes follow"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(shape)


def read_fashion_mnist(folder: Path) -> Arrays:
    """The four official Fashion-MNIST files, all in `folder`."""
    x_train, y_train, x_test, y_test = (read_idx(folder / name) for name in FASHION_MNIST_FILES)
    return Arrays(
        with_channel_axis(x_train), _labels(y_train),
        with_channel_axis(x_test), _labels(y_test),
        FASHION_MNIST_CLASSES, str(folder),
    )


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles plain data and NumPy arrays only.

    A pickle can run any code when loaded; a data cache is no place to accept
    that, and the CIFAR batches need nothing beyond arrays, lists and bytes.
    """

    _ALLOWED = {
        (module, name)
        for module in ("numpy.core.multiarray", "numpy._core.multiarray", "numpy.core.numeric", "numpy._core.numeric")
        for name in ("_reconstruct", "scalar", "_frombuffer")
    } | {("numpy", "ndarray"), ("numpy", "dtype")}

    def find_class(self, module: str, name: str) -> type:
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a data file")
        return super().find_class(module, name)


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(path, "rb") as f:
            batch = _ArrayUnpickler(f, encoding="bytes").load()
        data = np.asarray(batch[b"data"], dtype=np.uint8)
        labels = _labels(batch[b"labels"])
    except (OSError, EOFError, pickle.UnpicklingError, KeyError, TypeError, ValueError) as error:
        raise ValueError(
            f"{path} is not a readable CIFAR-10 batch (a pickled dict with b'data' and "
            f"b'labels'): {error}"
        ) from error
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(labels) != len(data):
        raise ValueError(
            f"{path}: b'data' must be (N, 3072) with N labels. Received: data of shape "
            f"{data.shape} and {len(labels)} labels"
        )
    # Rows are channel-major (1024 red, 1024 green, 1024 blue values).
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels


def read_cifar_pickles(folder: Path) -> Arrays:
    """The official Python batches (`cifar-10-batches-py/`)."""
    train = [_read_cifar_batch(folder / name) for name in CIFAR10_PICKLES[:-1]]
    x_test, y_test = _read_cifar_batch(folder / CIFAR10_PICKLES[-1])
    return Arrays(
        np.ascontiguousarray(np.concatenate([x for x, _ in train])),
        np.concatenate([y for _, y in train]),
        np.ascontiguousarray(x_test), y_test,
        CIFAR10_CLASSES, str(folder),
    )


def decode_jpegs(blobs: Sequence[bytes], names: Sequence[str]) -> np.ndarray:
    """JPEG bytes to one (N, H, W, 3) uint8 array; all images must share a size.

    tf.data decodes in parallel: 1.0 s per 10,000 CIFAR images against PIL's
    1.4 to 1.7 s on two cores. The
    INTEGER_ACCURATE DCT gives the very pixels PIL gives, so a tarball and
    the same images read as an image folder load identically.
    """
    import tensorflow as tf

    def decode(blob: tf.Tensor) -> tf.Tensor:
        return tf.io.decode_jpeg(blob, channels=3, dct_method="INTEGER_ACCURATE")

    dataset = (
        tf.data.Dataset.from_tensor_slices(tf.constant(list(blobs), dtype=tf.string))
        .map(decode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        .batch(4096)
    )
    try:
        return np.concatenate([batch.numpy() for batch in dataset])
    except (tf.errors.InvalidArgumentError, tf.errors.UnknownError) as error:
        _raise_for_bad_jpeg(blobs, names)
        raise ValueError(f"Could not decode the JPEG images of {names[0]} and others: {error}") from error


def _raise_for_bad_jpeg(blobs: Sequence[bytes], names: Sequence[str]) -> None:
    """Finds the image TensorFlow's batch decode failed on, to name it."""
    from PIL import Image, UnidentifiedImageError

    first: tuple[int, ...] | None = None
    for blob, name in zip(blobs, names):
        try:
            with Image.open(io.BytesIO(blob)) as image:
                shape = (image.height, image.width)
                image.load()
        except (OSError, UnidentifiedImageError, ValueError) as error:
            raise ValueError(f"{name} is not a readable JPEG image: {error}") from error
        if first is None:
            first = shape
        elif shape != first:
            raise ValueError(
                f"All images must have the same size. Received: {name} of "
                f"{shape[0]}x{shape[1]} while {names[0]} is {first[0]}x{first[1]}"
            )


def _cifar_from_jpegs(entries: list[tuple[str, str, str, bytes]], source: str) -> Arrays:
    """entries: (split, class, name, JPEG bytes) in any order."""
    entries.sort(key=lambda e: (e[0], e[1], e[2]))
    found = sorted({cls for split, cls, _, _ in entries if split == "train"})
    test_classes = {cls for split, cls, _, _ in entries if split == "test"}
    if tuple(found) != CIFAR10_CLASSES or not test_classes <= set(found):
        raise ValueError(
            f"{source} must hold train/<class>/ and test/<class>/ JPEG folders for the ten "
            f"CIFAR-10 classes {', '.join(CIFAR10_CLASSES)}. Received: train classes "
            f"{found or 'none'}, test classes {sorted(test_classes) or 'none'}"
        )
    x = {}
    y = {}
    for split in _SPLITS:
        chosen = [e for e in entries if e[0] == split]
        if not chosen:
            raise ValueError(f"{source} holds no {split}/<class>/*.jpg images")
        x[split] = decode_jpegs([e[3] for e in chosen], [e[2] for e in chosen])
        y[split] = np.array([CIFAR10_CLASSES.index(e[1]) for e in chosen], dtype=np.int64)
    return Arrays(x["train"], y["train"], x["test"], y["test"], CIFAR10_CLASSES, source)


def read_cifar_tarball(path: Path) -> Arrays:
    """`cifar10-jpeg.tar.gz`: members `[prefix/]{train,test}/<class>/NNNN.jpg`."""
    try:
        raw = path.read_bytes()
        # One gunzip of the whole file and slicing members out of memory is
        # about twice as fast as tarfile's streaming extraction.
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        entries = []
        with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
            for member in tar:
                parts = PurePosixPath(member.name).parts
                if (
                    member.isfile()
                    and len(parts) >= 3
                    and parts[-3] in _SPLITS
                    and parts[-1].lower().endswith(JPEG_SUFFIXES)
                ):
                    blob = raw[member.offset_data:member.offset_data + member.size]
                    entries.append((parts[-3], parts[-2], f"{path}:{member.name}", blob))
    except (OSError, EOFError, tarfile.TarError, zlib.error) as error:
        raise ValueError(f"{path} is not a readable .tar.gz file: {error}") from error
    return _cifar_from_jpegs(entries, str(path))


def read_cifar_folder(folder: Path) -> Arrays:
    """An extracted JPEG tree: `folder/{train,test}/<class>/*.jpg`."""
    entries = []
    for split in _SPLITS:
        for class_dir in sorted(p for p in (folder / split).iterdir() if p.is_dir()):
            for file in class_dir.iterdir():
                if file.is_file() and file.suffix.lower() in JPEG_SUFFIXES:
                    entries.append((split, class_dir.name, str(file), file.read_bytes()))
    return _cifar_from_jpegs(entries, str(folder))
