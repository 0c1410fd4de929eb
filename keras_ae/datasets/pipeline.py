"""The tf.data pipeline from uint8 arrays: float32 in [0, 1], shuffled with a
seed (a new order each epoch, the same orders every run), batched, prefetched."""

from __future__ import annotations

import numbers

import numpy as np
import tensorflow as tf

from keras_ae.catalog import AUGMENTATIONS
from keras_ae.validation import check_choice, check_positive_int


def make_pipeline(
    x: np.ndarray,
    batch_size: int = 128,
    shuffle: bool = False,
    seed: int = 0,
    labels: np.ndarray | None = None,
    epoch: tf.Variable | None = None,
    augment: str | None = None,
) -> tf.data.Dataset:
    """Batches of `x` scaled to float32 in [0, 1], or (x, labels) pairs.

    Args:
        x: uint8 array of examples, (N, ...).
        batch_size: examples per batch; the last batch may be smaller.
        shuffle: reshuffle every epoch; the sequence of orders depends only
            on `seed` (and TensorFlow's global seed, when one is set).
        seed: the shuffling seed.
        labels: optional (N,) labels to yield beside the images.
        epoch: an int64 variable holding the current epoch (set by
            `keras_ae.distribute.EpochCounter`): the order of each epoch is
            then a function of (seed, epoch) alone, so a run resumed at
            epoch k repeats the uninterrupted run's batches exactly.
        augment: `"flip"` mirrors half of the images left-right, a new half
            each epoch (with `epoch`, a function of (seed, epoch, example),
            so a resumed run draws the same mirrors); images only, (N,
            height, width, channels). An autoencoder's target is the
            mirrored image itself, so this only widens the training set (a
            conv AE of CIFAR-10 overfits it within 20 epochs without).
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    if not isinstance(x, np.ndarray) or x.dtype != np.uint8 or x.ndim < 2 or len(x) == 0:
        shown = f"shape {x.shape} and dtype {x.dtype}" if isinstance(x, np.ndarray) else f"type {type(x).__name__}"
        raise ValueError(f"`x` must be a non-empty uint8 array of shape (N, ...). Received: x with {shown}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"`seed` must be an integer. Received: seed={seed!r}")
    check_choice(augment, AUGMENTATIONS, "augment")
    if augment is not None and x.ndim != 4:
        raise ValueError(
            f"`augment={augment!r}` mirrors images, (N, height, width, channels). Received: x with shape {x.shape}"
        )
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape[:1] != (len(x),):
            raise ValueError(
                f"`labels` must have one entry per example ({len(x)}). Received: labels with "
                f"shape {labels.shape}"
            )

    # Shuffling indices and gathering whole batches beats shuffling the images
    # themselves: no shuffle buffer holding a copy of the data, one vectorised
    # cast per batch instead of one per image.
    images = tf.constant(x)
    targets = tf.constant(labels) if labels is not None else None
    dataset = tf.data.Dataset.range(len(x))
    if shuffle and epoch is not None:
        last = len(x) - 1
        dataset = dataset.map(
            lambda i: tf.random.experimental.index_shuffle(i, tf.stack([tf.constant(int(seed), tf.int64), epoch.read_value()]), last)
        )
    elif shuffle:
        dataset = dataset.shuffle(len(x), seed=int(seed), reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)

    def _coins(indices: tf.Tensor) -> tf.Tensor:
        """One fair coin per example, fixed by (seed, epoch, example)."""
        if epoch is None:
            # Without an epoch counter, a seeded stateful draw: new coins each
            # pass, the same sequence every run.
            return tf.random.uniform(tf.shape(indices), seed=int(seed)) < 0.5
        # The parity of a seeded permutation of the indices: exactly half
        # the examples are mirrored each epoch, with no random state to save.
        key = tf.stack([tf.constant(int(seed) + 1, tf.int64), epoch.read_value()])
        return tf.math.floormod(tf.random.experimental.index_shuffle(indices, key, len(x) - 1), 2) == 1

    def gather(indices: tf.Tensor) -> tf.Tensor | tuple[tf.Tensor, tf.Tensor]:
        batch = tf.cast(tf.gather(images, indices), tf.float32) / 255.0
        if augment == "flip":
            batch = tf.where(_coins(indices)[:, None, None, None], tf.reverse(batch, axis=[2]), batch)
        if targets is None:
            return batch
        return batch, tf.gather(targets, indices)

    dataset = dataset.map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.prefetch(tf.data.AUTOTUNE)
