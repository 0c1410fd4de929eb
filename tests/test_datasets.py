"""Tests of keras_ae.datasets: every source and file layout, the resolution
order and its error, image folders, the tf.data pipeline, the embedded sample."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import socket
import tarfile
import time
from pathlib import Path, PurePosixPath

import numpy as np
import pytest
from PIL import Image

from keras_ae import datasets
from keras_ae.datasets import embedded, formats, tfds_source

SHARED = Path(os.environ.get("KERAS_AE_TEST_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "datasets"))

# sha256 of the C-order bytes, from the shared data's README.
MNIST_X_TRAIN_SHA256 = "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757"
FASHION_X_TEST_SHA256 = "c867c93ff95360594e8ec3287995350b824dd110b11595c0e13d5423f621867a"


def sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


@pytest.fixture(scope="module")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared data sets not found at {SHARED}")
    return SHARED


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Empty Keras and TFDS homes in tmp_path, offline, and every download
    host pointed at a closed local port: no test sees ~/.keras or the network."""
    keras_home = tmp_path / "keras_home"
    tfds_dir = tmp_path / "tfds"
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    monkeypatch.setenv("TFDS_DATA_DIR", str(tfds_dir))
    monkeypatch.setenv("KERAS_AE_OFFLINE", "1")
    monkeypatch.delenv("KERAS_AE_DATA_DIR", raising=False)
    port = _closed_port()
    monkeypatch.setattr(
        tfds_source, "TFDS_DOWNLOAD_HOSTS", {name: ("127.0.0.1", port) for name in tfds_source.TFDS_DOWNLOAD_HOSTS}
    )
    return {"cache": keras_home / "datasets", "tfds": tfds_dir}


def write_mnist_npz(path: Path, n_train: int = 6, n_test: int = 4, fill: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        path,
        x_train=np.full((n_train, 28, 28), fill, np.uint8), y_train=np.arange(n_train, dtype=np.uint8) % 10,
        x_test=np.full((n_test, 28, 28), fill, np.uint8), y_test=np.arange(n_test, dtype=np.uint8) % 10,
    )
    return path


def link_files(source: Path, names, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).symlink_to(source / name)
    return folder


# ---------------------------------------------------------------- arguments


def test_unknown_name_lists_the_data_sets():
    with pytest.raises(ValueError, match="name='mnistt'") as info:
        datasets.load_arrays("mnistt")
    for name in datasets.DATASETS:
        assert name in str(info.value)


def test_image_folder_needs_data_dir():
    with pytest.raises(ValueError, match="data_dir=None"):
        datasets.load_arrays("image_folder")


@pytest.mark.parametrize("image_size", [(0, 28), (28,), "28x28", (28, 28, 1)])
def test_bad_image_size(image_size):
    with pytest.raises(ValueError, match="image_size"):
        datasets.load_arrays("mnist_sample", image_size=image_size)


@pytest.mark.parametrize("batch_size", [0, -1, 1.5, True, None])
def test_bad_batch_size_fails_before_loading(batch_size):
    # cifar10 is nowhere here: the batch size must be refused first.
    with pytest.raises(ValueError, match="batch_size"):
        datasets.load("cifar10", batch_size=batch_size)


def test_arrays_refuse_a_wrong_layout():
    x = np.zeros((2, 4, 4, 1), np.uint8)
    y = np.zeros(2, np.int64)
    with pytest.raises(ValueError, match="x_train"):
        datasets.Arrays(x[..., 0], y, x, y, ("a",), "test")
    with pytest.raises(ValueError, match="y_test"):
        datasets.Arrays(x, y, x, y.astype(np.uint8), ("a",), "test")
    assert "x_train=(2, 4, 4, 1)" in repr(datasets.Arrays(x, y, x, y, ("a",), "test"))


# -------------------------------------------------------------------- MNIST


def test_mnist_from_data_dir(shared):
    arrays = datasets.load_arrays("mnist", data_dir=shared)
    assert arrays.x_train.shape == (60000, 28, 28, 1) and arrays.x_test.shape == (10000, 28, 28, 1)
    assert arrays.x_train.dtype == np.uint8 and arrays.y_train.dtype == np.int64
    assert sha256(arrays.x_train) == MNIST_X_TRAIN_SHA256
    assert arrays.class_names == tuple("0123456789")
    assert arrays.source == str(shared / "mnist.npz")


