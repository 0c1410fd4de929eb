"""Where MNIST, Fashion-MNIST and CIFAR-10 are looked for, in order: data_dir,
KERAS_AE_DATA_DIR, the Keras cache, TensorFlow Datasets; else one clear error."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from keras_ae.datasets import formats, tfds_source
from keras_ae.datasets.arrays import Arrays

DATA_DIR_ENV = "KERAS_AE_DATA_DIR"

Reader = Callable[[], Arrays]

# What to put in a folder, for the error message.
_HINTS: dict[str, str] = {
    "mnist": f"{formats.MNIST_FILE} (as keras.datasets.mnist.load_data() saves it)",
    "fashion_mnist": (
        f"the four official files {', '.join(formats.FASHION_MNIST_FILES)} (directly or "
        "in a fashion-mnist/ sub-folder)"
    ),
    "cifar10": (
        f"{formats.CIFAR10_TARBALL}, an extracted cifar10/{{train,test}}/<class>/*.jpg tree "
        "or the official cifar-10-batches-py/ pickles"
    ),
}


def keras_cache_dir() -> Path:
    """Where `keras.datasets.*.load_data()` leaves its files: $KERAS_HOME/datasets,
    else ~/.keras/datasets (read at call time, unlike Keras)."""
    home = os.environ.get("KERAS_HOME") or str(Path("~/.keras").expanduser())
    return Path(home).expanduser() / "datasets"


def _files_reader(folder: Path, names: tuple[str, ...], read: Callable[[Path], Arrays]) -> tuple[Reader | None, str]:
    """A reader when `folder` holds every file in `names`, else a note on
    what is missing."""
    missing = [name for name in names if not (folder / name).is_file()]
    if not missing:
        return (lambda: read(folder)), ""
    if len(missing) == len(names):
        shown = names[0] if len(names) == 1 else "{" + ",".join(names) + "}"
        return None, f"{folder / shown} (not found)"
    return None, f"{folder} (incomplete: missing {', '.join(missing)})"


def _find_mnist(folder: Path) -> tuple[Reader | None, list[str]]:
    path = folder / formats.MNIST_FILE
    if path.is_file():
        return (lambda: formats.read_mnist_npz(path)), []
    return None, [f"{path} (not found)"]


def _find_fashion_mnist(folder: Path) -> tuple[Reader | None, list[str]]:
    notes = []
    for candidate in (folder / "fashion-mnist", folder):
        reader, note = _files_reader(candidate, formats.FASHION_MNIST_FILES, formats.read_fashion_mnist)
        if reader:
            return reader, []
        notes.append(note)
    return None, notes


def _find_cifar10(folder: Path) -> tuple[Reader | None, list[str]]:
    notes = []
    tarball = folder / formats.CIFAR10_TARBALL
    if tarball.is_file():
        return (lambda: formats.read_cifar_tarball(tarball)), []
    notes.append(f"{tarball} (not found)")
    tree = folder / "cifar10"
    if (tree / "train").is_dir() and (tree / "test").is_dir():
        return (lambda: formats.read_cifar_folder(tree)), []
    notes.append(f"{tree}/{{train,test}}/ (not found)")
    # Keras 3.15 extracts into cifar-10-batches-py-target/, older Keras
    # releases into cifar-10-batches-py/ directly under the cache.
    for pickles in (folder / "cifar-10-batches-py", folder / "cifar-10-batches-py-target" / "cifar-10-batches-py"):
        reader, note = _files_reader(pickles, formats.CIFAR10_PICKLES, formats.read_cifar_pickles)
        if reader:
            return reader, []
        notes.append(note)
    return None, notes


_FINDERS: dict[str, Callable[[Path], tuple[Reader | None, list[str]]]] = {
    "mnist": _find_mnist,
    "fashion_mnist": _find_fashion_mnist,
    "cifar10": _find_cifar10,
}
NAMED: tuple[str, ...] = tuple(_FINDERS)


def _folders(data_dir: str | os.PathLike | None) -> list[tuple[str, Path | None]]:
    env = os.environ.get(DATA_DIR_ENV)
    return [
        ("data_dir", Path(data_dir).expanduser() if data_dir is not None else None),
        (DATA_DIR_ENV, Path(env).expanduser() if env else None),
        ("Keras cache", keras_cache_dir()),
    ]


def resolve(name: str, data_dir: str | os.PathLike | None = None) -> Arrays:
    """Reads `name` from the first place that has it (see the module docstring)."""
    looked: list[str] = []
    seen: set[Path] = set()
    for label, folder in _folders(data_dir):
        if folder is None:
            looked.append(f"{label}: {'not given' if label == 'data_dir' else 'not set'}")
            continue
        if folder.resolve() in seen:
            continue
        seen.add(folder.resolve())
        if not folder.is_dir():
            looked.append(f"{label}: {folder} (no such folder)")
            continue
        reader, notes = _FINDERS[name](folder)
        if reader is not None:
            return reader()
        looked.extend(f"{label}: {note}" for note in notes)

    tfds_dir = tfds_source.tfds_data_dir()
    builder, why_not = tfds_source.prepared_builder(name, tfds_dir)
    if builder is not None:
        return tfds_source.read_builder(name, builder)
    looked.append(f"TensorFlow Datasets: {why_not}")
    possible, why_not = tfds_source.download_possible(name)
    if possible:
        return tfds_source.download(name, tfds_dir)
    looked.append(f"TensorFlow Datasets download: not possible ({why_not})")

    places = "\n".join(f"  - {line}" for line in looked)
    raise ValueError(
        f"Could not find the data set {name!r}. Looked in:\n{places}\n"
        f"To provide it, put {_HINTS[name]} in one of the folders above, in a folder you pass "
        f"as data_dir= (--data-dir on the command line) or in the folder {DATA_DIR_ENV} names; "
        f"or run once with network access so TensorFlow Datasets can download it. "
        f"Received: name={name!r}"
    )
