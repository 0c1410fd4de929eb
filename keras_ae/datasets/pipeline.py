"""The tf.data pipeline from uint8 arrays: float32 in [0, 1], shuffled with a
seed (a new order each epoch, the same orders every run), batched, prefetched."""

from __future__ import annotations

import numbers

import numpy as np
import tensorflow as tf

from keras_ae.validation import check_positive_int


def make_pipeline(
    x: np.ndarray,
    batch_size: int = 128,
    shuffle: bool = False,
    seed: int = 0,
    labels: np.ndarray | None = None,
    epoch: tf.Variable | None = None,
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
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    if not isinstance(x, np.ndarray) or x.dtype != np.uint8 or x.ndim < 2 or len(x) == 0:
        shown = f"shape {x.shape} and dtype {x.dtype}" if isinstance(x, np.ndarray) else f"type {type(x).__name__}"
        raise ValueError(f"`x` must be a non-empty uint8 array of shape (N, ...). Received: x with {shown}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"`seed` must be an integer. Received: seed={seed!r}")
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

    def gather(indices: tf.Tensor) -> tf.Tensor | tuple[tf.Tensor, tf.Tensor]:
        batch = tf.cast(tf.gather(images, indices), tf.float32) / 255.0
        if targets is None:
            return batch
        return batch, tf.gather(targets, indices)

    dataset = dataset.map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.prefetch(tf.data.AUTOTUNE)
