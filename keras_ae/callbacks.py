"""Callbacks for keras_ae models: the generator's progress across epochs,
drawn from the same codes each time so that the rows compare."""

from __future__ import annotations

import keras
import numpy as np

from keras_ae.latent import prior_codes


class GenerationProgress(keras.callbacks.Callback):
    """Decodes the same `n` prior codes after every epoch.

    `images` is `(epochs, n, *data_shape)` once training ends: row `e` is
    what the generator made of the codes after epoch `e + 1`. A conditional
    model draws class `i % num_classes` in column `i`.

    Args:
        n: codes per epoch.
        seed: seed of the codes.
    """

    def __init__(self, n: int = 10, seed: int = 0):
        super().__init__()
        self.n, self.seed = n, seed
        self.rows: list[np.ndarray] = []

    def on_train_begin(self, logs=None):
        self.codes = prior_codes(self.n, self.model.latent_shape, self.seed)
        self.labels = (np.arange(self.n) % self.model.num_classes,) if hasattr(self.model, "num_classes") else ()

    def on_epoch_end(self, epoch, logs=None):
        self.rows.append(self.model.decode(self.codes, *self.labels))

    @property
    def images(self) -> np.ndarray:
        return np.stack(self.rows)