def test_mnist_from_the_keras_cache(shared, isolated):
    isolated["cache"].mkdir(parents=True)
    (isolated["cache"] / "mnist.npz").symlink_to(shared / "mnist.npz")
    arrays = datasets.load_arrays("mnist")
    assert arrays.source == str(isolated["cache"] / "mnist.npz")
    assert sha256(arrays.x_train) == MNIST_X_TRAIN_SHA256


def test_order_data_dir_then_env_then_cache(tmp_path, isolated, monkeypatch):
    given = write_mnist_npz(tmp_path / "given" / "mnist.npz", fill=1)
    env = write_mnist_npz(tmp_path / "env" / "mnist.npz", fill=2)
    cache = write_mnist_npz(isolated["cache"] / "mnist.npz", fill=3)
    monkeypatch.setenv("KERAS_AE_DATA_DIR", str(env.parent))
    assert datasets.load_arrays("mnist", data_dir=given.parent).source == str(given)
    assert datasets.load_arrays("mnist").source == str(env)
    # A data_dir without the file falls through to the next place.
    assert datasets.load_arrays("mnist", data_dir=tmp_path).source == str(env)
    monkeypatch.delenv("KERAS_AE_DATA_DIR")
    arrays = datasets.load_arrays("mnist")
    assert arrays.source == str(cache) and arrays.x_train.max() == 3


def test_a_broken_file_is_named_not_skipped(tmp_path, isolated):
    write_mnist_npz(isolated["cache"] / "mnist.npz")
    (tmp_path / "mnist.npz").write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match=str(tmp_path / "mnist.npz")):
        datasets.load_arrays("mnist", data_dir=tmp_path)


def test_image_size_resizes_a_named_data_set():
    arrays = datasets.load_arrays("mnist_sample", image_size=(32, 32))
    assert arrays.x_train.shape == (6000, 32, 32, 1) and arrays.x_test.shape == (1000, 32, 32, 1)
    assert arrays.x_train.dtype == np.uint8 and arrays.x_train.max() > 200


# ------------------------------------------------------------ Fashion-MNIST


def check_fashion(arrays: datasets.Arrays) -> None:
    assert arrays.x_train.shape == (60000, 28, 28, 1) and arrays.x_test.shape == (10000, 28, 28, 1)
    assert arrays.y_train.shape == (60000,) and arrays.y_test.dtype == np.int64
    assert sha256(arrays.x_test) == FASHION_X_TEST_SHA256
    assert np.bincount(arrays.y_test).tolist() == [1000] * 10
    assert arrays.class_names[0] == "T-shirt/top" and arrays.class_names[9] == "Ankle boot"


def test_fashion_mnist_in_a_sub_folder(shared):
    arrays = datasets.load_arrays("fashion_mnist", data_dir=shared)
    check_fashion(arrays)
    assert arrays.source == str(shared / "fashion-mnist")


def test_fashion_mnist_flat_in_the_env_folder(shared, tmp_path, monkeypatch):
    folder = link_files(shared / "fashion-mnist", formats.FASHION_MNIST_FILES, tmp_path / "flat")
    monkeypatch.setenv("KERAS_AE_DATA_DIR", str(folder))
    arrays = datasets.load_arrays("fashion_mnist")
    check_fashion(arrays)
    assert arrays.source == str(folder)


def test_fashion_mnist_incomplete_folder_is_reported(shared, tmp_path):
    link_files(shared / "fashion-mnist", formats.FASHION_MNIST_FILES[:2], tmp_path / "fashion-mnist")
    with pytest.raises(ValueError, match="incomplete: missing t10k-images-idx3-ubyte.gz"):
        datasets.load_arrays("fashion_mnist", data_dir=tmp_path)


def test_a_corrupt_idx_file_is_named(tmp_path):
    folder = tmp_path / "fashion-mnist"
    folder.mkdir()
    for name in formats.FASHION_MNIST_FILES:
        (folder / name).write_bytes(gzip.compress(b"\x00\x00\x08\x03" + b"\x00\x00\x00\x05" * 3))
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz is truncated"):
        datasets.load_arrays("fashion_mnist", data_dir=tmp_path)


