"""Data sets as uint8 arrays and tf.data pipelines: the embedded MNIST sample,
MNIST, Fashion-MNIST and CIFAR-10 from local files or TFDS, and image folders."""

from __future__ import annotations

import os

import tensorflow as tf

from keras_ae.datasets import images, sources
from keras_ae.datasets.arrays import Arrays
from keras_ae.datasets.dsprites import DSprites
from keras_ae.datasets.pipeline import make_pipeline
from keras_ae.catalog import AUGMENTATIONS, DATASETS
from keras_ae.validation import check_choice, check_positive_int, check_shape

__all__ = ["AUGMENTATIONS", "DATASETS", "Arrays", "DSprites", "load", "load_arrays", "make_pipeline"]


def load_arrays(
    name: str,
    data_dir: str | os.PathLike | None = None,
    image_size: tuple[int, int] | None = None,
) -> Arrays:
    """A data set as uint8 arrays of shape (N, height, width, channels).

    MNIST, Fashion-MNIST and CIFAR-10 are read from the first of these that
    has their files: `data_dir`, the folder in `KERAS_AE_DATA_DIR`, the Keras
    cache (`$KERAS_HOME/datasets` or `~/.keras/datasets`), data TensorFlow
    Datasets has prepared (`$TFDS_DATA_DIR` or `~/tensorflow_datasets`), and
    last a TFDS download, tried only when `KERAS_AE_OFFLINE` is not "1" and
    the download host answers. In a folder they may be:

    - mnist: `mnist.npz` (Keras's layout);
    - fashion_mnist: the four official `*-ubyte.gz` files, in
      `fashion-mnist/` or in the folder itself;
    - cifar10: `cifar10-jpeg.tar.gz` (`{train,test}/<class>/*.jpg`), that
      tree extracted as `cifar10/`, or the official `cifar-10-batches-py/`.

    "image_folder" reads `data_dir/{train,test}/<class>/*.png|jpg|jpeg`, the
    classes being the sorted sub-folders of train/.

    Args:
        name: one of `DATASETS`.
        data_dir: folder with the data set's files; required for
            "image_folder", ignored for the embedded "mnist_sample".
        image_size: (height, width) to resize every image to, bilinearly.

    Raises:
        ValueError: for an unknown name or bad arguments, a malformed file
            (named in the message), or data found nowhere (the message lists
            every place looked in and how to provide the files).
    """
    check_choice(name, DATASETS, "name")
    if image_size is not None:
        image_size = check_shape(image_size, "image_size", rank=2)
    if name == "image_folder":
        if data_dir is None:
            raise ValueError(
                "The 'image_folder' data set needs `data_dir`, a folder holding train/<class>/ "
                "and test/<class>/ images. Received: data_dir=None"
            )
        return images.read_image_folder(data_dir, image_size)
    if name == "mnist_sample":
        # Imported here so that `python -m keras_ae.datasets.embedded` runs
        # a module the package has not imported already.
        from keras_ae.datasets import embedded

        arrays = embedded.load_sample()
    else:
        arrays = sources.resolve(name, data_dir)
    if image_size is None or arrays.x_train.shape[1:3] == image_size:
        return arrays
    return Arrays(
        images.resize_images(arrays.x_train, image_size), arrays.y_train,
        images.resize_images(arrays.x_test, image_size), arrays.y_test,
        arrays.class_names, arrays.source,
    )


def load(
    name: str,
    batch_size: int = 128,
    seed: int = 0,
    data_dir: str | os.PathLike | None = None,
    image_size: tuple[int, int] | None = None,
    labels: bool = False,
    epoch: tf.Variable | None = None,
    train_examples: int | None = None,
    augment: str | None = None,
) -> tuple[tf.data.Dataset, tf.data.Dataset, Arrays]:
    """(train pipeline shuffled with `seed`, test pipeline in order, the arrays).

    The pipelines yield images, float32 in [0, 1], as autoencoders train
    on, or `(images, labels)` with `labels=True` (the conditional families).
    `epoch`, `augment` (of the training images only): see
    `make_pipeline`. `train_examples`: train on the first N
    training examples only (a quick run).
    """
    batch_size = check_positive_int(batch_size, "batch_size")  # before any slow loading
    check_choice(augment, AUGMENTATIONS, "augment")
    arrays = load_arrays(name, data_dir=data_dir, image_size=image_size)
    if train_examples is not None:
        check_positive_int(train_examples, "train_examples")
        arrays = Arrays(arrays.x_train[:train_examples], arrays.y_train[:train_examples], arrays.x_test,
                        arrays.y_test, arrays.class_names, arrays.source)
    train = make_pipeline(arrays.x_train, batch_size, shuffle=True, seed=seed, labels=arrays.y_train if labels else None,
                          epoch=epoch, augment=augment)
    test = make_pipeline(arrays.x_test, batch_size, shuffle=False, labels=arrays.y_test if labels else None)
    return train, test, arrays
