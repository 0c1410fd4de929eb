"""The conditional VAE: encoder and decoder both see a one-hot label, so
the code keeps only what the label does not say, and `generate(labels)`
draws examples of chosen classes."""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from keras import ops

from keras_ae.blocks import ARCHITECTURES, condition_on_labels, conditioned_shape, gaussian_encoder
from keras_ae.labels import ConditionalSampling, check_labels, labelled_batch, one_hot
from keras_ae.models.base import register_family
from keras_ae.models.vae.vae import VAE
from keras_ae.validation import check_batch, check_positive_int


@register_family("cvae")
class ConditionalVAE(ConditionalSampling, VAE):
    """Conditional VAE (Sohn et al., 2015): q(z|x, y) and p(x|z, y).

    Everything of `VAE` holds, with the label as a second input everywhere:
    `fit(images, labels)` (or a `tf.data` set of `(images, labels)`),
    `encode(x, labels)`, `decode(z, labels)`, `reconstruct(x, labels)`.
    Labels are integer class ids; the networks see them one-hot.

    Args:
        encoder: a built `keras.Model` taking `[x, one_hot_label]` and
            returning mean and log-variance (`keras_ae.blocks.condition_on_labels`
            makes one), or use `ConditionalVAE.from_spec`.
        decoder: a built `keras.Model` taking `[z, one_hot_label]`.
        **kwargs: `beta`, `kl_warmup_steps`, `likelihood`, `sigma`,
            `binarize`, `seed`, as for `VAE`.

    Example:

    ```python
    model = keras_ae.models.ConditionalVAE.from_spec((28, 28, 1), 16, num_classes=10)
    model.compile(optimizer="adam")
    model.fit(x_train, y_train, epochs=10, batch_size=128)
    sevens = model.generate([7] * 8, seed=0)
    ```
    """

    conditional = True

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        self.num_classes = int(self.encoder.input_shape[1][-1])

    @classmethod
    def from_spec(cls, input_shape, latent_dim, num_classes=10, architecture=None, architecture_options=None, **options):
        """As `Autoencoder.from_spec`, for `num_classes` classes."""
        check_positive_int(num_classes, "num_classes")
        architecture_options = {**(architecture_options or {}), "num_classes": num_classes}
        return super().from_spec(input_shape, latent_dim, architecture, architecture_options, **options)

    @classmethod
    def build_networks(cls, architecture, input_shape, latent_dim, num_classes=10, **network_args):
        builder = ARCHITECTURES[architecture]
        encoder, _ = builder(conditioned_shape(input_shape, num_classes), latent_dim, **network_args)
        _, decoder = builder(input_shape, latent_dim + num_classes, **network_args)
        return condition_on_labels(gaussian_encoder(encoder), decoder, input_shape, num_classes)

    # === Public API ===

    def _labelled(self, x, labels):
        return [x, ops.one_hot(check_labels(labels, self.num_classes, len(x)), self.num_classes)]

    def encode(self, x, labels, batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
        """The posterior's mean and log-variance given the labels."""
        x = self.check_data(x, "x")
        mean, log_var = self.encoder.predict(self._labelled(x, labels), batch_size=batch_size, verbose=0)
        return mean, log_var

    def latent_codes(self, x, labels, batch_size: int = 256) -> np.ndarray:
        return self.encode(x, labels, batch_size=batch_size)[0]

    def decode(self, z, labels, batch_size: int = 256) -> np.ndarray:
        z = check_batch(z, self.latent_shape, "z")
        return self.decoder.predict(self._labelled(z, labels), batch_size=batch_size, verbose=0)

    def reconstruct(self, x, labels, batch_size: int = 256) -> np.ndarray:
        # `predict` checks both.
        return self.predict((x, labels), batch_size=batch_size, verbose=0)

    def interpolate(self, *args, **kwargs):
        raise NotImplementedError(
            "Interpolate the conditional VAE's codes with `latent_codes(x, labels)` and "
            "`decode(z, labels)`: a path needs a label for each end."
        )

    # === Training ===

    def check_fit_arrays(self, x, y, names=("x", "y")):
        if isinstance(x, (tuple, list)) and len(x) == 2 and y is None:
            x, y = x
        if isinstance(x, np.ndarray) or tf.is_tensor(x) or isinstance(y, (np.ndarray, list)) or tf.is_tensor(y):
            if y is None:
                raise ValueError(f"The conditional VAE trains on (images, labels). Received: {names[1]}=None")
            x = self.check_data(x, names[0])
            return (x, check_labels(y, self.num_classes, len(x), name=names[1])), None
        return x, y

    def check_predict_arrays(self, inputs):
        if isinstance(inputs, (tuple, list)) and len(inputs) == 2:
            x = self.check_data(inputs[0], "x")
            return x, check_labels(inputs[1], self.num_classes, len(x))
        return inputs

    def batch_parts(self, data, predicting=False):
        x, labels = labelled_batch(data)
        return {"x": x, "labels": labels}

    def unpack_batch(self, data):
        inputs, labels, sample_weight = super().unpack_batch(data)
        if not isinstance(inputs, (tuple, list)):
            inputs = (inputs, labels)  # a data set of (images, labels)
        return tuple(inputs), inputs[0], sample_weight

    def split_inputs(self, inputs):
        x, labels = inputs
        return x, (one_hot(labels, self.num_classes),)