# ----------------------------------------------------------------- CIFAR-10


def cifar_batch(x: np.ndarray, y: np.ndarray) -> bytes:
    """One official-style batch: rows in channel-major order."""
    return pickle.dumps({b"data": x.transpose(0, 3, 1, 2).reshape(len(x), 3072), b"labels": y.tolist()})


@pytest.mark.parametrize("sub_folder", ["cifar-10-batches-py", "cifar-10-batches-py-target/cifar-10-batches-py"])
def test_cifar_pickles_in_the_keras_cache(isolated, sub_folder):
    rng = np.random.default_rng(0)
    folder = isolated["cache"] / sub_folder
    folder.mkdir(parents=True)
    x = rng.integers(0, 256, (14, 32, 32, 3), dtype=np.uint8)
    y = rng.integers(0, 10, 14)
    for i, name in enumerate(formats.CIFAR10_PICKLES):
        (folder / name).write_bytes(cifar_batch(x[2 * i:2 * i + 2], y[2 * i:2 * i + 2]))
    arrays = datasets.load_arrays("cifar10")
    np.testing.assert_array_equal(arrays.x_train, x[:10])
    np.testing.assert_array_equal(arrays.x_test, x[10:12])
    np.testing.assert_array_equal(arrays.y_train, y[:10])
    assert arrays.class_names == formats.CIFAR10_CLASSES and arrays.source == str(folder)


class _RunsCode:
    def __reduce__(self):
        return (os.getcwd, ())


