"""Class labels for the conditional families: checks where arrays enter,
the one-hot encoding inside a step, and drawing examples of chosen classes."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_ae.latent import prior_codes
from keras_ae.validation import check_positive_int


def check_labels(labels, num_classes: int, count: int | None = None, name: str = "labels") -> np.ndarray:
    """Integer class ids in [0, num_classes), one per example when `count`."""
    array = np.asarray(labels)
    if array.ndim != 1 or not (np.issubdtype(array.dtype, np.integer) or np.all(np.mod(array, 1) == 0)):
        raise ValueError(
            f"`{name}` must be a 1-D array of integer class ids. Received: {name} with shape "
            f"{array.shape} and dtype {array.dtype}"
        )
    if array.size and (array.min() < 0 or array.max() >= num_classes):
        raise ValueError(label_range_message(name, num_classes, array[(array < 0) | (array >= num_classes)][0]))
    if count is not None and len(array) != count:
        raise ValueError(
            f"`{name}` must hold one label per example ({count}). Received: {name} with "
            f"{len(array)} entries"
        )
    return array.astype("int32")


def label_range_message(name: str, num_classes: int, bad, where: str = "") -> str:
    """The one-line error for a class id `bad` outside [0, num_classes)."""
    bad = bad.item() if isinstance(bad, np.generic) else bad
    if isinstance(bad, float) and bad.is_integer():
        bad = int(bad)
    return f"`{name}` must be class ids in [0, {num_classes}). Received: {name} containing {bad!r}{where}"


def labelled_batch(data):
    """`(x, labels)` of a batch of a conditional model: `(x, labels)` or
    `((x, labels),)`, with or without sample weights."""
    x, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
    if isinstance(x, (tuple, list)):
        x, labels = x
    return x, labels


def check_class_ids(labels, num_classes: int):
    """`labels` as int32, checked inside a graph: a bad id stops the step,
    where one_hot would silently make it an all-zero vector."""
    labels = ops.cast(labels, "int32")
    tf.debugging.assert_non_negative(labels, message="labels must be class ids >= 0")
    tf.debugging.assert_less(labels, num_classes, message=f"labels must be class ids < {num_classes}")
    return labels


def one_hot(labels, num_classes: int):
    """One-hot class ids inside a step (checked: see `check_class_ids`)."""
    return ops.one_hot(check_class_ids(labels, num_classes), num_classes)


class ConditionalSampling:
    """`generate(labels)` and `sample(n)` for a conditional model with
    `decode(z, labels)`, `num_classes` and `latent_shape`."""

    def generate(self, labels, seed: int | None = None, batch_size: int = 256) -> np.ndarray:
        """One example of each class in `labels`, from codes drawn from the prior."""
        labels = check_labels(labels, self.num_classes)
        if not len(labels):
            raise ValueError("`labels` must name at least one class. Received: labels=[]")
        return self.decode(prior_codes(len(labels), self.latent_shape, seed), labels, batch_size=batch_size)

    def sample(self, n: int, seed: int | None = None, batch_size: int = 256) -> np.ndarray:
        """`n` examples, the classes taken in turn (0, 1, ..., 0, 1, ...)."""
        n = check_positive_int(n, "n")
        return self.generate(np.arange(n) % self.num_classes, seed=seed, batch_size=batch_size)