def test_cifar_pickles_that_would_run_code_are_refused(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name in formats.CIFAR10_PICKLES:
        (folder / name).write_bytes(pickle.dumps({b"data": _RunsCode(), b"labels": [0]}))
    with pytest.raises(ValueError, match="refusing to load posix.getcwd"):
        datasets.load_arrays("cifar10", data_dir=tmp_path)


@pytest.fixture(scope="module")
def cifar_members(shared) -> dict[str, bytes]:
    """Real members of the shared tarball, 2 train and 1 test per class, under
    their own names (so with the tarball's own prefix and layout)."""
    wanted = {(split, cls): n for cls in formats.CIFAR10_CLASSES for split, n in (("train", 2), ("test", 1))}
    members = {}
    with tarfile.open(shared / "cifar10-jpeg.tar.gz", "r|gz") as tar:
        for member in tar:
            parts = PurePosixPath(member.name).parts
            key = (parts[-3], parts[-2]) if member.isfile() and len(parts) >= 3 else None
            if wanted.get(key, 0) > 0:
                wanted[key] -= 1
                members[member.name] = tar.extractfile(member).read()
                if not any(wanted.values()):
                    break
    assert not any(wanted.values()), "the shared tarball lacks the expected train/<class>/, test/<class>/ members"
    return members


def write_tarball(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def pil_decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


def test_cifar_tarball_with_the_real_layout(cifar_members, tmp_path):
    write_tarball(tmp_path / "cifar10-jpeg.tar.gz", cifar_members)
    arrays = datasets.load_arrays("cifar10", data_dir=tmp_path)
    assert arrays.x_train.shape == (20, 32, 32, 3) and arrays.x_test.shape == (10, 32, 32, 3)
    assert arrays.y_train.tolist() == [i // 2 for i in range(20)]
    assert arrays.y_test.tolist() == list(range(10))
    assert arrays.source == str(tmp_path / "cifar10-jpeg.tar.gz")
    # Same pixels as PIL gives: the loader's TensorFlow decode must not drift
    # from what an image folder of the same JPEGs yields.
    first_test = sorted(name for name in cifar_members if PurePosixPath(name).parts[-3] == "test")[0]
    np.testing.assert_array_equal(arrays.x_test[0], pil_decode(cifar_members[first_test]))


def test_cifar_extracted_tree_equals_the_tarball(cifar_members, tmp_path):
    for name, data in cifar_members.items():
        path = tmp_path / "cifar10" / Path(*PurePosixPath(name).parts[-3:])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    from_tree = datasets.load_arrays("cifar10", data_dir=tmp_path)
    assert from_tree.source == str(tmp_path / "cifar10")
    from_tarball = formats.read_cifar_tarball(write_tarball(tmp_path / "cifar10-jpeg.tar.gz", cifar_members))
    np.testing.assert_array_equal(from_tree.x_train, from_tarball.x_train)
    np.testing.assert_array_equal(from_tree.y_test, from_tarball.y_test)


def test_cifar_tarball_with_other_classes_is_refused(cifar_members, tmp_path):
    some = {name: data for name, data in cifar_members.items() if "/cat/" in name or "/dog/" in name}
    write_tarball(tmp_path / "cifar10-jpeg.tar.gz", some)
    with pytest.raises(ValueError, match="ten CIFAR-10 classes.*Received: train classes \\['cat', 'dog'\\]"):
        datasets.load_arrays("cifar10", data_dir=tmp_path)


def test_cifar_tarball_without_test_images_is_refused(cifar_members, tmp_path):
    train_only = {name: data for name, data in cifar_members.items() if "test/" not in name}
    write_tarball(tmp_path / "cifar10-jpeg.tar.gz", train_only)
    with pytest.raises(ValueError, match="holds no test/<class>/"):
        datasets.load_arrays("cifar10", data_dir=tmp_path)


def test_cifar_tarball_with_a_broken_jpeg_names_it(cifar_members, tmp_path):
    members = dict(cifar_members)
    broken = sorted(members)[3]
    members[broken] = b"not a jpeg"
    write_tarball(tmp_path / "cifar10-jpeg.tar.gz", members)
    with pytest.raises(ValueError, match=f"{broken} is not a readable JPEG"):
        datasets.load_arrays("cifar10", data_dir=tmp_path)


# ------------------------------------------------------------ image folders


def save(path: Path, array: np.ndarray, mode: str | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array, mode).save(path)


def grey(h: int = 12, w: int = 10, value: int = 0) -> np.ndarray:
    return (np.arange(h * w, dtype=np.uint8).reshape(h, w) + value)


def colour(h: int = 12, w: int = 10, value: int = 0) -> np.ndarray:
    return np.stack([grey(h, w, value), grey(h, w, value + 50), grey(h, w, value + 100)], axis=-1)


def test_image_folder_greyscale(tmp_path):
    save(tmp_path / "train" / "b" / "1.png", grey(value=1))
    save(tmp_path / "train" / "a" / "2.png", grey(value=2))
    save(tmp_path / "train" / "a" / "1.png", grey(value=3))
    save(tmp_path / "test" / "b" / "x.png", grey(value=4))
    (tmp_path / "train" / "a" / ".DS_Store").write_bytes(b"\x00")
    arrays = datasets.load_arrays("image_folder", data_dir=tmp_path)
    assert arrays.class_names == ("a", "b")
    assert arrays.x_train.shape == (3, 12, 10, 1) and arrays.x_test.shape == (1, 12, 10, 1)
    assert arrays.y_train.tolist() == [0, 0, 1] and arrays.y_test.tolist() == [1]
    assert [int(x[0, 0, 0]) for x in arrays.x_train] == [3, 2, 1]  # sorted by class, then file
    assert arrays.source == str(tmp_path)


def test_image_folder_colour_with_alpha_and_jpeg(tmp_path):
    rgba = np.concatenate([colour(), np.full((12, 10, 1), 7, np.uint8)], axis=-1)
    save(tmp_path / "train" / "cat" / "1.png", rgba, "RGBA")
    save(tmp_path / "train" / "dog" / "2.jpg", colour())
    save(tmp_path / "test" / "cat" / "3.jpeg", colour())
    arrays = datasets.load_arrays("image_folder", data_dir=tmp_path)
    assert arrays.x_train.shape == (2, 12, 10, 3) and arrays.x_test.shape == (1, 12, 10, 3)
    np.testing.assert_array_equal(arrays.x_train[0], colour())


def test_image_folder_resizes_to_image_size(tmp_path):
    save(tmp_path / "train" / "a" / "1.png", grey(12, 10))
    save(tmp_path / "train" / "a" / "2.png", colour(20, 30))
    save(tmp_path / "test" / "a" / "3.png", grey(8, 8))
    arrays = datasets.load_arrays("image_folder", data_dir=tmp_path, image_size=(16, 16))
    # The grey images become RGB too, since the folder mixes both.
    assert arrays.x_train.shape == (2, 16, 16, 3) and arrays.x_test.shape == (1, 16, 16, 3)


def test_image_folder_size_mismatch_names_the_file(tmp_path):
    save(tmp_path / "train" / "a" / "1.png", grey(12, 10))
    save(tmp_path / "train" / "a" / "2.png", grey(14, 10))
    save(tmp_path / "test" / "a" / "3.png", grey(12, 10))
    with pytest.raises(ValueError, match=r"2\.png is 14x10x1 but .*1\.png is 12x10x1.*image_size=None"):
        datasets.load_arrays("image_folder", data_dir=tmp_path)


def test_image_folder_channel_mismatch_names_the_file(tmp_path):
    save(tmp_path / "train" / "a" / "1.png", grey())
    save(tmp_path / "test" / "a" / "2.png", colour())
    with pytest.raises(ValueError, match=r"2\.png is 12x10x3 but .*1\.png is 12x10x1"):
        datasets.load_arrays("image_folder", data_dir=tmp_path)


def test_image_folder_rejects_non_image_files(tmp_path):
    save(tmp_path / "train" / "a" / "1.png", grey())
    save(tmp_path / "test" / "a" / "2.png", grey())
    (tmp_path / "train" / "a" / "notes.txt").write_text("hello")
    with pytest.raises(ValueError, match=f"{tmp_path / 'train' / 'a' / 'notes.txt'} is not an image file"):
        datasets.load_arrays("image_folder", data_dir=tmp_path)
    (tmp_path / "train" / "a" / "notes.txt").unlink()
    (tmp_path / "train" / "a" / "broken.png").write_bytes(b"\x89PNG but not really")
    with pytest.raises(ValueError, match=f"{tmp_path / 'train' / 'a' / 'broken.png'} is not a readable image"):
        datasets.load_arrays("image_folder", data_dir=tmp_path)


def test_image_folder_layout_errors_name_the_path(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(ValueError, match=f"data_dir='{missing}'"):
        datasets.load_arrays("image_folder", data_dir=missing)
    save(tmp_path / "train" / "a" / "1.png", grey())
    with pytest.raises(ValueError, match=f"{tmp_path / 'test'} is missing"):
        datasets.load_arrays("image_folder", data_dir=tmp_path)
    (tmp_path / "test" / "a").mkdir(parents=True)
    with pytest.raises(ValueError, match=f"{tmp_path / 'test'} holds no images"):
        datasets.load_arrays("image_folder", data_dir=tmp_path)
    save(tmp_path / "test" / "loose.png", grey())
    with pytest.raises(ValueError, match="loose.png lies directly in"):
        datasets.load_arrays("image_folder", data_dir=tmp_path)


# -------------------------------------------------------------------- TFDS


def tfds_mnist_builder(x: np.ndarray, y: np.ndarray):
    """A builder TFDS names "mnist", generating the given digits locally, so
    that the real `tfds.builder("mnist")` later reads what it prepared."""
    import tensorflow_datasets as tfds

    class Mnist(tfds.testing.DummyMnist, skip_registration=True):
        VERSION = tfds.builder_cls("mnist").VERSION

        def _info(self):
            return tfds.core.DatasetInfo(
                builder=self,
                features=tfds.features.FeaturesDict({
                    "image": tfds.features.Image(shape=(28, 28, 1)),
                    "label": tfds.features.ClassLabel(num_classes=10),
                }),
                supervised_keys=("image", "label"),
            )

        def _split_generators(self, dl_manager):
            half = len(x) // 2
            return {"train": self._examples(0, half), "test": self._examples(half, len(x))}

        def _examples(self, start, stop):
            for i in range(start, stop):
                yield i, {"image": x[i], "label": int(y[i])}

    return Mnist


def same_examples(a_x, a_y, b_x, b_y) -> bool:
    """Equal as multisets: TFDS shuffles examples when it writes them."""
    def key(x, y):
        return sorted(zip((img.tobytes() for img in x), y.tolist()))
    return key(a_x, a_y) == key(b_x, b_y)


def test_tfds_prepared_data_is_read(isolated):
    sample = datasets.load_arrays("mnist_sample")
    x, y = sample.x_train[:24], sample.y_train[:24]
    tfds_mnist_builder(x, y)(data_dir=str(isolated["tfds"])).download_and_prepare()
    arrays = datasets.load_arrays("mnist")  # nothing in data_dir, env or the cache
    assert arrays.source.startswith("tfds:mnist")
    assert arrays.x_train.shape == (12, 28, 28, 1) and arrays.x_train.dtype == np.uint8
    assert arrays.y_train.dtype == np.int64 and arrays.class_names == tuple("0123456789")
    assert same_examples(arrays.x_train, arrays.y_train, x[:12], y[:12])
    assert same_examples(arrays.x_test, arrays.y_test, x[12:], y[12:])


def test_tfds_download_runs_only_when_possible(isolated, monkeypatch):
    import tensorflow_datasets as tfds

    sample = datasets.load_arrays("mnist_sample")
    builder_cls = tfds_mnist_builder(sample.x_train[:8], sample.y_train[:8])
    built = []
    monkeypatch.setattr(tfds, "builder", lambda name, data_dir: built.append(name) or builder_cls(data_dir=data_dir))
    monkeypatch.delenv("KERAS_AE_OFFLINE")
    monkeypatch.setattr(tfds_source, "can_connect", lambda host, port, timeout=3.0: True)
    arrays = datasets.load_arrays("mnist")
    assert built == ["mnist"] and arrays.source.startswith("tfds:mnist") and len(arrays.x_test) == 4


def test_download_possible_checks_offline_first(monkeypatch):
    def no_probe(*args, **kwargs):
        raise AssertionError("probed the network although offline")

    monkeypatch.setattr(tfds_source, "can_connect", no_probe)
    assert tfds_source.download_possible("mnist") == (False, "KERAS_AE_OFFLINE=1")


def test_download_possible_fails_fast_on_a_closed_port(monkeypatch):
    monkeypatch.delenv("KERAS_AE_OFFLINE")
    started = time.perf_counter()
    possible, why_not = tfds_source.download_possible("cifar10")
    assert not possible and why_not.startswith("127.0.0.1:")
    assert time.perf_counter() - started < 2.5


def test_probe_is_bounded_even_when_the_lookup_hangs(monkeypatch):
    def hang(*args, **kwargs):
        time.sleep(2)
        raise OSError("too late")

    monkeypatch.setattr(tfds_source.socket, "create_connection", hang)
    started = time.perf_counter()
    assert not tfds_source.can_connect("example.invalid", 443, timeout=0.3)
    assert time.perf_counter() - started < 1.5


def test_can_connect_to_a_listening_port():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        assert tfds_source.can_connect("127.0.0.1", server.getsockname()[1], timeout=1.0)


@pytest.mark.parametrize("name, hint", [
    ("mnist", "mnist.npz"),
    ("fashion_mnist", "train-images-idx3-ubyte.gz"),
    ("cifar10", "cifar10-jpeg.tar.gz"),
])
def test_not_found_error_names_every_place(isolated, tmp_path, monkeypatch, name, hint):
    monkeypatch.delenv("KERAS_AE_OFFLINE")
    monkeypatch.setattr(tfds_source, "can_connect", lambda host, port, timeout=3.0: False)
    monkeypatch.setenv("KERAS_AE_DATA_DIR", str(tmp_path / "missing"))
    isolated["cache"].mkdir(parents=True)
    started = time.perf_counter()
    with pytest.raises(ValueError) as info:
        datasets.load_arrays(name)
    assert time.perf_counter() - started < 5
    message = str(info.value)
    assert f"Could not find the data set {name!r}" in message
    assert "data_dir: not given" in message
    assert f"KERAS_AE_DATA_DIR: {tmp_path / 'missing'} (no such folder)" in message
    assert f"Keras cache: {isolated['cache']}" in message
    assert f"not prepared in {isolated['tfds']}" in message
    assert "download: not possible (" in message and "did not answer" in message
    assert hint in message and "data_dir=" in message and "--data-dir" in message
    assert message.endswith(f"Received: name={name!r}")


def test_not_found_error_lists_the_file_paths(isolated):
    isolated["cache"].mkdir(parents=True)
    (isolated["tfds"] / "mnist").mkdir(parents=True)  # a TFDS folder, but nothing prepared
    with pytest.raises(ValueError) as info:
        datasets.load_arrays("mnist")
    message = str(info.value)
    assert f"Keras cache: {isolated['cache'] / 'mnist.npz'} (not found)" in message
    assert f"TensorFlow Datasets: 'mnist' is not prepared in {isolated['tfds']} (version " in message
    assert "(KERAS_AE_OFFLINE=1)" in message


# ----------------------------------------------------------------- pipeline


@pytest.fixture(scope="module")
def digits() -> np.ndarray:
    return np.arange(10, dtype=np.uint8).reshape(10, 1, 1, 1) * np.ones((1, 2, 2, 1), np.uint8) * 25


def order(dataset) -> list[int]:
    return [int(round(v * 255 / 25)) for batch in dataset for v in batch.numpy()[:, 0, 0, 0]]


def test_pipeline_scales_and_batches(digits):
    dataset = datasets.make_pipeline(digits, batch_size=4)
    batches = [b.numpy() for b in dataset]
    assert [b.shape for b in batches] == [(4, 2, 2, 1), (4, 2, 2, 1), (2, 2, 2, 1)]
    assert all(b.dtype == np.float32 for b in batches)
    values = np.concatenate(batches)
    assert values.min() == 0.0 and values.max() == pytest.approx(225 / 255)
    assert order(dataset) == list(range(10))  # no shuffling unless asked


def test_pipeline_shuffles_by_seed(digits):
    a = datasets.make_pipeline(digits, batch_size=3, shuffle=True, seed=1)
    b = datasets.make_pipeline(digits, batch_size=3, shuffle=True, seed=1)
    c = datasets.make_pipeline(digits, batch_size=3, shuffle=True, seed=2)
    first, second = order(a), order(a)
    assert sorted(first) == list(range(10))
    assert first != second  # a new order each epoch ...
    assert [first, second] == [order(b), order(b)]  # ... the same ones for the same seed
    assert order(c) != first


def test_pipeline_with_labels(digits):
    labels = np.arange(10, dtype=np.int64) + 100
    x, y = next(iter(datasets.make_pipeline(digits, batch_size=10, shuffle=True, labels=labels)))
    np.testing.assert_array_equal(np.round(x.numpy()[:, 0, 0, 0] * 255 / 25).astype(int) + 100, y.numpy())


def test_pipeline_argument_errors(digits):
    with pytest.raises(ValueError, match="batch_size=0"):
        datasets.make_pipeline(digits, batch_size=0)
    with pytest.raises(ValueError, match="uint8"):
        datasets.make_pipeline(digits.astype(np.float32))
    with pytest.raises(ValueError, match="labels"):
        datasets.make_pipeline(digits, labels=np.zeros(3))
    with pytest.raises(ValueError, match="seed"):
        datasets.make_pipeline(digits, seed="0")


def mirrored(dataset, images: np.ndarray) -> list[bool]:
    """Per example, in index order: was it mirrored left-right? (Each image
    of `asymmetric` is one row [i, 100, 200 + i].)"""
    flipped = {}
    for batch in dataset:
        for image in np.round(batch.numpy() * 255).astype(np.uint8):
            index = int(image[0, 0, 0]) % 200
            flipped[index] = bool(image[0, 0, 0] >= 200)
            np.testing.assert_array_equal(image, images[index, :, ::-1] if flipped[index] else images[index])
    assert sorted(flipped) == list(range(len(images)))  # every example, once
    return [flipped[i] for i in range(len(images))]


@pytest.fixture(scope="module")
def asymmetric() -> np.ndarray:
    """40 images of one row, [i, 100, 200 + i]: none is its own mirror."""
    return np.stack([np.array([[i, 100, 200 + i]]) for i in range(40)]).astype(np.uint8)[..., None]


def test_flip_mirrors_half_the_images_anew_each_epoch_and_repeats_on_resume(asymmetric):
    import tensorflow as tf

    epoch = tf.Variable(0, dtype=tf.int64)
    dataset = datasets.make_pipeline(asymmetric, batch_size=7, shuffle=True, seed=4, epoch=epoch, augment="flip")
    draws = []
    for e in (0, 1, 0):
        epoch.assign(e)
        draws.append(mirrored(dataset, asymmetric))
    assert sum(draws[0]) == sum(draws[1]) == 20  # half of them, exactly
    assert draws[0] != draws[1]  # a new half each epoch ...
    assert draws[2] == draws[0]  # ... and the same half when epoch 0 is run again (a resume)
    other = datasets.make_pipeline(asymmetric, batch_size=7, shuffle=True, seed=5, epoch=epoch, augment="flip")
    assert mirrored(other, asymmetric) != draws[0]
    # The test pipeline and the default never mirror.
    assert not any(mirrored(datasets.make_pipeline(asymmetric, batch_size=7), asymmetric))


def test_flip_without_an_epoch_counter_draws_new_coins_each_pass(asymmetric):
    dataset = datasets.make_pipeline(asymmetric, batch_size=8, shuffle=True, seed=1, augment="flip")
    first, second = mirrored(dataset, asymmetric), mirrored(dataset, asymmetric)
    assert first != second and 0 < sum(first) < len(asymmetric)


def test_augment_errors_name_the_argument(asymmetric):
    with pytest.raises(ValueError, match="augment='rotate'"):
        datasets.make_pipeline(asymmetric, augment="rotate")
    with pytest.raises(ValueError, match=r"augment='flip'.*shape \(40, 3\)"):
        datasets.make_pipeline(asymmetric.reshape(40, 3), augment="flip")
    with pytest.raises(ValueError, match="augment='crop'"):
        datasets.load("mnist_sample", augment="crop")


def test_load_gives_pipelines_and_arrays():
    train, test, arrays = datasets.load("mnist_sample", batch_size=500, seed=3)
    assert arrays.x_train.shape == (6000, 28, 28, 1)
    first = next(iter(train)).numpy()
    assert first.shape == (500, 28, 28, 1) and first.dtype == np.float32
    assert not np.array_equal(first, arrays.x_train[:500] / 255.0)  # shuffled
    np.testing.assert_allclose(next(iter(test)).numpy(), arrays.x_test[:500] / np.float32(255.0))


# ---------------------------------------------------------- embedded sample


def test_embedded_sample_is_balanced_real_mnist():
    arrays = datasets.load_arrays("mnist_sample", data_dir="/ignored")
    assert arrays.x_train.shape == (6000, 28, 28, 1) and arrays.x_test.shape == (1000, 28, 28, 1)
    assert np.bincount(arrays.y_train).tolist() == [600] * 10
    assert np.bincount(arrays.y_test).tolist() == [100] * 10
    assert arrays.source == "embedded sample" and arrays.class_names == tuple("0123456789")
    assert len(set(arrays.y_train[:50].tolist())) == 10  # MNIST's order, classes mixed


def test_embedded_sample_regenerates_identically(shared, tmp_path, capsys):
    out = tmp_path / "sample.npz"
    embedded.main(["--source", str(shared / "mnist.npz"), "--out", str(out)])
    assert MNIST_X_TRAIN_SHA256 in capsys.readouterr().out
    shipped = Path(embedded.__file__).parent / "data" / embedded.SAMPLE_FILE
    with np.load(out) as fresh, np.load(shipped) as packaged:
        assert sorted(fresh.files) == sorted(packaged.files) == sorted(
            ["x_train", "y_train", "x_test", "y_test", "train_indices", "test_indices"]
        )
        for key in fresh.files:
            assert fresh[key].dtype == packaged[key].dtype and fresh[key].shape == packaged[key].shape
            assert fresh[key].tobytes() == packaged[key].tobytes(), key
        full = formats.read_mnist_npz(shared / "mnist.npz")
        np.testing.assert_array_equal(packaged["x_test"], full.x_test[packaged["test_indices"], ..., 0])


def test_make_sample_refuses_other_data(tmp_path):
    source = write_mnist_npz(tmp_path / "mnist.npz", n_train=6000, n_test=1000)
    with pytest.raises(ValueError, match="official MNIST"):
        embedded.make_sample(source, tmp_path / "out.npz")
    assert not (tmp_path / "out.npz").exists()
